from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail (DPA 2018 Part 3 s.62). Sits directly above `core`: it imports only
    core, and every other app may record events through `ebikeops.audit.services`."""

    name = "ebikeops.audit"
    label = "audit"
