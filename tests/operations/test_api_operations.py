"""Operations over HTTP: logging with nested records, reading back, totals, updates."""

import pytest

from ebikeops.core.models import Source
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests import places
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db


def test_it_logs_an_operation_with_seizures_and_an_arrest_and_reads_it_back(officer_client, boroughs):
    body = payloads.operation(
        seizures=[payloads.seizure(), payloads.seizure(vehicle_type="e_scooter", reason="private_e_scooter")],
        arrests=[payloads.arrest()],
    )
    response = officer_client.post("/api/v1/operations/", body, format="json")

    assert response.status_code == 201, response.json()
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [places.EALING_BROADWAY.x, places.EALING_BROADWAY.y]}
    props = feature["properties"]
    assert props["borough"] == "Ealing"
    assert (props["seizure_count"], props["e_bike_count"], props["e_scooter_count"], props["arrest_count"]) == (
        2,
        1,
        1,
        1,
    )
    assert props["lead_officer"] == "officer-a"
    assert props["version"] == 1
    assert response["Location"].endswith(f"/api/v1/operations/{feature['id']}/")

    again = officer_client.get(f"/api/v1/operations/{feature['id']}/").json()
    assert again["properties"]["seizure_count"] == 2
    seizures = officer_client.get(f"/api/v1/operations/{feature['id']}/seizures/").json()
    assert seizures["type"] == "FeatureCollection"
    assert {f["properties"]["borough"] for f in seizures["features"]} == {"Ealing"}
    assert Arrest.objects.get().warrant_offence_category == "sexual_offence"


def test_it_accepts_a_flat_object_and_a_client_supplied_uuid(officer_client, boroughs):
    body = {
        **payloads.OPERATION["properties"],
        "location": payloads.OPERATION["geometry"],
        "id": "4b0c8f7e-2f57-4a63-9d3e-2a4b6f0c9e11",
    }
    response = officer_client.post("/api/v1/operations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["id"] == "4b0c8f7e-2f57-4a63-9d3e-2a4b6f0c9e11"


def test_it_keeps_geojson_rfc7946(officer_client, boroughs):
    OperationFactory.create_batch(2)
    collection = officer_client.get("/api/v1/operations/").json()
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    for feature in collection["features"]:
        assert "crs" not in feature["geometry"]
        lon, lat = feature["geometry"]["coordinates"]
        assert -0.6 < lon < 0.4 and 51.2 < lat < 51.8, "positions must be [lon, lat]"


def test_it_computes_totals_in_the_query_without_n_plus_one(officer_client, boroughs, django_assert_max_num_queries):
    for _ in range(3):
        operation = OperationFactory(borough=boroughs.get(name="Ealing"))  # a null borough would hide an N+1
        SeizureFactory.create_batch(3, operation=operation)
        SeizureFactory(operation=operation, vehicle_type="e_scooter")
        ArrestFactory(operation=operation)
    # auth token + count + page + the audit event: constant whatever the page size
    with django_assert_max_num_queries(4):
        small = officer_client.get("/api/v1/operations/?page_size=1")
    with django_assert_max_num_queries(4):
        large = officer_client.get("/api/v1/operations/?page_size=100")
    assert len(small.json()["features"]) == 1 and len(large.json()["features"]) == 3
    props = large.json()["features"][0]["properties"]
    assert (props["seizure_count"], props["e_bike_count"], props["e_scooter_count"], props["arrest_count"]) == (
        4,
        3,
        1,
        1,
    )


def test_it_paginates_into_valid_feature_collections(officer_client):
    OperationFactory.create_batch(5)
    page = officer_client.get("/api/v1/operations/?page_size=2").json()
    assert page["type"] == "FeatureCollection" and page["count"] == 5 and len(page["features"]) == 2
    assert page["next"] and "page=2" in page["next"]
    last = officer_client.get("/api/v1/operations/?page_size=2&page=3").json()
    assert len(last["features"]) == 1 and last["next"] is None


def test_it_updates_an_operation_and_bumps_its_version(officer_client, boroughs):
    created = officer_client.post("/api/v1/operations/", payloads.operation(), format="json").json()
    response = officer_client.patch(
        f"/api/v1/operations/{created['id']}/",
        {"status": "completed", "ended_at": "2025-11-29T18:00:00+00:00"},
        format="json",
        HTTP_IF_MATCH=f'"{created["properties"]["version"]}"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["properties"]["status"] == "completed"
    assert response.json()["properties"]["version"] == 2


def test_it_moves_the_borough_when_the_location_moves(officer_client, boroughs):
    created = officer_client.post("/api/v1/operations/", payloads.operation(), format="json").json()
    response = officer_client.patch(
        f"/api/v1/operations/{created['id']}/",
        {"location": places.geojson(places.LEICESTER_SQUARE)},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["properties"]["borough"] == "Westminster"


def test_it_refuses_to_delete_an_operation_that_still_has_records(commander_client):
    seizure = SeizureFactory()
    response = commander_client.delete(f"/api/v1/operations/{seizure.operation_id}/")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert Operation.objects.filter(pk=seizure.operation_id).exists()


def test_it_deletes_a_seizure_then_its_empty_operation(commander_client):
    seizure = SeizureFactory()
    assert commander_client.delete(f"/api/v1/seizures/{seizure.pk}/").status_code == 204
    assert commander_client.delete(f"/api/v1/operations/{seizure.operation_id}/").status_code == 204
    assert not Seizure.objects.exists() and not Operation.objects.exists()


def test_it_records_where_each_record_came_from(officer_client, boroughs):
    created = officer_client.post("/api/v1/operations/", payloads.operation(source="import"), format="json").json()
    assert created["properties"]["source"] == Source.IMPORT
    refused = officer_client.post("/api/v1/operations/", payloads.operation(source="demo"), format="json")
    assert refused.status_code == 400 and "source" in refused.json()["errors"]
