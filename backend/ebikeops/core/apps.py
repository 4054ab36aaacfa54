from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ebikeops.core"
    label = "core"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI extensions
        from .datetimes import install_rfc3339_output

        install_rfc3339_output()
