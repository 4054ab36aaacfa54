"""Graceful overload against gunicorn as shipped: a request that waited too long in the queue
is shed at once (503, Retry-After, no work done); an admitted request stops at its deadline
or when its client has gone, keeping every write atomic."""

import json
import socket
import threading
import time

import httpx

from ebikeops.core import messages
from ebikeops.operations.models import Seizure
from tests.factories import token_of

from .conftest import seizure_items, token_table_locked
from .test_outages import assert_unavailable


def wait_until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_it_sheds_a_request_that_waited_past_the_queue_timeout(start_gunicorn, officer, operation):
    server = start_gunicorn(threads=1, REQUEST_QUEUE_TIMEOUT_SECONDS="0.5", OVERLOAD_RETRY_AFTER_SECONDS="3")
    auth = {"Authorization": f"Token {token_of(officer)}"}
    answers: dict[str, httpx.Response] = {}
    finished_at: dict[str, float] = {}

    def call(name: str, method: str, path: str, **kwargs) -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=20) as client:
            answers[name] = client.request(method, path, **kwargs)
            finished_at[name] = time.monotonic()

    batch = {"items": seizure_items(operation.pk, 2)}
    with token_table_locked():
        busy = threading.Thread(target=call, args=("busy", "GET", "/api/v1/operations/"))
        busy.start()
        time.sleep(0.3)  # the only thread is now waiting on the lock
        queued = threading.Thread(target=call, args=("queued", "POST", "/api/v1/sync/"), kwargs={"json": batch})
        queued.start()
        time.sleep(1.0)  # the queued request is now older than the queue timeout
    busy.join()
    queued.join()

    assert answers["busy"].status_code == 200
    assert_unavailable(answers["queued"], messages.OVERLOADED)
    assert answers["queued"].headers["Retry-After"] == "3"
    assert finished_at["queued"] - finished_at["busy"] < 0.5, "a shed request is answered at once"
    assert Seizure.objects.count() == 0, "a shed request does no work"
    # Nothing waits now: the same batch is admitted and applied.
    with httpx.Client(base_url=server.url, headers=auth, timeout=20) as client:
        assert client.post("/api/v1/sync/", json=batch).json()["summary"] == {"created": 2}


def test_it_ignores_a_request_start_header_from_a_client_it_does_not_trust_as_a_proxy(
    start_gunicorn, officer, operation
):
    server = start_gunicorn(threads=1, REQUEST_QUEUE_TIMEOUT_SECONDS="0.5", FORWARDED_ALLOW_IPS="10.9.9.9")
    old = f"t={time.time() - 60:.3f}"
    with httpx.Client(base_url=server.url, timeout=20) as client:
        assert client.get("/api/v1/health/", headers={"X-Request-Start": old}).status_code == 200


def test_it_trusts_the_request_start_header_of_its_proxy(start_gunicorn, officer, operation):
    server = start_gunicorn(threads=1, REQUEST_QUEUE_TIMEOUT_SECONDS="0.5")  # 127.0.0.1 is trusted
    old = f"t={time.time() - 60:.3f}"
    with httpx.Client(base_url=server.url, timeout=20) as client:
        assert_unavailable(client.get("/api/v1/health/", headers={"X-Request-Start": old}), messages.OVERLOADED)


def raw_post(url: str, path: str, token: str, body: dict) -> socket.socket:
    """Send a POST and return the open socket without reading the answer."""
    payload = json.dumps(body).encode()
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    sock.sendall(head.encode() + payload)
    return sock


def test_it_stops_working_for_a_client_that_has_gone(start_gunicorn, officer, operation):
    server = start_gunicorn(threads=2)
    with token_table_locked():
        sock = raw_post(server.url, "/api/v1/sync/", token_of(officer), {"items": seizure_items(operation.pk, 5)})
        time.sleep(0.5)  # the request is in a thread, waiting on the lock
        sock.close()  # the officer's phone gives up
    assert wait_until(lambda: "the client closed the connection" in server.output())
    assert Seizure.objects.count() == 0
    # The same items from a client that waits are applied: it was the leaving that stopped them.
    with httpx.Client(base_url=server.url, timeout=20, headers={"Authorization": f"Token {token_of(officer)}"}) as c:
        assert c.post("/api/v1/sync/", json={"items": seizure_items(operation.pk, 5)}).status_code == 200
    assert Seizure.objects.count() == 5


def test_it_stops_an_admitted_request_at_its_deadline_without_a_half_write(start_gunicorn, officer, operation):
    server = start_gunicorn(threads=2, REQUEST_DEADLINE_SECONDS="1")
    auth = {"Authorization": f"Token {token_of(officer)}"}
    answer: list[httpx.Response] = []

    def post() -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=20) as client:
            answer.append(client.post("/api/v1/sync/", json={"items": seizure_items(operation.pk, 3)}))

    with token_table_locked():
        thread = threading.Thread(target=post)
        thread.start()
        time.sleep(1.5)  # past the deadline while waiting on its first query
    thread.join()
    assert_unavailable(answer[0], messages.DEADLINE_PASSED)
    assert Seizure.objects.count() == 0
