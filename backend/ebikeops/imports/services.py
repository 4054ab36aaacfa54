"""Imports of a force's operations, seizures and arrests: one transaction each.

`import_file` stages the file with COPY, checks every row in SQL with the rules and messages
of the services (see sql.py, messages.py), writes the rows without problems in one statement
(`import_write_accepted`, the one place an import writes), and writes the rejects file. With
`dry_run` it checks only. `import_job_*` run the same for an upload through the API, in the
Celery worker.
"""

import csv
import io
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.core.files import File
from django.db import DataError, ProgrammingError, connection, transaction
from django.utils import timezone
from psycopg import errors as pg_errors
from psycopg import sql as pg_sql

from ebikeops.areas.selectors import boroughs_loaded
from ebikeops.audit import services as audit
from ebikeops.audit.models import Action
from ebikeops.core.models import User
from ebikeops.operations.custody import NEXT_STEPS, STEP_FOR_DISPOSITION

# tasks imports this module too: both import the other as a module and resolve names at call time.
from . import sql, tasks
from .kinds import KINDS, Kind, choices
from .mapping import Mapping, MappingError, mapping_parse, resolve_columns
from .messages import message
from .models import ImportJob, JobStatus
from .progress import job_progress
from .sources import source_open

logger = logging.getLogger(__name__)

# progress(phase, done, total): phases "copy" (bytes), "validate", "write", "rejects" (rows).
Progress = Callable[[str, int, int], None]
REJECTS_HEADER = ["row", "field", "message"]
REJECTS_CHUNK = 5_000
# When to drop and rebuild the target table's indexes and foreign keys around the write (see
# sql.INDEX_REBUILD_TABLES): "auto" when the new rows are at least
# IMPORT_INDEX_REBUILD_MIN_ROWS and at least as many as the table holds already.
INDEX_REBUILD_MODES = ("auto", "always", "never")


def _quiet(phase: str, done: int, total: int) -> None:
    return None


@dataclass
class ImportSummary:
    kind: str
    source_system: str
    file: str
    dry_run: bool
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows with at least one problem
    problems: int = 0  # lines in the rejects file
    seconds: float = 0.0
    rejects_file: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    indexes_rebuilt: bool = False  # the write dropped and rebuilt the table's indexes (ACCESS EXCLUSIVE)

    def to_dict(self) -> dict:
        return asdict(self)


def _plausible_box(srid: int) -> dict[str, float]:
    """London's bounding box widened by about 5 degrees, in the mapping's CRS: coordinates
    outside it are outside London whatever they are, and are not handed to PROJ."""
    min_lon, min_lat, max_lon, max_lat = settings.LONDON_BBOX
    if srid == 4326:
        return {"plausible_min_x": -180, "plausible_max_x": 180, "plausible_min_y": -90, "plausible_max_y": 90}
    box = OGRGeometry.from_bbox((min_lon - 5, min_lat - 5, max_lon + 5, max_lat + 5))
    box.srs = SpatialReference(4326)
    box.transform(CoordTransform(SpatialReference(4326), SpatialReference(srid)))
    x0, y0, x1, y1 = box.extent
    return {"plausible_min_x": x0, "plausible_max_x": x1, "plausible_min_y": y0, "plausible_max_y": y1}


def _params(kind: Kind, mapping: Mapping, *, user: User | None, now: datetime) -> dict:
    min_lon, min_lat, max_lon, max_lat = settings.LONDON_BBOX
    return {
        "tz": mapping.timezone,
        "values": json.dumps(mapping.values),
        "choices": json.dumps(choices(kind)),
        "source_system": mapping.source_system,
        "srid": mapping.srid,
        "boroughs_loaded": boroughs_loaded(),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "now": now,
        "skew_s": float(settings.CLOCK_SKEW_SECONDS),
        "tolerance_min": float(settings.OPERATION_WINDOW_TOLERANCE_MINUTES),
        "max_accuracy_m": float(settings.MAX_GPS_ACCURACY_M),
        "user_id": user.pk if user else None,
        "custody_steps": json.dumps(STEP_FOR_DISPOSITION),
        "next_steps": json.dumps({step: sorted(following) for step, following in NEXT_STEPS.items()}),
        **_plausible_box(mapping.srid),
    }


def _stage(cursor, source, kind: Kind, mapping: Mapping, progress: Progress, *, temporary: bool) -> None:
    columns = resolve_columns(mapping, source.header, kind=kind, geometry=source.geometry)
    cursor.execute(sql.stage_create(len(source.header), temporary=temporary))
    raw = cursor.cursor  # psycopg's own cursor, for COPY
    done = 0
    try:
        with raw.copy(sql.stage_copy(len(source.header), source.delimiter)) as copy:
            for chunk in source.chunks:
                copy.write(chunk)
                done += len(chunk)
                progress("copy", done, source.total_bytes)
    except (pg_errors.BadCopyFileFormat, pg_errors.CharacterNotInRepertoire, pg_errors.InvalidTextRepresentation,
            DataError) as exc:  # fmt: skip
        raise MappingError(f"The file could not be read as CSV: {' '.join(str(exc).split())}") from None
    cursor.execute(sql.rows_view(kind, columns, mapping.defaults, temporary=temporary))


def _validate(cursor, kind: Kind, params: dict, timings: dict[str, float], *, temporary: bool) -> None:
    """Parse and check the staged rows (see sql.py); adds each step's seconds to `timings`.
    `temporary`: the working tables are temporary ones (see _own_schema)."""

    def create(statement: str, parameters: dict | None = None) -> None:
        cursor.execute(sql.temporary(statement) if temporary else statement, parameters)

    started = time.monotonic()
    cursor.execute(sql.FUNCTIONS)
    cursor.execute(sql.DATESTYLE)
    try:
        with transaction.atomic():  # a savepoint: a failed statement leaves the import usable
            create(sql.TYPED[kind.name], params)
    except DataError:  # a value of a usual shape that is no time or number (sql.FUNCTIONS)
        create(sql.TYPED_SAFE[kind.name], params)
    cursor.execute(sql.TYPED_ANALYZE[kind.name])
    started = _add_seconds(timings, "validate_parse_s", started)
    create(sql.BOROUGH_PIECES)
    create(sql.PLACES, params)
    started = _add_seconds(timings, "validate_places_s", started)
    create(sql.DUPES)
    if kind.name == "operations":
        create(sql.REFERENCE_DUPES)
    else:
        create(sql.OPS, params)
    started = _add_seconds(timings, "validate_dupes_s", started)
    if kind.name == "seizures":
        create(sql.CUSTODY_LAST, params)
    create(sql.REJECTS[kind.name], params)
    cursor.execute(sql.REJECTS_INDEX)
    _add_seconds(timings, "validate_rules_s", started)


def _own_schema(cursor) -> tuple[str, str] | None:
    """Create this import's schema (sql.SCHEMA) and put it first on the search path, where the
    import's working tables are then created; returns (schema, the search path before), for
    _own_schema_dropped. None if the role may not create a schema (no CREATE on the database):
    the import then works in temporary tables, without parallel plans. In a savepoint of its own,
    so that a refusal leaves the import's transaction usable."""
    cursor.execute(sql.BACKEND_PID)
    schema = sql.SCHEMA.format(cursor.fetchone()[0])
    cursor.execute(sql.SAVEPOINT)
    try:
        cursor.execute(pg_sql.SQL(sql.SCHEMA_CREATE).format(pg_sql.Identifier(schema)))
    except (ProgrammingError, pg_errors.InsufficientPrivilege) as exc:  # Django's, or psycopg's own
        if not isinstance(exc.__cause__ or exc, pg_errors.InsufficientPrivilege):
            raise
        cursor.execute(sql.SAVEPOINT_ROLLBACK)
        return None
    cursor.execute(sql.SAVEPOINT_RELEASE)
    cursor.execute(sql.SEARCH_PATH)
    (path,) = cursor.fetchone()
    cursor.execute(sql.SEARCH_PATH_SET, {"path": f"{schema}, {path}"})
    return schema, path


def _own_schema_dropped(cursor, own: tuple[str, str] | None) -> None:
    """Drop the import's schema with its tables and give the search path back."""
    if own is not None:
        schema, path = own
        cursor.execute(pg_sql.SQL(sql.SCHEMA_DROP).format(pg_sql.Identifier(schema)))
        cursor.execute(sql.SEARCH_PATH_SET, {"path": path})


def _temp_buffers_raised(cursor) -> bool:
    """Raise temp_buffers for this import if the session allows it (it has used no temporary
    table yet, or raised them before); returns whether it did. In a savepoint of its own, so
    that a refusal leaves the import's transaction usable (any cursor: Django's or psycopg's)."""
    cursor.execute(sql.SAVEPOINT)
    try:
        cursor.execute(sql.TEMP_BUFFERS)
    except (DataError, pg_errors.InvalidParameterValue):
        cursor.execute(sql.SAVEPOINT_ROLLBACK)
        return False
    cursor.execute(sql.SAVEPOINT_RELEASE)
    return True


def _write_rejects(kind: Kind, stream, progress: Progress, total: int) -> None:
    """Stream `import_rejects` to `stream` as CSV (row, field, message), in file order."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REJECTS_HEADER)
    done = 0
    with connection.chunked_cursor() as rows:
        rows.execute(sql.REJECTS_READ)
        while batch := rows.fetchmany(REJECTS_CHUNK):
            writer.writerows((row_no, fld, message(kind, fld, rule, *args)) for row_no, fld, rule, *args in batch)
            done += len(batch)
            progress("rejects", done, total)


def _index_rebuild_wanted(cursor, kind: Kind, mode: str, params: dict, accepted: int) -> bool:
    """Whether the write should drop and rebuild the table's indexes (`mode`, see
    INDEX_REBUILD_MODES). "auto" counts the rows that would be new: a re-import of an unchanged
    file rebuilds nothing."""
    if mode == "never" or accepted == 0:
        return False
    if mode == "always":
        return True
    minimum = settings.IMPORT_INDEX_REBUILD_MIN_ROWS
    if minimum <= 0 or accepted < minimum:
        return False
    table = sql.INDEX_REBUILD_TABLES[kind.name][0]
    cursor.execute(pg_sql.SQL(sql.TABLE_EMPTY).format(pg_sql.Identifier(table)))
    if cursor.fetchone()[0]:  # a first load: every accepted row is new (counting them took 7 s a million)
        return True
    cursor.execute(sql.DRY_RUN_COUNTS[kind.name], params)
    new, _ = cursor.fetchone()
    cursor.execute(sql.TABLE_ROWS, {"table": table})
    (stored,) = cursor.fetchone()
    return new >= minimum and new >= stored


def _dropped_for_rebuild(cursor, tables: tuple[str, ...]) -> list[tuple[str, list, list]]:
    """Lock `tables` and drop what _indexes_rebuilt builds again; returns, for each table, its
    indexes (schema, name, definition) and constraints (name, definition, is a foreign key)."""
    saved = []
    for table in tables:
        cursor.execute(pg_sql.SQL(sql.LOCK_TABLE).format(pg_sql.Identifier(table)))
        cursor.execute(sql.REBUILT_INDEXES, {"table": table})
        indexes = cursor.fetchall()
        cursor.execute(sql.REBUILT_CONSTRAINTS, {"table": table, "tables": list(tables)})
        saved.append((table, indexes, cursor.fetchall()))
    # Every table's foreign keys before any primary key: custody's rests on the seizures' key.
    keys = sorted(
        ((table, name, foreign) for table, _, constraints in saved for name, _, foreign in constraints),
        key=lambda key: not key[2],
    )
    for table, name, _ in keys:
        cursor.execute(pg_sql.SQL(sql.DROP_CONSTRAINT).format(pg_sql.Identifier(table), pg_sql.Identifier(name)))
    for _, indexes, _ in saved:
        for schema, name, _ in indexes:
            cursor.execute(pg_sql.SQL(sql.DROP_INDEX).format(pg_sql.Identifier(schema, name)))
    return saved


@contextmanager
def _indexes_rebuilt(cursor, tables: tuple[str, ...], timings: dict[str, float]) -> Iterator[None]:
    """Lock `tables` (ACCESS EXCLUSIVE, until the transaction ends), drop their indexes, their
    foreign keys, unique constraints and primary keys (but a key another table's foreign key
    rests on, see sql.REBUILT_CONSTRAINTS), and create them again from their own definitions
    (read from the catalog) once the block has written. An error inside
    rolls the whole transaction back, the dropped indexes with it. Adds the seconds the rebuild
    took to `timings` (indexes, constraints, analyze)."""
    if not tables:
        yield
        return
    # ALTER TABLE refuses a table with deferred foreign-key checks still queued (rows written
    # earlier in this transaction): run them now; they stay deferred afterwards.
    connection.check_constraints()
    cursor.execute(sql.BULK_MEMORY)
    saved = _dropped_for_rebuild(cursor, tables)
    yield
    for table, indexes, keys in saved:
        started = time.monotonic()
        for _, _, definition in indexes:
            cursor.execute(pg_sql.SQL(definition))  # PostgreSQL's own text of the index it had
        _add_seconds(timings, "rebuild_indexes_s", started)
        started = time.monotonic()
        for name, definition, _ in keys:
            cursor.execute(
                pg_sql.SQL(sql.ADD_CONSTRAINT).format(
                    pg_sql.Identifier(table), pg_sql.Identifier(name), pg_sql.SQL(definition)
                )
            )
        _add_seconds(timings, "rebuild_constraints_s", started)
        started = time.monotonic()
        # The planner's row counts for the table still say what it held before the load (an
        # empty table: a few pages), until autovacuum gets to it; the next import's joins on the
        # table were then planned as nested loops over a million rows (a re-import ran for
        # minutes). A sample of the table now costs well under a second.
        cursor.execute(pg_sql.SQL(sql.ANALYZE_TABLE).format(pg_sql.Identifier(table)))
        _add_seconds(timings, "rebuild_analyze_s", started)


def _add_seconds(timings: dict[str, float], name: str, started: float) -> float:
    """Add the seconds since `started` to `timings[name]`; returns now, the next step's start."""
    now = time.monotonic()
    timings[name] = round(timings.get(name, 0.0) + now - started, 3)
    return now


def import_write_accepted(
    *,
    cursor,
    kind: Kind,
    params: dict,
    user: User | None,
    summary: "ImportSummary",
    rebuild: bool = False,
    temporary: bool = False,
) -> tuple[int, int]:
    """Write the accepted rows of the staged import: one INSERT ... ON CONFLICT for the kind's
    table (new seizures get their custody timeline in the same statement; a changed
    disposition appends its custody step first). Returns (inserted, updated). This is the one
    place an import writes records, and it leaves its audit events in the same transaction: one
    collection and one alteration per import, naming the file, the source system and the counts
    (never a copy of a million rows). With `rebuild`, the tables' indexes and foreign keys are
    dropped and built again around the write (see _indexes_rebuilt), and the new rows computed
    first into a working table (sql._bulk_rows; `temporary`: see _validate)."""
    tables = sql.INDEX_REBUILD_TABLES[kind.name] if rebuild else ()
    if kind.name == "seizures":  # first: it finds each timeline's last step by its index
        cursor.execute(sql.CUSTODY_CHANGED, params)
    with _indexes_rebuilt(cursor, tables, summary.phases):
        started = time.monotonic()
        if rebuild:  # under the lock: no one adds rows between this and the write
            cursor.execute(pg_sql.SQL(sql.TABLE_EMPTY).format(pg_sql.Identifier(tables[0])))
            rows = sql.WRITE[kind.name]["bulk_rows_empty" if cursor.fetchone()[0] else "bulk_rows"]
            cursor.execute(sql.temporary(rows) if temporary else rows, params)
            started = _add_seconds(summary.phases, "write_compute_s", started)
        cursor.execute(sql.WRITE[kind.name]["bulk" if rebuild else "upsert"], params)
        inserted, updated = cursor.fetchone()
        if rebuild:  # see sql.NEW_ROWS_DROP
            cursor.execute(sql.NEW_ROWS_DROP)
        _add_seconds(summary.phases, "write_rows_s", started)
    described = {"import": summary.file, "source_system": summary.source_system, "kind": kind.name}
    for action, count in ((Action.COLLECT, inserted), (Action.ALTER, updated)):
        if count:
            audit.event_record(action=action, actor=user, filters=described, count=count, endpoint="import")
    return inserted, updated


def import_file(
    *,
    path: Path,
    kind: str,
    mapping: Mapping,
    user: User | None,
    rejects_path: Path | None = None,
    rejects_stream=None,
    dry_run: bool = False,
    source_srid: int | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    index_rebuild: str = "auto",
) -> ImportSummary:
    """Import `path` (CSV, GeoJSON, GeoPackage, Shapefile) as records of `kind`
    ("operations", "seizures" or "arrests"), atomically.

    Coordinates of CSV files are in `mapping.srid`; GDAL files are reprojected from their own
    CRS (or `source_srid`) to WGS84. Rows breaking a rule are left out and listed in the rejects
    file (row, field, message); the others are written in one statement, or only counted with
    `dry_run`. Raises MappingError when the mapping or the file cannot be used at all; then
    nothing is written. `index_rebuild` ("auto", "always", "never"): whether the write drops
    and rebuilds the table's indexes, locking it until the import commits (docs/import.md).
    """
    if index_rebuild not in INDEX_REBUILD_MODES:
        raise ValueError(f"index_rebuild must be one of {INDEX_REBUILD_MODES}, not {index_rebuild!r}")
    started = time.monotonic()
    now = now or timezone.now()
    progress = progress or _quiet
    record_kind = KINDS[kind]
    summary = ImportSummary(kind=kind, source_system=mapping.source_system, file=Path(path).name, dry_run=dry_run)
    params = _params(record_kind, mapping, user=user, now=now)
    marks = {"start": time.monotonic()}

    def mark(name: str) -> None:
        summary.phases[name] = round(time.monotonic() - marks.pop("last", marks["start"]), 3)
        marks["last"] = time.monotonic()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.JIT_OFF)
        cursor.execute(sql.WORK_MEM)
        cursor.execute(sql.PARALLEL_TUPLE_COST)
        own = _own_schema(cursor)
        if own is None and index_rebuild != "never":  # the command line, not a worker (see sql.TEMP_BUFFERS)
            _temp_buffers_raised(cursor)
        cursor.execute(sql.CLEANUP)
        with source_open(path, delimiter=mapping.delimiter, source_srid=source_srid) as source:
            _stage(cursor, source, record_kind, mapping, progress, temporary=own is None)
        mark("copy_s")
        progress("validate", 0, 1)
        _validate(cursor, record_kind, params, summary.phases, temporary=own is None)
        cursor.execute(sql.COUNTS)
        summary.rows, summary.rejected, summary.problems = cursor.fetchone()
        summary.accepted = summary.rows - summary.rejected
        progress("validate", 1, 1)
        mark("validate_s")
        progress("write", 0, 1)
        if dry_run:
            cursor.execute(sql.DRY_RUN_COUNTS[kind], params)
            summary.inserted, summary.updated = cursor.fetchone()
        else:
            summary.indexes_rebuilt = _index_rebuild_wanted(
                cursor, record_kind, index_rebuild, params, summary.accepted
            )
            summary.inserted, summary.updated = import_write_accepted(
                cursor=cursor,
                kind=record_kind,
                params=params,
                user=user,
                summary=summary,
                rebuild=summary.indexes_rebuilt,
                temporary=own is None,
            )
            summary.unchanged = summary.accepted - summary.inserted - summary.updated
        progress("write", 1, 1)
        mark("write_s")
        if rejects_stream is not None:
            _write_rejects(record_kind, rejects_stream, progress, summary.problems)
        elif rejects_path is not None:
            with Path(rejects_path).open("w", encoding="utf-8", newline="") as stream:
                _write_rejects(record_kind, stream, progress, summary.problems)
            summary.rejects_file = str(rejects_path)
        mark("rejects_s")
        cursor.execute(sql.CLEANUP)
        _own_schema_dropped(cursor, own)
        if dry_run:
            transaction.set_rollback(True)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


# --- Jobs: an upload through the API, run by the worker ----------------------------------


def import_job_create(
    *, user: User, kind: str, upload, mapping: Mapping, dry_run: bool = False, source_srid: int | None = None
) -> ImportJob:
    """Store the uploaded file and queue its import; the worker picks it up once the
    transaction commits. `mapping` is already checked (mapping_parse)."""
    job = ImportJob(
        kind=kind,
        source_system=mapping.source_system,
        mapping=mapping.to_dict(),
        dry_run=dry_run,
        source_srid=source_srid,
        original_name=Path(upload.name).name,
        size_bytes=upload.size,
        created_by=user,
    )
    job.upload.save(f"{job.pk}{Path(upload.name).suffix.lower()}", upload, save=False)
    job.save(force_insert=True)
    job_id = str(job.pk)
    transaction.on_commit(lambda: _enqueue(tasks.run_import, job_id))
    return job


def _enqueue(task, job_id: str) -> None:
    try:
        task.delay(job_id)
    except Exception as exc:  # broker down: the job must not stay "queued" for ever
        ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, error=f"Could not reach the task queue: {exc}", finished_at=timezone.now()
        )


def import_job_execute(*, job: ImportJob, now: datetime | None = None) -> ImportJob:
    """Run a queued job in this process (the worker's entry point). Marks it completed with
    its summary and rejects file, or failed with the reason."""
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    kind = KINDS[job.kind]
    with tempfile.TemporaryFile(mode="w+b") as rejects:  # on disk: flat memory however many rejects
        text = io.TextIOWrapper(rejects, encoding="utf-8", newline="", write_through=True)
        try:
            summary = import_file(
                path=Path(job.upload.path),
                kind=job.kind,
                mapping=mapping_parse(job.mapping, kind=kind),
                user=job.created_by,
                rejects_stream=text,
                dry_run=job.dry_run,
                source_srid=job.source_srid,
                now=now,
                progress=job_progress(job.pk),
                # An upload runs while officers sync: it never locks the tables for a bulk
                # rebuild, which is an operator's choice at the command line (docs/import.md).
                index_rebuild="never",
            )
        except MappingError as exc:
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=str(exc), finished_at=timezone.now()
            )
            return ImportJob.objects.get(pk=job.pk)
        finally:
            text.detach()  # the temporary file is closed by its own `with`
        job.refresh_from_db()
        rejects.seek(0)
        job.rejects.save(f"{job.pk}.rejects.csv", File(rejects), save=False)
    job.summary = summary.to_dict()
    job.status = JobStatus.COMPLETED
    job.finished_at = timezone.now()
    job.save(update_fields=["rejects", "summary", "status", "finished_at"])
    return job


def import_uploads_purge(*, now: datetime | None = None, keep_days: int | None = None) -> int:
    """Delete the uploaded files of API imports that finished (completed or failed) more than
    `keep_days` (default IMPORT_UPLOAD_RETENTION_DAYS) days before `now`: a force's file holds
    personal data (frame numbers, places) that the imported records hold already. The jobs stay,
    with their summary and rejects file. Leaves one erasure audit event naming the count and the
    cut-off; the files go once that is committed. Returns how many files were deleted."""
    now = now or timezone.now()
    keep_days = settings.IMPORT_UPLOAD_RETENTION_DAYS if keep_days is None else keep_days
    cutoff = now - timedelta(days=keep_days)
    with transaction.atomic():
        jobs = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status__in=[JobStatus.COMPLETED, JobStatus.FAILED], finished_at__lt=cutoff)
            .exclude(upload="")
        )
        names = dict(jobs.values_list("pk", "upload"))
        if not names:
            return 0
        ImportJob.objects.filter(pk__in=names).update(upload="")
        audit.event_record(
            action=Action.ERASE,
            filters={"import_uploads_finished_before": cutoff.isoformat()},
            count=len(names),
            endpoint="import_uploads_purge",
        )
        storage = ImportJob._meta.get_field("upload").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names.values()])
    return len(names)
