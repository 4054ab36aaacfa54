"""Back-test: would the suggestions have put teams where the next seizures happened?

For each fold, suggestions are made exactly as the API would have made them at the cut-off
(history before it only, operations before it for the cool-down), London-wide, for `teams`
teams. Their stop points are scored on the following `horizon_days`: the share of seizures
within `radius_m` of a stop point. Two baselines get the same number of stop points:
- biggest hotspots by raw count: centres of the largest DBSCAN clusters of the history's
  seizures (`sql.CLUSTERS` without the corridor filter; the hotspots app is not used, so the
  baseline never sees data after the cut-off);
- evenly spaced: stop points spread at equal distances along all corridors.
The same suggestions without cool-down and weekly share are shown too: spreading effort
over places is a choice that costs some hits, and the table says how many.

PAI per km of road (after Chainey's Predictive Accuracy Index): the share of seizures caught
divided by the share of road watched, where a stop point watches 2 x `radius_m` of road (the
road-length equivalent of its circle; overlapping circles count once) and the road is every
corridor's length.

Variants (`variants`): the same suggestions with other parameters, scored beside them on the
same folds; the context-incident back-test adds the "incidents" signal at a few weights.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ebikeops.areas.models import Corridor

from . import engine, selectors
from .cooldown import lookback_days
from .params import Area, SuggestionParams
from .selectors import Window
from .signals import SIGNALS

METHODS = (
    ("suggestions", "Suggestions (this method)"),
    ("no_cooldown", "Suggestions without cool-down or weekly share"),
    ("hotspots", "Biggest hotspots by raw count"),
    ("hotspots_recent", "Biggest hotspots by raw count, last 8 weeks only"),
    ("even", "Evenly spaced along corridors"),
)


@dataclass
class MethodTotals:
    stops: int = 0
    hits: int = 0
    seizures: int = 0
    watched_km: float = 0.0
    road_km: float = 0.0

    @property
    def share(self) -> float:
        return self.hits / self.seizures if self.seizures else 0.0

    @property
    def pai_per_km(self) -> float | None:
        if not self.seizures or not self.watched_km or not self.road_km:
            return None
        return self.share / (self.watched_km / self.road_km)


@dataclass(frozen=True)
class Variant:
    """The suggestions made with `params` instead, as one more method of the report."""

    key: str
    label: str
    params: SuggestionParams


@dataclass
class Fold:
    cutoff: datetime
    until: datetime
    seizures: int
    results: dict[str, MethodTotals]
    suggestions: list[str]


@dataclass
class BacktestReport:
    until: datetime
    horizon_days: int
    teams: int
    radius_m: float
    params: SuggestionParams
    road_km: float
    folds: list[Fold] = field(default_factory=list)
    period_words: str = ""
    variants: list[Variant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.period_words = self.period_words or f"following {self.horizon_days} days"

    @property
    def methods(self) -> tuple[tuple[str, str], ...]:
        return METHODS + tuple((v.key, v.label) for v in self.variants)

    def totals(self) -> dict[str, MethodTotals]:
        totals = {key: MethodTotals(road_km=self.road_km) for key, _ in self.methods}
        for fold in self.folds:
            for key, result in fold.results.items():
                totals[key].stops += result.stops
                totals[key].hits += result.hits
                totals[key].seizures += result.seizures
                totals[key].watched_km += result.watched_km / len(self.folds)
        return totals  # stop points summed over folds; road watched is per fold (the mean)


def _even_stops(corridors: list[Corridor], count: int) -> list[tuple[int, int, float]]:
    """(idx, corridor id, metres along) for `count` points at equal steps along all corridors."""
    total = sum(c.length_m for c in corridors)
    if not total or not count:
        return []
    wanted = []
    offset = 0.0
    step = total / count
    targets = [(j + 0.5) * step for j in range(count)]
    for corridor in corridors:
        for j, target in enumerate(targets):
            if offset <= target < offset + corridor.length_m:
                wanted.append((j, corridor.pk, target - offset))
        offset += corridor.length_m
    return wanted


BASELINES = ("hotspots", "hotspots_recent", "even")
RECENT_DAYS = 56  # the product's default history: the baseline as a commander would see it lately


def _biggest_clusters(cutoff: datetime, *, window_days: int, count: int, params: SuggestionParams) -> list:
    window = Window(since=cutoff - timedelta(days=window_days), until=cutoff, at=cutoff)
    clusters = selectors.event_clusters(
        SIGNALS["seizures"], area=Area(), window=window, params=params, limit=max(count, 1)
    )
    return [(lon, lat) for _, _, lon, lat in clusters][:count]


def _without_spreading(outcome, *, cutoff: datetime, until: datetime, teams: int, params: SuggestionParams) -> list:
    """The same method with effort-spreading switched off shows what spreading costs in hits;
    without any operation to spread from, the answer is the same and is not recomputed."""
    since = cutoff - timedelta(days=lookback_days(params))
    if not selectors.operations_started(since=since, until=cutoff):
        return [(s.lon, s.lat) for c in outcome.candidates for s in c.stops]
    greedy = engine.make_suggestions(
        area=Area(),
        valid_from=cutoff,
        valid_until=until,
        now=cutoff,
        limit=teams,
        params=params.with_changes(cooldown_days=0, max_week_share=1.0),
    )
    return [(s.lon, s.lat) for c in greedy.candidates for s in c.stops]


def run_fold(
    *,
    cutoff: datetime,
    until: datetime,
    teams: int,
    radius_m: float,
    params: SuggestionParams,
    corridors: list[Corridor],
    road_km: float,
    variants: list[Variant] = (),
) -> Fold:
    """Suggestions, baselines and variants at `cutoff`, scored on [cutoff, until)."""
    outcome = engine.make_suggestions(
        area=Area(), valid_from=cutoff, valid_until=until, params=params, now=cutoff, limit=teams
    )
    ours = [(s.lon, s.lat) for c in outcome.candidates for s in c.stops]
    greedy_stops = _without_spreading(outcome, cutoff=cutoff, until=until, teams=teams, params=params)
    count = len(ours)
    hotspots = _biggest_clusters(cutoff, window_days=params.window_days, count=count, params=params)
    recent = _biggest_clusters(cutoff, window_days=RECENT_DAYS, count=count, params=params)
    placed = selectors.stops_on_corridors(_even_stops(corridors, count), area=Area())
    even = [(lon, lat) for lon, lat, _, _ in placed.values()]
    stops = (
        [("suggestions", *p) for p in ours]
        + [("no_cooldown", *p) for p in greedy_stops]
        + [("hotspots", *p) for p in hotspots]
        + [("hotspots_recent", *p) for p in recent]
        + [("even", *p) for p in even]
    )
    for variant in variants:
        other = engine.make_suggestions(
            area=Area(), valid_from=cutoff, valid_until=until, params=variant.params, now=cutoff, limit=teams
        )
        stops += [(variant.key, s.lon, s.lat) for c in other.candidates for s in c.stops]
    measured = selectors.backtest_methods(stops, since=cutoff, until=until, radius_m=radius_m, sources=params.sources)
    seizures = selectors.seizures_between(since=cutoff, until=until, sources=params.sources)
    circle = math.pi * radius_m**2
    results = {}
    for key, _ in METHODS + tuple((v.key, v.label) for v in variants):
        n_stops, hits, area_m2 = measured.get(key, (0, 0, 0.0))
        results[key] = MethodTotals(
            stops=n_stops,
            hits=hits,
            seizures=seizures,
            road_km=road_km,
            watched_km=area_m2 / circle * 2 * radius_m / 1000,
        )
    return Fold(
        cutoff=cutoff,
        until=until,
        seizures=seizures,
        results=results,
        suggestions=[c.title for c in outcome.candidates],
    )


def backtest(
    *,
    until: datetime,
    horizon_days: int = 28,
    folds: int = 1,
    teams: int = 8,
    radius_m: float = 150.0,
    params: SuggestionParams | None = None,
    variants: list[Variant] = (),
) -> BacktestReport:
    """Back-test at `until` and the `folds - 1` cut-offs `horizon_days` apart before it."""
    cutoffs = [until - timedelta(days=horizon_days * j) for j in reversed(range(folds))]
    return backtest_periods(
        periods=[(c, c + timedelta(days=horizon_days)) for c in cutoffs],
        teams=teams,
        radius_m=radius_m,
        params=params,
        horizon_days=horizon_days,
        variants=variants,
    )


def backtest_periods(
    *,
    periods: list[tuple[datetime, datetime]],
    teams: int = 8,
    radius_m: float = 150.0,
    params: SuggestionParams | None = None,
    horizon_days: int | None = None,
    progress=None,
    variants: list[Variant] = (),
) -> BacktestReport:
    """Back-test at each (cut-off, end) period: suggestions from the history before the
    cut-off, scored on the period (calendar months for the real data)."""
    params = params or SuggestionParams()
    params.check()
    for variant in variants:
        variant.params.check()
    corridors = list(Corridor.objects.order_by("slug").only("id", "slug", "length_m"))
    road_km = sum(c.length_m for c in corridors) / 1000
    report = BacktestReport(
        until=periods[-1][0],
        horizon_days=horizon_days or round((periods[0][1] - periods[0][0]).days),
        period_words="" if horizon_days else "calendar months scored",
        teams=teams,
        radius_m=radius_m,
        params=params,
        road_km=road_km,
        variants=list(variants),
    )
    for cutoff, end in periods:
        fold = run_fold(
            cutoff=cutoff,
            until=end,
            teams=teams,
            radius_m=radius_m,
            params=params,
            corridors=corridors,
            road_km=road_km,
            variants=report.variants,
        )
        report.folds.append(fold)
        if progress:
            progress(fold)
    return report


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table(report: BacktestReport) -> str:
    """The summary as a markdown table (one row per method)."""
    totals = report.totals()
    folds = len(report.folds) or 1
    lines = [
        f"| Method | Stop points (per fold) | Seizures in the {report.period_words} | "
        f"Within {report.radius_m:g} m | Share | Road watched (km per fold) | PAI per km of road |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in report.methods:
        t = totals[key]
        lines.append(
            f"| {label} | {t.stops / folds:.1f} | {t.seizures} | {t.hits} | {_pct(t.share)} | "
            f"{t.watched_km:.1f} | {_num(t.pai_per_km)} |"
        )
    return "\n".join(lines)


def fold_wins(report: BacktestReport, against: str) -> int:
    """Folds where the suggestions caught more of the following period than `against`."""
    return sum(f.results["suggestions"].hits > f.results[against].hits for f in report.folds)


def summary(report: BacktestReport) -> str:
    """One paragraph: folds won against each baseline, and the overall gain in hit rate."""
    totals = report.totals()
    ours = totals["suggestions"].share
    parts = []
    for key in BASELINES:
        theirs = totals[key].share
        gain = f"{ours / theirs - 1:+.0%}" if theirs else "n/a"
        parts.append(
            f"against {dict(METHODS)[key].lower()}: won {fold_wins(report, key)} of {len(report.folds)} folds, "
            f"hit rate {_pct(ours)} vs {_pct(theirs)} overall ({gain})"
        )
    lines = ["Suggestions " + "; ".join(parts) + "."]
    for variant in report.variants:
        lines.append(variant_summary(report, variant.key))
    return " ".join(lines)


def variant_summary(report: BacktestReport, key: str) -> str:
    """Folds where variant `key` caught more (fewer) than the suggestions, and both hit rates."""
    totals = report.totals()
    won = sum(f.results[key].hits > f.results["suggestions"].hits for f in report.folds)
    lost = sum(f.results[key].hits < f.results["suggestions"].hits for f in report.folds)
    ours, theirs = totals["suggestions"], totals[key]
    gain = f"{theirs.share / ours.share - 1:+.0%}" if ours.share else "n/a"
    return (
        f"{dict(report.methods)[key]}: more hits in {won}, fewer in {lost}, as many in "
        f"{len(report.folds) - won - lost} of {len(report.folds)} folds; hit rate {_pct(theirs.share)} vs "
        f"{_pct(ours.share)} ({gain}), PAI per km {_num(theirs.pai_per_km)} vs {_num(ours.pai_per_km)}."
    )


def data_summary() -> str:
    data = selectors.seizure_summary()
    sources = ", ".join(f"{n} {source}" for source, n in data["by_source"].items()) or "none"
    span = f" from {data['first']:%Y-%m-%d} to {data['last']:%Y-%m-%d}" if data["first"] else ""
    return f"the seizures in the database ({sources}){span}"


def markdown(report: BacktestReport, *, title: str, data: str) -> str:
    """One section: what was done, the summary, every fold, the parameters."""
    per_fold = [
        "| Cut-off | Period to | Seizures | "
        + " | ".join(label for _, label in report.methods)
        + " | Beats hotspots | Beats hotspots (8 weeks) | Beats even |",
        "|---|---|---:|" + "---:|" * len(report.methods) + "---|---|---|",
    ]
    for fold in report.folds:
        cells = " | ".join(f"{_pct(fold.results[key].share)} ({fold.results[key].hits})" for key, _ in report.methods)
        ours = fold.results["suggestions"].hits
        beats = " | ".join("yes" if ours > fold.results[key].hits else "no" for key in BASELINES)
        per_fold.append(f"| {fold.cutoff:%Y-%m-%d} | {fold.until:%Y-%m-%d} | {fold.seizures} | {cells} | {beats} |")
    params = report.params.as_dict()
    return "\n".join(
        [
            f"## {title}",
            "",
            f"Data: {data}.",
            "",
            f"At each cut-off, suggestions for {report.teams} teams were made London-wide from the "
            f"{params['window_days']} days before it only (no later data, no later operations), with up to "
            f"{params['k']} stop points each"
            + (
                " (a team's 2nd or 3rd stop point only where it is as strong as the next team's first)"
                if params["earned_stops"]
                else ""
            )
            + "; then the seizures of the following period within "
            f"{report.radius_m:g} m of a stop point were counted. The baselines get the same number of stop "
            "points: the centres of the biggest clusters of the history's seizures by raw count (DBSCAN, "
            f"{params['hotspot_eps_m']:g} m, {params['hotspot_min_points']} seizures), and points spaced evenly "
            f"along all corridors ({report.road_km:.1f} km of road). PAI per km of road = share of seizures "
            f"caught / share of road watched (each stop point watches {2 * report.radius_m:g} m of road).",
            "",
            summary(report),
            "",
            table(report),
            "",
            f"Folds ({len(report.folds)}): share of the period's seizures within reach (and how many).",
            "",
            *per_fold,
            "",
            "Suggestions at the last cut-off: "
            + ("; ".join(report.folds[-1].suggestions) if report.folds else "none")
            + ".",
            "",
            "Parameters: " + ", ".join(f"`{k}={v}`" for k, v in params.items()) + ".",
            "",
            *[
                f"{variant.label}: " + ", ".join(f"`{k}={v}`" for k, v in _changed(report.params, variant.params)) + "."
                for variant in report.variants
            ],
            *([""] if report.variants else []),
        ]
    )


def document(sections: list[str], *, command: str, generated_at: datetime, title: bool = True) -> str:
    return "\n".join(
        [
            *(["# Back-test of deployment suggestions", ""] if title else []),
            f"Generated by `{command}` on {generated_at:%Y-%m-%d %H:%M %Z} ({engine.code_version()}).",
            "",
            *sections,
        ]
    )


def _changed(base: SuggestionParams, other: SuggestionParams) -> list[tuple[str, object]]:
    before, after = base.as_dict(), other.as_dict()
    return [(k, v) for k, v in after.items() if before.get(k) != v]
