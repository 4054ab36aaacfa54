"""Messages services raise, keyed by field. Tests import these rather than copy the text."""

POINT_OUTSIDE_LONDON = "The point is outside Greater London."
# {x}, {y}: the position as sent; the hint shows it swapped, the way round that fits.
POINT_SWAPPED = (
    "You sent [{x}, {y}] (longitude, latitude); [{y}, {x}] would be inside Greater London: "
    "GeoJSON positions are [longitude, latitude]."
)
ACCURACY_TOO_POOR = "GPS accuracy of {value:g} m is worse than the {limit:g} m this service accepts."
IN_FUTURE = "This time is in the future (beyond the allowed clock skew of {seconds:g} s)."
OUTSIDE_OPERATION_WINDOW = (
    "This time is outside its operation's window ({start} to {end}) by more than {minutes:g} minutes."
)
ENDS_BEFORE_START = "ended_at must be after started_at."  # also when they are equal: an operation takes time
ACTIVE_WITH_END = "A completed operation needs ended_at; a planned one must not have ended."
WARRANT_CATEGORY_REQUIRED = "Give the underlying offence category of the warrant."
WARRANT_CATEGORY_ONLY_FOR_WARRANT = "Only 'wanted_on_warrant' arrests carry a warrant offence category."
WARRANT_CATEGORY_INVALID = "The warrant's offence must be a category other than 'wanted_on_warrant'."
UNKNOWN_USER = "No user named {value!r}."
DUPLICATE_ID = "A record with this id already exists."
DUPLICATE_ID_IN_REQUEST = "{path} in this request already has this id."
DUPLICATE_REFERENCE = "An operation with this reference already exists."
OPERATION_NOT_FOUND = "No operation with this id."
