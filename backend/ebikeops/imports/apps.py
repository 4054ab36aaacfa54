from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bulk import of a force's historical operations, seizures and arrests (sits above operations)."""

    name = "ebikeops.imports"
    label = "imports"
    default_auto_field = "django.db.models.BigAutoField"
