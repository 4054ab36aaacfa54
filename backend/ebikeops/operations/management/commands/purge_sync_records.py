from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ebikeops.audit.context import command_context
from ebikeops.core.idempotency import idempotency_keys_purge
from ebikeops.operations.photos import pending_photos_purge


class Command(BaseCommand):
    help = (
        "Delete expired Idempotency-Key answers and photos whose seizure never arrived "
        "(older than PHOTO_PENDING_RETENTION_DAYS). Tombstones are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pending-photo-days", type=float, default=None, help="override PHOTO_PENDING_RETENTION_DAYS"
        )

    def handle(self, *args, pending_photo_days: float | None, **options) -> None:
        now = timezone.now()
        days = settings.PHOTO_PENDING_RETENTION_DAYS if pending_photo_days is None else pending_photo_days
        with command_context("purge_sync_records"):  # the photos' erasure events name the command
            keys = idempotency_keys_purge(now=now)
            photos = pending_photos_purge(older_than=now - timedelta(days=days))
        self.stdout.write(f"Deleted {keys} expired idempotency answers and {photos} never-attached photos.")
