"""The OpenAPI schema describes the planning endpoints truthfully."""

from drf_spectacular.generators import SchemaGenerator


def test_the_schema_describes_suggestions_plans_and_links():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/suggestions/",
        "/api/v1/plans/",
        "/api/v1/suggestions/bundle/",
        "/api/v1/suggestions/{id}/",
        "/api/v1/suggestions/followed-report/",
        "/api/v1/operations/{operation_pk}/followed-suggestion/",
        "/api/v1/places/",
    ):
        assert path in paths, f"{path} is missing from the schema"
    near_me = {p["name"] for p in paths["/api/v1/suggestions/"]["get"]["parameters"]}
    assert {"lon", "lat", "radius_m", "at", "k", "spacing_m"} <= near_me
    plan = {p["name"] for p in paths["/api/v1/plans/"]["get"]["parameters"]}
    assert {"borough", "start", "end", "teams"} <= plan
    collection = schema["components"]["schemas"]["SuggestionCollection"]["properties"]
    assert {"type", "message", "run", "held_back", "features"} <= set(collection)
    # GET answers, POST keeps: both documented, with the status each returns.
    for path in ("/api/v1/suggestions/", "/api/v1/plans/", "/api/v1/suggestions/bundle/"):
        assert "200" in paths[path]["get"]["responses"]
        assert "201" in paths[path]["post"]["responses"]
    run = schema["components"]["schemas"]["Run"]["properties"]
    assert run["id"].get("nullable") is True and run["kept"]["type"] == "boolean"
    stop = schema["components"]["schemas"]["SuggestionFeature"]
    assert "properties" in stop
