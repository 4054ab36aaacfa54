from django.conf import settings
from django.core.management.base import BaseCommand

from ebikeops.imports.services import import_uploads_purge


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of API imports that finished more than IMPORT_UPLOAD_RETENTION_DAYS days ago "
        "(the jobs keep their summary and rejects file). The worker runs it after each import; run it daily "
        "from cron where imports are rare."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--keep-days", type=int, help=f"days to keep (default {settings.IMPORT_UPLOAD_RETENTION_DAYS})"
        )

    def handle(self, *args, keep_days: int | None = None, **options) -> None:
        deleted = import_uploads_purge(keep_days=keep_days)
        self.stdout.write(f"Deleted {deleted:,} uploaded import files.")
