# Tombstone and SeizurePhoto move from the sync app to operations; their tables keep their names.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("operations", "0002_operation_ends_strictly_after_start"),
        ("sync", "0001_idempotency_tombstones_photos"),  # the tables are created there
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SeizurePhoto",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("seizure_id", models.UUIDField(db_index=True)),
                        ("file", models.FileField(max_length=255, upload_to="")),
                        ("content_type", models.CharField(choices=[("image/jpeg", "JPEG"), ("image/png", "PNG")], max_length=16)),
                        ("size_bytes", models.PositiveIntegerField()),
                        ("sha256", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField()),
                        ("uploaded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "sync_seizurephoto",
                        "ordering": ["created_at", "id"],
                        "constraints": [models.CheckConstraint(condition=models.Q(("content_type__in", ["image/jpeg", "image/png"])), name="sync_photo_content_type_valid")],
                    },
                ),
                migrations.CreateModel(
                    name="Tombstone",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("record_type", models.CharField(choices=[("operation", "Operation"), ("seizure", "Seizure"), ("arrest", "Arrest")], max_length=16)),
                        ("record_id", models.UUIDField()),
                        ("version", models.PositiveIntegerField(help_text="the record's version when it was deleted")),
                        ("deleted_at", models.DateTimeField()),
                        ("deleted_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "sync_tombstone",
                        "constraints": [
                            models.UniqueConstraint(fields=("record_type", "record_id"), name="sync_tombstone_unique"),
                            models.CheckConstraint(condition=models.Q(("record_type__in", ["operation", "seizure", "arrest"])), name="sync_tombstone_type_valid"),
                        ],
                    },
                ),
            ],
        ),
    ]
