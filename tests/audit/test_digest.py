"""The INSERT trigger's digest (migration 0003 writes `changes` out once) is the same hash as the
literal formula that verify_audit recomputes, byte for byte, on awkward rows."""

import pytest
from django.db import connection, transaction

from ebikeops.audit.context import command_context
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import event_record

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
