from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "ebikeops.operations"
    label = "operations"
