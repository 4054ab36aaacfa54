"""The INSERT trigger's digest (migration 0003 writes `changes` out once) is the same hash as the
literal formula that verify_audit recomputes, byte for byte, on awkward rows; a collection's
content stored as text (migration 0005) is hashed as stored, and tampering is found for both
versions."""

import hashlib

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ebikeops.audit.context import command_context
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import collection_record, event_record
from tests.factories import SeizureFactory, UserFactory

pytestmark = pytest.mark.django_db

AWKWARD_CHANGES = [
    {},
    {"seizure:1": {"colour": ["red", "blue"], "version": [1, 2]}},
    # Nulls as object members (stripped), in arrays (kept), nested at several depths.
    {"seizure:2": {"make": [None, "Raleigh"], "extra": {"gone": None, "kept": [None, {"deep": None, "x": 1}]}}},
    # The null marker's text inside strings only (no member is null: the fast path's false alarm).
    {"seizure:3": {"notes": ['he said ": null', 'a \\": null b'], '": null': ["k", "v"]}},
    # Keys of every length and bytes, escapes, non-ASCII, numbers in their own forms.
    {"b": {"zz": [1.5, 2.0]}, "aa": {"é": ["café", "🚲"]}, "a": {'\n\t"': [1e-05, 12345678901234567890]}},
]


def _raw_event(changes_json: str | None) -> None:
    """An event whose changes are not an object (the services never write one; the trigger
    must still hash it right)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_event (actor_username, actor_role, client_kind, client_ref, user_agent, request_id,"
            " action, endpoint, records, purpose, changes) VALUES ('', '', 'system', '', '', '', 'alter', '',"
            " '{}', '', %s::jsonb)",
            [changes_json],
        )


def test_the_triggers_hash_is_the_literal_formulas_on_awkward_rows():
    with transaction.atomic(), command_context("test"):
        for changes in AWKWARD_CHANGES:
            # Under 8 KB the trigger takes the literal formula; over it, the pieces.
            for padding in ({}, {"pad:1": {"notes": [None, "x" * 9000]}}):
                event_record(
                    action="alter",
                    records=["seizure:1"],
                    changes={**changes, **padding},
                    filters={"none": None, "a": [None]},
                )
        event_record(action="consult", records=[], filters=None)
        for changes_json in ('[1, null, {"a": null}]', "null", '"text"', None):
            _raw_event(changes_json)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, hash, audit_event_digest(to_jsonb(e)) FROM audit_event AS e ORDER BY id",
        )
        rows = cursor.fetchall()
    assert len(rows) == 2 * len(AWKWARD_CHANGES) + 5
    for event_id, stored, literal in rows:
        assert stored == literal, f"event {event_id}: the trigger's hash is not the literal formula's"
    assert chain_verify().intact


# --- Version 2 (migration 0005): a collection's content stored as its JSON text ---------------


def _collected(officer, count: int = 3) -> int:
    with transaction.atomic():
        return collection_record(records=SeizureFactory.create_batch(count), actor=officer)


def _superuser(statement: str, params: list) -> None:
    """What a superuser with psql could do: triggers off for the session, change, triggers on."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(statement, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_a_collections_hash_is_over_its_stored_text_as_the_second_version_defines(officer, boroughs):
    event_id = _collected(officer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT hash, (jsonb_strip_nulls(to_jsonb(e) - 'content') - 'hash')::text, content::text,"
            " changes IS NULL FROM audit_event AS e WHERE id = %s",
            [event_id],
        )
        stored, rest, content, no_changes = cursor.fetchone()
    assert no_changes, "a collection's content goes to `content`, not `changes`"
    # Written out here from the definition (docs/accountability.md), not by the database's function.
    text = rest[:-1] + ', "content": ' + content + "}"
    assert stored == hashlib.sha256(text.encode()).hexdigest()
    assert chain_verify().intact


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("content = jsonb_set(content::jsonb, '{x}', '1')::json", "a member added"),
        # The same jsonb value, other bytes: the hash covers the text as stored.
        ("content = replace(content::text, '\"fields\": [', '\"fields\":[')::json", "spacing only"),
        ("purpose = 'nothing to see'", "another column"),
        ("changes = content::jsonb, content = NULL", "the content moved to `changes`"),
    ],
)
def test_verify_audit_names_an_altered_collection(change, why, officer, boroughs):
    event_id = _collected(officer)
    assert chain_verify().intact
    _superuser(f"UPDATE audit_event SET {change} WHERE id = %s", [event_id])  # noqa: S608 - the test's own
    report = chain_verify(batch_size=1)
    assert report.broken is not None, why
    assert report.broken.event_id == event_id, why
    assert "its content no longer matches its hash" in report.broken.reason


def test_collections_written_before_0005_still_verify_beside_new_ones(officer, boroughs):
    # Before migration 0005 a collection's content went to `changes` (jsonb), hashed by the first
    # version; such rows are still written that way by event_record, and both kinds verify.
    seizures = SeizureFactory.create_batch(2)
    content = {
        f"seizure:{seizure.pk}": {"colour": [None, seizure.colour], "version": [None, 1]} for seizure in seizures
    }
    with transaction.atomic():
        old = event_record(action="collect", actor=officer, records=seizures, changes=content)
        new = collection_record(records=seizures, actor=officer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, content IS NULL, hash = audit_event_digest(to_jsonb(e)) FROM audit_event AS e"
            " WHERE id IN (%s, %s) ORDER BY id",
            [old.pk, new],
        )
        assert cursor.fetchall() == [(old.pk, True, True), (new, False, False)]
    assert chain_verify().intact
    _superuser("UPDATE audit_event SET changes = jsonb_set(changes, '{x}', '1') WHERE id = %s", [old.pk])
    assert chain_verify().broken.event_id == old.pk


@pytest.mark.django_db(transaction=True)
def test_events_hashed_before_0005_verify_after_it():
    """Back to migration 0004, events appended by its trigger (a collection in `changes`, as
    collection_record wrote it then), forward again: they verify by the first version, a
    collection written now by the second, and tampering with an old one is still named."""
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0004_audit_changes_lz4")])
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_event (actor_username, actor_role, client_kind, client_ref, user_agent,"
                " request_id, action, endpoint, records, purpose, changes)"
                " SELECT 'old', 'officer', 'command', '', '', '', 'collect', 'sync', ARRAY['seizure:' || g],"
                " '', jsonb_build_object('seizure:' || g, jsonb_build_object('notes', jsonb_build_array(null,"
                " repeat('x', 9000)), 'version', '[null, 1]'::jsonb))"  # over 8 KB: 0003's pieces
                " FROM generate_series(1, 3) AS g RETURNING id"
            )
            old = [row[0] for row in cursor.fetchall()]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    officer = UserFactory()
    with transaction.atomic():
        new = collection_record(records=[SeizureFactory(created_by=officer)], actor=officer)
    report = chain_verify()
    assert report.intact and report.checked == 4
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_event WHERE content IS NOT NULL AND id = %s", [new])
        assert cursor.fetchone()[0] == 1
    _superuser("UPDATE audit_event SET changes = changes - 'seizure:2' WHERE id = %s", [old[1]])
    assert chain_verify().broken.event_id == old[1]
