"""A system check that tells whoever serves the map that Leaflet has not been copied in."""

from django.contrib.staticfiles import finders
from django.core.checks import Warning, register

LEAFLET_FILES = ("webmap/vendor/leaflet/leaflet.js", "webmap/vendor/leaflet/leaflet.css")


@register()
def leaflet_is_built(app_configs, **kwargs):
    missing = [name for name in LEAFLET_FILES if finders.find(name) is None]
    if not missing:
        return []
    return [
        Warning(
            f"The commander's map cannot load: {', '.join(missing)} not found.",
            hint="Run `make web-deps` (or bash scripts/build_web.sh): it copies Leaflet from npm "
            "into the webmap app's static files.",
            id="webmap.W001",
        )
    ]
