"""Every read of data leaves one event: who (and how: token or session, IP, user agent,
request id), what (records, or endpoint + filters + count), why (X-Purpose)."""

import json
import math

import mapbox_vector_tile
import pytest
from django.db import connection

from ebikeops.audit.context import fingerprint
from ebikeops.audit.models import AuditEvent
from tests.factories import SeizureFactory, UserFactory, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def seizures(officer):
    first = SeizureFactory(operation__lead_officer=officer, vehicle_type="e_bike")
    SeizureFactory(operation=first.operation, vehicle_type="e_bike")
    SeizureFactory(operation=first.operation, vehicle_type="e_scooter")
    return first


def only_event() -> AuditEvent:
    events = list(AuditEvent.objects.all())
    assert len(events) == 1, f"expected one event for the request, got {[(e.action, e.endpoint) for e in events]}"
    return events[0]


def test_a_detail_read_records_who_read_which_record(analyst_client, analyst, seizures):
    response = analyst_client.get(
        f"/api/v1/seizures/{seizures.pk}/", HTTP_USER_AGENT="officer-app/2.1", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    event = only_event()
    assert (event.action, event.endpoint, event.records, event.count) == (
        "consult",
        "seizure-detail",
        [f"seizure:{seizures.pk}"],
        1,
    )
    assert (event.actor_id, event.actor_username, event.actor_role) == (analyst.pk, "analyst", "analyst")
    assert (event.client_kind, event.client_ref) == ("token", fingerprint(token_of(analyst)))
    assert (event.ip, event.user_agent) == ("10.1.2.3", "officer-app/2.1")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.hash) == 64


def test_a_list_read_records_the_filters_and_how_many_records_it_gave(officer_client, seizures):
    response = officer_client.get("/api/v1/seizures/?vehicle_type=e_bike&page_size=10")
    assert len(response.json()["features"]) == 2
    event = only_event()
    assert (event.action, event.endpoint, event.records, event.count) == ("consult", "seizure-list", [], 2)
    assert event.filters == {"vehicle_type": "e_bike", "page_size": "10"}


def test_a_nested_read_names_the_operation_and_the_seizure(commander_client, seizures):
    commander_client.get(f"/api/v1/operations/{seizures.operation_id}/seizures/{seizures.pk}/")
    assert sorted(only_event().records) == sorted([f"operation:{seizures.operation_id}", f"seizure:{seizures.pk}"])


def test_it_keeps_a_callers_request_id_and_the_purpose(analyst_client, seizures):
    response = analyst_client.get(
        "/api/v1/seizures/", HTTP_X_REQUEST_ID="gw-1234.abc", HTTP_X_PURPOSE="Borough tasking meeting 3 Dec"
    )
    assert response["X-Request-ID"] == "gw-1234.abc"
    event = only_event()
    assert (event.request_id, event.purpose) == ("gw-1234.abc", "Borough tasking meeting 3 Dec")


def test_it_replaces_a_request_id_that_is_not_one(analyst_client, seizures):
    response = analyst_client.get("/api/v1/seizures/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32
    assert only_event().request_id == response["X-Request-ID"]


def test_the_maps_session_reads_are_recorded_as_session_reads(client, seizures):
    commander = UserFactory(username="map-commander", role="commander")
    client.force_login(commander)
    response = client.get("/api/v1/seizures/?page_size=1")
    assert response.status_code == 200
    event = only_event()
    assert (event.actor_username, event.client_kind, event.count) == ("map-commander", "session", 1)
    assert event.client_ref == fingerprint(client.session.session_key)


def test_a_vector_tile_is_one_event_with_its_coordinates(analyst_client, seizures):
    response = analyst_client.get("/tiles/seizures/12/2045/1361.mvt")
    assert response.status_code in (200, 204)
    event = only_event()
    assert (event.action, event.endpoint) == ("consult", "tile")
    assert event.filters == {"layer": "seizures", "z": 12, "x": 2045, "y": 1361}


def _tile_of(point, z: int) -> tuple[int, int]:
    """The XYZ tile holding a lon/lat point at zoom z."""
    n = 2**z
    lat = math.radians(point.y)
    return int((point.x + 180) / 360 * n), int((1 - math.asinh(math.tan(lat)) / math.pi) / 2 * n)


def test_a_vector_tile_event_counts_the_features_the_tile_holds(analyst_client, seizures):
    x, y = _tile_of(seizures.point, 16)
    response = analyst_client.get(f"/tiles/seizures/16/{x}/{y}.mvt")
    assert response.status_code == 200
    layers = mapbox_vector_tile.decode(response.content)
    features = sum(len(layer["features"]) for layer in layers.values())
    assert features >= 1
    assert only_event().count == features


def test_an_empty_vector_tile_event_counts_none(analyst_client, seizures):
    x, y = _tile_of(seizures.point, 16)
    response = analyst_client.get(f"/tiles/seizures/16/{x + 40}/{y}.mvt")
    assert response.status_code == 204
    assert only_event().count == 0


def test_a_summary_event_counts_its_rows(analyst_client, seizures):
    body = analyst_client.get("/api/v1/summaries/?group_by=vehicle_type").json()
    assert len(body["groups"]) >= 2  # e_bike and e_scooter at least
    assert only_event().count == len(body["groups"])


def test_an_export_is_a_disclosure(analyst_client, seizures):
    response = analyst_client.get("/api/v1/exports/seizures.csv?vehicle_type=e_bike", HTTP_X_PURPOSE="FOI 2026/118")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = only_event()
    assert (event.action, event.endpoint, event.purpose) == ("disclose", "export-seizures-csv", "FOI 2026/118")
    assert event.filters == {"vehicle_type": "e_bike"}
    rows = b"".join(analyst_client.get("/api/v1/exports/seizures.csv?vehicle_type=e_bike").streaming_content)
    assert event.count == len(rows.decode().splitlines()) - 1 == 2  # the header aside


def test_a_layer_read_records_how_many_features_it_gave(analyst_client, seizures):
    body = analyst_client.get("/api/v1/layers/seizures/?vehicle_type=e_bike").json()
    event = only_event()
    assert (event.endpoint, event.count, event.filters) == (
        "layer-seizures",
        len(body["features"]),
        {"vehicle_type": "e_bike"},
    )
    assert event.count == 2


def test_a_summary_as_csv_is_a_disclosure_and_as_json_a_consultation(analyst_client, seizures):
    analyst_client.get("/api/v1/summaries/?format=csv")
    analyst_client.get("/api/v1/summaries/")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["disclose", "consult"]


def test_commanders_can_require_a_purpose_for_exports(analyst_client, seizures, settings):
    settings.AUDIT_REQUIRE_PURPOSE_FOR_EXPORTS = True
    refused = analyst_client.get("/api/v1/exports/seizures.csv")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "purpose" in refused.json()["errors"]
    assert not AuditEvent.objects.exists()
    assert analyst_client.get("/api/v1/seizures/").status_code == 200  # reads in the product need none
    given = analyst_client.get("/api/v1/exports/seizures.csv", HTTP_X_PURPOSE="Court bundle R v Smith")
    assert given.status_code == 200
    b"".join(given.streaming_content)  # read to the end, as a client does (the COPY holds the connection)
    assert AuditEvent.objects.get(action="disclose").purpose == "Court bundle R v Smith"


def test_refused_and_anonymous_requests_leave_no_consultation(anon_client, analyst_client, seizures):
    assert anon_client.get("/api/v1/seizures/").status_code == 401
    assert analyst_client.get("/api/v1/audit/events/").status_code == 403
    assert analyst_client.get("/api/v1/health/").status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_no_event_no_data(analyst_client, seizures):
    """If the event cannot be written the data is not sent (here the trigger's sequence is
    gone for a moment)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE audit_event_id_seq RENAME TO audit_event_id_seq_away")
    try:
        response = analyst_client.get(f"/api/v1/seizures/{seizures.pk}/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER SEQUENCE audit_event_id_seq_away RENAME TO audit_event_id_seq")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert str(seizures.pk) not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_behind_a_proxy_it_records_the_address_the_proxy_saw(analyst_client, seizures, settings):
    settings.AUDIT_PROXY_IP_HEADER = "X-Forwarded-For"
    analyst_client.get("/api/v1/seizures/", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.9.8.7", REMOTE_ADDR="127.0.0.1")
    assert only_event().ip == "10.9.8.7"


def test_without_a_proxy_setting_a_forwarded_header_is_ignored(analyst_client, seizures):
    analyst_client.get("/api/v1/seizures/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="10.0.0.5")
    assert only_event().ip == "10.0.0.5"


def test_a_nul_byte_in_a_filter_is_recorded_not_refused(analyst_client):
    """Found by schemathesis: `?ordering=` carrying a NUL made the audit insert fail (jsonb
    cannot hold U+0000), so the read answered 503. The access is recorded with U+FFFD instead."""
    response = analyst_client.get("/api/v1/arrests/", {"ordering": "a\x00b"})
    assert response.status_code in (200, 400), response.content
    event = AuditEvent.objects.order_by("-id").first()
    assert "\x00" not in json.dumps(event.filters)
