"""Push the outbox to POST /api/v1/sync/, then upload photos; retry with backoff and jitter.

Why nothing is ever created twice: every record carries the UUID the device gave it, every
re-send of an item is byte-identical (its base version is fixed at the first send), and the
server answers a replayed item with its stored result instead of applying it again. So after
a lost answer, a timeout or a killed process the client simply sends the same items again.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .api import Api, ApiError, Transient
from .queue import CONFLICT, DELETED, DONE, PENDING, REJECTED, Queue

SUCCESS = {"created", "updated", "duplicate", "unchanged"}


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)).

    When the server says when to come back (Retry-After, on a 503 or 429), the wait is never
    shorter than that, plus a jitter of up to half as long again: a shift's phones refused
    together must not all return in the same second and be refused together again.
    """

    base_s: float = 0.5
    cap_s: float = 30.0
    attempts: int = 6  # tries per request before giving up for this run (0 or 1: one try)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2**attempt)
        if retry_after:
            return retry_after + self.rng.uniform(0, max(retry_after / 2, ceiling))
        return self.rng.uniform(0, ceiling)


@dataclass
class SyncReport:
    sent: int = 0
    settled: dict[str, int] = field(default_factory=dict)
    photos_uploaded: int = 0
    gave_up: str | None = None  # why the run stopped with work left (no connection, ...)

    def count(self, state: str) -> None:
        self.settled[state] = self.settled.get(state, 0) + 1


class Syncer:
    def __init__(
        self,
        queue: Queue,
        api: Api,
        *,
        backoff: Backoff | None = None,
        batch_size: int = 100,
        log: Callable[[str], None] = lambda message: None,
    ):
        self.queue = queue
        self.api = api
        self.backoff = backoff or Backoff()
        self.batch_size = batch_size
        self.log = log

    # --- building a batch ---------------------------------------------------------------

    def next_batch(self) -> list[Any]:
        """Pending items in the order they were made, at most one version-dependent change
        per record (its base version must be known: confirmed by the server, or 1 when the
        record's create travels in the same batch). Later changes wait for the next batch."""
        batch: list[Any] = []
        creating: set[str] = set()
        changing: set[str] = set()
        blocked: set[str] = set()
        for row in self.queue.pending_items():
            if len(batch) >= self.batch_size:
                break
            record_id = row["record_id"]
            if record_id in blocked:
                continue
            if row["op"] == "create":
                batch.append(row)
                creating.add(record_id)
                continue
            if record_id in changing:
                blocked.add(record_id)
                continue
            if row["base_version"] is None:
                record = self.queue.record(record_id)
                known = record["server_version"] if record else None
                if known is None and record_id in creating:
                    known = 1  # a create always yields version 1
                if known is None:
                    blocked.add(record_id)  # its create has not been confirmed yet
                    continue
                self.queue.fix_base_version(row["seq"], known)
                row = self.queue.item(row["seq"])
            batch.append(row)
            changing.add(record_id)
        return batch

    @staticmethod
    def wire(row) -> dict[str, Any]:
        item: dict[str, Any] = {
            "op": row["op"],
            "type": row["type"],
            "id": row["record_id"],
            "recorded_at": row["recorded_at"],
        }
        if row["base_version"] is not None:
            item["base_version"] = row["base_version"]
        if row["data"] is not None:
            item["data"] = json.loads(row["data"])
        return item

    # --- sending ------------------------------------------------------------------------

    def send(self, call: Callable[[], Any], on_failure: Callable[[str], None]) -> Any:
        """Run `call` with retries on Transient; raises Transient after the last attempt."""
        attempts = max(1, self.backoff.attempts)
        for attempt in range(attempts):
            try:
                return call()
            except Transient as exc:
                on_failure(str(exc))
                if attempt + 1 >= attempts:
                    raise
                wait = self.backoff.delay(attempt, exc.retry_after)
                self.log(f"  no answer ({exc}); retrying in {wait:.1f}s")
                self.backoff.sleep(wait)
        raise AssertionError("unreachable")

    def run(self) -> SyncReport:
        report = SyncReport()
        try:
            self._push_items(report)
            self._push_photos(report)
        except Transient as exc:
            report.gave_up = str(exc)
        return report

    def _push_items(self, report: SyncReport) -> None:
        while True:
            batch = self.next_batch()
            if not batch:
                return
            seqs = [row["seq"] for row in batch]
            items = [self.wire(row) for row in batch]

            def call(seqs=seqs, items=items):
                self.queue.mark_sent(seqs)  # recorded before the bytes leave: a kill loses nothing
                return self.api.sync(items)

            try:
                answer = self.send(call, lambda error, seqs=seqs: self.queue.note_error(seqs, error))
            except ApiError as exc:
                if exc.status == 413 and len(batch) > 1:
                    self.batch_size = max(1, len(batch) // 2)
                    self.log(f"  batch too large; trying {self.batch_size} items at a time")
                    continue
                if exc.status in (401, 403):
                    raise
                for seq in seqs:
                    self.queue.settle(
                        seq, state=REJECTED, result={"status": "rejected", "detail": str(exc)}, error=str(exc)
                    )
                    report.count(REJECTED)
                continue
            report.sent += len(batch)
            progress = False
            for row, result in zip(batch, answer["results"], strict=True):
                state = self.settle(row, result)
                report.count(state)
                progress = progress or state != PENDING
            if not progress:
                return  # only retryable refusals left: try again on the next run

    def settle(self, row, result: dict[str, Any]) -> str:
        status = result["status"]
        if status in SUCCESS:
            state = DONE
        elif status == "deleted":
            state = DELETED
        elif status == "conflict":
            state = CONFLICT
        elif result.get("retryable"):
            state = PENDING
        else:
            state = REJECTED
        error = None if state == DONE else (result.get("detail") or status)
        self.queue.settle(row["seq"], state=state, result=result, error=error)
        label = f"{row['op']} {row['type']} {row['record_id'][:8]}"
        self.log(f"  {label}: {status}" + (f" ({error})" if error and state != DELETED else ""))
        return state

    def _push_photos(self, report: SyncReport) -> None:
        for photo in self.queue.pending_photos():

            def call(photo=photo):
                self.queue.photo_sent(photo["id"])
                return self.api.upload_photo(
                    seizure_id=photo["seizure_id"],
                    photo_id=photo["id"],
                    filename=photo["filename"],
                    content_type=photo["content_type"],
                    content=bytes(photo["content"]),
                )

            try:
                stored = self.send(call, lambda error, pid=photo["id"]: self.queue.photo_error(pid, error))
            except ApiError as exc:
                if exc.status in (401, 403):
                    raise
                state = DELETED if exc.status == 410 else REJECTED
                self.queue.photo_settle(photo["id"], state=state, result=None, error=str(exc))
                self.log(f"  photo {photo['filename']}: refused ({exc})")
                continue
            self.queue.photo_settle(photo["id"], state=DONE, result=stored, error=None)
            report.photos_uploaded += 1
            self.log(f"  photo {photo['filename']}: stored ({stored.get('status')})")
