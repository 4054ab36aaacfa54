"""The Thames for a map with no tile server: the two shared borough files' difference."""

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import call_command

from ebikeops.areas.models import River

pytestmark = pytest.mark.django_db

WESTMINSTER_BRIDGE_MID_RIVER = Point(-0.1218, 51.5008, srid=4326)
TRAFALGAR_SQUARE = Point(-0.1281, 51.5080, srid=4326)


@pytest.fixture
def river(db):
    call_command("load_river", "--tidal", str(settings.BOROUGHS_FILE), "--land", str(settings.BOROUGHS_LAND_FILE))


def test_load_river_stores_the_tidal_thames_without_the_slivers(river, capsys):
    parts = list(River.objects.all())
    assert len(parts) >= 1
    total_km2 = sum(p.area_m2 for p in parts) / 1e6
    # The `nonld_area` of the riparian boroughs adds up to about 21 km² of tidal water.
    assert 15 < total_km2 < 30, total_km2
    assert all(p.area_m2 >= 20_000 for p in parts), "slivers where the surveys differ are dropped"
    assert River.objects.filter(geom__covers=WESTMINSTER_BRIDGE_MID_RIVER).exists()
    assert not River.objects.filter(geom__covers=TRAFALGAR_SQUARE).exists()


def test_load_river_replaces_what_it_stored(river):
    before = River.objects.count()
    call_command("load_river", "--tidal", str(settings.BOROUGHS_FILE), "--land", str(settings.BOROUGHS_LAND_FILE))
    assert River.objects.count() == before


def test_load_river_says_which_file_is_missing(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_river", "--tidal", str(settings.BOROUGHS_FILE), "--land", str(tmp_path / "none.geojson"))


def test_the_river_and_corridor_layers_are_geojson_for_every_role(river, analyst_client, client):
    from ebikeops.areas.corridors import corridors_load

    corridors_load(path=settings.CORRIDORS_FILE, approximate=True)
    body = analyst_client.get("/api/v1/river/").json()
    assert body["type"] == "FeatureCollection"
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["features"][0]["properties"]["name"] == "River Thames"
    corridors = analyst_client.get("/api/v1/corridors/").json()
    names = {f["properties"]["name"] for f in corridors["features"]}
    assert "Uxbridge Road" in " ".join(names)
    assert all(f["geometry"]["type"] == "MultiLineString" for f in corridors["features"])
    assert client.get("/api/v1/river/").status_code in (401, 403)
