"""The hotspots map layer (/api/v1/layers/hotspots/) and tiles (/tiles/hotspots/...): the
same hotspots as GET /api/v1/hotspots/, features equal to the hotspots app's serializer."""

import json
import math
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point

from ebikeops.core.spatial import coord_transform
from ebikeops.hotspots.services import hotspots_compute
from ebikeops.operations.boroughs import boroughs_assign_all
from tests import places
from tests.factories import T0, OperationFactory, SeizureFactory

from .rfc7946 import feature_collection_problems
from .test_tiles import tile_of

pytestmark = pytest.mark.django_db

SINCE, UNTIL = T0 - timedelta(days=30), T0 + timedelta(days=30)


# Built once: `transform(srid)` sets up a new transformation per call (14 ms of CPU; see
# core.spatial.coord_transform).
TO_METRIC = coord_transform(4326, 27700)
TO_LON_LAT = coord_transform(27700, 4326)


def offset(place: Point, east_m: float, north_m: float) -> Point:
    """`place` moved east and north by metres, in British National Grid."""
    metric = place.transform(TO_METRIC, clone=True)
    return Point(metric.x + east_m, metric.y + north_m, srid=27700).transform(TO_LON_LAT, clone=True)


@pytest.fixture
def run(boroughs):
    """Two hotspots: 12 seizures on a 10 m grid at Ealing Broadway (e-bikes), 8 at Dean
    Street (e-scooters, five on one coordinate)."""
    operation = OperationFactory(started_at=T0 - timedelta(hours=1))
    clusters = (
        (places.EALING_BROADWAY, [(10.0 * (i % 4), 10.0 * (i // 4)) for i in range(12)], "e_bike"),
        (places.DEAN_STREET, [(0.0, 0.0)] * 5 + [(7.0 * k, 4.0) for k in range(3)], "e_scooter"),
    )
    minute = 0
    for base, offsets, vehicle_type in clusters:
        for east, north in offsets:
            minute += 7
            SeizureFactory(
                operation=operation,
                point=offset(base, east, north),
                seized_at=T0 + timedelta(minutes=minute),
                vehicle_type=vehicle_type,
            )
    boroughs_assign_all()
    return hotspots_compute(eps_m=50.0, min_points=5, since=SINCE, until=UNTIL, now=UNTIL)


def close(a, b) -> bool:
    """JSON values equal, coordinates within 1e-12 degrees (the layer writes 15 decimals)."""
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return a == b


def question() -> str:
    return f"since={SINCE.isoformat()}&until={UNTIL.isoformat()}&eps_m=50&min_points=5".replace("+", "%2B")


def test_hotspot_layer_equals_the_hotspot_list(analyst_client, run):
    listed = analyst_client.get(f"/api/v1/hotspots/?{question()}")
    assert listed.status_code == 200, listed.content
    expected = listed.json()["features"]
    assert len(expected) == 2
    response = analyst_client.get(f"/api/v1/layers/hotspots/?{question()}")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert (body["numberReturned"], body["truncated"]) == (2, False)
    assert close(body["features"], expected)
    assert [f["properties"]["rank"] for f in body["features"]] == [1, 2]
    assert body["features"][0]["properties"]["busiest_weekday"] == expected[0]["properties"]["busiest_weekday"]
    # Both answers are RFC 7946: closed rings, exterior counterclockwise, [lon, lat].
    assert feature_collection_problems(body) == []
    assert feature_collection_problems(listed.json()) == []


def test_hotspot_layer_takes_a_run_a_bbox_and_a_limit(analyst_client, run):
    by_run = json.loads(analyst_client.get(f"/api/v1/layers/hotspots/?run={run.pk}").content)
    assert len(by_run["features"]) == 2
    west_end = json.loads(
        analyst_client.get(f"/api/v1/layers/hotspots/?run={run.pk}&bbox=-0.14,51.50,-0.12,51.52").content
    )
    assert [f["properties"]["seizure_count"] for f in west_end["features"]] == [8]
    first = json.loads(analyst_client.get(f"/api/v1/layers/hotspots/?run={run.pk}&limit=1").content)
    assert (first["numberReturned"], first["truncated"]) == (1, True)


def test_hotspot_layer_is_empty_when_no_run_matches(analyst_client, run):
    body = json.loads(analyst_client.get("/api/v1/layers/hotspots/?eps_m=75").content)
    assert body["features"] == []


def test_hotspot_layer_is_one_query(analyst_client, run, django_assert_num_queries):
    with django_assert_num_queries(3):  # token, the layer (the run is chosen inside it), the audit event
        assert analyst_client.get(f"/api/v1/layers/hotspots/?{question()}").status_code == 200


def test_hotspot_tiles_hold_the_outlines(analyst_client, run, django_assert_num_queries):
    x, y = tile_of(places.DEAN_STREET, 15)
    path = f"/tiles/hotspots/15/{x}/{y}.mvt?run={run.pk}"
    response = analyst_client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = mapbox_vector_tile.decode(response.content)["hotspots"]["features"]
    assert [(f["geometry"]["type"], f["properties"]["seizure_count"]) for f in features] == [("Polygon", 8)]
    assert features[0]["properties"]["run"] == str(run.pk)
    with django_assert_num_queries(3):  # token, the run, the audit event
        assert analyst_client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    ex, ey = tile_of(places.EALING_BROADWAY, 15)
    ealing = mapbox_vector_tile.decode(analyst_client.get(f"/tiles/hotspots/15/{ex}/{ey}.mvt").content)
    assert [f["properties"]["seizure_count"] for f in ealing["hotspots"]["features"]] == [12]


def test_hotspot_tiles_are_204_without_a_run_or_a_hotspot(analyst_client, run):
    x, y = tile_of(places.DEAN_STREET, 15)
    assert analyst_client.get(f"/tiles/hotspots/15/{x}/{y}.mvt?eps_m=75").status_code == 204
    hx, hy = tile_of(places.HANWELL_BROADWAY, 15)
    assert analyst_client.get(f"/tiles/hotspots/15/{hx}/{hy}.mvt").status_code == 204


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/layers/hotspots/?eps_m=-1", "eps_m"),
        ("/api/v1/layers/hotspots/?limit=0", "limit"),
        ("/api/v1/layers/hotspots/?bbox=1,2", "bbox"),
        ("/tiles/hotspots/15/16380/10895.mvt?run=nope", "run"),
    ],
)
def test_hotspot_reads_name_the_bad_parameter(analyst_client, boroughs, path, field):
    response = analyst_client.get(path)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_hotspot_reads_refuse_anonymous_callers(anon_client):
    assert anon_client.get("/api/v1/layers/hotspots/").status_code == 401
    assert anon_client.get("/tiles/hotspots/15/16380/10895.mvt").status_code == 401
