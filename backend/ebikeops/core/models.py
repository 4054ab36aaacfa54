"""Users and the vocabulary shared by every app (roles, record sources)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    COMMANDER = "commander", "Commander"
    ANALYST = "analyst", "Analyst / API consumer"
    # Reads the audit trail and record histories (ebikeops.audit); no operational data.
    AUDITOR = "auditor", "Auditor"


# The roles that work with operational records; auditors only read the audit trail.
OPERATIONAL_ROLES = (Role.OFFICER, Role.COMMANDER, Role.ANALYST)


class Source(models.TextChoices):
    """Where a record came from, so analysis can leave out imported or synthetic data."""

    FIELD = "field", "Logged in the field"
    IMPORT = "import", "Imported"
    DEMO = "demo", "Synthetic demo data"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OFFICER)
    team = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]


class TrackedModel(models.Model):
    """Audit columns and the optimistic-concurrency version every field record carries."""

    source = models.CharField(max_length=8, choices=Source.choices, default=Source.FIELD)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class IdempotencyScope(models.TextChoices):
    HTTP = "http", "Idempotency-Key header on a single-record POST"
    SYNC = "sync", "One item of a sync batch"


class IdempotencyKey(models.Model):
    """The stored answer to a request (an `Idempotency-Key` on a single-record POST, scope
    "http") or to one sync batch item (scope "sync"), so a retry answers the same and changes
    nothing. Kept for IDEMPOTENCY_KEY_RETENTION_DAYS (see ebikeops.core.idempotency)."""

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
        db_table = "sync_idempotencykey"  # created by the sync app, moved here (state only)
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="sync_idempotency_key_unique"),
            models.CheckConstraint(
                condition=models.Q(scope__in=IdempotencyScope.values), name="sync_idempotency_scope_valid"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="sync_idempotency_expires")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
