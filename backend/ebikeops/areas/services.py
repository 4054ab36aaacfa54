"""Writes about areas: importing borough boundaries and assigning records to boroughs."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException, OGRGeomType
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction

from ebikeops.core.spatial import coord_transform

from .corridors import corridors_assign_boroughs
from .functions import ForcePolygonCCW
from .models import Borough
from .signals import boroughs_reloaded

NAME_FIELDS = ("name", "NAME", "lad_name", "LAD22NM", "LAD23NM")
CODE_FIELDS = ("gss_code", "GSS_CODE", "code", "LAD22CD", "LAD23CD")


@dataclass
class BoroughImport:
    created: int = 0
    updated: int = 0
    records_assigned: int = 0


def _pick(fields: list[str], candidates: tuple[str, ...], explicit: str | None, what: str) -> str:
    if explicit:
        if explicit not in fields:
            raise ValidationError({what: f"Field {explicit!r} is not in the layer; it has {fields}."})
        return explicit
    for name in candidates:
        if name in fields:
            return name
    raise ValidationError({what: f"No {what} among the layer's fields {fields}; name one."})


POLYGON_TYPES = {"Polygon", "MultiPolygon", "Polygon25D", "MultiPolygon25D"}
# GDAL declares a layer `Unknown` when its features may be of several types: a GeoJSON file
# mixing Polygon and MultiPolygon, a GeoPackage or PostGIS table with a generic GEOMETRY
# column. Such a layer is read and each feature is checked on its own.
ACCEPTED_LAYER_TYPES = POLYGON_TYPES | {"Unknown"}

NOT_POLYGONS = "Layer holds {geom_type}, not polygons."
FEATURE_NOT_POLYGON = (
    "Feature {index} ({name!r}, {code}) is a {geom_type}; a borough needs a Polygon or MultiPolygon. "
    "Remove or fix that feature and load the file again (nothing was loaded)."
)


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    if geom.geom_type == "MultiPolygon":
        return geom
    raise ValidationError({"geometry": f"Expected polygons, found {geom.geom_type}."})


def iter_borough_features(
    path: Path, *, name_field: str | None = None, code_field: str | None = None
) -> Iterator[tuple[str, str, MultiPolygon]]:
    """Yield (name, gss_code, multipolygon in SRID 4326) from any OGR source (GeoJSON,
    Shapefile, GeoPackage...) in any CRS. Raises ValidationError for unusable sources and
    for any feature that is not a polygon (with its position, name and code)."""
    try:
        source = DataSource(str(path))
    except Exception as exc:  # GDAL raises its own error types for unreadable files
        raise ValidationError({"path": f"Cannot open {path} as a vector source: {exc}"}) from exc
    layer = source[0]
    if layer.geom_type.name not in ACCEPTED_LAYER_TYPES:
        raise ValidationError({"geometry": NOT_POLYGONS.format(geom_type=layer.geom_type.name)})
    fields = list(layer.fields)
    name_key = _pick(fields, NAME_FIELDS, name_field, "name_field")
    code_key = _pick(fields, CODE_FIELDS, code_field, "code_field")
    for index, feature in enumerate(layer, start=1):
        name, code = str(feature.get(name_key)), str(feature.get(code_key))
        try:
            ogr_geom = feature.geom
        except GDALException:  # a feature without a geometry
            ogr_geom = None
        geom_type = ogr_geom.geom_type.name if ogr_geom is not None else "feature without a geometry"
        if geom_type not in POLYGON_TYPES:
            raise ValidationError(
                {"geometry": FEATURE_NOT_POLYGON.format(index=index, name=name, code=code, geom_type=geom_type)}
            )
        if ogr_geom.srs is None:
            ogr_geom.srs = "EPSG:4326"  # GeoJSON without a crs member is WGS84 by RFC 7946
        ogr_geom.transform(coord_transform(ogr_geom.srs, 4326))
        if ogr_geom.geom_type == OGRGeomType("Polygon25D") or ogr_geom.coord_dim == 3:
            ogr_geom.coord_dim = 2
        geom = _as_multipolygon(GEOSGeometry(ogr_geom.wkb, srid=4326))
        if not geom.valid:
            geom = _as_multipolygon(geom.make_valid())
        yield name, code, geom


@transaction.atomic
def boroughs_load(
    *,
    path: Path,
    name_field: str | None = None,
    code_field: str | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> BoroughImport:
    """Upsert boroughs by GSS code from `path`, then re-assign every record's borough.

    Idempotent: loading the same file twice changes nothing. Raises ValidationError when
    the source cannot be read or lacks a name/code field.
    """
    result = BoroughImport()
    for index, (name, code, geom) in enumerate(
        iter_borough_features(path, name_field=name_field, code_field=code_field), start=1
    ):
        _, created = Borough.objects.update_or_create(gss_code=code, defaults={"name": name, "geom": geom})
        if created:
            result.created += 1
        else:
            result.updated += 1
        if progress:
            progress(index, name)
    # Boundary files often wind their rings clockwise; stored counterclockwise, the GeoJSON
    # that every endpoint writes from them keeps RFC 7946's right-hand rule.
    Borough.objects.update(geom=ForcePolygonCCW("geom"))
    # The apps with point records re-assign them (areas cannot import them: it is below them).
    result.records_assigned = sum(count for _, count in boroughs_reloaded.send(sender=Borough))
    corridors_assign_boroughs()  # corridors cross the reloaded boundaries
    return result
