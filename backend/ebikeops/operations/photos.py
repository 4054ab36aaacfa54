"""Seizure photos: store, list, delete, purge. JPEG or PNG only, judged by content.

A photo is attached to a seizure by the seizure's UUID and may arrive before the seizure
does (offline devices send in any order); until then it is "pending". Only the seizure's
officer or a commander adds or removes photos of a seizure that exists (policies); each user
may keep at most PHOTO_MAX_PENDING_PER_USER pending photos, and pending photos are purged
after PHOTO_PENDING_RETENTION_DAYS (`purge_sync_records`).
"""

import hashlib
import uuid
from datetime import datetime
from typing import IO
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ebikeops.core.errors import Conflict, Forbidden, Gone, PayloadTooLarge, UnsupportedMedia
from ebikeops.core.models import User

from . import audit_events, errors, images
from .models import RecordType, Seizure, SeizurePhoto
from .policies import can_attach_photo
from .selectors import tombstone_get

PHOTO_DIR = "seizure-photos"
EXTENSIONS = {images.JPEG: ".jpg", images.PNG: ".png"}


def _check_photo(content: bytes, declared_content_type: str | None) -> str:
    """The photo's media type by its content; raises UnsupportedMedia or ValidationError."""
    if not content:
        raise ValidationError({"file": errors.PHOTO_EMPTY})
    detected = images.sniff_image_type(content[:16])
    if detected is None:
        raise UnsupportedMedia(errors.PHOTO_NOT_IMAGE)
    declared = images.normalise_declared(declared_content_type)
    if declared is not None and declared != detected:
        raise UnsupportedMedia(errors.PHOTO_TYPE_MISMATCH.format(declared=declared, detected=detected))
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


def _pending_count(user: User) -> int:
    """Photos `user` uploaded whose seizure has not arrived."""
    return (
        SeizurePhoto.objects.filter(uploaded_by=user)
        .exclude(Exists(Seizure.objects.filter(pk=OuterRef("seizure_id"))))
        .count()
    )


def _check_room(*, seizure: Seizure | None, seizure_id: UUID, user: User) -> None:
    """The per-seizure limit, and for a seizure not arrived yet the uploader's pending limit."""
    if SeizurePhoto.objects.filter(seizure_id=seizure_id).count() >= settings.PHOTO_MAX_PER_SEIZURE:
        raise ValidationError({"file": errors.PHOTO_LIMIT.format(limit=settings.PHOTO_MAX_PER_SEIZURE)})
    if seizure is None:
        pending, limit = _pending_count(user), settings.PHOTO_MAX_PENDING_PER_USER
        if pending >= limit:
            raise ValidationError({"file": errors.PHOTO_PENDING_LIMIT.format(count=pending, limit=limit)})


def _read_photo(upload: IO[bytes], size: int) -> bytes:
    limit = settings.PHOTO_MAX_BYTES
    if size > limit:
        raise PayloadTooLarge(errors.PHOTO_TOO_LARGE.format(size=size, limit=limit))
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(errors.PHOTO_TOO_LARGE.format(size=len(content), limit=limit))
    return content


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

    Raises PayloadTooLarge (over PHOTO_MAX_BYTES), UnsupportedMedia (not JPEG/PNG by its
    content, or a declared type that disagrees), ValidationError (empty, truncated, too many
    photos), Forbidden (not the seizure's officer or a commander), Gone (the seizure was
    deleted), Conflict (`photo_id` reused differently).
    """
    now = now or timezone.now()
    content = _read_photo(upload, size)
    media_type = _check_photo(content, declared_content_type)
    if tombstone_get(record_type=RecordType.SEIZURE, record_id=seizure_id) is not None:
        raise Gone(errors.SEIZURE_DELETED.format(id=seizure_id))
    seizure = Seizure.objects.select_related("operation").filter(pk=seizure_id).first()
    if not can_attach_photo(user, seizure):
        raise Forbidden(errors.PHOTO_FORBIDDEN)
    digest = hashlib.sha256(content).hexdigest()
    if photo_id is not None:
        existing = _existing_photo(photo_id=photo_id, seizure_id=seizure_id, digest=digest)
        if existing is not None:
            return existing, False
    _check_room(seizure=seizure, seizure_id=seizure_id, user=user)
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
            audit_events.photos_collected(photo, user=user)
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


def _delete_files_on_commit(names: list[str]) -> None:
    def remove_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove_files)


@transaction.atomic
def photo_delete(*, photo: SeizurePhoto, user: User) -> None:
    """Delete one photo: the row now, the file once the transaction commits. Raises
    Forbidden unless `user` may change the seizure's photos (or uploaded a pending one)."""
    seizure = Seizure.objects.select_related("operation").filter(pk=photo.seizure_id).first()
    allowed = can_attach_photo(user, seizure) if seizure is not None else photo.uploaded_by_id == user.pk
    if not allowed:
        raise Forbidden(errors.PHOTO_FORBIDDEN)
    name = photo.file.name
    content = {photo.pk: audit_events.snapshot(photo)}
    photo.delete()
    audit_events.photos_erased(content, user=user)
    _delete_files_on_commit([name])


def photos_delete(*, seizure_id: UUID) -> dict[UUID, audit_events.Snapshot]:
    """Delete a seizure's photos (with the seizure): rows now, files once committed.
    Returns what was deleted ({photo id: its metadata}) for the seizure's erasure event."""
    photos = list(SeizurePhoto.objects.filter(seizure_id=seizure_id))
    SeizurePhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    _delete_files_on_commit([photo.file.name for photo in photos])
    return {photo.pk: audit_events.snapshot(photo) for photo in photos}


@transaction.atomic
def pending_photos_purge(*, older_than: datetime) -> int:
    """Delete photos uploaded before `older_than` whose seizure never arrived."""
    orphans = list(
        SeizurePhoto.objects.filter(created_at__lt=older_than).exclude(
            Exists(Seizure.objects.filter(pk=OuterRef("seizure_id")))
        )
    )
    deleted, _ = SeizurePhoto.objects.filter(pk__in=[photo.pk for photo in orphans]).delete()
    audit_events.photos_erased(
        {photo.pk: audit_events.snapshot(photo) for photo in orphans}, user=None, reason="seizure never arrived"
    )
    _delete_files_on_commit([photo.file.name for photo in orphans])
    return deleted
