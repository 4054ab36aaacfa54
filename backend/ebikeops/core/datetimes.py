"""The one check every timestamp from a client passes: an offset PostgreSQL can store, and an
instant that exists in UTC.

Python accepts UTC offsets up to ±23:59; PostgreSQL's timestamptz only ±15:59 ("time zone
displacement out of range", a 500 when a query carried one). Year 1 with a positive offset
is before year 1 in UTC (an OverflowError). Both are refused here, as 400s on the field.
"""

from datetime import UTC, datetime, timedelta

from rest_framework.serializers import DateTimeField

MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
OFFSET_OUT_OF_RANGE = "The UTC offset must be between -15:59 and +15:59, e.g. +01:00."
INSTANT_OUT_OF_RANGE = "This time is outside the range of dates the server can store."


def check_aware(value: datetime) -> None:
    """Raise ValueError (with one of the messages above) unless `value`'s offset is within
    ±15:59 and it converts to UTC. Naive values are the caller's to refuse."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError(OFFSET_OUT_OF_RANGE)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(INSTANT_OUT_OF_RANGE) from None


def rfc3339_output(to_representation):
    """Wrap DRF's `DateTimeField.to_representation` so every timestamp it writes is RFC 3339.

    DRF writes an aware time in the current zone (Europe/London). RFC 3339 offsets are whole
    minutes, but London kept local mean time (-00:01:15) before 1 December 1847, so such a time
    came out as `1800-01-01T00:00:00-00:01:15`. Those times are written in UTC instead; all
    others are unchanged. Installed once, by `CoreConfig.ready()`, so that every serializer's
    DateTimeField (ours, and those of libraries such as knox) is covered by one rule.
    """

    def wrapped(self, value):
        if isinstance(value, datetime) and value.utcoffset() is not None:
            zone = getattr(self, "timezone", None) or self.default_timezone()
            local_offset = value.astimezone(zone).utcoffset() if zone is not None else value.utcoffset()
            if local_offset is not None and local_offset.seconds % 60:
                text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
                return text + "Z"
        return to_representation(self, value)

    wrapped.rfc3339 = True
    return wrapped


def install_rfc3339_output() -> None:
    if not getattr(DateTimeField.to_representation, "rfc3339", False):
        DateTimeField.to_representation = rfc3339_output(DateTimeField.to_representation)
