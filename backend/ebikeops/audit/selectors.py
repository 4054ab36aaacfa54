"""Reading the audit trail: the events a filter selects, and the chains' integrity."""

import hashlib
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


_HISTORY_FIELDS = (
    "id",
    "action",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "client_kind",
    "request_id",
    "purpose",
)


def record_history(*, record_type: str, record_id: Any) -> list[dict[str, Any]]:
    """Every write of one record, oldest first, from the audit trail (so an erased record
    still has one): [{"version", "action", "occurred_at", "actor_id", "actor_username",
    "actor_role", "client_kind", "request_id", "purpose", "changes"}], where `changes` is
    {"field": [before, after]} for this record and `version` the record's version after the
    write (None where the write did not say). One query (GIN on records)."""
    key = f"{record_type}:{record_id}"
    # Instances, not .values(): a collection's content (column `content`) is read as its
    # `changes` by AuditEvent.from_db, the one place that joins the two columns.
    events = (
        AuditEvent.objects.filter(records__contains=[key], action__in=WRITE_ACTIONS)
        .order_by("id")
        .only(*_HISTORY_FIELDS, "changes", "content")
    )
    history = []
    for event in events:
        changes = (event.changes or {}).get(key, {})
        version = changes.get("version", [None, None])[1] if isinstance(changes.get("version"), list) else None
        history.append(
            {**{name: getattr(event, name) for name in _HISTORY_FIELDS}, "version": version, "changes": changes}
        )
    return history


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str
    chain: int | None = None


@dataclass(frozen=True)
class ChainEnd:
    """Where one chain ends: its events, its last event's place (seq; the id for the legacy
    chain 0), id and hash."""

    chain: int
    events: int
    last_seq: int
    last_id: int | None
    hash: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    ends: tuple[ChainEnd, ...]
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def last_id(self) -> int | None:
        return max((end.last_id for end in self.ends if end.last_id), default=None)

    @property
    def heads_digest(self) -> str:
        """One SHA-256 over every chain's end (chain, seq, hash): note it outside the database,
        and a later walk that ends anywhere else shows that events were cut off or added."""
        text = ";".join(f"{end.chain}:{end.last_seq}:{end.hash}" for end in self.ends if end.last_seq)
        return hashlib.sha256(text.encode()).hexdigest() if text else ""


def _chain_walk(
    cursor, chain: int, *, batch_size: int, checked: int, progress
) -> tuple[ChainEnd, ChainBreak | None, int]:
    """Walk one chain from its start; return where it ends, its first break (if any) and the
    running count of events checked."""
    statement = sql.LEGACY_CHAIN_BATCH if chain == 0 else sql.CHAIN_BATCH
    after, after_id, carry, events = 0, None, "", 0
    where = f"chain {chain}" if chain else "the legacy chain (events from before there were several)"
    while True:
        cursor.execute(
            statement, {"chain": chain, "after": after, "after_id": after_id, "carry": carry, "size": batch_size}
        )
        rows, last_seq, last_id, last_hash, bad_id, id_before, altered = cursor.fetchone()
        if bad_id is not None:
            if altered:
                reason = f"event {bad_id} in {where}: its content no longer matches its hash (the row was altered)"
            else:
                reason = (
                    f"event {bad_id} in {where}: its prev_hash is not the hash of event {id_before or 'none'} "
                    "before it (an event between them was removed, or one of them was forged)"
                )
            return ChainEnd(chain, events, after, after_id, carry), ChainBreak(bad_id, reason, chain), checked + 1
        if not rows:
            return ChainEnd(chain, events, after, after_id, carry), None, checked
        checked += rows
        events += rows
        after, after_id, carry = last_seq, last_id, last_hash
        if progress:
            progress(checked)


def chain_verify(*, batch_size: int = 100_000, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk every chain in seq order (the legacy chain 0 in id order), `batch_size` rows per
    query, recomputing every row's SHA-256 in PostgreSQL; stop at the first broken row. A row
    is broken if its content no longer matches its hash (altered), or its prev_hash is not
    the hash of the row before it in its chain, or its seq does not follow that row's (a row
    between was removed, or it was forged). Each chain's head row, kept by the INSERT
    trigger, shows whether rows were removed from that chain's end."""
    checked = 0
    ends: list[ChainEnd] = []
    with connection.cursor() as cursor:
        cursor.execute(sql.CHAINS)
        chains = [chain for (chain,) in cursor.fetchall()]
        cursor.execute(sql.CHAIN_HEADS)
        heads = {chain: (last_seq, last_id, hash_) for chain, last_seq, last_id, hash_ in cursor.fetchall()}
        for chain in chains:
            end, broken, checked = _chain_walk(cursor, chain, batch_size=batch_size, checked=checked, progress=progress)
            ends.append(end)
            if broken:
                return ChainReport(checked, tuple(ends), broken)
            last_seq, last_id, head_hash = heads.get(chain, (None, None, None))
            if chain == 0:
                last_seq = last_id  # the legacy chain's place is the id
            if last_seq is None and end.last_seq:
                reason = f"chain {chain} has {end.events} events but no head (its head row was deleted)"
                return ChainReport(checked, tuple(ends), ChainBreak(end.last_id or 0, reason, chain))
            if last_seq is not None and (last_seq != end.last_seq or head_hash != end.hash):
                last = end.last_id or "none"
                reason = (
                    f"chain {chain}'s head is event {last_id} but its last event is {last} "
                    "(events were removed from the chain's end, or the head was changed)"
                )
                return ChainReport(checked, tuple(ends), ChainBreak(last_id or 0, reason, chain))
    return ChainReport(checked, tuple(ends), None)


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = divmod(start.month, 12)
    return start, start.replace(year=start.year + year, month=month + 1)
