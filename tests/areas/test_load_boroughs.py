"""Borough import from OGR sources and spatial assignment, on the real boundaries."""

import json
import subprocess
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ebikeops.areas.models import Borough
from ebikeops.areas.selectors import borough_for_point
from ebikeops.areas.services import boroughs_load
from ebikeops.operations.models import Seizure
from tests import places
from tests.factories import SeizureFactory

pytestmark = pytest.mark.django_db


def test_it_loads_33_boroughs_idempotently_with_progress(boroughs):
    out = StringIO()
    call_command("load_boroughs", str(settings.BOROUGHS_FILE), stdout=out)
    assert Borough.objects.count() == 33
    assert "[ 33]" in out.getvalue() and "0 created, 33 updated" in out.getvalue()
    ealing = Borough.objects.get(gss_code="E09000009")
    assert ealing.name == "Ealing" and ealing.geom.geom_type == "MultiPolygon" and ealing.geom.valid


@pytest.mark.parametrize(
    ("point", "name"),
    [
        (places.EALING_BROADWAY, "Ealing"),
        (places.HANWELL_BROADWAY, "Ealing"),
        (places.SOUTHALL_BROADWAY, "Ealing"),
        (places.ACTON_TOWN_HALL, "Ealing"),
        (places.SHEPHERDS_BUSH_GREEN, "Hammersmith and Fulham"),
        (places.LEICESTER_SQUARE, "Westminster"),
        (places.DEAN_STREET, "Westminster"),
    ],
)
def test_it_finds_the_borough_of_a_point(boroughs, point, name):
    assert borough_for_point(point).name == name


def test_it_assigns_existing_records_when_boundaries_load(boroughs):
    seizure = SeizureFactory(point=places.LEICESTER_SQUARE)
    assert Seizure.objects.get(pk=seizure.pk).borough is None  # written around the service
    boroughs_load(path=settings.BOROUGHS_FILE)
    assert Seizure.objects.get(pk=seizure.pk).borough.name == "Westminster"


def test_it_reads_a_shapefile_in_british_national_grid(boroughs, tmp_path):
    """Any OGR source in any CRS: convert two boroughs to a BNG shapefile with ogr2ogr."""
    subset = tmp_path / "two.geojson"
    data = json.loads(settings.BOROUGHS_FILE.read_text())
    data["features"] = [f for f in data["features"] if f["properties"]["name"] in ("Ealing", "Camden")]
    subset.write_text(json.dumps(data))
    shapefile = tmp_path / "two_bng.shp"
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:27700", str(shapefile), str(subset)], check=True)  # noqa: S603,S607
    Borough.objects.all().delete()
    result = boroughs_load(path=shapefile, name_field="name", code_field="gss_code")
    assert result.created == 2
    ealing = Borough.objects.get(name="Ealing")
    assert ealing.geom.srid == 4326
    assert ealing.geom.covers(places.EALING_BROADWAY)


def test_it_refuses_a_source_without_the_named_fields(boroughs):
    with pytest.raises(CommandError, match="name_field"):
        call_command("load_boroughs", str(settings.BOROUGHS_FILE), name_field="BOROUGH", stdout=StringIO())


def test_it_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_boroughs", str(tmp_path / "nope.geojson"), stdout=StringIO())
