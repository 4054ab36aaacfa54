"""How deployment suggestions are made (docs/methods/suggestions.md explains it in words;
docs/methods/suggestions.md, "The method as of issue 18", says what changed and why). Each step lives in its module:

1. Stop points on corridors (`candidates`): demand along each corridor (PostGIS kernel
   density of recency-weighted events), one stop point at each local maximum.
2. Stop points off the corridors (`candidates`): the locations where the window's events
   repeat, each scored by the weighted events around it.
3. Cool-down (`cooldown`): a stop point near a recent operation is lowered.
4. One score per stop point (`scoring`): weighted events within `stop_reach_m` x time fit
   x cool-down.
5. One stop point per place (`spacing`): of two closer than `spacing_m`, the better score stays.
6. Suggestions (`candidates`): per corridor, stretches of at most `section_length_m` each led
   by the strongest stop point not yet used, with up to `k - 1` more beside it; one
   suggestion per off-corridor place.
7. The weekly share (`cooldown`); the `limit` suggestions whose leading stop points rank
   highest; their extra stop points kept only when as strong as the next team's leading stop
   (`choose`); ranked by score (the sum of the stop points' scores); names (`naming`) and
   words (`wording`).

No look-ahead, by construction: every event read is from [since, until) with until =
min(valid_from, now), every operation read started before valid_from, and nothing stored
(hotspot runs, earlier suggestions) is read at all.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ebikeops.core import fields

from . import candidates, cooldown, naming, scoring, spacing, wording
from .candidates import Candidate
from .params import Area, SuggestionParams
from .selectors import Window
from .signals import SIGNALS, Signal

# 4: ties broken on scores kept to 12 significant digits (identical runs no longer differ).
ALGORITHM_VERSION = "suggestions/4"


def code_version() -> str:
    return fields.code_version(ALGORITHM_VERSION)


@dataclass
class Outcome:
    window: Window
    valid_from: datetime
    valid_until: datetime
    candidates: list[Candidate]  # chosen, best first
    held_back: list[Candidate]
    message: str
    considered: int = 0
    off_corridor: dict = field(default_factory=dict)  # where the off-corridor places came from


def history_window(*, valid_from: datetime, now: datetime, params: SuggestionParams) -> Window:
    """The `window_days` of records before min(valid_from, now), weighted at valid_from."""
    until = min(valid_from, now)
    return Window(since=until - timedelta(days=params.window_days), until=until, at=valid_from)


def active_signals(params: SuggestionParams) -> list[Signal]:
    return [SIGNALS[key] for key, weight in params.weights.items() if weight > 0]


def scored_candidates(
    *, area: Area, window: Window, valid_until: datetime, params: SuggestionParams
) -> list[Candidate]:
    """Every suggestion the area allows, scored (steps 1-6), in no particular order."""
    signals = active_signals(params)
    wanted = scoring.hours_of_week(window.at, valid_until)
    _, stops, totals = candidates.corridor_stops(area, window, params, signals)
    stops += candidates.off_corridor_places(area, window, params, signals)
    cooldown.apply_cooldown(stops, at=window.at, params=params)
    scoring.score_stops(stops, window=window, params=params, signals=signals, wanted_hours=wanted)
    kept = spacing.spread(stops, params)
    found = candidates.assemble(kept, totals=totals, params=params)
    scoring.score_candidates(found, window=window, params=params, signals=signals, wanted_hours=wanted)
    return [c for c in found if c.score > 0]


def choose(
    found: list[Candidate], *, window: Window, valid_until: datetime, params: SuggestionParams, limit: int
) -> list[Candidate]:
    """The `limit` suggestions whose first (strongest) stop points rank highest among all
    stop points left, each keeping only the extra stop points that earn their place
    (`candidates.trim_extras`), best score first."""
    open_ = sorted((c for c in found if not c.held_back), key=lambda c: (-candidates.leader_score(c), c.sort_key))
    chosen, rest = open_[:limit], open_[limit:]
    before = [list(c.stops) for c in chosen]
    next_first = candidates.leader_score(rest[0]) if rest else 0.0
    candidates.trim_extras(chosen, next_first=next_first, params=params)
    changed = [c for c, stops in zip(chosen, before, strict=True) if c.stops != stops]
    if changed:
        candidates.place_sections(changed, params)
        scoring.score_candidates(
            changed,
            window=window,
            params=params,
            signals=active_signals(params),
            wanted_hours=scoring.hours_of_week(window.at, valid_until),
        )
    return sorted(chosen, key=lambda c: c.sort_key)


def make_suggestions(
    *,
    area: Area,
    valid_from: datetime,
    valid_until: datetime,
    params: SuggestionParams,
    now: datetime,
    limit: int,
) -> Outcome:
    """Suggestions for `area` and the hours [valid_from, valid_until): at most `limit`,
    best first, no two stop points within `params.spacing_m`. History is the `window_days`
    before min(valid_from, now). Reads only; `services` stores an outcome when asked to."""
    params.check()
    window = history_window(valid_from=valid_from, now=now, params=params)
    found = scored_candidates(area=area, window=window, valid_until=valid_until, params=params)
    cooldown.hold_back(found, area=area, at=valid_from, params=params)
    held = sorted((c for c in found if c.held_back), key=lambda c: c.sort_key)
    chosen = choose(found, window=window, valid_until=valid_until, params=params, limit=limit)
    naming.name_candidates(chosen + held)
    text = wording.message(count=len(chosen), held=len(held), area=area, params=params, until=window.until)
    return Outcome(
        window,
        valid_from,
        valid_until,
        chosen,
        held,
        text,
        considered=len(found),
        off_corridor={"source": "window_events", "reach_m": params.stop_reach_m},
    )
