"""Checks at entry, with no signal: the server's own rules and, word for word, its messages.

The server is the authority (it also checks the borough polygons, the operation's time
window and more); these catch the common slips at the kerbside, before the record is queued,
so the officer fixes them while still standing there. The limits follow the server's
defaults and can be set to match a server configured otherwise.
"""

import os
from datetime import UTC, datetime, timedelta

# Greater London's bounding box (lon/lat, as the server's LONDON_BBOX).
LONDON_BBOX = (-0.52, 51.28, 0.34, 51.70)
MAX_GPS_ACCURACY_M = float(os.environ.get("EBIKEOPS_MAX_ACCURACY_M", "100"))
CLOCK_SKEW_SECONDS = float(os.environ.get("EBIKEOPS_CLOCK_SKEW_S", "300"))

# The server's messages (ebikeops.operations.errors); tests compare them with the server's.
POINT_OUTSIDE_LONDON = "The point is outside Greater London."
POINT_SWAPPED = (
    "You sent [{x}, {y}] (longitude, latitude); [{y}, {x}] would be inside Greater London: "
    "GeoJSON positions are [longitude, latitude]."
)
ACCURACY_TOO_POOR = "GPS accuracy of {value:g} m is worse than the {limit:g} m this service accepts."
IN_FUTURE = "This time is in the future (beyond the allowed clock skew of {seconds:g} s)."
ACCURACY_NEGATIVE = "Ensure this value is greater than or equal to 0."  # DRF's min_value message
OPERATION_UNKNOWN = (
    "Operation {id} is not known to the server yet. Send the operation first (or in the same "
    "batch) and retry this item."
)


def in_london(lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = LONDON_BBOX
    return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def point_problem(lon: float, lat: float) -> str | None:
    """The server's message for a position outside Greater London (naming a swap), or None."""
    if in_london(lon, lat):
        return None
    if in_london(lat, lon):
        return POINT_SWAPPED.format(x=lon, y=lat)
    return POINT_OUTSIDE_LONDON


def accuracy_problem(accuracy_m: float | None) -> str | None:
    if accuracy_m is None:
        return None
    if accuracy_m < 0:
        return ACCURACY_NEGATIVE
    if accuracy_m > MAX_GPS_ACCURACY_M:
        return ACCURACY_TOO_POOR.format(value=accuracy_m, limit=MAX_GPS_ACCURACY_M)
    return None


def time_problem(value: str | None, *, now: datetime | None = None) -> str | None:
    if value is None:
        return None
    when = datetime.fromisoformat(value)
    if when > (now or datetime.now(UTC)) + timedelta(seconds=CLOCK_SKEW_SECONDS):
        return IN_FUTURE.format(seconds=CLOCK_SKEW_SECONDS)
    return None


def entry_problems(
    *, point: tuple[float, float] | None, accuracy_m: float | None, times: dict[str, str | None]
) -> dict[str, str]:
    """Every problem found, keyed by the field the officer gave."""
    problems: dict[str, str] = {}
    if point is not None and (message := point_problem(*point)):
        problems["point"] = message
    if message := accuracy_problem(accuracy_m):
        problems["accuracy_m"] = message
    for field, value in times.items():
        if message := time_problem(value):
            problems[field] = message
    return problems
