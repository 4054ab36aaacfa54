"""What offline-first sync needs to remember: answered requests, deleted records, photos.

- IdempotencyKey: the stored answer to a request (an `Idempotency-Key` on a single-record
  POST, scope "http") or to one batch item (scope "sync"), so a retry answers the same and
  changes nothing. Kept for IDEMPOTENCY_KEY_RETENTION_DAYS.
- Tombstone: a deleted operation, seizure or arrest, so a device that re-sends it is told
  "deleted" instead of silently re-creating it. Kept indefinitely (a few bytes each).
- SeizurePhoto: an image attached to a seizure by the seizure's UUID. It may arrive before
  the seizure does; it counts as attached once a seizure with that id exists.
"""

import uuid

from django.db import models
from django.db.models import Q

from ebikeops.core.models import User


class IdempotencyScope(models.TextChoices):
    HTTP = "http", "Idempotency-Key header on a single-record POST"
    SYNC = "sync", "One item of a sync batch"


class RecordType(models.TextChoices):
    OPERATION = "operation", "Operation"
    SEIZURE = "seizure", "Seizure"
    ARREST = "arrest", "Arrest"


class IdempotencyKey(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=8, choices=IdempotencyScope.choices)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request it answered")
    response_status = models.PositiveSmallIntegerField()
    # JSON text exactly as first sent (jsonb would reorder keys); "" for an empty body.
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="sync_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(scope__in=IdempotencyScope.values), name="sync_idempotency_scope_valid"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="sync_idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class Tombstone(models.Model):
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    record_id = models.UUIDField()
    version = models.PositiveIntegerField(help_text="the record's version when it was deleted")
    deleted_at = models.DateTimeField()
    deleted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="sync_tombstone_unique"),
            models.CheckConstraint(condition=Q(record_type__in=RecordType.values), name="sync_tombstone_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} (deleted)"


class PhotoContentType(models.TextChoices):
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class SeizurePhoto(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Not a foreign key: a photo may arrive before its seizure (see module docstring).
    seizure_id = models.UUIDField(db_index=True)
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=16, choices=PhotoContentType.choices)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=PhotoContentType.values), name="sync_photo_content_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.id} of seizure {self.seizure_id}"
