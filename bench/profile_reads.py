"""Where a token read's time goes (issue 16): warmed GETs in-process (Django's test client, the
product's settings, a commander's token), counted in what does not depend on the machine's load.

In DATABASE_URL's database with the demo data (`make run`, or `bench/loadtest.py` with
LOADTEST_DATABASE_NAME), as a user of its own ("profile-reads-commander"). Prints, per path:
Python calls per request (cProfile's count), queries per request, and this process's CPU and
its PostgreSQL backend's per request (/proc, so wall time and the profiler stay out of it).
`--profile`: cProfile's top functions of the last path, by --sort. Throttles are raised out of
the way. Django's test client skips the per-request connection check that gunicorn runs.
Usage: .venv/bin/python bench/profile_reads.py [--runs 200] [--profile [--sort tottime]] [PATH ...]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "backend"), str(REPO)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-only-secret")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_DEBUG"] = "false"
for scope in ("USER", "ANON", "IP"):
    os.environ[f"THROTTLE_{scope}_RATE"] = "1000000/s"
PATHS = [
    "/api/v1/operations/?page_size=1",
    "/api/v1/seizures/?page_size=100",
    "/api/v1/arrests/",
    "/api/v1/health/",
]
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _counted(queries: list[str], execute, sql, *rest):
    queries.append(sql)
    return execute(sql, *rest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=PATHS)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from ebikeops.core.models import Role, User
    from ebikeops.core.tokens import token_issue

    user, _ = User.objects.get_or_create(username="profile-reads-commander", defaults={"role": Role.COMMANDER})
    client = Client(HTTP_AUTHORIZATION=f"Token {token_issue(user=user, ttl=timedelta(hours=1)).token}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    for path in args.paths:
        for _ in range(20):  # imports, caches, kept statements
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
        queries: list[str] = []
        with connection.execute_wrapper(partial(_counted, queries)):
            client.get(path)
        started, started_backend = time.process_time(), backend_cpu_s(backend)
        for _ in range(args.runs):
            client.get(path)
        cpu_ms = (time.process_time() - started) / args.runs * 1000
        backend_ms = (backend_cpu_s(backend) - started_backend) / args.runs * 1000
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(
            f"{path}: {stats.total_calls / 20:,.0f} Python calls, {len(queries)} queries, "
            f"CPU {cpu_ms:.2f} ms + PostgreSQL {backend_ms:.2f} ms a request (load {os.getloadavg()[0]:.2f})"
        )
    if args.profile:
        stats.sort_stats(args.sort).print_stats(40)


if __name__ == "__main__":
    main()
