from django.core.management.base import BaseCommand, CommandError

from ebikeops.audit.selectors import chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain in id order, recomputing every event's SHA-256 in "
        "PostgreSQL, and name the first broken event. Exits 1 if the chain is broken. Note the "
        "head hash it prints somewhere outside this database (rows cut off the end after that "
        "note then show)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=100_000, help="events per query (default 100000)")

    def handle(self, *args, batch_size: int, **options) -> None:
        def progress(checked: int) -> None:
            self.stderr.write(f"  {checked:,} events checked")

        report = chain_verify(batch_size=batch_size, progress=progress)
        if not report.intact:
            raise CommandError(f"Audit chain broken at {report.broken.reason}. {report.checked:,} events checked.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked:,} events, last event {report.last_id or 'none'}, "
                f"head hash {report.head_hash or '(empty)'}."
            )
        )
