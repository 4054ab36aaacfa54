"""Back-test the hotspots: fit on one period, measure the next; print and write the table."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.hotspots.backtest import hotspots_backtest, report, table
from ebikeops.hotspots.models import Mode

from .compute_hotspots import _csv, _when

DEFAULT_OUTPUT = settings.REPO_DIR / "docs" / "BACKTEST_HOTSPOTS.md"


class Command(BaseCommand):
    help = (
        "Rolling back-test of the hotspots: for each fold, fit on --fit-days and measure the next "
        "--test-days (hit rate, area share, PAI), next to Gi* hot cells. Prints the table and writes "
        "docs/BACKTEST_HOTSPOTS.md. Nothing is stored in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", help="end of the last test window (ISO date or date-time; default now)")
        parser.add_argument("--fit-days", type=int, default=90)
        parser.add_argument("--test-days", type=int, default=30)
        parser.add_argument("--folds", type=int, default=4)
        parser.add_argument("--eps-m", type=float)
        parser.add_argument("--min-points", type=int)
        parser.add_argument("--mode", choices=Mode.values, default=Mode.FAST)
        parser.add_argument("--cell-m", type=float)
        parser.add_argument("--vehicle-type", help="comma-separated vehicle types")
        parser.add_argument("--borough", help="borough name or GSS code")
        parser.add_argument("--source", help="comma-separated sources (field, import, demo)")
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to write")
        parser.add_argument("--no-write", action="store_true", help="print only")

    def handle(self, *args, **options) -> None:
        if min(options["fit_days"], options["test_days"], options["folds"]) < 1:
            raise CommandError("--fit-days, --test-days and --folds must be at least 1")
        try:
            result = hotspots_backtest(
                until=_when(options["until"], end_of_day=True) if options["until"] else None,
                fit_days=options["fit_days"],
                test_days=options["test_days"],
                folds=options["folds"],
                eps_m=options["eps_m"],
                min_points=options["min_points"],
                mode=options["mode"],
                cell_m=options["cell_m"],
                vehicle_types=_csv(options["vehicle_type"]),
                borough=options["borough"],
                sources=_csv(options["source"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(table(result))
        if not options["no_write"]:
            output: Path = options["output"]
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(report(result, command="python backend/manage.py backtest_hotspots"))
            self.stdout.write(self.style.SUCCESS(f"Written to {output}"))
