from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.areas.services import boroughs_load


class Command(BaseCommand):
    help = (
        "Load borough boundaries from any OGR source (GeoJSON, Shapefile, GeoPackage; any CRS), "
        "upserting by GSS code, then assign every operation, seizure and arrest to its borough."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--name-field", help="attribute holding the borough name")
        parser.add_argument("--code-field", help="attribute holding the GSS code")

    def handle(self, *args, path: Path, name_field: str | None, code_field: str | None, **options) -> None:
        if not path.exists():
            raise CommandError(
                f"{path} does not exist. Download the London borough boundaries "
                "(see docs/operating.md, 'Boroughs') or name another file."
            )

        def progress(index: int, name: str) -> None:
            self.stdout.write(f"  [{index:>3}] {name}")

        try:
            result = boroughs_load(path=path, name_field=name_field, code_field=code_field, progress=progress)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Boroughs: {result.created} created, {result.updated} updated; "
                f"{result.records_assigned} records assigned to boroughs."
            )
        )
