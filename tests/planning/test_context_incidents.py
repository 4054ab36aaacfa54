"""The optional "incidents" signal: police.uk context of `context_types`, off unless weighted.

Uxbridge Road (Ealing) and Kingsland Road (Hackney) are equally busy with seizures
(conftest; Kingsland first on the tie); theft-from-the-person incidents laid by hand at Ealing
Broadway decide between them
only when the signal is weighted.
"""

import csv
import shutil
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ebikeops.core.models import Source
from ebikeops.incidents.models import Incident
from ebikeops.operations.models import Seizure
from ebikeops.planning import engine, errors
from ebikeops.planning.params import Area, SuggestionParams
from ebikeops.planning.scoring import steady
from ebikeops.planning.signals import default_weights

from ..factories import T0
from .conftest import (
    AT,
    DALSTON,
    EALING_BROADWAY,
    HAGGERSTON,
    JITTER,
    NOW,
    WEST_EALING,
    pt,
    saturdays,
    seizures_at,
)

ON = {"seizures": 1.0, "arrests": 0.5, "incidents": 1.0}


def incidents_at(place, *, crime_type: str, month: date, count: int, tag: str) -> None:
    for n in range(count):
        Incident.objects.create(
            key=f"{tag}-{n}",
            month=month,
            reported_by="Metropolitan Police Service",
            falls_within="Metropolitan Police Service",
            point=pt(place, JITTER[n % len(JITTER)]),
            crime_type=crime_type,
        )


def corridor_order(params: SuggestionParams, limit: int = 2) -> list[str]:
    outcome = engine.make_suggestions(
        area=Area(), valid_from=AT, valid_until=AT.replace(hour=17), params=params, now=NOW, limit=limit
    )
    return [c.corridor.slug for c in outcome.candidates]


@pytest.fixture
def snatches_at_ealing(uxbridge_saturdays, kingsland_saturdays):
    incidents_at(EALING_BROADWAY, crime_type="Theft from the person", month=date(2025, 10, 1), count=12, tag="snatch")


@pytest.mark.django_db
def test_it_is_off_by_default_and_stored_parameters_do_not_name_it():
    assert "incidents" not in default_weights()
    assert "incidents" not in SuggestionParams().weights
    assert SuggestionParams().as_dict()["context_types"] == ["Theft from the person", "Robbery"]


@pytest.mark.django_db
def test_incidents_change_nothing_while_the_signal_is_off(uxbridge_saturdays, kingsland_saturdays):
    before = corridor_order(SuggestionParams())
    incidents_at(EALING_BROADWAY, crime_type="Theft from the person", month=date(2025, 10, 1), count=12, tag="snatch")
    after = corridor_order(SuggestionParams())
    zero = corridor_order(SuggestionParams(weights={**ON, "incidents": 0.0}))
    assert len(before) == 2
    assert before == after == zero, "with the incidents signal off (absent or weight 0) the ranking must not move"


@pytest.mark.django_db
def test_weighted_incidents_lift_the_place_they_are_near(snatches_at_ealing):
    params = SuggestionParams(weights=ON)
    outcome = engine.make_suggestions(
        area=Area(), valid_from=AT, valid_until=AT.replace(hour=17), params=params, now=NOW, limit=2
    )
    uxbridge, kingsland = outcome.candidates
    assert uxbridge.corridor.slug == "uxbridge-road", "12 snatches at Ealing Broadway outweigh a tie in seizures"
    assert uxbridge.score > kingsland.score
    assert uxbridge.counts["incidents"] == 12
    assert kingsland.counts["incidents"] == 0
    # Months carry no time of day: the incidents add weight but stay out of the weekday-hour
    # profile, which still holds the seizures only (42 at each corridor's stop points).
    assert sum(kingsland.histogram.values()) == sum(uxbridge.histogram.values())


@pytest.mark.django_db
def test_the_weight_decides_how_much_the_context_counts(snatches_at_ealing):
    light = SuggestionParams(weights={**ON, "incidents": 0.01})
    heavy = SuggestionParams(weights={**ON, "incidents": 2.0})
    score = {}
    for name, params in (("light", light), ("heavy", heavy)):
        outcome = engine.make_suggestions(
            area=Area(), valid_from=AT, valid_until=AT.replace(hour=17), params=params, now=NOW, limit=2
        )
        score[name] = {c.corridor.slug: c.score for c in outcome.candidates}
    lift = {name: s["uxbridge-road"] - s["kingsland-road"] for name, s in score.items()}
    assert 0 < lift["light"] < lift["heavy"]


@pytest.mark.django_db
def test_only_the_context_types_count_and_only_before_the_cut_off(uxbridge_saturdays, kingsland_saturdays):
    params = SuggestionParams(weights=ON)
    tie = corridor_order(SuggestionParams())
    # Shoplifting is not a context type by default; December 2025 is after the cut-off (29 Nov):
    # either would put Uxbridge Road first.
    incidents_at(EALING_BROADWAY, crime_type="Shoplifting", month=date(2025, 10, 1), count=12, tag="shop")
    incidents_at(EALING_BROADWAY, crime_type="Robbery", month=date(2025, 12, 1), count=12, tag="later")
    assert corridor_order(params) == tie
    assert tie == ["kingsland-road", "uxbridge-road"]
    assert corridor_order(params.with_changes(context_types=("Shoplifting",))) == ["uxbridge-road", "kingsland-road"]


@pytest.mark.parametrize("types", [(), ("",), ("x" * 61,), tuple(f"type {n}" for n in range(21))])
def test_a_weighted_signal_needs_sensible_context_types(types):
    with pytest.raises(ValidationError) as raised:
        SuggestionParams(weights=ON, context_types=types).check()
    assert raised.value.message_dict["context_types"] == [errors.CONTEXT_TYPES.format(most=20, length=60)]


def test_context_types_are_not_checked_while_the_signal_is_off():
    SuggestionParams(context_types=()).check()


CITY = Path("/work/shared/realdata/policeuk/city-of-london")
SNATCHES = ("Theft from the person", "Robbery")


def located_of_types(path: Path, types: tuple[str, ...]) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for r in csv.DictReader(handle) if r["Longitude"] and r["Crime type"] in types)


@pytest.fixture
def city_q1_2020(tmp_path, settings):
    """Three real City of London months: one monthly fold (March 2020, from January-February)."""
    folder = tmp_path / "city-of-london"
    folder.mkdir()
    for month in ("01", "02", "03"):
        name = f"2020-{month}-city-of-london-street.csv"
        shutil.copy(CITY / name, folder / name)
    settings.POLICEUK_DIR = tmp_path
    return folder


@pytest.mark.django_db
def test_the_back_test_scores_context_variants_beside_the_suggestions_and_rolls_back(corridors, city_q1_2020):
    output = city_q1_2020.parent / "BACKTEST.md"
    out = StringIO()
    call_command(
        "backtest_suggestions",
        "--data",
        "city-2020",
        "--teams",
        "3",
        "--target-types",
        ",".join(SNATCHES),
        "--context-types",
        "Other theft,Bicycle theft",
        "--context-weight",
        "0.25",
        "--context-weight",
        "1",
        "--output",
        str(output),
        stdout=out,
    )
    text = output.read_text()
    january = located_of_types(city_q1_2020 / "2020-01-city-of-london-street.csv", SNATCHES)
    march = located_of_types(city_q1_2020 / "2020-03-city-of-london-street.csv", SNATCHES)
    assert f"2020-01-city-of-london-street.csv: {january} located rows in London" in out.getvalue()
    assert "incidents of every crime type imported" in out.getvalue()
    fold = next(line for line in text.splitlines() if line.startswith(f"| 2020-03-01 | 2020-04-01 | {march} |"))
    assert fold.count("%") == 7, "a share for each method and each of the two variants"
    assert "| Suggestions + context incidents x 0.25 |" in text
    assert "Suggestions + context incidents x 1: more hits in" in text
    assert "`weights={'seizures': 1.0, 'arrests': 0.5, 'incidents': 0.25}`" in text
    assert "`context_types=['Other theft', 'Bicycle theft']`" in text
    assert "Robbery, Theft from the person only standing in for seizures" in text
    assert not Seizure.objects.filter(source=Source.IMPORT).exists(), "the seizures' stand-ins are rolled back"
    assert not Incident.objects.exists(), "the context incidents are rolled back"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target-types", "Robbery", "--context-types", "Robbery,Drugs", "--context-weight", "1"], "in both"),
        (["--context-types", "Drugs"], "--context-weight"),
        (["--context-types", "Drugs", "--context-weight", "0"], "above 0"),
    ],
)
def test_the_back_test_refuses_a_context_that_is_not_other_crimes_or_has_no_weight(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("backtest_suggestions", "--data", "city-2020", *arguments, "--no-write")


@pytest.mark.django_db
def test_the_back_test_refuses_a_database_that_already_holds_incidents(corridors, city_q1_2020):
    incidents_at(EALING_BROADWAY, crime_type="Drugs", month=date(2020, 1, 1), count=1, tag="held")
    with pytest.raises(CommandError, match="already holds incidents"):
        call_command("backtest_suggestions", "--data", "city-2020", "--context-types", "Drugs", "--context-weight", "1")


@pytest.mark.django_db
def test_the_back_test_scores_the_context_on_the_records_in_the_database(corridors, tmp_path):
    # Equal seizure history on both roads before the cut-off (T0), Kingsland first on the tie;
    # snatches at Ealing Broadway in October; the following four weeks' seizures on Uxbridge Road.
    seizures_at([EALING_BROADWAY, WEST_EALING], days=saturdays(6), per_place=3, operation_name="Uxbridge")
    seizures_at([HAGGERSTON, DALSTON], days=saturdays(6), per_place=3, operation_name="Kingsland")
    seizures_at([EALING_BROADWAY], days=[T0 + timedelta(days=7 * n) for n in range(4)], per_place=2, operation_name="U")
    incidents_at(EALING_BROADWAY, crime_type="Theft from the person", month=date(2025, 10, 1), count=12, tag="snatch")
    output = tmp_path / "BACKTEST.md"
    out = StringIO()
    call_command(
        "backtest_suggestions",
        "--until",
        T0.date().isoformat(),
        "--teams",
        "1",
        "--k",
        "1",
        "--context-types",
        "Theft from the person",
        "--context-weight",
        "1",
        "--output",
        str(output),
        stdout=out,
        stderr=StringIO(),
    )
    text = output.read_text()
    ours = next(line for line in text.splitlines() if line.startswith("| Suggestions (this method) |"))
    context = next(line for line in text.splitlines() if line.startswith("| Suggestions + context incidents x 1 |"))
    assert "| 8 | 0 | 0.0% |" in ours, "history only: Kingsland Road on the tie, none of the 8 later seizures"
    assert "| 8 | 8 | 100.0% |" in context, "with the snatches: Uxbridge Road, all 8"
    assert "context: the incidents in the database of Theft from the person" in text
    assert Incident.objects.count() == 12, "database mode reads the incidents held, and keeps them"


def test_scores_that_differ_only_in_float_summation_order_stay_tied():
    # The same weights summed in another order (another row order from PostgreSQL) differ in
    # the last bits; police.uk places tie exactly, and a tie must be broken by name and position.
    weights = [0.1, 0.2, 0.3]
    forward, backward = sum(weights), sum(reversed(weights))
    assert forward != backward, "the premise: float addition is not associative"
    assert steady(forward) == steady(backward)
