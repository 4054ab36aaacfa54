from django.core.management.base import BaseCommand

from ebikeops.core.tokens import tokens_purge_expired


class Command(BaseCommand):
    help = "Delete expired API tokens (they are already refused; this keeps the table small)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{tokens_purge_expired()} expired token(s) deleted.")
