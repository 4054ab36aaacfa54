"""Writing the audit trail. Every app records its events through `event_record`.

Writes (collect, alter, combine, erase) must be recorded inside the writer's transaction:
a rolled-back change then leaves no event, and an event that cannot be written fails the
change. Consultations and disclosures are recorded by `AuditMiddleware` once per request.
"""

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection, router, transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from ebikeops.core.statements import CompiledInsert

from . import sql
from .context import AuditContext, current_context
from .models import WRITE_ACTIONS, Action, AuditEvent, ClientKind, ClusteredPartition

RecordRef = Model | str | tuple[str, Any]


class AuditOutsideTransaction(RuntimeError):
    """A write's event was recorded outside a transaction: it could outlive a rolled-back change."""


class CollectionIncomplete(RuntimeError):
    """A collection event named a record whose row is not stored in the writer's transaction."""


def record_key(record: RecordRef) -> str:
    """ "type:id" for a model instance, a ("type", id) pair, or a key already made."""
    if isinstance(record, str):
        return record
    if isinstance(record, tuple):
        kind, pk = record
        return f"{kind}:{pk}"
    return f"{record._meta.model_name}:{record.pk}"


def jsonable(value: Any) -> Any:
    """Dates, UUIDs, decimals and geometries as JSON (geometries as GeoJSON objects). A NUL
    character (which a query string may carry, and which PostgreSQL's jsonb cannot hold) is
    stored as U+FFFD, so that a hostile parameter can never stop the access being recorded."""
    # A walk that converts only what JSON lacks, exact types first: the json.dumps/loads round
    # trip it replaces cost a 500-seizure sync a tenth of its time (once per record, and again
    # for the event). Same result as the round trip (tests/audit/test_trail.py).
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is float:
        return value
    if kind is str:
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if kind is dict:
        return {
            (key if type(key) is str and "\x00" not in key else _key(key)): jsonable(item)
            for key, item in value.items()
        }
    if kind is list or kind is tuple:
        return [jsonable(item) for item in value]
    if isinstance(value, str):  # a str subclass (a TextChoices member): its text
        return jsonable(str.__str__(value))
    if isinstance(value, bool | int | float):  # IntegerChoices and the like: the number
        return json.loads(json.dumps(value))
    if isinstance(value, Mapping):
        return jsonable(dict(value))
    if isinstance(value, list | tuple):
        return jsonable(list(value))
    return jsonable(_ENCODER.default(value))


def _key(key: Any) -> str:
    """A mapping key as json.dumps writes it (NUL as U+FFFD)."""
    return json.loads(json.dumps({key: None}).replace("\\u0000", "\\ufffd")).popitem()[0]


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, GEOSGeometry):
            # A point (every field record's) straight from its coordinates: going through OGR's
            # GeoJSON (twice, with a hasattr test) was most of a 500-seizure sync's audit cost.
            if o.geom_type == "Point" and not o.empty:
                return {"type": "Point", "coordinates": list(o.coords)}
            # An operation's stop points likewise (and as sql.collection_content_sql writes them).
            if o.geom_type == "MultiPoint" and not o.empty:
                return {"type": "MultiPoint", "coordinates": [list(point) for point in o.coords]}
            return json.loads(o.json)
        if hasattr(o, "geojson"):
            return json.loads(o.geojson)
        if isinstance(o, FieldFile):
            return o.name  # where the file is, never its bytes
        return super().default(o)


_ENCODER = _Encoder()


def _text(value: str) -> str:
    """Text for a column PostgreSQL stores as text, which cannot hold NUL."""
    return value.replace("\x00", "\ufffd")


def event_record(
    *,
    action: str,
    records: Iterable[RecordRef] = (),
    actor: Any = None,
    context: AuditContext | None = None,
    changes: Mapping[str, Any] | None = None,
    filters: Mapping[str, Any] | None = None,
    count: int | None = None,
    purpose: str | None = None,
    endpoint: str | None = None,
) -> AuditEvent:
    """Append one event to the trail and return it (its hash is set by the database).

    `actor` defaults to the context's user; `context` to the current one (the request's, or a
    command's); `changes` maps a record key to {"field": [before, after]} (alterations) or to
    the record's content (collections, erasures). Raises AuditOutsideTransaction for a write
    action recorded outside `transaction.atomic()`.
    """
    if action not in Action.values:
        raise ValueError(f"{action!r} is not an audit action; use one of {', '.join(Action.values)}.")
    event = _event(action=action, actor=actor, context=context, endpoint=endpoint, purpose=purpose)
    event.records = [record_key(record) for record in records]
    event.filters = jsonable(dict(filters)) if filters is not None else None
    event.count = count
    event.changes = jsonable(dict(changes)) if changes is not None else None
    # One INSERT: atomic on its own (a read's event needs no transaction; a write's is in one).
    _insert(router.db_for_write(AuditEvent)).insert(event)
    return event


@cache
def _insert(alias: str) -> CompiledInsert:
    """The event's INSERT, as `save(force_insert=True)` sends it (the trigger's columns left to
    their database defaults and returned), compiled once: compiling it per event was ~780 of
    the ~2,700 Python calls of a one-row list page. AuditEvent has no save signals."""
    return CompiledInsert.of(AuditEvent(), alias=alias)


def _event(
    *, action: str, actor: Any, context: AuditContext | None, endpoint: str | None, purpose: str | None
) -> AuditEvent:
    """An unsaved event with who, how and why filled in (the rest is the caller's)."""
    if action in WRITE_ACTIONS and not connection.in_atomic_block:
        raise AuditOutsideTransaction(
            f"A {action} event must be recorded inside the writer's transaction (transaction.atomic())."
        )
    context = context or current_context()
    if actor is None and context is not None:
        actor = context.actor()
    client_kind, client_ref = context.client() if context else (ClientKind.SYSTEM, "")
    return AuditEvent(
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        actor_role=getattr(actor, "role", "") or "",
        client_kind=client_kind,
        client_ref=client_ref,
        ip=context.ip if context else None,
        user_agent=context.user_agent if context else "",
        request_id=context.request_id if context else "",
        action=action,
        endpoint=(endpoint if endpoint is not None else (context.endpoint if context else ""))[:100],
        purpose=(purpose if purpose is not None else (context.purpose if context else ""))[:500].replace(
            "\x00", "\ufffd"
        ),
    )


def collection_record(*, records: Sequence[Model], actor: Any = None, context: AuditContext | None = None) -> int:
    """Append one collection event for new `records` (saved in this transaction; any models,
    any number) and return its id. Its content is what `event_record` would store for
    changes={key: {"field": [None, value]}} of each record's stored fields, but PostgreSQL
    reads it from the rows (sql.collection_insert_sql): Python never builds, encodes or ships
    it, and it is stored in `content` as the JSON text built (read back as `changes`). Raises
    AuditOutsideTransaction outside `transaction.atomic()`, and CollectionIncomplete if a
    record is not stored (then the caller's transaction must roll back, as any error)."""
    event = _event(action=Action.COLLECT, actor=actor, context=context, endpoint=None, purpose=None)
    keys = [record_key(record) for record in records]
    if any(" " in key for key in keys):
        raise ValueError("A record key holds a space; sql.collection_insert_sql separates keys with spaces.")
    params: dict[str, Any] = {column: getattr(event, column) for column in sql.COLLECTION_COLUMNS}
    params["records"] = " ".join(keys)
    models = tuple(dict.fromkeys(type(record) for record in records))
    for index, model in enumerate(models):
        params[f"key_{index}"] = f"{model._meta.model_name}:"
    with connection.cursor() as cursor:
        cursor.execute(sql.collection_insert_sql(models), params)
        event_id, found = cursor.fetchone()
    expected = len(set(keys))
    if found != expected:
        # A record not (or no longer) stored in this transaction: its content cannot be read,
        # and an event without it would not account for it. Fails the write.
        raise CollectionIncomplete(f"{expected - found} of the {expected} new records are not stored.")
    return event_id


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [before, after]} for the fields whose value differs (JSON-ready)."""
    old, new = jsonable(dict(before)), jsonable(dict(after))
    return {
        name: [old.get(name), new.get(name)] for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)
    }


@transaction.atomic
def partitions_ensure(*, first_month: date, months: int) -> list[str]:
    """Create the monthly partitions (UTC months) from `first_month` for `months` months that
    do not exist yet; return the names created. Raises ValueError if the DEFAULT partition
    already holds rows of a month to create (move them first: see docs/accountability.md)."""
    created = []
    with connection.cursor() as cursor:
        for step in range(months):
            year, month = divmod(first_month.month - 1 + step, 12)
            month_start = date(first_month.year + year, month + 1, 1)
            cursor.execute(sql.DEFAULT_ROWS_IN_MONTH, {"month": month_start})
            (waiting,) = cursor.fetchone()
            if waiting:
                raise ValueError(
                    f"The DEFAULT partition holds {waiting} events of {month_start:%B %Y}; "
                    "its monthly partition cannot be created over them."
                )
            cursor.execute(sql.PARTITION_ENSURE, {"month": month_start})
            (name,) = cursor.fetchone()
            if name:
                created.append(name)
    return created


@dataclass(frozen=True)
class PartitionLayout:
    """What `closed_partitions_cluster` did with one closed month's partition: `state` is
    "clustered" (first time), "redone" (laid out before, but rows arrived since or CLUSTER's
    mark moved), "done" (nothing to do), or "busy" (its lock was not granted in time; run the
    step again). `rows`, `cluster_s` and `vacuum_s` are set when it was clustered now."""

    partition: str
    index: str
    state: str
    rows: int | None = None
    cluster_s: float | None = None
    vacuum_s: float | None = None


# PostgreSQL's lock_not_available: the lock_timeout below ran out.
_LOCK_NOT_AVAILABLE = "55P03"


def closed_partitions_cluster(
    *, now: datetime, lock_timeout_s: float = 10.0, progress: Callable[[PartitionLayout], None] | None = None
) -> list[PartitionLayout]:
    """Rewrite each closed month's partition (its UTC month ended at or before `now`) in
    (actor_id, occurred_at) order, so that one actor's events of that month sit on a few heap
    pages instead of one page each (issue 13's "everything user X consulted last month",
    cold). Never the current month (still appended to, in time order) nor the DEFAULT
    partition. Skips a partition laid out before unless rows arrived since (its highest id
    passed the one noted) or CLUSTER's mark on its actor index is gone; returns what was done
    with each, oldest month first, calling `progress` after each.

    Each partition is one transaction: CLUSTER takes an ACCESS EXCLUSIVE lock on that
    partition alone, so reads of that month wait while it runs, while inserts (which go to
    the current month) do not. A partition whose lock is not granted within `lock_timeout_s`
    (a long read of that month) is left "busy" rather than queue every later reader behind
    the wait. Then VACUUM (FREEZE, ANALYZE), which cannot run in a transaction: raises
    RuntimeError inside one. Needs the role that owns audit_event (CLUSTER and VACUUM do)."""
    if connection.in_atomic_block:
        raise RuntimeError("closed_partitions_cluster runs each partition in its own transaction, not inside one.")
    with connection.cursor() as cursor:
        cursor.execute(sql.CLOSED_PARTITIONS, {"now": now})
        partitions = cursor.fetchall()
    done = []
    for partition, index, marked, upper, clustered_at, last_id in partitions:
        with connection.cursor() as cursor:
            cursor.execute(sql.on_partition(sql.PARTITION_LAST_ID, partition=partition))
            (current_last_id,) = cursor.fetchone()
        # CLUSTER's mark alone is not enough: it stays set when rows arrive afterwards (they
        # go to the end of the heap, out of order), and pg_dump restores it.
        noted = clustered_at is not None and clustered_at >= upper
        if noted and marked and current_last_id == last_id:
            outcome = PartitionLayout(partition, index, "done")
        else:
            outcome = _partition_cluster(
                partition=partition, index=index, lock_timeout_s=lock_timeout_s, redo=clustered_at is not None
            )
        done.append(outcome)
        if progress:
            progress(outcome)
    return done


def _partition_cluster(*, partition: str, index: str, lock_timeout_s: float, redo: bool) -> PartitionLayout:
    """CLUSTER one partition on `index` and note it (one transaction), then VACUUM it."""
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.LOCK_TIMEOUT, {"timeout": f"{max(1, round(lock_timeout_s * 1000))}ms"})
            cursor.execute(sql.on_partition(sql.CLUSTER_PARTITION, partition=partition, index=index))
            # Still under CLUSTER's lock: no row can arrive between the rewrite and the note.
            cursor.execute(sql.on_partition(sql.PARTITION_TALLY, partition=partition))
            rows, last_id = cursor.fetchone()
            ClusteredPartition.objects.update_or_create(
                partition=partition,
                defaults={"index": index, "clustered_at": timezone.now(), "rows": rows, "last_id": last_id},
            )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            return PartitionLayout(partition, index, "busy")
        raise
    clustered = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql.on_partition(sql.VACUUM_PARTITION, partition=partition))
    return PartitionLayout(
        partition,
        index,
        "redone" if redo else "clustered",
        rows=rows,
        cluster_s=clustered - started,
        vacuum_s=time.perf_counter() - clustered,
    )


@transaction.atomic
def chains_ensure(*, chains: int) -> tuple[int, int]:
    """Open the hash chains 1..`chains` (creating the heads missing) and close those above
    (their events stay and verify; they take no more). Returns (opened, closed). Raises
    ValueError unless 1 <= chains <= 1000. Run after every `migrate` with AUDIT_CHAINS."""
    if not 1 <= chains <= 1000:
        raise ValueError(f"AUDIT_CHAINS must be between 1 and 1000, not {chains}.")
    with connection.cursor() as cursor:
        cursor.execute(sql.CHAINS_ENSURE, {"chains": chains})
        opened, closed = cursor.fetchone()
    return opened, closed
