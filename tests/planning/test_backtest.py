"""backtest_suggestions: suggestions against the following period, next to two baselines."""

import shutil
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ebikeops.core.models import Source
from ebikeops.operations.models import Seizure
from ebikeops.planning import backtest_data

from ..factories import T0
from .conftest import DALSTON, EALING_BROADWAY, HAGGERSTON, WEST_EALING, saturdays, seizures_at


def test_it_writes_a_table_comparing_the_suggestions_with_the_baselines(corridors, tmp_path):
    # History before the cut-off (T0) on Uxbridge Road and Kingsland Road; the following
    # four weeks repeat it.
    seizures_at([EALING_BROADWAY, WEST_EALING], days=saturdays(6), per_place=3, operation_name="Uxbridge")
    seizures_at([HAGGERSTON, DALSTON], days=saturdays(6), per_place=2, operation_name="Kingsland")
    after = [T0 + timedelta(days=7 * n) for n in range(4)]
    seizures_at([EALING_BROADWAY, WEST_EALING], days=after, per_place=2, operation_name="Uxbridge later")
    output = tmp_path / "BACKTEST.md"
    out = StringIO()
    call_command(
        "backtest_suggestions",
        "--until",
        T0.date().isoformat(),
        "--teams",
        "2",
        "--output",
        str(output),
        stdout=out,
        stderr=StringIO(),
    )
    text = output.read_text()
    assert text.startswith("# Back-test of deployment suggestions")
    rows = {}
    for line in text.splitlines():
        if line.startswith("| "):
            cells = [cell.strip() for cell in line.strip("| ").split(" | ")]
            rows.setdefault(cells[0], cells)  # the summary table comes first
    ours, even = rows["Suggestions (this method)"], rows["Evenly spaced along corridors"]
    assert ours[1] == "4.0", "two corridors, two stop points each"
    assert (ours[2], ours[3], ours[4]) == ("16", "16", "100.0%")
    assert float(even[4].rstrip("%")) < 50
    assert float(ours[6]) > float(even[6])
    assert "Biggest hotspots by raw count" in rows
    assert "Wrote" in out.getvalue()


def test_it_refuses_silly_arguments(corridors):
    with pytest.raises(CommandError, match="folds"):
        call_command("backtest_suggestions", "--until", "2025-11-29", "--folds", "0", "--no-write")


def test_it_back_tests_real_police_months_and_leaves_the_database_as_it_was(corridors, tmp_path, settings):
    # Three real City of London months: one monthly fold (March 2020, from January-February).
    folder = tmp_path / "city-of-london"
    folder.mkdir()
    for month in ("01", "02", "03"):
        name = f"2020-{month}-city-of-london-street.csv"
        shutil.copy(Path("/work/shared/realdata/policeuk/city-of-london") / name, folder / name)
    settings.POLICEUK_DIR = tmp_path
    output = tmp_path / "BACKTEST.md"
    out = StringIO()
    call_command("backtest_suggestions", "--data", "city-2020", "--teams", "3", "--output", str(output), stdout=out)
    text = output.read_text()
    assert "## Real data: City of London Police, every crime type, 2020" in text
    assert "2020-01-city-of-london-street.csv: 729 located rows in London" in out.getvalue()
    fold = next(line for line in text.splitlines() if line.startswith("| 2020-03-01 | 2020-04-01 | 564 |"))
    assert fold.count("%") == 5, "a share for each method"
    assert "won" in text and "of 1 folds" in text
    assert not Seizure.objects.filter(source=Source.IMPORT).exists(), "the rows are rolled back"


def test_the_calibration_folds_end_before_the_scored_months_and_do_not_load_them(tmp_path):
    # met-burglary-fit chooses parameters (the half-life) without seeing met-burglary's folds:
    # its cut-offs and every month it loads come before the first scored month.
    folder = tmp_path / "metropolitan-burglary"
    folder.mkdir()
    for month in backtest_data.months("2023-01", "2025-02"):
        backtest_data.path_of(backtest_data.DATASETS["met-burglary"], month, tmp_path).touch()
    fit, scored = backtest_data.DATASETS["met-burglary-fit"], backtest_data.DATASETS["met-burglary"]
    fit_periods = backtest_data.periods(fit, tmp_path)
    first_scored = backtest_data.month_start(scored.first_fold)
    assert [f"{cutoff:%Y-%m}" for cutoff, _ in fit_periods] == [f"2023-{m:02d}" for m in range(7, 13)] + [
        "2024-01",
        "2024-02",
    ]
    assert all(end <= first_scored for _, end in fit_periods)
    assert backtest_data.months(fit.first, fit.last)[-1] < first_scored
