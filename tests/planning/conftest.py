"""Hand-laid scenarios on the shipped corridors (settings.CORRIDORS_FILE).

The moment planned for is T0, Saturday 29 November 2025 13:00 UTC (= London time). History
lies on the seven Saturdays before it, 14:30-16:30, so the busiest window is
"Saturday 14:00-18:00".
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.gis.geos import MultiPoint, Point

from ebikeops.areas.corridors import corridors_load
from ebikeops.areas.models import Corridor
from ebikeops.core.models import Source

from ..factories import T0, OperationFactory, SeizureFactory, UserFactory

# Off-corridor places come from stored hotspot runs when that app is installed: one query more.
HOTSPOT_RUN_LOOKUP = int(apps.is_installed("ebikeops.hotspots"))

AT = T0  # Saturday 13:00
NOW = T0

# On Uxbridge Road, Ealing: Ealing Broadway and West Ealing are 1.2 km apart.
EALING_BROADWAY = (-0.3020, 51.5128)
WEST_EALING = (-0.3190, 51.5128)
# On Kingsland Road, Hackney: Haggerston and Dalston Junction, 730 m apart.
HAGGERSTON = (-0.0768, 51.5320)
DALSTON = (-0.0757, 51.5385)
# Off every corridor: Wood Green High Road (2.5 km from Tottenham High Road).
WOOD_GREEN = (-0.1066, 51.5975)
# A ring of offsets about 10-20 m across, so no two seizures share a point exactly except
# where the layout says so.
JITTER = ((0, 0), (0.0001, 0), (-0.0001, 0), (0, 0.0001), (0.0002, -0.0001), (-0.0002, 0.0001))


def pt(lon_lat, jitter=(0, 0)) -> Point:
    return Point(lon_lat[0] + jitter[0], lon_lat[1] + jitter[1], srid=4326)


def saturdays(weeks: int = 7):
    """The Saturdays before T0, most recent first."""
    return [T0 - timedelta(days=7 * n) for n in range(1, weeks + 1)]


def seizures_at(
    places,
    *,
    days,
    per_place: int,
    operation_name: str,
    officer_count: int = 6,
    hour: int = 14,
    minute: int = 30,
    source=Source.FIELD,
):
    """One operation per day at `places` (its stop points), each with `per_place` seizures
    near every place between `hour`:`minute` and two hours later. Returns the operations."""
    lead = UserFactory(username=f"lead-{operation_name.lower().replace(' ', '-')}")
    operations = []
    for day in days:
        start = day.replace(hour=hour - 1, minute=0)
        operation = OperationFactory(
            name=f"{operation_name} {day:%d %b}",
            started_at=start,
            ended_at=start + timedelta(hours=4),
            location=pt(places[0]),
            stop_points=MultiPoint([pt(p) for p in places], srid=4326),
            officer_count=officer_count,
            lead_officer=lead,
            source=source,
        )
        for place in places:
            for n in range(per_place):
                SeizureFactory(
                    operation=operation,
                    point=pt(place, JITTER[n % len(JITTER)]),
                    seized_at=day.replace(hour=hour, minute=minute) + timedelta(minutes=20 * n),
                )
        operations.append(operation)
    return operations


@pytest.fixture
def corridors(boroughs):
    corridors_load(path=settings.CORRIDORS_FILE)
    return {c.slug: c for c in Corridor.objects.all()}


@pytest.fixture
def uxbridge_saturdays(corridors):
    """Seven Saturday-afternoon operations on Uxbridge Road in Ealing: three seizures each
    at Ealing Broadway and at West Ealing (42 in all)."""
    return seizures_at([EALING_BROADWAY, WEST_EALING], days=saturdays(), per_place=3, operation_name="Uxbridge")


@pytest.fixture
def kingsland_saturdays(corridors):
    """The same on Kingsland Road in Hackney: equally busy."""
    return seizures_at([HAGGERSTON, DALSTON], days=saturdays(), per_place=3, operation_name="Kingsland")
