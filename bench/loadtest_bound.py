"""The bound of a lean token read (issue 16): `GET /api/v1/operations/?page_size=1` served with no
Django and no DRF at all, by `bench/loadtest.py --bound`, beside the floor and the product.

At start-up (once per worker) one real request runs through the product in-process and its
SQL is kept as sent: the token lookup, the page, the count and the read's audit event (the
INSERT through the hash-chain trigger). Each request then does only what no design can skip:
the throttle's Redis round trip, that SQL (BOUND_TRIPS=each: the four statements, prepared;
`one`: one statement, the four as CTEs), and orjson of the rows. No auth checks beyond the
lookup, no filters, no headers but the content type, no conversion of values: what it answers
is not the product's body, only the work below any product's. BOUND_AUDIT=0 leaves the audit
event out, to show what that event costs. Nothing here is served by the product.
"""

import os
import threading

import django
import orjson
import psycopg
import redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402 - after setup
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

PATH = "/api/v1/operations/?page_size=1"
AUDIT = os.environ.get("BOUND_AUDIT", "1") == "1"
ONE_TRIP = os.environ.get("BOUND_TRIPS", "one") == "one"
TOKEN = os.environ["BOUND_TOKEN"]
# The product's throttle script shape: one EVALSHA a request (core.cache.sliding_windows).
THROTTLE = "local n = redis.call('INCR', KEYS[1]); redis.call('EXPIRE', KEYS[1], 1); return n"


def _product_sql() -> dict[str, tuple[str, list]]:
    """The statements one real request sends, by role: token, page, count, audit."""
    sent: list[tuple[str, list]] = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    client = Client(HTTP_AUTHORIZATION=f"Token {TOKEN}", HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.get(PATH)  # compiles and keeps the statements
    with connection.execute_wrapper(keep):
        response = client.get(PATH)
    assert response.status_code == 200, response.content[:300]
    found = {}
    for sql, params in sent:
        if "knox_authtoken" in sql:
            found["token"] = (sql, params)
        elif sql.startswith('INSERT INTO "audit_event"'):
            found["audit"] = (sql, params)
        elif "COUNT(*)" in sql and "LIMIT" not in sql:
            found["count"] = (sql, params)
        elif "operations_operation" in sql:
            found["page"] = (sql, params)
    assert set(found) == {"token", "page", "count", "audit"}, [sql[:80] for sql, _ in sent]
    connection.close()
    return found


STATEMENTS = _product_sql()
if ONE_TRIP:
    parts = {"tok": STATEMENTS["token"], "page": STATEMENTS["page"], "cnt": STATEMENTS["count"]}
    if AUDIT:
        parts["ev"] = STATEMENTS["audit"]
    ONE = (
        "WITH "  # noqa: S608 - the product's own statements, no outside text
        + ", ".join(f"{name} AS ({sql})" for name, (sql, _) in parts.items())
        + ", counted AS (SELECT count(*) AS tokens FROM tok) "
        + "SELECT counted.tokens, cnt.*, "
        + ("(SELECT max(id) FROM ev), " if AUDIT else "")
        + "page.* FROM counted CROSS JOIN cnt LEFT JOIN page ON true"
    )
    ONE_PARAMS = [param for _, params in parts.values() for param in params]
DSN = settings.DATABASES["default"]
_local = threading.local()


def _connection() -> psycopg.Connection:
    if getattr(_local, "db", None) is None:
        _local.db = psycopg.connect(
            host=DSN["HOST"], port=DSN["PORT"], dbname=DSN["NAME"], user=DSN["USER"], autocommit=True
        )
        if os.environ.get("BOUND_ASYNC_COMMIT") == "1":
            _local.db.execute("SET synchronous_commit = off")
        _local.throttle = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")).register_script(
            THROTTLE
        )
    return _local.db


def application(environ, start_response):
    db = _connection()
    _local.throttle(keys=[f"bound:{environ.get('HTTP_AUTHORIZATION', '')[6:14]}"])
    if ONE_TRIP:
        rows = db.execute(ONE, ONE_PARAMS, prepare=True).fetchall()
        count = rows[0][1]
    else:
        for name in ("token", "page", "count") + (("audit",) if AUDIT else ()):
            sql, params = STATEMENTS[name]
            fetched = db.execute(sql, params, prepare=True).fetchall()
            if name == "page":
                rows = fetched
            elif name == "count":
                count = fetched[0][0]
    body = orjson.dumps({"count": count, "features": [list(row) for row in rows]}, default=str)
    start_response("200 OK", [("Content-Type", "application/geo+json"), ("Content-Length", str(len(body)))])
    return [body]
