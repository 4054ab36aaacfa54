"""Compute hotspots in the foreground: the same job the worker runs, with progress output."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import get_current_timezone, is_naive, make_aware

from ebikeops.hotspots.models import Mode, TimeSlice
from ebikeops.hotspots.services import hotspots_compute


def _when(value: str, *, end_of_day: bool = False) -> datetime:
    """An ISO date or date-time; a bare date is local midnight (or the day's last moment)."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"{value!r} is not an ISO date or date-time")
        return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=get_current_timezone())
    return make_aware(parsed, get_current_timezone()) if is_naive(parsed) else parsed


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


class Command(BaseCommand):
    help = (
        "Compute hotspots (DBSCAN), Gi* cells and emerging-hotspot trends for a data window "
        "(default: the last HOTSPOT_WINDOW_DAYS days) and store them as a new run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="start of the window (ISO date or date-time)")
        parser.add_argument("--until", help="end of the window, inclusive (ISO date or date-time)")
        parser.add_argument("--eps-m", type=float, help="DBSCAN radius in metres")
        parser.add_argument("--min-points", type=int, help="seizures within eps-m that make a core place")
        parser.add_argument("--mode", choices=Mode.values, default=Mode.FAST)
        parser.add_argument("--grid-m", type=float, help="fast mode's grid cell in metres (default eps/5)")
        parser.add_argument("--cell-m", type=float, help="Gi* grid cell in metres")
        parser.add_argument("--band-m", type=float, help="Gi* neighbourhood band in metres")
        parser.add_argument("--slice", choices=TimeSlice.values, default=TimeSlice.MONTH)
        parser.add_argument("--buffer-m", type=float, help="buffer around each hotspot's hull, metres")
        parser.add_argument("--vehicle-type", help="comma-separated vehicle types")
        parser.add_argument("--borough", help="borough name or GSS code")
        parser.add_argument("--reason", help="comma-separated seizure reasons")
        parser.add_argument("--source", help="comma-separated sources (field, import, demo)")

    def handle(self, *args, **options) -> None:
        try:
            run = hotspots_compute(
                since=_when(options["since"]) if options["since"] else None,
                until=_when(options["until"], end_of_day=True) if options["until"] else None,
                eps_m=options["eps_m"],
                min_points=options["min_points"],
                mode=options["mode"],
                grid_m=options["grid_m"],
                cell_m=options["cell_m"],
                band_m=options["band_m"],
                slice=options["slice"],
                buffer_m=options["buffer_m"],
                vehicle_types=_csv(options["vehicle_type"]),
                borough=options["borough"],
                reasons=_csv(options["reason"]),
                sources=_csv(options["source"]),
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in run.stats.get("timings", {}).items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Run {run.pk}: {run.stats.get('hotspots', 0)} hotspots from {run.input_count} seizures "
                f"({run.method}, eps {run.parameters['eps_m']:g} m, min {run.parameters['min_points']}); {timings}"
            )
        )
