"""The database backend's health check (ebikeops.core.postgis): an idle connection is checked
without a query; one the server dropped is found and replaced before the request uses it."""

import time

import psycopg
import pytest
from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from django.db import connection

from ebikeops.core.postgis.base import quietly_idle


def _no_select_1(self):
    raise AssertionError("SELECT 1 was sent")


@pytest.mark.django_db(transaction=True)
def test_it_checks_an_idle_connection_without_a_query(monkeypatch):
    connection.ensure_connection()
    monkeypatch.setattr(PostGISDatabaseWrapper, "is_usable", _no_select_1)
    assert connection.vendor == "postgresql" and connection.is_usable()


@pytest.mark.django_db
def test_it_asks_the_server_about_a_connection_in_a_transaction():
    with connection.cursor() as cursor:  # inside pytest-django's transaction: BEGIN is sent
        cursor.execute("SELECT 1")
    assert not quietly_idle(connection.connection)
    assert connection.is_usable()  # Django's SELECT 1


@pytest.mark.django_db(transaction=True)
def test_it_replaces_a_connection_the_server_dropped_before_the_request_uses_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    with psycopg.connect(**{key: value for key, value in params.items() if key != "cursor_factory"}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(100):  # the server's FATAL message reaches the socket
        if not quietly_idle(connection.connection):
            break
        time.sleep(0.02)
    assert not connection.is_usable()
    # What Django does when a request starts with CONN_HEALTH_CHECKS, then the request's query.
    connection.health_check_enabled, connection.health_check_done = True, False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != pid
