"""The OpenAPI schema validates and tells the truth about GeoJSON."""

import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from openapi_schema_validator import validate as validate_instance
from openapi_spec_validator import validate

from tests.factories import ArrestFactory, OperationFactory, SeizureFactory

PAGINATED_LISTS = [
    "/api/v1/operations/",
    "/api/v1/seizures/",
    "/api/v1/arrests/",
    "/api/v1/operations/{operation_pk}/seizures/",
    "/api/v1/operations/{operation_pk}/arrests/",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _component(schema: dict, ref: dict) -> dict:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def _list_response(schema: dict, path: str) -> dict:
    return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def _closed(node: dict) -> dict:
    """A copy of the schema `node` in which every object refuses properties it does not
    declare, so that validation also catches fields the API sends but the schema leaves out."""
    closed = dict(node)
    if "properties" in closed:
        closed["properties"] = {name: _closed(sub) for name, sub in closed["properties"].items()}
        closed.setdefault("additionalProperties", False)
    if "items" in closed:
        closed["items"] = _closed(closed["items"])
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in closed:
            closed[keyword] = [_closed(sub) for sub in closed[keyword]]
    return closed


def test_it_validates_as_openapi_3(schema):
    validate(schema)


@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_it_describes_paginated_lists_as_one_feature_collection(schema, path):
    page = _component(schema, _list_response(schema, path))
    assert set(page["required"]) == {"type", "count", "features"}
    features = page["properties"]["features"]
    assert features["type"] == "array", (
        f"{path}: a page's `features` must be the array of Features, not a nested FeatureCollection: {features}"
    )
    feature = _component(schema, features["items"])
    assert set(feature["properties"]) >= {"type", "id", "geometry", "properties"}
    assert feature["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point"]


def test_it_still_describes_unpaginated_lists_as_feature_collections(schema):
    collection = _component(schema, _list_response(schema, "/api/v1/boroughs/"))
    assert set(collection["properties"]) == {"type", "features"}
    assert collection["properties"]["features"]["type"] == "array"


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGINATED_LISTS)
def test_it_matches_real_pages_of_every_paginated_list(schema, path, officer, officer_client, boroughs):
    operations = OperationFactory.create_batch(2, lead_officer=officer)
    for operation in operations:
        SeizureFactory.create_batch(2, operation=operation)
        ArrestFactory.create_batch(2, operation=operation)
    response = officer_client.get(path.format(operation_pk=operations[0].pk), {"page_size": 1})
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] >= 2 and len(page["features"]) == 1 and page["next"], page

    # Every documented property present, nothing undocumented sent, formats and enums kept.
    components = {"schemas": {name: _closed(sub) for name, sub in schema["components"]["schemas"].items()}}
    validate_instance(
        page,
        {**_list_response(schema, path), "components": components},
        cls=OAS30ReadValidator,
        check_schema=False,  # the document as a whole is checked by test_it_validates_as_openapi_3
        enforce_properties_required=True,
        format_checker=oas30_format_checker,
    )


def test_it_describes_geojson_input_points(schema):
    body = schema["components"]["schemas"]["SeizureCreateInputRequest"]
    assert body["properties"]["point"]["properties"]["type"]["enum"] == ["Point"]


def test_swagger_ui_loads_only_from_this_server(client):
    """Closed police networks reach no CDN: every asset of /api/docs/ is one of our static files."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w+/", html), (
        "/api/docs/ names another host; set SPECTACULAR_SETTINGS['SWAGGER_UI_DIST'] = 'SIDECAR' "
        "and keep drf_spectacular_sidecar in INSTALLED_APPS"
    )
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("/swagger-ui-bundle.js") for asset in assets), assets
    # The page's own settings script comes from the page itself (SpectacularSwaggerSplitView),
    # so that it is a file and not inline script (the CSP allows only 'self').
    assert "/api/docs/?script=" in assets
    assets.remove("/api/docs/?script=")
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), f"{asset} is not served from {settings.STATIC_URL}"
        found = finders.find(asset.removeprefix(settings.STATIC_URL))
        assert found, f"no static file {asset}: is drf-spectacular-sidecar installed?"


def test_it_documents_the_failing_health_check_as_problem_details(schema):
    responses = schema["paths"]["/api/v1/health/"]["get"]["responses"]
    problem = _component(schema, responses["503"]["content"]["application/problem+json"]["schema"])
    assert set(problem["required"]) >= {"type", "title", "status", "detail", "database", "postgis"}
