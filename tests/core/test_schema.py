"""The OpenAPI schema validates and tells the truth about GeoJSON."""

import pytest
import yaml
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_it_validates_as_openapi_3(schema):
    validate(schema)


def test_it_describes_lists_as_feature_collections(schema):
    listing = schema["paths"]["/api/v1/seizures/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][listing["$ref"].rsplit("/", 1)[1]]
    assert set(page["required"]) == {"type", "count", "features"}
    features_ref = page["properties"]["features"]["$ref"].rsplit("/", 1)[1]
    features = schema["components"]["schemas"][features_ref]
    feature = schema["components"]["schemas"][features["properties"]["features"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(feature["properties"]) >= {"type", "id", "geometry", "properties"}
    assert feature["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point"]


def test_it_describes_geojson_input_points(schema):
    body = schema["components"]["schemas"]["SeizureCreateInputRequest"]
    assert body["properties"]["point"]["properties"]["type"]["enum"] == ["Point"]


def test_swagger_ui_loads(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
