"""Summaries, exports, map layers and vector tiles over HTTP: parse the query, call one
selector, hand its bytes or rows on. Every view reads only (IsAnyRole); analysts never get
the sensitive fields (frame numbers, notes), in any format."""

import math
from collections.abc import Iterable

import django_filters
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.filters import BBoxFilter, DistanceFilter
from ebikeops.core.permissions import IsAnyRole, sees_sensitive_fields
from ebikeops.core.renderers import GEOJSON, geojson_response
from ebikeops.hotspots.api import serializers as hotspot_serializers
from ebikeops.operations.api import serializers as record_serializers

from . import http, selectors
from .renderers import (
    FormatParamNegotiation,
    ProblemsAsJSON,
    SummaryCSVRenderer,
    URLDecidesNegotiation,
    csv_stream,
    geojson_stream,
    started,
)
from .serializers import LayerQuery, Summary, SummaryQuery

CSV = "text/csv"
MVT = "application/vnd.mapbox-vector-tile"

TILE_EXTENT = 4096  # tile units per side
TILE_BUFFER = 64  # tile units drawn beyond each edge, so symbols at an edge are not cut
TILE_COUNT_CELL = 128  # a tile too busy for points: one count per cell of 128 x 128 units
TILE_OUTSIDE_MAX_AGE = 86_400  # tiles outside London are empty for good

SENSITIVE_NOTE = "frame_number and notes only for officers and commanders, never for analysts"
BAD_TILE = "Must be between 0 and {maximum} at zoom {z}."
BAD_ZOOM = "Must be between 0 and {maximum}."
UNKNOWN_LAYER = "No tile layer {layer!r}; use one of: {choices}."


# --- Schema: the list endpoints' filters, described once from their FilterSets -------------------


def _filter_parameter(name: str, field: django_filters.Filter, kinds: list[str], everywhere: bool) -> OpenApiParameter:
    described = str(field.label or name)
    if not everywhere:
        described += f" (applies to {', '.join(kinds)} only)"
    if isinstance(field, django_filters.MultipleChoiceFilter):
        choices = [value for value, _label in field.extra["choices"]]
        return OpenApiParameter(
            name, {"type": "array", "items": {"type": "string", "enum": choices}}, explode=True, description=described
        )
    kinds_by_class = {
        django_filters.IsoDateTimeFilter: OpenApiTypes.DATETIME,
        django_filters.UUIDFilter: OpenApiTypes.UUID,
    }
    kind = next((k for cls, k in kinds_by_class.items() if isinstance(field, cls)), OpenApiTypes.STR)
    return OpenApiParameter(name, kind, description=described)


def filter_parameters(kinds: Iterable[selectors.RecordKind], *, spatial: bool = True) -> list[OpenApiParameter]:
    """The query parameters of the kinds' list endpoints (their FilterSets, bbox, distance)."""
    kinds = list(kinds)
    seen: dict[str, tuple[django_filters.Filter, list[str]]] = {}
    for kind in kinds:
        for name, field in kind.filterset.base_filters.items():
            seen.setdefault(name, (field, []))[1].append(kind.name)
    parameters = [
        _filter_parameter(name, field, names, everywhere=len(names) == len(kinds))
        for name, (field, names) in seen.items()
    ]
    if spatial:
        for backend in (BBoxFilter, DistanceFilter):
            for spec in backend().get_schema_operation_parameters(view=None):
                kind = OpenApiTypes.NUMBER if spec["schema"]["type"] == "number" else OpenApiTypes.STR
                parameters.append(OpenApiParameter(spec["name"], kind, description=spec["description"]))
    return parameters


def _feature_collection(name: str, feature_serializer, **members) -> serializers.Serializer:
    """A FeatureCollection of `feature_serializer`'s Features (plus foreign `members`)."""
    return inline_serializer(
        name,
        {
            "type": serializers.ChoiceField(choices=["FeatureCollection"]),
            "features": serializers.ListField(child=feature_serializer()),
            **members,
        },
    )


# --- Summaries ---------------------------------------------------------------------------------------


class SummaryView(ProblemsAsJSON, APIView):
    """Counts of operations, seizures (by vehicle type, reason, disposition) and arrests (by
    offence category), grouped by any of borough, team, week, month, vehicle_type, weekday,
    hour, with totals and the rolling 12 months. Each figure equals the `count` that the
    record type's list endpoint gives for the same filters and group. JSON, or CSV with
    `Accept: text/csv` or `?format=csv`. Conditional GET: ETag / Last-Modified."""

    permission_classes = [IsAnyRole]
    renderer_classes = [JSONRenderer, SummaryCSVRenderer]
    content_negotiation_class = FormatParamNegotiation

    @extend_schema(
        operation_id="summaries",
        tags=["reporting"],
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description=f"comma-separated, any of: {', '.join(selectors.DIMENSIONS)} (e.g. borough,month)",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="instead of Accept"),
            *filter_parameters(selectors.KINDS.values()),
        ],
        responses={
            (200, "application/json"): Summary,
            (200, CSV): OpenApiResponse(
                OpenApiTypes.STR,
                description="header, one row per group, then `total` and `rolling_12_months` rows",
            ),
            304: OpenApiResponse(description="unchanged since the ETag / Last-Modified sent"),
        },
    )
    def get(self, request):
        form = SummaryQuery(data=request.query_params)
        form.is_valid(raise_exception=True)
        group_by = form.validated_data["group_by"]
        window = selectors.summary_range(request.query_params, now=timezone.now())
        selectors.check_filters(selectors.KINDS.values(), request.query_params)
        current = http.validators(request, variant=(request.accepted_media_type, window.rolling_until.isoformat()))
        if (unchanged := http.not_modified(request, current)) is not None:
            return unchanged
        data = selectors.summary(params=request.query_params, group_by=group_by, window=window)
        return current.apply(Response(data))


# --- Map layers ----------------------------------------------------------------------------------------


class LayerView(ProblemsAsJSON, APIView):
    """A map layer: up to `limit` features (newest first) as one FeatureCollection built in
    PostgreSQL, with the list endpoint's filters and its features for the caller's role.
    `truncated` says whether more matched."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation
    kind: selectors.RecordKind

    def get(self, request):
        body = selectors.layer_geojson(
            self.kind, request.query_params, sensitive=sees_sensitive_fields(request.user), limit=_limit(request)
        )
        return geojson_response(request, body)


def _both_media_types(response) -> dict:
    """A layer's 200: GeoJSON (application/geo+json), or the same body as application/json for
    a client that asks for that (ebikeops.core.renderers)."""
    return {(200, GEOJSON): response, (200, "application/json"): response}


def _layer_view(name: str, kind: selectors.RecordKind, feature) -> type[LayerView]:
    view = type(name, (LayerView,), {"kind": kind, "__doc__": LayerView.__doc__})
    schema = extend_schema(
        operation_id=f"layer_{kind.name}",
        tags=["map layers"],
        parameters=[
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"at most this many features (default and maximum {settings.REPORTING_LAYER_MAX_FEATURES})",
            ),
            *filter_parameters([kind]),
        ],
        responses=_both_media_types(
            OpenApiResponse(
                _feature_collection(
                    f"{kind.name.title()}Layer",
                    feature,
                    numberReturned=serializers.IntegerField(),
                    limit=serializers.IntegerField(),
                    truncated=serializers.BooleanField(help_text="more features matched than `limit`"),
                ),
                description=SENSITIVE_NOTE,
            )
        ),
    )
    return extend_schema_view(get=schema)(view)


def _limit(request) -> int:
    form = LayerQuery(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form.validated_data.get("limit") or settings.REPORTING_LAYER_MAX_FEATURES


def _hotspot_question(request) -> hotspot_serializers.ReadInput:
    """The hotspots app's own read parameters (filters, clustering parameters, `run`)."""
    form = hotspot_serializers.ReadInput(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form


class HotspotLayerView(ProblemsAsJSON, APIView):
    """The hotspots map layer: the outlines of the hotspots that GET /api/v1/hotspots/ shows
    for the same parameters (the best run for them, or `run`), largest first, up to `limit`,
    within `bbox` if given, as one FeatureCollection built in PostgreSQL. Its features are
    the hotspots app's HotspotFeature; an empty collection when no run matches."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation

    @extend_schema(
        operation_id="layer_hotspots",
        tags=["map layers"],
        parameters=[
            hotspot_serializers.ReadInput,
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description=f"at most this many features (default and maximum {settings.REPORTING_LAYER_MAX_FEATURES})",
            ),
            OpenApiParameter("bbox", OpenApiTypes.STR, description="min_lon,min_lat,max_lon,max_lat (WGS84 degrees)"),
        ],
        responses=_both_media_types(
            _feature_collection(
                "HotspotsLayer",
                hotspot_serializers.HotspotFeature,
                numberReturned=serializers.IntegerField(),
                limit=serializers.IntegerField(),
                truncated=serializers.BooleanField(help_text="more features matched than `limit`"),
            )
        ),
    )
    def get(self, request):
        form = _hotspot_question(request)
        limit = _limit(request)
        body = selectors.hotspot_layer_geojson(
            question=form.question(),
            run_id=form.validated_data.get("run"),
            params=request.query_params,
            limit=limit,
            weekdays=hotspot_serializers.WEEKDAYS,
        )
        return geojson_response(request, body)


SeizureLayerView = _layer_view("SeizureLayerView", selectors.SEIZURES, record_serializers.SeizureFeatureSensitive)
OperationLayerView = _layer_view(
    "OperationLayerView", selectors.OPERATIONS, record_serializers.OperationFeatureWithNotes
)


# --- Exports -------------------------------------------------------------------------------------------


class ExportView(ProblemsAsJSON, APIView):
    """All matching records (the list endpoint's filters), newest first, streamed: GeoJSON
    (RFC 7946 FeatureCollection) or CSV with a header. Memory stays flat however many rows:
    rows stream from PostgreSQL (COPY) in chunks. Conditional GET: ETag / Last-Modified."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation
    kind: selectors.RecordKind
    fmt: str  # "geojson" or "csv"

    def get(self, request):
        sensitive = sees_sensitive_fields(request.user)
        chunk_size = settings.REPORTING_EXPORT_CHUNK_ROWS
        params = request.query_params
        if self.fmt == "geojson":
            chunks = selectors.export_geojson_features(self.kind, params, sensitive=sensitive, chunk_size=chunk_size)
        else:
            chunks = selectors.export_csv_rows(self.kind, params, sensitive=sensitive, chunk_size=chunk_size)
        # Nothing has run yet (the filters are checked): a 304 runs no query.
        current = http.validators(request, variant=(self.fmt, sensitive))
        if (unchanged := http.not_modified(request, current)) is not None:
            chunks.close()
            return unchanged
        chunks = started(chunks)  # the query runs now: a failure is an error response, not a cut-off 200
        if self.fmt == "geojson":
            body, content_type = geojson_stream(chunks), GEOJSON
        else:
            header = selectors.export_csv_header(self.kind, sensitive=sensitive)
            body, content_type = csv_stream(header, chunks), f"{CSV}; charset=utf-8"
        response = StreamingHttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.kind.name}.{self.fmt}"'
        return current.apply(response)


def _export_view(name: str, kind: selectors.RecordKind, fmt: str, feature) -> type[ExportView]:
    view = type(name, (ExportView,), {"kind": kind, "fmt": fmt, "__doc__": ExportView.__doc__})
    if fmt == "geojson":
        body = {
            (200, GEOJSON): OpenApiResponse(
                _feature_collection(f"{kind.name.title()}Export", feature), description=f"streamed; {SENSITIVE_NOTE}"
            )
        }
    else:
        body = {
            (200, CSV): OpenApiResponse(
                OpenApiTypes.STR,
                description=f"streamed: a header row (id, lon, lat, then the properties), one row per record; "
                f"{SENSITIVE_NOTE}",
            )
        }
    schema = extend_schema(
        operation_id=f"export_{kind.name}_{fmt}",
        tags=["exports"],
        parameters=filter_parameters([kind]),
        responses={**body, 304: OpenApiResponse(description="unchanged since the ETag / Last-Modified sent")},
    )
    return extend_schema_view(get=schema)(view)


_FEATURES = {
    "seizures": record_serializers.SeizureFeatureSensitive,
    "operations": record_serializers.OperationFeatureWithNotes,
    "arrests": record_serializers.ArrestFeatureWithNotes,
}
EXPORT_VIEWS = {
    (name, fmt): _export_view(f"{name.title()}{fmt.upper()}ExportView", kind, fmt, _FEATURES[name])
    for name, kind in selectors.KINDS.items()
    for fmt in ("geojson", "csv")
}


# --- Vector tiles --------------------------------------------------------------------------------------


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


class TileView(ProblemsAsJSON, APIView):
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
        form = _hotspot_question(request)
        if _outside_london(z, x, y):
            return _empty_for_good()
        run = selectors.hotspot_run(question=form.question(), run_id=form.validated_data.get("run"))
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
