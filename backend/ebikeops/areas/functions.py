"""Small declarative PostGIS functions (in the manner of contrib.gis's GeometryDistance)."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeoFuncMixin
from django.db.models import Func


class SimplifyPreserveTopology(GeoFuncMixin, Func):
    """ST_SimplifyPreserveTopology(geom, tolerance): tolerance in the geometry's units."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField()
    arity = 2


class ForcePolygonCCW(GeoFuncMixin, Func):
    """ST_ForcePolygonCCW(geom): exterior rings counterclockwise, holes clockwise, as RFC 7946
    (3.1.6, the right-hand rule) wants them in GeoJSON."""

    function = "ST_ForcePolygonCCW"
    arity = 1
