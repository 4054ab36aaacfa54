"""Seizures and arrests over HTTP: nested and top-level, sensitive fields, query budgets."""

import pytest

from ebikeops.operations.models import Seizure
from tests import places
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db


def test_it_logs_a_seizure_under_its_operation(officer_client, officer, boroughs):
    operation = OperationFactory(lead_officer=officer, ended_at=None, status="active")
    response = officer_client.post(f"/api/v1/operations/{operation.pk}/seizures/", payloads.seizure(), format="json")
    assert response.status_code == 201, response.json()
    props = response.json()["properties"]
    assert props["operation"] == str(operation.pk)
    assert props["borough"] == "Ealing"
    assert props["disposition"] == "held"
    assert props["frame_number"] == "SR2025X0001"
    assert props["received_at"] >= props["seized_at"]


def test_it_logs_a_seizure_at_the_top_level_naming_its_operation(officer_client, boroughs):
    operation = OperationFactory(ended_at=None, status="active")
    body = payloads.seizure(operation=str(operation.pk))
    response = officer_client.post("/api/v1/seizures/", body, format="json")
    assert response.status_code == 201, response.json()


def test_it_accepts_a_seizure_posted_as_a_feature(officer_client, boroughs):
    operation = OperationFactory(ended_at=None, status="active")
    fields = payloads.seizure(operation=str(operation.pk))
    feature = {"type": "Feature", "geometry": fields.pop("point"), "properties": fields}
    response = officer_client.post("/api/v1/seizures/", feature, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["geometry"]["coordinates"] == [places.WEST_EALING.x, places.WEST_EALING.y]


def test_it_answers_404_for_records_of_an_unknown_operation(officer_client):
    response = officer_client.get("/api/v1/operations/00000000-0000-0000-0000-000000000000/seizures/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_it_hides_frame_numbers_and_notes_from_analysts(analyst_client, officer_client):
    seizure = SeizureFactory()
    ArrestFactory(operation=seizure.operation, notes="told us where he lives")
    for url in (
        "/api/v1/seizures/",
        f"/api/v1/seizures/{seizure.pk}/",
        f"/api/v1/operations/{seizure.operation_id}/seizures/",
        "/api/v1/arrests/",
        "/api/v1/operations/",
    ):
        body = analyst_client.get(url).content.decode()
        assert "frame_number" not in body and "WTU123456789" not in body, url
        assert "notes" not in body, url
    assert "WTU123456789" in officer_client.get(f"/api/v1/seizures/{seizure.pk}/").content.decode()


def test_it_keeps_the_seizure_list_at_a_constant_number_of_queries(officer_client, django_assert_max_num_queries):
    operation = OperationFactory()
    SeizureFactory.create_batch(12, operation=operation)
    for size in (1, 12):
        with django_assert_max_num_queries(3):
            response = officer_client.get(f"/api/v1/seizures/?page_size={size}")
        assert len(response.json()["features"]) == size


def test_it_keeps_the_arrest_list_at_a_constant_number_of_queries(officer_client, django_assert_max_num_queries):
    ArrestFactory.create_batch(5)
    with django_assert_max_num_queries(3):
        response = officer_client.get("/api/v1/arrests/?page_size=5")
    assert len(response.json()["features"]) == 5


def test_it_changes_a_disposition(officer_client, officer):
    seizure = SeizureFactory(operation=OperationFactory(lead_officer=officer))
    response = officer_client.patch(
        f"/api/v1/seizures/{seizure.pk}/", {"disposition": "destroyed"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()
    seizure.refresh_from_db()
    assert (seizure.disposition, seizure.version, seizure.updated_by) == ("destroyed", 2, officer)


def test_it_records_the_underlying_category_of_a_warrant(officer_client, boroughs):
    operation = OperationFactory(ended_at=None, status="active")
    response = officer_client.post(f"/api/v1/operations/{operation.pk}/arrests/", payloads.arrest(), format="json")
    assert response.status_code == 201, response.json()
    props = response.json()["properties"]
    assert (props["offence_category"], props["warrant_offence_category"]) == ("wanted_on_warrant", "sexual_offence")
    assert set(props) >= {"arrested_at", "borough"}
    assert not {"name", "first_name", "date_of_birth", "address"} & set(props), "arrests hold no personal data"
    assert Seizure.objects.count() == 0
