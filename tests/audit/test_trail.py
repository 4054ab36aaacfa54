"""The table itself: append-only in PostgreSQL, hash-chained, partitioned by month, and an
event recorded in the writer's transaction or not at all."""

import json
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ebikeops.audit.context import command_context
from ebikeops.audit.models import Action, AuditEvent
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import AuditOutsideTransaction, changed_fields, event_record
from ebikeops.core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    with command_context("test"):
        return [
            event_record(action=Action.CONSULT, records=[("seizure", f"s{i}")], filters={"i": i}, count=1)
            for i in range(n)
        ]


def _as_superuser(statement: str, params: list) -> None:
    """What a superuser with psql could do: switch the triggers off for the session, change
    the table, switch them on again."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(statement, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_it_refuses_update_in_the_database():
    (event,) = _events(1)
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(purpose="tidied")
    assert AuditEvent.objects.get(pk=event.pk).purpose == ""


def test_it_refuses_delete_in_the_database_even_by_raw_sql():
    (event,) = _events(1)
    with (
        pytest.raises(DatabaseError, match="append-only: DELETE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_chains_each_event_to_the_one_before_in_its_chain():
    _events(3)
    events = list(AuditEvent.objects.order_by("id"))
    # One transaction (the test's) holds one chain's head: its events follow each other there.
    assert len({e.chain for e in events}) == 1 and events[0].chain >= 1
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == ""
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(len(e.hash) == 64 for e in events)
    assert chain_verify().intact


def test_verify_audit_names_an_altered_row(capsys):
    events = _events(5)
    call_command("verify_audit")
    assert "Audit chain intact: 5 events" in capsys.readouterr().out
    _as_superuser("UPDATE audit_event SET purpose = 'nothing to see' WHERE id = %s", [events[2].pk])
    with pytest.raises(
        CommandError, match=rf"event {events[2].pk} in chain {events[2].chain}: its content no longer matches its hash"
    ):
        call_command("verify_audit", batch_size=2)


def test_verify_audit_names_the_row_after_a_removed_one():
    events = _events(5)
    _as_superuser("DELETE FROM audit_event WHERE id = %s", [events[1].pk])
    report = chain_verify(batch_size=2)
    assert report.broken.event_id == events[2].pk
    assert f"is not the hash of event {events[0].pk} before it" in report.broken.reason


def test_verify_audit_sees_rows_cut_off_the_end():
    events = _events(3)
    _as_superuser("DELETE FROM audit_event WHERE id = %s", [events[2].pk])
    report = chain_verify()
    assert not report.intact
    assert (
        f"chain {events[2].chain}'s head is event {events[2].pk} but its last event is {events[1].pk}"
        in report.broken.reason
    )


def test_verify_audit_sees_a_chain_whose_head_was_deleted():
    events = _events(2)
    _as_superuser("DELETE FROM audit_chain_head WHERE id = %s", [events[0].chain])
    report = chain_verify()
    assert f"chain {events[0].chain} has 2 events but no head" in report.broken.reason


def test_verify_audit_sees_a_forged_row_with_a_recomputed_hash():
    events = _events(3)
    # A forger who knows the digest recomputes the row's own hash, but not the next row's link.
    _as_superuser(
        "UPDATE audit_event SET purpose = 'forged', hash = audit_event_digest("
        "  to_jsonb(audit_event) || jsonb_build_object('purpose', 'forged')) WHERE id = %s",
        [events[1].pk],
    )
    report = chain_verify()
    assert report.broken.event_id == events[2].pk


@pytest.mark.django_db(transaction=True)
def test_a_write_event_outside_a_transaction_is_refused():
    with pytest.raises(AuditOutsideTransaction, match="inside the writer's transaction"):
        event_record(action=Action.ALTER, records=[("seizure", "x")])
    assert not AuditEvent.objects.exists()


class Boom(Exception):
    pass


def _change_then_fail_after_event() -> None:
    with transaction.atomic(), command_context("test"):
        UserFactory(username="written-then-rolled-back")
        event_record(
            action=Action.ALTER, records=[("seizure", "x")], changes={"seizure:x": {"colour": ["red", "blue"]}}
        )
        raise Boom


def test_a_rolled_back_write_leaves_no_event():
    with pytest.raises(Boom):
        _change_then_fail_after_event()
    assert not AuditEvent.objects.exists()
    assert not User.objects.filter(username="written-then-rolled-back").exists()


def _change_with_an_event_the_table_refuses() -> None:
    with transaction.atomic(), command_context("test"):
        UserFactory(username="written-before-its-event")
        too_long = SimpleNamespace(pk=1, username="x" * 200, role="officer")  # the column holds 150
        event_record(action=Action.COLLECT, records=[("seizure", "x")], actor=too_long)


def test_a_failed_event_fails_the_change():
    """The change and its event share the transaction: if the event cannot be written,
    the change is not either."""
    with pytest.raises(DatabaseError):
        _change_with_an_event_the_table_refuses()
    assert not User.objects.filter(username="written-before-its-event").exists()
    assert not AuditEvent.objects.exists()


def test_the_username_snapshot_survives_the_users_deletion(officer):
    with transaction.atomic(), command_context("test", user=officer):
        event = event_record(action=Action.ERASE, records=[("seizure", "x")])
    officer_id = officer.pk
    officer.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor_id, event.actor_username, event.actor_role) == (officer_id, "officer-a", "officer")


def test_changed_fields_gives_before_and_after_of_what_changed_only():
    before = {"colour": "red", "make": "Sur-Ron", "seized_at": datetime(2025, 1, 1, tzinfo=UTC)}
    after = {"colour": "blue", "make": "Sur-Ron", "seized_at": datetime(2025, 1, 2, tzinfo=UTC)}
    assert changed_fields(before, after) == {
        "colour": ["red", "blue"],
        "seized_at": ["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"],
    }


def test_events_land_in_their_months_partition_and_far_future_ones_in_the_default():
    (event,) = _events(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_event WHERE id = %s", [event.pk])
        (partition,) = cursor.fetchone()
        assert partition == f"audit_event_y{event.occurred_at:%Y}m{event.occurred_at:%m}"
        cursor.execute(
            "INSERT INTO audit_event (occurred_at, actor_username, actor_role, client_kind, client_ref, user_agent,"
            " request_id, action, endpoint, records, purpose, prev_hash, hash)"
            " VALUES ('2040-06-01T00:00:00Z', '', '', 'command', '', '', '', 'consult', '', '{}', '', '', '')"
            " RETURNING tableoid::regclass::text"
        )
        assert cursor.fetchone() == ("audit_event_default",)
    assert chain_verify().intact


def test_audit_partitions_creates_months_ahead(capsys):
    call_command("audit_partitions", months=6)
    out = capsys.readouterr().out
    now = datetime.now(UTC)
    assert f"audit_event_y{now:%Y}m{now:%m}" in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_event'::regclass")
        (partitions,) = cursor.fetchone()
    assert partitions >= 7  # six months and the default


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_event_and_every_chain_verifies():
    """Four threads, each its own connection, append at once, two events per transaction: each
    transaction takes a free chain head (SKIP LOCKED), so no event is lost, each
    transaction's events follow each other in one chain, and every chain verifies."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic(), command_context(f"writer-{n}"):
                    for part in ("a", "b"):
                        event_record(action=Action.ALTER, records=[("seizure", f"{n}-{i}-{part}")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    events = list(AuditEvent.objects.order_by("id"))
    assert sorted(e.records[0] for e in events) == sorted(
        f"seizure:{n}-{i}-{part}" for n in range(4) for i in range(25) for part in ("a", "b")
    )
    by_record = {e.records[0]: e for e in events}
    for n in range(4):
        for i in range(25):
            a, b = by_record[f"seizure:{n}-{i}-a"], by_record[f"seizure:{n}-{i}-b"]
            assert (b.chain, b.seq, b.prev_hash) == (a.chain, a.seq + 1, a.hash), "a transaction's events split"
    report = chain_verify(batch_size=7)
    assert report.intact, report.broken
    assert report.checked == 200


def test_jsonable_gives_what_a_json_round_trip_gives():
    """`jsonable` walks values instead of a json.dumps/loads round trip (for speed): the result
    must be the same, NUL characters included."""
    from decimal import Decimal
    from uuid import UUID

    from django.contrib.gis.geos import Point, Polygon
    from django.core.serializers.json import DjangoJSONEncoder

    from ebikeops.audit.services import jsonable
    from ebikeops.core.models import Role

    value = {
        "id": UUID(int=5),
        "amount": Decimal("1.50"),
        "at": datetime(2025, 1, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "point": Point(-0.3018, 51.513, srid=4326),
        "area": Polygon(((0, 0), (0, 1), (1, 1), (0, 0)), srid=4326),
        "list": [1, 2.5, True, None, "x\x00y", {"nested": (1, 2)}],
        "role": Role.OFFICER,
        7: "a number key",
        "k\x00": "a NUL in a key",
    }

    class Reference(DjangoJSONEncoder):
        def default(self, o):
            return json.loads(o.geojson) if hasattr(o, "geojson") else super().default(o)

    expected = json.loads(json.dumps(value, cls=Reference).replace("\\u0000", "\\ufffd"))
    assert jsonable(value) == expected
    assert type(jsonable(value)["role"]) is str
