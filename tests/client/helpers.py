"""What the client tests share: a small night's logging, the queue's states, a database outage."""

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
from django.db import connection

from ebikeops.operations.models import Arrest, Operation, Seizure
from tests import places

START = datetime(2025, 11, 29, 12, 0, tzinfo=UTC)
STOPS = [places.EALING_BROADWAY, places.UXBRIDGE_ROAD_EALING, places.WEST_EALING, places.HANWELL_BROADWAY]


def at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def where(point) -> list[str]:
    return ["--lon", str(point.x), "--lat", str(point.y)]


def log_a_short_night(device, server, *, seizures: int = 4) -> None:
    """An operation, `seizures` seizures and an arrest, logged with `server` (None: no signal)."""
    run = device.run(
        server,
        "start-operation",
        "--name",
        "Uxbridge Road",
        "--team",
        "Ealing Town Centre Team",
        *where(places.EALING_BROADWAY),
        "--time",
        at(0),
    )
    assert run.code == 0, run.output
    for n in range(seizures):
        run = device.run(
            server,
            "seize",
            *where(STOPS[n % len(STOPS)]),
            "--time",
            at(10 * (n + 1)),
            "--vehicle-type",
            "e_scooter" if n % 2 else "e_bike",
            "--reason",
            "private_e_scooter" if n % 2 else "non_compliant_eapc",
            "--power",
            "rta_1988_s165a",
        )
        assert run.code == 0, run.output
    run = device.run(server, "arrest", *where(places.WEST_EALING), "--time", at(125), "--offence", "theft")
    assert run.code == 0, run.output


def queue_states(device) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(device.queue)) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


def server_counts() -> tuple[int, int, int]:
    return Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()


@contextlib.contextmanager
def database_outage() -> Iterator[None]:
    """The test database goes away as in a restart: every connection to it is cut and no new
    one is accepted until the block ends. Only this run's test database is touched (the
    PostgreSQL server is shared with other test runs); the test's own connection is kept so
    it can look at the data afterwards."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                (name, own_pid),
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
