"""The memory of deletions: a tombstone per deleted operation, seizure or arrest, so a device
that re-sends a deleted record is told so (410 / "deleted") instead of re-creating it.

Written only by the delete services (ebikeops.operations.services), in the same transaction
as the delete.
"""

from datetime import datetime
from uuid import UUID

from django.db.models import Model

from ebikeops.core.errors import Gone
from ebikeops.core.models import User

from . import errors
from .models import Tombstone, record_type_of
from .selectors import tombstone_get


def tombstone_create(*, record: Model, user: User | None, now: datetime) -> Tombstone:
    """Remember that `record` is being deleted. Call *before* the delete (Django clears the pk
    of a deleted instance), in its transaction, so a failed delete rolls the tombstone back."""
    tombstone, _ = Tombstone.objects.update_or_create(
        record_type=record_type_of(record),
        record_id=record.pk,
        defaults={"version": record.version, "deleted_at": now, "deleted_by": user},
    )
    return tombstone


def deleted_message(tombstone: Tombstone) -> str:
    return errors.RECORD_DELETED.format(type=tombstone.record_type, deleted_at=tombstone.deleted_at.isoformat())


def ensure_not_deleted(*, record_type: str, record_id: UUID | None) -> None:
    """Raise Gone if a record of `record_type` with this id was deleted (no-op for None)."""
    if record_id is None:
        return
    tombstone = tombstone_get(record_type=record_type, record_id=record_id)
    if tombstone is not None:
        raise Gone(deleted_message(tombstone))
