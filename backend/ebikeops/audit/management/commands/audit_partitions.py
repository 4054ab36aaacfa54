from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from ebikeops.audit import services, sql


class Command(BaseCommand):
    help = (
        "Create the audit trail's monthly partitions (UTC months) from this month for "
        "AUDIT_PARTITION_MONTHS_AHEAD months (or --months), and list them. Run it monthly: events "
        "of a month without its partition land in the DEFAULT partition."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--months", type=int, default=None, help="months to cover, this one included")

    def handle(self, *args, months: int | None, **options) -> None:
        months = months or settings.AUDIT_PARTITION_MONTHS_AHEAD + 1
        if months < 1:
            raise CommandError("--months must be at least 1.")
        today = timezone.now().date()
        try:
            created = services.partitions_ensure(first_month=today.replace(day=1), months=months)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with connection.cursor() as cursor:
            cursor.execute(sql.PARTITIONS)
            partitions = cursor.fetchall()
        for name, bounds in partitions:
            self.stdout.write(f"  {name}: {bounds}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(created)} partition(s) created; {len(partitions)} partitions in all.")
        )
