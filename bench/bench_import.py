"""Benchmark of bulk imports (run by `make bench`, never by `make test`).

In a scratch database (IMPORT_BENCH_DATABASE_NAME, default ebikeops_bench_import; the dev
database is never touched) it measures, each next to its floor in the same run:

- `import_seizures` of generated CSVs (100,000 and 1,000,000 rows, 20,000 distinct places
  across London, 1 % of rows broken in one of four ways) into an empty seizure table, then the
  same file again (every row unchanged); beside a bare `COPY` of the same file into a table of
  text columns with no index or check. Each size runs in its own process, so that its peak
  memory (max RSS) shows whether memory stays flat as the file grows.
- `import_policeuk` of the 26 real Metropolitan burglary files (116,973 rows), beside a bare
  `COPY` of the same files.

Writes the figures, the machine and its load (`uptime`) into docs/BENCHMARKS.md (the import
section). Usage: .venv/bin/python bench/bench_import.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))
BENCH_DB = os.environ.get("IMPORT_BENCH_DATABASE_NAME", "ebikeops_bench_import")
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/{BENCH_DB}"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ["DJANGO_DEBUG"] = "false"

MPS = REPO.parent / "shared" / "realdata" / "policeuk" / "metropolitan-burglary"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
SITES = 20_000
HEADER = ["REF", "OP", "WHEN", "LON", "LAT", "ACC", "TYPE", "REASON", "POWER", "MAKE", "FRAME", "DISPOSITION", "NOTES"]
MAPPING = """source_system = "bench"
timezone = "Europe/London"
[columns]
external_ref = "REF"
operation_ref = "OP"
seized_at = "WHEN"
longitude = "LON"
latitude = "LAT"
accuracy_m = "ACC"
vehicle_type = "TYPE"
reason = "REASON"
power = "POWER"
make = "MAKE"
frame_number = "FRAME"
disposition = "DISPOSITION"
notes = "NOTES"
[values.vehicle_type]
"PEDAL CYCLE (ELECTRIC)" = "e_bike"
"""
BARE_SEIZURES = "CREATE TEMPORARY TABLE bench_bare ({}) ON COMMIT DROP".format(
    ", ".join(f"c{i} text" for i in range(len(HEADER)))
)
BARE_POLICEUK = "CREATE TEMPORARY TABLE bench_bare ({}) ON COMMIT DROP".format(
    ", ".join(f"c{i} text" for i in range(12))
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(*args: str, database: str = DATABASE_URL) -> str:
    command = ["psql", "-X", "-q", "-At", database, *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def ensure_database() -> None:
    query = f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"  # noqa: S608 - the operator's own setting
    if not psql("-c", query, database=f"{SERVER}/postgres").strip():
        log(f"creating scratch database {BENCH_DB}")
        psql("-c", f'CREATE DATABASE "{BENCH_DB}"', database=f"{SERVER}/postgres")
    psql("-c", "CREATE EXTENSION IF NOT EXISTS postgis")


def setup_django() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from ebikeops.areas.models import Borough
    from ebikeops.areas.services import boroughs_load

    call_command("migrate", verbosity=0)
    if Borough.objects.count() != 33:
        boroughs_load(path=settings.BOROUGHS_FILE)


def generate(path: Path, rows: int, seed: int = 17) -> None:
    """`rows` seizures on 20,000 places across London, streamed to `path`. One row in a
    hundred is broken: a fix worse than the limit, a point in Paris, an unknown vehicle type,
    or a time outside the operation."""
    rng = random.Random(seed)
    places = [(round(rng.uniform(-0.45, 0.15), 6), round(rng.uniform(51.40, 51.62), 6)) for _ in range(SITES)]
    types = ["e_bike", "e_bike", "PEDAL CYCLE (ELECTRIC)", "e_scooter", "e_motorcycle", "other"]
    reasons = ["non_compliant_eapc", "private_e_scooter", "no_insurance_or_licence", "suspected_stolen"]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for i in range(rows):
            lon, lat = places[int(SITES * rng.random() ** 2)]  # every place used, some far more often
            when = T0 + timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
            accuracy, vehicle = "8", types[i % len(types)]
            broken = i % 100 == 99
            if broken:
                kind = (i // 100) % 4
                accuracy = "250" if kind == 0 else accuracy
                lon, lat = (2.3522, 48.8566) if kind == 1 else (lon, lat)
                vehicle = "hovercraft" if kind == 2 else vehicle
                when = T0 - timedelta(days=30) if kind == 3 else when
            writer.writerow([f"BENCH-{i}", "OP-BENCH", when.strftime("%Y-%m-%d %H:%M:%S"), lon, lat, accuracy,
                             vehicle, reasons[i % 4], "pra_2002_s59", "Make", f"WTU{i}", "held", "bench"])  # fmt: skip


def bare_copy(paths: list[Path], create: str) -> float:
    """The floor: COPY of the same bytes into a table of text columns, no index, no check."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(create)
        for path in paths:
            with (
                path.open("rb") as stream,
                cursor.cursor.copy("COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := stream.read(1 << 20):
                    copy.write(chunk)
        transaction.set_rollback(True)
    return time.perf_counter() - started


def indexed_copy(path: Path) -> float:
    """A second floor: COPY of the same rows, already typed, into an empty table like
    operations_seizure, then building that table's indexes (ten, two of them GiST): what any
    write of these rows into an indexed seizure table costs at least. (Until issue 17 this
    floor kept the indexes during the COPY; building them once afterwards is several times
    faster, and is what a bulk import does now.)"""
    from django.db import connection, transaction

    copy_sql = (
        "COPY bench_like (id, operation_id, point, accuracy_m, seized_at, received_at, vehicle_type, reason, power, "
        "make, model, colour, frame_number, disposition, notes, source, created_at, updated_at, version, "
        "source_system, external_ref) FROM STDIN"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM operations_operation LIMIT 1")
        (operation_id,) = cursor.fetchone()
        cursor.execute("CREATE TEMPORARY TABLE bench_like (LIKE operations_seizure INCLUDING DEFAULTS) ON COMMIT DROP")
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'operations_seizure'")
        indexes = [re.sub(r"INDEX \S+ ON \S+", "INDEX ON bench_like", text) for (text,) in cursor.fetchall()]
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        started = time.perf_counter()
        with path.open(newline="", encoding="utf-8") as stream, cursor.cursor.copy(copy_sql) as copy:
            reader = csv.reader(stream)
            next(reader)
            now = datetime.now(UTC)
            for row in reader:
                copy.write_row((uuid.uuid4(), operation_id, f"SRID=4326;POINT({row[3]} {row[4]})", row[5], row[2],
                                now, "e_bike", row[7], row[8], row[9], "", "", row[10], row[11], row[12], "import",
                                now, now, 1, "bench", row[0]))  # fmt: skip
        for definition in indexes:
            cursor.execute(definition)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def one_size(rows: int) -> dict:
    """In this (fresh) process: generate, COPY floor, import, import again. Returns figures."""
    setup_django()
    from django.db import connection

    from ebikeops.imports.kinds import SEIZURES
    from ebikeops.imports.mapping import mapping_load
    from ebikeops.imports.services import import_file
    from ebikeops.operations.models import Operation

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE operations_arrest, operations_seizure, operations_operation CASCADE")
    from django.contrib.gis.geos import Point

    Operation.objects.create(name="Bench operation", team="Bench", status="completed", started_at=T0,
                             ended_at=T0 + timedelta(days=720), location=Point(-0.1276, 51.5072, srid=4326),
                             source_system="bench", external_ref="OP-BENCH")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"seizures-{rows}.csv"
        started = time.perf_counter()
        generate(path, rows)
        generated_s = time.perf_counter() - started
        size = path.stat().st_size
        copy_s = min(bare_copy([path], BARE_SEIZURES) for _ in range(2))
        indexed_s = indexed_copy(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mapping = mapping_load(MAPPING, kind=SEIZURES)
        # The floors used temporary tables: the import gets a session of its own, as the command
        # line's, where it may still raise temp_buffers (imports/sql.py, TEMP_BUFFERS).
        connection.close()
        first = import_file(path=path, kind="seizures", mapping=mapping, user=None,
                            rejects_path=Path(folder) / "rejects.csv")  # fmt: skip
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        again = import_file(path=path, kind="seizures", mapping=mapping, user=None,
                            rejects_path=Path(folder) / "rejects2.csv")  # fmt: skip
        rejects_lines = sum(1 for _ in (Path(folder) / "rejects.csv").open()) - 1
    return {
        "rows": rows,
        "bytes": size,
        "generated_s": generated_s,
        "copy_s": copy_s,
        "indexed_copy_s": indexed_s,
        "import": first.to_dict(),
        "again": again.to_dict(),
        "rejects_lines": rejects_lines,
        "rss_before_mib": rss_before / 1024,
        "rss_peak_mib": rss_after / 1024,
    }


def policeuk() -> dict:
    setup_django()
    from ebikeops.incidents.models import Incident
    from ebikeops.incidents.services import incidents_import, policeuk_files

    Incident.objects.all().delete()
    files = policeuk_files(MPS)
    copy_s = min(bare_copy(files, BARE_POLICEUK) for _ in range(2))
    first = incidents_import(paths=files)
    again = incidents_import(paths=files)
    return {"files": len(files), "copy_s": copy_s, "import": first.to_dict(), "again": again.to_dict()}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) / 1024 / 1024  # fmt: skip
    versions = psql("-c", "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || PostGIS_Lib_Version()").strip()
    return f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM; {versions}; Python {platform.python_version()}"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607


def report(sizes: list[dict], police: dict, load_before: str, load_after: str, seconds: float) -> str:
    lines = [
        "## Import",
        "",
        f"`bench/bench_import.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, whole run {seconds:.0f} s. "
        f"Machine: {machine()}.",
        "",
        f"Load (`uptime`) before: `{load_before}`; after: `{load_after}`. The machine is shared: other "
        "engineers' test suites ran at the same time, so figures vary by a third or more between runs.",
        "",
        "**`import_seizures`** of generated CSVs (20,000 places drawn in a box around London, so a few per cent "
        "fall outside its boundary and are rejected; 1 % of the rows broken in other ways), into an empty table; "
        "then the same file again (every row unchanged). Floor: `COPY` of the same file into a "
        "table of text columns (no index, no check), best of two; and `COPY` of the same rows, already typed, "
        "into an empty table like `operations_seizure`, then building its ten indexes (two GiST), which any "
        "write of these rows into that table pays. The import's write includes each new seizure's custody "
        "step(s) and, where marked *rebuilt*, drops and rebuilds the tables' indexes and foreign keys (a bulk "
        "load into a table smaller than the file; docs/import.md). Peak RSS is the importing process's, "
        "measured in a fresh process per size.",
        "",
        "| rows | file | bare COPY | COPY + index build, seizure-like table | import (validate + write) | rows/s "
        "| % of bare COPY speed | accepted | rejects | phases: copy / validate / write / rejects "
        "| import again (unchanged) | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for s in sizes:
        imp, again = s["import"], s["again"]
        phases = " / ".join(
            f"{imp['phases'].get(k, 0):.1f} s" for k in ("copy_s", "validate_s", "write_s", "rejects_s")
        )
        lines.append(
            f"| {s['rows']:,} | {s['bytes'] / 1e6:.0f} MB | {s['copy_s']:.1f} s ({s['rows'] / s['copy_s']:,.0f}/s) "
            f"| {s['indexed_copy_s']:.1f} s ({s['rows'] / s['indexed_copy_s']:,.0f}/s) "
            f"| {imp['seconds']:.1f} s{' (rebuilt)' if imp.get('indexes_rebuilt') else ''} "
            f"| {s['rows'] / imp['seconds']:,.0f} "
            f"| {100 * s['copy_s'] / imp['seconds']:.0f} % "
            f"| {imp['inserted']:,} | {s['rejects_lines']:,} | {phases} | {again['seconds']:.1f} s "
            f"({again['unchanged']:,} unchanged) | {s['rss_peak_mib']:.0f} MiB |"
        )
    lines += ["", "Steps of the first import (the summary's `phases`, seconds):", ""]
    for s in sizes:
        steps = ", ".join(f"{name.removesuffix('_s')} {seconds:.1f}" for name, seconds in s["import"]["phases"].items()
                          if name not in ("copy_s", "validate_s", "write_s", "rejects_s"))  # fmt: skip
        lines.append(f"- {s['rows']:,} rows: {steps}")
    imp, again = police["import"], police["again"]
    rows = imp["rows"]
    lines += [
        "",
        f"**`import_policeuk`** of the {police['files']} real Metropolitan burglary files ({rows:,} rows) into an "
        "empty incident table, then again:",
        "",
        "| rows | bare COPY | import | rows/s | % of COPY speed | stored | no location | outside London | again |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {rows:,} | {police['copy_s']:.2f} s | {imp['seconds']:.1f} s | {rows / imp['seconds']:,.0f} "
        f"| {100 * police['copy_s'] / imp['seconds']:.0f} % | {imp['inserted']:,} | {imp['no_location']:,} "
        f"| {imp['outside_london']:,} | {again['seconds']:.1f} s ({again['unchanged']:,} unchanged) |",
        "",
        "Aim (issue 17): at least 50,000 rows/s for `import_seizures` with validation, at least 25 % of bare COPY.",
        "",
        'Reading the figures: where the time goes, with EXPLAIN evidence, is in docs/import.md ("Where the time '
        'goes").',
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    path = REPO / "docs" / "BENCHMARKS.md"
    content = path.read_text()
    marker = "<!-- section: import -->"
    if marker not in content:
        content = content.rstrip("\n") + "\n\n" + marker + "\n"
    start = content.index(marker) + len(marker)
    following = content.find("<!-- section:", start)
    end = following if following != -1 else len(content)
    tail = "\n" + content[end:] if following != -1 else ""
    path.write_text(content[:start] + "\n" + text + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size in this process
    parser.add_argument("--policeuk", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one_size(args.one)), flush=True)
        return
    if args.policeuk:
        print("RESULT " + json.dumps(policeuk()), flush=True)
        return

    started = time.perf_counter()
    load_before = uptime()
    ensure_database()
    setup_django()

    def child(*flags: str) -> dict:
        out = subprocess.run([sys.executable, __file__, *flags], capture_output=True, text=True, check=True).stdout  # noqa: S603
        return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])

    sizes = []
    for rows in (int(v) for v in args.sizes.split(",")):
        log(f"import_seizures, {rows:,} rows")
        sizes.append(child("--one", str(rows)))
        log(f"  {sizes[-1]['import']['seconds']:.1f} s; bare COPY {sizes[-1]['copy_s']:.1f} s")
    log("import_policeuk, Metropolitan burglary")
    police = child("--policeuk")
    text = report(sizes, police, load_before, uptime(), time.perf_counter() - started)
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
