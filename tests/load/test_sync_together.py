"""Seizures and arrests of a sync batch are created set-based (one query per stage, not per
item), answering every item exactly as applying it alone would."""

import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from django.db import IntegrityError, transaction

from ebikeops.core.models import IdempotencyKey
from ebikeops.operations import services as record_services
from ebikeops.operations.models import Arrest, Seizure
from ebikeops.sync import services as sync_services
from tests import places
from tests.factories import OperationFactory, SeizureFactory, token_of
from tests.sync import items

URL = "/api/v1/sync/"


def answers(client, batch: list[dict]) -> dict:
    response = client.post(URL, {"items": batch}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    del body["server_time"]
    return body


def fixed_id(n: int) -> str:
    return str(uuid.UUID(int=0x5E12_0000_0000_4000_8000_0000_0000_0000 + n))


@pytest.fixture
def mixed_batch(officer, commander, boroughs):
    """A batch with every outcome a seizure or arrest create can have, next to good items."""
    operation = OperationFactory(
        lead_officer=officer, started_at=items.START, ended_at=items.START + timedelta(hours=5)
    )
    op = str(operation.pk)
    gone_op = OperationFactory(lead_officer=officer, started_at=items.START)
    record_services.operation_delete(operation=gone_op, user=commander)
    stored = SeizureFactory(operation=operation, point=places.EALING_BROADWAY, seized_at=items.START)
    deleted = SeizureFactory(operation=operation, seized_at=items.START)
    record_services.seizure_delete(seizure=deleted, user=commander)
    good = [items.seizure(op, n, record_id=fixed_id(n)) for n in range(6)]
    return [
        *good[:3],
        items.arrest(op, record_id=fixed_id(10)),
        items.seizure(op, record_id=fixed_id(11), point=places.geojson(places.PARIS)),  # outside London
        items.seizure(op, record_id=fixed_id(12), point={"type": "Point", "coordinates": [51.513, -0.302]}),
        items.seizure(op, record_id=fixed_id(13), seized_at=items.iso(items.START - timedelta(days=3))),
        items.seizure(op, record_id=fixed_id(14), accuracy_m=500.0),
        items.seizure(str(uuid.UUID(int=77)), record_id=fixed_id(15)),  # unknown operation: retryable
        items.seizure(str(gone_op.pk), record_id=fixed_id(16)),  # its operation was deleted
        items.seizure(op, record_id=str(deleted.pk)),  # deleted: answered "deleted"
        items.seizure(op, record_id=str(stored.pk), point=places.geojson(places.WEST_EALING)),  # id taken
        items.arrest(op, record_id=fixed_id(17), offence_category="wanted_on_warrant"),  # no warrant category
        items.seizure(op, record_id=fixed_id(18), recorded_at=items.iso(items.START + timedelta(days=3650))),
        *good[3:],
    ]


def one_by_one(monkeypatch) -> None:
    monkeypatch.setattr(sync_services, "_creates_together", lambda **kwargs: None)


def test_it_answers_every_item_as_applying_it_alone_would(officer_client, mixed_batch, monkeypatch):
    with transaction.atomic():
        together = answers(officer_client, mixed_batch)
        stored_together = sorted(IdempotencyKey.objects.values_list("key", "fingerprint", "response_body"))
        transaction.set_rollback(True)
    one_by_one(monkeypatch)
    alone = answers(officer_client, mixed_batch)
    assert together == alone
    assert stored_together == sorted(IdempotencyKey.objects.values_list("key", "fingerprint", "response_body"))
    statuses = [result["status"] for result in together["results"]]
    assert statuses.count("created") == 7, together
    reasons = {result.get("reason") for result in together["results"]}
    assert {"invalid", "operation_unknown", "operation_deleted", "deleted", "id_exists"} <= reasons


def test_a_replayed_batch_answers_the_same_and_writes_nothing(officer_client, mixed_batch):
    first = answers(officer_client, mixed_batch)
    rows = (Seizure.objects.count(), Arrest.objects.count(), IdempotencyKey.objects.count())
    assert answers(officer_client, mixed_batch) == first
    assert (Seizure.objects.count(), Arrest.objects.count(), IdempotencyKey.objects.count()) == rows


def test_it_creates_a_hundred_seizures_in_a_fixed_number_of_queries(
    officer_client, officer, boroughs, django_assert_max_num_queries
):
    operation = OperationFactory(lead_officer=officer, started_at=items.START, ended_at=None, status="active")
    batch = [items.seizure(str(operation.pk), n) for n in range(100)]
    # 1 token and user; then, for all 100 together: savepoint, locks, stored answers,
    # tombstones, existing seizures, operations, ids taken, tombstones again (the service's
    # own check), boroughs loaded, boroughs of the points, the boroughs themselves, INSERT
    # seizures, their custody starts, the audit event naming all of them, INSERT answers,
    # release savepoint: 17, whatever the batch size.
    with django_assert_max_num_queries(17):
        body = answers(officer_client, batch)
    assert body["summary"] == {"created": 100}
    assert Seizure.objects.filter(operation=operation).count() == 100
    assert set(Seizure.objects.values_list("borough__name", flat=True)) == {"Ealing"}


def test_a_collision_with_a_concurrent_write_falls_back_to_one_by_one(officer_client, officer, boroughs, monkeypatch):
    operation = OperationFactory(
        lead_officer=officer, started_at=items.START, ended_at=items.START + timedelta(hours=5)
    )
    batch = [items.seizure(str(operation.pk), n) for n in range(5)]

    def collide(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(sync_services, "records_create_many", collide)
    body = answers(officer_client, batch)
    assert body["summary"] == {"created": 5}
    assert Seizure.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_batch_at_once_create_each_record_once(live_server, officer, boroughs):
    """A phone whose answer was lost sends the batch again while the first is still being
    applied: the copy waits on the items' locks, then replays the first one's answers."""
    operation = OperationFactory(lead_officer=officer, started_at=items.START, ended_at=None, status="active")
    batch = {"items": [items.seizure(str(operation.pk), n) for n in range(60)]}
    start = threading.Barrier(2)
    bodies: list[dict] = []
    auth = {"Authorization": f"Token {token_of(officer)}"}  # read here: threads open no connections

    def send() -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            start.wait()
            response = client.post(URL, json=batch, headers=auth)
            assert response.status_code == 200, response.text
            bodies.append(response.json())

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(bodies) == 2
    assert bodies[0]["results"] == bodies[1]["results"]
    assert bodies[0]["summary"] == {"created": 60}
    assert Seizure.objects.filter(operation=operation).count() == 60
