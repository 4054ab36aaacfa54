from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ebikeops.audit.context import command_context
from ebikeops.core.models import Role, User
from ebikeops.operations.retention import ORDER, due_for_review, records_erase_due

PURPOSE = "Retention review (MoPI): past its review date"


class Command(BaseCommand):
    help = (
        "List the operations, seizures and arrests past their review date (RETENTION_*_DAYS after "
        "they happened; operations after they ended). With --apply --user COMMANDER, erase them "
        "through the operations delete services: each leaves a tombstone and an audit event "
        "naming the commander and the review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="erase them (default: only list)")
        parser.add_argument("--user", help="the commander who authorises the erasure (required with --apply)")
        parser.add_argument("--limit", type=int, default=20, help="ids listed per record type (default 20)")

    def handle(self, *args, apply: bool, user: str | None, limit: int, **options) -> None:
        now = timezone.now()
        commander = self._commander(user) if apply else None
        for record_type in ORDER:
            due = due_for_review(record_type=record_type, now=now)
            total = due.count()
            self.stdout.write(f"{record_type}s past review ({settings.RETENTION_DAYS[record_type]} days): {total}")
            for pk in due.values_list("pk", flat=True)[:limit]:
                self.stdout.write(f"  {pk}")
            if total > limit:
                self.stdout.write(f"  ... and {total - limit} more")
        if commander is None:
            self.stdout.write("Nothing erased (listing only; --apply --user COMMANDER erases).")
            return

        def progress(record_type: str, done: int) -> None:
            self.stderr.write(f"  {done} {record_type}s reviewed")

        with command_context("review_retention", user=commander, purpose=PURPOSE):
            result = records_erase_due(user=commander, now=now, progress=progress)
        for line in result.kept:
            self.stdout.write(f"  kept {line}")
        erased = ", ".join(f"{result.erased[t]} {t}s" for t in ORDER)
        self.stdout.write(self.style.SUCCESS(f"Erased {erased}; each audited as erased by {commander.username}."))

    def _commander(self, username: str | None) -> User:
        if not username:
            raise CommandError("--apply needs --user: the commander who authorises the erasure.")
        commander = User.objects.filter(username=username, role=Role.COMMANDER, is_active=True).first()
        if commander is None:
            raise CommandError(f"No active commander {username!r}.")
        return commander
