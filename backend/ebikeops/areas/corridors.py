"""Road corridors: importing them from any OGR line source, and reading them.

A source (an OpenStreetMap extract, OS Open Roads, our own geodata/corridors.geojson) holds
many segments per road. The import groups segments by road name (or by an explicit slug),
splits a name that occurs in several places ("High Street") into one corridor per connected
stretch, and threads each stretch into one `route` line on which positions along the road
are measured. The geometric work on the file's segments happens in the metric SRID (GDAL
transform, shapely in metres) before anything is stored; lengths are measured by PostGIS.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models.functions import Length
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiLineString
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from shapely import wkb as shapely_wkb
from shapely.geometry import LineString as ShapelyLine
from shapely.geometry import MultiLineString as ShapelyMultiLine
from shapely.geometry import Point as ShapelyPoint
from shapely.ops import linemerge, unary_union
from shapely.strtree import STRtree

from ebikeops.core.spatial import coord_transform, metric

from .models import Borough, Corridor

NAME_FIELDS = ("name", "NAME", "name1", "road_name", "roadName", "ROAD_NAME", "street", "STREET")
SLUG_FIELD = "slug"
APPROXIMATE_FIELD = "approximate"
LINE_TYPES = {"LineString", "MultiLineString", "LineString25D", "MultiLineString25D"}

NO_NAME_FIELD = "No road-name field among the layer's fields {fields}; name one with --name-field."
NOT_LINES = "Layer holds {kind}, not lines."
CANNOT_OPEN = "Cannot open {path} as a vector source: {error}"
NOTHING_TO_LOAD = "No named line features in {path}{selection}."


@dataclass
class CorridorImport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    segments: int = 0
    skipped_unnamed: int = 0
    slugs: list[str] = field(default_factory=list)


@dataclass
class _Stretch:
    """One corridor to be: a road's segments that hang together, in metres."""

    name: str
    slug: str
    lines: list[ShapelyLine]
    approximate: bool
    properties: dict[str, Any]


# --- Reading a source -------------------------------------------------------------------


def _json_scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _iter_segments(
    path: Path, *, layer: str | int, name_field: str | None
) -> Iterator[tuple[str | None, dict[str, Any], list[ShapelyLine]]]:
    """Yield (road name or None, attributes, lines in the metric SRID) per feature."""
    try:
        source = DataSource(str(path))
        ogr_layer = source[layer]
    except Exception as exc:  # GDAL raises its own error types for unreadable files and layers
        raise ValidationError({"path": CANNOT_OPEN.format(path=path, error=exc)}) from exc
    if ogr_layer.geom_type.name not in LINE_TYPES:
        raise ValidationError({"geometry": NOT_LINES.format(kind=ogr_layer.geom_type.name)})
    fields = list(ogr_layer.fields)
    if name_field is not None and name_field not in fields:
        raise ValidationError({"name_field": f"Field {name_field!r} is not in the layer; it has {fields}."})
    name_key = name_field or next((name for name in NAME_FIELDS if name in fields), None)
    if name_key is None and SLUG_FIELD not in fields:
        raise ValidationError({"name_field": NO_NAME_FIELD.format(fields=fields)})
    for feature in ogr_layer:
        ogr_geom = feature.geom
        if ogr_geom.srs is None:
            ogr_geom.srs = "EPSG:4326"  # GeoJSON without a crs member is WGS84 by RFC 7946
        ogr_geom.transform(coord_transform(ogr_geom.srs, settings.METRIC_SRID))
        shape = shapely_wkb.loads(bytes(ogr_geom.wkb))
        lines = list(shape.geoms) if isinstance(shape, ShapelyMultiLine) else [shape]
        lines = [ShapelyLine([c[:2] for c in line.coords]) for line in lines if line.length > 0]
        attributes = {key: _json_scalar(feature.get(key)) for key in fields}
        raw_name = attributes.get(name_key) if name_key else None
        name = str(raw_name).strip() if raw_name not in (None, "") else None
        yield name, attributes, lines


def _common_properties(rows: list[dict[str, Any]], skip: set[str]) -> dict[str, Any]:
    """Attributes whose value is the same on every segment of a road (the rest vary)."""
    first = rows[0]
    return {
        key: value
        for key, value in first.items()
        if key not in skip and value not in (None, "") and all(row.get(key) == value for row in rows)
    }


def _stretches_of(lines: list[ShapelyLine], join_gap_m: float) -> list[list[ShapelyLine]]:
    """Split one road's lines into groups that touch within `join_gap_m` (union-find)."""
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree = STRtree(lines)
    for i, line in enumerate(lines):
        for j in tree.query(line.buffer(join_gap_m)):
            if j != i and line.distance(lines[int(j)]) <= join_gap_m:
                parent[find(i)] = find(int(j))
    groups: dict[int, list[ShapelyLine]] = defaultdict(list)
    for i, line in enumerate(lines):
        groups[find(i)].append(line)
    # Deterministic order: west to east, then south to north.
    return sorted(groups.values(), key=lambda group: unary_union(group).bounds[:2])


def _thread(parts: list[ShapelyLine], parallel_m: float) -> tuple[ShapelyLine, int]:
    """One line through a stretch's parts, for measuring along the road.

    The longest part is the spine; a part lying within `parallel_m` of what is already kept
    (the other carriageway of a dual carriageway, a slip road) is left out of the route;
    the rest are attached in turn at whichever end of the route is nearest, the gap closed
    by a straight piece (roundabouts and junctions that the source leaves out).
    Returns the route and the number of parts left out of it.
    """
    ordered = sorted(parts, key=lambda part: (-part.length, part.bounds))
    kept: list[ShapelyLine] = []
    for part in ordered:
        if kept and part.hausdorff_distance(unary_union(kept)) <= parallel_m:
            continue
        kept.append(part)
    route = list(kept[0].coords)
    rest = kept[1:]
    while rest:
        head, tail = ShapelyPoint(route[0]), ShapelyPoint(route[-1])
        best = None
        for index, part in enumerate(rest):
            coords = list(part.coords)
            start, end = ShapelyPoint(coords[0]), ShapelyPoint(coords[-1])
            options = (
                (tail.distance(start), index, "tail", coords),
                (tail.distance(end), index, "tail", coords[::-1]),
                (head.distance(end), index, "head", coords),
                (head.distance(start), index, "head", coords[::-1]),
            )
            candidate = min(options, key=lambda option: option[0])
            if best is None or candidate[0] < best[0]:
                best = candidate
        _, index, side, coords = best
        if side == "tail":
            route = route + (coords[1:] if coords[0] == route[-1] else coords)
        else:
            route = (coords[:-1] if coords[-1] == route[0] else coords) + route
        rest.pop(index)
    return ShapelyLine(route), len(parts) - len(kept)


def read_corridors(
    path: Path,
    *,
    layer: str | int = 0,
    name_field: str | None = None,
    roads: list[str] | None = None,
    approximate: bool = False,
    join_gap_m: float = 100.0,
    parallel_m: float = 30.0,
) -> tuple[list[_Stretch], int]:
    """Group a line source's segments into corridors (geometry in the metric SRID);
    returns them and the number of segments skipped for want of a name.

    Segments are grouped by their `slug` attribute where the source has one, else by road
    name; `roads` keeps only the named roads (case-insensitive). A name that occurs in
    stretches more than `join_gap_m` apart becomes one corridor per stretch. Raises
    ValidationError for unreadable sources, non-line layers or a missing name field.
    """
    wanted = {road.casefold() for road in roads} if roads else None
    groups: dict[str, dict[str, Any]] = {}
    skipped = 0
    for name, attributes, lines in _iter_segments(path, layer=layer, name_field=name_field):
        slug_value = attributes.get(SLUG_FIELD)
        key = str(slug_value) if slug_value else (slugify(name) if name else "")
        if not key or not lines:
            skipped += 1
            continue
        display = name or str(slug_value)
        if wanted is not None and display.casefold() not in wanted and key not in wanted:
            continue
        group = groups.setdefault(key, {"name": display, "rows": [], "lines": [], "explicit": bool(slug_value)})
        group["rows"].append(attributes)
        group["lines"].extend(lines)
    stretches: list[_Stretch] = []
    for key, group in sorted(groups.items()):
        rows = group["rows"]
        marked = any(row.get(APPROXIMATE_FIELD) in (True, 1, "true", "True", "yes") for row in rows)
        properties = _common_properties(rows, skip={SLUG_FIELD, APPROXIMATE_FIELD, name_field or "", *NAME_FIELDS})
        pieces = [group["lines"]] if group["explicit"] else _stretches_of(group["lines"], join_gap_m)
        for number, piece in enumerate(pieces, start=1):
            slug = key if len(pieces) == 1 else f"{key}-{number}"
            name = group["name"] if len(pieces) == 1 else f"{group['name']} ({number})"
            merged = linemerge(piece)
            parts = list(merged.geoms) if isinstance(merged, ShapelyMultiLine) else [merged]
            stretches.append(
                _Stretch(
                    name=name,
                    slug=slug[:100],
                    lines=parts,
                    approximate=approximate or marked,
                    properties={**properties, "segments": len(piece)},
                )
            )
    return stretches, skipped


# --- Writing ----------------------------------------------------------------------------


def _to_storage(line: ShapelyLine) -> LineString:
    """The line in lon/lat, to 7 decimals (about 1 cm): the round trip through the metric
    SRID then gives back the source's own coordinates."""
    geos = GEOSGeometry(memoryview(line.wkb), srid=settings.METRIC_SRID)
    geos.transform(coord_transform(settings.METRIC_SRID, 4326))
    return LineString([(round(x, 7), round(y, 7)) for x, y in geos.coords], srid=4326)


@transaction.atomic
def corridors_load(
    *,
    path: Path,
    layer: str | int = 0,
    name_field: str | None = None,
    roads: list[str] | None = None,
    approximate: bool = False,
    prune: bool = False,
    join_gap_m: float = 100.0,
    parallel_m: float = 30.0,
    progress: Callable[[int, int, Corridor, bool], None] | None = None,
) -> CorridorImport:
    """Upsert corridors by slug from any OGR line source (see `read_corridors`), measure
    each route's length in the metric SRID and record the boroughs it crosses.

    Idempotent: loading the same source twice changes nothing but `updated_at`. With `prune`,
    corridors whose slug is not in this source are deleted. Raises ValidationError for an
    unusable source or one with no named lines.
    """
    stretches, skipped = read_corridors(
        path,
        layer=layer,
        name_field=name_field,
        roads=roads,
        approximate=approximate,
        join_gap_m=join_gap_m,
        parallel_m=parallel_m,
    )
    if not stretches:
        selection = f" among {', '.join(roads)}" if roads else ""
        raise ValidationError({"path": NOTHING_TO_LOAD.format(path=path, selection=selection)})
    result = CorridorImport(skipped_unnamed=skipped)
    for index, stretch in enumerate(stretches, start=1):
        line, left_out = _thread(stretch.lines, parallel_m)
        route = _to_storage(line)
        if left_out:
            stretch.properties["parts_left_out_of_route"] = left_out
        geom = MultiLineString([_to_storage(line) for line in stretch.lines], srid=4326)
        corridor, created = Corridor.objects.update_or_create(
            slug=stretch.slug,
            defaults={
                "name": stretch.name,
                "geom": geom,
                "route": route,
                "length_m": 0.0,
                "approximate": stretch.approximate,
                "properties": stretch.properties,
            },
        )
        # Measured by PostGIS in the metric SRID, exactly as the planning SQL measures along it.
        Corridor.objects.filter(pk=corridor.pk).update(length_m=Length(metric("route")))
        corridor.refresh_from_db(fields=["length_m"])
        _assign_boroughs(corridor)
        result.created += created
        result.updated += not created
        result.segments += stretch.properties["segments"]
        result.slugs.append(corridor.slug)
        if progress:
            progress(index, len(stretches), corridor, created)
    if prune:
        _, per_model = Corridor.objects.exclude(slug__in=result.slugs).delete()
        result.removed = per_model.get(Corridor._meta.label, 0)
    return result


def _assign_boroughs(corridor: Corridor) -> None:
    corridor.boroughs.set(Borough.objects.filter(geom__intersects=corridor.route))


def corridors_assign_boroughs() -> int:
    """Re-record the boroughs every corridor crosses (after boundaries are (re)loaded).
    Returns the number of corridors updated."""
    corridors = list(Corridor.objects.only("id", "route"))
    for corridor in corridors:
        _assign_boroughs(corridor)
    return len(corridors)
