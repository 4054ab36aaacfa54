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

    @property
    def is_commander(self) -> bool:
        return self.role == Role.COMMANDER

    @property
    def is_analyst(self) -> bool:
        return self.role == Role.ANALYST

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR


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
