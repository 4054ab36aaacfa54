"""Issue 18: no look-ahead by construction, one score for spacing and ranking, any past
moment, and stop points named after places people know."""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from ebikeops.areas.named_stops import named_stops_load
from ebikeops.hotspots.services import hotspots_compute
from ebikeops.planning import engine, errors, spacing
from ebikeops.planning.candidates import Stop
from ebikeops.planning.params import Area, SuggestionParams

from ..factories import OperationFactory, SeizureFactory
from .conftest import AT, EALING_BROADWAY, NOW, WEST_EALING, WOOD_GREEN, pt, saturdays, seizures_at

PLANS = "/api/v1/plans/"
SHIFT = {"start": AT.isoformat(), "end": (AT + timedelta(hours=6)).isoformat()}
# On Uxbridge Road in Ealing, beside TfL stops: Acton Old Town Hall and Southall Police Station.
ACTON = (-0.267253, 51.506746)
SOUTHALL = (-0.372957, 51.510948)
# Soho, 120 m from the nearest corridor; Shaftesbury Avenue's middle is 250 m away.
SOHO = (-0.1317, 51.5130)
SHAFTESBURY = (-0.129454, 51.512848)


@pytest.fixture
def named_stops(db):
    return named_stops_load()


def _answer(area: Area, *, limit: int = 5) -> tuple:
    """Everything an answer says, to compare two answers exactly."""
    outcome = engine.make_suggestions(
        area=area, valid_from=AT, valid_until=AT + timedelta(hours=6), params=SuggestionParams(), now=NOW, limit=limit
    )
    chosen = [
        (c.title, c.kind, round(c.score, 9), c.counts, [(s.lon, s.lat, s.name, round(s.score, 9)) for s in c.stops])
        for c in outcome.candidates
    ]
    held = [(c.title, c.held_back) for c in outcome.held_back]
    return chosen, held, outcome.message


LATER = st.lists(
    st.tuples(
        st.sampled_from(["seizure", "operation", "hotspot_run"]),
        st.sampled_from([EALING_BROADWAY, WEST_EALING, WOOD_GREEN, ACTON, SOHO]),
        st.floats(min_value=0, max_value=90 * 24, allow_nan=False),  # hours after AT
        st.integers(min_value=1, max_value=6),
    ),
    min_size=1,
    max_size=5,
)


def _add_later(item) -> None:
    kind, place, hours, count = item
    moment = AT + timedelta(hours=hours)
    if kind == "hotspot_run":
        hotspots_compute(
            since=AT - timedelta(days=365), until=moment + timedelta(days=1), now=moment + timedelta(days=1)
        )
        return
    operation = OperationFactory(started_at=moment, location=pt(place))
    if kind == "seizure":
        for n in range(count):
            SeizureFactory(operation=operation, point=pt(place, (0.0001 * n, 0)), seized_at=moment)


@pytest.mark.django_db(transaction=False)
@seed(18)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(later=LATER)
def test_no_data_or_run_dated_after_at_changes_the_answer_for_at(uxbridge_saturdays, named_stops, later):
    seizures_at([WOOD_GREEN], days=saturdays(4), per_place=6, operation_name=f"Wood Green {id(later)}")
    area = Area(point=pt(EALING_BROADWAY), radius_m=20_000)
    before = _answer(area)
    assert before[0], "the history alone gives suggestions"
    with transaction.atomic():
        for item in later:
            _add_later(item)
        after = _answer(area)
        transaction.set_rollback(True)
    assert after == before


def test_spacing_keeps_the_stop_point_that_ranks_higher(db):
    # The issue: spacing once used a year-long weight (6,225 events) while ranking used the
    # 8-week score, so the place ranked first lost the spacing contest and vanished.
    params = SuggestionParams(spacing_m=400)
    heavy_long_ago = Stop(lon=SOHO[0], lat=SOHO[1], mass=6225.0, share=1.0)
    heavy_long_ago.score = 5.0
    busy_now = Stop(lon=SHAFTESBURY[0], lat=SHAFTESBURY[1], mass=25.0, share=1.0)
    busy_now.score = 25.0
    assert [s.lon for s in spacing.spread([heavy_long_ago, busy_now], params)] == [SHAFTESBURY[0]]


def test_a_busy_year_long_ago_does_not_take_the_place_of_the_last_8_weeks(officer_client, corridors):
    # Constructed like the 12 March: 25 seizures on Shaftesbury Avenue in the last
    # 8 weeks; 200 seizures in Soho (250 m away) 5-11 months earlier and 5 recently; a
    # hotspot run over the whole year, ending after `at`.
    seizures_at([SHAFTESBURY], days=saturdays(5), per_place=5, operation_name="Shaftesbury")
    long_ago = [AT - timedelta(days=150 + 7 * n) for n in range(20)]
    seizures_at([SOHO], days=long_ago, per_place=10, operation_name="Soho long ago")
    seizures_at([SOHO], days=saturdays(1), per_place=5, operation_name="Soho lately")
    hotspots_compute(since=AT - timedelta(days=365), until=AT + timedelta(days=30), now=AT + timedelta(days=30))
    # The question: the last 8 weeks (window_days=56, half-life 28 days).
    query = {
        "lon": SHAFTESBURY[0],
        "lat": SHAFTESBURY[1],
        "radius_m": 3000,
        "at": AT.isoformat(),
        "window_days": 56,
        "half_life_days": 28,
    }
    body = officer_client.get("/api/v1/suggestions/", query).json()
    first = body["features"][0]["properties"]
    assert first["corridor"] == "shaftesbury-avenue"
    assert first["counts"]["seizures"] == 25
    ranked = [f["properties"]["score"] for f in body["features"]]
    assert ranked == sorted(ranked, reverse=True)


def test_it_answers_for_any_past_moment_where_data_exists(commander_client, corridors):
    # Three years back: long before the old 730-day limit.
    then = AT - timedelta(days=3 * 365)
    seizures_at(
        [EALING_BROADWAY], days=[then - timedelta(days=7 * n) for n in range(1, 5)], per_place=3, operation_name="Old"
    )
    shift = {"start": then.isoformat(), "end": (then + timedelta(hours=6)).isoformat()}
    body = commander_client.get(PLANS, {"borough": "Ealing", **shift}).json()
    assert len(body["features"]) == 1
    assert body["features"][0]["properties"]["counts"]["seizures"] == 12


def test_it_says_why_it_refuses_a_moment_before_any_record(commander_client, corridors):
    start = "2009-06-01T12:00:00+00:00"
    response = commander_client.get(PLANS, {"borough": "Ealing", "start": start, "end": "2009-06-01T18:00:00+00:00"})
    assert response.status_code == 400
    assert "police.uk street-level records" in response.json()["errors"]["start"][0]


def test_a_three_team_ealing_saturday_plan_has_three_different_names(commander_client, corridors, named_stops):
    seizures_at([ACTON, EALING_BROADWAY, SOUTHALL], days=saturdays(), per_place=3, operation_name="Uxbridge")
    body = commander_client.get(PLANS, {"borough": "Ealing", "teams": 3, "k": 1, **SHIFT}).json()
    titles = [f["properties"]["title"] for f in body["features"]]
    assert len(titles) == 3
    assert len(set(titles)) == 3, titles
    assert all(t.startswith("Uxbridge Road at ") for t in titles), titles
    assert any("Acton" in t for t in titles) and any("Southall" in t for t in titles), titles
    for feature in body["features"]:
        rank = feature["properties"]["rank"]
        for stop in feature["properties"]["stops"]:
            assert stop["label"] == f"{rank}.{stop['number']}"
            assert stop["name"].startswith("Uxbridge Road at ")


def test_the_bundle_names_every_stop(officer_client, uxbridge_saturdays, named_stops):
    body = officer_client.get("/api/v1/suggestions/bundle/", {"borough": "Ealing", "start": AT.isoformat()}).json()
    stops = [s for f in body["features"] for s in f["properties"]["stops"]]
    assert stops
    assert all(s["name"] and s["label"].count(".") == 1 for s in stops)


def test_a_stop_far_from_every_named_place_is_named_by_corridor_and_borough(officer_client, kingsland_saturdays):
    # No TfL stop of the shared files lies on Kingsland Road.
    named_stops_load()
    body = officer_client.get(
        "/api/v1/suggestions/", {"lon": -0.0768, "lat": 51.5320, "radius_m": 2000, "at": AT.isoformat()}
    ).json()
    assert body["features"][0]["properties"]["title"] == "Kingsland Road, Hackney"
    assert {s["name"] for s in body["features"][0]["properties"]["stops"]} == {"Kingsland Road, Hackney"}


def test_the_earliest_moment_is_stated_in_the_error(commander_client, corridors):
    response = commander_client.get(
        PLANS, {"borough": "Ealing", "start": "0001-01-05T01:01:01-04:43", "end": SHIFT["end"]}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["start"] == [
        errors.DATE_OUT_OF_RANGE.format(earliest="01 December 2010", latest="01 January 2100")
    ]
