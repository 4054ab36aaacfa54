import os
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ebikeops.core.models import Role, User
from ebikeops.core.tokens import token_rotate
from ebikeops.demo.services import demo_load

DEMO_USERS = (("commander", Role.COMMANDER), ("officer", Role.OFFICER), ("analyst", Role.ANALYST))


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
            help="also create demo users commander, officer, analyst (password from "
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
        for username, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"role": role})
            user.role = role
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("DEMO_PASSWORD refused: " + " ".join(exc.messages)) from None
            user.set_password(password)
            user.save()
            # Tokens are stored hashed: each run issues (and prints) a fresh one per demo user.
            issued = token_rotate(user=user)
            self.stdout.write(f"  {role:<9} {username:<10} password {password}  token {issued.token}")
