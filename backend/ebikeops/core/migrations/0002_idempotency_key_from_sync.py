# The IdempotencyKey model moves from the sync app to core; its table keeps its name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_users_and_roles"),
        ("sync", "0001_idempotency_tombstones_photos"),  # the table is created there
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("scope", models.CharField(choices=[("http", "Idempotency-Key header on a single-record POST"), ("sync", "One item of a sync batch")], max_length=8)),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(help_text="SHA-256 of the request it answered", max_length=64)),
                        ("response_status", models.PositiveSmallIntegerField()),
                        ("response_body", models.TextField(blank=True)),
                        ("response_headers", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField()),
                        ("expires_at", models.DateTimeField()),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "sync_idempotencykey",
                        "indexes": [models.Index(fields=["expires_at"], name="sync_idempotency_expires")],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "scope", "key"), name="sync_idempotency_key_unique"),
                            models.CheckConstraint(condition=models.Q(("scope__in", ["http", "sync"])), name="sync_idempotency_scope_valid"),
                        ],
                    },
                ),
            ],
        ),
    ]
