"""Load data.police.uk street-level crime files into the Incident table (one transaction)."""

import csv
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from psycopg import errors as pg_errors

from . import sql

# The official police.uk street-level header, in order.
POLICEUK_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
CHUNK_BYTES = 1 << 20
REJECT_REASONS = {
    "invalid_month": "Month is not YYYY-MM.",
    "invalid_point": "Longitude/Latitude are not numbers of degrees.",
    "no_crime_type": "Crime type is empty.",
    "outside_london": "The point is outside Greater London (no borough covers it).",
}


class PoliceUkFileError(ValueError):
    """A file is not a police.uk street-level CSV; nothing is written."""


@dataclass
class PoliceUkSummary:
    files: int = 0
    rows: int = 0
    no_location: int = 0  # skipped: police.uk gives no point
    invalid: int = 0
    outside_london: int = 0  # rejected, or kept with keep_outside
    kept_outside: bool = False
    accepted: int = 0  # rows written or matching a stored incident
    merged: int = 0  # accepted rows sharing a crime ID with a later row of the import
    incidents: int = 0  # distinct incidents in this import
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def policeuk_files(path: Path) -> list[Path]:
    """The CSV files at `path`: the file itself, or every *.csv below a directory, sorted."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*.csv") if p.is_file())
    return [path]


def _copy_file(cursor, path: Path, progress: Callable[[int], None]) -> None:
    with path.open("rb") as stream:
        first = stream.readline()
        header = first.decode("utf-8-sig", "replace").strip().split(",")
        if [h.strip() for h in header] != POLICEUK_HEADER:
            raise PoliceUkFileError(f"{path.name}: not a police.uk street-level CSV (header {header[:4]}...).")
        raw = cursor.cursor
        try:
            with raw.copy(sql.STAGE_COPY) as copy:
                copy.write(first.removeprefix(b"\xef\xbb\xbf"))
                progress(len(first))
                while chunk := stream.read(CHUNK_BYTES):
                    copy.write(chunk)
                    progress(len(chunk))
        except (pg_errors.BadCopyFileFormat, pg_errors.CharacterNotInRepertoire) as exc:
            raise PoliceUkFileError(f"{path.name}: {str(exc).strip()}") from None


def incidents_import(
    *,
    paths: Iterable[Path],
    keep_outside: bool = False,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    now: datetime | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> PoliceUkSummary:
    """Load police.uk street-level CSVs (any force, any month) into Incident, atomically.

    Rows without a location are counted and skipped. Rows whose point no London borough
    covers are rejected (listed in the rejects file), unless `keep_outside`: then they are
    stored with no borough. Idempotent: an incident is found again by its crime ID (or, without
    one, by a hash of its row), and updated only when something changed. Raises
    PoliceUkFileError for a file that is not in the police.uk layout.
    """
    started = time.monotonic()
    now = now or timezone.now()
    progress = progress or (lambda phase, n: None)
    summary = PoliceUkSummary(kept_outside=keep_outside)
    params = {"keep_outside": keep_outside, "now": now}
    files = list(paths)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # sorts and hashes of a big import stay in memory
        cursor.execute(sql.CLEANUP)
        cursor.execute(sql.STAGE_CREATE)
        last = 0
        for path in files:
            _copy_file(cursor, path, lambda n: progress("copy", n))
            cursor.execute(sql.STAGE_LAST_ROW)
            (end,) = cursor.fetchone()
            cursor.execute(sql.FILE_ADD, {"first": last + 1, "last": end, "name": path.name})
            last = end
            summary.files += 1
        progress("classify", 0)
        cursor.execute(sql.BOROUGH_PIECES)
        cursor.execute(sql.CLASSIFY)
        cursor.execute(sql.PLACES)
        cursor.execute(sql.CLASSIFIED)
        cursor.execute(sql.COUNTS, params)
        summary.rows, summary.no_location, summary.invalid, summary.outside_london, summary.accepted = cursor.fetchone()
        cursor.execute(sql.KEYED, params)
        cursor.execute(sql.KEYED_COUNT)
        (summary.incidents,) = cursor.fetchone()
        summary.merged = summary.accepted - summary.incidents
        if rejects_path is not None:
            cursor.execute(sql.REJECTS_READ, params)
            with Path(rejects_path).open("w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(["file", "row", "reason", "crime_id", "longitude", "latitude", "location"])
                for name, row, outcome, crime_id, lon, lat, location in cursor.fetchall():
                    writer.writerow([name, row, REJECT_REASONS[outcome], crime_id, lon, lat, location])
        progress("write", 0)
        if not dry_run:
            cursor.execute(sql.WRITE, params)
            summary.inserted, summary.updated = cursor.fetchone()
            summary.unchanged = summary.incidents - summary.inserted - summary.updated
        cursor.execute(sql.CLEANUP)
        if dry_run:
            transaction.set_rollback(True)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
