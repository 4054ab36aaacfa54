"""GET /api/v1/exports/{seizures,operations,arrests}.{geojson,csv}: streamed, valid
RFC 7946 / parsable CSV, filtered like the lists, no sensitive field for analysts."""

import csv
import io
import json

import pytest
from django.contrib.gis.geos import MultiPoint
from django.db import connection

from tests import places

from .rfc7946 import feature_collection_problems

pytestmark = pytest.mark.django_db

KINDS = ("seizures", "operations", "arrests")
SENSITIVE = {"seizures": {"frame_number", "notes"}, "operations": {"notes"}, "arrests": set()}


def download(client, path: str, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response.streaming, "exports are streamed"
    return response, b"".join(response.streaming_content)


def geojson(client, path: str) -> dict:
    response, body = download(client, path)
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(body)


def csv_rows(client, path: str) -> list[dict]:
    response, body = download(client, path)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("client_name", ["analyst_client", "officer_client"])
def test_geojson_export_is_valid_rfc_7946_and_equals_the_list(request, layout, kind, client_name):
    client = request.getfixturevalue(client_name)
    document = geojson(client, f"/api/v1/exports/{kind}.geojson")
    assert feature_collection_problems(document) == []
    listed = client.get(f"/api/v1/{kind}/?page_size=1000").json()["features"]
    assert document["features"] == listed
    assert len(listed) == {"seizures": 7, "operations": 4, "arrests": 3}[kind]


def test_geojson_export_carries_stop_points_as_geojson(analyst_client, layout):
    operation = layout["operations"]["ealing"]
    operation.stop_points = MultiPoint(places.EALING_BROADWAY, places.WEST_EALING, srid=4326)
    operation.save()
    document = geojson(analyst_client, "/api/v1/exports/operations.geojson")
    assert feature_collection_problems(document) == []
    ealing = next(f for f in document["features"] if f["id"] == str(operation.pk))
    assert ealing["properties"]["stop_points"] == {
        "type": "MultiPoint",
        "coordinates": [
            [places.EALING_BROADWAY.x, places.EALING_BROADWAY.y],
            [places.WEST_EALING.x, places.WEST_EALING.y],
        ],
    }


@pytest.mark.parametrize("kind", KINDS)
def test_csv_export_parses_with_a_header(analyst_client, layout, kind):
    rows = csv_rows(analyst_client, f"/api/v1/exports/{kind}.csv")
    listed = analyst_client.get(f"/api/v1/{kind}/?page_size=1000").json()["features"]
    assert [row["id"] for row in rows] == [feature["id"] for feature in listed]
    for row, feature in zip(rows, listed, strict=True):
        assert (float(row["lon"]), float(row["lat"])) == tuple(feature["geometry"]["coordinates"])
        time_field = {"seizures": "seized_at", "operations": "started_at", "arrests": "arrested_at"}[kind]
        assert row[time_field] == feature["properties"][time_field]
        assert row["borough"] == feature["properties"]["borough"]


@pytest.mark.parametrize("kind", KINDS)
def test_analysts_never_get_sensitive_fields_in_any_format(analyst_client, officer_client, layout, kind):
    public = csv_rows(analyst_client, f"/api/v1/exports/{kind}.csv")
    assert not SENSITIVE[kind] & set(public[0])
    for feature in geojson(analyst_client, f"/api/v1/exports/{kind}.geojson")["features"]:
        assert not SENSITIVE[kind] & set(feature["properties"])
    assert SENSITIVE[kind] <= set(csv_rows(officer_client, f"/api/v1/exports/{kind}.csv")[0])


def test_csv_export_defuses_spreadsheet_formulas(officer_client, layout):
    rows = {row["id"]: row for row in csv_rows(officer_client, "/api/v1/exports/seizures.csv")}
    west_ealing = rows[str(layout["seizures"]["west_ealing"].pk)]
    assert west_ealing["make"] == '\'=HYPERLINK("x")'
    assert west_ealing["notes"] == "'-2 tyres"
    assert float(west_ealing["lon"]) < 0  # numbers are left alone


def test_stop_points_go_to_csv_as_wkt(analyst_client, layout):
    operation = layout["operations"]["west_end"]
    operation.stop_points = MultiPoint(places.LEICESTER_SQUARE, srid=4326)
    operation.save()
    rows = {row["id"]: row for row in csv_rows(analyst_client, "/api/v1/exports/operations.csv")}
    assert (
        rows[str(operation.pk)]["stop_points_wkt"]
        == f"MULTIPOINT(({places.LEICESTER_SQUARE.x} {places.LEICESTER_SQUARE.y}))"
    )
    assert rows[str(layout["operations"]["old"].pk)]["stop_points_wkt"] == ""


def test_exports_take_the_list_filters(analyst_client, layout):
    query = "vehicle_type=e_bike&bbox=-0.40,51.49,-0.10,51.53&since=2025-01-01T00:00:00Z"
    ids = [row["id"] for row in csv_rows(analyst_client, f"/api/v1/exports/seizures.csv?{query}")]
    listed = analyst_client.get(f"/api/v1/seizures/?{query}").json()["features"]
    assert ids == [feature["id"] for feature in listed]
    assert len(ids) == 3  # broadway, hanwell, leicester


def test_an_empty_export_is_still_valid(analyst_client, layout):
    document = geojson(analyst_client, "/api/v1/exports/seizures.geojson?since=2030-01-01T00:00:00Z")
    assert document == {"type": "FeatureCollection", "features": []}
    _response, body = download(analyst_client, "/api/v1/exports/arrests.csv?since=2030-01-01T00:00:00Z")
    assert body.decode().splitlines()[0].startswith("id,lon,lat,operation,")


def test_it_streams_in_chunks_of_rows(analyst_client, layout, settings):
    settings.REPORTING_EXPORT_CHUNK_ROWS = 2
    response = analyst_client.get("/api/v1/exports/seizures.geojson")
    chunks = list(response.streaming_content)
    assert len(chunks) >= 1 + 4 + 1  # opening, ceil(7 / 2) chunks of features, closing
    assert len(json.loads(b"".join(chunks))["features"]) == 7
    csv_response = analyst_client.get("/api/v1/exports/seizures.csv")
    assert len(list(csv_response.streaming_content)) == 4


def test_it_answers_304_without_reading_the_rows(analyst_client, layout, django_assert_num_queries):
    first, _body = download(analyst_client, "/api/v1/exports/seizures.geojson")
    assert first["Cache-Control"] == "private, no-cache"
    assert first["Last-Modified"]
    with django_assert_num_queries(3):  # token, data version, the audit event
        again = analyst_client.get("/api/v1/exports/seizures.geojson", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert (
        analyst_client.get(
            "/api/v1/exports/seizures.geojson", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        ).status_code
        == 304
    )


def test_roles_get_different_etags(analyst_client, officer_client, layout):
    analysts, _ = download(analyst_client, "/api/v1/exports/seizures.csv")
    officers, _ = download(officer_client, "/api/v1/exports/seizures.csv")
    assert analysts["ETag"] != officers["ETag"]
    again = officer_client.get("/api/v1/exports/seizures.csv", HTTP_IF_NONE_MATCH=analysts["ETag"])
    assert again.status_code == 200
    again.close()  # the export's query runs before the response starts: close what is not read


def test_the_export_is_one_query(analyst_client, layout, django_assert_num_queries):
    # token, data version, the count for the audit event, the audit event (written before the
    # first byte leaves), then the export's transaction: JIT off (a SELECT set_config) and the
    # COPY. (The test's own transaction turns the export's BEGIN / COMMIT into a savepoint pair.)
    with django_assert_num_queries(8) as captured:
        _response, body = download(analyst_client, "/api/v1/exports/operations.geojson?status=completed")
    assert len(json.loads(body)["features"]) == 3
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["SELECT", "SELECT", "SELECT", "INSERT", "SAVEPOINT", "SELECT", "COPY", "RELEASE"]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: no test transaction around it
def test_an_export_left_half_read_leaves_the_connection_usable(analyst_client, layout, settings):
    settings.REPORTING_EXPORT_CHUNK_ROWS = 1
    response = analyst_client.get("/api/v1/exports/seizures.csv")
    assert next(iter(response.streaming_content)).startswith(b"id,lon,lat,")
    before = connection.connection
    response.close()  # what the WSGI server does when the client goes away
    assert connection.connection is before, "the connection was dropped"
    assert connection.is_usable()
    assert analyst_client.get("/api/v1/seizures/?page_size=1").json()["count"] == 7


@pytest.mark.parametrize("path", [f"/api/v1/exports/{kind}.{fmt}" for kind in KINDS for fmt in ("geojson", "csv")])
def test_it_refuses_anonymous_callers(anon_client, path):
    response = anon_client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/exports/seizures.csv?vehicle_type=hoverboard", "vehicle_type"),
        ("/api/v1/exports/operations.geojson?status=paused", "status"),
        ("/api/v1/exports/arrests.geojson?radius_m=-3&lon=0&lat=51.5", "radius_m"),
        ("/api/v1/exports/seizures.geojson?operation=not-a-uuid", "operation"),
    ],
)
def test_it_names_the_bad_parameter(analyst_client, path, field):
    response = analyst_client.get(path, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
