from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ebikeops.core"
    label = "core"
