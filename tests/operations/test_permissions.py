"""Each role against each endpoint: allowed and refused."""

import pytest

from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/operations/", "/api/v1/seizures/", "/api/v1/arrests/", "/api/v1/boroughs/"]


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_users_get_nothing(anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_users_get_the_schema_and_health(anon_client):
    assert anon_client.get("/api/schema/").status_code == 200
    assert anon_client.get("/api/v1/health/").status_code == 200


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role_client", ["officer_client", "commander_client", "analyst_client"])
def test_every_role_reads(request, url, role_client):
    assert request.getfixturevalue(role_client).get(url).status_code == 200


def test_analysts_cannot_write(analyst_client, boroughs):
    seizure = SeizureFactory()
    assert analyst_client.post("/api/v1/operations/", payloads.operation(), format="json").status_code == 403
    assert (
        analyst_client.post(
            f"/api/v1/operations/{seizure.operation_id}/seizures/", payloads.seizure(), format="json"
        ).status_code
        == 403
    )
    assert (
        analyst_client.patch(f"/api/v1/seizures/{seizure.pk}/", {"disposition": "returned"}, format="json").status_code
        == 403
    )
    assert analyst_client.delete(f"/api/v1/seizures/{seizure.pk}/").status_code == 403


def test_officers_edit_their_own_records_only(officer_client, other_officer_client, officer):
    mine = OperationFactory(lead_officer=officer)
    seizure = SeizureFactory(operation=mine, created_by=officer)
    refused = other_officer_client.patch(
        f"/api/v1/operations/{mine.pk}/", {"notes": "mine now"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert refused.status_code == 403
    refused = other_officer_client.patch(
        f"/api/v1/seizures/{seizure.pk}/", {"disposition": "returned"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert refused.status_code == 403
    allowed = officer_client.patch(
        f"/api/v1/operations/{mine.pk}/", {"notes": "Debrief done"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert allowed.status_code == 200, allowed.json()


def test_officers_cannot_delete_but_commanders_can(officer_client, commander_client, officer):
    arrest = ArrestFactory(operation=OperationFactory(lead_officer=officer), created_by=officer)
    assert officer_client.delete(f"/api/v1/arrests/{arrest.pk}/").status_code == 403
    assert commander_client.delete(f"/api/v1/arrests/{arrest.pk}/").status_code == 204


def test_commanders_edit_anyones_records(commander_client):
    operation = OperationFactory()
    response = commander_client.patch(
        f"/api/v1/operations/{operation.pk}/", {"status": "completed"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()


def test_officers_and_commanders_see_notes(officer_client, commander_client):
    operation = OperationFactory(notes="Briefed at 11:00")
    for client in (officer_client, commander_client):
        assert client.get(f"/api/v1/operations/{operation.pk}/").json()["properties"]["notes"] == "Briefed at 11:00"
