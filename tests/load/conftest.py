"""Fixtures for the load tests: gunicorn as shipped against this run's test database, a proxy
that can cut the database away, and a lock that holds requests in the server's threads."""

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection

from ebikeops.core.models import User
from tests import places
from tests.factories import OperationFactory

from .servers import DatabaseProxy, Gunicorn

START = datetime(2025, 11, 29, 12, 0, tzinfo=UTC)
ALONG_UXBRIDGE_ROAD = [places.EALING_BROADWAY, places.UXBRIDGE_ROAD_EALING, places.WEST_EALING]


def database_url(*, port: int | None = None) -> str:
    """The test database's URL, optionally through another port (a proxy)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{port or s['PORT'] or 5432}/{s['NAME']}"


def psycopg_connect() -> psycopg.Connection:
    return psycopg.connect(database_url(), autocommit=True)


@pytest.fixture
def start_gunicorn(transactional_db, boroughs) -> Iterator:
    """Start gunicorn (threads, workers, env) against the test database; stopped before the
    test database is flushed."""
    started: list[Gunicorn] = []

    def start(*, via_port: int | None = None, **kwargs) -> Gunicorn:
        # Other engineers' tests share the cores: a test that is not about shedding must not
        # see its requests shed or cut because the machine is busy.
        kwargs.setdefault("REQUEST_QUEUE_TIMEOUT_SECONDS", "60")
        kwargs.setdefault("REQUEST_DEADLINE_SECONDS", "60")
        server = Gunicorn(database_url=database_url(port=via_port), **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def database_proxy() -> Iterator[DatabaseProxy]:
    proxy = DatabaseProxy(int(connection.settings_dict["PORT"] or 5432))
    yield proxy
    proxy.close()


@contextlib.contextmanager
def token_table_locked() -> Iterator[None]:
    """Every authenticated request blocks on its first query (which reads the user) until the
    block ends: a slow request made in the database, so a test decides how long a server
    thread stays busy."""
    with psycopg_connect() as conn:
        conn.execute("BEGIN")
        conn.execute(f'LOCK TABLE "{User._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            conn.execute("COMMIT")


@pytest.fixture
def operation(officer):
    return OperationFactory(lead_officer=officer, team=officer.team, started_at=START, location=places.EALING_BROADWAY)


def seizure_items(operation_id, count: int) -> list[dict]:
    """`count` new seizures along Uxbridge Road, as a device sends them."""
    result = []
    for n in range(count):
        at = (START + timedelta(minutes=n + 1)).isoformat()
        point = ALONG_UXBRIDGE_ROAD[n % len(ALONG_UXBRIDGE_ROAD)]
        result.append(
            {
                "op": "create",
                "type": "seizure",
                "id": str(uuid.uuid4()),
                "recorded_at": at,
                "data": {
                    "operation": str(operation_id),
                    "point": places.geojson(point),
                    "accuracy_m": 5.0,
                    "seized_at": at,
                    "vehicle_type": "e_bike",
                    "reason": "non_compliant_eapc",
                    "power": "rta_1988_s165a",
                },
            }
        )
    return result
