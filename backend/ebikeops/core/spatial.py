"""Spatial building blocks shared by every app: the metric projection in one place."""

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.gdal import CoordTransform, SpatialReference


def metric(expression) -> Transform:
    """The expression transformed to the metric SRID (British National Grid, metres)."""
    return Transform(expression, settings.METRIC_SRID)


def coord_transform(source: SpatialReference | int, target: int) -> CoordTransform:
    """A GDAL transformation from `source` (an SRID, or a file's own reference system) to the
    SRID `target`, for `geometry.transform(...)`; build one per load and reuse it.

    Why: `geometry.transform(srid)` goes through OGR_G_TransformTo, which sets up a new
    transformation on every call (about 14 ms of CPU here, PROJ look-ups); building this one
    costs 0.16 ms and applying it 0.1 ms, with the same coordinates to the last bit. Loading
    TfL's 581 stops took 8.2 s of CPU, now 0.1 s."""
    return CoordTransform(
        source if isinstance(source, SpatialReference) else SpatialReference(source), SpatialReference(target)
    )
