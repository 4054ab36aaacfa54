from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    """The audit trail (DPA 2018 Part 3 s.62). Sits directly above `core`: it imports only
    core, and every other app may record events through `ebikeops.audit.services`."""

    name = "ebikeops.audit"
    label = "audit"

    def ready(self) -> None:
        post_migrate.connect(_chains_after_migrate, sender=self)


def _chains_after_migrate(sender, *, using: str = "default", apps=None, **kwargs) -> None:
    """After `migrate` (and a test flush), open AUDIT_CHAINS hash chains, as Django's
    contenttypes app makes its rows: the setting reaches the database without a startup
    parameter (which PgBouncer in transaction mode would not pass on)."""
    from django.apps import apps as installed
    from django.conf import settings
    from django.core.exceptions import FieldDoesNotExist

    from .services import chains_ensure

    try:
        (apps or installed).get_model("audit", "AuditChainHead")._meta.get_field("open")
    except (LookupError, FieldDoesNotExist):
        return  # migrated to before 0002: one chain
    if using != "default":
        return
    chains_ensure(chains=settings.AUDIT_CHAINS)
