"""Transport faults never strand a record: a proxy's 404, a Wi-Fi sign-in page, a 503 with
Retry-After, lost answers and a database restart each leave every item waiting, and the next
sync puts every record on the server exactly once (live server, real HTTP, real PostGIS)."""

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from mobile_client_stub.api import retry_after
from mobile_client_stub.sync import Backoff
from tests.client.helpers import database_outage, log_a_short_night, queue_states, server_counts
from tests.client.proxy import FaultyProxy, canned_response

CAPTIVE_PORTAL = b"""<!doctype html><html><head><title>Station Wi-Fi</title></head>
<body><form action="/login"><p>Accept the terms to get online.</p><button>Connect</button></form></body></html>"""
EVERYTHING = {"sent": 6}  # the operation, four seizures, the arrest


def port_of(live_server) -> int:
    return int(live_server.url.rsplit(":", 1)[1])


def sync_through(phone, proxy, attempts: int):
    try:
        return phone.run(proxy.url, "sync", attempts=attempts)
    finally:
        proxy.close()


def test_it_keeps_every_record_waiting_when_a_proxy_answers_404(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None)
    not_found = canned_response("404 Not Found", b"<h1>Not Found</h1>", content_type="text/html")
    proxy = FaultyProxy(port_of(live_server), drop=10, mode="canned", canned=not_found)
    run = sync_through(phone, proxy, attempts=3)
    assert proxy.answered == 3
    assert run.code == 3, run.output  # 3: work is still waiting
    assert "not the API" in run.output and "the 6 waiting will be sent by the next sync" in run.output
    assert queue_states(phone) == {"waiting": 6}
    assert server_counts() == (0, 0, 0)
    # The real server, later: everything lands once; nothing was marked refused on the way.
    run = phone.run(live_server.url, "sync")
    assert run.code == 0, run.output
    assert "Sync: 6 sent, 0 need your attention, 0 waiting" in run.output
    assert queue_states(phone) == EVERYTHING
    assert server_counts() == (1, 4, 1)


def test_a_captive_portal_page_is_retried_not_a_crash(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None)
    # Sign-in pages answer 200 (or redirect) with HTML; two of them, then the network is open.
    portal = canned_response("200 OK", CAPTIVE_PORTAL, content_type="text/html; charset=utf-8")
    proxy = FaultyProxy(port_of(live_server), drop=2, mode="canned", canned=portal)
    run = sync_through(phone, proxy, attempts=4)
    assert run.code == 0, run.output
    assert "Traceback" not in run.output and "JSONDecodeError" not in run.output
    assert "a Wi-Fi sign-in page or a proxy?" in run.output  # -v shows each retry and why
    assert proxy.answered == 2
    assert queue_states(phone) == EVERYTHING
    assert server_counts() == (1, 4, 1)


def test_a_redirect_to_a_sign_in_page_is_retried(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None, seizures=1)
    redirect = canned_response(
        "302 Found", b"", content_type="text/html", headers={"Location": "http://wifi.example/login"}
    )
    proxy = FaultyProxy(port_of(live_server), drop=1, mode="canned", canned=redirect)
    run = sync_through(phone, proxy, attempts=3)
    assert run.code == 0, run.output
    assert "redirected to http://wifi.example/login" in run.output
    assert queue_states(phone) == {"sent": 3}
    assert server_counts() == (1, 1, 1)


def test_it_honours_retry_after_on_503_and_429(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None, seizures=1)
    busy = canned_response(
        "503 Service Unavailable",
        b'{"type": "about:blank", "title": "Busy", "status": 503, "detail": "Try again shortly."}',
        content_type="application/problem+json",
        headers={"Retry-After": "1"},
    )
    proxy = FaultyProxy(port_of(live_server), drop=1, mode="canned", canned=busy)
    started = time.monotonic()
    run = sync_through(phone, proxy, attempts=3)
    assert time.monotonic() - started >= 1.0  # waited at least what the server asked
    assert run.code == 0, run.output
    assert "the server asked for 1s" in run.output
    assert queue_states(phone) == {"sent": 3}

    log_a_short_night(phone, None, seizures=1)
    slow_down = canned_response(
        "429 Too Many Requests",
        b'{"title": "Too many requests", "status": 429}',
        content_type="application/problem+json",
        headers={"Retry-After": "1"},
    )
    proxy = FaultyProxy(port_of(live_server), drop=1, mode="canned", canned=slow_down)
    run = sync_through(phone, proxy, attempts=3)
    assert run.code == 0 and "the server asked for 1s" in run.output, run.output
    assert queue_states(phone) == {"sent": 6}
    assert server_counts() == (2, 2, 2)


def test_lost_answers_leave_nothing_stuck_and_nothing_twice(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None)
    # Batches of two: three batches, the answers to the first two are lost after the commit.
    proxy = FaultyProxy(port_of(live_server), drop=2, mode="reset")
    run = phone.run(proxy.url, "--batch-size", "2", "sync", attempts=5)
    proxy.close()
    assert run.code == 0, run.output
    assert proxy.dropped == 2
    assert "sent 2/6" in run.output and "sent 6/6" in run.output  # progress, batch by batch
    assert queue_states(phone) == EVERYTHING
    assert server_counts() == (1, 4, 1)


def test_a_database_restart_during_sync_loses_and_repeats_nothing(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_a_short_night(phone, None)
    with database_outage():
        down = phone.run(live_server.url, "sync", attempts=2)
    assert down.code == 3, down.output
    assert queue_states(phone) == {"waiting": 6}  # 500s from a server without its database mark nothing

    # The database comes back while the client is backing off: the same run finishes the job.
    outage = database_outage()
    outage.__enter__()
    threading.Timer(1.0, outage.__exit__, args=(None, None, None)).start()
    run = phone.run(live_server.url, "--backoff", "0.3", "sync", attempts=8)
    assert run.code == 0, run.output
    assert queue_states(phone) == EVERYTHING
    assert server_counts() == (1, 4, 1)


def test_retry_after_is_read_as_seconds_or_a_date_and_jitter_never_undercuts_it():
    now = datetime.now(UTC)
    in_a_minute = format_datetime(now + timedelta(seconds=60), usegmt=True)
    assert retry_after(httpx.Response(503, headers={"Retry-After": "7"})) == 7
    assert 55 <= retry_after(httpx.Response(503, headers={"Retry-After": in_a_minute})) <= 60
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after(httpx.Response(503, headers={"Retry-After": "86400"})) == 300  # asked again next sync
    backoff = Backoff(base_s=0.5, cap_s=30, rng=random.Random(15))
    waits = [backoff.delay(attempt) for attempt in range(8) for _ in range(20)]
    assert all(0 <= w <= 30 for w in waits) and len(set(waits)) == len(waits)  # full jitter: spread out
    asked = [backoff.delay(attempt, retry_after=2.0) for attempt in range(8) for _ in range(20)]
    assert all(2.0 <= w <= 2.0 + 15 for w in asked) and len(set(asked)) == len(asked)
