"""Loading named stop points: TfL's bus-stop sequences (see ../shared/realdata/README.md).

Each CSV row is one stop of one route's run, with its position in British National Grid
metres (`Location_Easting`, `Location_Northing`). Stops repeat across routes and runs; one
`NamedStop` is kept per TfL stop id (`Stop_Code_LBSL`) with the routes that serve it. The
positions go to PostGIS as BNG points and are transformed to lon/lat there.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction

from ebikeops.core.spatial import coord_transform

from .models import NamedStop

SOURCE = "tfl-bus-sequences-2016"
COLUMNS = ("Route", "Stop_Code_LBSL", "Stop_Name", "Location_Easting", "Location_Northing")
NO_FILES = "No bus-sequences CSV files in {path}."
MISSING_COLUMNS = "{path} lacks the columns {missing}."

# TfL's short forms, spelled out so a sergeant can read a name aloud.
WORDS = {"STN": "Station", "RD": "Road", "GDNS": "Gardens", "GRN": "Green", "LN": "Lane", "AVE": "Avenue"}
SMALL = {"and", "of", "the", "by", "at", "on"}


def readable(source_name: str) -> str:
    """'EALING BROADWAY STATION <> #' -> 'Ealing Broadway Station'; "SHEPHERD'S BUSH" ->
    "Shepherd's Bush". TfL marks Underground stations with <> and rail stations with #."""
    words = source_name.replace("<>", " ").replace("#", " ").replace("/", " / ").split()
    out = []
    for i, word in enumerate(words):
        if word.upper() in WORDS:
            out.append(WORDS[word.upper()])
        elif i and word.lower() in SMALL:
            out.append(word.lower())
        else:
            out.append(word[:1].upper() + word[1:].lower())
    return " ".join(out).replace(" / ", " / ")


@dataclass
class StopsLoad:
    files: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    codes: set[str] = field(default_factory=set)


def _rows(path: Path) -> Iterable[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError({"path": MISSING_COLUMNS.format(path=path, missing=", ".join(missing))})
        yield from reader


def _collect(paths: list[Path], result: StopsLoad) -> dict[str, dict]:
    stops: dict[str, dict] = {}
    for path in paths:
        result.files += 1
        for row in _rows(path):
            result.rows += 1
            code = row["Stop_Code_LBSL"].strip()
            if not code:
                continue
            stop = stops.setdefault(
                code,
                {
                    "source_name": row["Stop_Name"].strip(),
                    "easting": float(row["Location_Easting"]),
                    "northing": float(row["Location_Northing"]),
                    "routes": set(),
                },
            )
            stop["routes"].add(row["Route"].strip())
    return stops


@transaction.atomic
def named_stops_load(*, directory: Path | None = None) -> StopsLoad:
    """Upsert the stops of every `bus-sequences*.csv` in `directory` (default
    settings.TFL_STOPS_DIR) by TfL stop id; loading the same files twice changes nothing.
    Raises ValidationError keyed by `path` when there are no files or a file lacks columns."""
    directory = directory or settings.TFL_STOPS_DIR
    paths = sorted(Path(directory).glob("bus-sequences*.csv"))
    if not paths:
        raise ValidationError({"path": NO_FILES.format(path=directory)})
    result = StopsLoad()
    stops = _collect(paths, result)
    existing = set(NamedStop.objects.filter(code__in=stops).values_list("code", flat=True))
    to_lon_lat = coord_transform(27700, 4326)
    rows = []
    for code, stop in sorted(stops.items()):
        point = Point(stop["easting"], stop["northing"], srid=27700)
        point.transform(to_lon_lat)  # GEOS/PROJ, in the database process's libraries; no maths here
        rows.append(
            NamedStop(
                code=code,
                name=readable(stop["source_name"]),
                source_name=stop["source_name"],
                source=SOURCE,
                point=Point(round(point.x, 6), round(point.y, 6), srid=4326),
                routes=sorted(stop["routes"], key=lambda r: (len(r), r)),
            )
        )
    # One INSERT ... ON CONFLICT (code) DO UPDATE per batch, not a SELECT and a write per stop.
    NamedStop.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "source_name", "source", "point", "routes"],
    )
    result.created = len(set(stops) - existing)
    result.updated = len(existing)
    result.codes = set(stops)
    return result
