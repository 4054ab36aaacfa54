"""Messages the sync app answers with. Tests import these rather than copy the text."""

# Batch envelope
BATCH_NOT_OBJECT = "Send a JSON object with an 'items' list."
BATCH_EMPTY = "A batch needs at least one item."
BATCH_TOO_MANY = "A batch holds at most {limit} items; this one has {count}. Split it."
BODY_TOO_LARGE = "The request body is {size} bytes; this endpoint accepts at most {limit}."
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
RECORD_DELETED = "This {type} was deleted at {deleted_at}; it will not be re-created."
RECORD_EXISTS_DIFFERENT = (
    "A {type} with this id already exists with different content (version {version}). "
    "Send an update based on that version instead."
)
STALE_VERSION = "This {type} is at version {version}; the change was based on version {base}."
FORBIDDEN_CHANGE = "Your role may not change this record."
FORBIDDEN_DELETE = "Only commanders may delete records."
STILL_HAS_RECORDS = "This operation still has seizures or arrests; delete them first."

# Idempotency-Key
KEY_MALFORMED = "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal)."
KEY_REUSED = "This Idempotency-Key was already used for a different request. Use a new key for a new request."
KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry shortly."

# If-Match
IF_MATCH_REQUIRED = (
    'Send If-Match with the ETag you last read (e.g. If-Match: "3") so a stale change cannot overwrite someone else\'s.'
)
IF_MATCH_MALFORMED = 'If-Match must be an ETag as sent by this API (e.g. "3") or *.'
PRECONDITION_FAILED = "This {type} has changed since you read it: it is now at version {version}."

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
SEIZURE_DELETED = "Seizure {id} was deleted; photos can no longer be attached to it."
