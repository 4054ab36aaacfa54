"""compute_hotspots and backtest_hotspots from the command line."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ebikeops.hotspots.models import HotspotRun, RunStatus
from tests import places
from tests.factories import T0

from .conftest import lay

pytestmark = pytest.mark.django_db


def test_compute_hotspots_runs_in_the_foreground_with_progress(planted):
    out = StringIO()
    call_command(
        "compute_hotspots", "--since", "2025-11-01", "--until", "2025-12-31", "--eps-m", "50", "--mode", "exact",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    run = HotspotRun.objects.get()
    assert run.status == RunStatus.COMPLETED and run.method == "dbscan-exact"
    assert "36 seizures in the window 2025-11-01 .. 2025-12-31" in text
    assert f"Run {run.pk}: 3 hotspots from 36 seizures" in text


def test_compute_hotspots_defaults_to_the_last_year(planted, settings):
    settings.HOTSPOT_WINDOW_DAYS = 365 * 20
    call_command("compute_hotspots", stdout=StringIO())
    assert HotspotRun.objects.get().input_count == 36


def test_compute_hotspots_names_a_bad_parameter(boroughs):
    with pytest.raises(CommandError, match="eps_m"):
        call_command("compute_hotspots", "--eps-m", "1", stdout=StringIO())


def test_backtest_hotspots_prints_and_writes_the_table_and_stores_nothing(operation, tmp_path):
    # The same corner is busy in both periods: everything in the second is inside the hotspot.
    lay(operation, places.WEST_EALING, [(2.0 * i, 0.0) for i in range(6)], start=T0 - timedelta(days=20))
    lay(operation, places.WEST_EALING, [(2.0 * i, 1.0) for i in range(4)], start=T0 + timedelta(days=5))
    lay(operation, places.DEAN_STREET, [(0.0, 0.0)], start=T0 + timedelta(days=6))  # a miss
    output = tmp_path / "BACKTEST.md"
    out = StringIO()
    call_command(
        "backtest_hotspots", "--until", "2025-12-08", "--fit-days", "30", "--test-days", "10", "--folds", "1",
        "--eps-m", "50", "--output", str(output), stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "| Fit window | Test window |" in text
    row = next(line for line in text.splitlines() if line.startswith("| 2025-10-29"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2:4] == ["6", "1"]  # seizures fitted, hotspots
    assert cells[5:7] == ["5", "80.0 %"]  # next-period seizures, hit rate
    assert float(cells[7]) > 100  # a tiny area catching most of the next period
    assert "# Hotspot back-test" in output.read_text()
    assert not HotspotRun.objects.exists()
