"""GET /tiles/{layer}/{z}/{x}/{y}.mvt: tiles decode (mapbox-vector-tile) with the right
seizures at the right place in the right tile; empty tiles are 204; caching headers."""

import math

import mapbox_vector_tile
import pytest

from ebikeops.reporting.api.tiles import TILE_BUFFER, TILE_COUNT_CELL, TILE_EXTENT
from tests import places

pytestmark = pytest.mark.django_db

PROPERTIES = {"id", "operation", "vehicle_type", "reason", "disposition", "seized_at"}


def tile_position(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile coordinates (x, y) of a lon/lat at zoom z (XYZ, Web Mercator)."""
    n = 2**z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return x, y


def tile_of(point, z: int) -> tuple[int, int]:
    x, y = tile_position(point.x, point.y, z)
    return int(x), int(y)


def in_tile(point, z: int, x: int, y: int, buffer: int) -> tuple[float, float] | None:
    """The point's position in tile units within tile z/x/y, or None outside it (plus buffer)."""
    fx, fy = tile_position(point.x, point.y, z)
    px, py = (fx - x) * TILE_EXTENT, (fy - y) * TILE_EXTENT
    inside = -buffer <= px <= TILE_EXTENT + buffer and -buffer <= py <= TILE_EXTENT + buffer
    return (px, py) if inside else None


def decode(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})


def test_each_seizure_lands_in_its_tile_at_its_place(analyst_client, layout):
    z = 14
    seizures = layout["seizures"].values()
    for seizure in seizures:
        x, y = tile_of(seizure.point, z)
        tile = decode(analyst_client.get(f"/tiles/seizures/{z}/{x}/{y}.mvt"))
        features = tile["seizures"]["features"]
        expected = {
            str(s.pk): position for s in seizures if (position := in_tile(s.point, z, x, y, TILE_BUFFER)) is not None
        }
        assert {f["properties"]["id"] for f in features} == set(expected)
        for feature in features:
            assert set(feature["properties"]) == PROPERTIES  # nothing sensitive, for any role
            px, py = feature["geometry"]["coordinates"]
            ex, ey = expected[feature["properties"]["id"]]
            assert abs(px - ex) <= 1 and abs(py - ey) <= 1


def test_a_tile_carries_the_seizures_properties(officer_client, layout):
    dean = layout["seizures"]["dean"]
    x, y = tile_of(dean.point, 16)
    features = decode(officer_client.get(f"/tiles/seizures/16/{x}/{y}.mvt"))["seizures"]["features"]
    properties = next(f["properties"] for f in features if f["properties"]["id"] == str(dean.pk))
    assert properties == {
        "id": str(dean.pk),
        "operation": str(dean.operation_id),
        "vehicle_type": "e_motorcycle",
        "reason": "suspected_stolen",
        "disposition": "retained_evidence",
        "seized_at": "2025-12-05T19:00:00.250000Z",
    }


def test_two_seizures_in_neighbouring_tiles_each_appear_in_their_own_only(analyst_client, layout):
    broadway, west_ealing = layout["seizures"]["broadway"], layout["seizures"]["west_ealing"]
    (bx, by), (wx, wy) = tile_of(broadway.point, 14), tile_of(west_ealing.point, 14)
    assert (bx - wx, by - wy) == (1, 0), "the layout puts them in side-by-side z14 tiles"

    def ids(x, y):
        return {
            f["properties"]["id"]
            for f in decode(analyst_client.get(f"/tiles/seizures/14/{x}/{y}.mvt"))["seizures"]["features"]
        }

    assert str(broadway.pk) in ids(bx, by) and str(west_ealing.pk) not in ids(bx, by)
    assert str(west_ealing.pk) in ids(wx, wy) and str(broadway.pk) not in ids(wx, wy)


def test_a_tile_busier_than_the_cap_counts_seizures_per_cell(analyst_client, layout, settings):
    z = 9
    x, y = tile_of(places.EALING_BROADWAY, z)
    assert (x, y) == tile_of(places.LEICESTER_SQUARE, z), "the layout's London fits one z9 tile"
    settings.REPORTING_TILE_MAX_POINTS = 7
    at_the_cap = decode(analyst_client.get(f"/tiles/seizures/{z}/{x}/{y}.mvt"))
    assert list(at_the_cap) == ["seizures"]
    assert len(at_the_cap["seizures"]["features"]) == 7

    settings.REPORTING_TILE_MAX_POINTS = 6
    tile = decode(analyst_client.get(f"/tiles/seizures/{z}/{x}/{y}.mvt"))
    assert list(tile) == ["seizure_counts"]
    features = tile["seizure_counts"]["features"]
    assert sum(f["properties"]["count"] for f in features) == 7
    expected: dict[tuple[int, int], int] = {}
    for seizure in layout["seizures"].values():
        px, py = in_tile(seizure.point, z, x, y, 0)
        cell = (int(px // TILE_COUNT_CELL), int(py // TILE_COUNT_CELL))
        expected[cell] = expected.get(cell, 0) + 1
    got = {}
    for feature in features:
        cx, cy = feature["geometry"]["coordinates"]
        assert set(feature["properties"]) == {"count"}
        got[(int(cx // TILE_COUNT_CELL), int(cy // TILE_COUNT_CELL))] = feature["properties"]["count"]
    assert got == expected


def test_tiles_take_the_seizure_filters(analyst_client, layout):
    x, y = tile_of(places.EALING_BROADWAY, 9)
    scooters = decode(analyst_client.get(f"/tiles/seizures/9/{x}/{y}.mvt?vehicle_type=e_scooter"))
    expected = {str(layout["seizures"][name].pk) for name in ("west_ealing", "bush")}
    assert {f["properties"]["id"] for f in scooters["seizures"]["features"]} == expected
    bx, by = tile_of(places.EALING_BROADWAY, 14)
    after = decode(analyst_client.get(f"/tiles/seizures/14/{bx}/{by}.mvt?since=2025-01-01T00:00:00Z"))
    assert {f["properties"]["id"] for f in after["seizures"]["features"]} == {str(layout["seizures"]["broadway"].pk)}


def test_an_empty_tile_in_london_is_204_with_caching_headers(analyst_client, layout):
    richmond_park = places.pt(-0.2750, 51.4450)
    x, y = tile_of(richmond_park, 16)
    response = analyst_client.get(f"/tiles/seizures/16/{x}/{y}.mvt")
    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"]
    assert response["Cache-Control"] == "private, max-age=60"


def test_a_tile_outside_london_is_204_without_a_query(analyst_client, layout, django_assert_num_queries):
    x, y = tile_of(places.PARIS, 14)
    with django_assert_num_queries(2):  # token only, the audit event
        response = analyst_client.get(f"/tiles/seizures/14/{x}/{y}.mvt")
    assert response.status_code == 204
    assert response["Cache-Control"] == "private, max-age=86400"


def test_it_answers_304_to_a_matching_etag(analyst_client, layout, django_assert_num_queries):
    x, y = tile_of(places.EALING_BROADWAY, 14)
    path = f"/tiles/seizures/14/{x}/{y}.mvt"
    first = analyst_client.get(path)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, max-age=60"
    with django_assert_num_queries(3):  # token, data version, the audit event
        again = analyst_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert analyst_client.get(f"{path}?vehicle_type=e_bike", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_tile_is_one_query(analyst_client, layout, django_assert_num_queries):
    x, y = tile_of(places.EALING_BROADWAY, 13)
    with django_assert_num_queries(4):  # token, data version, the tile, the audit event
        assert analyst_client.get(f"/tiles/seizures/13/{x}/{y}.mvt").status_code == 200


def test_it_refuses_anonymous_callers(anon_client):
    assert anon_client.get("/tiles/seizures/14/8178/5447.mvt").status_code == 401


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/tiles/seizures/23/0/0.mvt", 400, "z"),
        ("/tiles/seizures/14/16384/5447.mvt", 400, "x"),
        ("/tiles/seizures/2/1/4.mvt", 400, "y"),
        ("/tiles/seizures/14/8178/5447.mvt?vehicle_type=hoverboard", 400, "vehicle_type"),
        ("/tiles/boroughs/14/8178/5447.mvt", 404, None),
    ],
)
def test_it_refuses_bad_tiles(analyst_client, path, status, field):
    response = analyst_client.get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert field in response.json()["errors"]
