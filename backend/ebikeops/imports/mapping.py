"""The column-mapping file (TOML): which column of the file fills which field, value maps, the
time zone of naive times and the CRS of coordinate columns. See docs/import.md.

    source_system = "colp-niche"          # required: external references are unique per system
    timezone = "Europe/London"            # naive times are read in this zone
    crs = "EPSG:27700"                    # of the longitude/latitude columns (CSV only)
    delimiter = ","                       # CSV only
    [columns]                             # field = "column header in the file"
    external_ref = "SEIZURE_REF"
    [defaults]                            # field = constant, where the file has no column
    power = "pra_2002_s59"
    [values.vehicle_type]                 # value in the file = value in ebike-ops
    "PEDAL CYCLE (ELECTRIC)" = "e_bike"
"""

import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import SpatialReference
from django.contrib.gis.gdal.error import GDALException, SRSException

from . import errors
from .kinds import Kind


class MappingError(ValueError):
    """The mapping (or the file's header) cannot be used: the import stops and writes nothing."""


@dataclass(frozen=True)
class Mapping:
    source_system: str
    columns: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timezone: str = "Europe/London"
    srid: int = 4326
    delimiter: str = ","

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_system": self.source_system,
            "columns": self.columns,
            "defaults": self.defaults,
            "values": self.values,
            "timezone": self.timezone,
            "crs": f"EPSG:{self.srid}",
            "delimiter": self.delimiter,
        }


def _srid(value: str) -> int:
    match = re.fullmatch(r"(?i)(?:EPSG:)?(\d{4,6})", str(value).strip())
    if not match:
        raise MappingError(errors.MAPPING_BAD_CRS.format(value=value))
    try:
        SpatialReference(int(match.group(1)))
    except (GDALException, SRSException):
        raise MappingError(errors.MAPPING_BAD_CRS.format(value=value)) from None
    return int(match.group(1))


def mapping_parse(data: dict[str, Any], *, kind: Kind) -> Mapping:
    """A Mapping from parsed TOML; raises MappingError naming the first problem."""
    source_system = str(data.get("source_system") or "").strip()
    if not source_system:
        raise MappingError(errors.MAPPING_NO_SOURCE_SYSTEM)
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    defaults = {str(k): str(v) for k, v in (data.get("defaults") or {}).items()}
    values = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("values") or {}).items()}
    known = ", ".join(kind.fields)
    for name in (*columns, *defaults, *values):
        if name not in kind.fields:
            raise MappingError(errors.MAPPING_UNKNOWN_FIELD.format(field=name, kind=kind.name, known=known))
    timezone = str(data.get("timezone") or "Europe/London")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError(errors.MAPPING_BAD_TIMEZONE.format(value=timezone)) from None
    return Mapping(
        source_system=source_system,
        columns=columns,
        defaults=defaults,
        values=values,
        timezone=timezone,
        srid=_srid(data.get("crs") or "EPSG:4326"),
        delimiter=str(data.get("delimiter") or ","),
    )


def mapping_load(text: str, *, kind: Kind) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(errors.MAPPING_INVALID.format(error=exc)) from None
    return mapping_parse(data, kind=kind)


def mapping_read(path: Path, *, kind: Kind) -> Mapping:
    return mapping_load(Path(path).read_text(encoding="utf-8"), kind=kind)


def resolve_columns(mapping: Mapping, header: list[str], *, kind: Kind, geometry: bool) -> dict[str, int]:
    """Map each field to the index of its file column. For GDAL sources (`geometry`) the
    point comes from the geometry (columns X and Y, already in WGS84).

    Raises MappingError for a missing column or a required field with neither column nor default.
    """
    columns = dict(mapping.columns)
    if geometry:
        columns["longitude"], columns["latitude"] = "X", "Y"
    index = {name: i for i, name in enumerate(header)}
    resolved = {}
    for name, column in columns.items():
        if column not in index:
            raise MappingError(errors.MAPPING_NO_COLUMN.format(column=column, field=name))
        resolved[name] = index[column]
    for name in kind.required:
        if name not in resolved and name not in mapping.defaults:
            raise MappingError(errors.MAPPING_MISSING_FIELD.format(field=name))
    return resolved
