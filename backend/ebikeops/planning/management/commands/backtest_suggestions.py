import shlex
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ebikeops.planning.backtest import backtest, markdown, table
from ebikeops.planning.params import SuggestionParams

DEFAULT_OUTPUT = settings.REPO_DIR / "docs" / "BACKTEST_SUGGESTIONS.md"


class Command(BaseCommand):
    help = (
        "Back-test deployment suggestions: make them from the data before --until (midnight, London "
        "time) and measure the share of the following period's seizures within --radius-m of their "
        "stop points, next to two baselines (biggest hotspots by raw count; points evenly spaced along "
        "the corridors), with PAI per km of road. Writes a markdown report (default docs/BACKTEST_SUGGESTIONS.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", type=date.fromisoformat, required=True, help="cut-off date (YYYY-MM-DD)")
        parser.add_argument("--horizon-days", type=int, default=28, help="length of the following period")
        parser.add_argument("--folds", type=int, default=1, help="cut-offs, horizon-days apart, ending at --until")
        parser.add_argument("--teams", type=int, default=8, help="suggestions per cut-off")
        parser.add_argument("--k", type=int, default=None, help="stop points per suggestion (default 3)")
        parser.add_argument("--spacing-m", type=float, default=None, help="stop point spacing (default 400)")
        parser.add_argument("--window-days", type=int, default=None, help="history used (default 56)")
        parser.add_argument("--radius-m", type=float, default=150.0, help="a seizure this close to a stop point counts")
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
        parser.add_argument("--no-write", action="store_true", help="print the table only")

    def handle(
        self,
        *args,
        until: date,
        horizon_days: int,
        folds: int,
        teams: int,
        k: int | None,
        spacing_m: float | None,
        window_days: int | None,
        radius_m: float,
        output: Path,
        no_write: bool,
        **options,
    ) -> None:
        if not 1 <= folds <= 52 or not 1 <= horizon_days <= 365 or not 1 <= teams <= 50 or not 0 < radius_m <= 2000:
            raise CommandError("Use 1-52 folds, 1-365 horizon days, 1-50 teams and a radius of 0-2000 m.")
        cutoff = datetime.combine(until, time(), tzinfo=ZoneInfo(settings.TIME_ZONE))
        try:
            params = SuggestionParams().with_changes(k=k, spacing_m=spacing_m, window_days=window_days)
            report = backtest(
                until=cutoff, horizon_days=horizon_days, folds=folds, teams=teams, radius_m=radius_m, params=params
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        for fold in report.folds:
            cells = ", ".join(f"{key} {r.hits}/{r.seizures}" for key, r in fold.results.items())
            self.stdout.write(f"  cut-off {fold.cutoff:%Y-%m-%d}: {cells}")
        if report.folds and report.folds[-1].until > timezone.now():
            self.stderr.write(self.style.WARNING("The last following period runs past today: it is incomplete."))
        self.stdout.write(table(report))
        if not no_write:
            command = "python backend/manage.py backtest_suggestions " + shlex.join(sys.argv[2:])
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(markdown(report, command=command.strip(), generated_at=timezone.localtime()))
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
