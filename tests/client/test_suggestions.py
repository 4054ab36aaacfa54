"""The officer client's deployment suggestions against a live server and real PostGIS:
asked for online, kept as the next shift's bundle, and read from that bundle with no signal."""

import re

from django.conf import settings

from ebikeops.areas.corridors import corridors_load
from tests.client.proxy import free_port
from tests.planning.conftest import AT, EALING_BROADWAY, WEST_EALING, saturdays, seizures_at

CROYDON = (-0.0982, 51.3762)  # 15 km from Uxbridge Road


def lay_out_uxbridge_road_saturdays() -> None:
    """Seven Saturday-afternoon operations on Uxbridge Road in Ealing (42 seizures)."""
    corridors_load(path=settings.CORRIDORS_FILE)
    seizures_at([EALING_BROADWAY, WEST_EALING], days=saturdays(), per_place=3, operation_name="Uxbridge")


def where(lon_lat) -> list[str]:
    return ["--lon", str(lon_lat[0]), "--lat", str(lon_lat[1])]


def test_it_shows_suggestions_online_then_from_the_kept_bundle_without_signal(
    boroughs, live_server, officer, device_for
):
    lay_out_uxbridge_road_saturdays()
    phone = device_for(officer)
    unreachable = f"http://127.0.0.1:{free_port()}"

    online = phone.run(live_server.url, "suggestions", *where(EALING_BROADWAY), "--at", AT.isoformat())
    assert online.code == 0, online.output
    assert "1. Uxbridge Road" in online.output
    assert "When: Saturday 14:00-18:00 (42 seizures)" in online.output
    # "Stop 1.1 Uxbridge Road at ...: lat, lon": the stop's label, then its name when the API gives one.
    assert re.search(r"Stop 1\.1( [^:\n]+)?: ", online.output) and "stay 1" in online.output  # dwell 10-15 minutes

    kept = phone.run(live_server.url, "bundle", *where(EALING_BROADWAY), "--start", AT.isoformat())
    assert kept.code == 0, kept.output
    assert "for offline use, for 2025-11-29T13:00:00+00:00 to 2025-11-29T21:00:00+00:00" in kept.output
    assert "Uxbridge Road" in kept.output

    # No signal: the same question is answered from the bundle in the queue file.
    offline = phone.run(unreachable, "suggestions", *where(WEST_EALING), "--at", AT.isoformat(), attempts=1)
    assert offline.code == 0, offline.output
    assert "No connection" in offline.output and "from the bundle kept at" in offline.output
    assert "1. Uxbridge Road" in offline.output
    assert "When: Saturday 14:00-18:00 (42)" in offline.output
    # The kind in words offline too, as online: never the code.
    kind_line = next(line for line in offline.output.splitlines() if line.startswith("1. Uxbridge Road"))
    online_line = next(line for line in online.output.splitlines() if line.startswith("1. Uxbridge Road"))
    assert kind_line == online_line and "(corridor" not in kind_line, (kind_line, online_line)
    assert "another time" not in offline.output

    far = phone.run(unreachable, "suggestions", *where(CROYDON), "--offline", "--at", AT.isoformat())
    assert far.code == 0 and "No kept suggestion has a stop point within 2000 m" in far.output
    assert "Uxbridge Road" not in far.output

    # The bundle survives a failed refresh.
    retry = phone.run(unreachable, "bundle", *where(EALING_BROADWAY), attempts=1)
    assert retry.code == 3 and "the bundle kept at" in retry.output


def test_without_signal_and_without_a_bundle_it_says_what_to_do(boroughs, live_server, officer, device_for):
    phone = device_for(officer)
    unreachable = f"http://127.0.0.1:{free_port()}"
    answer = phone.run(unreachable, "suggestions", *where(EALING_BROADWAY), attempts=1)
    assert answer.code == 1
    assert "no bundle is kept: run `bundle` while there is signal" in answer.output


def test_the_bundle_command_needs_a_place_and_an_analyst_is_refused(boroughs, live_server, analyst, device_for):
    phone = device_for(analyst)
    assert phone.run(live_server.url, "bundle").code == 1
    refused = phone.run(live_server.url, "bundle", "--borough", "Ealing")
    assert refused.code == 1 and "HTTP 403" in refused.output
