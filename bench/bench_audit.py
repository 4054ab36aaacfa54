"""Benchmark of the audit trail (run by `make bench`, never by `make test`).

In a scratch database (AUDIT_BENCH_DATABASE_NAME, default ebikeops_bench_audit; the dev
database is never touched) it lays out, once, a year of a busy force's audit trail: 20
million events over 12 monthly partitions (2,000 users; 55 % consultations of a list, 25 %
of one record, 2 % disclosures, the rest collections, alterations, combinations and
erasures), generated set-based with generate_series and the triggers off (their hashes are
filler: verify_audit is not the point here). Then it measures, each next to its floor:

- "everything user X consulted last month" (the selector, all rows) in November 2026's
  partition as appended, then lays the closed months out by actor (`audit_partitions
  --cluster-closed`'s service) and measures it again: warm, cold (the OS page cache dropped,
  as root) and the pages it reads; and the API's first page;
- "every event that touched seizure R" (GIN on records) and "all events of one minute";
- appending events through the trigger (hash chain, head row lock): one writer, and four at
  once, on that 20-million-row table;
- a 100-feature seizure list read over the API in-process, with and without AuditMiddleware;
- a sync batch of 500 seizures, with and without the audit events of its writes.

Writes the figures and the machine into docs/BENCHMARKS.md (the audit section).
Usage: .venv/bin/python bench/bench_audit.py [--events 20000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))
sys.path.insert(0, str(REPO))
BENCH_DB = os.environ.get("AUDIT_BENCH_DATABASE_NAME", "ebikeops_bench_audit")
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/{BENCH_DB}"
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ["DJANGO_DEBUG"] = "false"

YEAR_START = datetime(2025, 12, 1, tzinfo=UTC)  # twelve UTC months: December 2025 to November 2026
ACTORS = 2_000

# One month of events per statement (progress, and WAL in pieces). Triggers are off for the
# session (session_replication_role = replica, a superuser's setting): no hash chain, no lock.
LAYOUT_MONTH = """
SET session_replication_role = replica;
INSERT INTO audit_event (id, occurred_at, actor_id, actor_username, actor_role, client_kind, client_ref, ip,
                         user_agent, request_id, action, endpoint, records, filters, count, changes, purpose,
                         prev_hash, hash)
SELECT g,
       %(start)s::timestamptz + (g - %(first)s) * ((%(stop)s::timestamptz - %(start)s::timestamptz) / %(n)s),
       s.actor, 'user' || s.actor,
       CASE WHEN s.actor %% 10 = 0 THEN 'commander' WHEN s.actor %% 5 = 0 THEN 'analyst' ELSE 'officer' END,
       CASE WHEN g %% 4 = 0 THEN 'session' ELSE 'token' END, left(md5(s.actor::text), 16),
       ('10.0.' || (s.actor %% 250) || '.' || (s.actor / 250))::inet, 'officer-app/2.1', md5(g::text),
       k.action, k.endpoint, k.records, k.filters, k.count, k.changes, '',
       md5((g - 1)::text) || md5((g - 1)::text), md5(g::text) || md5(g::text)
FROM (
    SELECT g, 1 + floor(random() * %(actors)s)::int AS actor, random() AS r,
           ('seizure:' || md5(floor(random() * 1000000)::text)::uuid) AS record
    FROM generate_series(%(first)s, %(first)s + %(n)s - 1) AS g
) AS s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.r < 0.55 THEN 'consult' WHEN s.r < 0.80 THEN 'consult' WHEN s.r < 0.82 THEN 'disclose'
                WHEN s.r < 0.92 THEN 'collect' WHEN s.r < 0.98 THEN 'alter' WHEN s.r < 0.99 THEN 'combine'
                ELSE 'erase' END AS action,
           CASE WHEN s.r < 0.55 THEN 'seizure-list' WHEN s.r < 0.80 THEN 'seizure-detail'
                WHEN s.r < 0.82 THEN 'export-seizures-csv' ELSE 'sync' END AS endpoint,
           CASE WHEN s.r < 0.55 OR (s.r >= 0.80 AND s.r < 0.82) THEN '{}'::varchar(80)[]
                ELSE ARRAY[s.record]::varchar(80)[] END AS records,
           CASE WHEN s.r < 0.55 OR (s.r >= 0.80 AND s.r < 0.82)
                THEN jsonb_build_object('vehicle_type', 'e_bike', 'page_size', '100') END AS filters,
           CASE WHEN s.r < 0.55 THEN 100 WHEN s.r < 0.80 THEN 1 WHEN s.r < 0.82 THEN 2500 END AS count,
           CASE WHEN s.r >= 0.92 AND s.r < 0.98
                THEN jsonb_build_object(s.record, jsonb_build_object('colour', jsonb_build_array('red', 'blue')))
           END AS changes
) AS k;
"""

INDEXES = """
SET maintenance_work_mem = '1GB';
CREATE INDEX audit_event_actor_time ON audit_event (actor_id, occurred_at);
CREATE INDEX audit_event_time ON audit_event (occurred_at);
CREATE INDEX audit_event_records ON audit_event USING gin (records);
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(*args: str, database: str = DATABASE_URL, check: bool = True) -> str:
    command = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", database, *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own SQL
    if check and result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout


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


def month_starts() -> list[datetime]:
    return [
        YEAR_START.replace(
            year=YEAR_START.year + (YEAR_START.month - 1 + m) // 12, month=(YEAR_START.month - 1 + m) % 12 + 1
        )
        for m in range(13)
    ]


def ensure_events(events: int) -> None:
    from django.db import connection

    spec = {"events": events, "actors": ACTORS, "year_start": YEAR_START.isoformat(), "layout": 1}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_audit_meta (spec jsonb)")
        cursor.execute("SELECT spec FROM bench_audit_meta")
        row = cursor.fetchone()
        if row and json.loads(row[0]) == spec:
            log("bench events already laid out (delete bench_audit_meta to redo)")
            return
    log(f"laying out {events:,} events over 12 monthly partitions")
    started = time.perf_counter()
    psql("-c", "TRUNCATE audit_event, audit_chain_head")
    psql("-c", "DROP INDEX IF EXISTS audit_event_actor_time, audit_event_time, audit_event_records")
    starts = month_starts()
    for start in starts[:12]:
        psql("-c", f"SELECT audit_event_partition_ensure('{start:%Y-%m-%d}')")
    per_month = events // 12
    for m in range(12):
        first = 1 + m * per_month
        params = {"start": starts[m].isoformat(), "stop": starts[m + 1].isoformat(), "n": per_month, "first": first}
        sql = LAYOUT_MONTH % {**{k: f"'{v}'" if isinstance(v, str) else v for k, v in params.items()}, "actors": ACTORS}
        psql("-c", sql)
        log(f"  {starts[m]:%B %Y}: {per_month:,} events ({time.perf_counter() - started:.0f} s)")
    log("building the indexes")
    psql("-c", INDEXES)
    last = per_month * 12
    # The laid-out events have no chain (chain NULL): they stand for the legacy chain (head 0);
    # the appends below go to the chains that migrate opened (AUDIT_CHAINS).
    psql(
        "-c",
        f"SELECT setval('audit_event_id_seq', {last}); INSERT INTO audit_chain_head"  # noqa: S608 - ints
        f" (id, last_id, last_seq, hash, open) VALUES (0, {last}, 0,"
        f" (SELECT hash FROM audit_event WHERE id = {last}), false)",
    )
    from django.conf import settings

    from ebikeops.audit.services import chains_ensure

    chains_ensure(chains=settings.AUDIT_CHAINS)
    psql("-c", "VACUUM ANALYZE audit_event")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_audit_meta")
        cursor.execute("INSERT INTO bench_audit_meta VALUES (%s)", [json.dumps(spec)])
    log(f"laid out in {time.perf_counter() - started:.0f} s")


def median_ms(function, runs: int) -> float:
    function()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def cpu_seconds() -> float:
    """CPU time of this process and of its PostgreSQL backend (/proc/PID/schedstat, in ns): the
    work a request costs, which other processes' load on the shared cores does not inflate as
    it does wall time. Needs the database server on this machine (else this process alone)."""
    from django.db import connection

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    try:
        server = int(Path(f"/proc/{backend}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        server = 0.0
    return time.process_time() + server


def timed(function) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call of `function`."""
    cpu, started = cpu_seconds(), time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000, (cpu_seconds() - cpu) * 1000


def interleaved(function, runs: int, results: dict, name: str, *, unaudited_function=None) -> None:
    """`runs` pairs of calls, with audit (`function`) and without (`unaudited_function`, by
    default the same), so that load hits both alike; stores the medians of wall and CPU time,
    and each pair's ratios of wall and of CPU time."""
    with_audit, without, own = [], [], []
    unaudited_function = unaudited_function or function

    def audited() -> None:
        with _audit_calls_timed() as spent:
            with_audit.append(timed(function))
        own.append(spent)

    def unaudited() -> None:
        # The unaudited client loaded its middleware without AuditMiddleware (_clients), so
        # only the write services' calls need switching off here: override_settings on every
        # request would send setting_changed each time, and its receivers empty caches
        # (core.statements' kept SQL) that the next request of either side then rebuilds.
        with _audit_calls_off():
            without.append(timed(unaudited_function))

    for run in range(runs):
        # Each pair's order alternates, so that neither side always follows the other.
        for side in (audited, unaudited) if run % 2 == 0 else (unaudited, audited):
            side()
    results[f"{name}_with"] = statistics.median(w for w, _ in with_audit)
    results[f"{name}_without"] = statistics.median(w for w, _ in without)
    results[f"{name}_cpu_with"] = statistics.median(c for _, c in with_audit)
    results[f"{name}_cpu_without"] = statistics.median(c for _, c in without)
    results[f"{name}_pairs"] = [a[0] / b[0] for a, b in zip(with_audit, without, strict=True)]
    results[f"{name}_cpu_pairs"] = [a[1] / b[1] for a, b in zip(with_audit, without, strict=True)]
    results[f"{name}_own_wall"] = statistics.median(w for w, _ in own)
    results[f"{name}_own_cpu"] = statistics.median(c for _, c in own)


LAST_MONTH = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
LAST_PARTITION = "audit_event_y2026m11"
# The partition's primary key index (id, occurred_at): the layout appended events in id order,
# so CLUSTER on it puts a month laid out by actor back in the order it was written.
PRIMARY_KEY_INDEX = """
SELECT idx.relname FROM pg_index AS ind JOIN pg_class AS idx ON idx.oid = ind.indexrelid
WHERE ind.indrelid = %s::regclass AND ind.indisprimary
"""


def drop_os_cache() -> bool:
    """Write out and drop the OS page cache (root only), so that the next read of a page not in
    PostgreSQL's shared buffers goes to the disk. False where that is not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
    except OSError:
        return False
    return True


def _consulted(actor: int):
    from ebikeops.audit.selectors import event_list

    return event_list(filters={"actor": actor, "action": ["consult"], "since": LAST_MONTH[0], "until": LAST_MONTH[1]})


def _explain(queryset) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the queryset: its time in PostgreSQL, the pages it read
    (shared hit + read, index pages included), those read from outside shared buffers, the
    heap pages of its bitmap scans (None for a plan without one), and the plan's scans."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    heap: list[int] = []

    def walk(node: dict) -> None:
        if node["Node Type"] == "Bitmap Heap Scan":
            heap.append(node.get("Exact Heap Blocks", 0) + node.get("Lossy Heap Blocks", 0))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    top = plan["Plan"]
    return {
        "ms": plan["Execution Time"],
        "pages": top["Shared Hit Blocks"] + top["Shared Read Blocks"],
        "read": top["Shared Read Blocks"],
        "heap": sum(heap) if heap else None,
        "plan": _plan_summary(plan),
    }


def _fresh_actors(rng: random.Random, queried: set[int]):
    """Actors never queried before in this run, one at a time."""
    while True:
        actor = rng.randint(1, ACTORS)
        if actor not in queried:
            queried.add(actor)
            yield actor


def bench_consulted(runs: int, results: dict, layout: str, queried: set[int]) -> None:
    """ "Everything user X consulted last month" in last month's partition as it is laid out now
    (`layout`: "append" or "actor"): warm (the same X again: wall and CPU), cold (an X not
    queried before, after the OS page cache was dropped: wall, and the SQL alone for another
    such X) and the pages it reads (EXPLAIN BUFFERS, which do not depend on the machine's load);
    and "all events of one minute" of that month, which the layout by actor spreads out."""
    rng = random.Random(f"{layout}-7")
    actors = _fresh_actors(rng, queried)
    warm, cold, cold_sql, sizes, plans = [], [], [], [], []
    for _ in range(runs):
        actor = next(actors)
        sizes.append(len(list(_consulted(actor).values())))  # the first read warms its pages
        warm.append(timed(lambda actor=actor: list(_consulted(actor).values())))
        plans.append(_explain(_consulted(actor)))
    results[f"{layout}_warm"] = statistics.median(w for w, _ in warm)
    results[f"{layout}_warm_cpu"] = statistics.median(c for _, c in warm)
    results[f"{layout}_warm_sql"] = statistics.median(p["ms"] for p in plans)
    results[f"{layout}_pages"] = int(statistics.median(p["pages"] for p in plans))
    heaps = [p["heap"] for p in plans if p["heap"] is not None]
    results[f"{layout}_heap"] = int(statistics.median(heaps)) if heaps else None
    results[f"{layout}_plan"] = plans[0]["plan"]
    results[f"{layout}_rows"] = int(statistics.median(sizes))
    results["cold_measurable"] = drop_os_cache()
    if results["cold_measurable"]:
        for _ in range(runs):
            fresh = _consulted(next(actors))
            drop_os_cache()
            cold.append(timed(lambda fresh=fresh: list(fresh.values())))
            drop_os_cache()
            cold_sql.append(_explain(_consulted(next(actors))))
        results[f"{layout}_cold"] = statistics.median(w for w, _ in cold)
        results[f"{layout}_cold_sql"] = statistics.median(p["ms"] for p in cold_sql)
        results[f"{layout}_cold_read"] = int(statistics.median(p["read"] for p in cold_sql))

    from ebikeops.audit.selectors import event_list

    minutes = []
    for _ in range(runs):
        moment = LAST_MONTH[0] + timedelta(minutes=rng.randint(0, 43_000))
        minute = event_list(filters={"since": moment, "until": moment + timedelta(minutes=1)})
        list(minute.values())
        minutes.append((timed(lambda minute=minute: list(minute.values())), _explain(minute)))
    results[f"{layout}_minute"] = statistics.median(t[0] for t, _ in minutes)
    results[f"{layout}_minute_pages"] = int(statistics.median(p["pages"] for _, p in minutes))


def cluster_closed_months(results: dict) -> None:
    """The maintenance step (`audit_partitions --cluster-closed`) over the closed months; the
    time of each partition's CLUSTER is how long that month's reads wait."""
    from django.utils import timezone

    from ebikeops.audit.services import closed_partitions_cluster

    def progress(layout) -> None:
        if layout.state != "done":
            log(
                f"  {layout.partition}: {layout.rows:,} rows clustered in {layout.cluster_s:.1f} s, "
                f"vacuumed in {layout.vacuum_s:.1f} s"
            )

    layouts = [layout for layout in closed_partitions_cluster(now=timezone.now(), progress=progress) if layout.rows]
    results["clustered"] = len(layouts)
    results["cluster_s"] = sum(layout.cluster_s for layout in layouts)
    results["cluster_max_s"] = max((layout.cluster_s for layout in layouts), default=0.0)
    results["vacuum_s"] = sum(layout.vacuum_s for layout in layouts)


def last_month_as_appended() -> bool:
    """Put last month's partition back in the order the layout wrote it, if an earlier run laid
    it out by actor: the "before" figures are then measured on what every closed month looks
    like until the step runs. True if it had to."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ind.indisclustered FROM pg_index AS ind JOIN pg_inherits AS i ON i.inhrelid = ind.indexrelid"
            " WHERE i.inhparent = 'audit_event_actor_time'::regclass AND ind.indrelid = %s::regclass",
            [LAST_PARTITION],
        )
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(PRIMARY_KEY_INDEX, [LAST_PARTITION])
        (index,) = cursor.fetchone()
        log(f"putting {LAST_PARTITION} back in the order it was written (CLUSTER on {index})")
        cursor.execute(f'CLUSTER {LAST_PARTITION} USING "{index}"')
        cursor.execute(f"VACUUM ANALYZE {LAST_PARTITION}")
    return True


def bench_queries(runs: int, results: dict) -> None:
    from django.db import connection

    from ebikeops.audit.selectors import event_list

    rng = random.Random(7)
    queried: set[int] = set()
    results["restored"] = last_month_as_appended()
    log("  consulted last month, as appended")
    bench_consulted(runs, results, "append", queried)
    log("  laying the closed months out by actor")
    cluster_closed_months(results)
    log("  consulted last month, laid out by actor")
    bench_consulted(runs, results, "actor", queried)
    results["runs"] = runs

    with connection.cursor() as cursor:
        cursor.execute("SELECT records[1] FROM audit_event_y2026m06 WHERE cardinality(records) > 0 LIMIT 200")
        keys = [row[0] for row in cursor.fetchall()]
    record_sizes: list[int] = []

    def by_record():
        rows = list(event_list(filters={"record": rng.choice(keys)}).values())
        record_sizes.append(len(rows))

    results["by_record"] = median_ms(by_record, runs)
    results["by_record_rows"] = int(statistics.median(record_sizes))
    minute_sizes: list[int] = []

    def one_minute():
        moment = YEAR_START + timedelta(minutes=rng.randint(0, 525_000))
        rows = list(event_list(filters={"since": moment, "until": moment + timedelta(minutes=1)}).values())
        minute_sizes.append(len(rows))

    results["by_minute"] = median_ms(one_minute, runs)
    results["by_minute_rows"] = int(statistics.median(minute_sizes))


def _plan_summary(plan: dict) -> str:
    scans: list[str] = []

    def walk(node: dict) -> None:
        if "Relation Name" in node:
            scans.append(f"{node['Node Type']} on {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return "; ".join(scans)


def users() -> dict:
    from ebikeops.core.models import Role, User
    from ebikeops.core.tokens import token_rotate

    found = {}
    for name, role in (("bench-auditor", Role.AUDITOR), ("bench-officer", Role.OFFICER)):
        user, _ = User.objects.get_or_create(username=name, defaults={"role": role})
        found[name] = (user, token_rotate(user=user).token)
    return found


def bench_api_page(runs: int, results: dict, token: str) -> None:
    from django.test import Client

    client = Client()
    rng = random.Random(11)

    def page():
        response = client.get(
            f"/api/v1/audit/events/?actor={rng.randint(1, ACTORS)}&action=consult"
            "&since=2026-11-01T00:00:00Z&until=2026-12-01T00:00:00Z",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        assert response.status_code == 200, response.content

    results["api_page"] = median_ms(page, runs)


def bench_appends(results: dict, per_writer: int = 1_000) -> None:
    from django.db import connection, transaction

    from ebikeops.audit.context import command_context
    from ebikeops.audit.services import event_record

    def writer(out: list) -> None:
        try:
            started = time.perf_counter()
            for i in range(per_writer):
                with transaction.atomic(), command_context("bench"):
                    event_record(action="alter", records=[("seizure", f"bench-{i}")], changes={"x": [1, 2]})
            out.append(time.perf_counter() - started)
        finally:
            connection.close()

    def floor(out: list) -> None:
        # The same inserts with the session's triggers off (no hash, no head lock). The trigger
        # is what numbers events (the column's default is 0), so the floor's events take their
        # ids from a sequence of their own: two with the same statement time would otherwise
        # share the key (id, occurred_at).
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
            writer(out)
        finally:
            connection.close()

    def rate(target, writers: int) -> float:
        out: list[float] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                target(out)
            except BaseException as exc:  # a writer that stopped early would inflate the rate
                failed.append(exc)
                raise

        threads = [threading.Thread(target=run) for _ in range(writers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failed:
            raise RuntimeError(f"{len(failed)} of {writers} writers failed") from failed[0]
        return writers * per_writer / (time.perf_counter() - started)

    def floor_rate(writers: int) -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE SEQUENCE IF NOT EXISTS bench_floor_event_id START 9000000000000000000; "
                "ALTER TABLE audit_event ALTER COLUMN id SET DEFAULT nextval('bench_floor_event_id')"
            )
        try:
            return rate(floor, writers)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_event ALTER COLUMN id SET DEFAULT 0")

    from django.conf import settings

    from ebikeops.audit.services import chains_ensure

    # Interleaved per writer count: the floor, one chain (the design before migration 0002:
    # every writer waits for the head), then AUDIT_CHAINS chains.
    try:
        for writers in (1, 4, 8):
            results[f"appends_floor_{writers}"] = floor_rate(writers)
            chains_ensure(chains=1)
            results[f"appends_one_{writers}"] = rate(writer, writers)
            chains_ensure(chains=settings.AUDIT_CHAINS)
            results[f"appends_{writers}"] = rate(writer, writers)
    finally:
        chains_ensure(chains=settings.AUDIT_CHAINS)


def ensure_seizures(user) -> str:
    from ebikeops.operations.models import Operation, Seizure

    operation, created = Operation.objects.get_or_create(
        reference="bench-audit",
        defaults={
            "name": "Bench audit",
            "team": "Bench",
            "started_at": datetime(2025, 11, 29, 12, tzinfo=UTC),
            "location": "SRID=4326;POINT(-0.3018 51.5130)",
            "lead_officer": user,
            "created_by": user,
        },
    )
    if created or Seizure.objects.filter(operation=operation).count() < 100:
        Seizure.objects.bulk_create(
            Seizure(
                operation=operation,
                point="SRID=4326;POINT(-0.3018 51.5130)",
                seized_at=datetime(2025, 11, 29, 13, tzinfo=UTC) + timedelta(minutes=i),
                vehicle_type="e_bike",
                reason="non_compliant_eapc",
                power="rta_1988_s165a",
                created_by=user,
            )
            for i in range(100)
        )
    return str(operation.pk)


_AUDIT_CALLS = ("collected", "altered", "erased", "photos_collected", "photos_erased")


@contextlib.contextmanager
def _audit_calls_timed():
    """Yields [wall ms, CPU ms] that the write services' audit calls (operations.audit_events)
    take inside the block, summed: the audit's own cost on a write, measured within one
    request rather than as the difference of two noisy requests."""
    from ebikeops.operations import audit_events

    spent = [0.0, 0.0]
    saved = {name: getattr(audit_events, name) for name in _AUDIT_CALLS}

    def wrap(function):
        def timed_call(*args, **kwargs):
            cpu, started = cpu_seconds(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += (time.perf_counter() - started) * 1000
                spent[1] += (cpu_seconds() - cpu) * 1000

        return timed_call

    try:
        for name, function in saved.items():
            setattr(audit_events, name, wrap(function))
        yield spent
    finally:
        for name, function in saved.items():
            setattr(audit_events, name, function)


@contextlib.contextmanager
def _audit_calls_off():
    """The write services' event calls (ebikeops.operations.audit_events) made no-ops."""
    from ebikeops.operations import audit_events

    saved = {name: getattr(audit_events, name) for name in _AUDIT_CALLS}
    try:
        for name in _AUDIT_CALLS:
            setattr(audit_events, name, lambda *args, **kwargs: None)
        yield
    finally:
        for name, function in saved.items():
            setattr(audit_events, name, function)


@contextlib.contextmanager
def _without_audit():
    """The same requests with no audit at all: AuditMiddleware out, and the write services'
    event calls made no-ops for the moment."""
    from django.conf import settings
    from django.test import override_settings

    with _audit_calls_off(), override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if "audit" not in m]):
        yield


def _clients():
    """A test client with the product's middleware and one without AuditMiddleware. A client
    loads its middleware once, at its first request, whatever the settings are later: so the
    unaudited one makes its first request here, inside `_without_audit()` (one client for both
    sides would keep AuditMiddleware on the side meant to be without it)."""
    from django.test import Client

    audited, unaudited = Client(), Client()
    with _without_audit():
        unaudited.get("/api/v1/health/")
    audited.get("/api/v1/health/")
    return audited, unaudited


def bench_list_read(runs: int, results: dict, token: str, operation_id: str) -> None:
    audited, unaudited = _clients()
    url = f"/api/v1/seizures/?operation={operation_id}&page_size=100"

    def read(client):
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200 and len(response.json()["features"]) == 100

    from ebikeops.audit.models import AuditEvent

    read(audited)
    recent = AuditEvent.objects.filter(occurred_at__gte=datetime.now(UTC) - timedelta(minutes=1))
    events = recent.count()
    with _without_audit():
        read(unaudited)
    assert recent.count() == events, "the unaudited client still writes read events"
    interleaved(lambda: read(audited), runs, results, "list", unaudited_function=lambda: read(unaudited))


def bench_sync(runs: int, results: dict, token: str, operation_id: str) -> None:
    from tests.sync import items

    audited, unaudited = _clients()

    def batch(client):
        body = {"items": [items.seizure(operation_id, n) for n in range(500)]}
        response = client.post(
            "/api/v1/sync/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code == 200, response.content[:500]

    batch(audited)
    with _without_audit():
        batch(unaudited)
    interleaved(lambda: batch(audited), runs, results, "sync", unaudited_function=lambda: batch(unaudited))


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(
        next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    )
    versions = psql("-c", "SELECT split_part(version(), ' on ', 1)").strip()
    load = os.getloadavg()
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory / 1024 / 1024:.0f} GiB RAM; {versions}; Python "
        f"{platform.python_version()}; in-process Django test client; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)"
    )


def ms(milliseconds: float) -> str:
    return f"{milliseconds:,.1f} ms" if milliseconds < 100 else f"{milliseconds:,.0f} ms"


def overhead_row(label: str, name: str, results: dict) -> str:
    """One row of the with/without table. Beside the medians' ratio, two steadier figures: the
    median of the pairs' own ratios (each pair's two requests are neighbours in time, so the
    scratch database's growth and the machine's load drift hit both), and, for writes, the
    write services' audit calls timed inside the audited request (the audit's own cost)."""
    wall, wall_without = results[f"{name}_with"], results[f"{name}_without"]
    cpu, cpu_without = results[f"{name}_cpu_with"], results[f"{name}_cpu_without"]
    pairs = 100 * (statistics.median(results[f"{name}_pairs"]) - 1)
    cpu_pairs = 100 * (statistics.median(results[f"{name}_cpu_pairs"]) - 1)
    own_cpu = results[f"{name}_own_cpu"]
    own = f"{ms(own_cpu)} ({100 * own_cpu / cpu_without:.1f} %)" if own_cpu else "none (a read's is the middleware's)"
    return (
        f"| {label} | {ms(wall)} | {ms(wall_without)} | {100 * (wall / wall_without - 1):+.1f} % | {pairs:+.1f} % "
        f"| {ms(cpu)} | {ms(cpu_without)} | {100 * (cpu / cpu_without - 1):+.1f} % | {cpu_pairs:+.1f} % | {own} |"
    )


def layout_table(results: dict) -> list[str]:
    """The consulted-last-month query before and after the closed months are laid out by actor."""

    def both(render) -> str:
        """One cell per layout; `render` gets that layout's results without the prefix."""
        cells = []
        for layout in ("append", "actor"):
            prefix = f"{layout}_"
            cells.append(render({k[len(prefix) :]: v for k, v in results.items() if k.startswith(prefix)}))
        return " | ".join(cells)

    def pages(r: dict) -> str:
        return f"{r['pages']:,}" + (f" (heap {r['heap']:,})" if r["heap"] is not None else "")

    if results["cold_measurable"]:
        cold = [
            "| cold: an X not queried before, the OS page cache dropped first (wall; waiting on the disk, "
            f"which CPU time leaves out) | {both(lambda r: ms(r['cold']))} |",
            "| cold: the SQL alone (EXPLAIN ANALYZE; another fresh X, the cache dropped first) "
            f"| {both(lambda r: ms(r['cold_sql']))} |",
            "| cold: pages read from outside PostgreSQL's shared buffers (EXPLAIN BUFFERS, shared read) "
            f"| {both(lambda r: format(r['cold_read'], ','))} |",
        ]
    else:
        cold = ["| cold | not measurable here (the OS page cache cannot be dropped) | |"]
    return [
        f"**Everything user X consulted last month** (`event_list`, all rows: {results['append_rows']} events, "
        f"the median X) in November 2026's partition, as the events were appended (time order, every user's "
        f"events interleaved) and after `audit_partitions --cluster-closed` laid the closed months out by "
        f"(actor, time); medians of {results['runs']} users each. The pages are counts, the same on any machine "
        "and at any load.",
        "",
        "| | as appended | laid out by actor |",
        "| --- | ---: | ---: |",
        "| warm: the same X again (wall / CPU, this process and its backend) "
        f"| {both(lambda r: ms(r['warm']) + ' / ' + ms(r['warm_cpu']))} |",
        f"| warm: the SQL alone (EXPLAIN ANALYZE) | {both(lambda r: ms(r['warm_sql']))} |",
        *cold,
        f"| pages the query reads (EXPLAIN BUFFERS: shared hit + read, index included) | {both(pages)} |",
        f"| plan | {both(lambda r: r['plan'])} |",
        "| all events of one minute of that month (warm), and its pages: what the layout costs "
        f"| {both(lambda r: ms(r['minute']) + ', ' + format(r['minute_pages'], ',') + ' pages')} |",
        "",
        f"The step clustered {results['clustered']} closed month(s) in {results['cluster_s']:.0f} s, then "
        f"vacuumed them (FREEZE, ANALYZE) in {results['vacuum_s']:.0f} s; the longest CLUSTER, during which that "
        f"month's reads waited (inserts go to the current month and did not), took {results['cluster_max_s']:.1f} s"
        + (
            " (on a layout an earlier run had clustered: the bench puts November back in the order it was "
            "written, CLUSTER on its primary key, to measure the left column, and the step lays it out again)."
            if results["restored"]
            else "."
        ),
    ]


def report(results: dict, events: int) -> str:
    size = psql(
        "-c",
        "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits "
        "WHERE inhparent = 'audit_event'::regclass",
    ).strip()
    api_page = ms(results["api_page"])
    by_record, by_minute = ms(results["by_record"]), ms(results["by_minute"])
    lines = [
        "## Audit trail",
        "",
        f"Machine: {machine()}.",
        "",
        f"Data: {events:,} audit events over twelve monthly partitions (December 2025 to November 2026), "
        f"{ACTORS:,} users, in the scratch database `{BENCH_DB}`; {size} with indexes. Times are medians.",
        "",
        *layout_table(results),
        "",
        "Other queries, after that step (every closed month laid out by actor):",
        "",
        "| query | time | rows |",
        "| --- | ---: | ---: |",
        f"| everything user X consulted last month as `GET /api/v1/audit/events/` (first page of 100, its own "
        f"event included) | {api_page} | 100 |",
        f"| every event that touched one seizure (`record=`, GIN) | {by_record} | {results['by_record_rows']} |",
        f"| all events of one minute (`since`/`until`, any month) | {by_minute} | {results['by_minute_rows']} |",
        "",
        "**Appending** through the trigger (hash, and a chain head locked until the commit; "
        f"{results['chains']} chains), each event in its own transaction, on the {events:,}-event table, "
        "next to its floor (the same inserts with the triggers off, in the same run):",
        "",
        f"| writers at once | {results['chains']} chains, events/s | one chain (before 0002) | floor (no trigger) "
        f"| {results['chains']} chains / floor | one chain / floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {w} | {results[f'appends_{w}']:.0f} | {results[f'appends_one_{w}']:.0f} "
            f"| {results[f'appends_floor_{w}']:.0f} | {results[f'appends_{w}'] / results[f'appends_floor_{w}']:.2f} "
            f"| {results[f'appends_one_{w}'] / results[f'appends_floor_{w}']:.2f} |"
            for w in (1, 4, 8)
        ),
        "",
        "With and without audit, interleaved pairs (medians); CPU is this process's and its PostgreSQL "
        "backend's (/proc/PID/schedstat), which the other processes' load inflates far less than wall time:",
        "",
        "| with and without audit | wall with | wall without | wall overhead | per-pair wall overhead (median) "
        "| CPU with | CPU without | CPU overhead | per-pair CPU overhead (median) "
        "| write services' audit calls, CPU (share of the request without) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        overhead_row("`GET /api/v1/seizures/?page_size=100` (100 features)", "list", results),
    ]
    if "sync_with" in results:
        lines.append(overhead_row("`POST /api/v1/sync/` with 500 new seizures", "sync", results))
    lines += [
        "",
        "Reading them:",
        "",
        "- The month's partition and the (actor_id, occurred_at) index answer the accountability question; "
        "the other months are never read, so the time depends on the month's size, not the years kept.",
        "- Each read pays one INSERT after the view (autocommit: its chain head is held for that statement and "
        "its commit only); the figure above is that cost on a realistic table.",
        "- A sync batch's new seizures are one INSERT and one collection event naming each of them with its "
        "content (about 0.4 KB a seizure, the field names written once per batch), which PostgreSQL builds "
        "from the rows in the event's INSERT "
        "(audit.collection_record: one JSON text, stored as that text in `content`, json, with lz4); what the "
        "sync overhead above pays is that build, the trigger hashing the event (SHA-256 over the stored text, "
        "some 200 KB) and the row's storage.",
        "- Appending is bound by the commit (the machine's fsync): with one chain every writer waits for the "
        "head, held until the writer's commit, so the trail appends at one writer's rate however many write; "
        "with several chains each writer takes a free head (SKIP LOCKED) and the rate follows the floor "
        "(tests/audit/test_chains.py proves that two writers hold uncommitted events at once).",
        "- Three figures of one overhead: the medians' ratio (each side's median over the whole run, while the "
        "scratch database grows by 500 seizures a batch and the machine's load moves), the median of the pairs' "
        "ratios, wall and CPU (each pair's two requests are neighbours in time, so drift hits both) and, for the "
        "sync, the write services' audit calls timed inside the audited request. The first swings most from run "
        "to run; all are shown.",
        "- Everything shares two cores with the other engineers' test runs; the ratios are the figures to compare.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    path = REPO / "docs" / "BENCHMARKS.md"
    content = path.read_text()
    marker = "<!-- section: audit -->"
    if marker not in content:
        content = content.rstrip("\n") + "\n\n" + marker + "\n"
    start = content.index(marker) + len(marker)
    following = content.find("<!-- section:", start)
    tail = "\n" + content[following:] if following != -1 else ""
    path.write_text(content[:start] + "\n" + text + tail)


def overhead_only(args: argparse.Namespace) -> None:
    """The write and read overhead alone, interleaved with/without, in a minute or so."""
    from django.conf import settings

    from ebikeops.audit.services import chains_ensure

    chains_ensure(chains=settings.AUDIT_CHAINS)
    found = users()
    officer, token = found["bench-officer"]
    operation_id = ensure_seizures(officer)
    results: dict = {}
    if args.profile:
        profile_sync(token, operation_id)
        return
    if not args.no_list:
        bench_list_read(args.runs * 2, results, token, operation_id)
    if not args.no_sync:
        bench_sync(args.runs, results, token, operation_id)
    load = os.getloadavg()
    for name in ("list", "sync"):
        if f"{name}_with" in results:
            with_, without = results[f"{name}_with"], results[f"{name}_without"]
            cpu_with, cpu_without = results[f"{name}_cpu_with"], results[f"{name}_cpu_without"]
            print(
                f"{name}: wall with {ms(with_)}, without {ms(without)}, overhead {100 * (with_ / without - 1):+.1f} % "
                f"(median of per-pair ratios {100 * (statistics.median(results[f'{name}_pairs']) - 1):+.1f} %); "
                f"CPU with {ms(cpu_with)}, without {ms(cpu_without)}, overhead "
                f"{100 * (cpu_with / cpu_without - 1):+.1f} % (medians of {len(results[f'{name}_pairs'])} pairs; "
                f"median of per-pair ratios {100 * (statistics.median(results[f'{name}_cpu_pairs']) - 1):+.1f} %); "
                f"the write services' audit calls themselves: wall {ms(results[f'{name}_own_wall'])} "
                f"({100 * results[f'{name}_own_wall'] / without:.1f} % of the request without audit), "
                f"CPU {ms(results[f'{name}_own_cpu'])} ({100 * results[f'{name}_own_cpu'] / cpu_without:.1f} %)"
            )
    print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def profile_sync(token: str, operation_id: str) -> None:
    """cProfile of one audited 500-seizure batch, sorted by own time, to see where the audit's
    share goes (Python build, jsonable, JSON encoding, the INSERT with its trigger)."""
    import cProfile
    import pstats

    from django.test import Client

    from tests.sync import items

    client = Client()

    def body() -> dict:
        return {"items": [items.seizure(operation_id, n) for n in range(500)]}

    warm = client.post("/api/v1/sync/", body(), content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    assert warm.status_code == 200, warm.content[:500]
    profiler = cProfile.Profile()
    profiler.enable()
    auth = f"Token {token}"
    response = client.post("/api/v1/sync/", body(), content_type="application/json", HTTP_AUTHORIZATION=auth)
    profiler.disable()
    assert response.status_code == 200, response.content[:500]
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(r"audit|sync/services|operations/services|execute", 30)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_callees(r"audit_events.py.*collected|event_record|base.py.*save")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-sync", action="store_true", help="leave out the sync batch")
    parser.add_argument("--appends", type=int, default=1_000, help="events each writer appends")
    parser.add_argument(
        "--overhead-only",
        action="store_true",
        help="only the with/without audit pairs (list read, sync batch) on the events already there; "
        "prints them, leaves docs/BENCHMARKS.md alone",
    )
    parser.add_argument("--no-list", action="store_true", help="with --overhead-only: leave out the list read")
    parser.add_argument("--profile", action="store_true", help="with --overhead-only: cProfile one audited batch")
    args = parser.parse_args()
    ensure_database()
    setup_django()
    if args.overhead_only:
        overhead_only(args)
        return
    ensure_events(args.events)
    found = users()
    auditor_token = found["bench-auditor"][1]
    officer, officer_token = found["bench-officer"]
    results: dict = {}
    log("queries")
    bench_queries(args.runs, results)
    bench_api_page(args.runs, results, auditor_token)
    log("appends")
    from django.conf import settings

    results["chains"] = settings.AUDIT_CHAINS
    bench_appends(results, per_writer=args.appends)
    operation_id = ensure_seizures(officer)
    log("list read")
    bench_list_read(args.runs * 2, results, officer_token, operation_id)
    if not args.no_sync:
        log("sync batch")
        bench_sync(max(3, args.runs // 3), results, officer_token, operation_id)
    text = report(results, args.events)
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
