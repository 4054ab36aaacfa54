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

# Deletions and what they leave behind
RECORD_DELETED = "This {type} was deleted at {deleted_at}; it will not be re-created."
FORBIDDEN_CHANGE = "Your role may not change this record."
FORBIDDEN_DELETE = "Only commanders may delete records."
STILL_HAS_RECORDS = "This operation still has seizures or arrests; delete them first."

# Photos
PHOTO_MISSING = "Attach the image as the multipart field 'file'."
PHOTO_TOO_LARGE = "The photo is {size} bytes; at most {limit} are accepted."
PHOTO_EMPTY = "The photo is empty."
PHOTO_NOT_IMAGE = "Only JPEG and PNG photos are accepted; this file is neither (judged by its content)."
PHOTO_TYPE_MISMATCH = "The file was declared as {declared} but its content is {detected}."
PHOTO_TRUNCATED = "The {detected} file is truncated or damaged."
PHOTO_ID_REUSED = "A photo with this id already exists with different content."
PHOTO_OTHER_SEIZURE = "A photo with this id already belongs to another seizure."
PHOTO_LIMIT = "A seizure holds at most {limit} photos."
PHOTO_PENDING_LIMIT = (
    "You have {count} photos waiting for seizures that have not arrived; at most {limit} may wait. "
    "Sync the seizures first."
)
PHOTO_FORBIDDEN = "Only the seizure's officer or a commander may add or remove its photos."
SEIZURE_DELETED = "Seizure {id} was deleted; photos can no longer be attached to it."

# Chain of custody (ebikeops.operations.custody)
CUSTODY_STEP_UNKNOWN = (
    "{step!r} is not a custody step that can be added; use held, released, destroyed or retained_evidence."
)
CUSTODY_STEP_REFUSED = "A vehicle whose last step is '{last}' cannot be '{step}'."
CUSTODY_STORE_REQUIRED = "Name the store the vehicle is held at."
CUSTODY_IN_FUTURE = "Must not be in the future."
CUSTODY_BEFORE_SEIZURE = "Must not be before the vehicle was seized."
CUSTODY_DISPOSITION_HELD = (
    "To hold a vehicle at a store, add a 'held' custody step naming the store (POST .../custody/)."
)
