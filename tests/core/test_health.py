import logging

import pytest
from django.db import OperationalError, connection

from ebikeops.core.problems import PROBLEM_CONTENT_TYPE
from ebikeops.core.views import DATABASE_UNAVAILABLE, POSTGIS_MISSING

pytestmark = pytest.mark.django_db

SECRET_ERROR = 'connection to server at "10.9.8.7", port 5432 failed: password authentication failed for user "ops"'


def test_it_reports_database_and_postgis(anon_client):
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"][0].isdigit(), body


def test_it_answers_503_without_the_database_error_when_the_database_fails(anon_client, caplog):
    def database_down(execute, sql, params, many, context):
        raise OperationalError(SECRET_ERROR)

    with connection.execute_wrapper(database_down), caplog.at_level(logging.ERROR, logger="ebikeops.core.views"):
        response = anon_client.get("/api/v1/health/")

    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == 503 and body["title"] == "Service unavailable"
    assert body["detail"] == DATABASE_UNAVAILABLE
    assert (body["database"], body["postgis"]) == ("unavailable", "unknown")
    assert "10.9.8.7" not in response.content.decode(), "the database's own error text must stay in the server log"
    assert SECRET_ERROR in caplog.text


def test_it_answers_503_when_postgis_is_missing(anon_client):
    # PostGIS lives in the public schema; without it on the search path its functions are
    # missing exactly as in a database without the extension (reset when the test rolls back).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL search_path TO pg_catalog")

    response = anon_client.get("/api/v1/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["detail"] == POSTGIS_MISSING
    assert (body["database"], body["postgis"]) == ("ok", "missing")
