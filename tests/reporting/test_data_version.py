"""The data version behind the ETags moves at each commit that changed reported data, and
only then. These tests commit, so they run outside the usual test transaction."""

import pytest
from django.db import transaction

from ebikeops.operations.models import Seizure
from ebikeops.reporting.selectors import data_version
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/summaries/?group_by=month"


def test_a_committed_write_changes_the_etag(analyst_client):
    first = analyst_client.get(URL)
    assert first.status_code == 200
    assert first.json()["totals"]["seizures"]["total"] == 0
    SeizureFactory()
    again = analyst_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert again.json()["totals"]["seizures"]["total"] == 1
    assert analyst_client.get(URL, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_one_transaction_is_one_step(db):
    before, _ = data_version()
    with transaction.atomic():
        operation = OperationFactory()
        SeizureFactory(operation=operation)
        ArrestFactory(operation=operation)
        assert data_version()[0] == before, "the step happens at commit"
    after, changed_at = data_version()
    assert after == before + 1
    assert changed_at is not None


def test_a_rolled_back_write_changes_nothing(db):
    before = data_version()
    with transaction.atomic():
        OperationFactory()
        transaction.set_rollback(True)
    assert data_version() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda: Seizure.objects.update(disposition="destroyed"),  # bulk UPDATE, no save()
        lambda: Seizure.objects.all().delete(),
    ],
    ids=["bulk update", "delete"],
)
def test_bulk_changes_count_too(db, change):
    SeizureFactory()
    before, _ = data_version()
    change()
    assert data_version()[0] == before + 1
