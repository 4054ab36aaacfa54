"""The on-disk outbox: every action is written here (SQLite, fsync'd) before any network I/O.

Tables
- settings: server URL, token, current operation.
- records:  each record this device created or joined, with the last version the server
            confirmed (needed to say which version an update is based on).
- outbox:   changes waiting to sync, in the order they were made. An item's `base_version`
            is fixed the first time it is sent, so every re-send is byte-identical and the
            server recognises it as a replay.
- photos:   images waiting to upload (kept in the database, so moving the file is harmless).

Item states: pending (waiting), done, rejected (the server refused it for good), conflict
(someone else changed the record first), deleted (the record was deleted on the server),
discarded (the officer gave it up).
"""

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
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

PENDING, DONE, REJECTED, CONFLICT, DELETED, DISCARDED = (
    "pending",
    "done",
    "rejected",
    "conflict",
    "deleted",
    "discarded",
)


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
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

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

    def remember(self, *, record_id: str, record_type: str, label: str = "", server_version: int | None = None) -> None:
        """Know a record created elsewhere (joining another officer's operation)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO records (id, type, label, server_version, state) VALUES (?, ?, ?, ?, 'synced') "
                "ON CONFLICT (id) DO UPDATE SET server_version = excluded.server_version, state = 'synced'",
                (record_id, record_type, label, server_version),
            )

    def add_create(self, *, record_type: str, data: dict[str, Any], recorded_at: str, label: str = "") -> str:
        """Queue the creation of a new record with a fresh client UUID; returns the UUID."""
        record_id = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute("INSERT INTO records (id, type, label) VALUES (?, ?, ?)", (record_id, record_type, label))
            db.execute(
                "INSERT INTO outbox (op, type, record_id, recorded_at, data, created_at) "
                "VALUES ('create', ?, ?, ?, ?, ?)",
                (record_type, record_id, recorded_at, json.dumps(data), utcnow()),
            )
        return record_id

    def add_change(
        self, *, op: str, record_type: str, record_id: str, data: dict[str, Any] | None, recorded_at: str
    ) -> int:
        """Queue an update or delete of a known record; returns its queue sequence number."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO outbox (op, type, record_id, recorded_at, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (op, record_type, record_id, recorded_at, None if data is None else json.dumps(data), utcnow()),
            )
        return int(cursor.lastrowid)

    def add_photo(self, *, seizure_id: str, filename: str, content_type: str, content: bytes) -> str:
        photo_id = str(uuid.uuid4())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO photos (id, seizure_id, filename, content_type, content, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (photo_id, seizure_id, filename, content_type, content, utcnow()),
            )
        return photo_id

    # --- reading the queue ----------------------------------------------------------------

    def pending_items(self, limit: int | None = None) -> list[sqlite3.Row]:
        sql = "SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.db.execute(sql).fetchall()

    def items(self, states: tuple[str, ...] | None = None) -> list[sqlite3.Row]:
        if not states:
            return self.db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        marks = ",".join("?" * len(states))
        return self.db.execute(f"SELECT * FROM outbox WHERE state IN ({marks}) ORDER BY seq", states).fetchall()  # noqa: S608

    def item(self, seq: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM outbox WHERE seq = ?", (seq,)).fetchone()

    def pending_photos(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM photos WHERE state = 'pending' ORDER BY created_at, id").fetchall()

    def photos(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT id, seizure_id, filename, state, attempts, last_error FROM photos").fetchall()

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    def photo_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) AS n FROM photos GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    # --- sync bookkeeping -------------------------------------------------------------------

    def fix_base_version(self, seq: int, base_version: int) -> None:
        """Fix an item's base version before its first send; re-sends then repeat it."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET base_version = ? WHERE seq = ? AND base_version IS NULL", (base_version, seq))

    def mark_sent(self, seqs: list[int]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, sent_at = ? WHERE seq = ?", [(utcnow(), s) for s in seqs]
            )

    def note_error(self, seqs: list[int], error: str) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE outbox SET last_error = ? WHERE seq = ?", [(error, s) for s in seqs])

    def settle(self, seq: int, *, state: str, result: dict[str, Any], error: str | None = None) -> None:
        """Record the server's answer for one item and what it means for its record."""
        with self.transaction() as db:
            row = db.execute("SELECT record_id FROM outbox WHERE seq = ?", (seq,)).fetchone()
            db.execute(
                "UPDATE outbox SET state = ?, result = ?, last_error = ? WHERE seq = ?",
                (state, json.dumps(result), error, seq),
            )
            version = result.get("version")
            if state == DONE and version is not None:
                db.execute(
                    "UPDATE records SET server_version = MAX(COALESCE(server_version, 0), ?), state = 'synced' "
                    "WHERE id = ?",
                    (version, row["record_id"]),
                )
            elif state == DELETED:
                db.execute("UPDATE records SET state = 'deleted' WHERE id = ?", (row["record_id"],))
            elif state == REJECTED and result.get("op") == "create":
                db.execute("UPDATE records SET state = 'rejected' WHERE id = ?", (row["record_id"],))

    def reopen(self, seq: int, *, base_version: int | None) -> None:
        """Send a conflicting item again, now based on `base_version` (the officer's choice)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = 'pending', base_version = ?, last_error = NULL WHERE seq = ?",
                (base_version, seq),
            )

    def discard(self, seq: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'discarded' WHERE seq = ?", (seq,))

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
