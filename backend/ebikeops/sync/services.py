"""The sync batch: changes made offline, applied item by item, each answered once.

Every record is created, changed and deleted by the operations services (through the record
kinds of ebikeops.operations.records), so a record that arrives in a batch is validated and
permitted exactly as one sent to the REST API. This module adds only what a batch needs: a
stored answer per item (idempotency), the order of application, and per-item outcomes.

Times are aware datetimes; `now` is passed in by the caller (the server's clock).
"""

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from ebikeops.core.errors import Forbidden, Gone, HasDependants, VersionConflict
from ebikeops.core.idempotency import (
    canonical_json,
    idempotency_key_get,
    idempotency_key_store,
    idempotency_keys_get,
    idempotency_keys_store,
    idempotency_lock,
    idempotency_locks,
)
from ebikeops.core.models import IdempotencyScope, User
from ebikeops.operations import errors as record_errors
from ebikeops.operations import policies
from ebikeops.operations.models import RecordType, Tombstone
from ebikeops.operations.records import KINDS
from ebikeops.operations.selectors import operation_get, operations_by_id, tombstone_get, tombstones_of
from ebikeops.operations.services import NewRecord, records_create_many
from ebikeops.operations.tombstones import deleted_message
from ebikeops.operations.validation import check_not_future

from . import errors

# --- Batch sync -------------------------------------------------------------------------

CREATE, UPDATE, DELETE = "create", "update", "delete"
OPS = (CREATE, UPDATE, DELETE)

CREATED, UPDATED, DUPLICATE, UNCHANGED, DELETED = "created", "updated", "duplicate", "unchanged", "deleted"
REJECTED, CONFLICT = "rejected", "conflict"
STATUSES = (CREATED, UPDATED, DUPLICATE, UNCHANGED, DELETED, REJECTED, CONFLICT)
# Outcomes that wrote something: their answer is stored so a replay repeats it word for word.
STORED_STATUSES = (CREATED, UPDATED)

# Reason codes a client acts on. Retryable ones may succeed later without any change.
REASON_INVALID = "invalid"
REASON_OPERATION_UNKNOWN = "operation_unknown"  # retryable
REASON_OPERATION_DELETED = "operation_deleted"
REASON_RECORD_UNKNOWN = "record_unknown"  # retryable
REASON_FORBIDDEN = "forbidden"
REASON_STALE_VERSION = "stale_version"
REASON_ID_EXISTS = "id_exists"
REASON_HAS_RECORDS = "has_records"
REASON_DELETED = "deleted"

DETAIL_DUPLICATE = "This {type} already exists with the same content; nothing changed."
DETAIL_UNCHANGED = "This {type} already holds these values; nothing changed."


@dataclass(frozen=True)
class SyncItem:
    """One change from a device, its `data` already checked for shape by the REST input
    serializer of its type (python values: Points, aware datetimes, UUIDs)."""

    index: int
    op: str
    record_type: str
    record_id: UUID
    recorded_at: datetime
    base_version: int | None
    data: Mapping[str, Any]
    fingerprint: str

    @property
    def key(self) -> str:
        """What identifies this change for replays: the same op on the same record from the
        same base version. Its fingerprint tells a replay from a different change."""
        return f"{self.op}:{self.record_type}:{self.record_id}:{self.base_version or ''}"


@dataclass
class ItemResult:
    status: str
    version: int | None = None
    reason: str | None = None
    retryable: bool = False
    detail: str | None = None
    errors: dict[str, list[str]] | None = None
    deleted_at: datetime | None = None
    current: Model | None = None  # the record as it is now, for conflicts; never stored

    def stored(self) -> dict[str, Any]:
        return {"status": self.status, "version": self.version}

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> "ItemResult":
        return cls(status=stored["status"], version=stored["version"])


APPLY_GROUPS = {
    (RecordType.OPERATION, "create"): 0,
    (RecordType.OPERATION, "update"): 1,
    (RecordType.SEIZURE, "create"): 2,
    (RecordType.ARREST, "create"): 2,
    (RecordType.SEIZURE, "update"): 3,
    (RecordType.ARREST, "update"): 3,
    (RecordType.SEIZURE, "delete"): 4,
    (RecordType.ARREST, "delete"): 4,
    (RecordType.OPERATION, "delete"): 5,
}


def apply_order(item: SyncItem) -> tuple[int, int]:
    """Operations are created, then updated; then seizures and arrests are created, then
    updated, then deleted; operations are deleted last. Submission order within each group.
    So a seizure may precede its operation in a batch, an update may precede its record's
    create, and an operation's children may be deleted in the same batch as it."""
    return APPLY_GROUPS[(item.record_type, item.op)], item.index


CHILD_CREATES = APPLY_GROUPS[(RecordType.SEIZURE, CREATE)]  # seizures and arrests created


def sync_batch_apply(*, user: User, items: Sequence[SyncItem], now: datetime) -> dict[int, ItemResult]:
    """Apply a batch in `apply_order` and return each item's result by its index.

    The seizures and arrests it creates (most of what a device sends) are applied together,
    one query per stage for all of them (`_creates_together`); every other item is applied
    in its own transaction (`sync_item_apply`). Either way one bad item never undoes or
    blocks another, and each item's answer is the one `sync_item_apply` would give.
    """
    results: dict[int, ItemResult] = {}
    for group, members in groupby(sorted(items, key=apply_order), key=lambda item: apply_order(item)[0]):
        batch = list(members)
        if group == CHILD_CREATES and len(batch) > 1:
            together = _creates_together(user=user, items=batch, now=now)
            if together is not None:
                results.update(together)
                continue
        results.update({item.index: sync_item_apply(user=user, item=item, now=now) for item in batch})
    return results


def _recorded_in_future(item: SyncItem, now: datetime) -> ItemResult | None:
    try:
        check_not_future(item.recorded_at, now=now, field="recorded_at")
    except ValidationError as exc:
        return ItemResult(
            REJECTED, reason=REASON_INVALID, detail="recorded_at is in the future.", errors=exc.message_dict
        )
    return None


def _creates_together(*, user: User, items: Sequence[SyncItem], now: datetime) -> dict[int, ItemResult] | None:
    """Create many seizures and arrests set-based, answering each as `sync_item_apply` would.

    In one transaction: the advisory locks of every item's key (one query, in a fixed order,
    so concurrent copies of the same items wait for this batch and then replay its answers),
    then one query per stage for all items (tombstones, stored answers, existing records,
    operations, and `records_create_many`'s checks and INSERT), then every answer stored in
    one INSERT. An item refused at any stage writes nothing and never stops the others.

    Returns None, having written nothing, when the items must go one by one instead: the same
    record twice in the batch (the second answers after the first), or an INSERT colliding
    with a concurrent write of the same id.
    """
    if len({(item.record_type, item.record_id) for item in items}) < len(items):
        return None
    results: dict[int, ItemResult] = {}
    ready = []
    for item in items:
        refused = _recorded_in_future(item, now)
        if refused is None:
            ready.append(item)
        else:
            results[item.index] = refused
    try:
        with transaction.atomic():
            idempotency_locks(user=user, scope=IdempotencyScope.SYNC, keys=[item.key for item in ready])
            results.update(_creates_locked(user=user, items=ready, now=now))
    except IntegrityError:
        return None
    return results


def _creates_locked(*, user: User, items: Sequence[SyncItem], now: datetime) -> dict[int, ItemResult]:
    """The stages of `_creates_together`, under the items' locks."""
    results, waiting = _answered_already(user=user, items=items, now=now)
    refused, to_create = _with_operations(waiting)
    results.update(refused)
    answers = []
    for record_type, pairs in to_create.items():
        # `_answered_already` has just found these ids neither stored nor deleted.
        rows = [row for _, row in pairs]
        outcomes = records_create_many(record_type=record_type, user=user, rows=rows, now=now, ids_checked=True)
        for (item, _), outcome in zip(pairs, outcomes, strict=True):
            if isinstance(outcome, Exception):
                results[item.index] = _refused(item, outcome)
                continue
            results[item.index] = result = ItemResult(CREATED, version=outcome.version)
            answers.append((item.key, item.fingerprint, 200, canonical_json(result.stored())))
    if answers:
        idempotency_keys_store(user=user, scope=IdempotencyScope.SYNC, answers=answers, now=now)
    return results


def _answered_already(
    *, user: User, items: Sequence[SyncItem], now: datetime
) -> tuple[dict[int, ItemResult], list[SyncItem]]:
    """Items whose answer is known before anything is written (deleted, a replay, an id
    already stored), and the others, still to create. One query per stage and type."""
    stored = idempotency_keys_get(user=user, scope=IdempotencyScope.SYNC, keys=[item.key for item in items], now=now)
    deleted, existing = {}, {}
    for record_type in {item.record_type for item in items}:
        ids = [item.record_id for item in items if item.record_type == record_type]
        deleted[record_type] = tombstones_of(record_type=record_type, record_ids=ids)
        existing[record_type] = KINDS[record_type].model.objects.in_bulk(ids)
    results: dict[int, ItemResult] = {}
    waiting: list[SyncItem] = []
    for item in items:
        tombstone = deleted[item.record_type].get(item.record_id)
        answer = stored.get(item.key)
        record = existing[item.record_type].get(item.record_id)
        if tombstone is not None:
            results[item.index] = _deleted(tombstone)
        elif answer is not None and answer.fingerprint == item.fingerprint:
            results[item.index] = ItemResult.from_stored(json.loads(answer.response_body))
        elif record is not None:
            results[item.index] = _exists(item, record)
        else:
            waiting.append(item)
    return results, waiting


def _with_operations(
    items: Sequence[SyncItem],
) -> tuple[dict[int, ItemResult], dict[str, list[tuple[SyncItem, NewRecord]]]]:
    """The records to create, by type, each with its operation; and the refusals of items
    whose operation the server does not hold. One query (two when some are missing)."""
    operations = operations_by_id(item.data["operation"] for item in items)
    unknown = {item.data["operation"] for item in items} - set(operations)
    operations_deleted = tombstones_of(record_type=RecordType.OPERATION, record_ids=unknown) if unknown else {}
    refused: dict[int, ItemResult] = {}
    to_create: dict[str, list[tuple[SyncItem, NewRecord]]] = {}
    for item in items:
        fields = dict(item.data)
        operation_id = fields.pop("operation")
        if operation_id in unknown:
            refused[item.index] = _operation_missing(operation_id, deleted=operation_id in operations_deleted)
            continue
        row = NewRecord(id=item.record_id, operation=operations[operation_id], fields=fields)
        to_create.setdefault(item.record_type, []).append((item, row))
    return refused, to_create


def sync_item_apply(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    """Apply one item in one transaction and say what happened.

    A replay (same key, same fingerprint) of an item that created or updated something
    answers the stored result and writes nothing; a re-sent deleted record answers
    "deleted". Items are serialised per key with an advisory lock, so two concurrent
    copies of the same item cannot both apply.
    """
    refused = _recorded_in_future(item, now)
    if refused is not None:
        return refused
    for _attempt in range(2):
        try:
            return _apply_in_transaction(user=user, item=item, now=now)
        except IntegrityError:
            # Someone else created the same id concurrently; the second pass sees it.
            continue
        except (ValidationError, VersionConflict, Forbidden, HasDependants, Gone) as exc:
            return _refused(item, exc)
    raise RuntimeError(f"Item {item.key} kept colliding with concurrent writes.")


def _refused(item: SyncItem, exc: Exception) -> ItemResult:
    """The outcome of an item a service refused (nothing was written)."""
    if isinstance(exc, VersionConflict):
        current = exc.instance
        detail = errors.STALE_VERSION.format(type=item.record_type, version=current.version, base=item.base_version)
        return ItemResult(
            CONFLICT, reason=REASON_STALE_VERSION, version=current.version, current=current, detail=detail
        )
    if isinstance(exc, Forbidden):
        return ItemResult(REJECTED, reason=REASON_FORBIDDEN, detail=exc.message)
    if isinstance(exc, HasDependants):
        return ItemResult(REJECTED, reason=REASON_HAS_RECORDS, detail=exc.message)
    if isinstance(exc, Gone):
        return ItemResult(REJECTED, reason=REASON_DELETED, detail=exc.message)
    problems = (
        {f"data.{k}": v for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {"data": exc.messages}
    )
    return ItemResult(
        REJECTED, reason=REASON_INVALID, errors=problems, detail=f"Check these fields: {', '.join(sorted(problems))}."
    )


def _apply_in_transaction(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    with transaction.atomic():
        idempotency_lock(user=user, scope=IdempotencyScope.SYNC, key=item.key, wait=True)
        tombstone = tombstone_get(record_type=item.record_type, record_id=item.record_id)
        if tombstone is not None:
            return _deleted(tombstone)
        stored = idempotency_key_get(user=user, scope=IdempotencyScope.SYNC, key=item.key, now=now)
        if stored is not None and stored.fingerprint == item.fingerprint:
            return ItemResult.from_stored(json.loads(stored.response_body))
        result = APPLY[item.op](user=user, item=item, now=now)
        if result.status in STORED_STATUSES:
            idempotency_key_store(
                user=user,
                scope=IdempotencyScope.SYNC,
                key=item.key,
                request_fingerprint=item.fingerprint,
                status=200,
                body=canonical_json(result.stored()),
                headers={},
                now=now,
            )
        return result


def _deleted(tombstone: Tombstone) -> ItemResult:
    return ItemResult(
        DELETED,
        version=tombstone.version,
        reason=REASON_DELETED,
        deleted_at=tombstone.deleted_at,
        detail=deleted_message(tombstone),
    )


def _same(current: Any, new: Any) -> bool:
    if isinstance(new, GEOSGeometry):
        return current is not None and current.equals_exact(new, 1e-9)
    return current == new


def _matches(record: Model, data: Mapping[str, Any]) -> bool:
    """Whether `record` already holds every value in `data` (fields `data` leaves out are
    not compared: they took their defaults or were not being changed)."""
    for field, value in data.items():
        if field in ("operation", "lead_officer"):
            current = getattr(record, f"{field}_id")
            value = getattr(value, "pk", value)
        else:
            current = getattr(record, field)
        if not _same(current, value):
            return False
    return True


def _existing(item: SyncItem) -> Model | None:
    return KINDS[item.record_type].model.objects.filter(pk=item.record_id).first()


def _operation_missing(operation_id: UUID, *, deleted: bool) -> ItemResult:
    """A seizure or arrest names an operation the server does not hold (yet, or any more:
    `deleted`)."""
    if deleted:
        message = errors.OPERATION_DELETED.format(id=operation_id)
        return ItemResult(
            REJECTED, reason=REASON_OPERATION_DELETED, detail=message, errors={"data.operation": [message]}
        )
    message = errors.OPERATION_UNKNOWN.format(id=operation_id)
    return ItemResult(
        REJECTED, reason=REASON_OPERATION_UNKNOWN, retryable=True, detail=message, errors={"data.operation": [message]}
    )


def _exists(item: SyncItem, existing: Model) -> ItemResult:
    """A create of an id already stored: a duplicate when it holds the same values, else a
    conflict carrying the record as it is."""
    if _matches(existing, item.data):
        return ItemResult(DUPLICATE, version=existing.version, detail=DETAIL_DUPLICATE.format(type=item.record_type))
    return ItemResult(
        CONFLICT,
        reason=REASON_ID_EXISTS,
        version=existing.version,
        current=existing,
        detail=errors.RECORD_EXISTS_DIFFERENT.format(type=item.record_type, version=existing.version),
    )


def _apply_create(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    existing = _existing(item)
    if existing is not None:
        return _exists(item, existing)
    data = dict(item.data)
    if item.record_type != RecordType.OPERATION:
        operation_id = data.pop("operation")
        data["operation"] = operation_get(operation_id)
        if data["operation"] is None:
            deleted = tombstone_get(record_type=RecordType.OPERATION, record_id=operation_id) is not None
            return _operation_missing(operation_id, deleted=deleted)
    record = KINDS[item.record_type].create(user=user, id=item.record_id, now=now, **data)
    return ItemResult(CREATED, version=record.version)


def _unknown(item: SyncItem) -> ItemResult:
    return ItemResult(
        REJECTED,
        reason=REASON_RECORD_UNKNOWN,
        retryable=True,
        detail=errors.RECORD_UNKNOWN.format(type=item.record_type),
    )


def _apply_update(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    record = _existing(item)
    if record is None:
        return _unknown(item)
    # Refused before "unchanged": a device must not learn that its change happens to match.
    if not policies.can_change(user, record):
        return ItemResult(REJECTED, reason=REASON_FORBIDDEN, detail=record_errors.FORBIDDEN_CHANGE)
    if _matches(record, item.data):
        return ItemResult(UNCHANGED, version=record.version, detail=DETAIL_UNCHANGED.format(type=item.record_type))
    kind = KINDS[item.record_type]
    updated = kind.update(
        **{kind.instance_kwarg(): record},
        user=user,
        changes=dict(item.data),
        expected_version=item.base_version,
        now=now,
    )
    return ItemResult(UPDATED, version=updated.version)


def _apply_delete(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    record = _existing(item)
    if record is None:
        return _unknown(item)
    kind = KINDS[item.record_type]
    tombstone = kind.delete(**{kind.instance_kwarg(): record}, user=user, expected_version=item.base_version, now=now)
    return _deleted(tombstone)


APPLY: dict[str, Callable[..., ItemResult]] = {
    CREATE: _apply_create,
    UPDATE: _apply_update,
    DELETE: _apply_delete,
}
