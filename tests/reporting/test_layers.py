"""GET /api/v1/layers/{seizures,operations}/: the database-built FeatureCollection has the
same features as the list endpoints' djangorestframework-gis serializers, for each role."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from ebikeops.operations.api import serializers as s
from ebikeops.operations.selectors import operation_list, seizure_list
from ebikeops.reporting import sql

pytestmark = pytest.mark.django_db


def rendered(data) -> dict:
    """Serializer output as a client receives it (UUIDs and times as strings)."""
    return json.loads(JSONRenderer().render(data))


def layer(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"  # RFC 7946 (issue 12)
    return json.loads(response.content)


def listed(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None, "the comparison needs one page"
    return body["features"]


@pytest.mark.parametrize(
    ("client_name", "serializer"),
    [("analyst_client", s.SeizureFeature), ("officer_client", s.SeizureFeatureSensitive)],
)
@pytest.mark.parametrize("query", ["", "vehicle_type=e_bike&bbox=-0.40,51.49,-0.10,51.53", "borough=Westminster"])
def test_seizure_layer_equals_the_serializer_output(request, layout, client_name, serializer, query):
    client = request.getfixturevalue(client_name)
    body = layer(client, f"/api/v1/layers/seizures/?{query}")
    assert body["type"] == "FeatureCollection"
    assert body["features"] == listed(client, f"/api/v1/seizures/?{query}&page_size=1000")
    # and the list endpoint used the serializer for the role, which the layer matched
    everything = rendered(serializer(seizure_list(), many=True).data)
    by_id = {feature["id"]: feature for feature in everything["features"]}
    assert all(feature == by_id[feature["id"]] for feature in body["features"])
    assert body["features"], "the layout has seizures for every query here"


@pytest.mark.parametrize(
    ("client_name", "serializer"),
    [("analyst_client", s.OperationFeature), ("commander_client", s.OperationFeatureWithNotes)],
)
def test_operation_layer_equals_the_serializer_output(request, layout, client_name, serializer):
    client = request.getfixturevalue(client_name)
    body = layer(client, "/api/v1/layers/operations/?team=ealing town centre team")
    assert body["features"] == listed(client, "/api/v1/operations/?team=ealing town centre team")
    expected = rendered(serializer(operation_list().filter(team="Ealing Town Centre Team"), many=True).data)
    assert body["features"] == expected["features"]
    ealing = next(f for f in body["features"] if f["properties"]["name"] == "Ealing town centre")
    assert (ealing["properties"]["seizure_count"], ealing["properties"]["arrest_count"]) == (3, 1)


@pytest.mark.parametrize(
    ("feature", "properties"),
    [
        (s.SeizureFeature, sql.SEIZURE_PROPERTIES),
        (s.SeizureFeatureSensitive, sql.SEIZURE_PROPERTIES + sql.SEIZURE_SENSITIVE_PROPERTIES),
        (s.OperationFeature, sql.OPERATION_PROPERTIES),
        (s.OperationFeatureWithNotes, sql.OPERATION_PROPERTIES + sql.OPERATION_SENSITIVE_PROPERTIES),
        (s.ArrestFeature, sql.ARREST_PROPERTIES),
        (s.ArrestFeature, sql.ARREST_PROPERTIES + sql.ARREST_SENSITIVE_PROPERTIES),  # no sensitive fields
    ],
)
def test_its_properties_are_the_serializers_fields(feature, properties):
    """Guard: a field added to a serializer must be added to sql.py's property lists too
    (`display`, last, is composed from ebikeops.core.display.DISPLAY_FIELDS)."""
    fields = [name for name in feature.Meta.fields if name not in ("id", feature.Meta.geo_field)]
    assert fields[-1] == "display"
    assert [name for name, _kind in properties] == fields[:-1]


def test_analysts_never_get_sensitive_fields(analyst_client, officer_client, layout):
    for feature in layer(analyst_client, "/api/v1/layers/seizures/")["features"]:
        assert not {"frame_number", "notes"} & set(feature["properties"])
    for feature in layer(analyst_client, "/api/v1/layers/operations/")["features"]:
        assert "notes" not in feature["properties"]
    officer_view = layer(officer_client, "/api/v1/layers/seizures/")["features"]
    assert all(feature["properties"]["frame_number"] == "WTU123456789" for feature in officer_view)


def test_it_caps_the_features_and_says_so(analyst_client, layout):
    body = layer(analyst_client, "/api/v1/layers/seizures/?limit=3")
    assert (body["numberReturned"], body["limit"], body["truncated"]) == (3, 3, True)
    newest = analyst_client.get("/api/v1/seizures/?page_size=3").json()["features"]
    assert [f["id"] for f in body["features"]] == [f["id"] for f in newest]
    whole = layer(analyst_client, "/api/v1/layers/seizures/")
    assert (whole["numberReturned"], whole["truncated"]) == (7, False)
    assert whole["limit"] == 10_000


def test_an_empty_layer_is_an_empty_feature_collection(analyst_client, layout):
    body = layer(analyst_client, "/api/v1/layers/seizures/?since=2030-01-01T00:00:00Z")
    assert body == {
        "type": "FeatureCollection",
        "features": [],
        "numberReturned": 0,
        "limit": 10_000,
        "truncated": False,
    }


def test_it_is_one_query(analyst_client, layout, django_assert_num_queries):
    with django_assert_num_queries(3):  # token, the layer, the audit event
        layer(analyst_client, "/api/v1/layers/seizures/?bbox=-0.5,51.3,0.3,51.7&vehicle_type=e_bike")
    with django_assert_num_queries(3):  # token, the layer, the audit event
        layer(analyst_client, "/api/v1/layers/operations/?status=completed")


def test_it_refuses_anonymous_callers(anon_client, layout):
    assert anon_client.get("/api/v1/layers/seizures/").status_code == 401
    assert anon_client.get("/api/v1/layers/operations/").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=many", "limit"),
        ("bbox=west", "bbox"),
        ("since=soon", "since"),
    ],
)
def test_it_names_the_bad_parameter(analyst_client, layout, query, field):
    response = analyst_client.get(f"/api/v1/layers/seizures/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
