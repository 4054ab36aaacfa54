"""The officer client (mobile_client_stub) against a live server and real PostGIS:
offline logging, lost answers, killed processes, conflicts, photos, replays."""

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from django.db import transaction

from ebikeops.core.idempotency import idempotency_lock
from ebikeops.core.models import IdempotencyKey, IdempotencyScope
from ebikeops.operations.models import Arrest, Operation, Seizure, SeizurePhoto
from tests import places
from tests.client.proxy import FaultyProxy, free_port
from tests.factories import token_of
from tests.operations import payloads
from tests.sync import images
from tests.sync import items as batch_items

REPO = Path(__file__).resolve().parents[2]
START = datetime(2025, 11, 29, 12, 0, tzinfo=UTC)
# Twelve stops along Uxbridge Road, east to west, all inside Ealing.
UXBRIDGE_ROAD = [
    places.ACTON_TOWN_HALL,
    places.EALING_BROADWAY,
    places.UXBRIDGE_ROAD_EALING,
    places.WEST_EALING,
    places.HANWELL_BROADWAY,
    places.SOUTHALL_BROADWAY,
] * 2


def at(minutes: int) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def log_uxbridge_road_operation(device, server) -> None:
    """Start, 12 seizures, 1 arrest, end: as an officer would on the night."""
    assert (
        device.run(
            server,
            "start-operation",
            "--name",
            "Uxbridge Road, Ealing",
            "--team",
            "Ealing Town Centre Team",
            "--lon",
            str(places.EALING_BROADWAY.x),
            "--lat",
            str(places.EALING_BROADWAY.y),
            "--at",
            at(0),
            "--officers",
            "10",
        ).code
        == 0
    )
    for n, point in enumerate(UXBRIDGE_ROAD):
        vehicle, reason = ("e_scooter", "private_e_scooter") if n % 3 == 0 else ("e_bike", "non_compliant_eapc")
        run = device.run(
            server,
            "seize",
            "--lon",
            str(point.x),
            "--lat",
            str(point.y),
            "--accuracy-m",
            "6",
            "--at",
            at(10 * (n + 1)),
            "--vehicle-type",
            vehicle,
            "--reason",
            reason,
            "--power",
            "rta_1988_s165a",
        )
        assert run.code == 0, run.output
    assert (
        device.run(
            server,
            "arrest",
            "--lon",
            str(places.WEST_EALING.x),
            "--lat",
            str(places.WEST_EALING.y),
            "--at",
            at(125),
            "--offence",
            "theft",
        ).code
        == 0
    )
    assert device.run(server, "end-operation", "--at", at(300)).code == 0


def queue_states(device) -> dict[str, int]:
    with sqlite3.connect(device.queue) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


def server_counts() -> tuple[int, int, int]:
    return Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()


def test_an_operation_logged_offline_syncs_exactly_once(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    unreachable = f"http://127.0.0.1:{free_port()}"
    log_uxbridge_road_operation(phone, unreachable)
    assert queue_states(phone) == {"waiting": 15}
    assert server_counts() == (0, 0, 0)
    status = phone.run(unreachable, "status")
    assert "15 waiting" in status.output

    synced = phone.run(live_server.url, "sync")
    assert synced.code == 0, synced.output
    assert queue_states(phone) == {"sent": 15}
    assert server_counts() == (1, 12, 1)
    operation = Operation.objects.get()
    assert operation.status == "completed" and operation.version == 2
    assert operation.ended_at == START + timedelta(minutes=300)
    assert set(Seizure.objects.values_list("borough__name", flat=True)) == {"Ealing"}
    assert Seizure.objects.filter(vehicle_type="e_scooter").count() == 4
    # Nothing left to send; a second sync changes nothing.
    assert "Nothing waiting" in phone.run(live_server.url, "pending").output
    assert phone.run(live_server.url, "sync").code == 0
    assert server_counts() == (1, 12, 1)


def test_lost_answers_are_retried_without_duplicates_or_losses(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_uxbridge_road_operation(phone, None)  # not logged in yet: everything is kept
    proxy = FaultyProxy(int(live_server.url.rsplit(":", 1)[1]), drop=2, mode="reset")
    try:
        run = phone.run(proxy.url, "sync", attempts=5)
    finally:
        proxy.close()
    assert run.code == 0, run.output
    assert proxy.dropped == 2  # the server committed twice over; both answers were lost
    assert "RemoteProtocolError" in run.output or "ReadError" in run.output
    assert server_counts() == (1, 12, 1)
    assert queue_states(phone) == {"sent": 15}
    assert IdempotencyKey.objects.filter(scope=IdempotencyScope.SYNC).count() == 15


def test_a_client_killed_mid_sync_resumes_without_duplicates(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    log_uxbridge_road_operation(phone, None)
    proxy = FaultyProxy(int(live_server.url.rsplit(":", 1)[1]), drop=1, mode="hold")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(  # noqa: S603 - our own client, fixed arguments
        [
            sys.executable,
            "-m",
            "mobile_client_stub",
            "--server",
            proxy.url,
            "--token",
            phone.token,
            "--queue",
            str(phone.queue),
            "--timeout",
            "60",
            "sync",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proxy.answer_withheld.wait(timeout=30), "the server never answered the client's batch"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        proxy.close()
    assert server_counts() == (1, 12, 1)  # committed; the client never heard
    assert queue_states(phone) == {"sending": 15}  # handed to the network when the app died
    resumed = phone.run(live_server.url, "sync")
    assert resumed.code == 0, resumed.output
    assert queue_states(phone) == {"sent": 15}
    assert server_counts() == (1, 12, 1)


def test_the_client_never_imports_django():
    code = "import sys, mobile_client_stub.cli, mobile_client_stub.sync; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)  # noqa: S603


def test_a_stale_edit_from_a_second_device_is_refused_with_the_current_version(
    live_server, officer, commander, boroughs, device_for
):
    officers_phone, commanders_phone = device_for(officer), device_for(commander)
    assert (
        officers_phone.run(
            live_server.url,
            "start-operation",
            "--name",
            "Uxbridge Road",
            "--team",
            "Ealing",
            "--lon",
            str(places.EALING_BROADWAY.x),
            "--lat",
            str(places.EALING_BROADWAY.y),
            "--at",
            at(0),
        ).code
        == 0
    )
    operation = Operation.objects.get()
    assert commanders_phone.run(live_server.url, "join-operation", str(operation.pk)).code == 0
    # The officer edits with no signal; the commander edits online first.
    assert officers_phone.run(live_server.url, "--offline", "update-operation", "--notes", "Officer's note").code == 0
    assert commanders_phone.run(live_server.url, "update-operation", "--notes", "Commander's note").code == 0
    run = officers_phone.run(live_server.url, "sync")
    assert "conflict" in run.output
    assert queue_states(officers_phone) == {"sent": 1, "attention": 1}
    operation.refresh_from_db()
    assert operation.notes == "Commander's note" and operation.version == 2
    pending = officers_phone.run(live_server.url, "pending").output
    assert "changed by someone else" in pending and "version 2" in pending
    seq = next(line.split()[0][1:] for line in pending.splitlines() if "someone else" in line)
    # resolve first shows the commander's note beside the officer's, and sends nothing.
    shown = officers_phone.run(live_server.url, "resolve", seq)
    assert shown.code == 0 and "Nothing sent" in shown.output
    assert "Commander's note" in shown.output and "Officer's note" in shown.output
    operation.refresh_from_db()
    assert operation.notes == "Commander's note" and operation.version == 2
    # The officer decides to apply their change on top of the commander's.
    assert officers_phone.run(live_server.url, "resolve", seq, "--mine").code == 0
    operation.refresh_from_db()
    assert operation.notes == "Officer's note" and operation.version == 3


def test_two_officers_edit_one_operation_over_rest_and_the_stale_write_gets_412(
    live_server, officer, other_officer, boroughs
):
    operation_id = str(uuid.uuid4())
    body = payloads.operation(lead_officer=other_officer.username)
    body["id"] = operation_id
    a = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token_of(officer)}"})
    b = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token_of(other_officer)}"})
    with a, b:
        assert a.post("/api/v1/operations/", json=body).status_code == 201
        url = f"/api/v1/operations/{operation_id}/"
        etag_a, etag_b = a.get(url).headers["ETag"], b.get(url).headers["ETag"]
        assert a.patch(url, json={"notes": "A"}, headers={"If-Match": etag_a}).status_code == 200
        stale = b.patch(url, json={"notes": "B"}, headers={"If-Match": etag_b})
        assert stale.status_code == 412
        assert stale.json()["current_version"] == 2 and stale.json()["current"]["properties"]["notes"] == "A"
        assert b.patch(url, json={"notes": "B"}).status_code == 428
    assert Operation.objects.get().notes == "A"


def test_replaying_a_batch_three_times_over_http_is_a_no_op(live_server, officer, boroughs):
    op = batch_items.operation()
    batch = {
        "items": [
            op,
            *(batch_items.seizure(op["id"], n) for n in range(12)),
            batch_items.arrest(op["id"]),
            batch_items.seizure(op["id"], 13, vehicle_type="hoverboard"),
        ]
    }
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {token_of(officer)}"}) as api:
        answers = [api.post("/api/v1/sync/", json=batch).json()["results"] for _ in range(4)]
        assert [r["status"] for r in answers[0]] == ["created"] * 14 + ["rejected"]
        assert answers[1] == answers[2] == answers[3] == answers[0]
    assert server_counts() == (1, 12, 1)


def test_an_idempotency_key_still_in_flight_gets_409(live_server, officer, boroughs):
    key = str(uuid.uuid4())
    headers = {"Authorization": f"Token {token_of(officer)}", "Idempotency-Key": key}
    with httpx.Client(base_url=live_server.url, headers=headers) as api, transaction.atomic():
        # This test's own transaction plays "the first request, still being processed".
        assert idempotency_lock(user=officer, scope=IdempotencyScope.HTTP, key=key, wait=False)
        response = api.post("/api/v1/operations/", json=payloads.operation())
    assert response.status_code == 409
    assert response.headers["Retry-After"] == "1"
    assert Operation.objects.count() == 0


def test_photos_logged_offline_upload_and_a_lying_one_is_refused(
    live_server, officer, analyst, boroughs, device_for, media_root, tmp_path
):
    honest = tmp_path / "frame.png"
    honest.write_bytes(images.png())
    lying = tmp_path / "battery.jpg"  # PNG bytes behind a .jpg name: the client declares image/jpeg
    lying.write_bytes(images.png(shade=90))
    phone = device_for(officer)
    assert (
        phone.run(
            None,
            "start-operation",
            "--name",
            "Op",
            "--team",
            "Ealing",
            "--lon",
            str(places.EALING_BROADWAY.x),
            "--lat",
            str(places.EALING_BROADWAY.y),
            "--at",
            at(0),
        ).code
        == 0
    )
    assert (
        phone.run(
            None,
            "seize",
            "--lon",
            str(places.WEST_EALING.x),
            "--lat",
            str(places.WEST_EALING.y),
            "--at",
            at(20),
            "--vehicle-type",
            "e_bike",
            "--reason",
            "suspected_stolen",
            "--power",
            "pace_s19",
            "--photo",
            str(honest),
            "--photo",
            str(lying),
        ).code
        == 0
    )
    run = phone.run(live_server.url, "sync")
    assert run.code == 0, run.output
    photo = SeizurePhoto.objects.get()
    assert photo.content_type == "image/png" and photo.seizure_id == Seizure.objects.get().pk
    assert "refused" in run.output and "415" in run.output
    with sqlite3.connect(phone.queue) as db:
        assert dict(db.execute("SELECT filename, state FROM photos").fetchall()) == {
            "frame.png": "sent",
            "battery.jpg": "attention",
        }
    url = f"{live_server.url}/api/v1/photos/{photo.pk}/"
    assert httpx.get(url, headers={"Authorization": f"Token {token_of(officer)}"}).content == images.png()
    assert httpx.get(url, headers={"Authorization": f"Token {token_of(analyst)}"}).status_code == 403
    # The refused photo is not stuck: retried (refused again, same bytes) then dropped.
    pending = phone.run(None, "pending").output
    assert "#p2  needs your attention: photo battery.jpg" in pending and "`drop p2`" in pending
    retried = phone.run(live_server.url, "retry", "p2")
    assert "Photo battery.jpg: needs your attention - HTTP 415" in retried.output, retried.output
    assert phone.run(None, "drop", "p2", "--yes").code == 0
    assert "Photos: 1 sent, 1 dropped by you" in phone.run(None, "status").output
    assert "photo dropped" in phone.run(None, "dropped").output
    assert SeizurePhoto.objects.count() == 1


def test_login_whoami_and_suggestions_when_the_server_has_none(live_server, officer, device_for):
    phone = device_for(officer)
    login = phone.run(live_server.url, "login")
    assert login.code == 0 and "officer-a (officer)" in login.output
    # login remembered the server and token
    import io

    from mobile_client_stub.cli import main

    out = io.StringIO()
    assert main(["--queue", str(phone.queue), "whoami"], out=out) == 0 and "officer-a" in out.getvalue()
    # A wrong address answers an HTML 404: not the API, so treated as no connection, not a crash.
    missing = phone.run(f"{live_server.url}/no-such-prefix", "suggestions", "--lon", "-0.302", "--lat", "51.513")
    assert missing.code == 1 and "not the API" in missing.output and "no bundle is kept" in missing.output


def test_an_analyst_token_is_refused_by_the_sync_endpoint(live_server, analyst, device_for):
    phone = device_for(analyst)
    assert phone.run(live_server.url, "login").code == 1
    assert (
        phone.run(
            None, "start-operation", "--name", "Op", "--team", "T", "--lon", "-0.302", "--lat", "51.513", "--at", at(0)
        ).code
        == 1
    )
    assert queue_states(phone) == {"waiting": 1}  # a refused role marks no record
    assert Operation.objects.count() == 0


def test_a_photo_id_reused_for_other_bytes_is_a_refusal_not_a_retry(live_server, officer, media_root):
    """409 without Retry-After (a lasting conflict) must not be retried for ever; 409 with
    Retry-After (the same Idempotency-Key still in flight) is. Against the real server."""
    from mobile_client_stub.api import Api, ApiError
    from tests.factories import OperationFactory, SeizureFactory

    seizure = SeizureFactory(operation=OperationFactory(lead_officer=officer), created_by=officer)
    api = Api(live_server.url, token_of(officer))
    photo_id = str(uuid.uuid4())
    first = dict(seizure_id=str(seizure.pk), photo_id=photo_id, filename="a.png", content_type="image/png")
    api.upload_photo(**first, content=images.png(shade=1))
    with pytest.raises(ApiError) as refused:
        api.upload_photo(**first, content=images.png(shade=2))
    assert refused.value.status == 409
    api.close()
