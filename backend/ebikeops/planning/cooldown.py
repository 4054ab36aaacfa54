"""Spreading effort over places: a stop point near a recent operation is lowered (cool-down),
and a place that already had a large share of the last week's operations in the area is held
back. Operations count only if they started before the moment asked about."""

import math
from datetime import datetime, timedelta

from . import selectors
from .candidates import Candidate, Stop
from .params import Area, SuggestionParams


def lookback_days(params: SuggestionParams) -> int:
    """How far back operations are looked for (cool-down, weekly share, "last operation here")."""
    return math.ceil(max(params.window_days, params.cooldown_days, 7))


def cooldown_factor(last: datetime | None, *, at: datetime, params: SuggestionParams) -> float:
    """1 without a recent operation; 1 - strength just after one, back to 1 over cooldown_days."""
    if last is None or params.cooldown_days <= 0:
        return 1.0
    days = (at - last).total_seconds() / 86400
    freshness = max(0.0, 1.0 - days / params.cooldown_days)
    return 1.0 - params.cooldown_strength * freshness


def apply_cooldown(stops: list[Stop], *, at: datetime, params: SuggestionParams) -> None:
    """Set each stop point's last operation, the week's operations near it, and its factor."""
    recent = selectors.recent_operations(
        [(i, s.lon, s.lat) for i, s in enumerate(stops)],
        at=at,
        since=at - timedelta(days=lookback_days(params)),
        week_since=at - timedelta(days=7),
        radius_m=params.cooldown_radius_m,
    )
    for i, stop in enumerate(stops):
        if i in recent:
            stop.last_operation_at, week = recent[i]
            stop.week_operations = frozenset(week)
            stop.factor = cooldown_factor(stop.last_operation_at, at=at, params=params)


def _too_busy(here: int, total: int, params: SuggestionParams) -> bool:
    return bool(here) and total + 1 >= params.week_min_operations and (here + 1) / (total + 1) > params.max_week_share


def hold_back(candidates: list[Candidate], *, area: Area, at: datetime, params: SuggestionParams) -> None:
    """Mark the suggestions whose place already had more than `max_week_share` of the last 7
    days' operations in the area (from `week_min_operations` operations on)."""
    if not any(stop.week_operations for c in candidates for stop in c.stops):
        return
    area_operations = selectors.operations_in_area(area, at=at, week_since=at - timedelta(days=7))
    for candidate in candidates:
        here = set().union(*(stop.week_operations for stop in candidate.stops))
        total = max(area_operations, len(here))
        if _too_busy(len(here), total, params):
            candidate.held_back = (
                f"{len(here)} of the {total} operations {area.describe()} in the last 7 days were here; one "
                f"more would take this place above {params.max_week_share:.0%} of the week's operations"
            )
