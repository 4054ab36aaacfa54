"""Closed months laid out by actor (`audit_partitions --cluster-closed`, issue 13's cold query):
the closed month's partition is rewritten in (actor_id, occurred_at) order once, the current
month is never touched, the trail still verifies and stays append-only, and inserts go on
while a closed month is being rewritten.

Events of last month are written by raw INSERTs with their time set back (the trigger still
chains and hashes them): `event_record` always takes the server's time."""

import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from ebikeops.audit import sql
from ebikeops.audit.context import command_context
from ebikeops.audit.models import Action, AuditEvent, ClusteredPartition
from ebikeops.audit.selectors import chain_verify
from ebikeops.audit.services import closed_partitions_cluster, event_record, partitions_ensure

pytestmark = pytest.mark.django_db(transaction=True)

ACTORS = 3
# ~400 bytes a row: some 18 rows a heap page, so that a month of 90 events spans pages and
# each actor's events start out on every one of them.
PADDING = "x" * 400


def _months() -> tuple:
    this_month = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return last_month, this_month


def _name(month) -> str:
    return f"audit_event_y{month:%Y}m{month:%m}"


@pytest.fixture
def months():
    """(last month's partition, this month's), last month's holding 90 events of three actors
    in turn (time order, as they were appended) and this month's 9 real events."""
    last_month, this_month = _months()
    partitions_ensure(first_month=last_month.date(), months=2)
    _last_month_events(90, start=last_month)
    with command_context("test"):
        for n in range(9):
            event_record(action=Action.CONSULT, actor=_actor(1 + n % ACTORS), endpoint="test")
    return _name(last_month), _name(this_month)


def _actor(pk: int) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, username=f"user{pk}", role="officer")


def _last_month_events(n: int, *, start, first_minute: int = 0) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_event (occurred_at, actor_id, actor_username, actor_role, client_kind, client_ref,"
            " user_agent, request_id, action, endpoint, records, purpose)"
            " SELECT %(start)s::timestamptz + g * interval '1 minute', 1 + g %% 3, 'user' || (1 + g %% 3), 'officer',"
            " 'command', '', %(padding)s, '', 'consult', 'test', '{}', ''"
            " FROM generate_series(%(first)s, %(first)s + %(n)s - 1) AS g",
            {"start": start, "padding": PADDING, "n": n, "first": first_minute},
        )


def _physical_order(partition: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT actor_id, occurred_at, id FROM {partition} ORDER BY ctid")  # noqa: S608 - ours
        return cursor.fetchall()


def _pages_of_actor(partition: str, actor: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(DISTINCT (ctid::text::point)[0]) FROM {partition} WHERE actor_id = %s",  # noqa: S608
            [actor],
        )
        return cursor.fetchone()[0]


def _actor_index(partition: str) -> tuple[str, bool, int]:
    """(name, CLUSTER's mark) of the partition's index attached to audit_event_actor_time, and
    the partition's file node (it changes when the partition is rewritten)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ind.indexrelid::regclass::text, ind.indisclustered, pg_relation_filenode(ind.indrelid)"
            " FROM pg_index AS ind JOIN pg_inherits AS i ON i.inhrelid = ind.indexrelid"
            " WHERE i.inhparent = 'audit_event_actor_time'::regclass AND ind.indrelid = %s::regclass",
            [partition],
        )
        return cursor.fetchone()


def _layouts(now=None) -> dict:
    return {layout.partition: layout for layout in closed_partitions_cluster(now=now or timezone.now())}


def test_it_lays_out_a_closed_month_by_actor_and_leaves_the_current_one(months):
    last, current = months
    assert _physical_order(last) != sorted(_physical_order(last)), "the events should start out in time order"
    assert _pages_of_actor(last, 1) >= 5
    index, _, before = _actor_index(last)
    current_before = _actor_index(current)

    layout = _layouts()[last]

    assert (layout.state, layout.index, layout.rows) == ("clustered", index, 90)
    order = _physical_order(last)
    assert order == sorted(order), "the closed month is not in (actor_id, occurred_at) order on disk"
    assert _pages_of_actor(last, 1) <= 3  # its 30 rows fill two pages, three if they straddle
    _, marked, after = _actor_index(last)
    assert marked and after != before
    assert _actor_index(current) == current_before, "the current month was rewritten"
    noted = ClusteredPartition.objects.get(partition=last)
    assert (noted.index, noted.rows, noted.last_id) == (index, 90, max(row[2] for row in order))
    assert current not in _layouts(), "the current month is not closed"


def test_it_leaves_the_default_partition_alone(months):
    # Even with a `now` after every month, the DEFAULT partition has no month to close.
    assert "audit_event_default" not in _layouts(now=timezone.now() + timedelta(days=3650))


def test_running_it_again_does_nothing(months):
    last, _ = months
    _layouts()
    _, _, filenode = _actor_index(last)
    assert _layouts()[last].state == "done"
    assert _actor_index(last)[2] == filenode


def test_a_month_that_received_rows_after_its_layout_is_laid_out_again(months):
    last, _ = months
    _layouts()
    # A late insert with a time in that month (a writer's statement that began before midnight):
    # it lands at the end of the heap, out of order, and CLUSTER's mark stays set.
    _last_month_events(3, start=_months()[0], first_minute=90)
    assert _actor_index(last)[1]
    assert _physical_order(last) != sorted(_physical_order(last))

    layout = _layouts()[last]

    assert (layout.state, layout.rows) == ("redone", 93)
    assert _physical_order(last) == sorted(_physical_order(last))
    assert _layouts()[last].state == "done"


def test_a_month_clustered_on_another_index_since_is_laid_out_again(months):
    last, _ = months
    _layouts()
    # Someone put the month back in id order: the note and the highest id are unchanged, but
    # CLUSTER's mark moved to the primary key.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass AND indisprimary", [last]
        )
        (primary_key,) = cursor.fetchone()
        cursor.execute(sql.on_partition(sql.CLUSTER_PARTITION, partition=last, index=primary_key))
    assert _physical_order(last) != sorted(_physical_order(last))

    assert _layouts()[last].state == "redone"
    assert _physical_order(last) == sorted(_physical_order(last))


def test_the_trail_still_verifies_and_stays_append_only_after_the_layout(months):
    last, _ = months
    _layouts()
    # The chains are walked by (chain, seq), never in physical order.
    report = chain_verify(batch_size=7)
    assert report.intact, report.broken
    assert report.checked == 99
    call_command("verify_audit")
    event_id = _physical_order(last)[40][2]
    for statement in (
        f"UPDATE {last} SET purpose = 'tidied' WHERE id = %s",  # noqa: S608 - ours
        "UPDATE audit_event SET purpose = 'tidied' WHERE id = %s",
        f"DELETE FROM {last} WHERE id = %s",  # noqa: S608 - ours
        "DELETE FROM audit_event WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match=r"append-only: (UPDATE|DELETE) refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event_id])
    assert AuditEvent.objects.filter(pk=event_id, purpose="").exists()


def test_an_insert_commits_while_a_closed_month_is_clustered_and_its_reads_wait(months):
    last, _ = months
    last_month, this_month = _months()
    index, _, _ = _actor_index(last)
    locked, release, errors = threading.Event(), threading.Event(), []

    def clusterer() -> None:
        # CLUSTER in a transaction left open: its ACCESS EXCLUSIVE lock on the partition is held
        # until the commit, as it is for the whole rewrite of a big month.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql.on_partition(sql.CLUSTER_PARTITION, partition=last, index=index))
                locked.set()
                release.wait(30)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=clusterer)
    thread.start()
    try:
        assert locked.wait(10), errors
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT mode FROM pg_locks WHERE relation = %s::regclass AND granted AND pid <> pg_backend_pid()",
                [last],
            )
            assert ("AccessExclusiveLock",) in cursor.fetchall()
            cursor.execute("SET lock_timeout = '2s'")  # a wait on the partition fails the test, not hangs it
        with transaction.atomic(), command_context("test"):
            event = event_record(action=Action.ALTER, actor=_actor(1), records=[("seizure", "s1")])
        # Committed: another connection sees it (a read pruned to this month needs no lock on the last).
        assert event.occurred_at >= this_month
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            list(AuditEvent.objects.filter(occurred_at__gte=last_month, occurred_at__lt=this_month))
    finally:
        release.set()
        thread.join(30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not errors
    assert AuditEvent.objects.filter(pk=event.pk, occurred_at__gte=this_month).exists()
    assert chain_verify().intact


def test_the_command_reports_each_closed_month(months, capsys):
    last, _ = months
    call_command("audit_partitions", cluster_closed=True)
    out = capsys.readouterr().out
    index, _, _ = _actor_index(last)
    assert f"{last}: 90 rows clustered on {index} in " in out
    assert "then vacuumed in" in out
    assert "closed month(s) clustered" in out and "0 busy" in out

    call_command("audit_partitions", cluster_closed=True)
    out = capsys.readouterr().out
    assert f"{last}: already laid out by actor" in out
    assert "0 closed month(s) clustered" in out


def test_a_month_being_read_is_left_busy_and_the_command_says_so(months, capsys):
    last, _ = months
    reading, release = threading.Event(), threading.Event()

    def reader() -> None:
        # A long read of that month (an auditor's export) holds its ACCESS SHARE lock.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM {last}")  # noqa: S608 - ours
                reading.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert reading.wait(10)
        with pytest.raises(CommandError, match=r"1 busy\. Run it again"):
            call_command("audit_partitions", cluster_closed=True, lock_timeout=0.2)
    finally:
        release.set()
        thread.join(30)
    assert f"{last}: busy" in capsys.readouterr().out
    assert not ClusteredPartition.objects.filter(partition=last).exists()
    assert _layouts()[last].state == "clustered"


def test_it_refuses_to_run_inside_a_transaction(months):
    with pytest.raises(RuntimeError, match="not inside one"), transaction.atomic():
        closed_partitions_cluster(now=timezone.now())


def test_the_command_says_so_when_its_role_may_not_cluster(months):
    # The application's restricted role (SELECT and INSERT, not the owner): CLUSTER refuses it.
    role = f"audit_layout_test_{uuid.uuid4().hex[:12]}"  # roles are the whole server's
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
        with pytest.raises(CommandError, match="must be owner of table"):
            call_command("audit_partitions", months=1, cluster_closed=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert not ClusteredPartition.objects.exists()
