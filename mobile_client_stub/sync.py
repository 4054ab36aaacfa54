"""Push the outbox to POST /api/v1/sync/, then upload photos; retry with backoff and jitter.

Why nothing is ever created twice: every record carries the UUID the device gave it, every
re-send of an item is byte-identical (its base version is fixed at the first send), and the
server answers a replayed item with its stored result instead of applying it again. So after
a lost answer, a timeout or a killed process the client simply sends the same items again.

Why nothing is stranded: only an item-level result from the API moves an item to "needs your
attention". No answer, a page that is not the API's (a Wi-Fi sign-in page, a proxy's 404),
5xx, 429 and 503 all leave every item waiting; the client backs off (full jitter, at least
the server's Retry-After) and tries again, then keeps the rest for the next sync.
"""

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import words
from .api import Api, ApiError, LoginNeeded, Transient, problem_text
from .queue import ATTENTION, CONFLICT, DELETED, DROPPED, REFUSED, SENT, WAITING, Queue

SUCCESS = {"created", "updated", "duplicate", "unchanged"}


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)),
    and never less than the server's Retry-After (plus jitter, so phones do not return in step)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempts: int = 6  # tries per request before keeping the rest for later (0 or 1: one try)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * 2**attempt)
        wait = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            return retry_after + self.rng.uniform(0, min(ceiling, max(retry_after, self.base_s)) / 2)
        return wait


@dataclass
class SyncReport:
    total: int = 0
    sent: int = 0  # items that reached the server in this run (new or already there)
    attention: int = 0
    photos_uploaded: int = 0
    retries: int = 0
    gave_up: str | None = None  # why the run stopped with work left (no connection, ...)
    refused_batch: str | None = None  # the API refused a whole batch (no item was marked)
    login_needed: bool = False


class Syncer:
    def __init__(
        self,
        queue: Queue,
        api: Api,
        *,
        backoff: Backoff | None = None,
        batch_size: int = 100,
        log: Callable[[str], None] = lambda message: None,
        progress: Callable[[int, int], None] = lambda done, total: None,
    ):
        self.queue = queue
        self.api = api
        self.backoff = backoff or Backoff()
        self.batch_size = batch_size
        self.log = log
        self.progress = progress

    # --- building a batch ---------------------------------------------------------------

    def next_batch(self) -> list[Any]:
        """Waiting items in the order they were made, at most one version-dependent change
        per record (its base version must be known: confirmed by the server, or 1 when the
        record's create travels in the same batch). Later changes wait for the next batch."""
        batch: list[Any] = []
        creating: set[str] = set()
        changing: set[str] = set()
        # A record with a change still in conflict: later changes to it wait until the officer
        # has resolved that one (they would be based on the same stale version).
        blocked: set[str] = set(self.queue.records_in_conflict())
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

    def send(self, call: Callable[[], Any], on_failure: Callable[[str], None], report: SyncReport) -> Any:
        """Run `call`, retrying on Transient; raises Transient after the last attempt."""
        attempts = max(1, self.backoff.attempts)
        for attempt in range(attempts):
            try:
                return call()
            except Transient as exc:
                on_failure(str(exc))
                if attempt + 1 >= attempts:
                    raise
                wait = self.backoff.delay(attempt, exc.retry_after)
                asked = f", the server asked for {exc.retry_after:g}s" if exc.retry_after is not None else ""
                self.log(f"  no usable answer ({exc}); trying again in {wait:.1f}s{asked}")
                report.retries += 1
                self.backoff.sleep(wait)
        raise AssertionError("unreachable")

    def run(self) -> SyncReport:
        blocked = set(self.queue.records_in_conflict())
        report = SyncReport(total=sum(row["record_id"] not in blocked for row in self.queue.pending_items()))
        try:
            self._push_items(report)
            self._push_photos(report)
        except Transient as exc:
            report.gave_up = str(exc)
        except LoginNeeded:
            report.login_needed = True
        return report

    def _push_items(self, report: SyncReport) -> None:
        done = 0
        while True:
            batch = self.next_batch()
            if not batch:
                return
            seqs = [row["seq"] for row in batch]
            items = [self.wire(row) for row in batch]

            def call(seqs=seqs, items=items):
                self.queue.mark_sending(seqs)  # recorded before the bytes leave: a kill loses nothing
                return self.api.sync(items)

            try:
                answer = self.send(call, lambda error, seqs=seqs: self.queue.back_to_waiting(seqs, error), report)
            except ApiError as exc:
                self.queue.back_to_waiting(seqs, str(exc))
                if exc.status == 413 and len(batch) > 1:
                    self.batch_size = max(1, len(batch) // 2)
                    self.log(f"  batch too large; trying {self.batch_size} items at a time")
                    continue
                if isinstance(exc, LoginNeeded):
                    raise
                # A refusal of the whole request (403 for this role, 400 for the batch's shape,
                # 404 for a wrong address on the API's host): it says nothing about any one item.
                report.refused_batch = str(exc)
                return
            progress = False
            for row, result in zip(batch, answer["results"], strict=True):
                state = self.settle(row, result)
                report.sent += state == SENT
                report.attention += state == ATTENTION
                progress = progress or state != WAITING
            done += len(batch)
            self.progress(min(done, report.total), report.total)
            if not progress:
                return  # only retryable refusals left: try again on the next run

    def settle(self, row, result: dict[str, Any]) -> str:
        """The item's new state from the API's result for it."""
        status = result.get("status")
        problem = None
        if status in SUCCESS:
            state = SENT
        elif status == "deleted":
            state, problem = (SENT, None) if row["op"] == "delete" else (ATTENTION, DELETED)
        elif status == "conflict":
            state, problem = (SENT, None) if already_applied(row, result) else (ATTENTION, CONFLICT)
            if state == SENT:
                status = "already applied (an earlier try reached the server)"
        elif result.get("retryable"):
            state = WAITING
        else:
            state, problem = ATTENTION, REFUSED
        error = None if state == SENT else refusal_text(result)
        self.queue.settle(row["seq"], state=state, result=result, error=error, problem=problem)
        self.log(f"  #{row['seq']} {row['summary']}: {status}" + (f" - {error}" if error else ""))
        return state

    def _push_photos(self, report: SyncReport) -> None:
        for photo in self.queue.pending_photos():
            owner = self.queue.db.execute(
                "SELECT state FROM outbox WHERE record_id = ? AND op = 'create'", (photo["seizure_id"],)
            ).fetchone()
            if owner is not None and owner["state"] == DROPPED:
                continue

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
                stored = self.send(call, lambda error, pid=photo["id"]: self.queue.photo_error(pid, error), report)
            except ApiError as exc:
                if isinstance(exc, LoginNeeded) or exc.status == 403:
                    raise
                self.queue.photo_settle(photo["id"], state=ATTENTION, result=None, error=str(exc))
                self.log(f"  photo {photo['filename']}: refused ({exc})")
                continue
            self.queue.photo_settle(photo["id"], state=SENT, result=stored, error=None)
            report.photos_uploaded += 1
            self.log(f"  photo {photo['filename']}: stored ({stored.get('status')})")


def refusal_text(result: dict[str, Any]) -> str:
    """What the API said about one item, field by field in the officer's words."""
    errors = result.get("errors") or {}
    if errors:
        return "; ".join(
            f"{words.FIELDS.get(words.field_name(path), words.field_name(path))}: {' '.join(messages)}"
            for path, messages in errors.items()
        )
    return result.get("detail") or problem_text(result)


def current_properties(result: dict[str, Any]) -> dict[str, Any]:
    current = result.get("current") or {}
    properties = dict(current.get("properties") or {})
    if current.get("geometry") is not None:
        properties.setdefault("point", current["geometry"])
        properties.setdefault("location", current["geometry"])
    return properties


def same_value(mine: Any, theirs: Any) -> bool:
    if isinstance(mine, dict) and "coordinates" in mine and isinstance(theirs, dict):
        a, b = mine.get("coordinates") or [], theirs.get("coordinates") or []
        return len(a) == len(b) and all(abs(float(x) - float(y)) < 1e-7 for x, y in zip(a, b, strict=True))
    if isinstance(mine, str) and isinstance(theirs, str):
        a, b = words.parse_time(mine), words.parse_time(theirs)
        if a is not None and b is not None and a.tzinfo is not None and b.tzinfo is not None:
            return a == b
    if isinstance(mine, int | float) and isinstance(theirs, int | float):
        return float(mine) == float(theirs)
    return mine == theirs


def already_applied(row, result: dict[str, Any]) -> bool:
    """A conflict on an update whose every field already holds the officer's value: the
    first try was applied and its answer lost (and no longer replayable). Nothing to do."""
    if row["op"] != "update" or not row["data"] or not result.get("current"):
        return False
    theirs = current_properties(result)
    mine = json.loads(row["data"])
    return all(key in theirs and same_value(value, theirs[key]) for key, value in mine.items())
