"""Vector tiles, GET /tiles/{seizures,hotspots}/{z}/{x}/{y}.mvt, built by PostGIS."""

import math

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from ebikeops.core.permissions import IsAnyRole
from ebikeops.hotspots import selectors as hotspot_selectors

from .. import selectors
from . import http
from .layers import hotspot_question
from .renderers import ProblemsAsJSON, URLDecidesNegotiation
from .schema import MVT, filter_parameters

TILE_EXTENT = 4096  # tile units per side
TILE_BUFFER = 64  # tile units drawn beyond each edge, so symbols at an edge are not cut
TILE_COUNT_CELL = 128  # a tile too busy for points: one count per cell of 128 x 128 units
TILE_OUTSIDE_MAX_AGE = 86_400  # tiles outside London are empty for good

BAD_TILE = "Must be between 0 and {maximum} at zoom {z}."
BAD_ZOOM = "Must be between 0 and {maximum}."
UNKNOWN_LAYER = "No tile layer {layer!r}; use one of: {choices}."


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of tile z/x/y (XYZ scheme, Web Mercator)."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def _outside_london(z: int, x: int, y: int) -> bool:
    """Whether the tile, with its buffer, misses London's box: the services refuse points
    outside it, so such a tile is empty without asking the database."""
    west, south, east, north = tile_bounds(z, x, y)
    margin_x = (east - west) * TILE_BUFFER / TILE_EXTENT
    margin_y = (north - south) * TILE_BUFFER / TILE_EXTENT
    min_lon, min_lat, max_lon, max_lat = settings.LONDON_BBOX
    return (
        east + margin_x < min_lon
        or west - margin_x > max_lon
        or north + margin_y < min_lat
        or south - margin_y > max_lat
    )


TILE_LAYERS = ("seizures", "hotspots")


class TileApi(ProblemsAsJSON, APIView):
    """A Mapbox Vector Tile (z/x/y, XYZ scheme) of a layer, built by PostGIS (ST_AsMVT).

    `seizures`, filtered as the seizure list: a tile with at most REPORTING_TILE_MAX_POINTS
    seizures holds them one by one in layer `seizures` (id, operation, vehicle_type, reason,
    disposition, seized_at; nothing sensitive, for any role); a busier tile holds layer
    `seizure_counts`, one point per cell of 128 x 128 tile units with its `count`.

    `hotspots`: the outlines of the hotspots GET /api/v1/hotspots/ shows for the same
    parameters (the best run for them, or `run`), in layer `hotspots` (key, rank,
    seizure_count, share, busiest_hour_band, trend_category, gi_bin, run).

    An empty tile is 204 No Content, and a tile outside London is answered 204 without a
    query. ETag (data version, or the hotspot run) and Cache-Control (`private, max-age`);
    If-None-Match -> 304.
    """

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation

    @extend_schema(
        operation_id="tile",
        tags=["tiles"],
        parameters=[
            OpenApiParameter("layer", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(TILE_LAYERS)),
            *(
                OpenApiParameter(p.name, p.type, description=f"{p.description} (seizures)", explode=p.explode)
                for p in filter_parameters([selectors.SEIZURES], spatial=False)
            ),
            OpenApiParameter("run", OpenApiTypes.UUID, description="hotspots: a specific run"),
        ],
        responses={
            (200, MVT): OpenApiResponse(OpenApiTypes.BINARY, description="Mapbox Vector Tile 2.1"),
            204: OpenApiResponse(description="no feature in this tile"),
            304: OpenApiResponse(description="unchanged since the ETag sent"),
        },
    )
    def get(self, request, layer: str, z: int, x: int, y: int):
        if layer not in TILE_LAYERS:
            raise NotFound(UNKNOWN_LAYER.format(layer=layer, choices=", ".join(TILE_LAYERS)))
        maximum_zoom = settings.REPORTING_TILE_MAX_ZOOM
        if not 0 <= z <= maximum_zoom:
            raise ValidationError({"z": [BAD_ZOOM.format(maximum=maximum_zoom)]})
        errors = {
            name: [BAD_TILE.format(maximum=2**z - 1, z=z)] for name, value in (("x", x), ("y", y)) if value >= 2**z
        }
        if errors:
            raise ValidationError(errors)
        if layer == "hotspots":
            return self.hotspots(request, z, x, y)
        return self.seizures(request, z, x, y)

    def seizures(self, request, z: int, x: int, y: int):
        if _outside_london(z, x, y):
            return _empty_for_good()
        selectors.check_filters([selectors.SEIZURES], request.query_params)
        current = http.validators(request, cache_control=f"private, max-age={settings.REPORTING_TILE_MAX_AGE}")
        if (unchanged := http.not_modified(request, current)) is not None:
            return unchanged
        tile = selectors.seizure_tile(
            request.query_params,
            z=z,
            x=x,
            y=y,
            extent=TILE_EXTENT,
            buffer=TILE_BUFFER,
            max_points=settings.REPORTING_TILE_MAX_POINTS,
            cell=TILE_COUNT_CELL,
        )
        return current.apply(_tile_response(tile))

    def hotspots(self, request, z: int, x: int, y: int):
        form = hotspot_question(request)
        if _outside_london(z, x, y):
            return _empty_for_good()
        run = hotspot_selectors.answering_run(question=form.question(), run_id=form.validated_data.get("run"))
        cache_control = f"private, max-age={settings.REPORTING_TILE_MAX_AGE}"
        if run is None:
            response = HttpResponse(status=204)
            response["Cache-Control"] = cache_control
            return response
        # A completed run never changes: the run is the tile's version.
        current = http.validators(request, cache_control=cache_control, state=(run.pk, run.finished_at))
        if (unchanged := http.not_modified(request, current)) is not None:
            return unchanged
        tile = selectors.hotspot_tile(run, z=z, x=x, y=y, extent=TILE_EXTENT, buffer=TILE_BUFFER)
        return current.apply(_tile_response(tile))


def _tile_response(tile: bytes) -> HttpResponse:
    return HttpResponse(tile, content_type=MVT) if tile else HttpResponse(status=204)


def _empty_for_good() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Cache-Control"] = f"private, max-age={TILE_OUTSIDE_MAX_AGE}"
    return response
