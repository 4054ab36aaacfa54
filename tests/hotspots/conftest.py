"""Hand-laid seizure layouts for the hotspot engine.

Layouts are written in metres east/north of named places (British National Grid); GeoDjango
(GDAL/PROJ) turns them into lon/lat, so no degree arithmetic happens in the tests either.
"""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point

from ebikeops.core.spatial import coord_transform
from ebikeops.operations.boroughs import boroughs_assign_all
from tests import places
from tests.factories import T0, OperationFactory, SeizureFactory

# Window that holds every seizure below (they are all seized within days of T0).
SINCE = T0 - timedelta(days=30)
UNTIL = T0 + timedelta(days=30)
EPS_M = 50.0
MIN_POINTS = 5


# Built once: `transform(srid)` sets up a new transformation per call (14 ms of CPU; see
# core.spatial.coord_transform), and a layout lays dozens of points.
TO_METRIC = coord_transform(4326, 27700)
TO_LON_LAT = coord_transform(27700, 4326)


def offset(place: Point, east_m: float, north_m: float) -> Point:
    """`place` moved east and north by metres (in EPSG:27700), back in SRID 4326."""
    metric = place.transform(TO_METRIC, clone=True)
    moved = Point(metric.x + east_m, metric.y + north_m, srid=27700)
    return moved.transform(TO_LON_LAT, clone=True)


# Three dense clusters: 12 seizures on a 10 m grid in Ealing; 10 in Soho, four of them on one
# coordinate; 8 in a 6 m ring at Shepherd's Bush Green.
EALING = [(10.0 * (i % 4), 10.0 * (i // 4)) for i in range(12)]
SOHO = [(0.0, 0.0)] * 4 + [(8.0 * k, 5.0) for k in range(6)]
SHEPHERDS_BUSH = [(6.0 * dx, 6.0 * dy) for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (2, 1), (0, 2), (1, 2))]
# Scattered noise: each at least 600 m from the clusters and from each other.
NOISE = [
    (places.EALING_BROADWAY, 800.0, 900.0),
    (places.EALING_BROADWAY, -1500.0, -700.0),
    (places.DEAN_STREET, 900.0, -800.0),
    (places.DEAN_STREET, -1000.0, 1200.0),
    (places.SHEPHERDS_BUSH_GREEN, 1300.0, 0.0),
    (places.ACTON_TOWN_HALL, 0.0, 0.0),
]


def lay(operation, base: Point, offsets, *, start=T0, step=timedelta(minutes=1), **fields) -> list:
    """Seizures at `base` + each (east_m, north_m), `step` apart from `start`."""
    return [
        SeizureFactory(operation=operation, point=offset(base, east, north), seized_at=start + i * step, **fields)
        for i, (east, north) in enumerate(offsets)
    ]


@pytest.fixture
def operation(boroughs):
    return OperationFactory(name="Operation Layout", started_at=T0 - timedelta(hours=1))


@pytest.fixture
def planted(operation):
    """The three clusters and the noise; returns {"ealing": [...], "soho": [...],
    "shepherds_bush": [...], "noise": [...]} of seizures."""
    layout = {
        "ealing": lay(operation, places.EALING_BROADWAY, EALING),
        "soho": lay(operation, places.DEAN_STREET, SOHO),
        "shepherds_bush": lay(operation, places.SHEPHERDS_BUSH_GREEN, SHEPHERDS_BUSH),
        "noise": [lay(operation, base, [(east, north)])[0] for base, east, north in NOISE],
    }
    boroughs_assign_all()
    return layout


def window() -> dict:
    return {"since": SINCE, "until": UNTIL, "now": UNTIL}
