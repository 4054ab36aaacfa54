"""An import uploaded through the API: the file, how to read it, and what came of it."""

import uuid

from django.db import models

from ebikeops.core.models import User


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class ImportKind(models.TextChoices):
    OPERATIONS = "operations", "Operations"
    SEIZURES = "seizures", "Seizures"
    ARRESTS = "arrests", "Arrests"


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    source_system = models.CharField(max_length=64)
    mapping = models.JSONField(help_text="the parsed mapping file")
    dry_run = models.BooleanField(default=False)
    source_srid = models.PositiveIntegerField(null=True, blank=True, help_text="CRS of a file that names none")
    upload = models.FileField(upload_to="imports/uploads/")
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    summary = models.JSONField(null=True, blank=True, help_text="counts, once completed")
    rejects = models.FileField(upload_to="imports/rejects/", blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="import_job_status_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=ImportKind.values), name="import_job_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"
