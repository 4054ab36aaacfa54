"""Issue 12, item 7: what the schema said and the API did not do (or the other way round)."""

import pytest
import yaml
from rest_framework.test import APIClient

from ebikeops.core.models import Role
from tests.factories import OperationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _component(schema, ref):
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def test_lead_officer_is_nullable_in_the_schema_and_null_when_there_is_none(schema, commander_client):
    properties = _component(schema, {"$ref": "#/components/schemas/OperationFeatureWithNotes"})["properties"][
        "properties"
    ]
    assert properties["properties"]["lead_officer"].get("nullable") is True
    operation = OperationFactory(lead_officer=None, created_by=UserFactory(role=Role.OFFICER))
    response = commander_client.get(f"/api/v1/operations/{operation.pk}/")
    assert response.json()["properties"]["lead_officer"] is None


def test_a_simplified_borough_may_be_a_polygon_and_the_schema_says_so(schema, analyst_client, boroughs):
    content = schema["paths"]["/api/v1/boroughs/"]["get"]["responses"]["200"]["content"]
    collection = _component(schema, content["application/json"]["schema"])
    feature = _component(schema, collection["properties"]["features"]["items"])
    kinds = {option["properties"]["type"]["enum"][0] for option in feature["properties"]["geometry"]["oneOf"]}
    assert kinds == {"Polygon", "MultiPolygon"}
    served = {f["geometry"]["type"] for f in analyst_client.get("/api/v1/boroughs/?simplify_m=500").json()["features"]}
    assert served <= kinds and "Polygon" in served


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/seizures/", "get", {"400", "401", "403", "404", "429"}),
        ("/api/v1/seizures/", "post", {"400", "401", "403", "409", "413", "415", "429"}),
        ("/api/v1/seizures/{id}/", "patch", {"400", "401", "403", "404", "410", "412", "428", "429"}),
        ("/api/v1/operations/{id}/", "delete", {"401", "403", "404", "410", "412", "428", "429"}),
        ("/api/v1/health/", "get", {"429"}),
        ("/api/v1/auth/token/", "post", {"400", "401", "429"}),  # a wrong password (schemathesis)
    ],
)
def test_error_responses_are_documented_as_problem_details(schema, path, method, codes):
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses), sorted(codes - set(responses))
    for code in codes:
        assert "application/problem+json" in responses[code]["content"], (path, method, code)


def test_the_problem_component_describes_field_errors(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["errors"]["additionalProperties"]["type"] == "array"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/operations/",
        "/api/v1/seizures/",
        "/api/v1/boroughs/",
        "/api/v1/layers/seizures/",
        "/api/v1/layers/operations/",
        "/api/v1/hotspots/",
    ],
)
def test_geojson_is_served_as_application_geo_json_and_as_json_when_asked(commander_client, boroughs, path):
    as_geojson = commander_client.get(path)
    assert as_geojson.status_code == 200
    assert as_geojson["Content-Type"] == "application/geo+json"
    as_json = commander_client.get(path, HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json()["type"] == as_geojson.json()["type"] == "FeatureCollection"


def test_a_feature_is_served_as_application_geo_json(commander_client):
    operation = OperationFactory()
    response = commander_client.get(f"/api/v1/operations/{operation.pk}/", HTTP_ACCEPT="application/geo+json")
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["type"] == "Feature"


def test_the_schema_offers_geo_json_for_geojson_responses(schema):
    for path in ("/api/v1/seizures/", "/api/v1/layers/seizures/", "/api/v1/boroughs/"):
        assert "application/geo+json" in schema["paths"][path]["get"]["responses"]["200"]["content"], path
