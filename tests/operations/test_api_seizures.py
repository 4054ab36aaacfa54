"""Seizures and arrests over HTTP: nested and top-level, sensitive fields, query budgets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    ArrestFactory(operation=seizure.operation)  # arrests hold no free text at all (only coded fields)
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


def queries_per_page_size(client, url: str, sizes: tuple[int, ...]) -> dict[int, int]:
    """GET `url` once per page size; return how many queries each answer took."""
    counts = {}
    for size in sizes:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()["features"]) == size, "create more rows than the largest page size"
        counts[size] = len(queries)
    return counts


@pytest.fixture
def ealing(boroughs):
    # Rows need a borough: a null foreign key is never fetched, so it would hide an N+1.
    return boroughs.get(name="Ealing")


def test_it_keeps_the_seizure_list_at_a_constant_number_of_queries(officer_client, ealing):
    SeizureFactory.create_batch(12, operation=OperationFactory(borough=ealing), borough=ealing)
    counts = queries_per_page_size(officer_client, "/api/v1/seizures/", (1, 12))
    assert counts[1] == counts[12], f"seizure list queries grew with the page size (N+1?): {counts}"
    assert counts[12] <= 4, f"auth token + count + page + the audit event; got {counts[12]}"


def test_it_keeps_the_arrest_list_at_a_constant_number_of_queries(officer_client, ealing):
    for _ in range(3):
        ArrestFactory.create_batch(4, operation=OperationFactory(borough=ealing), borough=ealing)
    counts = queries_per_page_size(officer_client, "/api/v1/arrests/", (1, 12))
    assert counts[1] == counts[12], f"arrest list queries grew with the page size (N+1?): {counts}"
    assert counts[12] <= 4, f"auth token + count + page + the audit event; got {counts[12]}"


@pytest.mark.parametrize(("kind", "factory"), [("seizures", SeizureFactory), ("arrests", ArrestFactory)])
def test_it_keeps_an_operations_nested_list_at_a_constant_number_of_queries(officer_client, ealing, kind, factory):
    operation = OperationFactory(borough=ealing)
    factory.create_batch(12, operation=operation, borough=ealing)
    factory.create_batch(2, operation=OperationFactory())  # another operation's records stay out
    url = f"/api/v1/operations/{operation.pk}/{kind}/"
    counts = queries_per_page_size(officer_client, url, (1, 12))
    assert counts[1] == counts[12], f"nested {kind} list queries grew with the page size (N+1?): {counts}"
    assert counts[12] <= 5, (
        f"auth token + the operation (404 if unknown) + count + page + the audit event; got {counts[12]}"
    )
    assert officer_client.get(url).json()["count"] == 12


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
