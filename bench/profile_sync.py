"""Where a sync batch's time goes (issue 16): one POST /api/v1/sync/ of N new seizures,
in-process (Django's test client, the product's settings), its queries with their times and
the Python side under cProfile.

In DATABASE_URL's database (boroughs loaded: `manage.py load_boroughs`), as a user and an
operation of its own ("Sync profile"). Prints, for the median of --runs batches: the wall
time, the queries (count, time, each statement's first characters) and cProfile's top
functions by cumulative time. Writes nothing but seizures of its own operation.
`--stages`: this process's CPU in each stage of a batch (STAGES), without a profiler's overhead;
`--cpu-clock` (with --profile): cProfile on the CPU clock, so waiting for PostgreSQL is not counted.
Usage: .venv/bin/python bench/profile_sync.py [--items 100] [--runs 15] [--profile [--cpu-clock]] [--stages]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "backend"), str(REPO)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-only-secret")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_DEBUG"] = "false"

# Ealing to Hanwell along Uxbridge Road (lon, lat), as bench/loadtest.lua sends them.
POINTS = [(-0.3020, 51.5130), (-0.3100, 51.5110), (-0.3250, 51.5100), (-0.3370, 51.5090)]


def batch(operation_id: str, n: int, at: datetime) -> dict:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "items": [
            {
                "op": "create",
                "type": "seizure",
                "id": str(uuid.uuid4()),
                "recorded_at": stamp,
                "data": {
                    "operation": operation_id,
                    "point": {"type": "Point", "coordinates": [POINTS[i % 4][0], POINTS[i % 4][1] + i * 1e-6]},
                    "accuracy_m": 5.0,
                    "seized_at": stamp,
                    "vehicle_type": "e_bike",
                    "reason": "non_compliant_eapc",
                    "power": "rta_1988_s165a",
                },
            }
            for i in range(n)
        ]
    }


# The stages of a batch, each a function timed (this process's CPU) where it is called from.
# A stage nested in another is also counted in its parent's figure.
STAGES = [
    ("rest_framework.views.APIView.dispatch", "request in the view (everything below)"),
    ("ebikeops.sync.views.parse_item", "parse items (envelope + data)"),
    ("ebikeops.sync.services._answered_already", "stored answers, tombstones, existing"),
    ("ebikeops.sync.services._with_operations", "operations of the items"),
    ("ebikeops.operations.services.records_create_many", "checks + INSERTs + audit"),
    ("ebikeops.operations.validation.BoroughsOf.__init__", "  boroughs of the points"),
    ("ebikeops.operations.services.rows_insert", "  INSERT seizures, custody"),
    ("ebikeops.operations.audit_events.collected", "  audit event"),
    ("ebikeops.core.idempotency.idempotency_keys_store", "store the answers"),
    ("rest_framework.response.Response.rendered_content", "render the response"),
]


def _time_stages(stages: list[tuple[str, str]]) -> dict[str, list[float]]:
    """Wrap each stage's function (in its module or class, and where other modules imported
    it by name) so that its CPU time per call is added to the returned lists."""
    import functools
    import importlib

    spent: dict[str, list[float]] = {path: [] for path, _ in stages}
    for path, _ in stages:
        parts = path.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                owner = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for name in parts[split:-1]:
                owner = getattr(owner, name)
            break
        name = parts[-1]
        original = owner.__dict__[name]
        is_property = isinstance(original, property)
        function = original.fget if is_property else original

        def timed(*args, _function=function, _path=path, **kwargs):
            started = time.process_time()
            try:
                return _function(*args, **kwargs)
            finally:
                spent[_path].append(time.process_time() - started)

        wrapper = functools.wraps(function)(timed)
        setattr(owner, name, property(wrapper) if is_property else wrapper)
        for module in list(sys.modules.values()):  # `from x import f` copies
            if getattr(module, "__name__", "").startswith("ebikeops") and getattr(module, name, None) is original:
                setattr(module, name, wrapper)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="cProfile the runs too (slower)")
    parser.add_argument("--replay", action="store_true", help="send the same batch every run")
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="profile with this process's CPU clock, so time waiting for PostgreSQL counts as nothing",
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="this process's CPU per stage of the batch (STAGES), timed around each function, no profiler",
    )
    parser.add_argument("--stats", type=int, default=45, help="how many functions each profile table lists")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.gis.geos import Point
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from ebikeops.core.models import Role, User
    from ebikeops.core.tokens import token_issue
    from ebikeops.operations.models import Operation
    from ebikeops.operations.services import operation_create

    user, _ = User.objects.get_or_create(
        username="sync-profile-officer", defaults={"role": Role.OFFICER, "team": "Ealing Town Centre Team"}
    )
    now = datetime.now(UTC)
    operation = Operation.objects.filter(name="Sync profile", created_by=user).first() or operation_create(
        user=user,
        name="Sync profile",
        team=user.team,
        started_at=now - timedelta(days=300),
        location=Point(-0.3020, 51.5130, srid=4326),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user, ttl=timedelta(hours=1)).token}")
    timer = (time.process_time,) if args.cpu_clock else ()
    profile = cProfile.Profile(*timer) if args.profile else None
    same = batch(str(operation.pk), args.items, now - timedelta(minutes=2))
    spent = _time_stages(STAGES) if args.stages else None
    walls, cpus, captures = [], [], []
    for run in range(args.runs + 1):  # the first warms up
        body = same if args.replay else batch(str(operation.pk), args.items, now - timedelta(minutes=2))
        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            if profile is not None and run:
                profile.enable()
            response = client.post("/api/v1/sync/", body, format="json")
            if profile is not None and run:
                profile.disable()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        assert response.status_code == 200, response.content[:500]
        if spent is not None and not run:
            for calls in spent.values():
                calls.clear()  # the warm-up run is not counted
        if run:
            walls.append(wall)
            cpus.append(cpu)
            captures.append(list(queries.captured_queries))
    middle = sorted(range(len(walls)), key=walls.__getitem__)[len(walls) // 2]
    queries = captures[middle]
    print(
        f"{args.items} items x {args.runs} runs: median {statistics.median(walls) * 1000:.1f} ms, "
        f"min {min(walls) * 1000:.1f} ms; this process's CPU median {statistics.median(cpus) * 1000:.1f} ms, "
        f"min {min(cpus) * 1000:.1f} ms; summary {response.json()['summary']}"
    )
    db_ms = sum(float(q["time"]) for q in queries) * 1000
    print(f"median run: {len(queries)} queries, {db_ms:.1f} ms in the database (client-side)")
    for q in queries:
        print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:150]}")
    if spent is not None:
        print(f"CPU per batch by stage (this process's clock, mean of {args.runs} batches):")
        for path, label in STAGES:
            print(f"  {sum(spent[path]) / args.runs * 1000:7.2f} ms  {label}  ({path})")
    if profile is not None:
        stats = pstats.Stats(profile).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.stats)
        stats.print_callers(r"libgeos.py:153|coordseq.py|point.py")
        stats.sort_stats("tottime").print_stats(args.stats)


if __name__ == "__main__":
    main()
