"""Borough import from OGR sources and spatial assignment, on the real boundaries."""

import json
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from ebikeops.areas.models import Borough
from ebikeops.areas.selectors import borough_for_point
from ebikeops.areas.services import boroughs_load
from ebikeops.areas.signals import boroughs_reloaded
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
    result = boroughs_load(path=settings.BOROUGHS_FILE)
    assert Seizure.objects.get(pk=seizure.pk).borough.name == "Westminster"
    # The seizure and its operation, counted by operations' receiver of boroughs_reloaded.
    assert result.records_assigned == 2


def test_a_failing_reassignment_rolls_the_whole_load_back(boroughs):
    """areas cannot import operations; the signal's receivers run inside the load's transaction,
    so a receiver that fails leaves the old boundaries and the old assignments."""
    seizure = SeizureFactory(point=places.LEICESTER_SQUARE)
    Borough.objects.filter(name="Westminster").update(name="Old name")

    def broken(sender, **kwargs):
        raise RuntimeError("the receiver failed")

    boroughs_reloaded.connect(broken, dispatch_uid="test.broken")
    try:
        with pytest.raises(RuntimeError):
            boroughs_load(path=settings.BOROUGHS_FILE)
    finally:
        boroughs_reloaded.disconnect(dispatch_uid="test.broken")
    assert Borough.objects.filter(name="Old name").exists()
    assert Seizure.objects.get(pk=seizure.pk).borough is None


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


def _two_boroughs(tmp_path, *, camden_as_multipolygon: bool = True, extra: list[dict] = ()) -> Path:
    """Ealing as a Polygon and Camden as a MultiPolygon, cut from the real boundaries, plus
    any `extra` features: a GeoJSON file whose layer GDAL declares `Unknown`."""
    data = json.loads(settings.BOROUGHS_FILE.read_text())
    features = [f for f in data["features"] if f["properties"]["name"] in ("Ealing", "Camden")]
    for feature in features:
        if camden_as_multipolygon and feature["properties"]["name"] == "Camden":
            feature["geometry"] = {"type": "MultiPolygon", "coordinates": [feature["geometry"]["coordinates"]]}
    data["features"] = [*features, *extra]
    path = tmp_path / "two.geojson"
    path.write_text(json.dumps(data))
    return path


def _assert_ealing_and_camden_loaded():
    assert Borough.objects.count() == 2
    ealing, camden = Borough.objects.get(name="Ealing"), Borough.objects.get(name="Camden")
    assert ealing.geom.geom_type == camden.geom.geom_type == "MultiPolygon"
    assert ealing.geom.srid == camden.geom.srid == 4326
    assert ealing.geom.covers(places.EALING_BROADWAY)
    assert not camden.geom.covers(places.EALING_BROADWAY)


def test_it_reads_a_geojson_mixing_polygons_and_multipolygons(boroughs, tmp_path):
    Borough.objects.all().delete()
    result = boroughs_load(path=_two_boroughs(tmp_path))
    assert result.created == 2
    _assert_ealing_and_camden_loaded()


def test_it_reads_a_geopackage_with_a_generic_geometry_column(boroughs, tmp_path):
    """A GeoPackage (here in British National Grid) whose column is GEOMETRY, written by GDAL."""
    geopackage = tmp_path / "two.gpkg"
    mixed = _two_boroughs(tmp_path)
    command = ["ogr2ogr", "-f", "GPKG", "-nlt", "GEOMETRY", "-t_srs", "EPSG:27700", str(geopackage), str(mixed)]
    subprocess.run(command, check=True)  # noqa: S603
    Borough.objects.all().delete()
    out = StringIO()
    call_command("load_boroughs", str(geopackage), stdout=out)
    assert "2 created, 0 updated" in out.getvalue()
    _assert_ealing_and_camden_loaded()


def test_it_refuses_a_file_with_a_feature_that_is_not_a_polygon_and_loads_nothing(boroughs, tmp_path):
    point = {
        "type": "Feature",
        "properties": {"name": "Ealing Broadway station", "gss_code": "E09000009"},
        "geometry": places.geojson(places.EALING_BROADWAY),
    }
    Borough.objects.all().delete()
    with pytest.raises(CommandError, match=r"Feature 3 \('Ealing Broadway station', E09000009\) is a Point"):
        call_command("load_boroughs", str(_two_boroughs(tmp_path, extra=[point])), stdout=StringIO())
    assert not Borough.objects.exists()


def test_it_refuses_a_feature_without_a_geometry(boroughs, tmp_path):
    empty = {"type": "Feature", "properties": {"name": "Nowhere", "gss_code": "E09999999"}, "geometry": None}
    Borough.objects.all().delete()
    with pytest.raises(CommandError, match=r"Feature 3 \('Nowhere', E09999999\) is a feature without a geometry"):
        call_command("load_boroughs", str(_two_boroughs(tmp_path, extra=[empty])), stdout=StringIO())
    assert not Borough.objects.exists()


def test_it_refuses_a_layer_of_points(boroughs, tmp_path):
    station = {
        "type": "Feature",
        "properties": {"name": "Ealing", "gss_code": "E09000009"},
        "geometry": places.geojson(places.EALING_BROADWAY),
    }
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [station]}))
    with pytest.raises(CommandError, match="Layer holds Point, not polygons"):
        call_command("load_boroughs", str(path), stdout=StringIO())


def test_it_refuses_a_source_without_the_named_fields(boroughs):
    with pytest.raises(CommandError, match="name_field"):
        call_command("load_boroughs", str(settings.BOROUGHS_FILE), name_field="BOROUGH", stdout=StringIO())


def test_it_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_boroughs", str(tmp_path / "nope.geojson"), stdout=StringIO())


def test_the_borough_boundaries_come_out_as_rfc_7946_geojson(boroughs, analyst_client):
    """The ONS file winds its rings clockwise; the API must give them counterclockwise."""
    from tests.reporting.rfc7946 import feature_collection_problems

    body = analyst_client.get("/api/v1/boroughs/").json()
    assert len(body["features"]) == 33
    assert feature_collection_problems(body) == []
