"""Database constraints hold even when code bypasses the services."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from ebikeops.operations.models import Arrest, Operation, Seizure
from tests.factories import T0, ArrestFactory, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db


def violates(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
    except IntegrityError:
        return True
    return False


def test_an_operation_cannot_end_before_it_starts():
    assert violates(lambda: OperationFactory(started_at=T0, ended_at=T0 - timedelta(minutes=1)))


def test_an_operation_cannot_end_the_moment_it_starts():
    assert violates(lambda: OperationFactory(started_at=T0, ended_at=T0))
    OperationFactory(started_at=T0, ended_at=T0 + timedelta(microseconds=1))
    OperationFactory(started_at=T0, ended_at=None)
    assert Operation.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vehicle_type", "hoverboard"),
        ("reason", "x"),
        ("power", "x"),
        ("disposition", "sold"),
        ("source", "rumour"),
        ("accuracy_m", -1.0),
        ("version", 0),
    ],
)
def test_seizure_columns_hold_only_valid_values(field, value):
    operation = OperationFactory()
    assert violates(lambda: SeizureFactory(operation=operation, **{field: value}))


def test_operation_counts_and_choices_are_constrained():
    assert violates(lambda: OperationFactory(status="finished"))
    assert violates(lambda: OperationFactory(officer_count=-2))
    assert violates(lambda: OperationFactory(version=0))


def test_a_warrant_arrest_needs_its_underlying_category():
    operation = OperationFactory()
    assert violates(lambda: ArrestFactory(operation=operation, offence_category="wanted_on_warrant"))
    assert violates(
        lambda: ArrestFactory(operation=operation, offence_category="theft", warrant_offence_category="robbery")
    )
    ArrestFactory(operation=operation, offence_category="wanted_on_warrant", warrant_offence_category="sexual_offence")
    assert Arrest.objects.count() == 1


def test_operation_references_are_unique_when_given():
    OperationFactory(reference="OP-1")
    OperationFactory(reference="")
    OperationFactory(reference="")
    assert violates(lambda: OperationFactory(reference="OP-1"))


def test_an_operation_with_seizures_cannot_be_deleted_from_under_them():
    seizure = SeizureFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        seizure.operation.delete()
    assert Operation.objects.count() == 1 and Seizure.objects.count() == 1


def test_geometries_and_times_are_indexed():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'operations_%'")
        indexes = dict(cursor.fetchall())
    defs = " ".join(indexes.values())
    for column in ("location", "point", "stop_points"):
        assert f"USING gist ({column})" in defs, column
    assert "st_transform(point, 27700)" in defs
    for name in ("operation_started_at", "seizure_seized_at", "arrest_arrested_at"):
        assert name in indexes
