from django.apps import AppConfig


class HotspotsConfig(AppConfig):
    name = "ebikeops.hotspots"
    label = "hotspots"
    verbose_name = "Hotspots"
