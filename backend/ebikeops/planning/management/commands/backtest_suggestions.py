import shlex
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from ebikeops.core.models import Source
from ebikeops.incidents.models import Incident
from ebikeops.operations.models import Seizure
from ebikeops.planning import backtest_data
from ebikeops.planning.backtest import (
    BacktestReport,
    Variant,
    backtest,
    backtest_periods,
    data_summary,
    document,
    markdown,
    table,
    variant_summary,
)
from ebikeops.planning.params import SuggestionParams

DEFAULT_OUTPUT = settings.REPO_DIR / "docs" / "BACKTEST_SUGGESTIONS.md"


class Command(BaseCommand):
    help = (
        "Back-test deployment suggestions: make them from the data before each cut-off and measure "
        "the share of the following period's seizures within --radius-m of their stop points, next to "
        "two baselines (biggest hotspots by raw count; points evenly spaced along the corridors), with "
        "PAI per km of road. --until uses the records in the database (the demo); --data loads real "
        "police.uk months (POLICEUK_DIR) in a transaction it rolls back, with monthly folds. Writes a "
        "markdown report (default docs/BACKTEST_SUGGESTIONS.md). With --data, --target-types keeps only "
        "those crime types as the seizures' stand-in, and --context-weight scores, beside the suggestions, "
        "the same with the public context incidents of --context-types at each weight given (with --data "
        "the months are imported as incidents too, rolled back; with --until, the incidents in the database)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--until", type=date.fromisoformat, help="cut-off date (YYYY-MM-DD) for database data")
        parser.add_argument(
            "--data",
            action="append",
            choices=sorted(backtest_data.DATASETS),
            default=[],
            help="a real police.uk dataset with monthly folds (repeatable)",
        )
        parser.add_argument("--horizon-days", type=int, default=28, help="length of the following period")
        parser.add_argument("--folds", type=int, default=1, help="cut-offs, horizon-days apart, ending at --until")
        parser.add_argument("--teams", type=int, default=8, help="suggestions per cut-off")
        parser.add_argument("--k", type=int, default=None, help="stop points per suggestion (default 3)")
        parser.add_argument("--spacing-m", type=float, default=None, help="stop point spacing (default 400)")
        parser.add_argument("--window-days", type=int, default=None, help="history used (default 365)")
        parser.add_argument("--half-life-days", type=float, default=None, help="recency half-life (default 60)")
        parser.add_argument("--radius-m", type=float, default=150.0, help="a seizure this close to a stop point counts")
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
        parser.add_argument("--no-write", action="store_true", help="print the tables only")
        parser.add_argument("--append", action="store_true", help="add the sections to the end of --output")
        parser.add_argument(
            "--target-types",
            type=_types,
            default=(),
            help="with --data: only these police.uk crime types stand in for seizures (comma-separated)",
        )
        parser.add_argument(
            "--context-types",
            type=_types,
            default=(),
            help="with --data: crime types read by the incidents signal (comma-separated; none of --target-types)",
        )
        parser.add_argument(
            "--context-weight",
            type=float,
            action="append",
            default=[],
            help="weight of the incidents signal in a variant scored beside the suggestions (repeatable)",
        )
        parser.add_argument("--title", default="", help="words added to each --data section's title")

    def handle(self, *args, **options) -> None:
        self._check(options)
        params = SuggestionParams().with_changes(
            k=options["k"],
            spacing_m=options["spacing_m"],
            window_days=options["window_days"],
            half_life_days=options["half_life_days"],
        )
        sections = []
        variants = [
            Variant(
                key=f"context_{weight:g}",
                label=f"Suggestions + context incidents x {weight:g}",
                params=params.with_changes(
                    weights={**params.weights, "incidents": weight},
                    context_types=options["context_types"],
                ),
            )
            for weight in options["context_weight"]
        ]
        try:
            for key in options["data"]:
                sections.append(self._real(backtest_data.DATASETS[key], params, options, variants))
            if options["until"]:
                sections.append(self._database(params, options, variants))
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        if not options["no_write"]:
            command = "python backend/manage.py backtest_suggestions " + shlex.join(sys.argv[2:])
            output: Path = options["output"]
            output.parent.mkdir(parents=True, exist_ok=True)
            appending = options["append"] and output.exists()
            text = document(sections, command=command.strip(), generated_at=timezone.localtime(), title=not appending)
            output.write_text((output.read_text() + "\n---\n\n" if appending else "") + text)
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def _check(self, options) -> None:
        if not options["until"] and not options["data"]:
            raise CommandError("Give --until (database data) or --data (real police.uk months), or both.")
        folds, horizon, teams, radius = options["folds"], options["horizon_days"], options["teams"], options["radius_m"]
        if not 1 <= folds <= 52 or not 1 <= horizon <= 365 or not 1 <= teams <= 50 or not 0 < radius <= 2000:
            raise CommandError("Use 1-52 folds, 1-365 horizon days, 1-50 teams and a radius of 0-2000 m.")
        target, context, weights = options["target_types"], options["context_types"], options["context_weight"]
        if target and not options["data"]:
            raise CommandError("--target-types needs --data (police.uk months).")
        if bool(context) != bool(weights):
            raise CommandError("Give --context-types with --context-weight (one or more weights), or neither.")
        if any(not 0 < w <= 100 for w in weights):
            raise CommandError("A --context-weight is above 0 and at most 100.")
        if set(target) & set(context):
            raise CommandError(
                "--context-types must not include a target type: the context is other crimes "
                f"({', '.join(sorted(set(target) & set(context)))} in both)."
            )

    def _fold(self, fold) -> None:
        cells = ", ".join(f"{key} {r.hits}/{r.seizures}" for key, r in fold.results.items())
        self.stdout.write(f"  cut-off {fold.cutoff:%Y-%m-%d}: {cells}")

    def _real(self, dataset, params: SuggestionParams, options, variants: list[Variant]) -> str:
        if Seizure.objects.filter(source=Source.IMPORT).exists():
            raise CommandError("The database already holds imported seizures; run --data on a database without them.")
        if variants and Incident.objects.exists():
            raise CommandError("The database already holds incidents; run --context-weight on a database without them.")
        target = frozenset(options["target_types"])
        self.stdout.write(f"{dataset.label}: loading the months (rolled back at the end) ...")
        with transaction.atomic():
            loaded = backtest_data.load(
                dataset, progress=self.stdout.write, target_types=target, context=bool(variants)
            )
            report = backtest_periods(
                periods=backtest_data.periods(dataset),
                teams=options["teams"],
                radius_m=options["radius_m"],
                params=params.with_changes(sources=(Source.IMPORT,)),
                progress=self._fold,
                variants=[Variant(v.key, v.label, v.params.with_changes(sources=(Source.IMPORT,))) for v in variants],
            )
            transaction.set_rollback(True)
        self.stdout.write(table(report))
        for variant in report.variants:
            self.stdout.write(variant_summary(report, variant.key))
        kind = f"{', '.join(sorted(target))} only" if target else "every crime type"
        data = (
            f"{loaded} located street-level records in London from {dataset.label} "
            f"(`{dataset.folder}`, {dataset.first} to {dataset.last}; {kind} standing in for seizures), "
            "each dated the 15th of its month; folds are calendar months"
        )
        if variants:
            data += (
                f"; context: every crime type of the same months imported as incidents, the variants reading "
                f"{', '.join(options['context_types'])} before each cut-off"
            )
        label = dataset.label.replace("every crime type", kind) if target else dataset.label
        title = f"Real data: {label}" + (f" ({options['title']})" if options["title"] else "")
        return markdown(report, title=title, data=data)

    def _database(self, params: SuggestionParams, options, variants: list[Variant]) -> str:
        cutoff = datetime.combine(options["until"], time(), tzinfo=ZoneInfo(settings.TIME_ZONE))
        report: BacktestReport = backtest(
            until=cutoff,
            horizon_days=options["horizon_days"],
            folds=options["folds"],
            teams=options["teams"],
            radius_m=options["radius_m"],
            params=params,
            variants=variants,
        )
        for fold in report.folds:
            self._fold(fold)
        if report.folds and report.folds[-1].until > timezone.now():
            self.stderr.write(self.style.WARNING("The last following period runs past today: it is incomplete."))
        self.stdout.write(table(report))
        for variant in report.variants:
            self.stdout.write(variant_summary(report, variant.key))
        data = data_summary() + (
            f"; context: the incidents in the database of {', '.join(options['context_types'])}" if variants else ""
        )
        return markdown(report, title="Records in the database", data=data)


def _types(value: str) -> tuple[str, ...]:
    """Comma-separated police.uk crime types, e.g. "Theft from the person,Robbery"."""
    return tuple(t.strip() for t in value.split(",") if t.strip())
