"""ETag / If-Match and Idempotency-Key on the single-record endpoints of the operations API."""

import uuid

import pytest

from ebikeops.core import http as errors
from ebikeops.core.models import IdempotencyKey, IdempotencyScope
from ebikeops.operations.models import Operation, Seizure, Tombstone
from tests.factories import OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db


def test_single_record_responses_carry_the_version_as_etag(officer_client, officer, boroughs):
    created = officer_client.post("/api/v1/operations/", payloads.operation(), format="json")
    assert created.status_code == 201 and created["ETag"] == '"1"'
    got = officer_client.get(f"/api/v1/operations/{created.json()['id']}/")
    assert got["ETag"] == '"1"'
    patched = officer_client.patch(
        f"/api/v1/operations/{created.json()['id']}/", {"notes": "n"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert patched.status_code == 200 and patched["ETag"] == '"2"'


def test_a_patch_without_if_match_is_refused_with_428(officer_client, officer):
    operation = OperationFactory(lead_officer=officer)
    response = officer_client.patch(f"/api/v1/operations/{operation.pk}/", {"notes": "n"}, format="json")
    assert response.status_code == 428
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == errors.IF_MATCH_REQUIRED
    operation.refresh_from_db()
    assert operation.version == 1 and operation.notes == ""


def test_two_officers_edit_one_operation_and_the_stale_write_gets_412_with_the_current_state(
    officer_client, other_officer_client, officer, other_officer
):
    operation = OperationFactory(lead_officer=officer, created_by=other_officer)
    url = f"/api/v1/operations/{operation.pk}/"
    etag_a = officer_client.get(url)["ETag"]
    etag_b = other_officer_client.get(url)["ETag"]
    first = officer_client.patch(url, {"notes": "Officer A"}, format="json", HTTP_IF_MATCH=etag_a)
    second = other_officer_client.patch(url, {"notes": "Officer B"}, format="json", HTTP_IF_MATCH=etag_b)
    assert first.status_code == 200
    assert second.status_code == 412
    body = second.json()
    assert body["current_version"] == 2
    assert body["current"]["properties"]["notes"] == "Officer A"
    assert second["ETag"] == '"2"'
    operation.refresh_from_db()
    assert operation.notes == "Officer A" and operation.version == 2
    # B merges and retries on top of the current version
    retried = other_officer_client.patch(url, {"notes": "Officer A; Officer B"}, format="json", HTTP_IF_MATCH='"2"')
    assert retried.status_code == 200 and retried["ETag"] == '"3"'


def test_if_match_star_accepts_any_version_and_garbage_is_a_400(officer_client, officer):
    seizure = SeizureFactory(operation__lead_officer=officer, version=4)
    url = f"/api/v1/seizures/{seizure.pk}/"
    assert officer_client.patch(url, {"colour": "red"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    bad = officer_client.patch(url, {"colour": "blue"}, format="json", HTTP_IF_MATCH="yesterday")
    assert bad.status_code == 400 and "If-Match" in bad.json()["errors"]
    assert officer_client.patch(url, {"colour": "blue"}, format="json", HTTP_IF_MATCH='"4", "5"').status_code == 200


def test_a_stale_delete_is_refused_and_a_delete_leaves_a_tombstone(commander_client):
    seizure = SeizureFactory(version=3)
    url = f"/api/v1/seizures/{seizure.pk}/"
    assert commander_client.delete(url, HTTP_IF_MATCH='"2"').status_code == 412
    assert commander_client.delete(url, HTTP_IF_MATCH='"3"').status_code == 204
    tombstone = Tombstone.objects.get(record_id=seizure.pk)
    assert tombstone.record_type == "seizure" and tombstone.version == 3


def test_a_deleted_record_posted_again_is_answered_410(officer_client, commander_client, boroughs):
    operation = OperationFactory(status="active", ended_at=None)
    seizure_id = str(uuid.uuid4())
    body = payloads.seizure(id=seizure_id, operation=str(operation.pk), seized_at="2025-11-29T13:30:00+00:00")
    assert officer_client.post("/api/v1/seizures/", body, format="json").status_code == 201
    assert commander_client.delete(f"/api/v1/seizures/{seizure_id}/").status_code == 204
    again = officer_client.post("/api/v1/seizures/", body, format="json")
    assert again.status_code == 410
    assert "deleted" in again.json()["detail"]
    assert Seizure.objects.count() == 0
    # Reading or editing it says the same, not a bare 404 (a device may not know yet).
    url = f"/api/v1/seizures/{seizure_id}/"
    assert officer_client.get(url).status_code == 410
    edit = officer_client.patch(url, {"notes": "late edit"}, format="json", HTTP_IF_MATCH='"1"')
    assert edit.status_code == 410 and "deleted" in edit.json()["detail"]
    assert officer_client.get(f"/api/v1/seizures/{uuid.uuid4()}/").status_code == 404


def post_with_key(client, body, key):
    return client.post("/api/v1/operations/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_idempotency_key_and_body_get_the_stored_response(officer_client, boroughs):
    key = str(uuid.uuid4())
    first = post_with_key(officer_client, payloads.operation(), key)
    second = post_with_key(officer_client, payloads.operation(), f'"{key}"')  # sf-string form
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Location"] == first["Location"] and second["ETag"] == first["ETag"]
    assert second["Idempotent-Replayed"] == "true"
    assert Operation.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert stored.scope == IdempotencyScope.HTTP and stored.key == key
    assert (stored.expires_at - stored.created_at).days == 14


def test_the_same_idempotency_key_with_a_different_body_is_a_422(officer_client, boroughs):
    key = str(uuid.uuid4())
    assert post_with_key(officer_client, payloads.operation(), key).status_code == 201
    response = post_with_key(officer_client, payloads.operation(name="Another"), key)
    assert response.status_code == 422
    assert response.json()["detail"] == errors.KEY_REUSED
    assert Operation.objects.count() == 1


def test_idempotency_keys_belong_to_one_user(officer_client, other_officer_client, boroughs):
    key = str(uuid.uuid4())
    assert post_with_key(officer_client, payloads.operation(), key).status_code == 201
    other = post_with_key(other_officer_client, payloads.operation(reference="OP-2"), key)
    assert other.status_code == 201
    assert Operation.objects.count() == 2


def test_a_failed_request_does_not_use_up_its_key(officer_client, boroughs):
    key = str(uuid.uuid4())
    bad = post_with_key(officer_client, payloads.operation(started_at="2025-11-29T12:00:00"), key)
    assert bad.status_code == 400
    assert IdempotencyKey.objects.count() == 0
    assert post_with_key(officer_client, payloads.operation(), key).status_code == 201


def test_a_malformed_idempotency_key_is_a_400(officer_client):
    response = post_with_key(officer_client, payloads.operation(), "x" * 300)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]


def test_idempotency_keys_do_not_open_a_door_for_analysts(analyst_client):
    response = post_with_key(analyst_client, payloads.operation(), str(uuid.uuid4()))
    assert response.status_code == 403
    assert IdempotencyKey.objects.count() == 0


def test_expired_keys_are_purged(officer_client, boroughs):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    assert post_with_key(officer_client, payloads.operation(), str(uuid.uuid4())).status_code == 201
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_sync_records")
    assert IdempotencyKey.objects.count() == 0
