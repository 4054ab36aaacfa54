from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Public context: data.police.uk street-level crimes, kept apart from the force's own records."""

    name = "ebikeops.incidents"
    label = "incidents"
    default_auto_field = "django.db.models.BigAutoField"
