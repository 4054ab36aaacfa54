"""The demo year through the engines, as `make run` serves it: hotspots lie along the
corridors the demo was generated around, and the suggestion API sends an officer in Ealing on
a Saturday afternoon to Uxbridge Road."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.core.management import call_command

from ebikeops.areas.corridors import corridors_load
from ebikeops.areas.models import Corridor
from ebikeops.hotspots.models import Hotspot

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
EALING_BROADWAY = (-0.3020, 51.5130)
SATURDAY_AFTERNOON = datetime(2026, 11, 21, 14, 0, tzinfo=LONDON)  # inside the demo year


@pytest.fixture
def demo_year(boroughs):
    corridors_load(path=settings.CORRIDORS_FILE)
    call_command("load_demo", end=date(2026, 11, 28), stdout=StringIO())
    call_command("compute_hotspots", "--since", "2025-11-28", "--until", "2026-11-27", stdout=StringIO())


def test_the_demo_year_makes_hotspots_along_its_corridors_and_suggestions_on_them(demo_year, officer_client):
    hotspots = list(Hotspot.objects.filter(run__status="completed").order_by("rank"))
    assert len(hotspots) >= 10
    routes = list(Corridor.objects.annotate(metric=Transform("route", settings.METRIC_SRID)).values_list("metric"))

    def near_a_corridor(hotspot) -> bool:
        centre = hotspot.centroid.transform(settings.METRIC_SRID, clone=True)
        return any(centre.distance(route) <= 150 for (route,) in routes)

    # The demo lays 11 of its 14 scenes along corridors, weighted towards them.
    on_corridors = [h for h in hotspots if near_a_corridor(h)]
    assert near_a_corridor(hotspots[0]), "the biggest hotspot lies on a corridor"
    assert len(on_corridors) / len(hotspots) >= 0.7
    assert any(h.seizure_count >= 20 for h in on_corridors if h.centroid.x < -0.28), "hotspots on Uxbridge Road"

    response = officer_client.get(
        "/api/v1/suggestions/",
        {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "radius_m": 3000, "at": SATURDAY_AFTERNOON.isoformat()},
    )
    assert response.status_code == 200, response.content
    top = response.json()["features"][0]["properties"]
    assert top["corridor"] == "uxbridge-road"
    assert len(top["stops"]) >= 2
    assert top["time_windows"][0]["weekday"] == "Saturday"
    assert "seizures" in top["rationale"] and "within 75 m" in top["rationale"]
