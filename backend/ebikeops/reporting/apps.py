from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "ebikeops.reporting"
    label = "reporting"
    verbose_name = "Summaries, exports and map layers"
