"""The river on a map with no tile server: the difference between two boundary files.

London's boroughs are published twice: drawn to the legal boundary in the river
(`BOROUGHS_FILE`, which tiles London without gaps) and cut at Mean High Water
(`BOROUGHS_LAND_FILE`). Their difference is the tidal Thames and its creeks. `river_load`
computes it once (shapely, at load time: a fraction of a second), drops the slivers where the
two surveys disagree by a few metres, and stores the water as one row per part (`River`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.gis.db.models.functions import Area, Transform
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.db.models import QuerySet
from shapely.geometry import shape

from .models import River

RIVER_NAME = "River Thames"
# Parts smaller than this (m², metric SRID) are where the two surveys' lines differ, not water.
MIN_PART_M2 = 20_000.0
# Simplification of the stored outline, in degrees (about 2 m): invisible on a map.
SIMPLIFY_DEGREES = 0.00002


@dataclass(frozen=True)
class RiverResult:
    parts: int
    area_m2: float
    slivers_dropped: int


def _union(path: Path):
    with path.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    return shapely.union_all([shape(feature["geometry"]) for feature in collection["features"]])


@transaction.atomic
def river_load(*, tidal_path: Path, land_path: Path) -> RiverResult:
    """Replace the stored river with the difference between the two boundary files (GeoJSON,
    WGS84 lon/lat). Returns how many parts were kept, their area (m²) and how many slivers
    (under MIN_PART_M2) were dropped. Raises FileNotFoundError if either file is missing."""
    water = shapely.difference(_union(tidal_path), _union(land_path))
    parts = [part for part in getattr(water, "geoms", [water]) if not part.is_empty]
    River.objects.all().delete()
    if not parts:
        return RiverResult(parts=0, area_m2=0.0, slivers_dropped=0)
    source = {"tidal": tidal_path.name, "land": land_path.name}
    rows = []
    for part in parts:
        simplified = shapely.simplify(part, SIMPLIFY_DEGREES, preserve_topology=True)
        geom = GEOSGeometry(shapely.to_wkb(simplified, hex=True), srid=4326)
        rows.append(River(name=RIVER_NAME, geom=MultiPolygon(geom, srid=4326), area_m2=0.0, source=source))
    River.objects.bulk_create(rows)
    # Areas measured by PostGIS in the metric SRID, then the slivers dropped in one statement.
    River.objects.update(area_m2=Area(Transform("geom", settings.METRIC_SRID)))
    dropped, _ = River.objects.filter(area_m2__lt=MIN_PART_M2).delete()
    kept = river_list()
    return RiverResult(parts=kept.count(), area_m2=sum(r.area_m2 for r in kept), slivers_dropped=dropped)


def river_list() -> QuerySet[River]:
    """The stored river parts, largest first."""
    return River.objects.order_by("-area_m2")
