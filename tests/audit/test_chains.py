"""Several hash chains (migration 0002): writers do not wait for each other, a transaction's
events stay together in one chain, chains open and close with AUDIT_CHAINS, and the events
written before there were several chains still verify."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ebikeops.audit.context import command_context
from ebikeops.audit.models import Action, AuditChainHead, AuditEvent
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import chains_ensure, event_record


def _record(name: str) -> AuditEvent:
    with command_context("test"):
        return event_record(action=Action.CONSULT, records=[("seizure", name)])


@pytest.mark.django_db(transaction=True)
def test_two_writers_hold_uncommitted_events_at_the_same_time():
    """Writer A appends and keeps its transaction open; writer B (its own connection) must
    append without waiting for A's commit: B's statements fail after 2 s if they wait on a
    lock. Both then commit, in chains of their own, and every chain verifies."""
    a_recorded, b_done = threading.Event(), threading.Event()
    seen: dict[str, AuditEvent] = {}
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                seen["a"] = _record("a")
                a_recorded.set()
                assert b_done.wait(timeout=20), "writer B never finished while A held its event"
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            a_recorded.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer_a)
    thread.start()
    try:
        assert a_recorded.wait(timeout=20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            seen["b"] = _record("b")
            # A's event is not committed yet: B sees only its own.
            assert list(AuditEvent.objects.values_list("records", flat=True)) == [["seizure:b"]]
    finally:
        b_done.set()
        thread.join(timeout=30)
    assert not errors, errors
    a, b = AuditEvent.objects.get(pk=seen["a"].pk), AuditEvent.objects.get(pk=seen["b"].pk)
    assert a.chain != b.chain
    assert (a.seq, b.seq) == (1, 1)
    report = chain_verify()
    assert report.intact, report.broken
    assert report.checked == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_gives_its_place_back():
    with transaction.atomic():
        first = _record("kept-1")
        try:
            with transaction.atomic():
                _record("rolled-back")
                raise RuntimeError
        except RuntimeError:
            pass
        second = _record("kept-2")
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.records for e in events] == [["seizure:kept-1"], ["seizure:kept-2"]]
    assert (events[1].chain, events[1].seq, events[1].prev_hash) == (first.chain, 2, events[0].hash)
    assert second.pk == events[1].pk
    assert chain_verify().intact


@pytest.mark.django_db(transaction=True)
def test_audit_chains_opens_and_closes_chains_and_closed_ones_still_verify():
    first = _record("before")  # autocommit: the lowest free head
    assert AuditChainHead.objects.filter(open=True).count() == 16  # the default, made by migrate
    assert chains_ensure(chains=1) == (0, 15)
    assert list(AuditChainHead.objects.filter(open=True).values_list("id", flat=True)) == [1]
    # One chain: writers take turns, each event follows the one before.
    later = [_record(f"after-{i}") for i in range(3)]
    assert [(e.chain, e.seq) for e in AuditEvent.objects.filter(pk__in=[x.pk for x in later]).order_by("id")] == [
        (1, 2),
        (1, 3),
        (1, 4),
    ]
    assert first.pk < later[0].pk
    assert chains_ensure(chains=4) == (3, 0)
    assert AuditChainHead.objects.filter(open=True).count() == 4
    with pytest.raises(ValueError, match="between 1 and 1000"):
        chains_ensure(chains=0)
    assert chain_verify().intact


@pytest.mark.django_db(transaction=True)
def test_events_from_before_several_chains_still_verify_after_the_migration(capsys):
    """Back to migration 0001 (one chain), events appended by its trigger, forward to 0002:
    the old events are the legacy chain, verified in id order with their old hashes; new
    events go to the new chains; tampering with an old event is still named."""
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_audit_event_partitioned")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_event (actor_username, actor_role, client_kind, client_ref, user_agent,"
                " request_id, action, endpoint, records, purpose, prev_hash, hash)"
                " SELECT 'old-' || g, 'officer', 'command', '', '', '', 'consult', 'seizure-list', '{}', '', '', ''"
                " FROM generate_series(1, 4) AS g"
            )
            cursor.execute("SELECT id, prev_hash, hash FROM audit_event ORDER BY id")
            old = cursor.fetchall()
        assert [row[1] for row in old[1:]] == [row[2] for row in old[:-1]]  # 0001's single chain
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    chains_ensure(chains=16)
    new = _record("new")
    assert new.chain >= 1
    assert AuditEvent.objects.filter(chain__isnull=True).count() == 4
    call_command("verify_audit", batch_size=3)
    out = capsys.readouterr().out
    assert f"legacy chain: 4 events, last event {old[-1][0]}, hash {old[-1][2]}" in out
    assert "Audit chain intact: 5 events in 2 chain(s)" in out
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE audit_event SET actor_username = 'someone else' WHERE id = %s", [old[1][0]])
        cursor.execute("SET session_replication_role = DEFAULT")
    report = chain_verify(batch_size=2)
    assert report.broken.event_id == old[1][0]
    assert "in the legacy chain" in report.broken.reason
