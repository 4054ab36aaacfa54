"""HTTP answers particular to sync, as DRF exceptions so the problem-details handler
renders them like every other error."""

from rest_framework import exceptions, status

from ebikeops.core.problems import Conflict


class Gone(exceptions.APIException):
    """410: the record was deleted and is not re-created."""

    status_code = status.HTTP_410_GONE
    default_detail = "This record was deleted."
    default_code = "gone"


class KeyInFlight(Conflict):
    """409: an earlier request with the same Idempotency-Key is still being processed."""

    default_code = "idempotency_key_in_flight"
    wait = 1  # DRF turns `wait` into a Retry-After header


class PreconditionRequired(exceptions.APIException):
    """428: a change to a versioned record must say which version it was based on."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match."
    default_code = "precondition_required"


class UnsupportedPhoto(exceptions.APIException):
    """415: not a JPEG or PNG by its content, or its declared type lies about it."""

    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = "Only JPEG and PNG photos are accepted."
    default_code = "unsupported_media_type"
