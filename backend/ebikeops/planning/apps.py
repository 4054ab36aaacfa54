from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "ebikeops.planning"
    label = "planning"
    verbose_name = "Deployment suggestions"
