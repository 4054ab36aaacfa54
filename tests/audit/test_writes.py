"""Every write leaves its event in the same transaction, through the one service per write:
REST, sync, photos and commands alike. Alterations carry before/after; erasures the content."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ebikeops.audit.models import AuditEvent
from ebikeops.operations import services
from ebikeops.operations.models import Seizure, SeizurePhoto
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads
from tests.operations.test_photos import upload
from tests.sync import images, items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def operation(officer, boroughs):
    return OperationFactory(lead_officer=officer, created_by=officer)


def writes() -> list[AuditEvent]:
    return list(AuditEvent.objects.exclude(action="consult").order_by("id"))


def test_creating_a_seizure_over_rest_is_a_collection_with_its_content(officer_client, officer, operation):
    response = officer_client.post(
        f"/api/v1/operations/{operation.pk}/seizures/", payloads.seizure(), format="json", HTTP_X_REQUEST_ID="dev-42"
    )
    assert response.status_code == 201, response.json()
    seizure_id = response.json()["id"]
    [event] = writes()
    key = f"seizure:{seizure_id}"
    assert (event.action, event.records, event.actor_username, event.client_kind, event.request_id) == (
        "collect",
        [key],
        "officer-a",
        "token",
        "dev-42",
    )
    content = event.changes[key]
    assert content["colour"] == [None, "black"] and content["frame_number"] == [None, "SR2025X0001"]
    assert content["operation_id"] == [None, str(operation.pk)]
    assert content["point"][1]["type"] == "Point"
    assert event.endpoint == "operation-seizure-list"


def test_each_change_is_an_alteration_with_before_and_after_and_the_history_shows_them(
    officer_client, commander_client, operation
):
    seizure_id = officer_client.post(
        f"/api/v1/operations/{operation.pk}/seizures/", payloads.seizure(), format="json"
    ).json()["id"]
    url = f"/api/v1/seizures/{seizure_id}/"
    assert officer_client.patch(url, {"colour": "red"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    changed = commander_client.patch(url, {"make": "Talaria", "colour": "green"}, format="json", HTTP_IF_MATCH='"2"')
    assert changed.status_code == 200
    first, second = writes()[1:]
    assert first.changes[f"seizure:{seizure_id}"]["colour"] == ["black", "red"]
    assert first.changes[f"seizure:{seizure_id}"]["version"] == [1, 2]
    assert "make" not in first.changes[f"seizure:{seizure_id}"]
    assert (second.actor_username, second.changes[f"seizure:{seizure_id}"]["make"]) == (
        "commander",
        ["Sur-Ron", "Talaria"],
    )
    history = commander_client.get(f"{url}history/").json()
    assert [(v["action"], v["version"], v["actor_username"]) for v in history["versions"]] == [
        ("collect", 1, "officer-a"),
        ("alter", 2, "officer-a"),
        ("alter", 3, "commander"),
    ]


def test_an_erased_record_stays_accountable(commander_client, auditor_client, operation):
    seizure = SeizureFactory(operation=operation, colour="orange", frame_number="FN-1")
    response = commander_client.delete(f"/api/v1/seizures/{seizure.pk}/", HTTP_IF_MATCH='"1"')
    assert response.status_code == 204
    assert not Seizure.objects.filter(pk=seizure.pk).exists()
    [event] = writes()
    key = f"seizure:{seizure.pk}"
    assert (event.action, event.actor_username) == ("erase", "commander")
    assert event.changes[key]["colour"] == ["orange", None]
    assert event.changes[key]["frame_number"] == ["FN-1", None]
    history = auditor_client.get(f"/api/v1/seizures/{seizure.pk}/history/").json()
    assert history["erased"] is True
    assert history["versions"][-1]["changes"]["colour"] == ["orange", None]


def test_a_refused_or_invalid_write_leaves_no_event(officer_client, other_officer_client, operation):
    seizure = SeizureFactory(operation=operation, created_by=operation.lead_officer)
    url = f"/api/v1/seizures/{seizure.pk}/"
    late = {"seized_at": "2031-01-01T00:00:00Z"}
    assert officer_client.patch(url, late, format="json", HTTP_IF_MATCH='"1"').status_code == 400
    assert other_officer_client.patch(url, {"colour": "red"}, format="json", HTTP_IF_MATCH='"1"').status_code == 403
    assert officer_client.patch(url, {"colour": "red"}, format="json", HTTP_IF_MATCH='"7"').status_code == 412
    assert writes() == []


class Abandoned(Exception):
    pass


def _change_then_abandon(seizure, officer) -> None:
    with transaction.atomic():
        services.seizure_update(seizure=seizure, user=officer, changes={"colour": "purple"})
        raise Abandoned


def test_a_rolled_back_service_leaves_no_event(officer, operation):
    seizure = SeizureFactory(operation=operation, created_by=officer)
    with pytest.raises(Abandoned):
        _change_then_abandon(seizure, officer)
    assert writes() == []
    assert Seizure.objects.get(pk=seizure.pk).colour != "purple"


def test_an_operation_with_its_records_is_one_collection_naming_every_record(officer, boroughs):
    op = services.operation_create(
        user=officer,
        name="Op Mercury",
        team="Ealing",
        started_at=timezone.now() - timedelta(hours=2),
        location=items.places.EALING_BROADWAY,
        seizures=[
            {
                "point": items.places.WEST_EALING,
                "seized_at": timezone.now() - timedelta(hours=1),
                "vehicle_type": "e_bike",
                "reason": "non_compliant_eapc",
                "power": "rta_1988_s165a",
            }
        ],
    )
    [event] = writes()
    seizure = Seizure.objects.get(operation=op)
    assert event.records == [f"operation:{op.pk}", f"seizure:{seizure.pk}"]
    assert (event.client_kind, event.actor_username) == ("system", "officer-a")


def test_a_sync_batch_names_every_record_it_wrote_in_a_collection_event(officer_client, boroughs):
    op = items.operation()
    batch = [op, items.seizure(op["id"], 0), items.seizure(op["id"], 1)]
    response = officer_client.post("/api/v1/sync/", {"items": batch}, format="json", HTTP_X_REQUEST_ID="batch-7")
    assert response.status_code == 200, response.json()
    events = writes()
    # The operation is created on its own; the batch's seizures are created together (set-based)
    # and one collection event names each of them, with its content.
    collected = {record for e in events if e.action == "collect" for record in e.records}
    assert collected == {f"operation:{op['id']}", *(f"seizure:{item['id']}" for item in batch[1:])}
    assert all(e.action == "collect" for e in events)
    seizure_events = [e for e in events if e.records[0].startswith("seizure:")]
    assert {key for e in seizure_events for key in e.changes} == {f"seizure:{item['id']}" for item in batch[1:]}
    assert {(e.endpoint, e.request_id, e.actor_username) for e in events} == {("sync", "batch-7", "officer-a")}
    replay = officer_client.post("/api/v1/sync/", {"items": batch}, format="json")
    assert replay.status_code == 200
    assert len(writes()) == len(events), "a replayed batch writes nothing and so logs nothing"


def test_photos_are_collected_and_erased_with_their_seizure(officer_client, commander_client, operation):
    seizure = SeizureFactory(operation=operation, created_by=officer_client.user)
    response = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg")
    assert response.status_code == 201, response.json()
    photo_id = response.json()["id"]
    collected = writes()[-1]
    assert collected.records == [f"photo:{photo_id}", f"seizure:{seizure.pk}"]
    assert collected.changes[f"photo:{photo_id}"]["content_type"] == [None, "image/jpeg"]
    assert commander_client.delete(f"/api/v1/seizures/{seizure.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    erased = writes()[-1]
    assert erased.action == "erase"
    assert set(erased.records) == {f"seizure:{seizure.pk}", f"photo:{photo_id}"}
    assert not SeizurePhoto.objects.exists()


def test_purging_never_attached_photos_is_an_erasure_by_the_command(officer_client, boroughs):
    orphan = "9a8b7c6d-0000-4000-8000-000000000001"
    response = upload(officer_client, orphan, images.jpeg(), "image/jpeg")
    assert response.status_code == 201, response.json()
    SeizurePhoto.objects.update(created_at=timezone.now() - timedelta(days=60))
    call_command("purge_sync_records")
    erased = writes()[-1]
    assert (erased.action, erased.count, erased.client_kind, erased.endpoint) == (
        "erase",
        1,
        "command",
        "purge_sync_records",
    )
    assert erased.filters == {"reason": "seizure never arrived"}


def test_an_arrest_and_an_operation_erased_by_a_commander(commander, commander_client, operation):
    arrest = ArrestFactory(operation=operation)
    assert commander_client.delete(f"/api/v1/arrests/{arrest.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    assert commander_client.delete(f"/api/v1/operations/{operation.pk}/", HTTP_IF_MATCH='"1"').status_code == 204
    assert [(e.action, e.records) for e in writes()] == [
        ("erase", [f"arrest:{arrest.pk}"]),
        ("erase", [f"operation:{operation.pk}"]),
    ]
