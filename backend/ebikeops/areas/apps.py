from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "ebikeops.areas"
    label = "areas"
