"""Domain errors: what services raise when a request cannot be carried out.

Services know nothing of HTTP. `ebikeops.core.problems` is the one place that turns these
(and Django's ValidationError, keyed by field) into RFC 9457 problem details.
"""


class DomainError(Exception):
    """Base of the errors a service raises for a refused request. `message` is for people."""

    default_message = "The request cannot be carried out."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class NotFound(DomainError):
    default_message = "Not found."


class Gone(DomainError):
    """The record was deleted and is not re-created (410)."""

    default_message = "This record was deleted."


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    default_message = "The request conflicts with the current state of the resource."


class HasDependants(Conflict):
    """A record cannot be deleted while others still point at it."""

    default_message = "This operation still has seizures or arrests; delete them first."


class VersionConflict(DomainError):
    """A change named a version that is no longer current (412 over HTTP). Carries the
    record as it is now, so the caller can show it and merge."""

    def __init__(self, instance):
        super().__init__(f"This {type(instance).__name__.lower()} is at version {instance.version}.")
        self.instance = instance


class Forbidden(DomainError):
    """The user's role or relation to the record does not allow this (403)."""

    default_message = "Your role may not do this."


class PayloadTooLarge(DomainError):
    default_message = "The request body is larger than this server accepts."


class UnsupportedMedia(DomainError):
    default_message = "This kind of content is not accepted."
