"""Back-test: fit hotspots on one period, measure how much of the next period they catch.

For each fold, hotspots are computed over the fit window [t - fit_days, t) and scored on the
test window [t, t + test_days):

- hit rate: share of the test window's seizures that fall inside the hotspots;
- area share: the hotspots' merged area as a share of the study area (the borough filtered
  on, else all London boroughs);
- PAI (Predictive Accuracy Index, Chainey et al. 2008) = hit rate / area share: how many
  times better than picking the same area at random.

Gi* hot cells (gi_bin >= 2, i.e. 95 % confidence after FDR) of the same fit are scored
alongside. Runs made for a back-test are rolled back: they never reach the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from . import engine, selectors
from .params import HotspotFilters, Window
from .services import hotspots_compute

MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Score:
    seizures: int
    hits: int
    area_share: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.seizures if self.seizures else 0.0

    @property
    def pai(self) -> float | None:
        return self.hit_rate / self.area_share if self.area_share > 0 else None


@dataclass(frozen=True)
class Fold:
    fit: Window
    test: Window
    fit_seizures: int
    hotspots: int
    dbscan: Score
    gistar: Score


@dataclass(frozen=True)
class Backtest:
    folds: list[Fold]
    parameters: dict
    filters: dict
    code_version: str
    generated_at: datetime

    def pooled(self, method: str) -> Score:
        scores = [getattr(f, method) for f in self.folds]
        if not scores:
            return Score(0, 0, 0.0)
        return Score(
            seizures=sum(s.seizures for s in scores),
            hits=sum(s.hits for s in scores),
            area_share=sum(s.area_share for s in scores) / len(scores),
        )


def hotspots_backtest(
    *, until: datetime | None = None, fit_days: int = 90, test_days: int = 30, folds: int = 4, **question
) -> Backtest:
    """Rolling-origin back-test ending at `until` (default now): `folds` consecutive test
    windows of `test_days`, each scored against hotspots fitted on the `fit_days` before it.
    `question` takes hotspots_compute's parameters and filters. Nothing is stored."""
    until = until or timezone.now()
    filters = HotspotFilters.build(
        vehicle_types=question.get("vehicle_types"),
        borough=question.get("borough"),
        reasons=question.get("reasons"),
        sources=question.get("sources"),
    )
    results: list[Fold] = []
    parameters: dict = {}
    with transaction.atomic():
        for k in range(folds, 0, -1):
            start = until - timedelta(days=test_days * k)
            fit = Window(since=start - timedelta(days=fit_days), until=start - MICROSECOND)
            test = Window(since=start, until=start + timedelta(days=test_days) - MICROSECOND)
            run = hotspots_compute(since=fit.since, until=fit.until, now=fit.until, **question)
            parameters = run.parameters
            seizures, hits = selectors.backtest_hits(run=run, window=test, filters=filters)
            hotspot_m2, study_m2 = selectors.backtest_areas(run=run, filters=filters)
            _, cell_hits = selectors.backtest_cell_hits(run=run, window=test, filters=filters, min_bin=2)
            cell_m2 = selectors.backtest_cell_area(run=run, min_bin=2)
            results.append(
                Fold(
                    fit=fit,
                    test=test,
                    fit_seizures=run.input_count or 0,
                    hotspots=run.hotspots.count(),
                    dbscan=Score(seizures, hits, hotspot_m2 / study_m2 if study_m2 else 0.0),
                    gistar=Score(seizures, cell_hits, cell_m2 / study_m2 if study_m2 else 0.0),
                )
            )
        transaction.set_rollback(True)
    return Backtest(
        folds=results,
        parameters=parameters,
        filters=filters.as_dict(),
        code_version=engine.code_version(),
        generated_at=timezone.now(),
    )


def _pct(value: float, places: int = 1) -> str:
    return f"{100 * value:.{places}f} %"


def _pai(score: Score) -> str:
    return "n/a" if score.pai is None else f"{score.pai:.1f}"


def _day(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def table(result: Backtest) -> str:
    """The back-test as a Markdown table (one row per fold, then all folds pooled)."""
    lines = [
        "| Fit window | Test window | Seizures fitted | Hotspots | Area share | Next-period seizures | Hit rate | PAI "
        "| Gi* 95 % area share | Gi* hit rate | Gi* PAI |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in result.folds:
        lines.append(
            f"| {_day(f.fit.since)} .. {_day(f.fit.until)} | {_day(f.test.since)} .. {_day(f.test.until)} "
            f"| {f.fit_seizures} | {f.hotspots} | {_pct(f.dbscan.area_share, 2)} | {f.dbscan.seizures} "
            f"| {_pct(f.dbscan.hit_rate)} | {_pai(f.dbscan)} | {_pct(f.gistar.area_share, 2)} "
            f"| {_pct(f.gistar.hit_rate)} | {_pai(f.gistar)} |"
        )
    d, g = result.pooled("dbscan"), result.pooled("gistar")
    lines.append(
        f"| **all folds** | | {sum(f.fit_seizures for f in result.folds)} | "
        f"{sum(f.hotspots for f in result.folds)} | {_pct(d.area_share, 2)} | {d.seizures} | {_pct(d.hit_rate)} "
        f"| {_pai(d)} | {_pct(g.area_share, 2)} | {_pct(g.hit_rate)} | {_pai(g)} |"
    )
    return "\n".join(lines)


def report(result: Backtest, *, command: str) -> str:
    """The Markdown document written to docs/BACKTEST_HOTSPOTS.md."""
    p = result.parameters
    described = ", ".join(f"{k} {v}" for k, v in result.filters.items() if v) or "all seizures"
    return "\n".join(
        [
            "# Hotspot back-test",
            "",
            f"Generated by `{command}` on {timezone.localtime(result.generated_at):%Y-%m-%d %H:%M %Z} "
            f"({result.code_version}).",
            "",
            f"DBSCAN ({p.get('mode', '?')} mode) with eps {p.get('eps_m', 0):g} m and at least "
            f"{p.get('min_points', '?')} seizures; Gi* on {p.get('cell_m', 0):g} m cells. Data: {described}.",
            "Hit rate = share of the next period's seizures inside the hotspots; area share = the "
            "hotspots' area as a share of the study area (all boroughs, or the borough filtered on); "
            "PAI = hit rate / area share (1 = no better than chance).",
            "",
            table(result),
            "",
        ]
    )
