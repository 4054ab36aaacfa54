"""Writes for offline-first sync: stored answers (idempotency), tombstones, batch items, photos.

Every record is still created and changed by the operations services (operation_create,
seizure_create, *_update ...), so a record that arrives through a sync batch is validated
exactly like one posted to the REST API. This module only adds what retries need: a stored
answer per request or item, the memory of deletions, and ordering inside a batch.

Times are aware datetimes; `now` is passed in by the caller (the server's clock).
"""

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Model, OuterRef, ProtectedError
from django.utils import timezone

from ebikeops.core.models import Role, User
from ebikeops.core.permissions import is_owner
from ebikeops.core.problems import Conflict, PayloadTooLarge
from ebikeops.operations import services as operations
from ebikeops.operations.models import Arrest, Operation, Seizure
from ebikeops.operations.validation import check_not_future

from . import errors, images, sql
from .exceptions import Gone, UnsupportedPhoto
from .models import IdempotencyKey, IdempotencyScope, RecordType, SeizurePhoto, Tombstone
from .selectors import idempotency_key_get, tombstone_get

# --- Fingerprints and stored answers -----------------------------------------------


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)


def fingerprint(value: Any) -> str:
    """SHA-256 (hex) of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def _lock_id(*, user_id: int, scope: str, key: str) -> int:
    """A signed 64-bit advisory-lock id for one user's key. A collision between two keys
    only makes one of them wait (or get a 409); it never mixes up their answers."""
    digest = hashlib.sha256(f"{scope}\x00{user_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def idempotency_lock(*, user: User, scope: str, key: str, wait: bool) -> bool:
    """Hold the advisory lock of (`user`, `scope`, `key`) until the current transaction ends.

    With `wait`, block until it is free and return True; without, return False at once when
    another transaction holds it. Must run inside `transaction.atomic()`.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_lock() needs a transaction to hold the lock for.")
    statement = sql.ADVISORY_XACT_LOCK if wait else sql.TRY_ADVISORY_XACT_LOCK
    with connection.cursor() as cursor:
        cursor.execute(statement, [_lock_id(user_id=user.pk, scope=scope, key=key)])
        row = cursor.fetchone()
    return True if wait else bool(row[0])


def idempotency_key_store(
    *,
    user: User,
    scope: str,
    key: str,
    request_fingerprint: str,
    status: int,
    body: str,
    headers: Mapping[str, str],
    now: datetime,
) -> IdempotencyKey:
    """Store the answer to a request for IDEMPOTENCY_KEY_RETENTION_DAYS (replacing an
    expired answer under the same key). Call in the transaction that did the work."""
    expires_at = now + timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS)
    stored, _ = IdempotencyKey.objects.update_or_create(
        user=user,
        scope=scope,
        key=key,
        defaults={
            "fingerprint": request_fingerprint,
            "response_status": status,
            "response_body": body,
            "response_headers": dict(headers),
            "created_at": now,
            "expires_at": expires_at,
        },
    )
    return stored


@transaction.atomic
def idempotency_keys_purge(*, now: datetime) -> int:
    """Delete expired stored answers; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted


# --- Tombstones -----------------------------------------------------------------------

MODELS: dict[str, type[Model]] = {
    RecordType.OPERATION: Operation,
    RecordType.SEIZURE: Seizure,
    RecordType.ARREST: Arrest,
}


def record_type_of(record: Model) -> str:
    for record_type, model in MODELS.items():
        if isinstance(record, model):
            return record_type
    raise TypeError(f"{type(record).__name__} is not a synced record type.")


@transaction.atomic
def record_deleted(*, record: Model, user: User | None, now: datetime | None = None) -> Tombstone:
    """Remember that `record` (an operation, seizure or arrest) is being deleted, so a device
    that re-sends it is told so instead of re-creating it. A seizure's photos go with it.

    Call in the same transaction as the delete and *before* it (Django clears the pk of a
    deleted instance); if the delete fails, the tombstone rolls back with it.
    """
    now = now or timezone.now()
    record_type = record_type_of(record)
    tombstone, _ = Tombstone.objects.update_or_create(
        record_type=record_type,
        record_id=record.pk,
        defaults={"version": record.version, "deleted_at": now, "deleted_by": user},
    )
    if record_type == RecordType.SEIZURE:
        photos_delete(seizure_id=record.pk)
    return tombstone


def ensure_not_deleted(*, record_type: str, record_id: UUID | None) -> None:
    """Raise Gone (410) if a record with this id was deleted."""
    if record_id is None:
        return
    tombstone = tombstone_get(record_type=record_type, record_id=record_id)
    if tombstone is not None:
        raise Gone(errors.RECORD_DELETED.format(type=record_type, deleted_at=tombstone.deleted_at.isoformat()))


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


def sync_batch_apply(*, user: User, items: Sequence[SyncItem], now: datetime) -> dict[int, ItemResult]:
    """Apply a batch in `apply_order`, each item in its own transaction, so one bad item
    never undoes or blocks another. Returns each item's result by its index."""
    return {item.index: sync_item_apply(user=user, item=item, now=now) for item in sorted(items, key=apply_order)}


def sync_item_apply(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    """Apply one item in one transaction and say what happened.

    A replay (same key, same fingerprint) of an item that created or updated something
    answers the stored result and writes nothing; a re-sent deleted record answers
    "deleted". Items are serialised per key with an advisory lock, so two concurrent
    copies of the same item cannot both apply.
    """
    try:
        check_not_future(item.recorded_at, now=now, field="recorded_at")
    except ValidationError as exc:
        return ItemResult(
            REJECTED, reason=REASON_INVALID, detail="recorded_at is in the future.", errors=exc.message_dict
        )
    for _attempt in range(2):
        try:
            return _apply_in_transaction(user=user, item=item, now=now)
        except IntegrityError:
            # Someone else created the same id concurrently; the second pass sees it.
            continue
        except ValidationError as exc:
            problems = (
                {f"data.{k}": v for k, v in exc.message_dict.items()}
                if hasattr(exc, "error_dict")
                else {"data": exc.messages}
            )
            return ItemResult(
                REJECTED,
                reason=REASON_INVALID,
                errors=problems,
                detail=f"Check these fields: {', '.join(sorted(problems))}.",
            )
        except operations.VersionConflict as exc:
            current = exc.instance
            return ItemResult(
                CONFLICT,
                reason=REASON_STALE_VERSION,
                version=current.version,
                current=current,
                detail=errors.STALE_VERSION.format(
                    type=item.record_type, version=current.version, base=item.base_version
                ),
            )
        except ProtectedError:
            return ItemResult(REJECTED, reason=REASON_HAS_RECORDS, detail=errors.STILL_HAS_RECORDS)
    raise RuntimeError(f"Item {item.key} kept colliding with concurrent writes.")


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
        detail=errors.RECORD_DELETED.format(type=tombstone.record_type, deleted_at=tombstone.deleted_at.isoformat()),
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


def _may_change(user: User, record: Model) -> bool:
    return user.role == Role.COMMANDER or is_owner(user, record)


def _apply_create(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    model = MODELS[item.record_type]
    existing = model.objects.filter(pk=item.record_id).first()
    if existing is not None:
        if _matches(existing, item.data):
            return ItemResult(
                DUPLICATE, version=existing.version, detail=DETAIL_DUPLICATE.format(type=item.record_type)
            )
        return ItemResult(
            CONFLICT,
            reason=REASON_ID_EXISTS,
            version=existing.version,
            current=existing,
            detail=errors.RECORD_EXISTS_DIFFERENT.format(type=item.record_type, version=existing.version),
        )
    data = dict(item.data)
    if item.record_type == RecordType.OPERATION:
        record = operations.operation_create(user=user, id=item.record_id, now=now, **data)
        return ItemResult(CREATED, version=record.version)
    operation_id = data.pop("operation")
    operation = Operation.objects.filter(pk=operation_id).first()
    if operation is None:
        if tombstone_get(record_type=RecordType.OPERATION, record_id=operation_id) is not None:
            message = errors.OPERATION_DELETED.format(id=operation_id)
            return ItemResult(
                REJECTED, reason=REASON_OPERATION_DELETED, detail=message, errors={"data.operation": [message]}
            )
        message = errors.OPERATION_UNKNOWN.format(id=operation_id)
        return ItemResult(
            REJECTED,
            reason=REASON_OPERATION_UNKNOWN,
            retryable=True,
            detail=message,
            errors={"data.operation": [message]},
        )
    create = operations.seizure_create if item.record_type == RecordType.SEIZURE else operations.arrest_create
    record = create(operation=operation, user=user, id=item.record_id, now=now, **data)
    return ItemResult(CREATED, version=record.version)


UPDATES: dict[str, Callable[..., Model]] = {
    RecordType.OPERATION: operations.operation_update,
    RecordType.SEIZURE: operations.seizure_update,
    RecordType.ARREST: operations.arrest_update,
}
DELETES: dict[str, Callable[..., None]] = {
    RecordType.OPERATION: operations.operation_delete,
    RecordType.SEIZURE: operations.seizure_delete,
    RecordType.ARREST: operations.arrest_delete,
}


def _unknown(item: SyncItem) -> ItemResult:
    return ItemResult(
        REJECTED,
        reason=REASON_RECORD_UNKNOWN,
        retryable=True,
        detail=errors.RECORD_UNKNOWN.format(type=item.record_type),
    )


def _apply_update(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    record = MODELS[item.record_type].objects.filter(pk=item.record_id).first()
    if record is None:
        return _unknown(item)
    if not _may_change(user, record):
        return ItemResult(REJECTED, reason=REASON_FORBIDDEN, detail=errors.FORBIDDEN_CHANGE)
    if _matches(record, item.data):
        return ItemResult(UNCHANGED, version=record.version, detail=DETAIL_UNCHANGED.format(type=item.record_type))
    updated = UPDATES[item.record_type](
        **{item.record_type: record},
        user=user,
        changes=dict(item.data),
        expected_version=item.base_version,
        now=now,
    )
    return ItemResult(UPDATED, version=updated.version)


def _apply_delete(*, user: User, item: SyncItem, now: datetime) -> ItemResult:
    record = MODELS[item.record_type].objects.filter(pk=item.record_id).first()
    if record is None:
        return _unknown(item)
    if user.role != Role.COMMANDER:
        return ItemResult(REJECTED, reason=REASON_FORBIDDEN, detail=errors.FORBIDDEN_DELETE)
    if item.base_version is not None and item.base_version != record.version:
        raise operations.VersionConflict(record)
    tombstone = record_deleted(record=record, user=user, now=now)
    DELETES[item.record_type](**{item.record_type: record})
    return _deleted(tombstone)


APPLY: dict[str, Callable[..., ItemResult]] = {
    CREATE: _apply_create,
    UPDATE: _apply_update,
    DELETE: _apply_delete,
}


# --- Photos -----------------------------------------------------------------------------

PHOTO_DIR = "seizure-photos"
EXTENSIONS = {images.JPEG: ".jpg", images.PNG: ".png"}


def _check_photo(content: bytes, declared_content_type: str | None) -> str:
    """The photo's media type by its content; raises 415 or 400 for anything else."""
    if not content:
        raise ValidationError({"file": errors.PHOTO_EMPTY})
    detected = images.sniff_image_type(content[:16])
    if detected is None:
        raise UnsupportedPhoto(errors.PHOTO_NOT_IMAGE)
    declared = images.normalise_declared(declared_content_type)
    if declared is not None and declared != detected:
        raise UnsupportedPhoto(errors.PHOTO_TYPE_MISMATCH.format(declared=declared, detected=detected))
    if not images.is_complete(content, detected):
        raise ValidationError({"file": errors.PHOTO_TRUNCATED.format(detected=detected)})
    return detected


def _existing_photo(*, photo_id: UUID, seizure_id: UUID, digest: str) -> SeizurePhoto | None:
    existing = SeizurePhoto.objects.filter(pk=photo_id).first()
    if existing is None:
        return None
    if existing.seizure_id != seizure_id:
        raise Conflict(errors.PHOTO_OTHER_SEIZURE)
    if existing.sha256 != digest:
        raise Conflict(errors.PHOTO_ID_REUSED)
    return existing


def photo_store(
    *,
    seizure_id: UUID,
    upload: IO[bytes],
    size: int,
    declared_content_type: str | None,
    user: User,
    photo_id: UUID | None = None,
    now: datetime | None = None,
) -> tuple[SeizurePhoto, bool]:
    """Store a JPEG or PNG photo of seizure `seizure_id`, which need not exist yet.

    Returns (photo, created). Re-sending the same `photo_id` with the same bytes returns the
    stored photo with created=False. The file is written through the default storage and
    checked before the database row is committed; if anything fails the file is removed,
    so a photo is never reported stored unless it is.

    Raises PayloadTooLarge (over PHOTO_MAX_BYTES), UnsupportedPhoto (not JPEG/PNG by its
    content, or a declared type that disagrees), ValidationError (empty, truncated, too
    many photos), Gone (the seizure was deleted), Conflict (`photo_id` reused differently).
    """
    now = now or timezone.now()
    limit = settings.PHOTO_MAX_BYTES
    if size > limit:
        raise PayloadTooLarge(errors.PHOTO_TOO_LARGE.format(size=size, limit=limit))
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(errors.PHOTO_TOO_LARGE.format(size=len(content), limit=limit))
    media_type = _check_photo(content, declared_content_type)
    tombstone = tombstone_get(record_type=RecordType.SEIZURE, record_id=seizure_id)
    if tombstone is not None:
        raise Gone(errors.SEIZURE_DELETED.format(id=seizure_id))
    digest = hashlib.sha256(content).hexdigest()
    if photo_id is not None:
        existing = _existing_photo(photo_id=photo_id, seizure_id=seizure_id, digest=digest)
        if existing is not None:
            return existing, False
    if SeizurePhoto.objects.filter(seizure_id=seizure_id).count() >= settings.PHOTO_MAX_PER_SEIZURE:
        raise ValidationError({"file": errors.PHOTO_LIMIT.format(limit=settings.PHOTO_MAX_PER_SEIZURE)})
    photo_id = photo_id or uuid.uuid4()
    name = default_storage.save(f"{PHOTO_DIR}/{seizure_id}/{photo_id}{EXTENSIONS[media_type]}", ContentFile(content))
    try:
        if default_storage.size(name) != len(content):
            raise OSError(f"Storage kept {default_storage.size(name)} of {len(content)} bytes of {name}.")
        with transaction.atomic():
            photo = SeizurePhoto.objects.create(
                id=photo_id,
                seizure_id=seizure_id,
                file=name,
                content_type=media_type,
                size_bytes=len(content),
                sha256=digest,
                uploaded_by=user,
                created_at=now,
            )
    except IntegrityError:
        # The same photo id was stored concurrently: answer as for a re-send.
        default_storage.delete(name)
        existing = _existing_photo(photo_id=photo_id, seizure_id=seizure_id, digest=digest)
        if existing is None:
            raise
        return existing, False
    except BaseException:
        default_storage.delete(name)
        raise
    return photo, True


def photos_delete(*, seizure_id: UUID) -> int:
    """Delete a seizure's photos: rows now, files once the transaction commits."""
    photos = SeizurePhoto.objects.filter(seizure_id=seizure_id)
    names = list(photos.values_list("file", flat=True))
    deleted, _ = photos.delete()

    def remove_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove_files)
    return deleted


@transaction.atomic
def pending_photos_purge(*, older_than: datetime) -> int:
    """Delete photos uploaded before `older_than` whose seizure never arrived."""
    orphans = SeizurePhoto.objects.filter(created_at__lt=older_than).exclude(
        Exists(Seizure.objects.filter(pk=OuterRef("seizure_id")))
    )
    names = list(orphans.values_list("file", flat=True))
    deleted, _ = orphans.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return deleted
