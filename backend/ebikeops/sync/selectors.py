"""Reads for sync: stored answers, tombstones, photos."""

from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet

from ebikeops.core.models import User
from ebikeops.operations.models import Seizure

from .models import IdempotencyKey, SeizurePhoto, Tombstone


def idempotency_key_get(*, user: User, scope: str, key: str, now: datetime) -> IdempotencyKey | None:
    """The unexpired stored answer for (`user`, `scope`, `key`), or None."""
    return IdempotencyKey.objects.filter(user=user, scope=scope, key=key, expires_at__gt=now).first()


def tombstone_get(*, record_type: str, record_id: UUID) -> Tombstone | None:
    """The tombstone of a deleted record, or None if it was never deleted."""
    return Tombstone.objects.filter(record_type=record_type, record_id=record_id).first()


def photo_list(*, seizure_id: UUID | None = None) -> QuerySet[SeizurePhoto]:
    """Photos (oldest first), annotated `attached`: whether their seizure exists yet."""
    queryset = SeizurePhoto.objects.annotate(attached=Exists(Seizure.objects.filter(pk=OuterRef("seizure_id"))))
    if seizure_id is not None:
        queryset = queryset.filter(seizure_id=seizure_id)
    return queryset.order_by("created_at", "id")
