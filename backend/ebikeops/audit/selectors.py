"""Reading the audit trail: the events a filter selects, and the chain's integrity."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from . import sql
from .models import WRITE_ACTIONS, AuditEvent


def event_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Events newest first, narrowed by any of: `actor` (user id), `actor_username`,
    `record` ("type:id"), `action` (a list), `endpoint`, `request_id`, `since` and `until`
    (aware datetimes, [since, until)). Time bounds prune the monthly partitions; actor and
    record use their indexes (actor_id, occurred_at) and GIN (records)."""
    filters = filters or {}
    events = AuditEvent.objects.all()
    if filters.get("actor") is not None:
        events = events.filter(actor_id=filters["actor"])
    if filters.get("actor_username"):
        events = events.filter(actor_username=filters["actor_username"])
    if filters.get("record"):
        events = events.filter(records__contains=[filters["record"]])
    if filters.get("action"):
        events = events.filter(action__in=filters["action"])
    if filters.get("endpoint"):
        events = events.filter(endpoint=filters["endpoint"])
    if filters.get("request_id"):
        events = events.filter(request_id=filters["request_id"])
    if filters.get("since") is not None:
        events = events.filter(occurred_at__gte=filters["since"])
    if filters.get("until") is not None:
        events = events.filter(occurred_at__lt=filters["until"])
    return events.order_by("-occurred_at", "-id")


def record_history(*, record_type: str, record_id: Any) -> list[dict[str, Any]]:
    """Every write of one record, oldest first, from the audit trail (so an erased record
    still has one): [{"version", "action", "occurred_at", "actor_id", "actor_username",
    "actor_role", "client_kind", "request_id", "purpose", "changes"}], where `changes` is
    {"field": [before, after]} for this record and `version` the record's version after the
    write (None where the write did not say). One query (GIN on records)."""
    key = f"{record_type}:{record_id}"
    events = (
        AuditEvent.objects.filter(records__contains=[key], action__in=WRITE_ACTIONS)
        .order_by("id")
        .values(
            "id",
            "action",
            "occurred_at",
            "actor_id",
            "actor_username",
            "actor_role",
            "client_kind",
            "request_id",
            "purpose",
            "changes",
        )
    )
    history = []
    for event in events:
        changes = (event.pop("changes") or {}).get(key, {})
        version = changes.get("version", [None, None])[1] if isinstance(changes.get("version"), list) else None
        history.append({**event, "version": version, "changes": changes})
    return history


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_id: int | None
    head_hash: str
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def chain_verify(*, batch_size: int = 100_000, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the whole chain in id order, `batch_size` rows per query, recomputing every
    row's SHA-256 in PostgreSQL; stop at the first broken row. A row is broken if its content
    no longer matches its hash (altered), or its prev_hash is not the hash of the row before
    it (a row between was removed, or it was forged). The head row, kept by the INSERT
    trigger, shows whether rows were removed from the end."""
    after, carry, checked = 0, "", 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql.CHAIN_BATCH, {"after": after, "carry": carry, "size": batch_size})
            rows, last_id, last_hash, bad_id, id_before, altered, _unlinked = cursor.fetchone()
            if bad_id is not None:
                if altered:
                    reason = f"event {bad_id}: its content no longer matches its hash (the row was altered)"
                else:
                    reason = (
                        f"event {bad_id}: its prev_hash is not the hash of event {id_before or 'none'} before it "
                        "(an event between them was removed, or one of them was forged)"
                    )
                return ChainReport(checked + 1, bad_id, carry, ChainBreak(bad_id, reason))
            if not rows:
                break
            checked += rows
            after, carry = last_id, last_hash
            if progress:
                progress(checked)
        cursor.execute(sql.CHAIN_HEAD)
        head = cursor.fetchone()
    head_id, head_hash = head if head else (0, "")
    if head_id != after or head_hash != carry:
        return ChainReport(
            checked,
            after or None,
            carry,
            ChainBreak(
                head_id,
                f"the chain's head is event {head_id} but the last event is {after or 'none'} "
                "(events were removed from the end, or the head was changed)",
            ),
        )
    return ChainReport(checked, after or None, carry, None)


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = divmod(start.month, 12)
    return start, start.replace(year=start.year + year, month=month + 1)
