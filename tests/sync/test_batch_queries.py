"""A sync batch of new seizures costs the same queries whatever its size (issue 16)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ebikeops.audit.models import Action, AuditEvent
from ebikeops.operations.models import CustodyEvent, Seizure
from tests.factories import OperationFactory
from tests.sync import items

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/"


def post(client, batch):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"items": batch}, format="json")
    assert response.status_code == 200, response.json()
    return response.json(), [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def operation(officer):
    return OperationFactory(created_by=officer, lead_officer=officer, started_at=items.START, ended_at=None)


def test_new_seizures_cost_the_same_queries_for_2_and_for_100(officer_client, operation, boroughs):
    op_id = str(operation.pk)
    _, two = post(officer_client, [items.seizure(op_id, n) for n in range(2)])
    body, hundred = post(officer_client, [items.seizure(op_id, n) for n in range(100)])
    assert body["summary"] == {"created": 100}
    # Expect 14 queries: the token and its user; the transaction (a savepoint in a test); the
    # items' advisory locks; their stored answers; tombstones; seizures already stored; their
    # operations; the boroughs of the points, and those boroughs; INSERT the seizures, INSERT
    # their custody steps, INSERT the audit event, INSERT the answers; the end of the transaction.
    assert len(hundred) == len(two) == 14, "\n".join(hundred)
    assert sum("INSERT INTO" in q for q in hundred) == 4  # the audit event's opens with a WITH
    assert Seizure.objects.count() == CustodyEvent.objects.count() == 102
    assert AuditEvent.objects.filter(action=Action.COLLECT, actor_username="officer-a").count() == 2


def test_a_replayed_batch_costs_the_same_queries_and_writes_nothing(officer_client, operation, boroughs):
    batch = [items.seizure(str(operation.pk), n) for n in range(100)]
    first, _ = post(officer_client, batch)
    again, queries = post(officer_client, batch)
    assert again["results"] == first["results"]
    # Expect 7 queries: the token and its user, the transaction, the locks, the stored answers,
    # tombstones, seizures already stored, the end of the transaction; nothing is written.
    assert len(queries) == 7, "\n".join(queries)
    assert not any("INSERT INTO" in q for q in queries)
    assert Seizure.objects.count() == 100


def test_a_batch_with_refused_items_costs_the_same_queries(officer_client, operation, boroughs):
    op_id = str(operation.pk)
    paris = {"type": "Point", "coordinates": [2.3522, 48.8566]}
    batch = [items.seizure(op_id, n, **({"point": paris} if n % 10 == 0 else {})) for n in range(100)]
    batch += [items.seizure(items.new_id(), 1)]  # an operation the server does not hold
    body, queries = post(officer_client, batch)
    assert body["summary"] == {"created": 90, "rejected": 11}
    # Expect 15 queries: the 14 above, and whether the unknown operation was deleted (one
    # query for all such operations, however many items name them).
    assert len(queries) == 15, "\n".join(queries)
    assert Seizure.objects.count() == 90


def test_a_batch_stores_each_seizure_as_seizure_create_would(officer_client, officer, operation, boroughs):
    from ebikeops.operations.audit_events import snapshot

    op_id = str(operation.pk)
    full = {
        "point": {"type": "Point", "coordinates": [-0.30512345678901234, 51.51281234567891]},
        "make": "Sur-Ron",
        "model": "Light Bee X",
        "colour": "black",
        "frame_number": "SR2025-0042",
        "notes": "rider fled on foot",
        "disposition": "retained_evidence",
        "accuracy_m": 3.25,
    }
    batch = [items.seizure(op_id, 0, **full), items.seizure(op_id, 1, accuracy_m=None)]
    body, _ = post(officer_client, batch)
    assert body["summary"] == {"created": 2}
    stored = Seizure.objects.get(pk=batch[0]["id"])
    assert stored.point.coords == tuple(full["point"]["coordinates"]), "the point to the last bit"
    assert stored.point.srid == 4326
    for name in ("make", "model", "colour", "frame_number", "notes", "disposition", "accuracy_m"):
        assert getattr(stored, name) == full[name], name
    assert stored.borough.name == "Ealing"
    assert (stored.operation_id, stored.created_by, stored.updated_by, stored.version) == (
        operation.pk,
        officer,
        officer,
        1,
    )
    assert stored.created_at <= stored.updated_at and stored.received_at is not None  # as save() sets them
    assert Seizure.objects.get(pk=batch[1]["id"]).accuracy_m is None
    step = CustodyEvent.objects.get(seizure=stored)
    assert (step.sequence, step.step, step.happened_at, step.recorded_by) == (1, "seized", stored.seized_at, officer)
    # The collection event holds each record exactly as it is stored.
    event = AuditEvent.objects.get(action=Action.COLLECT, records__contains=[f"seizure:{stored.pk}"])
    content = {field: change[1] for field, change in event.changes[f"seizure:{stored.pk}"].items()}
    assert content == snapshot(stored)
