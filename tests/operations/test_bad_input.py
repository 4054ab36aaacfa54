"""Every malformed or out-of-range value gets a 4xx naming the field; nothing half-written."""

from datetime import timedelta

import pytest
from django.test import override_settings

from ebikeops.operations import errors
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests import places
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db


def _errors(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"]
    return body.get("errors", {})


@pytest.fixture
def active_operation(boroughs):
    return OperationFactory(status="active", ended_at=None)


def post_seizure(client, operation, **fields):
    return client.post(f"/api/v1/operations/{operation.pk}/seizures/", payloads.seizure(**fields), format="json")


def test_it_names_swapped_coordinates(officer_client, active_operation):
    swapped = {"type": "Point", "coordinates": [places.WEST_EALING.y, places.WEST_EALING.x]}
    errs = _errors(post_seizure(officer_client, active_operation, point=swapped))
    sent, fits = swapped["coordinates"], [places.WEST_EALING.x, places.WEST_EALING.y]
    assert errs["point"] == [
        f"You sent {sent} (longitude, latitude); {fits} would be inside Greater London: "
        "GeoJSON positions are [longitude, latitude]."
    ]


@pytest.mark.parametrize("point", [places.PARIS, places.READING])
def test_it_rejects_a_point_outside_london(officer_client, active_operation, point):
    errs = _errors(post_seizure(officer_client, active_operation, point=places.geojson(point)))
    assert errs["point"] == [errors.POINT_OUTSIDE_LONDON]


@pytest.mark.parametrize(
    ("point", "fragment"),
    [
        ({"type": "Point", "coordinates": [-0.3]}, "position"),
        ({"type": "Point", "coordinates": ["-0.3", 51.5]}, "position"),
        ({"type": "Point", "coordinates": [-0.3, 95.0]}, "latitude"),
        ({"type": "LineString", "coordinates": [[-0.3, 51.5], [-0.31, 51.5]]}, "Point"),
        ("POINT(-0.3 51.5)", "GeoJSON"),
        ({"type": "Point"}, "GeoJSON"),
    ],
)
def test_it_rejects_invalid_geometry(officer_client, active_operation, point, fragment):
    errs = _errors(post_seizure(officer_client, active_operation, point=point))
    assert fragment in errs["point"][0]


def test_it_rejects_a_stop_point_outside_london_by_index(officer_client, boroughs):
    body = payloads.operation()
    body["properties"]["stop_points"]["coordinates"].append([places.PARIS.x, places.PARIS.y])
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert errs["stop_points[3]"] == [errors.POINT_OUTSIDE_LONDON]


@override_settings(MAX_GPS_ACCURACY_M=50)
def test_it_rejects_a_gps_fix_worse_than_the_limit(officer_client, active_operation):
    errs = _errors(post_seizure(officer_client, active_operation, accuracy_m=120))
    assert errs["accuracy_m"] == [errors.ACCURACY_TOO_POOR.format(value=120, limit=50)]
    assert "accuracy_m" in _errors(post_seizure(officer_client, active_operation, accuracy_m=-1))


def test_it_rejects_naive_and_future_timestamps(officer_client, active_operation):
    naive = _errors(post_seizure(officer_client, active_operation, seized_at="2025-11-29T14:10:00"))
    assert "UTC offset" in naive["seized_at"][0]
    future = _errors(post_seizure(officer_client, active_operation, seized_at="2099-01-01T00:00:00+00:00"))
    assert "future" in future["seized_at"][0]
    garbage = _errors(post_seizure(officer_client, active_operation, seized_at="last Saturday"))
    assert "seized_at" in garbage


def test_it_rejects_a_seizure_outside_its_operation_window(officer_client, boroughs):
    operation = OperationFactory()  # 13:00-18:00 on 29 Nov 2025
    errs = _errors(post_seizure(officer_client, operation, seized_at="2025-11-29T21:00:00+00:00"))
    assert "outside its operation's window" in errs["seized_at"][0]
    within_tolerance = post_seizure(officer_client, operation, seized_at="2025-11-29T18:30:00+00:00")
    assert within_tolerance.status_code == 201, within_tolerance.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [("vehicle_type", "hoverboard"), ("reason", "looked shifty"), ("power", "s.999"), ("disposition", "sold")],
)
def test_it_rejects_unknown_choices(officer_client, active_operation, field, value):
    errs = _errors(post_seizure(officer_client, active_operation, **{field: value}))
    assert field in errs


def test_it_rejects_wrong_types_and_unknown_fields(officer_client, active_operation):
    errs = _errors(post_seizure(officer_client, active_operation, accuracy_m="very", vehicletype="e_bike"))
    assert set(errs) >= {"accuracy_m", "vehicletype"}


def test_it_rejects_strings_with_nul_bytes(officer_client, active_operation):
    errs = _errors(post_seizure(officer_client, active_operation, make="Sur\x00Ron"))
    assert "make" in errs


def test_it_rejects_a_lead_officer_name_with_a_nul_byte(officer_client, officer, boroughs):
    # PostgreSQL refuses NUL in text: the username lookup must not reach it (was a 500 DataError).
    errs = _errors(
        officer_client.post("/api/v1/operations/", payloads.operation(lead_officer="bob\x00"), format="json")
    )
    assert list(errs) == ["lead_officer"]
    created = officer_client.post(
        "/api/v1/operations/", payloads.operation(lead_officer=officer.username), format="json"
    )
    assert created.status_code == 201, created.json()
    assert Operation.objects.count() == 1


@pytest.mark.parametrize("field", ["started_at", "ended_at"])
def test_it_rejects_an_operation_timestamp_with_a_nul_byte(officer_client, boroughs, field):
    # datetime.fromisoformat skips the NUL; the raw string must be refused first.
    body = payloads.operation(ended_at="2025-11-29T18:00:00+00:00")
    body["properties"][field] = body["properties"][field].replace("+00:00", "\x00+00:00")
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert list(errs) == [field]
    assert not Operation.objects.exists()


def test_it_rejects_seizure_and_arrest_timestamps_with_a_nul_byte(officer_client, active_operation):
    errs = _errors(post_seizure(officer_client, active_operation, seized_at="2025-11-29T14:10:00\x00+00:00"))
    assert list(errs) == ["seized_at"]
    arrest = payloads.arrest(arrested_at="2025-11-29T15:00:00\x00+00:00")
    url = f"/api/v1/operations/{active_operation.pk}/arrests/"
    assert list(_errors(officer_client.post(url, arrest, format="json"))) == ["arrested_at"]
    nested = payloads.operation(seizures=[payloads.seizure(seized_at="2025-11-29T14:10:00\x00+00:00")])
    assert list(_errors(officer_client.post("/api/v1/operations/", nested, format="json"))) == ["seizures[0].seized_at"]
    assert (Seizure.objects.count(), Arrest.objects.count()) == (0, 0)


def test_it_rejects_a_nul_byte_in_a_patched_timestamp(officer_client, officer):
    operation = OperationFactory(lead_officer=officer)
    response = officer_client.patch(
        f"/api/v1/operations/{operation.pk}/",
        {"ended_at": "2025-11-29T19:00:00\x00+00:00"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert list(_errors(response)) == ["ended_at"]
    operation.refresh_from_db()
    assert operation.version == 1


def test_it_rejects_an_oversized_body(officer_client, active_operation):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = post_seizure(officer_client, active_operation, notes="x" * 20_000)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_it_rejects_malformed_json(officer_client, active_operation):
    response = officer_client.post(
        f"/api/v1/operations/{active_operation.pk}/seizures/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_it_rejects_an_unknown_operation_by_field(officer_client, boroughs):
    body = payloads.seizure(operation="00000000-0000-0000-0000-000000000000")
    errs = _errors(officer_client.post("/api/v1/seizures/", body, format="json"))
    assert errs["operation"] == [errors.OPERATION_NOT_FOUND]


@pytest.mark.parametrize(
    "ended_at", ["2025-11-29T11:00:00+00:00", "2025-11-29T12:00:00+00:00", "2025-11-29T13:00:00+01:00"]
)
def test_it_rejects_an_end_before_or_at_the_start(officer_client, boroughs, ended_at):
    body = payloads.operation(ended_at=ended_at)  # started_at 12:00 UTC; 13:00+01:00 is the same instant
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert errs["ended_at"] == [errors.ENDS_BEFORE_START]
    assert not Operation.objects.exists()


def test_it_accepts_an_end_just_after_the_start(officer_client, boroughs):
    body = payloads.operation(status="completed", ended_at="2025-11-29T12:00:01+00:00")
    response = officer_client.post("/api/v1/operations/", body, format="json")
    assert response.status_code == 201, response.json()


def test_it_refuses_to_move_an_end_onto_the_start(officer_client, officer):
    operation = OperationFactory(lead_officer=officer)  # 13:00-18:00
    response = officer_client.patch(
        f"/api/v1/operations/{operation.pk}/",
        {"ended_at": operation.started_at.isoformat()},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert _errors(response)["ended_at"] == [errors.ENDS_BEFORE_START]
    operation.refresh_from_db()
    assert (operation.ended_at, operation.version) == (operation.started_at + timedelta(hours=5), 1)


def test_it_requires_a_warrant_category_only_for_warrants(officer_client, active_operation):
    url = f"/api/v1/operations/{active_operation.pk}/arrests/"
    missing = _errors(officer_client.post(url, payloads.arrest(warrant_offence_category=""), format="json"))
    assert missing["warrant_offence_category"] == [errors.WARRANT_CATEGORY_REQUIRED]
    stray = _errors(officer_client.post(url, payloads.arrest(offence_category="theft"), format="json"))
    assert stray["warrant_offence_category"] == [errors.WARRANT_CATEGORY_ONLY_FOR_WARRANT]


def test_it_rejects_a_duplicate_id(officer_client, boroughs):
    body = payloads.operation()
    body["id"] = "4b0c8f7e-2f57-4a63-9d3e-2a4b6f0c9e11"
    assert officer_client.post("/api/v1/operations/", body, format="json").status_code == 201
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert errs["id"] == [errors.DUPLICATE_ID]


def test_it_names_nested_items_that_repeat_an_id_in_the_same_body(officer_client, boroughs):
    seizure_id, arrest_id = "9f7e3c1a-0b1d-4c55-8f6e-1a2b3c4d5e01", "9f7e3c1a-0b1d-4c55-8f6e-1a2b3c4d5e02"
    body = payloads.operation(
        seizures=[payloads.seizure(id=seizure_id), payloads.seizure(), payloads.seizure(id=seizure_id)],
        arrests=[payloads.arrest(id=arrest_id), payloads.arrest(id=arrest_id)],
    )
    response = officer_client.post("/api/v1/operations/", body, format="json")
    assert response.status_code == 400, response.content
    errs = _errors(response)
    assert errs == {
        "seizures[2].id": [errors.DUPLICATE_ID_IN_REQUEST.format(path="seizures[0]")],
        "arrests[1].id": [errors.DUPLICATE_ID_IN_REQUEST.format(path="arrests[0]")],
    }
    assert (Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()) == (0, 0, 0)


def test_a_seizure_and_an_arrest_may_share_an_id(officer_client, boroughs):
    # Different tables, different records: only a repeat within one kind is a duplicate.
    shared = "9f7e3c1a-0b1d-4c55-8f6e-1a2b3c4d5e03"
    body = payloads.operation(seizures=[payloads.seizure(id=shared)], arrests=[payloads.arrest(id=shared)])
    response = officer_client.post("/api/v1/operations/", body, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("kind", ["seizures", "arrests"])
def test_it_names_a_nested_item_whose_id_is_already_stored(officer_client, boroughs, kind):
    stored = (SeizureFactory if kind == "seizures" else ArrestFactory)()
    item = payloads.seizure if kind == "seizures" else payloads.arrest
    body = payloads.operation(**{kind: [item(), item(id=str(stored.pk))]})
    response = officer_client.post("/api/v1/operations/", body, format="json")
    assert response.status_code == 400, response.content
    assert _errors(response) == {f"{kind}[1].id": [errors.DUPLICATE_ID]}
    assert Operation.objects.count() == 1  # the stored record's own operation
    stored.refresh_from_db()
    assert stored.version == 1


def test_a_failing_nested_item_leaves_nothing_written(officer_client, boroughs):
    body = payloads.operation(
        seizures=[payloads.seizure(), payloads.seizure(), payloads.seizure(point=places.geojson(places.PARIS))],
        arrests=[payloads.arrest()],
    )
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert list(errs) == ["seizures[2].point"]
    assert (Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()) == (0, 0, 0)


def test_it_reports_every_bad_field_at_once(officer_client, boroughs):
    body = payloads.operation(
        seizures=[payloads.seizure(seized_at="2099-01-01T00:00:00+00:00"), payloads.seizure(vehicle_type="tank")],
    )
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert "seizures[1].vehicle_type" in errs
    body = payloads.operation(seizures=[payloads.seizure(seized_at="2099-01-01T00:00:00+00:00", accuracy_m=900)])
    errs = _errors(officer_client.post("/api/v1/operations/", body, format="json"))
    assert {"seizures[0].seized_at", "seizures[0].accuracy_m"} <= set(errs)
