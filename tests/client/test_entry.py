"""Entry at the kerbside: offline checks in the server's words, quicker entry (current
operation, --here, --at STOP, pick-lists), `today`, an upgraded queue file, and a revoked token."""

import contextlib
import io
import json
import shutil
import sqlite3
import stat
from pathlib import Path

import httpx

from ebikeops.core.tokens import token_issue, token_revoke
from ebikeops.operations import errors
from ebikeops.operations.models import Operation, Seizure
from mobile_client_stub.cli import main
from mobile_client_stub.deployment import BUNDLE_KEY
from mobile_client_stub.queue import Queue
from tests import places
from tests.client.helpers import at, log_a_short_night, queue_states, server_counts, where
from tests.client.proxy import free_port
from tests.client.test_fixing import _Keyboard, start
from tests.factories import token_of
from tests.operations import payloads

OLD_QUEUE = Path(__file__).parent / "data" / "queue-v1.sqlite3"
SWAPPED = ["--lon", "51.5127", "--lat", "-0.3021"]


def test_swapped_coordinates_are_caught_offline_in_the_servers_words(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    start(phone, None)
    run = phone.run(None, "seize", *SWAPPED, "--vehicle-type", "e_bike", "--reason", "other", "--power", "other")
    assert run.code == 1
    expected = errors.POINT_SWAPPED.format(x=51.5127, y=-0.3021)
    assert expected == (
        "You sent [51.5127, -0.3021] (longitude, latitude); [-0.3021, 51.5127] would be inside Greater London: "
        "GeoJSON positions are [longitude, latitude]."
    )
    assert f"position: {expected}" in run.output and "Not logged" in run.output
    assert queue_states(phone) == {"waiting": 1}  # only the operation: the seizure was not queued
    # The server says exactly the same for the same position.
    operation = payloads.operation()
    operation["geometry"] = {"type": "Point", "coordinates": [51.5127, -0.3021]}
    answer = httpx.post(
        f"{live_server.url}/api/v1/operations/",
        json=operation,
        headers={"Authorization": f"Token {token_of(officer)}"},
        timeout=60,  # the machine is shared: a slow answer is not the point here
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["location"] == [expected]


def test_accuracy_future_times_and_unknown_operations_are_refused_at_entry(live_server, officer, device_for):
    phone = device_for(officer)
    start(phone, None)
    poor = phone.run(None, "arrest", *where(places.WEST_EALING), "--accuracy-m", "250", "--offence", "theft")
    assert poor.code == 1
    assert errors.ACCURACY_TOO_POOR.format(value=250, limit=100) in poor.output
    future = phone.run(None, "arrest", *where(places.WEST_EALING), "--time", "2099-01-01T00:00:00+00:00",
                       "--offence", "theft")  # fmt: skip
    assert future.code == 1 and errors.IN_FUTURE.format(seconds=300) in future.output
    unknown = phone.run(
        live_server.url, "arrest", *where(places.WEST_EALING), "--offence", "theft",
        "--operation", "6f1c1d0e-0000-4000-8000-000000000000",
    )  # fmt: skip
    assert unknown.code == 1 and "is not known to the server" in unknown.output
    assert queue_states(phone) == {"waiting": 1}  # only the operation was queued


def test_seize_remembers_the_operation_takes_here_and_asks_what_is_missing(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    start(phone, live_server.url)
    assert "Position kept" in phone.run(None, "position", *where(places.HANWELL_BROADWAY), "--accuracy-m", "8").output
    # No vehicle, reason or power given, at a keyboard: numbered pick-lists.
    keyboard = _Keyboard("2\n1\n1\n")
    run = phone.run(live_server.url, "seize", "--here", "--time", at(30), stdin=keyboard)
    assert run.code == 0, run.output
    assert "Vehicle:\n  1. E-bike\n  2. E-scooter" in run.output
    assert "Reason:" in run.output and "Power:" in run.output and "Road Traffic Act 1988 s.165A" in run.output
    assert run.output.rstrip().splitlines()[-1].endswith(": sent.")
    seizure = Seizure.objects.get()
    assert (seizure.vehicle_type, seizure.reason, seizure.power) == ("e_scooter", "private_e_scooter", "rta_1988_s165a")
    assert seizure.point.equals_exact(places.HANWELL_BROADWAY, 1e-9) and seizure.accuracy_m == 8
    # Without a keyboard, a missing flag is named with its choices in words.
    blind = phone.run(live_server.url, "seize", "--here")
    assert blind.code == 1 and "Give --vehicle-type: one of e_bike (E-bike)" in blind.output


def keep_bundle(phone, bundle: dict) -> None:
    queue = Queue(phone.queue)
    try:
        queue.set_setting(BUNDLE_KEY, json.dumps(bundle))
    finally:
        queue.close()


NAMED_BUNDLE = {
    "type": "FeatureCollection",
    "bundle": {
        "run": "5d0c1a4e-1111-4000-8000-000000000001",
        "generated_at": "2025-11-29T11:00:00+00:00",
        "valid_from": "2025-11-29T12:00:00+00:00",
        "valid_until": "2025-11-29T20:00:00+00:00",
        "message": "",
    },
    "features": [
        {
            "type": "Feature",
            "id": "5d0c1a4e-2222-4000-8000-000000000002",
            "geometry": {"type": "MultiPoint", "coordinates": [[-0.302, 51.513], [-0.319, 51.5128]]},
            "properties": {
                "rank": 1,
                "kind": "corridor",
                "title": "Uxbridge Road",
                "time_windows": ["Saturday 14:00-18:00 (42)"],
                "stops": [
                    {"number": 1, "name": "Ealing Broadway", "lon": -0.302, "lat": 51.513, "dwell_minutes": 15},
                    {"number": 2, "lon": -0.319, "lat": 51.5128, "dwell_minutes": 10},
                ],
            },
        }
    ],
}


def test_at_a_named_stop_and_today_from_the_kept_bundle(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    keep_bundle(phone, NAMED_BUNDLE)
    start(phone, None)
    common = ["--vehicle-type", "e_bike", "--reason", "non_compliant_eapc", "--power", "rta_1988_s165a"]
    by_name = phone.run(None, "seize", "--at", "1.1", "--time", at(125), *common)
    assert by_name.code == 0, by_name.output
    assert "E-bike seized 29 Nov 2025 14:05 at Ealing Broadway, operation Uxbridge Road" in by_name.output
    unnamed = phone.run(None, "seize", "--at", "1.2", "--time", at(130), *common)
    assert "at stop 1.2, operation Uxbridge Road" in unnamed.output
    typed = phone.run(None, "arrest", "--at", "ealing broadway", "--time", at(140), "--offence", "theft")
    assert "Arrest (Theft) 29 Nov 2025 14:20 at Ealing Broadway" in typed.output
    missing = phone.run(None, "seize", "--at", "3.1", *common)
    assert missing.code == 1 and "No stop '3.1' in the kept bundle (stops: 1.1 Ealing Broadway, 1.2)" in missing.output

    today = phone.run(None, "today").output
    assert "Deployment 29 Nov 2025 12:00 to 29 Nov 2025 20:00 (kept bundle)." in today
    assert "1. Uxbridge Road - Saturday 14:00-18:00 (42)" in today
    assert "1.1 Ealing Broadway, stay 15 min: 1 seizure(s), 1 arrest(s) logged" in today
    assert "1.2 stop 1.2, stay 10 min: 1 seizure(s), 0 arrest(s) logged" in today
    assert "Logged in this deployment: 2 seizure(s), 1 arrest(s) (3 waiting)." in today

    assert phone.run(live_server.url, "sync").code == 0
    assert "(3 sent)" in phone.run(None, "today").output
    assert server_counts() == (1, 2, 1)


def test_a_queue_file_from_the_first_client_is_upgraded_and_nothing_is_lost(
    live_server, officer, boroughs, device_for, tmp_path
):
    """The file was made by the first client: two records wrongly marked rejected after a
    proxy's HTML 404, two waiting, and the token in plain text in the settings table."""
    phone = device_for(officer)
    shutil.copy(OLD_QUEUE, phone.queue)
    with contextlib.closing(sqlite3.connect(phone.queue)) as db:
        assert dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()) == {
            "pending": 2,
            "rejected": 2,
        }
    status = phone.run(None, "status")
    assert "Upgraded this phone's queue from version 1; every record was kept." in status.output
    assert "Records: 4 waiting" in status.output
    assert "Current operation: Uxbridge Road" in status.output
    token_file = Path(f"{phone.queue}.token")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and token_file.read_text() == "old-plain-token"
    with contextlib.closing(sqlite3.connect(phone.queue)) as db:
        assert db.execute("SELECT value FROM settings WHERE key = 'token'").fetchone() is None
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2

    run = phone.run(live_server.url, "sync")
    assert run.code == 0, run.output
    assert queue_states(phone) == {"sent": 4}
    assert server_counts() == (1, 2, 1)
    assert Operation.objects.get().name == "Uxbridge Road"
    assert "Upgraded" not in phone.run(None, "status").output  # once only


def test_a_revoked_token_asks_for_login_and_keeps_the_whole_queue(live_server, officer, boroughs, device_for):
    phone = device_for(officer)
    assert phone.run(live_server.url, "login").code == 0
    log_a_short_night(phone, f"http://127.0.0.1:{free_port()}")  # no signal at the kerbside
    token_revoke(user=officer)  # revoked (or expired) on the server
    refused = phone.run(live_server.url, "sync", token=False)
    assert refused.code == 4
    assert "no longer accepts your sign-in" in refused.output and "6 change(s) are kept" in refused.output
    assert queue_states(phone) == {"waiting": 6}

    new = token_issue(user=officer).token
    login = phone.run(live_server.url, "login", "--token", new, token=False)
    assert "Logged in as officer-a (officer)" in login.output and "6 change(s) on this phone" in login.output
    assert Path(f"{phone.queue}.token").read_text() == new
    out = io.StringIO()  # the stored server and token are enough from now on
    assert main(["--queue", str(phone.queue), "sync"], out=out, stdin=io.StringIO()) == 0, out.getvalue()
    assert queue_states(phone) == {"sent": 6}
    assert server_counts() == (1, 4, 1)
