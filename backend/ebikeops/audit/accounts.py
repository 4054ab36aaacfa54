"""User accounts in the audit trail (issue 13): who created, changed or deleted an account and
its role, through Django admin or `manage.py create_user`, with the account's non-secret
fields before and after. The password hash is never recorded; a new password shows as
{"password": [null, "changed"]}.

`core` sits below `audit` and cannot record events, so the places that change accounts and
record them live here: these functions, `admin.py` (the user admin) and the `create_user`
command.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from .models import Action, AuditEvent
from .services import changed_fields, event_record, jsonable

# What an account event shows: everything the admin edits but the password and the log-in
# times (last_login changes at every log-in, which the session's events already show).
ACCOUNT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "team",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
)
PASSWORD_CHANGED = "changed"  # noqa: S105 - a marker, not a password

Snapshot = dict[str, Any]


def user_snapshot(user: AbstractBaseUser) -> Snapshot:
    """The account's non-secret fields, JSON-ready; times to the second, as the admin's form
    shows and saves them (so an unchanged save shows no change)."""
    values = {name: getattr(user, name, None) for name in ACCOUNT_FIELDS}
    if values["date_joined"] is not None:
        values["date_joined"] = values["date_joined"].replace(microsecond=0)
    return jsonable(values)


def user_key(user_id: Any) -> str:
    return f"user:{user_id}"


def user_created(*, user: AbstractBaseUser, actor: Any = None) -> AuditEvent:
    """A collection: the new account's fields as [null, value]. Call inside the creating
    transaction."""
    content: dict[str, list[Any]] = {name: [None, value] for name, value in user_snapshot(user).items()}
    if user.has_usable_password():
        content["password"] = [None, PASSWORD_CHANGED]
    return event_record(
        action=Action.COLLECT, actor=actor, records=[user_key(user.pk)], changes={user_key(user.pk): content}
    )


def user_changed(
    *, user: AbstractBaseUser, before: Snapshot, password_changed: bool = False, actor: Any = None
) -> AuditEvent | None:
    """An alteration: the fields that changed as [before, after] (a role change shows as
    "role"); None, and no event, when nothing did. Call inside the changing transaction."""
    changes: dict[str, list[Any]] = changed_fields(before, user_snapshot(user))
    if password_changed:
        changes["password"] = [None, PASSWORD_CHANGED]
    if not changes:
        return None
    return event_record(
        action=Action.ALTER, actor=actor, records=[user_key(user.pk)], changes={user_key(user.pk): changes}
    )


def users_deleted(*, befores: dict[Any, Snapshot], actor: Any = None) -> AuditEvent | None:
    """An erasure naming every account deleted, with its fields as [value, null]. Call inside
    the deleting transaction."""
    if not befores:
        return None
    return event_record(
        action=Action.ERASE,
        actor=actor,
        records=[user_key(pk) for pk in befores],
        changes={
            user_key(pk): {name: [value, None] for name, value in content.items()} for pk, content in befores.items()
        },
        count=len(befores),
    )
