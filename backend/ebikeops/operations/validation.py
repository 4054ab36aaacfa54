"""Domain checks shared by the services. Each raises a field-keyed ValidationError."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from ebikeops.areas.models import Borough
from ebikeops.areas.selectors import (
    borough_for_point,
    borough_ids_for_points,
    boroughs_loaded,
    point_in_london_bbox,
)

from . import errors


class BoroughsOf:
    """The boroughs covering many points, looked up together (two queries; a third, whether
    boundaries are loaded at all, only when no point fell in a borough), so a batch of records
    is placed without one query per record. Call with a point of the batch."""

    def __init__(self, points: Sequence[Point]):
        ids = borough_ids_for_points(points)
        self.loaded = any(i is not None for i in ids) or boroughs_loaded()
        found = Borough.objects.defer("geom").in_bulk({i for i in ids if i is not None})
        self._by_point = {(p.x, p.y): found.get(i) for p, i in zip(points, ids, strict=True)}

    def __call__(self, point: Point) -> Borough | None:
        return self._by_point[(point.x, point.y)]


def locate_in_london(point: Point, *, field: str, boroughs: BoroughsOf | None = None) -> Borough | None:
    """Return the borough covering `point` (SRID 4326). Raise if the point is outside
    Greater London, naming swapped coordinates when that is the likely mistake. `boroughs`:
    the batch's boroughs looked up beforehand (else one query, two before boundaries load)."""
    inside = point_in_london_bbox(point)
    borough = None
    loaded = boroughs.loaded if boroughs is not None else inside and boroughs_loaded()
    if inside and loaded:
        borough = boroughs(point) if boroughs is not None else borough_for_point(point)
        inside = borough is not None
    if inside:
        return borough
    swapped = Point(point.y, point.x, srid=4326)
    if point_in_london_bbox(swapped):
        raise ValidationError({field: errors.POINT_SWAPPED.format(x=point.x, y=point.y)})
    raise ValidationError({field: errors.POINT_OUTSIDE_LONDON})


def check_accuracy(accuracy_m: float | None, *, field: str = "accuracy_m") -> None:
    limit = settings.MAX_GPS_ACCURACY_M
    if accuracy_m is not None and accuracy_m > limit:
        raise ValidationError({field: errors.ACCURACY_TOO_POOR.format(value=accuracy_m, limit=limit)})


def check_not_future(value: datetime | None, *, now: datetime, field: str) -> None:
    skew = settings.CLOCK_SKEW_SECONDS
    if value is not None and value > now + timedelta(seconds=skew):
        raise ValidationError({field: errors.IN_FUTURE.format(seconds=skew)})


def check_in_window(value: datetime, *, started_at: datetime, ended_at: datetime | None, field: str) -> None:
    """`value` must fall in [started_at, ended_at] widened by the configured tolerance."""
    minutes = settings.OPERATION_WINDOW_TOLERANCE_MINUTES
    tolerance = timedelta(minutes=minutes)
    too_early = value < started_at - tolerance
    too_late = ended_at is not None and value > ended_at + tolerance
    if too_early or too_late:
        raise ValidationError(
            {
                field: errors.OUTSIDE_OPERATION_WINDOW.format(
                    start=started_at.isoformat(), end=ended_at.isoformat() if ended_at else "now", minutes=minutes
                )
            }
        )


def collect(checks) -> None:
    """Run every check and raise one ValidationError with all their field errors."""
    problems: dict[str, list[str]] = {}
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                problems.setdefault(key, []).extend(messages)
    if problems:
        raise ValidationError(problems)
