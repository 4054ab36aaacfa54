"""A system check that tells whoever serves the map that Leaflet has not been copied in."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.checks import Warning, register

# What the page loads: Leaflet and Leaflet.markercluster, one script and one style sheet.
LEAFLET_FILES = ("webmap/vendor/leaflet/map-vendor.js", "webmap/vendor/leaflet/map-vendor.css")


def map_script_sources() -> list[Path]:
    """The page's ES modules, the sources of the joined script (build/map.js)."""
    main = Path(finders.find("webmap/main.js"))
    return [main, *sorted((main.parent / "modules").glob("*.js"))]


def map_script_is_stale() -> bool:
    """Whether build/map.js is missing or older than one of its modules."""
    built = finders.find("webmap/build/map.js")
    if built is None:
        return True
    newest = max(path.stat().st_mtime for path in map_script_sources())
    return Path(built).stat().st_mtime < newest


@register()
def map_script_is_built(app_configs, **kwargs):
    if not map_script_is_stale():
        return []
    return [
        Warning(
            "The map page's script (webmap/build/map.js) is missing or older than its modules.",
            hint="Run `make web-deps` or bash scripts/build_map_js.sh (esbuild joins main.js and modules/).",
            id="webmap.W002",
        )
    ]


@register()
def leaflet_is_built(app_configs, **kwargs):
    missing = [name for name in LEAFLET_FILES if finders.find(name) is None]
    if not missing:
        return []
    return [
        Warning(
            f"The commander's map cannot load: {', '.join(missing)} not found.",
            hint="Run `make web-deps` (or bash scripts/build_web.sh): it copies Leaflet and "
            "Leaflet.markercluster from npm into the webmap app's static files.",
            id="webmap.W001",
        )
    ]
