"""The method's pieces that need no database: time bands, hours of the week, peaks, rotation."""

from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from ebikeops.planning import candidates, cooldown, scoring, wording
from ebikeops.planning.params import SuggestionParams


def test_time_windows_attribute_small_hours_to_the_evening_before():
    histogram = Counter({(6, 15): 6, (6, 16): 3, (7, 1): 2, (6, 23): 1, (3, 19): 2})
    windows = wording.time_windows(histogram, band_hours=4)
    assert [(w["label"], w["count"]) for w in windows] == [
        ("Saturday 14:00-18:00", 9),
        ("Saturday 22:00-02:00", 3),
        ("Wednesday 18:00-22:00", 2),
    ]
    assert windows[0]["share"] == pytest.approx(9 / 14, abs=0.001)


def test_hours_of_week_are_local_time_across_the_clock_change():
    # 26 Oct 2025: clocks go back at 02:00 BST. 00:00-03:00 UTC is 01:00, 01:00 (again), 02:00 local.
    hours = scoring.hours_of_week(datetime(2025, 10, 26, 0, tzinfo=UTC), datetime(2025, 10, 26, 3, tzinfo=UTC))
    assert hours == {(7, 1), (7, 2)}
    assert len(scoring.hours_of_week(datetime(2025, 11, 1, tzinfo=UTC), datetime(2025, 11, 20, tzinfo=UTC))) == 168


def test_peaks_are_every_local_maximum_heaviest_first_spacing_comes_later():
    params = SuggestionParams(spacing_m=400, step_m=25)
    positions = np.arange(0, 3001, 25)

    def bump(at_m, height):
        return height * np.exp(-0.5 * ((positions - at_m) / 100) ** 2)

    density = bump(500, 1.0) + bump(900, 0.6) + bump(2000, 0.8)
    peaks = candidates.peaks(density, length_m=3000, params=params)
    # 900 m is within spacing of 500 m, but it stays a candidate: stop points compete for
    # space by their one score (spacing.spread), not by the kernel's height.
    assert [at for at, _ in peaks] == [500, 2000, 900]
    assert peaks[0][1] > peaks[1][1] > peaks[2][1] > 0


def test_rotation_starts_at_the_busiest_stop_and_dwells_longest_there():
    stops = [candidates.Stop(lon=0, lat=51, mass=1, share=s, along_m=a) for a, s in ((0, 0.1), (500, 0.4), (1100, 0.2))]
    candidate = candidates.Candidate(kind="corridor", stops=stops)
    numbers, dwell, plan = wording.rotation(candidate, params=SuggestionParams())
    assert numbers == [1, 2, 3]
    assert dwell == [11, 15, 12]
    assert plan["order"] == [2, 1, 3]
    assert plan["cycle_minutes"] == 38


def test_cooldown_fades_over_the_cooldown_days():
    params = SuggestionParams(cooldown_days=14, cooldown_strength=0.6)
    at = datetime(2025, 11, 29, 13, tzinfo=UTC)
    assert cooldown.cooldown_factor(None, at=at, params=params) == 1.0
    assert cooldown.cooldown_factor(at, at=at, params=params) == pytest.approx(0.4)
    assert cooldown.cooldown_factor(datetime(2025, 11, 22, 13, tzinfo=UTC), at=at, params=params) == pytest.approx(0.7)
    assert cooldown.cooldown_factor(datetime(2025, 11, 1, tzinfo=UTC), at=at, params=params) == 1.0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"k": 0}, "k"),
        ({"spacing_m": 50}, "spacing_m"),
        ({"weights": {"tweets": 1.0}}, "weights"),
        ({"weights": {"seizures": 0, "arrests": 0}}, "weights"),
        ({"sources": ("rumour",)}, "sources"),
    ],
)
def test_params_name_the_field_they_refuse(changes, field):
    with pytest.raises(ValidationError) as error:
        SuggestionParams(**changes).check()
    assert field in error.value.message_dict


def test_describe_window_reads_naturally():
    assert wording.describe_window(56) == "8 weeks"
    assert wording.describe_window(7) == "1 week"
    assert wording.describe_window(10) == "10 days"
