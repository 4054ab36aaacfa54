from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "ebikeops.demo"
    label = "demo"
