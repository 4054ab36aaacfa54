"""audit.collection_record: PostgreSQL builds a collection event's content from the rows, and
it equals what Python's snapshot gives, digit for digit (issue 13's write overhead)."""

import csv
import io
import json
import random
import uuid
from datetime import UTC, date, datetime

import pytest
from django.contrib.gis.geos import MultiPoint, Point
from django.db import connection, transaction

from ebikeops.audit.models import AuditEvent, content_as_changes
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import (
    AuditOutsideTransaction,
    CollectionIncomplete,
    collection_record,
    event_record,
    jsonable,
    partitions_ensure,
)
from ebikeops.operations.audit_events import snapshot
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db


def key(record) -> str:
    return f"{type(record)._meta.model_name}:{record.pk}"


def stored_as_python_wrote_them(records, actor) -> int:
    """The collection event as it was made before collection_record: Python snapshots each
    record (re-read, so its times are in UTC) and event_record stores them."""
    rows = [type(record).objects.get(pk=record.pk) for record in records]
    changes = {key(row): {field: [None, value] for field, value in snapshot(row).items()} for row in rows}
    return event_record(action="collect", actor=actor, records=rows, changes=changes).pk


def stored_text(event_id: int, record_key: str) -> str:
    """One record's content as readers get it, written out as JSON (5.0 is not 5): from
    `changes` (Python's event) or from `content` read as jsonb and spread per record
    (collection_record's, migration 0005 and AuditEvent.from_db)."""
    return json.dumps(AuditEvent.objects.get(pk=event_id).changes[record_key])


def test_it_writes_each_records_content_as_python_does_to_the_last_digit(officer, boroughs):
    rng = random.Random(13)
    # Coordinates with every number of decimals, integers and halves; whole, fractional and
    # missing accuracies; times with and without microseconds.
    coordinates = [(round(rng.uniform(-0.5, 0.3), rng.randint(0, 17)), rng.uniform(51.3, 51.7)) for _ in range(120)]
    coordinates += [(0.0, 51.5), (-0.1, 51.5), (-0.30200000000000005, 51.513), (-0.127758, 51.507351), (-1.0, 51.0)]
    operation = OperationFactory(
        lead_officer=officer,
        created_by=officer,
        stop_points=MultiPoint(Point(-0.3018, 51.513), Point(-0.30200000000000005, 51.5), srid=4326),
    )
    seizures = [
        SeizureFactory(
            operation=operation,
            point=Point(x, y, srid=4326),
            accuracy_m=rng.choice([None, 5.0, 7.25, 1e-05, 12345678901234567.0]),
            seized_at=datetime(
                2025, 11, 29, 12, 0, rng.randint(0, 59), rng.choice([0, 250, 999_999, 1000]), tzinfo=UTC
            ),
            notes=rng.choice(["", 'quotes " and \\ back', "caf\u00e9 \U0001f6b2"]),
        )
        for x, y in coordinates
    ]
    arrest = ArrestFactory(operation=operation, accuracy_m=3.0)
    records = [operation, *seizures, arrest]

    with transaction.atomic():
        event_id = collection_record(records=records, actor=officer)
        before = stored_as_python_wrote_them(records, officer)

    event = AuditEvent.objects.get(pk=event_id)
    assert event.action == "collect" and event.actor_username == officer.username
    assert event.records == [key(r) for r in records]
    assert set(event.changes) == set(event.records)
    assert event.changes == AuditEvent.objects.get(pk=before).changes
    for record in records:
        assert stored_text(event_id, key(record)) == stored_text(before, key(record)), f"{key(record)} differs"
    assert chain_verify().intact, "the event is hashed and chained like any other"


def test_it_writes_empty_and_missing_geometries_as_python_does(officer, boroughs):
    operation = OperationFactory(lead_officer=officer, created_by=officer, stop_points=None)
    empty = OperationFactory(lead_officer=officer, created_by=officer, stop_points=MultiPoint(srid=4326))
    with transaction.atomic():
        event_id = collection_record(records=[operation, empty], actor=officer)
        before = stored_as_python_wrote_them([operation, empty], officer)
    changes = AuditEvent.objects.get(pk=event_id).changes
    for record in (operation, empty):
        assert stored_text(event_id, key(record)) == stored_text(before, key(record))
    assert changes[f"operation:{operation.pk}"]["stop_points"] == [None, None]
    assert changes[f"operation:{empty.pk}"]["stop_points"] == [None, jsonable(MultiPoint(srid=4326))]


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_the_writers_transaction():
    with pytest.raises(AuditOutsideTransaction, match="inside the writer's transaction"):
        collection_record(records=[Seizure(pk=uuid.uuid4())])
    assert not AuditEvent.objects.exists()


class Undo(Exception):
    pass


def collect_then_fail(record, actor) -> None:
    with transaction.atomic():
        collection_record(records=[record], actor=actor)
        raise Undo


def test_a_rolled_back_collection_leaves_no_event(officer, boroughs):
    seizure = SeizureFactory()
    with pytest.raises(Undo):
        collect_then_fail(seizure, officer)
    assert not AuditEvent.objects.filter(records__contains=[key(seizure)]).exists()


def test_a_record_that_is_not_stored_fails_the_write(officer, boroughs):
    stored = SeizureFactory()
    never_saved = Seizure(pk=uuid.uuid4())
    with pytest.raises(CollectionIncomplete, match="1 of the 2 new records are not stored"):
        collect_then_fail_if_it_returns([stored, never_saved], officer)
    assert not AuditEvent.objects.filter(records__contains=[key(stored)]).exists()


def test_a_record_named_twice_is_collected_once(officer, boroughs):
    seizure = SeizureFactory()
    with transaction.atomic():
        event_id = collection_record(records=[seizure, seizure], actor=officer)
    event = AuditEvent.objects.get(pk=event_id)
    assert event.records == [key(seizure), key(seizure)], "records lists what the caller named"
    assert list(event.changes) == [key(seizure)]


def collect_then_fail_if_it_returns(records, actor) -> None:
    with transaction.atomic():
        collection_record(records=records, actor=actor)
        raise AssertionError("collection_record returned")


def test_models_are_the_ones_whose_fields_it_knows():
    # A new field type on a collected model needs its SQL form (audit.sql._value) and a case above.
    from ebikeops.audit import sql

    for model in (Operation, Seizure, Arrest):
        assert "string_agg" in sql.collection_content_sql(model, 0)


def compression(column: str) -> dict[str, str]:
    """Each audit_event table's compression of `column` ("l" lz4, "p" pglz, "" the default)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attcompression FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid "
            "WHERE a.attname = %s AND (c.oid = 'audit_event'::regclass OR c.oid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = 'audit_event'::regclass))",
            [column],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize("column", ["changes", "content"])
def test_it_compresses_changes_and_content_with_lz4_in_every_partition_new_ones_too(column, officer, boroughs):
    # Migrations 0004 and 0005: a 500-seizure collection's 450 KB compress in well under a
    # millisecond with lz4, some 4 ms with pglz. A month partition made later copies the parent's.
    partitions_ensure(first_month=date(2031, 1, 1), months=1)
    compressions = compression(column)
    assert "audit_event_y2031m01" in compressions
    assert set(compressions.values()) == {"l"}, compressions
    with transaction.atomic():
        seizures = SeizureFactory.create_batch(41)
        collected = collection_record(records=seizures, actor=officer)
        erased = event_record(  # a large `changes`, as an erasure of many records has
            action="erase",
            records=seizures,
            changes={key(seizure): {"notes": ["x" * 200 + str(seizure.pk), None]} for seizure in seizures},
        ).pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_column_compression({column}) FROM audit_event WHERE id = %s",  # noqa: S608 - the test's own
            [collected if column == "content" else erased],
        )
        assert cursor.fetchone()[0] == "lz4"
    assert chain_verify().intact


def test_readers_get_a_stored_collection_as_the_same_changes_as_pythons(officer, boroughs, auditor_client):
    # Since migration 0005 collection_record stores the content in `content` (json text); the
    # API, the CSV and the record history must answer exactly as for the same content stored
    # by Python in `changes` (jsonb), as collections were before.
    operation = OperationFactory(lead_officer=officer, created_by=officer)
    seizure = SeizureFactory(operation=operation, accuracy_m=12345678901234567.0, notes='a "quote" \\ café')
    records = [operation, seizure]
    with transaction.atomic():
        stored = collection_record(records=records, actor=officer)
        python = stored_as_python_wrote_them(records, officer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM audit_event WHERE content IS NOT NULL AND changes IS NULL")
        assert cursor.fetchall() == [(stored,)]

    events = auditor_client.get(f"/api/v1/audit/events/?record={key(seizure)}").json()["results"]
    by_id = {event["id"]: event for event in events}
    assert by_id[stored]["changes"] == by_id[python]["changes"]
    assert json.dumps(by_id[stored]["changes"]) == json.dumps(by_id[python]["changes"]), "same bytes"

    rows = list(csv.DictReader(io.StringIO(auditor_client.get("/api/v1/audit/events.csv").getvalue().decode())))
    changes = {int(row["id"]): row["changes"] for row in rows}
    assert changes[stored] == changes[python] != ""

    history = auditor_client.get(f"/api/v1/seizures/{seizure.pk}/history/").json()["versions"]
    assert [version["id"] for version in history] == [stored, python]
    assert history[0]["changes"] == history[1]["changes"]
    # jsonb writes the double 1.2345678901234568e+16 as the integer it is, and so do the readers.
    assert history[0]["changes"]["accuracy_m"] == [None, 12345678901234568]
    assert type(history[0]["changes"]["accuracy_m"][1]) is int


def test_a_record_key_with_a_space_is_refused_before_any_sql(officer):
    # The keys go to PostgreSQL as one text split on spaces (sql.collection_insert_sql).
    with pytest.raises(ValueError, match="holds a space"), transaction.atomic():
        collection_record(records=[Seizure(pk="not a uuid")], actor=officer)
    assert not AuditEvent.objects.exists()


def test_content_stored_per_record_before_reads_as_it_was_and_per_model_content_is_spread_in_jsonbs_order():
    # Events written before 2 December 2026 hold {"type:id": {"field": [null, value]}}: every
    # key has a ":", and readers get them unchanged. Content per model is spread per record,
    # keys shorter first and then by bytes (jsonb's order, as `changes` stored by Python reads).
    old = {"seizure:1": {"id": [None, 1]}, "operation:2": {"id": [None, 2]}}
    assert content_as_changes(old) is old
    stored = {
        "seizure": {"fields": ["id", "notes"], "rows": {"10": [10, "a"], "9": [9, None]}},
        "arrest": {"fields": ["id"], "rows": {"3": [3]}},
    }
    assert list(content_as_changes(stored).items()) == [
        ("arrest:3", {"id": [None, 3]}),
        ("seizure:9", {"id": [None, 9], "notes": [None, None]}),
        ("seizure:10", {"id": [None, 10], "notes": [None, "a"]}),
    ]
    assert content_as_changes({}) == {}
    assert content_as_changes(None) is None
