"""Corridors: importing from OGR line sources (grouping, threading, idempotence) and reading."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ebikeops.areas.corridors import corridors_load
from ebikeops.areas.models import Corridor
from ebikeops.areas.selectors import corridors_near
from ebikeops.core.spatial import metric

from .. import places

SLUGS = {
    "uxbridge-road",
    "charing-cross-road",
    "shaftesbury-avenue",
    "oxford-street",
    "edgware-road",
    "kingsland-road",
    "old-kent-road",
    "brixton-road",
    "whitechapel-road",
    "tottenham-high-road",
    "walworth-road",
    "holloway-road",
    "romford-road",
    "london-road-croydon",
}


def _feature(name, coordinates, **properties):
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": {"type": "LineString", "coordinates": coordinates},
    }


def _write(tmp_path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(collection))
    return path


@pytest.fixture
def corridors(boroughs):
    corridors_load(path=settings.CORRIDORS_FILE)
    return Corridor.objects.all()


def test_it_loads_the_shipped_corridors_with_lengths_and_boroughs(corridors):
    assert set(corridors.values_list("slug", flat=True)) == SLUGS
    uxbridge = Corridor.objects.get(slug="uxbridge-road")
    assert uxbridge.name == "Uxbridge Road"
    assert uxbridge.approximate is True
    assert 11_000 < uxbridge.length_m < 12_500, "Shepherd's Bush to Southall is about 11.7 km"
    assert {b.name for b in uxbridge.boroughs.all()} == {"Ealing", "Hammersmith and Fulham"}
    assert uxbridge.properties["segments"] == 1
    assert "Shepherd's Bush" in uxbridge.properties["description"]
    assert all(c.approximate for c in corridors)


def test_it_changes_nothing_when_the_same_file_is_loaded_again(corridors):
    before = {c.slug: (c.pk, c.length_m, c.route.wkt) for c in Corridor.objects.all()}
    result = corridors_load(path=settings.CORRIDORS_FILE)
    after = {c.slug: (c.pk, c.length_m, c.route.wkt) for c in Corridor.objects.all()}
    assert (result.created, result.updated) == (0, 14)
    assert after == before


def test_it_groups_segments_by_name_threads_them_and_splits_distant_stretches(boroughs, tmp_path):
    # Three pieces of "High Road" in Ealing, out of order and one reversed, with a 69 m gap;
    # a second "High Road" 7 km away; a segment without a name.
    path = _write(
        tmp_path,
        [
            _feature("High Road", [[-0.2950, 51.5150], [-0.2900, 51.5152]]),
            _feature("High Road", [[-0.2950, 51.5150], [-0.3000, 51.5150]]),
            _feature("High Road", [[-0.2890, 51.5153], [-0.2850, 51.5153]]),
            _feature("High Road", [[-0.2000, 51.5000], [-0.1950, 51.5000]]),
            _feature("", [[-0.2500, 51.5100], [-0.2490, 51.5100]]),
        ],
    )
    result = corridors_load(path=path)
    assert (result.created, result.segments, result.skipped_unnamed) == (2, 4, 1)
    west, east = Corridor.objects.get(slug="high-road-1"), Corridor.objects.get(slug="high-road-2")
    assert west.name == "High Road (1)"
    assert len(west.geom) == 2, "touching segments merge; the 69 m gap stays a gap in geom"
    # One route from one end to the other, the gap closed: about 0.015 degrees of longitude.
    assert 1_000 < west.length_m < 1_100
    assert {west.route.coords[0], west.route.coords[-1]} == {(-0.3, 51.515), (-0.285, 51.5153)}
    assert 330 < east.length_m < 360
    assert [b.name for b in west.boroughs.all()] == ["Ealing"]


def test_it_leaves_the_other_carriageway_out_of_the_route(boroughs, tmp_path):
    path = _write(
        tmp_path,
        [
            _feature("Dual Way", [[-0.3000, 51.5150], [-0.2900, 51.5150]]),
            _feature("Dual Way", [[-0.2900, 51.5152], [-0.3000, 51.5152]]),  # 22 m north, other direction
        ],
    )
    corridors_load(path=path)
    corridor = Corridor.objects.get(slug="dual-way")
    assert len(corridor.geom) == 2
    assert corridor.properties["parts_left_out_of_route"] == 1
    assert 680 < corridor.length_m < 710, "one carriageway's length, not two"


def test_it_reads_sources_in_another_crs(boroughs, tmp_path):
    # British National Grid coordinates near Ealing Broadway.
    path = _write(
        tmp_path, [_feature("Grid Road", [[517900, 180900], [518900, 180900]])], crs="urn:ogc:def:crs:EPSG::27700"
    )
    corridors_load(path=path)
    corridor = Corridor.objects.get(slug="grid-road")
    assert corridor.length_m == pytest.approx(1000, abs=1)
    lon, lat = corridor.route.coords[0]
    assert -0.32 < lon < -0.29 and 51.50 < lat < 51.53, "stored as lon/lat"


def test_it_loads_only_the_roads_asked_for_and_prunes_the_rest(corridors):
    result = corridors_load(path=settings.CORRIDORS_FILE, roads=["Uxbridge Road", "brixton-road"], prune=True)
    assert result.removed == 12
    assert set(Corridor.objects.values_list("slug", flat=True)) == {"uxbridge-road", "brixton-road"}


def test_it_refuses_sources_that_are_not_named_lines(boroughs, tmp_path):
    polygons = tmp_path / "areas.geojson"
    polygons.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "x"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[-0.3, 51.5], [-0.29, 51.5], [-0.29, 51.51], [-0.3, 51.5]]],
                        },
                    }
                ],
            }
        )
    )
    with pytest.raises(ValidationError) as polygon_error:
        corridors_load(path=polygons)
    assert "geometry" in polygon_error.value.message_dict
    unnamed = _write(
        tmp_path,
        [
            {
                "type": "Feature",
                "properties": {"ref": "A4020"},
                "geometry": {"type": "LineString", "coordinates": [[-0.3, 51.51], [-0.29, 51.51]]},
            }
        ],
    )
    with pytest.raises(ValidationError) as name_error:
        corridors_load(path=unnamed)
    assert "name_field" in name_error.value.message_dict
    corridors_load(path=unnamed, name_field="ref")
    assert Corridor.objects.filter(slug="a4020").exists()


def test_the_command_reports_progress_and_a_summary(boroughs):
    out = StringIO()
    call_command("load_corridors", str(settings.CORRIDORS_FILE), stdout=out)
    text = out.getvalue()
    assert "[ 12/14] created uxbridge-road: 11.7 km (approximate); Ealing, Hammersmith and Fulham" in text
    assert "Corridors: 14 created, 0 updated, 0 removed from 14 segments" in text
    with pytest.raises(CommandError, match="does not exist"):
        call_command("load_corridors", "/nonexistent/roads.geojson")


def test_corridors_near_measures_metres_to_the_road(corridors):
    near_ealing = set(corridors_near(places.EALING_BROADWAY, 100).values_list("slug", flat=True))
    assert near_ealing == {"uxbridge-road"}
    assert not corridors_near(places.READING, 10_000).exists()
    distance = (
        Corridor.objects.filter(slug="uxbridge-road")
        .annotate(d=Distance(metric("route"), Point(-0.3190, 51.5128, srid=4326)))
        .get()
        .d.m
    )
    assert distance < 1, "West Ealing is a vertex of the authored line"
