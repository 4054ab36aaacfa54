from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.areas.named_stops import named_stops_load


class Command(BaseCommand):
    help = (
        "Load named stop points (TfL bus-stop sequences, settings.TFL_STOPS_DIR) so that "
        "deployment suggestions name their stop points after places people know. Upserts by "
        "TfL stop id: loading the same files twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="folder of bus-sequences*.csv (default: TFL_STOPS_DIR)"
        )

    def handle(self, *args, dir: Path | None, **options) -> None:
        directory = dir or settings.TFL_STOPS_DIR
        self.stdout.write(f"Reading TfL bus-stop sequences from {directory} ...")
        try:
            result = named_stops_load(directory=directory)
        except ValidationError as exc:
            raise CommandError("; ".join(" ".join(v) for v in exc.message_dict.values())) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.codes)} named stops from {result.rows} rows in {result.files} files: "
                f"{result.created} new, {result.updated} updated."
            )
        )
