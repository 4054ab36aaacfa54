"""Benchmark of reporting (run by `make bench`, never by `make test`).

In a scratch database (REPORTING_BENCH_DATABASE_NAME, default ebikeops_bench_reporting;
the dev database is never touched) it lays out, once, 1M seizures, 10k operations and 100k
arrests over two years across London (80 hubs, 20 of them in the demo area between Ealing
and the West End, plus scattered sites), then measures, each next to its floor in the same
run (the same SQL in psql; `COPY ... TO STDOUT` of the same rows):

- a 10k-point GeoJSON layer four ways: djangorestframework-gis serializer, plain DRF
  serializer, `.values()` + orjson, and the database-built JSON (`/api/v1/layers/seizures/`);
- the summary endpoint over the 1M seizures grouped by borough and month, and its 304;
- streamed GeoJSON exports of 10k, 100k and 1M seizures: time, and peak RSS of the server
  process (one gunicorn gthread worker, as scripts/serve.sh runs it) while it streams;
- vector tiles per second at zoom 12-15 over the demo area.

Writes the figures and the machine into docs/BENCHMARKS.md (the reporting section).
Usage: .venv/bin/python bench/bench_reporting.py [--export-sizes 10000,100000,1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))
BENCH_DB = os.environ.get("REPORTING_BENCH_DATABASE_NAME", "ebikeops_bench_reporting")
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/{BENCH_DB}"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ["DJANGO_DEBUG"] = "false"

SPEC = {"layout": 2, "seed": 0.37, "sites": 20_000, "operations": 10_000, "seizures": 1_000_000, "arrests": 100_000}
T0 = "2024-01-01T00:00:00+00:00"  # the two years of data start here
# The demo area (lon/lat): Ealing to the West End, where 20 of the 80 hubs are.
DEMO_AREA = (-0.33, 51.49, -0.12, 51.53)
TILES_PER_ZOOM = 60

LAYOUT_SQL = """
SELECT setseed(%(seed)s);
DROP TABLE IF EXISTS bench_reporting_sites, bench_reporting_ops;
-- Places where seizures happen, in British National Grid metres, kept only inside a borough:
-- 70 %% within a few hundred metres of one of 80 hubs (20 in the demo area), 30 %% anywhere.
CREATE TABLE bench_reporting_sites AS
WITH hubs AS (
    SELECT h,
           CASE WHEN h <= 20 THEN 517000 + random() * 13000 ELSE 505000 + random() * 50000 END AS x,
           CASE WHEN h <= 20 THEN 179000 + random() * 3000 ELSE 165000 + random() * 35000 END AS y
    FROM generate_series(1, 80) h
),
raw AS (
    SELECT s, random() AS kind, 1 + floor(random() * 80)::int AS hub,
           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n1,
           sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n2,
           random() AS ux, random() AS uy
    FROM generate_series(1, %(sites)s) s
),
placed AS (
    SELECT raw.s, ST_Transform(ST_SetSRID(ST_MakePoint(
        CASE WHEN raw.kind < 0.7 THEN h.x + raw.n1 * 300 ELSE 505000 + raw.ux * 50000 END,
        CASE WHEN raw.kind < 0.7 THEN h.y + raw.n2 * 300 ELSE 165000 + raw.uy * 35000 END), 27700), 4326) AS point
    FROM raw JOIN hubs h ON h.h = raw.hub
)
SELECT row_number() OVER (ORDER BY p.s)::int AS site, p.point, b.id AS borough_id
FROM placed p
JOIN LATERAL (SELECT id FROM areas_borough b WHERE ST_Covers(b.geom, p.point) ORDER BY gss_code LIMIT 1) b ON true;

CREATE TABLE bench_reporting_ops (n int PRIMARY KEY, id uuid, started_at timestamptz);
WITH chosen AS (
    SELECT o, 1 + floor(random() * (SELECT count(*) FROM bench_reporting_sites))::int AS site,
           %(t0)s::timestamptz + floor(random() * 730 * 24 * 60) * interval '1 minute' AS started_at
    FROM generate_series(1, %(operations)s) o
),
created AS (
    INSERT INTO operations_operation (id, reference, name, team, status, started_at, ended_at, location,
        officer_count, borough_id, notes, source, created_at, updated_at, version)
    SELECT gen_random_uuid(), '', 'Bench operation ' || c.o, 'Team ' || (1 + c.o %% 12), 'completed',
           c.started_at, c.started_at + interval '5 hours', s.point, 6, s.borough_id, 'briefed on site', 'field',
           now(), now(), 1
    FROM chosen c JOIN bench_reporting_sites s ON s.site = c.site
    RETURNING id, started_at
)
INSERT INTO bench_reporting_ops SELECT row_number() OVER (ORDER BY started_at, id), id, started_at FROM created;

INSERT INTO operations_seizure (id, operation_id, point, accuracy_m, seized_at, received_at, vehicle_type, reason,
    power, make, model, colour, frame_number, disposition, borough_id, notes, source, created_at, updated_at, version)
SELECT gen_random_uuid(), op.id, s.point, 8, op.started_at + x.minute * interval '1 minute', now(),
       (ARRAY['e_bike', 'e_bike', 'e_bike', 'e_scooter', 'e_scooter', 'e_motorcycle', 'other'])
           [1 + floor(x.r1 * 7)::int],
       (ARRAY['non_compliant_eapc', 'non_compliant_eapc', 'private_e_scooter', 'no_insurance_or_licence',
              'suspected_stolen', 'used_in_crime'])[1 + floor(x.r2 * 6)::int],
       'pra_2002_s59', 'Make', 'Model', 'black', 'WTU' || x.i,
       (ARRAY['held', 'held', 'returned', 'destroyed', 'retained_evidence'])[1 + floor(x.r3 * 5)::int],
       s.borough_id, 'rider fled on foot', 'field', now(), now(), 1
FROM (
    SELECT i, 1 + floor(random() * %(operations)s)::int AS op_n,
           1 + floor(random() * (SELECT count(*) FROM bench_reporting_sites))::int AS site,
           random() AS r1, random() AS r2, random() AS r3, floor(random() * 300) AS minute
    FROM generate_series(1, %(seizures)s) i
) x
JOIN bench_reporting_ops op ON op.n = x.op_n
JOIN bench_reporting_sites s ON s.site = x.site;

INSERT INTO operations_arrest (id, operation_id, point, accuracy_m, arrested_at, received_at, offence_category,
    warrant_offence_category, borough_id, notes, source, created_at, updated_at, version)
SELECT gen_random_uuid(), op.id, s.point, 8, op.started_at + x.minute * interval '1 minute', now(),
       (ARRAY['theft', 'robbery', 'drugs', 'weapons', 'driving', 'handling_stolen_goods'])[1 + floor(x.r1 * 6)::int],
       '', s.borough_id, '', 'field', now(), now(), 1
FROM (
    SELECT i, 1 + floor(random() * %(operations)s)::int AS op_n,
           1 + floor(random() * (SELECT count(*) FROM bench_reporting_sites))::int AS site,
           random() AS r1, floor(random() * 300) AS minute
    FROM generate_series(1, %(arrests)s) i
) x
JOIN bench_reporting_ops op ON op.n = x.op_n
JOIN bench_reporting_sites s ON s.site = x.site;
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(*args: str, database: str = DATABASE_URL, check: bool = True) -> str:
    command = ["psql", "-X", "-q", "-At", database, *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own SQL
    if check and result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout


def ensure_database() -> None:
    query = f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"  # noqa: S608 - the operator's own setting
    exists = psql("-c", query, database=f"{SERVER}/postgres")
    if not exists.strip():
        log(f"creating scratch database {BENCH_DB}")
        psql("-c", f'CREATE DATABASE "{BENCH_DB}"', database=f"{SERVER}/postgres")
    psql("-c", "CREATE EXTENSION IF NOT EXISTS postgis")


def setup_django():
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from ebikeops.areas.models import Borough
    from ebikeops.areas.services import boroughs_load

    call_command("migrate", verbosity=0)
    if Borough.objects.count() != 33:
        boroughs_load(path=settings.BOROUGHS_FILE)


def ensure_data() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_reporting_meta (spec jsonb)")
        cursor.execute("SELECT spec FROM bench_reporting_meta")
        row = cursor.fetchone()
        if row and json.loads(row[0]) == SPEC:
            log("bench data already laid out (delete bench_reporting_meta to redo)")
            return
        log(f"laying out {SPEC['seizures']:,} seizures, {SPEC['operations']:,} operations, {SPEC['arrests']:,} arrests")
        started = time.perf_counter()
        cursor.execute("TRUNCATE operations_arrest, operations_seizure, operations_operation CASCADE")
        cursor.execute(LAYOUT_SQL, {**SPEC, "t0": T0})
        cursor.execute("DELETE FROM bench_reporting_meta")
        cursor.execute("INSERT INTO bench_reporting_meta VALUES (%s)", [json.dumps(SPEC)])
    psql("-c", "VACUUM ANALYZE")
    log(f"laid out in {time.perf_counter() - started:.0f} s")


def bench_token() -> str:
    from rest_framework.authtoken.models import Token

    from ebikeops.core.models import Role, User

    user, _ = User.objects.get_or_create(username="bench-commander", defaults={"role": Role.COMMANDER})
    return Token.objects.get_or_create(user=user)[0].key


def median_time(function, runs: int) -> float:
    function()  # warm the caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def psql_time(sql: str, runs: int) -> float:
    """Median server + transfer time (psql's \\timing) of `sql`, output discarded, with
    JIT off as the API runs it."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write("SET jit = off;\n\\timing on\n" + (sql.rstrip().rstrip(";") + ";\n") * (runs + 1))
        path = handle.name
    try:
        output = psql("-v", "ON_ERROR_STOP=1", "-f", path, "-o", "/dev/null")  # a broken floor fails loudly
    finally:
        os.unlink(path)
    times = [float(m) / 1000 for m in re.findall(r"Time: ([\d.]+) ms", output)]
    assert len(times) == runs + 1, output[-500:]
    return statistics.median(times[1:])


def captured_sql(function) -> str:
    """The SQL (values inlined, as sent) of the main query `function` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ebikeops.reporting.sql import READ_SETTINGS

    with CaptureQueriesContext(connection) as captured:
        function()
    # the longest statement is the query (the others: settings, savepoints, ROLLBACK)
    sql = max((q["sql"] for q in captured.captured_queries), key=len).removeprefix(READ_SETTINGS)
    sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ', "", sql)
    # Exports stream through COPY themselves: the floor wraps the bare query in its own COPY.
    if sql.startswith("COPY (") and sql.endswith(") TO STDOUT"):
        sql = sql.removeprefix("COPY (").removesuffix(") TO STDOUT")
    return sql


def newest_since(count: int) -> str:
    """The `since` that selects the `count` newest seizures."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seized_at FROM operations_seizure ORDER BY seized_at DESC OFFSET %s LIMIT 1", [count - 1]
        )
        return cursor.fetchone()[0].astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- The server ------------------------------------------------------------------------------------


class Server:
    """One gunicorn gthread worker (4 threads, as served) on a free loopback port, so RSS is one process's."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn
            [
                str(REPO / ".venv/bin/gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                # As scripts/serve.sh runs it (gthread); the default 30 s timeout stays, to show
                # that a long export is not cut by it.
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=REPO / "backend",
            env={**os.environ},
        )
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        pgrep = ["pgrep", "-P", str(self.process.pid)]
        children = subprocess.run(pgrep, capture_output=True, text=True, check=False).stdout.split()  # noqa: S603
        self.worker = int(children[0])

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.worker}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def streamed(url: str, token: str, server: Server) -> tuple[float, int, int, int]:
    """(seconds, bytes, RSS before in KiB, peak RSS while streaming in KiB). The client is
    curl, writing to /dev/null: a Python client decoding a chunked body would be the slowest
    party on a two-core machine."""
    peak = before = server.rss_kib()
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    curl = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}",
            "-H", f"Authorization: Token {token}", server.url + url]  # fmt: skip
    result = subprocess.run(curl, capture_output=True, text=True, check=True)  # noqa: S603
    status, size_text, elapsed_text = result.stdout.split()
    assert status == "200", result.stdout
    size, elapsed = int(size_text), float(elapsed_text)
    done.set()
    sampler.join()
    return elapsed, size, before, peak


# --- The measurements -------------------------------------------------------------------------------


def bench_layer(runs: int, results: dict, since: str) -> None:
    import orjson
    from django.http import QueryDict
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from ebikeops.core.geofields import GeoJSONPointField
    from ebikeops.operations.api.serializers import SEIZURE_FIELDS, SeizureFeatureSensitive
    from ebikeops.operations.models import Seizure
    from ebikeops.reporting import selectors

    params = QueryDict(f"since={since}")
    queryset = selectors.records(selectors.SEIZURES, params).order_by("-seized_at", "id")
    count = queryset.count()

    class PlainSeizure(serializers.ModelSerializer):
        point = GeoJSONPointField()
        borough = serializers.CharField(source="borough.name", default=None)

        class Meta:
            model = Seizure
            fields = (*SEIZURE_FIELDS, "point", "frame_number", "notes")

    def drf_gis():
        return JSONRenderer().render(SeizureFeatureSensitive(queryset, many=True).data)

    def plain():
        return JSONRenderer().render(PlainSeizure(queryset, many=True).data)

    columns = [f for f in SEIZURE_FIELDS if f not in ("id", "operation", "borough")]

    def values_orjson():
        rows = queryset.values("id", "point", "operation_id", "borough__name", *columns, "frame_number", "notes")
        features = [
            {
                "id": row.pop("id"),
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [(point := row.pop("point")).x, point.y]},
                "properties": {"operation": row.pop("operation_id"), "borough": row.pop("borough__name"), **row},
            }
            for row in rows
        ]
        return orjson.dumps({"type": "FeatureCollection", "features": features})

    def database():
        return selectors.layer_geojson(selectors.SEIZURES, params, sensitive=True, limit=10_000)

    sizes = {}
    for name, function in (
        ("drf_gis", drf_gis),
        ("plain", plain),
        ("values_orjson", values_orjson),
        ("database", database),
    ):
        sizes[name] = len(function())
        results["layer"][name] = median_time(function, runs)
        log(f"layer {count} points, {name}: {results['layer'][name] * 1000:.0f} ms ({sizes[name] / 1e6:.1f} MB)")
    results["layer"]["points"] = count
    results["layer"]["bytes"] = sizes
    layer_sql = captured_sql(database)
    results["layer"]["psql"] = psql_time(layer_sql, runs)
    rows_sql = captured_sql(lambda: list(queryset.values_list("id", "point", *columns)))
    results["layer"]["copy_rows"] = psql_time(f"COPY ({rows_sql}) TO STDOUT", runs)
    log(
        f"layer floors: same SQL in psql {results['layer']['psql'] * 1000:.0f} ms, "
        f"COPY of the rows {results['layer']['copy_rows'] * 1000:.0f} ms"
    )


def bench_http(runs: int, results: dict, token: str, since_10k: str, export_sizes: list[int]) -> None:
    import logging

    import httpx
    from django.conf import settings
    from django.http import QueryDict

    from ebikeops.reporting import selectors
    from ebikeops.reporting.api.tiles import TILE_BUFFER, TILE_COUNT_CELL, TILE_EXTENT

    logging.getLogger("httpx").setLevel(logging.WARNING)
    headers = {"Authorization": f"Token {token}"}
    server = Server()
    try:
        with httpx.Client(base_url=server.url, timeout=900) as client:
            # the layer over HTTP
            def layer():
                response = client.get(f"/api/v1/layers/seizures/?since={since_10k}", headers=headers)
                assert response.status_code == 200 and not json.loads(response.content)["truncated"]

            results["layer"]["http"] = median_time(layer, runs)
            log(f"layer over HTTP: {results['layer']['http'] * 1000:.0f} ms")

            # the summary over 1M seizures, by borough and month
            summary_url = "/api/v1/summaries/?group_by=borough,month"
            first = client.get(summary_url, headers=headers)
            assert first.status_code == 200, first.text[:500]
            body = first.json()
            results["summary"] = {
                "seizures": body["totals"]["seizures"]["total"],
                "groups": len(body["groups"]),
                "http": median_time(lambda: client.get(summary_url, headers=headers), runs),
                "http_304": median_time(
                    lambda: client.get(summary_url, headers={**headers, "If-None-Match": first.headers["ETag"]}), 20
                ),
            }
            window = selectors.summary_range(QueryDict(""), now=datetime.now(UTC))
            summary_sql = captured_sql(
                lambda: selectors.summary(params=QueryDict(""), group_by=["borough", "month"], window=window)
            )
            results["summary"]["psql"] = psql_time(summary_sql, runs)
            log(
                f"summary of {results['summary']['seizures']:,} seizures in {results['summary']['groups']} groups: "
                f"{results['summary']['http'] * 1000:.0f} ms over HTTP, {results['summary']['psql'] * 1000:.0f} ms "
                f"in psql; 304 in {results['summary']['http_304'] * 1000:.1f} ms"
            )

            # streamed exports
            results["exports"] = []
            for size in export_sizes:
                since = newest_since(size)
                url = f"/api/v1/exports/seizures.geojson?since={since}"
                seconds, size_bytes, before, peak = streamed(url, token, server)
                params = QueryDict(f"since={since}")
                export_sql = captured_sql(
                    lambda p=params: first_chunk(
                        selectors.export_geojson_features(selectors.SEIZURES, p, sensitive=True, chunk_size=1)
                    )
                )
                copy = psql_time(f"COPY ({export_sql}) TO STDOUT", 1)
                results["exports"].append(
                    {
                        "rows": size,
                        "seconds": seconds,
                        "bytes": size_bytes,
                        "rss_before_kib": before,
                        "rss_peak_kib": peak,
                        "copy": copy,
                    }
                )
                log(
                    f"export {size:,} seizures: {seconds:.2f} s, {size_bytes / 1e6:.0f} MB, worker RSS "
                    f"{before / 1024:.0f} -> peak {peak / 1024:.0f} MiB; COPY of the same rows {copy:.2f} s"
                )

            # tiles over the demo area
            results["tiles"] = []
            for z in range(12, 16):
                tiles = demo_tiles(z)
                statuses = []
                sizes = []
                counted = []

                def fetch_all(tiles=tiles, z=z, statuses=statuses, sizes=sizes, counted=counted):
                    statuses.clear()
                    sizes.clear()
                    counted.clear()
                    for x, y in tiles:
                        response = client.get(f"/tiles/seizures/{z}/{x}/{y}.mvt", headers=headers)
                        statuses.append(response.status_code)
                        sizes.append(len(response.content))
                        counted.append(b"seizure_counts" in response.content)

                seconds = median_time(fetch_all, max(1, runs // 2))
                tile_sql = []
                for x, y in tiles:
                    sql = captured_sql(
                        lambda x=x, y=y, z=z: selectors.seizure_tile(
                            QueryDict(""),
                            z=z,
                            x=x,
                            y=y,
                            extent=TILE_EXTENT,
                            buffer=TILE_BUFFER,
                            max_points=settings.REPORTING_TILE_MAX_POINTS,
                            cell=TILE_COUNT_CELL,
                        )
                    )
                    tile_sql.append(sql)
                floor = psql_time_many(tile_sql)
                results["tiles"].append(
                    {
                        "z": z,
                        "tiles": len(tiles),
                        "per_second": len(tiles) / seconds,
                        "psql_per_second": len(tiles) / floor,
                        "empty": statuses.count(204),
                        "counted": sum(counted),
                        "median_kib": statistics.median(sizes) / 1024,
                    }
                )
                log(
                    f"tiles z{z}: {len(tiles) / seconds:.0f}/s over HTTP ({statuses.count(204)} of {len(tiles)} empty, "
                    f"{sum(counted)} as counts per cell, "
                    f"median {statistics.median(sizes) / 1024:.1f} KiB); {len(tiles) / floor:.0f}/s in psql"
                )
    finally:
        server.stop()


def first_chunk(chunks) -> None:
    """Open the export's cursor and read one row (enough to see its SQL), then close it."""
    next(chunks, None)
    chunks.close()


def psql_time_many(statements: list[str]) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write("SET jit = off;\n\\timing on\n" + "".join(s.rstrip().rstrip(";") + ";\n" for s in statements))
        path = handle.name
    try:
        output = psql("-f", path, "-o", "/dev/null")
    finally:
        os.unlink(path)
    return sum(float(m) / 1000 for m in re.findall(r"Time: ([\d.]+) ms", output))


def demo_tiles(z: int) -> list[tuple[int, int]]:
    """Up to TILES_PER_ZOOM tiles covering the demo area at zoom z, evenly spread."""

    def tile(lon, lat):
        n = 2**z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    west, south, east, north = DEMO_AREA
    (x0, y0), (x1, y1) = tile(west, north), tile(east, south)
    every = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    step = max(1, len(every) // TILES_PER_ZOOM)
    return every[::step][:TILES_PER_ZOOM]


# --- Report ----------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = (
        int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        / 1024
        / 1024
    )
    versions = psql("-c", "SELECT split_part(version(), ' on ', 1) || ', PostGIS ' || PostGIS_Lib_Version()").strip()
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM; {versions}; Python {platform.python_version()}; "
        "one gunicorn gthread worker (4 threads, default 30 s timeout, as scripts/serve.sh runs it), "
        "client on the same machine"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def mb(layer: dict, way: str) -> str:
    return f"{layer['bytes'][way] / 1e6:.1f} MB"


def report(results: dict) -> str:
    layer = results["layer"]
    summary = results["summary"]
    lines = [
        "## Reporting",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/bench_reporting.py` on: {machine()}.",
        f"Data: {SPEC['seizures']:,} seizures, {SPEC['operations']:,} operations and {SPEC['arrests']:,} arrests "
        "over two years across London, in the scratch database "
        f"`{BENCH_DB}`. Times are medians.",
        "",
        f"**A {layer['points']:,}-point GeoJSON layer** (the newest seizures, officer's fields; built in-process, "
        "then the layer endpoint over HTTP):",
        "",
        "| way | time | bytes |",
        "| --- | ---: | ---: |",
        f"| djangorestframework-gis serializer + JSONRenderer | {ms(layer['drf_gis'])} | {mb(layer, 'drf_gis')} |",
        f"| plain DRF serializer (flat objects) + JSONRenderer | {ms(layer['plain'])} | {mb(layer, 'plain')} |",
        f"| `.values()` + orjson | {ms(layer['values_orjson'])} | {mb(layer, 'values_orjson')} |",
        f"| database-built (`ST_AsGeoJSON`, `json_agg`; the layer selector) | {ms(layer['database'])} | "
        f"{mb(layer, 'database')} |",
        f"| `GET /api/v1/layers/seizures/` over HTTP | {ms(layer['http'])} | |",
        f"| floor: the same SQL in psql | {ms(layer['psql'])} | |",
        f"| floor: `COPY` of the same rows' columns to stdout | {ms(layer['copy_rows'])} | |",
        "",
        f"**Summary** `GET /api/v1/summaries/?group_by=borough,month` over {summary['seizures']:,} seizures "
        f"({summary['groups']} groups): {ms(summary['http'])} over HTTP; the same SQL in psql "
        f"{ms(summary['psql'])} (ratio {summary['http'] / summary['psql']:.2f}); "
        f"a conditional GET answered 304 in {ms(summary['http_304'])}.",
        "",
        "**Streamed GeoJSON export** `GET /api/v1/exports/seizures.geojson?since=...` (the newest N seizures, "
        "officer's fields; body read by curl into /dev/null; RSS of the gunicorn worker sampled every 5 ms):",
        "",
        "| seizures | time | size | worker RSS before | peak while streaming | floor: `COPY` of the same features "
        "| API / floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for export in results["exports"]:
        lines.append(
            f"| {export['rows']:,} | {export['seconds']:.2f} s | {export['bytes'] / 1e6:,.0f} MB | "
            f"{export['rss_before_kib'] / 1024:.0f} MiB | {export['rss_peak_kib'] / 1024:.0f} MiB | "
            f"{export['copy']:.2f} s | {export['seconds'] / export['copy']:.2f} |"
        )
    lines += [
        "",
        f"**Vector tiles** over the demo area ({', '.join(str(v) for v in DEMO_AREA)}), up to {TILES_PER_ZOOM} tiles "
        "per zoom, one client, one worker, sequential requests:",
        "",
        "| zoom | tiles | empty (204) | counts per cell | median size | tiles/s over HTTP | floor: tiles/s in psql "
        "| floor / API |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tile in results["tiles"]:
        lines.append(
            f"| {tile['z']} | {tile['tiles']} | {tile['empty']} | {tile['counted']} | {tile['median_kib']:.1f} KiB | "
            f"{tile['per_second']:.0f} | {tile['psql_per_second']:.0f} | "
            f"{tile['psql_per_second'] / tile['per_second']:.2f} |"
        )
    biggest = results["exports"][-1]
    lines += [
        "",
        "Reading them:",
        "",
        f"- The layer over HTTP took {layer['http'] / layer['psql']:.2f}x its SQL in psql, "
        f"{layer['drf_gis'] / layer['http']:.1f}x faster than the djangorestframework-gis serializer alone. "
        'PostgreSQL writes JSON objects with spaces (`"key" : value`), so its bytes are about 9 % more '
        "than Python's; gzip at a proxy removes the difference.",
        f"- The summary over HTTP took {summary['http'] / summary['psql']:.2f}x its SQL in psql; a poll "
        f"answered 304 costs {summary['http_304'] / summary['http'] * 100:.1f} % of a full answer.",
        f"- Export memory is flat: the worker's peak RSS while streaming "
        f"{biggest['rows']:,} seizures ({biggest['bytes'] / 1e6:,.0f} MB) was its RSS before the request. "
        "Time grows linearly with the rows.",
        "- The tile floor is the tile SQL alone; over HTTP each tile also pays authentication, the "
        "data-version read (for its ETag) and a request, a few milliseconds that matter most for the "
        "small, fast tiles of high zooms. Busy tiles (counts per cell) are bound by the database.",
        "- Everything (PostgreSQL, the gunicorn worker and the client) shares two cores, and the other "
        "benchmarks and test runs on this machine may have been running too; the ratios are the "
        "figures to compare. The data are about 400 times London's yearly seizures (about 2,500).",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    path = REPO / "docs" / "BENCHMARKS.md"
    content = path.read_text()
    marker = "<!-- section: reporting -->"
    start = content.index(marker) + len(marker)
    following = content.find("<!-- section:", start)
    end = following if following != -1 else len(content)
    tail = "\n" + content[end:] if following != -1 else ""
    path.write_text(content[:start] + "\n" + text + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    export_sizes = [int(v) for v in args.export_sizes.split(",")]

    ensure_database()
    setup_django()
    ensure_data()
    token = bench_token()
    results: dict = {"layer": {}}
    since_10k = newest_since(10_000)
    bench_layer(args.runs, results, since_10k)
    bench_http(args.runs, results, token, since_10k, export_sizes)
    text = report(results)
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
