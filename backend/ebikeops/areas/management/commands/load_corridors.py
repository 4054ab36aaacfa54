from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.areas.corridors import corridors_load
from ebikeops.areas.models import Corridor


class Command(BaseCommand):
    help = (
        "Load road corridors from any OGR line source (GeoJSON, Shapefile, GeoPackage, an "
        "OpenStreetMap extract, OS Open Roads; any CRS). Segments are grouped by their `slug` "
        "attribute or else by road name, threaded into one route per road and upserted by "
        "slug, so loading the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--layer", default="0", help="layer name or index (default: the first)")
        parser.add_argument("--name-field", help="attribute holding the road name (default: guessed)")
        parser.add_argument(
            "--road",
            action="append",
            dest="roads",
            metavar="NAME",
            help="load only this road (repeatable); without it every named road is loaded",
        )
        parser.add_argument(
            "--approximate",
            action="store_true",
            help="mark every corridor approximate (features can also say so themselves)",
        )
        parser.add_argument("--prune", action="store_true", help="delete corridors that are not in this source")
        parser.add_argument(
            "--join-gap-m",
            type=float,
            default=100.0,
            help="segments of one name further apart than this become separate corridors",
        )

    def handle(
        self,
        *args,
        path: Path,
        layer: str,
        name_field: str | None,
        roads: list[str] | None,
        approximate: bool,
        prune: bool,
        join_gap_m: float,
        **options,
    ) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist.")

        def progress(index: int, total: int, corridor: Corridor, created: bool) -> None:
            boroughs = ", ".join(b.name for b in corridor.boroughs.all()) or "no borough"
            flag = " (approximate)" if corridor.approximate else ""
            self.stdout.write(
                f"  [{index:>3}/{total}] {'created' if created else 'updated'} {corridor.slug}: "
                f"{corridor.length_m / 1000:.1f} km{flag}; {boroughs}"
            )

        try:
            result = corridors_load(
                path=path,
                layer=int(layer) if layer.isdigit() else layer,
                name_field=name_field,
                roads=roads,
                approximate=approximate,
                prune=prune,
                join_gap_m=join_gap_m,
                progress=progress,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Corridors: {result.created} created, {result.updated} updated, {result.removed} removed "
                f"from {result.segments} segments ({result.skipped_unnamed} unnamed segments skipped)."
            )
        )
