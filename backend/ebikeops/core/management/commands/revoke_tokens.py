from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.core.models import User
from ebikeops.core.tokens import token_revoke


class Command(BaseCommand):
    help = "Revoke every API token of the named users (a lost phone, someone leaving). Prints how many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="+")

    def handle(self, *args, usernames: list[str], **options) -> None:
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        missing = sorted(set(usernames) - set(users))
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}.")
        for username in usernames:
            revoked = token_revoke(user=users[username])
            self.stdout.write(f"{username}: {revoked} token(s) revoked.")
