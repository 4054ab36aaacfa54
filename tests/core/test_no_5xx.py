"""The 5xx that schemathesis found (issue 12), each a 400 with the field named now.

Each test here failed on the old code with a 500 (or, for the export, a 200 cut off mid-body).
"""

from datetime import UTC, datetime

import pytest
from django.test import Client

from ebikeops.core.datetimes import INSTANT_OUT_OF_RANGE, OFFSET_OUT_OF_RANGE
from ebikeops.core.filters import OUTSIDE_GRID
from ebikeops.core.pagination import BAD_PAGE_SIZE
from ebikeops.core.parsers import TOO_DEEP
from ebikeops.reporting import sql
from tests.factories import OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db

PLUS_16 = "2026-01-01T00:00:00%2B16:00"
LISTS = ["/api/v1/operations/", "/api/v1/seizures/", "/api/v1/arrests/"]
REPORTING = [
    "/api/v1/summaries/",
    "/api/v1/layers/seizures/",
    "/api/v1/exports/seizures.geojson",
    "/api/v1/exports/seizures.csv",
    "/api/v1/exports/operations.geojson",
]


def _field_error(response, field: str) -> list[str]:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"][field]


@pytest.mark.parametrize("path", LISTS + REPORTING)
@pytest.mark.parametrize("param", ["since", "until"])
def test_an_offset_beyond_15_59_is_a_400_on_the_field(commander_client, path, param):
    assert _field_error(commander_client.get(f"{path}?{param}={PLUS_16}"), param) == [OFFSET_OUT_OF_RANGE]


def test_an_offset_beyond_15_59_is_a_400_on_a_tile(commander_client):
    response = commander_client.get(f"/tiles/seizures/12/2045/1361.mvt?since={PLUS_16}")
    assert _field_error(response, "since") == [OFFSET_OUT_OF_RANGE]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00%2B01:00", "0001-01-01T00:00:00%2B15:59"])
def test_a_time_before_year_1_in_utc_is_a_400(commander_client, value):
    assert _field_error(commander_client.get(f"/api/v1/seizures/?since={value}"), "since") == [INSTANT_OUT_OF_RANGE]


def test_an_offset_beyond_15_59_in_a_body_is_a_400(commander_client):
    response = commander_client.post(
        "/api/v1/hotspots/recompute/", {"since": "2026-01-01T00:00:00+16:00"}, format="json"
    )
    assert _field_error(response, "since") == [OFFSET_OUT_OF_RANGE]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/seizures/?lon=-94.9&lat=0&radius_m=1000",
        "/api/v1/operations/?lon=10&lat=51.5&radius_m=1000",
        "/api/v1/layers/seizures/?lon=-94.9&lat=0&radius_m=1000",
        "/api/v1/exports/seizures.geojson?lon=-94.9&lat=0&radius_m=1000",
        "/api/v1/suggestions/?lon=-94.9&lat=0",
        "/api/v1/suggestions/bundle/?lon=-94.9&lat=0",
    ],
)
def test_a_point_outside_the_national_grid_is_a_400_on_lon_and_lat(commander_client, path):
    response = commander_client.get(path)
    assert _field_error(response, "lon") == [OUTSIDE_GRID]
    assert _field_error(response, "lat") == [OUTSIDE_GRID]


@pytest.mark.parametrize("path", ["/api/v1/seizures/", "/api/v1/suggestions/bundle/", "/api/v1/layers/seizures/"])
def test_a_bbox_wholly_outside_the_national_grid_is_a_400(commander_client, path):
    assert _field_error(commander_client.get(f"{path}?bbox=-100,0,-90,10"), "bbox") == [OUTSIDE_GRID]


def test_a_bbox_reaching_beyond_the_grid_is_cut_to_it(commander_client, boroughs):
    SeizureFactory()
    response = commander_client.get("/api/v1/seizures/?bbox=-180,-90,180,90")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_plan_for_a_point_outside_the_grid_is_a_400(commander_client):
    response = commander_client.get(
        "/api/v1/plans/?lon=-94.9&lat=0&start=2026-01-01T08:00:00Z&end=2026-01-01T16:00:00Z"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["lon"] == [OUTSIDE_GRID]


@pytest.mark.parametrize("query", ["?format=csv", ""])
def test_options_on_summaries_answers_json_metadata(commander_client, query):
    response = commander_client.options(f"/api/v1/summaries/{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["name"]


@pytest.mark.parametrize("depth", [401, 1100, 5000])
@pytest.mark.parametrize("path", ["/api/v1/operations/", "/api/v1/seizures/", "/api/v1/sync/"])
def test_json_nested_too_deeply_is_a_400(officer_client, path, depth):
    response = officer_client.post(path, "[" * depth + "]" * depth, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    if depth <= 1000:
        assert response.json()["detail"] == TOO_DEEP.format(limit=400)


def test_json_within_the_depth_limit_is_parsed(officer_client):
    response = officer_client.post("/api/v1/operations/", "[" * 400 + "]" * 400, content_type="application/json")
    # Parsed, then refused by the serializer for what it is (not an operation), not by the parser.
    assert response.status_code == 400
    assert "JSON" not in response.json()["detail"]


def test_an_export_whose_query_fails_is_an_error_not_a_200_cut_mid_stream(commander, monkeypatch):
    """The old export sent 200 and its opening bytes, then died when PostgreSQL refused the query
    (schemathesis saw `since=...+16:00`). A query that fails now fails before the status line."""
    SeizureFactory()
    broken = {key: query.replace("ORDER BY", "WHERE 1 / 0 = 1 ORDER BY") for key, query in sql.EXPORT_GEOJSON.items()}
    monkeypatch.setattr(sql, "EXPORT_GEOJSON", broken)
    client = Client(raise_request_exception=False)
    client.force_login(commander)
    response = client.get("/api/v1/exports/seizures.geojson")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"


def test_an_export_still_streams_every_row(commander_client):
    operation = OperationFactory()
    SeizureFactory.create_batch(3, operation=operation)
    response = commander_client.get("/api/v1/exports/seizures.geojson")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.count(b'"Feature"') == 3


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5"])
def test_a_bad_page_size_is_a_400_naming_page_size(commander_client, value):
    response = commander_client.get(f"/api/v1/seizures/?page_size={value}")
    assert _field_error(response, "page_size") == [BAD_PAGE_SIZE.format(maximum=1000)]


def test_a_page_size_above_the_maximum_is_served_at_the_maximum(commander_client):
    operation = OperationFactory()
    SeizureFactory.create_batch(2, operation=operation)
    response = commander_client.get("/api/v1/seizures/?page_size=5000")
    assert response.status_code == 200 and len(response.json()["features"]) == 2


def test_a_time_before_1847_is_written_in_rfc_3339(commander_client):
    """London kept local mean time (-00:01:15) before 1847: such a time is written in UTC."""
    operation = OperationFactory(started_at=datetime(1800, 1, 1, 12, tzinfo=UTC), ended_at=None)
    response = commander_client.get(f"/api/v1/operations/{operation.pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["started_at"] == "1800-01-01T12:00:00Z"


def test_a_summary_since_before_1847_echoes_rfc_3339(commander_client):
    response = commander_client.get("/api/v1/summaries/?since=1800-01-01T00:00:00Z")
    assert response.status_code == 200
    assert response.json()["since"] == "1800-01-01T00:00:00Z"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_format_is_a_400_naming_format_not_a_404(officer_client, method):
    """Found by schemathesis: DRF answered `?format=<unknown>` with an undocumented 404."""
    response = getattr(officer_client, method)("/api/v1/seizures/?format=xyz", {}, format="json")
    assert _field_error(response, "format")[0].startswith("Unknown format 'xyz'")
