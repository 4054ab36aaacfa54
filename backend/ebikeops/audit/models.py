"""The audit trail: one append-only table of events (DPA 2018 Part 3 s.62 logs).

The table is partitioned by month in PostgreSQL and guarded there, not only here: a trigger
refuses UPDATE and DELETE, and another chains each row to the previous one with a SHA-256
hash (see migrations/0001 and `sql.py`). The model below is how Django reads and inserts
rows; `id`, `prev_hash` and `hash` are assigned by the database.
"""

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now

from .fields import JSONTextField


class Action(models.TextChoices):
    """The kinds of processing that s.62(1) names."""

    COLLECT = "collect", "Collection"
    ALTER = "alter", "Alteration"
    CONSULT = "consult", "Consultation"
    DISCLOSE = "disclose", "Disclosure"
    COMBINE = "combine", "Combination"
    ERASE = "erase", "Erasure"


WRITE_ACTIONS = (Action.COLLECT, Action.ALTER, Action.COMBINE, Action.ERASE)


class ClientKind(models.TextChoices):
    TOKEN = "token", "API token"
    SESSION = "session", "Browser session"
    COMMAND = "command", "Management command"
    SYSTEM = "system", "Background task"


class AuditEvent(models.Model):
    # Assigned by the INSERT trigger, as are chain, seq, prev_hash and hash (migrations 0001, 0002).
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_default=Now(), help_text="server time (statement start)")
    # No foreign key: the event outlives the user; the username is a snapshot.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=16, blank=True)
    client_kind = models.CharField(max_length=16, choices=ClientKind.choices)
    # A fingerprint of the token or session (first 16 hex of its SHA-256), never the secret.
    client_ref = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    # The URL name (or command name) that did it.
    endpoint = models.CharField(max_length=100, blank=True)
    # Records touched, as "type:id" keys (GIN-indexed for "by record").
    records = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    # For lists, exports, summaries, tiles and layers: the query, and how many records it gave.
    filters = models.JSONField(null=True, blank=True)
    count = models.IntegerField(null=True, blank=True)
    # For alterations: {"record key": {"field": [before, after], ...}}; for erasures, the content.
    changes = models.JSONField(null=True, blank=True)
    # A collection's content as the JSON text PostgreSQL built it (services.collection_record;
    # migration 0005), hashed as stored: {"<model>": {"fields": [names], "rows": {"<pk>":
    # [values]}}} (before 2 December 2026: {"record key": {"field": [null, value]}}). Loaded
    # instances show it as `changes`, per record (from_db below); NULL for every other event.
    content = JSONTextField(null=True, blank=True, editable=False)
    purpose = models.CharField(max_length=500, blank=True)
    # The hash chain the event is in and its place there (1, 2, 3 ...); NULL for the events
    # written before there were several chains (the legacy chain, in id order). The
    # db_defaults are placeholders the trigger overwrites; they make the INSERT return the
    # trigger's values, so the event `event_record` returns carries them.
    chain = models.SmallIntegerField(null=True, blank=True, editable=False, db_default=0)
    seq = models.BigIntegerField(null=True, blank=True, editable=False, db_default=0)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False, db_default="")
    hash = models.CharField(max_length=64, blank=True, editable=False, db_default="")

    class Meta:
        db_table = "audit_event"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor_id", "occurred_at"], name="audit_event_actor_time"),
            models.Index(fields=["occurred_at"], name="audit_event_time"),
            GinIndex(fields=["records"], name="audit_event_records"),
            models.Index(fields=["chain", "seq"], name="audit_event_chain_seq"),
            models.Index(fields=["id"], condition=models.Q(chain__isnull=True), name="audit_event_legacy_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_username or 'system'} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """An event as read: a collection's `content` (read as jsonb) is its `changes`, so every
        reader (the API, the CSV, record histories) sees the one field it saw before migration
        0005. The one place that joins the two columns: read events as instances, with both
        columns loaded (not `.values("changes")`, nor a filter on `changes` in SQL)."""
        event = super().from_db(db, field_names, values)
        loaded = event.__dict__
        if "changes" in loaded and "content" in loaded and loaded["changes"] is None:
            event.changes = content_as_changes(event.content)
        return event


def content_as_changes(content: Any) -> Any:
    """A collection's stored content as per-record changes, {"type:id": {"field": [null,
    value]}}, with keys in jsonb's order (shorter first, then by bytes), as `changes` stored by
    Python reads. Content stored per model ({"seizure": {"fields": [...], "rows": {"<pk>":
    [...]}}}: its keys name models, never "type:id") is spread out; content already per record
    (events written before, whose every key holds a ":") is returned as it is."""
    if not isinstance(content, dict) or any(":" in key for key in content):
        return content
    records = {
        f"{model}:{pk}": dict(zip(part["fields"], ([None, value] for value in row), strict=True))
        for model, part in content.items()
        for pk, row in part["rows"].items()
    }
    return {key: records[key] for key in sorted(records, key=_jsonb_key_order)}


def _jsonb_key_order(key: str) -> tuple[int, bytes]:
    data = key.encode()
    return len(data), data


class AuditChainHead(models.Model):
    """One chain's last link. The INSERT trigger locks a free head (its writer's transaction
    holds it until it ends), so writers append to different chains at once, and
    `verify_audit` checks that no row was cut off a chain's end. Row 0 is the head of the
    legacy chain (events from before migration 0002), closed. Kept by the trigger and
    `services.chains_ensure` only; a Django model so that test flushes empty it with the events."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    last_id = models.BigIntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    # Closed heads (the legacy one, or chains beyond AUDIT_CHAINS) take no more events.
    open = models.BooleanField(default=True)

    class Meta:
        db_table = "audit_chain_head"

    def __str__(self) -> str:
        return f"audit chain {self.id} at {self.last_seq}"


class ClusteredPartition(models.Model):
    """A closed month's partition that `services.closed_partitions_cluster` rewrote in
    (actor_id, occurred_at) order: when, on which index, how many rows, and the highest event
    id it then held. CLUSTER's own mark (pg_index.indisclustered) stays set when rows arrive
    afterwards, so the step also compares the partition's highest id with `last_id` to know
    whether the month must be laid out again. A Django model so that test flushes empty it."""

    partition = models.CharField(max_length=63, primary_key=True)  # a PostgreSQL identifier's length
    index = models.CharField(max_length=63)
    clustered_at = models.DateTimeField()
    rows = models.BigIntegerField()
    last_id = models.BigIntegerField(null=True)  # NULL: the month was empty

    class Meta:
        db_table = "audit_partition_clustered"

    def __str__(self) -> str:
        return f"{self.partition} clustered at {self.clustered_at:%Y-%m-%d %H:%M}"
