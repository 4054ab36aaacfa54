"""SQL compiled once (ebikeops.core.statements): a list's page and count give what the queryset
gives; a model's INSERT sends what `save()` sends."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from ebikeops.audit.models import AuditEvent
from ebikeops.core import statements
from ebikeops.core.statements import CompiledInsert, CompiledRows, compiled_rows
from ebikeops.operations.models import Seizure
from tests.factories import OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 7, 3, 21, 15, 7, 123456, tzinfo=UTC)


@pytest.fixture
def seizures(boroughs):
    operation = OperationFactory(started_at=START)
    return [
        SeizureFactory(
            operation=operation,
            seized_at=START + timedelta(minutes=index),
            point=Point(-0.30 - index / 1000, 51.51, srid=4326),
            vehicle_type="e_bike" if index % 2 else "e_scooter",
        )
        for index in range(5)
    ]


@pytest.fixture(autouse=True)
def nothing_kept():
    statements.forget()
    yield
    statements.forget()


def _rows(queryset):
    # Converters included: a UUID, a time, a decimal-free float, a geometry (GEOS, by its converter).
    return queryset.values("id", "operation", "seized_at", "accuracy_m", "point", "borough__name")


def test_it_serves_every_page_and_count_as_the_queryset(seizures):
    queryset = Seizure.objects.filter(vehicle_type="e_bike").order_by("seized_at", "id")
    compiled = CompiledRows.of(_rows(queryset), counted=queryset)
    for low, high in ((0, 1), (0, 100), (1, 2), (2, 4), (50, 60)):
        assert compiled[low:high] == list(_rows(queryset)[low:high]), (low, high)
    assert compiled.count() == queryset.count() == 2
    assert compiled[0:1][0]["point"] == seizures[1].point, "the geometry goes through its converter"
    assert compiled.ordered


def test_it_keeps_statements_with_plain_values_under_their_key(seizures):
    def build(vehicle_type):
        queryset = Seizure.objects.filter(vehicle_type=vehicle_type).order_by("id")
        return lambda: (_rows(queryset), queryset)

    bikes = compiled_rows(("bikes",), build("e_bike"))
    assert compiled_rows(("bikes",), build("e_scooter")) is bikes, "a kept statement is not compiled again"
    assert compiled_rows(("scooters",), build("e_scooter")).count() == 3
    SeizureFactory(operation=seizures[0].operation, vehicle_type="e_bike", seized_at=START)
    assert bikes.count() == len(bikes[0:100]) == 3, "a kept statement reads the rows as they are now"
    assert compiled_rows(None, build("e_bike")) is not bikes, "no key: compiled afresh"


def test_a_settings_change_forgets_the_kept_statements(seizures, settings):
    # A kept statement holds values read from settings when it was compiled (the pseudonyms' key).
    queryset = Seizure.objects.order_by("id")
    kept = compiled_rows(("any",), lambda: (_rows(queryset), queryset))
    settings.PSEUDONYM_KEY = "another-key-for-this-test"
    assert compiled_rows(("any",), lambda: (_rows(queryset), queryset)) is not kept


def test_it_does_not_keep_statements_with_geometries(seizures):
    def build():
        queryset = Seizure.objects.filter(point__dwithin=(Point(-0.30, 51.51, srid=4326), 0.01)).order_by("id")
        return _rows(queryset), queryset

    near = compiled_rows(("near",), build)
    assert not near.shareable and near.count() == 5
    assert compiled_rows(("near",), build) is not near


def test_it_forgets_everything_when_full(seizures, monkeypatch):
    monkeypatch.setattr(statements, "MAX_KEPT", 2)

    def build():
        queryset = Seizure.objects.order_by("id")
        return _rows(queryset), queryset

    first = compiled_rows((1,), build)
    compiled_rows((2,), build)
    compiled_rows((3,), build)
    assert compiled_rows((1,), build) is not first
    assert len(statements._kept) <= 2


def test_it_refuses_a_sliced_queryset(seizures):
    queryset = Seizure.objects.order_by("id")
    with pytest.raises(ValueError, match="unsliced"):
        CompiledRows.of(_rows(queryset)[:2], counted=queryset)


def _event(**values) -> AuditEvent:
    return AuditEvent(
        actor_id=7,
        actor_username="officer-a",
        actor_role="officer",
        client_kind="token",
        client_ref="0123456789abcdef",
        ip="10.1.2.3",
        user_agent="wrk",
        request_id="r1",
        action="consult",
        endpoint="seizure-list",
        records=["seizure:1", "seizure:2"],
        filters={"vehicle_type": "e_bike", "page": ["1", "2"], "n": None},
        count=2,
        purpose="patrol \u2028 planning",
        **values,
    )


def test_an_insert_compiled_once_sends_what_save_sends():
    compiled = CompiledInsert.of(AuditEvent(), alias="default")
    saved, inserted = _event(), _event()
    with CaptureQueriesContext(connection) as by_save:
        saved.save(force_insert=True)
    with CaptureQueriesContext(connection) as by_compiled:
        compiled.insert(inserted)
    # The same statement, values included (the trigger sets the chain, sequence and hashes).
    assert by_compiled.captured_queries[0]["sql"] == by_save.captured_queries[0]["sql"]
    assert inserted.pk == saved.pk + 1 and not inserted._state.adding and inserted._state.db == "default"
    stored = AuditEvent.objects.get(pk=inserted.pk)
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(inserted, field.attname) == getattr(stored, field.attname), field.name
    assert stored.hash and stored.seq and stored.occurred_at.tzinfo is not None


def test_an_insert_compiled_once_refuses_what_it_was_not_compiled_for():
    compiled = CompiledInsert.of(AuditEvent(), alias="default")
    with pytest.raises(ValueError, match="hash"):
        compiled.insert(_event(hash="set by hand"))
    event = _event()
    event.count = Value(3)
    with pytest.raises(ValueError, match="count"):
        compiled.insert(event)


def test_it_shows_only_the_named_columns_of_a_distinct_page(seizures):
    # DISTINCT selects its ORDER BY terms too: they are not part of the rows, as with .values().
    queryset = Seizure.objects.distinct().order_by("-seized_at", "id")
    rows = queryset.values("id", "vehicle_type")
    assert CompiledRows.of(rows, counted=queryset)[0:3] == list(rows[0:3])


def test_a_kept_statement_binds_its_values_once_percent_signs_included(seizures):
    SeizureFactory(operation=seizures[0].operation, make="100% Sur-Ron", seized_at=START)

    def build():
        queryset = Seizure.objects.filter(make__in=["100% Sur-Ron", "%s"]).order_by("id")
        return _rows(queryset), queryset

    kept = compiled_rows(("percent",), build)
    assert kept.params == () and "Sur-Ron" in kept.sql, "bound once"
    queryset = build()[1]
    assert kept[0:10] == list(_rows(queryset)[0:10]) and kept.count() == 1


def _prepared() -> dict[str, int]:
    """The statements prepared on this connection, with how often each ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_a_kept_lists_first_page_and_count_are_prepared_and_other_pages_are_not(seizures):
    def build():
        queryset = Seizure.objects.filter(vehicle_type="e_scooter").order_by("-seized_at", "id")
        return _rows(queryset), queryset

    kept = compiled_rows(("prepared",), build)
    queryset = build()[1]
    for _ in range(3):
        assert kept[0:2] == list(_rows(queryset)[0:2])
        assert kept[2:4] == list(_rows(queryset)[2:4])
        assert kept.count() == queryset.count() == 3
    prepared = _prepared()
    (first_page,) = [statement for statement in prepared if statement == f"{kept.sql} LIMIT 2 OFFSET 0"]
    assert prepared[first_page] == 3, "prepared once, then run by name"
    (count,) = [statement for statement in prepared if statement == kept.count_sql]
    assert prepared[count] == 3
    assert not [statement for statement in prepared if "LIMIT" in statement and "OFFSET 0" not in statement]
    with CaptureQueriesContext(connection) as captured:
        kept.count()
    assert [query["sql"] for query in captured.captured_queries] == [count], "logged with its text, not None"
    # Not kept (no key): planned per request, as every other query.
    unkept = compiled_rows(None, build)
    assert unkept[0:1] == list(_rows(queryset)[0:1]) and f"{unkept.sql} LIMIT 1 OFFSET 0" not in _prepared()


def test_nothing_is_prepared_behind_a_transaction_pooler(seizures, monkeypatch):
    # PgBouncer in transaction mode (DISABLE_SERVER_SIDE_CURSORS): the next statement may go
    # to another server connection, which does not have the prepared one.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    queryset = Seizure.objects.filter(vehicle_type="e_bike").order_by("-seized_at", "id")
    kept = compiled_rows(("pooled",), lambda: (_rows(queryset), queryset))
    assert kept[0:5] == list(_rows(queryset)[0:5]) and kept.count() == 2
    prepared = _prepared()
    assert f"{kept.sql} LIMIT 5 OFFSET 0" not in prepared and kept.count_sql not in prepared
