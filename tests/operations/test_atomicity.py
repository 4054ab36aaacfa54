"""A write that fails part-way, after rows were inserted, leaves nothing of its body behind.

These tests run without the test transaction around them (autocommit, as in production), so
the service's own transaction is the one that commits or rolls back.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ebikeops.operations import errors
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests.factories import ArrestFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_nested_id_taken_after_the_operation_was_inserted_rolls_everything_back(officer_client, boroughs):
    stored = SeizureFactory()
    stored_arrest = ArrestFactory(operation=stored.operation)
    body = payloads.operation(
        reference="OP-ATOMIC-1",
        seizures=[payloads.seizure(), payloads.seizure(id=str(stored.pk))],
        arrests=[payloads.arrest()],
    )

    with CaptureQueriesContext(connection) as queries:
        response = officer_client.post("/api/v1/operations/", body, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"seizures[1].id": [errors.DUPLICATE_ID]}
    sql = [q["sql"] for q in queries.captured_queries]
    assert any(s.startswith('INSERT INTO "operations_operation"') for s in sql), (
        "the failure must come after the operation row was inserted, or this test proves nothing about rollback"
    )
    assert any(s.startswith('INSERT INTO "operations_seizure"') for s in sql)
    assert not Operation.objects.filter(reference="OP-ATOMIC-1").exists()
    assert list(Operation.objects.values_list("pk", flat=True)) == [stored.operation_id]
    assert list(Seizure.objects.values_list("pk", flat=True)) == [stored.pk]
    assert list(Arrest.objects.values_list("pk", flat=True)) == [stored_arrest.pk]
    stored.refresh_from_db()
    assert (stored.operation_id, stored.version, stored.make) == (stored_arrest.operation_id, 1, "")


def test_the_same_body_with_a_fresh_id_then_goes_through(officer_client, boroughs):
    stored = SeizureFactory()
    body = payloads.operation(seizures=[payloads.seizure(id=str(stored.pk))], arrests=[payloads.arrest()])
    assert officer_client.post("/api/v1/operations/", body, format="json").status_code == 400

    body["properties"]["seizures"][0].pop("id")
    response = officer_client.post("/api/v1/operations/", body, format="json")

    assert response.status_code == 201, response.json()
    assert (Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()) == (2, 2, 1)
