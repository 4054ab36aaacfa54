"""Messages the planning services raise (keyed by field) or answer with. Tests import these."""

END_BEFORE_START = "end must be after start."
UNTIL_BEFORE_SINCE = "until must be after since."
WINDOW_TOO_LONG = "A shift is at most {hours:g} hours long."
TOO_FAR_AHEAD = "Suggestions are made at most {days} days ahead."
TOO_FAR_BACK = (
    "Suggestions are made for moments from {earliest} on: police.uk street-level records, the "
    "oldest this product holds, begin then."
)
DATE_OUT_OF_RANGE = (
    "Give a date and time between {earliest} and {latest}: police.uk street-level records, the "
    "oldest this product holds, begin in December 2010."
)
BOROUGH_UNKNOWN = "No borough with this name or GSS code."
AREA_REQUIRED = "Give a borough (name or GSS code), a bbox, or lon and lat."
AREA_EXCLUSIVE = "Give only one of: a borough, a bbox, or lon and lat."
DWELL_ORDER = "dwell_min_minutes must not exceed dwell_max_minutes."
UNKNOWN_SIGNAL = "Unknown signal {key!r}; known: {known}."
NEGATIVE_WEIGHT = "Signal weights must be 0 or more, and at least one above 0."
OUT_OF_RANGE = "Must be between {low:g} and {high:g}."
UNKNOWN_SOURCE = "Unknown record source {value!r}."
CONTEXT_TYPES = (
    "Give 1 to {most} police.uk crime types (each 1 to {length} characters, e.g. 'Theft from the person') "
    "when the incidents signal is weighted."
)

OPERATION_NOT_FOUND = "No operation with this id."
SUGGESTION_NOT_FOUND = "No suggestion with this id."
SUGGESTION_AFTER_OPERATION = "This suggestion was made after the operation had ended."

# Answers without suggestions (HTTP 200 with an empty FeatureCollection and this message).
NO_CORRIDORS_OR_DATA = (
    "Nothing to suggest {area}: no seizures or arrests near a corridor or anywhere off the "
    "corridors in the {window} up to {until}."
)
ALL_HELD_BACK = (
    "Nothing to suggest {area}: every busy place has already had more than {share:.0%} of the "
    "last 7 days' operations here (see held_back)."
)
SOME_SUGGESTIONS = "{count} suggestion{s} {area}, from the {window} of records up to {until}."
