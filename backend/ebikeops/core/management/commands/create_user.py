from django.core.management.base import BaseCommand, CommandParser
from rest_framework.authtoken.models import Token

from ebikeops.core.models import Role, User


class Command(BaseCommand):
    help = "Create or update a user with a role and print its API token on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", default="")
        parser.add_argument("--password", help="for the browser (map); omitted: API token only")

    def handle(self, *args, username: str, role: str, team: str, password: str | None, **options) -> None:
        user, created = User.objects.get_or_create(username=username)
        user.role = role
        if team:
            user.team = team
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        token, _ = Token.objects.get_or_create(user=user)
        self.stderr.write(f"{'Created' if created else 'Updated'} {role} {username!r}.")
        self.stdout.write(token.key)
