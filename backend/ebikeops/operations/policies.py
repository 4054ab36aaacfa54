"""Who may do what to a field record: the one place for it, used by the API's permission
classes and by the services (so sync, imports and commands obey the same rules).

officer   creates operations and records; changes only what they created or lead.
commander reads and changes everything; the only role that deletes.
analyst   reads.
"""

from django.db.models import Model

from ebikeops.core.models import Role, User


def can_create(user: User) -> bool:
    return getattr(user, "role", None) in (Role.OFFICER, Role.COMMANDER)


def is_owner(user: User, record: Model) -> bool:
    """Whether `user` created `record` or leads (or created) the operation it belongs to."""
    if getattr(record, "created_by_id", None) == user.pk:
        return True
    operation = getattr(record, "operation", record)
    return (
        getattr(operation, "lead_officer_id", None) == user.pk or getattr(operation, "created_by_id", None) == user.pk
    )


def can_change(user: User, record: Model) -> bool:
    """Commanders change everything; officers what they created or lead."""
    role = getattr(user, "role", None)
    return role == Role.COMMANDER or (role == Role.OFFICER and is_owner(user, record))


def can_delete(user: User, record: Model | None = None) -> bool:
    """Only commanders delete (a deletion leaves a tombstone, and for an operation needs its
    records gone first)."""
    return getattr(user, "role", None) == Role.COMMANDER


def can_attach_photo(user: User, seizure: Model | None) -> bool:
    """The seizure's officer (its creator or the operation's lead) or a commander. A photo
    whose seizure has not arrived yet (offline devices send in any order) may be uploaded by
    any field role, up to PHOTO_MAX_PENDING_PER_USER such photos each."""
    if seizure is None:
        return can_create(user)
    return can_change(user, seizure)
