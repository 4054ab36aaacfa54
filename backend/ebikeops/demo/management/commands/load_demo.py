import os
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from ebikeops.audit import accounts
from ebikeops.audit.context import command_context
from ebikeops.core.models import Role, User
from ebikeops.core.tokens import token_rotate
from ebikeops.demo.services import demo_load

# (username, role, team): the officer belongs to the team of the Ealing operation, so that
# their page shows that team's deployments once a commander sends a plan naming it.
DEMO_USERS = (
    ("commander", Role.COMMANDER, ""),
    ("officer", Role.OFFICER, "Ealing Town Centre Team"),
    ("analyst", Role.ANALYST, ""),
    ("auditor", Role.AUDITOR, ""),
)


class Command(BaseCommand):
    help = (
        "Load demo data: the two operations from the Met's announcement and a seeded synthetic year "
        "(source='demo') along the corridors in CORRIDORS_FILE. Replaces earlier demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--end", type=date.fromisoformat, help="last day (exclusive); default today")
        parser.add_argument("--operations", type=int, default=225, help="synthetic operations to generate")
        parser.add_argument(
            "--users",
            action="store_true",
            help="also create demo users commander, officer, analyst, auditor (password from "
            "DEMO_PASSWORD or generated) and print their tokens",
        )

    def handle(self, *args, seed: int, end: date | None, operations: int, users: bool, **options) -> None:
        if not settings.CORRIDORS_FILE.exists():
            raise CommandError(f"CORRIDORS_FILE {settings.CORRIDORS_FILE} not found.")
        end = end or timezone.now().date()
        system_user, _ = User.objects.get_or_create(
            username="demo-generator", defaults={"role": Role.ANALYST, "is_active": False}
        )
        summary = demo_load(
            corridors_file=settings.CORRIDORS_FILE,
            end=end,
            seed=seed,
            operations=operations,
            user=system_user,
            progress=self.stdout.write,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo: {summary.real_operations} announced operations; synthetic year to {end}: "
                f"{summary.operations} operations, {summary.seizures} seizures, {summary.arrests} arrests."
            )
        )
        if users:
            self._users()

    def _users(self) -> None:
        password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        for username, role, team in DEMO_USERS:
            # Account changes are audited as create_user's are (docs/accountability.md).
            with transaction.atomic(), command_context("load_demo"):
                user, created = User.objects.get_or_create(username=username, defaults={"role": role})
                before = None if created else accounts.user_snapshot(user)
                user.role, user.team = role, team
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    raise CommandError("DEMO_PASSWORD refused: " + " ".join(exc.messages)) from None
                user.set_password(password)
                user.save()
                if created:
                    accounts.user_created(user=user)
                else:
                    accounts.user_changed(user=user, before=before, password_changed=True)
                # Tokens are stored hashed: each run issues (and prints) a fresh one per demo user.
                issued = token_rotate(user=user)
            self.stdout.write(f"  {role:<9} {username:<10} password {password}  token {issued.token}")
