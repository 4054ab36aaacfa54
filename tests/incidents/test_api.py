"""/api/v1/incidents/: the GeoJSON list with its filters, the map layer and the summaries."""

import pytest

from ebikeops.incidents.services import incidents_import
from tests import places

from .policeuk import HEADER

LIST = "/api/v1/incidents/"
LAYER = "/api/v1/incidents/layer/"
SUMMARY = "/api/v1/incidents/summary/"
ROWS = [
    ("a1", "2025-01", places.EALING_BROADWAY, "Burglary"),
    ("a2", "2025-01", places.EALING_BROADWAY, "Burglary"),
    ("a3", "2025-02", places.EALING_BROADWAY, "Robbery"),
    ("b1", "2025-03", places.LEICESTER_SQUARE, "Theft from the person"),
    ("c1", "2024-12", places.SHEPHERDS_BUSH_GREEN, "Bicycle theft"),
]


@pytest.fixture
def incidents(boroughs, tmp_path):
    lines = [HEADER]
    for crime_id, month, point, crime_type in ROWS:
        lines.append(f"{crime_id},{month},Metropolitan Police Service,Metropolitan Police Service,{point.x},{point.y},"
                     f"On or near Somewhere,E01000001,Somewhere 001A,{crime_type},Under investigation,")  # fmt: skip
    path = tmp_path / "2025-01-metropolitan-street.csv"
    path.write_text("\n".join(lines) + "\n")
    assert incidents_import(paths=[path]).inserted == len(ROWS)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(f["properties"]["crime_id"] for f in response.json()["features"])


@pytest.mark.parametrize("role", ["officer", "commander", "analyst"])
def test_every_role_reads_incidents_as_a_geojson_page(role, request, incidents):
    client = request.getfixturevalue(f"{role}_client")
    body = client.get(LIST).json()
    assert (body["type"], body["count"]) == ("FeatureCollection", 5)
    feature = next(f for f in body["features"] if f["properties"]["crime_id"] == "b1")
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [places.LEICESTER_SQUARE.x, places.LEICESTER_SQUARE.y],
    }
    assert feature["properties"]["month"] == "2025-03"
    assert feature["properties"]["borough"] == "Westminster"


def test_anonymous_callers_are_refused(anon_client, incidents):
    assert anon_client.get(LIST).status_code == 401


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"crime_type": "Burglary"}, ["a1", "a2"]),
        ({"crime_type": "Burglary,Robbery"}, ["a1", "a2", "a3"]),
        ({"month_from": "2025-02"}, ["a3", "b1"]),
        ({"month_from": "2025-01", "month_to": "2025-02"}, ["a1", "a2", "a3"]),
        ({"borough": "Westminster"}, ["b1"]),
        ({"borough": "E09000009"}, ["a1", "a2", "a3"]),  # Ealing's GSS code
        ({"bbox": "-0.14,51.50,-0.12,51.52"}, ["b1"]),
        ({"bbox": "-0.14,51.50,-0.12,51.52", "crime_type": "Burglary"}, []),
    ],
)
def test_it_filters_by_crime_type_month_borough_and_bbox(analyst_client, incidents, query, expected):
    assert _ids(analyst_client.get(LIST, query)) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [({"month_from": "January"}, "month_from"), ({"borough": "Atlantis"}, "borough"), ({"bbox": "1,2,3"}, "bbox")],
)
def test_a_malformed_filter_is_a_400_naming_it(analyst_client, incidents, query, field):
    response = analyst_client.get(LIST, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("page_size", [1, 100])
def test_the_list_costs_the_same_queries_at_any_page_size(
    analyst_client, analyst, incidents, django_assert_num_queries, page_size
):
    analyst_client.get(LIST)  # warm the token and user caches of the client
    # Expect 4 queries: the token (with its user), the page joined to its borough, the count,
    # and the read's audit event; 3 when the page is shorter than its size (the last page: the
    # count is known without COUNT, ebikeops.core.pagination).
    with django_assert_num_queries(4 if page_size < 5 else 3):
        response = analyst_client.get(LIST, {"page_size": page_size})
    assert len(response.json()["features"]) == min(page_size, 5)


def test_the_layer_has_one_feature_per_map_point_with_counts_by_crime_type(commander_client, incidents):
    response = commander_client.get(LAYER, {"month_to": "2025-02"})
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert (body["type"], body["truncated"]) == ("FeatureCollection", False)
    assert "Open Government Licence" in body["attribution"]
    by_count = [(f["properties"]["count"], f["properties"]["crime_types"]) for f in body["features"]]
    assert by_count == [(3, {"Burglary": 2, "Robbery": 1}), (1, {"Bicycle theft": 1})]
    assert body["features"][0]["geometry"]["coordinates"] == [places.EALING_BROADWAY.x, places.EALING_BROADWAY.y]


def test_the_layer_says_when_it_is_truncated(analyst_client, incidents, settings):
    settings.INCIDENTS_LAYER_MAX_FEATURES = 2
    body = analyst_client.get(LAYER).json()
    assert (len(body["features"]), body["truncated"]) == (2, True)


def test_summaries_count_by_crime_type_and_month(analyst_client, incidents):
    body = analyst_client.get(SUMMARY, {"group_by": "crime_type"}).json()
    assert body["total"] == 5
    assert body["rows"] == [
        {"count": 1, "crime_type": "Bicycle theft"},
        {"count": 2, "crime_type": "Burglary"},
        {"count": 1, "crime_type": "Robbery"},
        {"count": 1, "crime_type": "Theft from the person"},
    ]
    body = analyst_client.get(SUMMARY, {"group_by": "month,crime_type", "borough": "Ealing"}).json()
    assert body["rows"] == [
        {"count": 2, "crime_type": "Burglary", "month": "2025-01"},
        {"count": 1, "crime_type": "Robbery", "month": "2025-02"},
    ]
    assert analyst_client.get(SUMMARY, {"group_by": "weather"}).status_code == 400
