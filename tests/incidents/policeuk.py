"""The shared real police.uk files, and a reference count made without the database."""

import csv
import json
from pathlib import Path

from django.conf import settings
from shapely.geometry import Point, shape
from shapely.ops import unary_union
from shapely.prepared import prep

REALDATA = settings.REPO_DIR.parent / "shared" / "realdata" / "policeuk"
COLP = REALDATA / "city-of-london"
MPS = REALDATA / "metropolitan-burglary"
HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context")  # fmt: skip


def london():
    with Path(settings.BOROUGHS_FILE).open() as stream:
        features = json.load(stream)["features"]
    return prep(unary_union([shape(f["geometry"]) for f in features]))


def reference(files: list[Path]) -> dict:
    """Counts as the realdata README makes them (shapely `contains` against the boroughs'
    union), and the incidents an importer keeping one per crime ID should store."""
    area = london()
    counts = {"rows": 0, "no_location": 0, "outside": 0, "inside": 0}
    keys: set[str] = set()
    without_id = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                counts["rows"] += 1
                if not row["Longitude"]:
                    counts["no_location"] += 1
                    continue
                if not area.contains(Point(float(row["Longitude"]), float(row["Latitude"]))):
                    counts["outside"] += 1
                    continue
                counts["inside"] += 1
                if row["Crime ID"]:
                    keys.add(row["Crime ID"])
                else:
                    without_id += 1
    counts["incidents"] = len(keys) + without_id
    return counts
