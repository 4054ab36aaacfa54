"""The OpenAPI schema tells the truth about reporting: CSV, GeoJSON FeatureCollections,
binary tiles, 204 and 304, and authentication on every path."""

import pytest
import yaml


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def responses(schema, path):
    return schema["paths"][path]["get"]["responses"]


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_summaries_offer_json_and_csv(schema):
    ok = responses(schema, "/api/v1/summaries/")["200"]["content"]
    assert set(ok) == {"application/json", "text/csv"}
    summary = component(schema, ok["application/json"]["schema"]["$ref"])
    assert {"groups", "totals", "rolling_12_months", "group_by"} <= set(summary["properties"])
    assert "304" in responses(schema, "/api/v1/summaries/")
    names = {p["name"] for p in schema["paths"]["/api/v1/summaries/"]["get"]["parameters"]}
    assert {"group_by", "format", "since", "until", "vehicle_type", "offence_category", "bbox", "radius_m"} <= names


@pytest.mark.parametrize("kind", ["seizures", "operations", "arrests"])
def test_exports_are_feature_collections_or_csv(schema, kind):
    geojson = responses(schema, f"/api/v1/exports/{kind}.geojson")
    collection = component(schema, geojson["200"]["content"]["application/geo+json"]["schema"]["$ref"])
    assert collection["properties"]["features"]["type"] == "array"
    feature = component(schema, collection["properties"]["features"]["items"]["$ref"])
    assert {"type", "id", "geometry", "properties"} <= set(feature["properties"])
    csv = responses(schema, f"/api/v1/exports/{kind}.csv")
    assert csv["200"]["content"]["text/csv"]["schema"]["type"] == "string"
    assert "304" in geojson and "304" in csv


def test_layers_are_capped_feature_collections(schema):
    ok = responses(schema, "/api/v1/layers/seizures/")["200"]["content"]["application/json"]
    layer = component(schema, ok["schema"]["$ref"])
    assert {"features", "truncated", "limit", "numberReturned"} <= set(layer["properties"])


def test_tiles_are_binary_mvt_or_204(schema):
    tile = responses(schema, "/tiles/{layer}/{z}/{x}/{y}.mvt")
    assert tile["200"]["content"]["application/vnd.mapbox-vector-tile"]["schema"] == {
        "type": "string",
        "format": "binary",
    }
    assert {"204", "304"} <= set(tile)


def test_every_reporting_path_needs_authentication(schema):
    paths = [
        p for p in schema["paths"] if p.startswith(("/api/v1/summaries", "/api/v1/exports", "/api/v1/layers", "/tiles"))
    ]
    assert len(paths) == 1 + 6 + 3 + 1  # summaries, exports, layers, tiles
    for path in paths:
        security = schema["paths"][path]["get"]["security"]
        assert {"tokenAuth": []} in security and {} not in security
