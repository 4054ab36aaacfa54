"""The demo: the two announced operations, and a synthetic year that is labelled and seeded."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from ebikeops.core.models import Source
from ebikeops.operations.models import Arrest, Operation, Seizure

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(boroughs):
    call_command("load_demo", end=date(2026, 11, 28), stdout=StringIO())


def test_it_holds_the_two_announced_operations(demo):
    uxbridge = Operation.objects.get(reference="MPS-2025-11-29-UXBRIDGE-ROAD")
    assert uxbridge.started_at.date() == date(2025, 11, 29) and uxbridge.started_at.weekday() == 5
    assert uxbridge.seizures.count() == 12 and uxbridge.arrests.count() == 1
    assert set(uxbridge.seizures.values_list("vehicle_type", flat=True)) == {"e_bike", "e_scooter"}
    assert uxbridge.borough.name == "Ealing" and len(uxbridge.stop_points) >= 3
    assert {s.borough.name for s in uxbridge.seizures.select_related("borough")} == {"Ealing"}

    circus = Operation.objects.get(reference="MPS-2025-12-05-CAMBRIDGE-CIRCUS")
    assert circus.started_at.date() == date(2025, 12, 5) and circus.started_at.weekday() == 4
    assert circus.seizures.filter(vehicle_type="e_bike").count() == 16 == circus.seizures.count()
    arrest = circus.arrests.get()
    assert (arrest.offence_category, arrest.warrant_offence_category) == ("wanted_on_warrant", "sexual_offence")
    for real in (uxbridge, circus):
        assert real.source == Source.IMPORT


def test_it_labels_a_synthetic_year_along_the_corridors(demo):
    synthetic = Seizure.objects.filter(source=Source.DEMO)
    assert 2300 <= synthetic.count() <= 2700
    assert not synthetic.filter(borough__isnull=True).exists()
    by_borough = dict(synthetic.values_list("borough__name").annotate(n=Count("id")))
    assert by_borough["Westminster"] > by_borough.get("Bromley", 0) and by_borough["Ealing"] > 200
    duplicates = synthetic.count() - synthetic.values("point").distinct().count()
    assert duplicates > 100, "coordinates are snapped to shared map points"
    saturdays = synthetic.filter(seized_at__week_day=7).count()
    assert saturdays > synthetic.count() / 7 * 1.5
    assert all(
        "SYNTHETIC" in notes for notes in Operation.objects.filter(source=Source.DEMO).values_list("notes", flat=True)
    )


def test_it_is_deterministic_and_replaces_itself(demo):
    first = list(
        Seizure.objects.filter(source=Source.DEMO).order_by("seized_at", "point").values_list("seized_at", "point")
    )
    call_command("load_demo", end=date(2026, 11, 28), stdout=StringIO())
    second = list(
        Seizure.objects.filter(source=Source.DEMO).order_by("seized_at", "point").values_list("seized_at", "point")
    )
    assert [(t, p.coords) for t, p in first] == [(t, p.coords) for t, p in second]
    assert Operation.objects.filter(source=Source.IMPORT).count() == 2
    assert Arrest.objects.filter(operation__reference__startswith="MPS-").count() == 2
