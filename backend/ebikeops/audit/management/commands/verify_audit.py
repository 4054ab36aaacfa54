from django.core.management.base import BaseCommand, CommandError

from ebikeops.audit.selectors import chain_verify


class Command(BaseCommand):
    help = (
        "Walk every one of the audit trail's hash chains in order, recomputing every event's "
        "SHA-256 in PostgreSQL, and name the first broken event. Exits 1 if a chain is broken. "
        "Note the heads' digest it prints somewhere outside this database (events cut off a "
        "chain's end after that note then show)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=100_000, help="events per query (default 100000)")

    def handle(self, *args, batch_size: int, **options) -> None:
        def progress(checked: int) -> None:
            self.stderr.write(f"  {checked:,} events checked")

        report = chain_verify(batch_size=batch_size, progress=progress)
        if not report.intact:
            raise CommandError(f"Audit chain broken at {report.broken.reason}. {report.checked:,} events checked.")
        for end in report.ends:
            if end.events:
                name = f"chain {end.chain}" if end.chain else "legacy chain"
                self.stdout.write(f"  {name}: {end.events:,} events, last event {end.last_id}, hash {end.hash}")
        used = sum(1 for end in report.ends if end.events)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked:,} events in {used} chain(s), last event "
                f"{report.last_id or 'none'}, heads' digest {report.heads_digest or '(empty)'}."
            )
        )
