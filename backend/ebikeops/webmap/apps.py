from django.apps import AppConfig


class WebmapConfig(AppConfig):
    """The commander's map at /map/: one page reading the public API with the session."""

    name = "ebikeops.webmap"
    label = "webmap"
    verbose_name = "Commander's map"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check)
