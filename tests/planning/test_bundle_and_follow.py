"""The offline bundle, linking operations to suggestions, and the effect report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ebikeops.core.display import display_names
from ebikeops.planning import errors, services
from ebikeops.planning.models import FollowedSuggestion, SuggestionRun
from ebikeops.planning.params import Area

from ..factories import OperationFactory, SeizureFactory
from .conftest import AT, EALING_BROADWAY, NOW, pt

BUNDLE = "/api/v1/suggestions/bundle/"
REPORT = "/api/v1/suggestions/followed-report/"


def link_url(operation) -> str:
    return f"/api/v1/operations/{operation.pk}/followed-suggestion/"


def test_the_bundle_is_compact_and_says_how_long_it_holds(officer_client, uxbridge_saturdays):
    response = officer_client.get(BUNDLE, {"borough": "Ealing", "start": AT.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    meta = body["bundle"]
    assert {
        "run",
        "generated_at",
        "valid_from",
        "valid_until",
        "data_since",
        "data_until",
        "code_version",
        "message",
    } <= set(meta)
    assert (meta["valid_from"], meta["valid_until"]) == ("2025-11-29T13:00:00+00:00", "2025-11-29T21:00:00+00:00")
    assert response["Cache-Control"] == "private, max-age=0", "that shift is over"
    feature = body["features"][0]
    props = feature["properties"]
    assert set(props) == {
        "rank",
        "kind",
        "title",
        "rationale",
        "section",
        "stops",
        "rotation",
        "time_windows",
        "team",
        "display",
    }
    # Words, not codes, for a phone without signal; no team unless a shift plan named one.
    assert props["display"] == {"kind": display_names()["suggestion_kind"][props["kind"]]}
    assert props["display"]["kind"] != props["kind"]
    assert props["team"] is None
    assert props["time_windows"][0] == "Saturday 14:00-18:00 (42)"
    lon, lat = feature["geometry"]["coordinates"][0]
    assert lon == round(lon, 5) and lat == round(lat, 5)


def test_the_next_shifts_bundle_may_be_kept_until_the_shift_ends(officer_client, corridors):
    response = officer_client.get(BUNDLE, {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1]})
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert 8 * 3600 - 60 <= max_age <= 8 * 3600


def test_the_bundle_is_for_officers_and_commanders(analyst_client, commander_client, corridors):
    assert analyst_client.get(BUNDLE, {"borough": "Ealing"}).status_code == 403
    assert commander_client.get(BUNDLE, {"lon": -0.3, "lat": 51.51}).status_code == 200


def test_the_bundle_needs_one_area(officer_client, corridors):
    response = officer_client.get(BUNDLE)
    assert response.status_code == 400
    assert response.json()["errors"] == {"borough": [errors.AREA_REQUIRED]}
    both = officer_client.get(BUNDLE, {"borough": "Ealing", "lon": -0.3, "lat": 51.51})
    assert both.json()["errors"] == {"borough": [errors.AREA_EXCLUSIVE]}


@pytest.fixture
def suggestion(uxbridge_saturdays):
    run = services.shift_plan(
        user=None,
        area=Area(point=pt(EALING_BROADWAY), radius_m=2000),
        start=AT,
        end=AT + timedelta(hours=5),
        teams=1,
        now=NOW,
        keep=True,
    )
    return run.ranked[0]


def test_an_operations_lead_links_it_to_the_suggestion_it_followed(officer, officer_client, suggestion):
    operation = OperationFactory(lead_officer=officer, started_at=timezone.now(), ended_at=None)
    response = officer_client.put(link_url(operation), {"suggestion": str(suggestion.pk)})
    assert response.status_code == 200, response.content
    assert response.json()["suggestion"] == str(suggestion.pk)
    assert response.json()["title"] == "Uxbridge Road, Ealing"
    assert officer_client.get(link_url(operation)).json()["linked_by"] == officer.username
    assert officer_client.delete(link_url(operation)).status_code == 204
    assert not FollowedSuggestion.objects.exists()
    assert officer_client.get(link_url(operation)).status_code == 404


def test_only_the_lead_or_a_commander_links(
    other_officer_client, analyst_client, commander_client, officer, suggestion
):
    operation = OperationFactory(lead_officer=officer, started_at=timezone.now(), ended_at=None)
    body = {"suggestion": str(suggestion.pk)}
    assert other_officer_client.put(link_url(operation), body).status_code == 403
    assert analyst_client.put(link_url(operation), body).status_code == 403
    assert commander_client.put(link_url(operation), body).status_code == 200
    assert analyst_client.get(link_url(operation)).status_code == 200


def test_linking_refuses_unknown_or_later_suggestions(commander_client, officer, suggestion):
    operation = OperationFactory(lead_officer=officer)  # ended on 29 Nov 2025, before the suggestion was made
    unknown = commander_client.put(link_url(operation), {"suggestion": "00000000-0000-0000-0000-000000000000"})
    assert unknown.json()["errors"] == {"suggestion": [errors.SUGGESTION_NOT_FOUND]}
    later = commander_client.put(link_url(operation), {"suggestion": str(suggestion.pk)})
    assert later.status_code == 400
    assert later.json()["errors"] == {"suggestion": [errors.SUGGESTION_AFTER_OPERATION]}
    assert commander_client.put(link_url(operation), {"suggestion": "x"}).json()["errors"].keys() == {"suggestion"}


def test_the_report_compares_seizures_per_officer_hour(
    commander_client, analyst_client, officer_client, suggestion, django_assert_num_queries
):
    start = timezone.now() - timedelta(days=2)
    SuggestionRun.objects.filter(pk=suggestion.run_id).update(created_at=start - timedelta(hours=12))
    suggestion.run.refresh_from_db()
    followed = OperationFactory(started_at=start, ended_at=start + timedelta(hours=4), officer_count=5)
    for _ in range(10):
        SeizureFactory(operation=followed, seized_at=start + timedelta(hours=1))
    services.suggestion_follow(user=None, operation=followed, suggestion=suggestion)
    other = OperationFactory(started_at=start, ended_at=start + timedelta(hours=2), officer_count=8)
    for _ in range(4):
        SeizureFactory(operation=other, seized_at=start + timedelta(hours=1))
    OperationFactory(started_at=start, ended_at=None, officer_count=None)  # no effort known
    with django_assert_num_queries(3):  # token, the report, the audit event
        response = commander_client.get(REPORT)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["followed"] == {
        "operations": 1,
        "seizures": 10,
        "officer_hours": 20.0,
        "seizures_per_officer_hour": 0.5,
    }
    assert body["not_followed"] == {
        "operations": 1,
        "seizures": 4,
        "officer_hours": 16.0,
        "seizures_per_officer_hour": 0.25,
    }
    assert body["ratio"] == 2.0
    assert body["excluded_operations"] == 1
    assert body["per_suggestion"] == [
        {
            "suggestion": str(suggestion.pk),
            "title": "Uxbridge Road, Ealing",
            "rank": 1,
            "run_kind": "plan",
            "operations": 1,
            "seizures": 10,
            "officer_hours": 20.0,
            "seizures_per_officer_hour": 0.5,
        }
    ]
    assert analyst_client.get(REPORT).status_code == 200
    assert officer_client.get(REPORT).status_code == 403
    assert (
        commander_client.get(
            REPORT, {"since": "2025-01-02T00:00:00+00:00", "until": "2025-01-01T00:00:00+00:00"}
        ).status_code
        == 400
    )
