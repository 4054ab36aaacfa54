from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ebikeops.audit import accounts
from ebikeops.audit.context import command_context
from ebikeops.core.models import Role, User
from ebikeops.core.tokens import token_rotate


class Command(BaseCommand):
    help = (
        "Create or update a user with a role and print a fresh API token on the last line. "
        "Running it again rotates the token: the user's earlier tokens stop working. The "
        "account's creation or change (role, team, password) is recorded in the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", default="")
        parser.add_argument(
            "--password", help="for the browser (map); checked against the password rules; omitted: API token only"
        )

    def handle(self, *args, username: str, role: str, team: str, password: str | None, **options) -> None:
        with transaction.atomic(), command_context("create_user"):
            user, created = User.objects.get_or_create(username=username)
            before = None if created else accounts.user_snapshot(user)
            user.role = role
            if team:
                user.team = team
            if password:
                try:
                    validate_password(password, user)
                except ValidationError as exc:
                    # Every rule the password breaks, in Django's words ("This password is too short...").
                    raise CommandError("Password refused: " + " ".join(exc.messages)) from None
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            if created:
                accounts.user_created(user=user)
            else:
                accounts.user_changed(user=user, before=before, password_changed=bool(password))
            issued = token_rotate(user=user)
        self.stderr.write(
            f"{'Created' if created else 'Updated'} {role} {username!r}; "
            f"new API token (earlier ones revoked) valid until {issued.expiry:%d/%m/%Y %H:%M %Z}."
        )
        self.stdout.write(issued.token)
