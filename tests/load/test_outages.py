"""Database outages against gunicorn as shipped: 503 problem+json with Retry-After while the
database is away, and the first request after it returns succeeds."""

from concurrent.futures import ThreadPoolExecutor

import httpx
from django.db import connection

from ebikeops.core import messages
from ebikeops.operations.models import Seizure
from tests.factories import token_of

from .conftest import psycopg_connect, seizure_items


def assert_unavailable(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["Content-Type"] == "application/problem+json", response.text[:300]
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json()
    assert body["status"] == 503
    assert body["detail"] == detail


def test_it_answers_503_problem_with_retry_after_while_the_database_is_down(
    start_gunicorn, database_proxy, officer, operation
):
    server = start_gunicorn(via_port=database_proxy.port, threads=2)
    auth = {"Authorization": f"Token {token_of(officer)}"}
    batch = {"items": seizure_items(operation.pk, 3)}
    with httpx.Client(base_url=server.url, headers=auth, timeout=20) as client:
        assert client.get("/api/v1/operations/").status_code == 200  # connections now kept open
        database_proxy.cut()
        # Twice each: first on a kept connection the database dropped, then on a new one refused.
        for _ in range(2):
            assert_unavailable(client.get("/api/v1/operations/"), messages.DATABASE_UNAVAILABLE)
            assert_unavailable(client.get("/api/v1/seizures/?page_size=100"), messages.DATABASE_UNAVAILABLE)
            assert_unavailable(client.post("/api/v1/sync/", json=batch), messages.DATABASE_UNAVAILABLE)
            page = client.get("/map/", headers={"Authorization": "", "Cookie": f"sessionid={'s' * 32}"})
            assert_unavailable(page, messages.DATABASE_UNAVAILABLE)  # the session is read from the database
            health = client.get("/api/v1/health/")
            assert health.status_code == 503
            assert health.headers["Content-Type"] == "application/problem+json"
            assert int(health.headers["Retry-After"]) >= 1
        assert Seizure.objects.count() == 0  # nothing half-written

        database_proxy.restore()
        first = client.post("/api/v1/sync/", json=batch)
        assert first.status_code == 200, first.text[:300]
        assert first.json()["summary"] == {"created": 3}
        assert client.get("/api/v1/operations/").status_code == 200
    assert Seizure.objects.count() == 3
    assert "Traceback" not in server.output()


def test_it_answers_the_first_requests_after_the_database_drops_every_connection(start_gunicorn, officer, operation):
    """What a database restart does to open connections (pg_terminate_backend), without
    restarting the server other engineers' tests use."""
    server = start_gunicorn(workers=2, threads=4)
    auth = {"Authorization": f"Token {token_of(officer)}"}

    def get(path: str) -> int:
        with httpx.Client(base_url=server.url, headers=auth, timeout=20) as client:
            return client.get(path).status_code

    paths = ["/api/v1/operations/?page_size=1", "/api/v1/seizures/?page_size=100"] * 16
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(get, paths)) == {200}  # every thread now keeps a connection
        with connection.cursor() as cursor:  # the test's own connection stays
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        with psycopg_connect() as conn:
            terminated = conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                [own],
            ).fetchone()[0]
        assert terminated >= 2, "the server's kept connections should have been there to drop"
        statuses = list(pool.map(get, paths))
    assert statuses == [200] * len(paths)
