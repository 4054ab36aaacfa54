"""Messages the sync batch answers with. Tests import these rather than copy the text.
Messages about records themselves (deleted, forbidden, photos) are ebikeops.operations.errors."""

# Batch envelope
BATCH_NOT_OBJECT = "Send a JSON object with an 'items' list."
BATCH_EMPTY = "A batch needs at least one item."
BATCH_TOO_MANY = "A batch holds at most {limit} items; this one has {count}. Split it."
UNKNOWN_FIELD = "Unknown field."
BASE_VERSION_REQUIRED = "An update names the version it was based on (base_version)."
DATA_REQUIRED = "A create or an update carries the record's fields in 'data'."
DATA_ID_MISMATCH = "data.id, when given, must equal the item's id."
NESTED_NOT_IN_SYNC = "In a sync batch each seizure and arrest is its own item; send them separately."

# Item outcomes (each result's `detail`)
OPERATION_UNKNOWN = (
    "Operation {id} is not known to the server yet. Send the operation first (or in the same "
    "batch) and retry this item."
)
OPERATION_DELETED = "Operation {id} was deleted; this record cannot be attached to it."
RECORD_UNKNOWN = "No {type} with this id exists yet; send its create first and retry."
RECORD_EXISTS_DIFFERENT = (
    "A {type} with this id already exists with different content (version {version}). "
    "Send an update based on that version instead."
)
STALE_VERSION = "This {type} is at version {version}; the change was based on version {base}."
