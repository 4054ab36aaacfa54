"""Small declarative PostGIS functions (in the manner of contrib.gis's GeometryDistance)."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeoFuncMixin
from django.db.models import Func


class SimplifyPreserveTopology(GeoFuncMixin, Func):
    """ST_SimplifyPreserveTopology(geom, tolerance): tolerance in the geometry's units."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField()
    arity = 2
