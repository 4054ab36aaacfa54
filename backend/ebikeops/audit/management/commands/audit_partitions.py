from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.utils import timezone

from ebikeops.audit import services, sql
from ebikeops.audit.services import PartitionLayout


class Command(BaseCommand):
    help = (
        "Create the audit trail's monthly partitions (UTC months) from this month for "
        "AUDIT_PARTITION_MONTHS_AHEAD months (or --months), and list them. Run it monthly: events "
        "of a month without its partition land in the DEFAULT partition. With --cluster-closed, "
        "also rewrite each closed month's partition in (actor, time) order (CLUSTER: that month's "
        "reads wait while it runs; inserts do not), once per month."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--months", type=int, default=None, help="months to cover, this one included")
        parser.add_argument(
            "--cluster-closed",
            action="store_true",
            help="lay out each closed month not laid out yet by actor (CLUSTER, then VACUUM FREEZE ANALYZE)",
        )
        parser.add_argument(
            "--lock-timeout",
            type=float,
            default=10.0,
            help="with --cluster-closed: seconds to wait for a month's lock before leaving it for the next run",
        )

    def handle(self, *args, months: int | None, cluster_closed: bool, lock_timeout: float, **options) -> None:
        months = months or settings.AUDIT_PARTITION_MONTHS_AHEAD + 1
        if months < 1:
            raise CommandError("--months must be at least 1.")
        if lock_timeout <= 0:
            raise CommandError("--lock-timeout must be more than 0 seconds.")
        now = timezone.now()
        try:
            created = services.partitions_ensure(first_month=now.date().replace(day=1), months=months)
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
        if cluster_closed:
            self._cluster_closed(now=now, lock_timeout=lock_timeout)

    def _cluster_closed(self, *, now, lock_timeout: float) -> None:
        self.stdout.write("Laying out the closed months by (actor, time):")
        try:
            layouts = services.closed_partitions_cluster(now=now, lock_timeout_s=lock_timeout, progress=self._progress)
        except DatabaseError as exc:  # most often: not run as the tables' owner (CLUSTER must be)
            raise CommandError(f"Laying out the closed months stopped: {exc}".strip()) from exc
        states = [layout.state for layout in layouts]
        summary = (
            f"{states.count('clustered') + states.count('redone')} closed month(s) clustered "
            f"({states.count('redone')} of them again), {states.count('done')} already laid out, "
            f"{states.count('busy')} busy."
        )
        if "busy" in states:
            raise CommandError(f"{summary} Run it again when the busy months' reads are over.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _progress(self, layout: PartitionLayout) -> None:
        if layout.state == "done":
            self.stdout.write(f"  {layout.partition}: already laid out by actor")
        elif layout.state == "busy":
            self.stdout.write(self.style.WARNING(f"  {layout.partition}: busy (its lock was not granted), left"))
        else:
            again = " again (rows arrived since, or its CLUSTER mark moved)" if layout.state == "redone" else ""
            self.stdout.write(
                f"  {layout.partition}: {layout.rows:,} rows clustered{again} on {layout.index} in "
                f"{layout.cluster_s:.1f} s, then vacuumed in {layout.vacuum_s:.1f} s"
            )
