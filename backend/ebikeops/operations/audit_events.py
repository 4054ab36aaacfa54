"""The audit events of field-record writes (ebikeops.audit), in one place.

Each write service calls one of these inside its transaction, after the write: a rolled-back
write leaves no event, and an event that cannot be written fails the write. Collections and
erasures carry the record's whole content ({"field": [null, value]} and [value, null]), so an
erased record stays accountable; alterations the fields that changed, [before, after].
"""

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.db.models import Model

from ebikeops.audit import services as audit
from ebikeops.audit.models import Action
from ebikeops.core.models import User

Snapshot = dict[str, Any]


def snapshot(record: Model) -> Snapshot:
    """The record's stored fields by column name (foreign keys as ids), JSON-ready."""
    return audit.jsonable({field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields})


def collected(records: Iterable[Model], *, user: User | None) -> None:
    """A collection event for new `records` (one event however many), with their content as
    `snapshot` gives it, {"field": [null, value]}; PostgreSQL reads it from the rows just
    written (audit.collection_record), so a 500-seizure batch never builds it in Python."""
    audit.collection_record(records=list(records), actor=user)


def altered(record: Model, before: Snapshot, *, user: User | None, extra: Mapping[str, Any] | None = None) -> None:
    """`extra`: more [before, after] pairs for the record (a custody step)."""
    changes = {**audit.changed_fields(before, snapshot(record)), **(extra or {})}
    audit.event_record(action=Action.ALTER, actor=user, records=[record], changes={audit.record_key(record): changes})


def erased(key: str, before: Snapshot, *, user: User | None, also: Mapping[str, Snapshot] | None = None) -> None:
    """`key` ("seizure:<id>") was erased; `also` names records erased with it (its photos)."""
    contents = {key: before, **(also or {})}
    audit.event_record(
        action=Action.ERASE,
        actor=user,
        records=list(contents),
        changes={k: {f: [v, None] for f, v in content.items()} for k, content in contents.items()},
    )


def photo_key(photo_id: UUID) -> str:
    return f"photo:{photo_id}"


def photos_collected(photo: Model, *, user: User | None) -> None:
    """A photo's metadata (never its bytes), with the seizure it belongs to."""
    content = snapshot(photo)
    audit.event_record(
        action=Action.COLLECT,
        actor=user,
        records=[photo_key(photo.pk), f"seizure:{photo.seizure_id}"],
        changes={photo_key(photo.pk): {f: [None, v] for f, v in content.items()}},
    )


def photos_erased(photos: Mapping[UUID, Snapshot], *, user: User | None, reason: str = "") -> None:
    if not photos:
        return
    audit.event_record(
        action=Action.ERASE,
        actor=user,
        records=[photo_key(pk) for pk in photos],
        changes={photo_key(pk): {f: [v, None] for f, v in content.items()} for pk, content in photos.items()},
        count=len(photos),
        filters={"reason": reason} if reason else None,
    )
