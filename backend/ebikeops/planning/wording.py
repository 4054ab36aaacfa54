"""The words of a suggestion: its time windows, the sentence a sergeant reads aloud, the
rotation between its stop points, and the answer's message. Numbers in, English out."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from . import errors
from .candidates import Candidate
from .cooldown import lookback_days
from .params import Area, SuggestionParams
from .signals import SIGNALS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BAND_OFFSET_HOUR = 2  # time bands start at 02:00, so late evenings stay in one band (22-02)


def describe_window(days: int) -> str:
    """ "8 weeks", "1 week", "10 days"."""
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return f"{days} days"


def local_time(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(settings.TIME_ZONE)):%a %d %b %Y %H:%M}"


def _band(isodow: int, hour: int, band_hours: int) -> tuple[int, int]:
    """(ISO weekday, band start hour): a band belongs to the day it starts on."""
    shifted = hour - BAND_OFFSET_HOUR
    if shifted < 0:
        shifted += 24
        isodow = 7 if isodow == 1 else isodow - 1
    return isodow, (BAND_OFFSET_HOUR + shifted // band_hours * band_hours) % 24


def time_windows(histogram: Counter, *, band_hours: int, top: int = 3) -> list[dict]:
    """The weekday and hour bands with most events, most first, with counts and shares."""
    total = sum(histogram.values())
    if not total:
        return []
    bands: Counter = Counter()
    for (isodow, hour), count in histogram.items():
        bands[_band(isodow, hour, band_hours)] += count
    ranked = sorted(bands.items(), key=lambda item: (-item[1], item[0]))[:top]
    windows = []
    for (isodow, start), count in ranked:
        end = (start + band_hours) % 24
        windows.append(
            {
                "weekday": WEEKDAYS[isodow - 1],
                "isoweekday": isodow,
                "start": f"{start:02d}:00",
                "end": f"{end:02d}:00",
                "label": f"{WEEKDAYS[isodow - 1]} {start:02d}:00-{end:02d}:00",
                "count": count,
                "share": round(count / total, 3),
            }
        )
    return windows


def _count_words(counts: dict[str, int]) -> str:
    parts = [SIGNALS[key].describe(n) for key, n in counts.items() if n]
    if not parts:
        return "no events"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _hours_words(candidate: Candidate) -> str:
    if candidate.time_factor == 1.0:
        return ""
    if not candidate.in_hours:
        share = "none"
    elif candidate.in_hours < 0.005:  # decayed weights: a few old seizures round to "0%"
        share = "under 1%"
    else:
        share = f"{candidate.in_hours:.0%}"
    return f"{share} of them in the hours asked about"


def _visit_words(candidate: Candidate, *, params: SuggestionParams, at: datetime) -> str:
    last = max((s.last_operation_at for s in candidate.stops if s.last_operation_at), default=None)
    if last is None:
        return f"no operation here in the last {describe_window(lookback_days(params))}"
    days = max(0, int((at - last).total_seconds() // 86400))
    when = "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")
    visit = f"last operation here {when}"
    if candidate.cooldown_factor < 0.995:
        visit += f", so lowered by {1 - candidate.cooldown_factor:.0%} (cool-down {params.cooldown_days:g} days)"
    return visit


def rationale(candidate: Candidate, *, params: SuggestionParams, at: datetime, windows: list[dict]) -> str:
    """A sentence a sergeant can read aloud: the evidence, when it happens, and the
    cool-down, e.g. "31 seizures within 75 m in the last 8 weeks, 60% on Saturdays 14-18h;
    last operation here 19 days ago."""
    reach = params.distance_m if candidate.kind == "corridor" else params.hotspot_reach_m
    where = "" if candidate.kind == "corridor" else " of this spot (off the mapped corridors)"
    first = (
        f"{_count_words(candidate.counts)} within {reach:g} m{where} in the last {describe_window(params.window_days)}"
    )
    if windows:
        best = windows[0]
        first += f", {best['share']:.0%} on {best['weekday']}s {int(best['start'][:2])}-{int(best['end'][:2])}h"
    tail = "; ".join(part for part in (_hours_words(candidate), _visit_words(candidate, params=params, at=at)) if part)
    return f"{first}; {tail}."


def rotation(candidate: Candidate, *, params: SuggestionParams) -> tuple[list[int], list[int], dict]:
    """Stop numbers (along the road), dwell minutes per stop, and the rotation: start at the
    busiest stop, then the nearest not yet visited (Koper: 10-15 minutes at a hot spot, then
    move on, varying the start so the pattern cannot be read)."""
    stops = candidate.stops
    top = max(s.share for s in stops) or 1.0
    span = params.dwell_max_minutes - params.dwell_min_minutes
    dwell = [round(params.dwell_min_minutes + span * s.share / top) for s in stops]
    numbers = list(range(1, len(stops) + 1))
    start = max(numbers, key=lambda n: (stops[n - 1].share, -n))
    order = [start]
    while len(order) < len(stops):
        here = stops[order[-1] - 1].along_m or 0.0
        order.append(
            min((n for n in numbers if n not in order), key=lambda n: (abs((stops[n - 1].along_m or 0.0) - here), n))
        )
    plan = {
        "order": order,
        "cycle_minutes": sum(dwell),
        "dwell_minutes": {"min": params.dwell_min_minutes, "max": params.dwell_max_minutes},
        "note": (
            f"Stay {params.dwell_min_minutes}-{params.dwell_max_minutes} minutes at each stop point, "
            "then move to the next in this order; start each cycle at a different stop point so "
            "the pattern cannot be read (Koper 1995)."
        ),
    }
    return numbers, dwell, plan


def stop_label(rank: int, number: int) -> str:
    """The stop's label shared by the API, the map and the officer client: "2.1" is team 2's
    (suggestion 2's) first stop point."""
    return f"{rank}.{number}"


def message(*, count: int, held: int, area: Area, params: SuggestionParams, until: datetime) -> str:
    """The answer's message in plain words (also when there is nothing to suggest)."""
    if count:
        return errors.SOME_SUGGESTIONS.format(
            count=count,
            s="" if count == 1 else "s",
            area=area.describe(),
            window=describe_window(params.window_days),
            until=local_time(until),
        )
    if held:
        return errors.ALL_HELD_BACK.format(area=area.describe(), share=params.max_week_share)
    return errors.NO_CORRIDORS_OR_DATA.format(
        area=area.describe(), window=describe_window(params.window_days), until=local_time(until)
    )
