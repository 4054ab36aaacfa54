"""Issue 12: a GET never writes; keeping an answer is a POST; what is kept is purged."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ebikeops.planning import errors, services
from ebikeops.planning.models import FollowedSuggestion, Suggestion, SuggestionRun
from ebikeops.planning.params import Area

from ..factories import OperationFactory
from .conftest import AT, EALING_BROADWAY, NOW, pt

NEAR = "/api/v1/suggestions/"
PLANS = "/api/v1/plans/"
BUNDLE = "/api/v1/suggestions/bundle/"
SHIFT = {"start": AT.isoformat(), "end": (AT + timedelta(hours=6)).isoformat()}
HERE = {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "at": AT.isoformat()}


def test_twenty_gets_by_any_role_store_nothing(officer_client, analyst_client, commander_client, uxbridge_saturdays):
    for client in (officer_client, analyst_client, commander_client) * 6 + (officer_client, commander_client):
        body = client.get(NEAR, HERE).json()
        assert body["features"], body["message"]
    assert commander_client.get(PLANS, {"borough": "Ealing", **SHIFT}).status_code == 200
    assert officer_client.get(BUNDLE, {"borough": "Ealing", "start": AT.isoformat()}).status_code == 200
    assert SuggestionRun.objects.count() == 0 and Suggestion.objects.count() == 0
    assert body["run"]["id"] is None and body["run"]["kept"] is False
    assert "id" not in body["features"][0] and body["features"][0]["properties"]["run"] is None


def test_a_post_keeps_the_same_answer_so_an_operation_can_follow_it(officer_client, officer, uxbridge_saturdays):
    asked = officer_client.get(NEAR, HERE).json()
    response = officer_client.post(NEAR, HERE, format="json")
    assert response.status_code == 201, response.content
    kept = response.json()
    assert kept["run"]["kept"] is True
    assert [f["properties"]["title"] for f in kept["features"]] == [f["properties"]["title"] for f in asked["features"]]
    assert [f["geometry"] for f in kept["features"]] == [f["geometry"] for f in asked["features"]]
    suggestion = kept["features"][0]["id"]
    assert Suggestion.objects.filter(pk=suggestion, run_id=kept["run"]["id"]).exists()
    operation = OperationFactory(lead_officer=officer, started_at=timezone.now(), ended_at=None)
    link = officer_client.put(
        f"/api/v1/operations/{operation.pk}/followed-suggestion/", {"suggestion": suggestion}, format="json"
    )
    assert link.status_code == 200, link.content


def test_only_field_roles_keep_suggestions_and_only_commanders_keep_plans(
    officer_client, analyst_client, commander_client, uxbridge_saturdays
):
    assert analyst_client.post(NEAR, HERE, format="json").status_code == 403
    assert officer_client.post(PLANS, {"borough": "Ealing", **SHIFT}, format="json").status_code == 403
    plan = commander_client.post(PLANS, {"borough": "Ealing", **SHIFT}, format="json")
    assert plan.status_code == 201 and plan.json()["run"]["kind"] == "plan"
    bundle = officer_client.post(BUNDLE, {"borough": "Ealing", "start": AT.isoformat()}, format="json")
    assert bundle.status_code == 201 and bundle.json()["bundle"]["kept"] is True
    assert SuggestionRun.objects.count() == 2


def test_a_post_with_bad_input_names_the_field_and_stores_nothing(officer_client, uxbridge_saturdays):
    response = officer_client.post(NEAR, {**HERE, "radius_m": -5}, format="json")
    assert response.status_code == 400
    assert "radius_m" in response.json()["errors"]
    assert SuggestionRun.objects.count() == 0


def _kept_run(days_old: float) -> SuggestionRun:
    run = services.shift_plan(
        user=None,
        area=Area(point=pt(EALING_BROADWAY), radius_m=2000),
        start=AT,
        end=AT + timedelta(hours=4),
        teams=1,
        now=NOW,
        keep=True,
    )
    SuggestionRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    return run


def test_purge_deletes_old_runs_but_keeps_followed_and_recent_ones(uxbridge_saturdays, settings):
    settings.SUGGESTION_RETENTION_DAYS = 30
    old, recent, followed = _kept_run(45), _kept_run(5), _kept_run(45)
    operation = OperationFactory(started_at=AT, ended_at=AT + timedelta(hours=4))
    FollowedSuggestion.objects.create(operation=operation, suggestion=followed.ranked[0])
    out = StringIO()
    call_command("purge_suggestions", stdout=out)
    assert "Purged 1 suggestion run older than 30 days." in out.getvalue()
    assert set(SuggestionRun.objects.values_list("pk", flat=True)) == {recent.pk, followed.pk}
    assert not Suggestion.objects.filter(run_id=old.pk).exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"until": "0001-01-05T01:01:01-04:43"}, "until"),
        ({"until": "9999-12-31T23:59:59Z"}, "until"),
    ],
)
def test_the_followed_report_refuses_dates_out_of_range_with_a_400(commander_client, query, field):
    response = commander_client.get("/api/v1/suggestions/followed-report/", query)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][field] == [
        errors.DATE_OUT_OF_RANGE.format(earliest="01 December 2010", latest="01 January 2100")
    ]


def test_the_first_day_of_the_calendar_is_a_400_too(commander_client):
    response = commander_client.get("/api/v1/suggestions/followed-report/", {"since": "0001-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


def test_a_shift_at_the_end_of_time_is_a_400_not_an_overflow(officer_client, corridors):
    response = officer_client.get(NEAR, {**HERE, "at": "9999-12-31T23:00:00Z"})
    assert response.status_code == 400
    assert "at" in response.json()["errors"]
