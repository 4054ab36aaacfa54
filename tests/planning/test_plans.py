"""GET /api/v1/plans/ (commander: N teams, non-overlapping) and the cool-down and weekly share."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point

from ebikeops.planning import errors, services
from ebikeops.planning.params import Area, SuggestionParams

from .conftest import (
    AT,
    DALSTON,
    EALING_BROADWAY,
    HAGGERSTON,
    HOTSPOT_RUN_LOOKUP,
    NOW,
    WEST_EALING,
    pt,
    saturdays,
    seizures_at,
)

URL = "/api/v1/plans/"
SHIFT = {"start": AT.isoformat(), "end": (AT + timedelta(hours=6)).isoformat()}


def metres(a, b) -> float:
    return a.transform(27700, clone=True).distance(b.transform(27700, clone=True))


def plan(**kwargs):
    return services.shift_plan(
        user=None, area=Area(), start=AT, end=AT + timedelta(hours=6), teams=2, now=NOW, **kwargs
    )


def test_it_plans_non_overlapping_deployments_for_n_teams(commander_client, uxbridge_saturdays, kingsland_saturdays):
    # Hanwell, further along Uxbridge Road: a third place in Ealing, busy on Fridays.
    seizures_at(
        [(-0.3352, 51.5088)], days=[d - timedelta(days=1) for d in saturdays(5)], per_place=4, operation_name="Hanwell"
    )
    response = commander_client.get(URL, {"borough": "Ealing", "teams": 3, "k": 1, **SHIFT})
    assert response.status_code == 200, response.content
    body = response.json()
    features = body["features"]
    assert [f["properties"]["rank"] for f in features] == [1, 2, 3]
    assert all(f["properties"]["corridor"] == "uxbridge-road" for f in features)
    points = [Point(*c, srid=4326) for f in features for c in f["geometry"]["coordinates"]]
    assert all(metres(a, b) >= 400 for i, a in enumerate(points) for b in points[i + 1 :])
    # Saturday afternoon: the Saturday places come before the Friday one.
    assert features[2]["properties"]["time_windows"][0]["weekday"] == "Friday"
    assert body["run"]["kind"] == "plan"
    assert body["run"]["area"] == {"type": "borough", "name": "Ealing", "gss_code": "E09000009"}
    assert body["run"]["valid_until"].startswith("2025-11-29T19:00")


def test_it_returns_fewer_deployments_than_teams_when_there_are_fewer_places(commander_client, uxbridge_saturdays):
    body = commander_client.get(URL, {"borough": "E09000009", "teams": 5, **SHIFT}).json()
    assert len(body["features"]) == 1
    assert body["message"].startswith("1 suggestion in Ealing")


def test_an_operation_yesterday_lowers_a_place_below_an_equally_busy_unvisited_one(corridors):
    # The same history on both corridors, the last of it 14 days ago: the end of the cool-down.
    weeks = saturdays(8)[1:]
    seizures_at([EALING_BROADWAY, WEST_EALING], days=weeks, per_place=3, operation_name="Uxbridge")
    seizures_at([HAGGERSTON, DALSTON], days=weeks, per_place=3, operation_name="Kingsland")
    before = plan()
    scores = {s.corridor_slug: s.score for s in before.ranked}
    assert scores["uxbridge-road"] == pytest.approx(scores["kingsland-road"], rel=0.05), "equally busy"
    assert all(s.cooldown["factor"] == 1.0 for s in before.ranked)

    seizures_at([EALING_BROADWAY, WEST_EALING], days=[AT - timedelta(days=1)], per_place=0, operation_name="Yesterday")
    after = plan()
    assert [s.corridor_slug for s in after.ranked] == ["kingsland-road", "uxbridge-road"]
    lowered = after.ranked[1]
    assert lowered.score == pytest.approx(scores["uxbridge-road"] * (1 - 0.6 * 13 / 14), rel=0.01)
    assert lowered.cooldown["days_since"] == pytest.approx(1.0)
    assert lowered.rationale.endswith("last operation here 1 day ago, so lowered by 56% (cool-down 14 days).")
    assert after.ranked[0].rationale.endswith("last operation here 14 days ago.")


def test_it_holds_back_a_place_that_had_too_many_of_the_weeks_operations(uxbridge_saturdays, kingsland_saturdays):
    week = [AT - timedelta(days=n) for n in (1, 2, 3)]
    seizures_at([EALING_BROADWAY, WEST_EALING], days=week, per_place=0, operation_name="This week")
    run = plan()
    assert [s.corridor_slug for s in run.ranked] == ["kingsland-road"]
    assert len(run.held_back) == 1
    held = run.held_back[0]
    assert held["corridor"] == "uxbridge-road"
    assert held["reason"].startswith("4 of the 5 operations in London in the last 7 days were here")
    assert "above 40% of the week's operations" in held["reason"]


def test_it_says_so_when_everything_is_held_back(uxbridge_saturdays):
    seizures_at(
        [EALING_BROADWAY], days=[AT - timedelta(days=n) for n in (1, 2, 3, 4)], per_place=0, operation_name="Every day"
    )
    run = plan()
    assert run.ranked == []
    assert run.message == errors.ALL_HELD_BACK.format(area="in London", share=0.4)


def test_it_can_switch_the_cooldown_off(uxbridge_saturdays, kingsland_saturdays):
    seizures_at([EALING_BROADWAY, WEST_EALING], days=[AT - timedelta(days=1)], per_place=0, operation_name="Y")
    run = plan(params=SuggestionParams(cooldown_days=0))
    assert all(s.cooldown["factor"] == 1.0 for s in run.ranked)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"teams": 0}, "teams"),
        ({"teams": 13}, "teams"),
        ({"teams": " , "}, "teams"),  # (a word is a team's name: `teams=two` plans for a team called two)
        ({"k": 9}, "k"),
        ({"spacing_m": 99}, "spacing_m"),
        ({"start": "2025-11-29T13:00:00"}, "start"),
        ({"end": "soon"}, "end"),
        ({"end": (AT - timedelta(hours=1)).isoformat()}, "end"),
        ({"end": (AT + timedelta(hours=30)).isoformat()}, "end"),
        (
            {"start": (AT + timedelta(days=400)).isoformat(), "end": (AT + timedelta(days=400, hours=2)).isoformat()},
            "start",
        ),
        ({"borough": "Atlantis"}, "borough"),
        ({"borough": ""}, "borough"),
        ({"bbox": "-0.4,51.5,-0.5"}, "bbox"),
        ({"bbox": "-0.4,51.5,-0.3,51.6"}, "borough"),  # with a borough as well
        ({"lon": -0.3}, "lat"),
    ],
)
def test_it_refuses_invalid_plans_naming_the_field(commander_client, corridors, params, field):
    query = {"borough": "Ealing", **SHIFT, **params}
    if query["borough"] == "":
        del query["borough"]
    response = commander_client.get(URL, query)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


def test_it_needs_start_and_end(commander_client, corridors):
    response = commander_client.get(URL, {"borough": "Ealing"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"start", "end"}


def test_only_commanders_plan(officer_client, analyst_client, anon_client, commander_client, corridors):
    query = {"borough": "Ealing", **SHIFT}
    assert officer_client.get(URL, query).status_code == 403
    assert analyst_client.get(URL, query).status_code == 403
    assert anon_client.get(URL, query).status_code == 401
    assert commander_client.get(URL, query).status_code == 200


def test_it_plans_for_a_box_or_around_a_point(commander_client, uxbridge_saturdays):
    box = commander_client.get(URL, {"bbox": "-0.35,51.50,-0.28,51.53", **SHIFT}).json()
    assert box["run"]["area"]["type"] == "bbox" and len(box["features"]) == 1
    around = commander_client.get(URL, {"lon": WEST_EALING[0], "lat": WEST_EALING[1], "radius_m": 500, **SHIFT}).json()
    assert around["run"]["area"]["radius_m"] == 500
    stops = around["features"][0]["properties"]["stops"]
    assert all(metres(Point(s["lon"], s["lat"], srid=4326), pt(WEST_EALING)) <= 500 for s in stops)


def test_the_plan_answers_in_constant_queries(
    commander_client, uxbridge_saturdays, kingsland_saturdays, django_assert_num_queries
):
    seizures_at(
        [HAGGERSTON, DALSTON],
        days=[d - timedelta(days=3) for d in saturdays(4)],
        per_place=2,
        operation_name="Kingsland Wednesdays",
    )
    # token (1), savepoint and release (2), corridors (1), profiles (2), stops (1),
    # clusters (1), close pairs (1), recent operations (1), sections (1), evidence (2),
    # operations in the area (1), run and suggestions (2), the newest hotspot run (if installed)
    with django_assert_num_queries(16 + HOTSPOT_RUN_LOOKUP + 1):  # + the audit event of the read
        body = commander_client.get(URL, {"bbox": "-0.40,51.45,0.00,51.60", "teams": 4, **SHIFT}).json()
    assert len(body["features"]) >= 2


def test_a_plan_for_named_teams_gives_them_the_deployments_in_rank_order_and_officers_read_it(
    commander_client, officer_client, analyst_client, uxbridge_saturdays, kingsland_saturdays
):
    names = ["Ealing Town Centre Team", "Hackney Central Team", *(f"Reserve Team {n}" for n in range(1, 11))]
    london = "-0.5,51.3,0.3,51.7"
    preview = commander_client.get(URL, {"bbox": london, "teams": ", ".join(names), "k": 1, **SHIFT}).json()
    planned = preview["features"]
    assert 2 <= len(planned) < len(names), "fewer places than teams: the last named get none"
    assert [f["properties"]["team"] for f in planned] == names[: len(planned)], "in rank order"
    assert [f["properties"]["rank"] for f in planned] == list(range(1, len(planned) + 1))
    # Nothing was sent yet: an officer's page finds no plan for the shift.
    assert officer_client.get("/api/v1/plans/sent/", SHIFT).status_code == 404

    body = {"bbox": london, "teams": ["Ealing Town Centre Team", "Hackney Central Team"], "k": 1, **SHIFT}
    sent = commander_client.post(URL, body, format="json")
    assert sent.status_code == 201, sent.content
    for client in (officer_client, analyst_client):
        read = client.get("/api/v1/plans/sent/", SHIFT)
        assert read.status_code == 200, read.content
        features = read.json()["features"]
        assert [(f["properties"]["rank"], f["properties"]["team"]) for f in features] == [
            (1, "Ealing Town Centre Team"),
            (2, "Hackney Central Team"),
        ]
        stored = [f["properties"]["stops"] for f in sent.json()["features"]]
        assert [f["properties"]["stops"] for f in features] == stored
    # A number of teams still plans unnamed deployments; another shift has no plan.
    unnamed = commander_client.get(URL, {"bbox": london, "teams": 2, **SHIFT}).json()["features"]
    assert [f["properties"]["team"] for f in unnamed] == [None, None]
    later = {"start": (AT + timedelta(days=2)).isoformat(), "end": (AT + timedelta(days=2, hours=6)).isoformat()}
    assert officer_client.get("/api/v1/plans/sent/", later).status_code == 404


@pytest.mark.parametrize(
    "teams",
    ["0", "13", "", " , ", "A,a", ",".join(f"Team {n}" for n in range(13)), "x" * 101],
)
def test_it_refuses_bad_teams_by_name(commander_client, teams):
    response = commander_client.get(URL, {"borough": "Ealing", "teams": teams, **SHIFT})
    assert response.status_code == 400
    assert "teams" in response.json()["errors"]


def test_the_sent_plan_refuses_anonymous_callers_and_names_a_bad_shift(anon_client, officer_client):
    assert anon_client.get("/api/v1/plans/sent/", SHIFT).status_code == 401
    response = officer_client.get("/api/v1/plans/sent/", {**SHIFT, "start": "not a time"})
    assert response.status_code == 400
    assert "start" in response.json()["errors"]
