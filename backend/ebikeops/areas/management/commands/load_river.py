from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebikeops.areas.river import MIN_PART_M2, river_load


class Command(BaseCommand):
    help = (
        "Compute the tidal Thames from the two borough files (BOROUGHS_FILE, drawn to the tidal "
        "boundary, minus BOROUGHS_LAND_FILE, cut at Mean High Water) and store it for the map."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tidal", type=Path, default=settings.BOROUGHS_FILE)
        parser.add_argument("--land", type=Path, default=settings.BOROUGHS_LAND_FILE)

    def handle(self, *args, tidal: Path, land: Path, **options) -> None:
        for path in (tidal, land):
            if not path.exists():
                raise CommandError(f"{path} does not exist: the map draws no river (see docs/map.md, 'Base map').")
        self.stdout.write(f"Computing the river: {tidal.name} minus {land.name}...")
        result = river_load(tidal_path=tidal, land_path=land)
        self.stdout.write(
            self.style.SUCCESS(
                f"River: {result.parts} parts, {result.area_m2 / 1e6:.2f} km² "
                f"({result.slivers_dropped} slivers under {MIN_PART_M2:,.0f} m² dropped)."
            )
        )
