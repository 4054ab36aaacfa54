"""Writes for planning: making suggestions (stored as a run with its parameters, data window
and code version) and linking operations to the suggestion they followed.

Points are SRID 4326; times are aware datetimes; distances are metres. Services raise
django.core.exceptions.ValidationError keyed by field, with messages from `errors`.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ebikeops.areas.models import Borough
from ebikeops.areas.selectors import borough_by_name_or_code
from ebikeops.audit.models import Action
from ebikeops.audit.services import event_record
from ebikeops.core.models import User
from ebikeops.operations.models import Operation

from . import engine, errors, wording
from .models import FollowedSuggestion, RunKind, Suggestion, SuggestionRun
from .params import MAX_RADIUS_M, Area, SuggestionParams, check_window

DEFAULT_RADIUS_M = 3000.0
DEFAULT_NEAR_ME_HOURS = 4
DEFAULT_SHIFT_HOURS = 8


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _suggestion(candidate: engine.Candidate, *, run: SuggestionRun, rank: int, params: SuggestionParams) -> Suggestion:
    numbers, dwell, plan = wording.rotation(candidate, params=params)
    windows = wording.time_windows(candidate.histogram, band_hours=params.band_hours)
    stops = [
        {
            "number": number,
            "label": wording.stop_label(rank, number),
            "name": stop.name,
            "lon": round(stop.lon, 6),
            "lat": round(stop.lat, 6),
            "along_m": None if stop.along_m is None else round(stop.along_m),
            "expected_share": round(stop.share, 3),
            "dwell_minutes": minutes,
            "borough": stop.borough,
            "last_operation_at": _iso(stop.last_operation_at),
        }
        for number, stop, minutes in zip(numbers, candidate.stops, dwell, strict=True)
    ]
    last = max((s.last_operation_at for s in candidate.stops if s.last_operation_at), default=None)
    corridor = candidate.corridor
    section_km = None
    if candidate.section_from_m is not None:
        section_km = max(candidate.section_to_m - candidate.section_from_m, 1.0) / 1000
    return Suggestion(
        run=run,
        rank=rank,
        kind=candidate.kind,
        title=candidate.title,
        corridor=corridor,
        corridor_slug=corridor.slug if corridor else "",
        hotspot_key=candidate.hotspot_key,
        section=candidate.section,
        section_from_m=candidate.section_from_m,
        section_to_m=candidate.section_to_m,
        stop_points=candidate.stop_points,
        stops=stops,
        rotation=plan,
        time_windows=windows,
        counts=candidate.counts,
        demand=round(candidate.demand, 3),
        demand_per_km=round(candidate.demand / section_km, 3) if section_km else None,
        corridor_demand_per_km=(round(candidate.corridor_weight / (corridor.length_m / 1000), 3) if corridor else None),
        time_fit=round(candidate.time_fit, 3),
        cooldown={
            "last_operation_at": _iso(last),
            "days_since": None if last is None else round((run.valid_from - last).total_seconds() / 86400, 1),
            "factor": round(candidate.cooldown_factor, 3),
            "cooldown_days": params.cooldown_days,
        },
        score=round(candidate.score, 3),
        rationale=wording.rationale(candidate, params=params, at=run.valid_from, windows=windows),
    )


def _held_back(candidate: engine.Candidate) -> dict[str, Any]:
    return {
        "title": candidate.title,
        "kind": candidate.kind,
        "corridor": candidate.corridor.slug if candidate.corridor else None,
        "stop_points": [[round(s.lon, 6), round(s.lat, 6)] for s in candidate.stops],
        "score": round(candidate.score, 3),
        "reason": candidate.held_back,
    }


@transaction.atomic
def _suggest(
    *,
    kind: str,
    user: User | None,
    area: Area,
    valid_from: datetime,
    valid_until: datetime,
    limit: int,
    params: SuggestionParams,
    now: datetime,
    keep: bool,
    team_names: Sequence[str] = (),
) -> SuggestionRun:
    """Make suggestions; with `keep`, store them with their parameters, data window and code
    version (so operations can follow them). Without it nothing is written: the run and its
    suggestions are unsaved instances (`run.kept` False). Either way the run carries its
    suggestions, best first, as `run.ranked` (no further query)."""
    outcome = engine.make_suggestions(
        area=area, valid_from=valid_from, valid_until=valid_until, params=params, now=now, limit=limit
    )
    run = SuggestionRun(
        kind=kind,
        requested_by=user,
        valid_from=valid_from,
        valid_until=valid_until,
        data_since=outcome.window.since,
        data_until=outcome.window.until,
        parameters={**params.as_dict(), "limit": limit, "off_corridor": outcome.off_corridor},
        code_version=engine.code_version(),
        area=area.as_json(),
        borough=area.borough,
        message=outcome.message,
        held_back=[_held_back(c) for c in outcome.held_back],
    )
    if keep:
        run.save()
    else:
        run.created_at = now
    ranked = [_suggestion(c, run=run, rank=rank, params=params) for rank, c in enumerate(outcome.candidates, 1)]
    # A plan for named teams gives them the deployments in rank order (the best to the first named).
    for suggestion, team in zip(ranked, team_names, strict=False):
        suggestion.team = team
    if keep:
        Suggestion.objects.bulk_create(ranked)
    run.ranked = ranked
    run.kept = keep
    return run


def suggestions_near_me(
    *,
    user: User | None,
    point: Point,
    radius_m: float = DEFAULT_RADIUS_M,
    at: datetime | None = None,
    hours: int = DEFAULT_NEAR_ME_HOURS,
    limit: int = 5,
    params: SuggestionParams | None = None,
    now: datetime | None = None,
    keep: bool = False,
) -> SuggestionRun:
    """The officer's view: at most `limit` suggestions whose stop points lie within
    `radius_m` metres of `point` (SRID 4326), for the `hours` from `at` (default now);
    stored only with `keep`. Raises ValidationError (radius_m, at, or a parameter's name)."""
    now = now or timezone.now()
    at = at or now
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise ValidationError({"radius_m": errors.OUT_OF_RANGE.format(low=0, high=MAX_RADIUS_M)})
    check_window(start=at, end=at + timedelta(hours=hours), now=now, start_field="at", end_field="hours")
    return _suggest(
        kind=RunKind.NEAR_ME,
        user=user,
        area=Area(point=point, radius_m=radius_m),
        valid_from=at,
        valid_until=at + timedelta(hours=hours),
        limit=limit,
        params=params or SuggestionParams(),
        now=now,
        keep=keep,
    )


def resolve_area(
    *,
    borough: str | None = None,
    bbox: Polygon | None = None,
    point: Point | None = None,
    radius_m: float | None = None,
) -> Area:
    """An Area for a point and radius, a borough (name or GSS code) or a bbox: exactly one.
    Raises ValidationError keyed by `borough` (unknown, none or several given)."""
    given = sum(x is not None and x != "" for x in (borough, bbox, point))
    if given > 1:
        raise ValidationError({"borough": errors.AREA_EXCLUSIVE})
    if point is not None:
        radius_m = DEFAULT_RADIUS_M if radius_m is None else radius_m
        if not 0 < radius_m <= MAX_RADIUS_M:
            raise ValidationError({"radius_m": errors.OUT_OF_RANGE.format(low=0, high=MAX_RADIUS_M)})
        return Area(point=point, radius_m=radius_m)
    if bbox is not None:
        return Area(bbox=bbox)
    if not borough:
        raise ValidationError({"borough": errors.AREA_REQUIRED})
    found: Borough | None = borough_by_name_or_code(borough).first()
    if found is None:
        raise ValidationError({"borough": errors.BOROUGH_UNKNOWN})
    return Area(borough=found)


def shift_plan(
    *,
    user: User | None,
    area: Area,
    start: datetime,
    end: datetime,
    teams: int | Sequence[str],
    params: SuggestionParams | None = None,
    now: datetime | None = None,
    keep: bool = False,
) -> SuggestionRun:
    """The commander's view: the best deployment for each team in `area` for [start, end), no
    two within `spacing_m` of each other; stored only with `keep`. `teams` is a number of teams
    or their names: named teams get the deployments in rank order (the first named, the best;
    `Suggestion.team`), and fewer deployments than teams leave the last named without one.
    Raises ValidationError (start, end)."""
    team_names = [] if isinstance(teams, int) else list(teams)
    now = now or timezone.now()
    check_window(start=start, end=end, now=now)
    return _suggest(
        kind=RunKind.PLAN,
        user=user,
        area=area,
        valid_from=start,
        valid_until=end,
        limit=len(team_names) if team_names else teams,
        params=params or SuggestionParams(),
        now=now,
        keep=keep,
        team_names=team_names,
    )


def shift_bundle(
    *,
    user: User | None,
    area: Area,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 10,
    params: SuggestionParams | None = None,
    now: datetime | None = None,
    keep: bool = False,
) -> SuggestionRun:
    """The next shift's suggestions for the officer client to keep offline: [start, end)
    defaults to now and the `DEFAULT_SHIFT_HOURS` after it; stored only with `keep`.
    Raises ValidationError."""
    now = now or timezone.now()
    start = start or now
    end = end or start + timedelta(hours=DEFAULT_SHIFT_HOURS)
    check_window(start=start, end=end, now=now)
    return _suggest(
        kind=RunKind.BUNDLE,
        user=user,
        area=area,
        valid_from=start,
        valid_until=end,
        limit=limit,
        params=params or SuggestionParams(),
        now=now,
        keep=keep,
    )


def params_from(values: Mapping[str, Any], base: SuggestionParams | None = None) -> SuggestionParams:
    """Parameters with the given values (those that are not None) over the defaults."""
    params = (base or SuggestionParams()).with_changes(**values)
    params.check()
    return params


# --- Closing the loop ----------------------------------------------------------------------------


@transaction.atomic
def suggestion_follow(*, user: User | None, operation: Operation, suggestion: Suggestion) -> FollowedSuggestion:
    """Record that `operation` followed `suggestion` (replacing an earlier link). Raises
    ValidationError keyed by `suggestion` if it was made after the operation ended."""
    if operation.ended_at is not None and suggestion.run.created_at > operation.ended_at:
        raise ValidationError({"suggestion": errors.SUGGESTION_AFTER_OPERATION})
    before = FollowedSuggestion.objects.filter(operation=operation).values_list("suggestion_id", flat=True).first()
    link, _ = FollowedSuggestion.objects.update_or_create(
        operation=operation, defaults={"suggestion": suggestion, "linked_by": user}
    )
    # Linking an operation to a suggestion combines the field record with planning's output.
    event_record(
        action=Action.COMBINE,
        actor=user,
        records=[operation, ("suggestion", suggestion.pk)],
        changes={f"operation:{operation.pk}": {"followed_suggestion": [before, suggestion.pk]}},
    )
    return link


@transaction.atomic
def suggestion_unfollow(*, operation: Operation, user: User | None = None) -> bool:
    """Remove the operation's link; returns whether there was one."""
    before = FollowedSuggestion.objects.filter(operation=operation).values_list("suggestion_id", flat=True).first()
    deleted, _ = FollowedSuggestion.objects.filter(operation=operation).delete()
    if deleted:
        event_record(
            action=Action.ALTER,
            actor=user,
            records=[operation, ("suggestion", before)],
            changes={f"operation:{operation.pk}": {"followed_suggestion": [before, None]}},
        )
    return bool(deleted)


# --- Retention ---------------------------------------------------------------------------------


@transaction.atomic
def suggestion_runs_purge(*, now: datetime | None = None, retention_days: float | None = None) -> int:
    """Delete stored suggestion runs (and their suggestions) created more than
    `retention_days` (default settings.SUGGESTION_RETENTION_DAYS) before `now`, except runs
    with a suggestion an operation followed (the follow-up report needs them). Returns the
    number of runs deleted."""
    now = now or timezone.now()
    days = settings.SUGGESTION_RETENTION_DAYS if retention_days is None else retention_days
    if days < 0:
        raise ValidationError({"retention_days": errors.OUT_OF_RANGE.format(low=0, high=36500)})
    followed = FollowedSuggestion.objects.filter(suggestion__run=OuterRef("pk"))
    old = SuggestionRun.objects.filter(created_at__lt=now - timedelta(days=days)).exclude(Exists(followed))
    runs = old.count()
    old.delete()
    return runs
