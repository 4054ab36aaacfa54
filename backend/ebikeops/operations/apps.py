from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "ebikeops.operations"
    label = "operations"

    def ready(self):
        from ebikeops.areas.signals import boroughs_reloaded

        from .boroughs import boroughs_reassign

        boroughs_reloaded.connect(boroughs_reassign, dispatch_uid="operations.boroughs_reassign")
