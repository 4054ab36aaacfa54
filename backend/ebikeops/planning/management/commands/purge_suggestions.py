from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.planning.services import suggestion_runs_purge


class Command(BaseCommand):
    help = (
        "Delete stored suggestion runs (made by POST) older than SUGGESTION_RETENTION_DAYS, "
        "keeping any run with a suggestion an operation followed. Run it daily (cron, systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=float, default=None, help="retention in days (default: SUGGESTION_RETENTION_DAYS)"
        )

    def handle(self, *args, days: float | None, **options) -> None:
        retention = settings.SUGGESTION_RETENTION_DAYS if days is None else days
        try:
            runs = suggestion_runs_purge(retention_days=retention)
        except ValidationError as exc:
            raise CommandError("Give --days of 0 or more.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Purged {runs} suggestion run{'s' if runs != 1 else ''} older than {retention:g} days.")
        )
