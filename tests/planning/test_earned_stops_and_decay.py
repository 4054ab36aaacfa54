"""Issue 18, "win most months": recency decay and extra stop points that earn their place."""

from datetime import timedelta

import pytest

from ebikeops.planning import candidates, engine
from ebikeops.planning.candidates import Candidate, Stop
from ebikeops.planning.params import Area, SuggestionParams

from .conftest import AT, DALSTON, EALING_BROADWAY, HAGGERSTON, NOW, WEST_EALING, WOOD_GREEN, pt, saturdays, seizures_at

SHIFT_END = AT + timedelta(hours=6)
LONDON_WIDE = Area(point=pt(EALING_BROADWAY), radius_m=20_000)
# Selection alone: no cool-down or weekly share (the layout's operations would hold places back).
SELECTION = SuggestionParams(k=3, cooldown_days=0, max_week_share=1.0)


def _suggest(params: SuggestionParams, *, limit: int):
    return engine.make_suggestions(
        area=LONDON_WIDE, valid_from=AT, valid_until=SHIFT_END, params=params, now=NOW, limit=limit
    ).candidates


def _near(stop: Stop, place: tuple[float, float]) -> bool:
    return stop.point.transform(27700, clone=True).distance(pt(place).transform(27700, clone=True)) < 150


def test_an_old_cluster_loses_to_a_recent_one_of_equal_size(corridors):
    # 30 seizures each on Uxbridge Road: at Ealing Broadway 31-40 weeks ago, at West Ealing
    # in the last 10 weeks; no cool-down, so recency alone separates them.
    old_saturdays = [AT - timedelta(days=7 * n) for n in range(31, 41)]
    seizures_at([EALING_BROADWAY], days=old_saturdays, per_place=3, operation_name="Ealing long ago")
    seizures_at([WEST_EALING], days=saturdays(10), per_place=3, operation_name="West Ealing lately")
    params = SuggestionParams(k=1, cooldown_days=0)
    first, second = _suggest(params, limit=2)
    assert _near(first.stops[0], WEST_EALING) and _near(second.stops[0], EALING_BROADWAY)
    assert first.counts["seizures"] == second.counts["seizures"] == 30
    # The default half-life halves the weight of events half_life_days older.
    age_gap_days = 7 * 30
    expected = 0.5 ** (age_gap_days / params.half_life_days)
    assert second.score / first.score == pytest.approx(expected, rel=1e-6)
    # Without decay (the longest half-life the API takes) the two are far closer.
    flat = _suggest(params.with_changes(half_life_days=365), limit=2)
    assert flat[1].score / flat[0].score > second.score / first.score


def _layout() -> None:
    """Uxbridge Road: a strong stop at Ealing Broadway, a weak one at West Ealing (one
    section); Kingsland Road: two medium stops (one section); Wood Green, off every corridor:
    between the two. All on the same Saturdays, so the time fit is alike."""
    days = saturdays(7)
    seizures_at([EALING_BROADWAY], days=days, per_place=5, operation_name="Broadway")  # 35
    seizures_at([WEST_EALING], days=days, per_place=2, operation_name="West Ealing")  # 14
    seizures_at([HAGGERSTON, DALSTON], days=days, per_place=4, operation_name="Kingsland")  # 28 each
    seizures_at([WOOD_GREEN], days=days, per_place=3, operation_name="Wood Green")  # 21


def test_a_second_stop_is_kept_only_when_as_strong_as_the_next_teams_first(corridors):
    _layout()
    two_teams = _suggest(SELECTION, limit=2)
    by_corridor = {c.corridor.slug: c for c in two_teams}
    assert set(by_corridor) == {"uxbridge-road", "kingsland-road"}
    # West Ealing (14 seizures) is weaker than Wood Green (21), the third team's first stop: dropped.
    assert len(by_corridor["uxbridge-road"].stops) == 1
    assert _near(by_corridor["uxbridge-road"].stops[0], EALING_BROADWAY)
    # Dalston (28) is stronger than Wood Green: kept.
    assert len(by_corridor["kingsland-road"].stops) == 2
    # The suggestion's stretch, counts and score follow the stop points kept.
    uxbridge = by_corridor["uxbridge-road"]
    assert uxbridge.score == sum(s.score for s in uxbridge.stops)
    assert uxbridge.counts["seizures"] == 35
    assert uxbridge.section_to_m - uxbridge.section_from_m <= SuggestionParams().spacing_m + 1e-6
    scores = [c.score for c in two_teams]
    assert scores == sorted(scores, reverse=True)


def test_with_earned_stops_off_every_team_keeps_its_k_stops(corridors):
    _layout()
    two_teams = _suggest(SELECTION.with_changes(earned_stops=False), limit=2)
    assert {c.corridor.slug: len(c.stops) for c in two_teams} == {"uxbridge-road": 2, "kingsland-road": 2}


def test_teams_are_chosen_by_their_first_stop_not_by_how_many_stops_they_add(corridors):
    _layout()
    # One team: Ealing Broadway (35) leads, although Kingsland's two stops add up to more (56
    # against 35 + 14 with West Ealing).
    (only,) = _suggest(SELECTION, limit=1)
    assert only.corridor.slug == "uxbridge-road"
    assert [_near(s, EALING_BROADWAY) for s in only.stops] == [True]


def test_trim_extras_keeps_the_leader_even_when_it_is_weaker_than_the_threshold():
    weak, weaker = Stop(lon=0.0, lat=51.0, mass=1, share=1), Stop(lon=0.01, lat=51.0, mass=1, share=1)
    weak.score, weaker.score = 2.0, 1.0
    candidate = Candidate(kind="corridor", stops=[weaker, weak])
    candidates.trim_extras([candidate], next_first=5.0, params=SuggestionParams())
    assert candidate.stops == [weak]
