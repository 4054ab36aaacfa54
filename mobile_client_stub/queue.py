"""The on-disk outbox: every action is written here (SQLite, fsync'd) before any network I/O.

Tables
- settings: server URL, current operation, last position, kept bundle. (Not the token: it is
            kept in its own 0600 file beside the queue, see `credentials.py`.)
- records:  each record this device created or joined, with the last version the server
            confirmed (needed to say which version an update is based on).
- outbox:   changes waiting to sync, in the order they were made. An item's `base_version`
            is fixed the first time it is sent, so every re-send is byte-identical and the
            server recognises it as a replay. `summary` is the line the officer reads.
- photos:   images waiting to upload (kept in the database, so moving the file is harmless).
- dropped:  what the officer chose to drop, with the record's content: nothing vanishes.

Item states, as the officer sees them:
  waiting     not yet on the server (never sent, or the last try had no usable answer)
  sending     handed to the network; if the app died here it is simply sent again
  sent        on the server
  attention   the API refused this item itself (`problem`: refused, conflict, deleted):
              the officer edits, retries, resolves or drops it
  dropped     given up by the officer (kept in the `dropped` log)
Only an item-level answer from the API moves an item to `attention`; no transport failure does.

Schema versions (PRAGMA user_version): 0/1 is the first client's file (states pending, done,
rejected, conflict, deleted, discarded; the token in `settings`); 2 is this one. Opening an
older file migrates it forward in one transaction, keeping every record.
"""

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import words

SCHEMA_VERSION = 2

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    server_version INTEGER,
    state TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT,
    base_version INTEGER,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, seq);
CREATE TABLE IF NOT EXISTS photos (
    id TEXT PRIMARY KEY,
    seizure_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    created_at TEXT NOT NULL
);
"""

# From the first client's file to this one. Old states map to what they meant; a `rejected`
# item is put back to `waiting` when its refusal was not the API's (the old client marked a
# whole batch rejected on any HTTP error, e.g. a proxy's 404): the next sync asks the API.
MIGRATE_TO_V2 = """
ALTER TABLE outbox ADD COLUMN problem TEXT;
ALTER TABLE outbox ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN place TEXT;
ALTER TABLE outbox ADD COLUMN stop TEXT;
ALTER TABLE outbox ADD COLUMN edits INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET problem = 'refused', state = 'attention' WHERE state = 'rejected' AND result LIKE '%"index"%';
UPDATE outbox SET state = 'waiting', last_error = 'Kept from the old app: ' || COALESCE(last_error, '')
    WHERE state = 'rejected';
UPDATE outbox SET problem = 'conflict', state = 'attention' WHERE state = 'conflict';
UPDATE outbox SET state = 'sent' WHERE state = 'deleted' AND op = 'delete';
UPDATE outbox SET problem = 'deleted', state = 'attention' WHERE state = 'deleted';
UPDATE outbox SET state = 'waiting' WHERE state = 'pending';
UPDATE outbox SET state = 'sent' WHERE state = 'done';
UPDATE outbox SET state = 'dropped' WHERE state = 'discarded';
UPDATE records SET state = 'local' WHERE state = 'rejected';
UPDATE photos SET state = 'waiting'
    WHERE state = 'pending' OR (state = 'rejected' AND (last_error NOT LIKE 'HTTP 4%' OR last_error LIKE '%<%'));
UPDATE photos SET state = 'sent' WHERE state = 'done';
UPDATE photos SET state = 'attention' WHERE state IN ('rejected', 'deleted');
CREATE TABLE dropped (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER,
    photo_id TEXT,
    summary TEXT NOT NULL,
    item TEXT NOT NULL,
    why TEXT,
    dropped_at TEXT NOT NULL
);
"""

WAITING, SENDING, SENT, ATTENTION, DROPPED = "waiting", "sending", "sent", "attention", "dropped"
REFUSED, CONFLICT, DELETED = "refused", "conflict", "deleted"  # why an item needs attention
STATE_WORDS = {
    WAITING: "waiting",
    SENDING: "sending",
    SENT: "sent",
    ATTENTION: "needs your attention",
    DROPPED: "dropped by you",
}
PROBLEM_WORDS = {REFUSED: "refused", CONFLICT: "changed by someone else", DELETED: "deleted on the server"}


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Queue:
    """A small wrapper over one SQLite file. Each public method is one transaction."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # an acknowledged action survives power loss
        self.migrated_from: int | None = None
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                return
            fresh = db.execute("SELECT name FROM sqlite_master WHERE name = 'outbox'").fetchone() is None
            for statement in SCHEMA_V1.split(";"):
                if statement.strip():
                    db.execute(statement)
            for statement in MIGRATE_TO_V2.split(";\n"):
                if statement.strip():
                    db.execute(statement)
            for row in db.execute("SELECT * FROM outbox WHERE summary = ''").fetchall():
                db.execute("UPDATE outbox SET summary = ? WHERE seq = ?", (self._describe(row, db), row["seq"]))
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            if not fresh:
                self.migrated_from = version or 1

    @staticmethod
    def _describe(row: sqlite3.Row, db: sqlite3.Connection) -> str:
        data = json.loads(row["data"]) if row["data"] else None
        operation_id = row["record_id"] if row["type"] == "operation" else (data or {}).get("operation")
        name = db.execute("SELECT label FROM records WHERE id = ?", (operation_id,)).fetchone()
        return words.describe(
            op=row["op"], record_type=row["type"], data=data, place=None, operation_name=name[0] if name else None
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- settings ---------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_setting(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    # --- records and changes --------------------------------------------------------------

    def record(self, record_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM records WHERE id = ?", (record_id,)).fetchone()

    def label(self, record_id: str | None) -> str | None:
        row = self.record(record_id) if record_id else None
        return row["label"] if row and row["label"] else None

    def remember(self, *, record_id: str, record_type: str, label: str = "", server_version: int | None = None) -> None:
        """Know a record created elsewhere (joining another officer's operation)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO records (id, type, label, server_version, state) VALUES (?, ?, ?, ?, 'synced') "
                "ON CONFLICT (id) DO UPDATE SET server_version = excluded.server_version, state = 'synced', "
                "label = excluded.label",
                (record_id, record_type, label, server_version),
            )

    def add_create(
        self,
        *,
        record_type: str,
        data: dict[str, Any],
        recorded_at: str,
        label: str = "",
        summary: str = "",
        place: str | None = None,
        stop: str | None = None,
    ) -> tuple[str, int]:
        """Queue the creation of a new record with a fresh client UUID; returns (UUID, seq)."""
        record_id = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute("INSERT INTO records (id, type, label) VALUES (?, ?, ?)", (record_id, record_type, label))
            cursor = db.execute(
                "INSERT INTO outbox (op, type, record_id, recorded_at, data, created_at, summary, place, stop, state) "
                "VALUES ('create', ?, ?, ?, ?, ?, ?, ?, ?, 'waiting')",
                (record_type, record_id, recorded_at, json.dumps(data), utcnow(), summary, place, stop),
            )
        return record_id, int(cursor.lastrowid)

    def add_change(
        self,
        *,
        op: str,
        record_type: str,
        record_id: str,
        data: dict[str, Any] | None,
        recorded_at: str,
        summary: str = "",
    ) -> int:
        """Queue an update or delete of a known record; returns its queue sequence number."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (op, type, record_id, recorded_at, data, created_at, summary, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting')",
                (
                    op,
                    record_type,
                    record_id,
                    recorded_at,
                    None if data is None else json.dumps(data),
                    utcnow(),
                    summary,
                ),
            )
        return int(cursor.lastrowid)

    def add_photo(self, *, seizure_id: str, filename: str, content_type: str, content: bytes) -> str:
        photo_id = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO photos (id, seizure_id, filename, content_type, content, created_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
                (photo_id, seizure_id, filename, content_type, content, utcnow()),
            )
        return photo_id

    # --- reading the queue ----------------------------------------------------------------

    def pending_items(self) -> list[sqlite3.Row]:
        """Items to send: waiting ones, and any left `sending` by an app that was killed."""
        return self.db.execute("SELECT * FROM outbox WHERE state IN ('waiting', 'sending') ORDER BY seq").fetchall()

    def items(self, states: tuple[str, ...] | None = None) -> list[sqlite3.Row]:
        if not states:
            return self.db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        marks = ",".join("?" * len(states))
        return self.db.execute(f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY seq", states).fetchall()  # noqa: S608

    def item(self, seq: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone()

    def last_create_of(self, record_type: str) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM outbox WHERE op = 'create' AND type = ? ORDER BY seq DESC LIMIT 1", (record_type,)
        ).fetchone()

    def records_in_conflict(self) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT record_id FROM outbox WHERE state = 'attention' AND problem = 'conflict'"
        ).fetchall()
        return [row["record_id"] for row in rows]

    def saw_version(self, record_id: str, version: int) -> None:
        """The officer has seen the server's version (resolving a conflict): later changes build on it."""
        with self.transaction() as db:
            db.execute(
                "UPDATE records SET server_version = MAX(COALESCE(server_version, 0), ?) WHERE id = ?",
                (version, record_id),
            )

    def pending_photos(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM photos WHERE state = 'waiting' ORDER BY created_at, id").fetchall()

    def photos(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT rowid AS number, id, seizure_id, filename, state, attempts, last_error FROM photos ORDER BY rowid"
        ).fetchall()

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    def photo_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) AS n FROM photos GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    def dropped_log(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM dropped ORDER BY id").fetchall()

    def dependents(self, seq: int) -> list[sqlite3.Row]:
        """Unsent items that cannot reach the server without item `seq` (a create): later
        changes to its record and, for an operation, the records logged in it."""
        row = self.item(seq)
        if row is None or row["op"] != "create":
            return []
        return self.db.execute(
            "SELECT * FROM outbox WHERE seq != ? AND state IN ('waiting', 'sending', 'attention') AND "
            "(record_id = ? OR (op = 'create' AND json_extract(data, '$.operation') = ?)) ORDER BY seq",
            (seq, row["record_id"], row["record_id"]),
        ).fetchall()

    # --- sync bookkeeping -------------------------------------------------------------------

    def fix_base_version(self, seq: int, base_version: int) -> None:
        """Fix an item's base version before its first send; re-sends then repeat it."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET base_version = ? WHERE seq = ? AND base_version IS NULL", (base_version, seq))

    def mark_sending(self, seqs: list[int]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, sent_at = ? WHERE seq = ?",
                [(utcnow(), s) for s in seqs],
            )

    def back_to_waiting(self, seqs: list[int], note: str) -> None:
        """No usable answer: the items wait for the next try, with a note of why."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET state = 'waiting', last_error = ? WHERE seq = ? AND state = 'sending'",
                [(note, s) for s in seqs],
            )

    def settle(self, seq: int, *, state: str, result: dict[str, Any], error: str | None, problem: str | None) -> None:
        """Record the API's answer for one item and what it means for its record."""
        with self.transaction() as db:
            row = db.execute("SELECT record_id FROM outbox WHERE seq = ?", (seq,)).fetchone()
            db.execute(
                "UPDATE outbox SET state = ?, result = ?, last_error = ?, problem = ? WHERE seq = ?",
                (state, json.dumps(result), error, problem, seq),
            )
            version = result.get("version")
            if state == SENT and version is not None:
                db.execute(
                    "UPDATE records SET server_version = MAX(COALESCE(server_version, 0), ?), state = 'synced' "
                    "WHERE id = ?",
                    (version, row["record_id"]),
                )
            elif problem == DELETED:
                db.execute("UPDATE records SET state = 'deleted' WHERE id = ?", (row["record_id"],))

    def requeue(self, seq: int, *, base_version: int | None = None, data: dict[str, Any] | None = None) -> None:
        """Send an item again as a new attempt: after a retry, an edit or a resolved conflict."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'waiting', problem = NULL, last_error = NULL, result = NULL, "
                "base_version = COALESCE(?, base_version) WHERE seq = ?",
                (base_version, seq),
            )
            if data is not None:
                db.execute(
                    "UPDATE outbox SET data = ?, edits = edits + 1 WHERE seq = ?",
                    (json.dumps(data), seq),
                )

    def set_summary(self, seq: int, summary: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET summary = ? WHERE seq = ?", (summary, seq))

    def drop(self, seqs: list[int], *, why: str) -> None:
        """The officer gives these items up; each is copied whole into the `dropped` log."""
        with self.transaction() as db:
            for seq in seqs:
                row = db.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone()
                item = {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row
                db.execute(
                    "INSERT INTO dropped (seq, summary, item, why, dropped_at) VALUES (?, ?, ?, ?, ?)",
                    (seq, row["summary"], json.dumps(item), why, utcnow()),
                )
                db.execute("UPDATE outbox SET state = 'dropped' WHERE seq = ?", (seq,))
                if row["op"] == "create":
                    db.execute("UPDATE photos SET state = 'dropped' WHERE seizure_id = ?", (row["record_id"],))

    def photo_numbered(self, number: int) -> sqlite3.Row | None:
        """A photo by the number `pending` shows (`p3`: the photos table's rowid)."""
        return self.db.execute(
            "SELECT rowid AS number, id, seizure_id, filename, state, last_error FROM photos WHERE rowid = ?",
            (number,),
        ).fetchone()

    def photo_requeue(self, photo_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET state = 'waiting', last_error = NULL WHERE id = ?", (photo_id,))

    def photo_drop(self, photo_id: str, *, summary: str, why: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO dropped (photo_id, summary, item, why, dropped_at) VALUES (?, ?, ?, ?, ?)",
                (photo_id, summary, json.dumps({"photo": photo_id}), why, utcnow()),
            )
            db.execute("UPDATE photos SET state = 'dropped' WHERE id = ?", (photo_id,))

    def photo_sent(self, photo_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET attempts = attempts + 1 WHERE id = ?", (photo_id,))

    def photo_settle(self, photo_id: str, *, state: str, result: dict[str, Any] | None, error: str | None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE photos SET state = ?, result = ?, last_error = ? WHERE id = ?",
                (state, None if result is None else json.dumps(result), error, photo_id),
            )

    def photo_error(self, photo_id: str, error: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET last_error = ? WHERE id = ?", (error, photo_id))
