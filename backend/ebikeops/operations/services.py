"""Writes: operations, seizures and arrests. Each service is one transaction, and the only
way the record is written: the REST API, sync, imports and commands all call these.

Points are GEOS Points in SRID 4326 ([lon, lat]); times are aware datetimes. Every service
raises django.core.exceptions.ValidationError keyed by field (nested items as
`seizures[2].point`), and the domain errors of ebikeops.core.errors: VersionConflict when a
change is based on a stale version, Forbidden when the user may not change or delete the
record (ebikeops.operations.policies), Gone when a deleted record is sent again,
HasDependants when an operation still has records.

Every write leaves its audit event (ebikeops.operations.audit_events) in its transaction.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from django.contrib.gis.geos import GEOSGeometry, MultiPoint, Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone

from ebikeops.core.errors import Forbidden, Gone, HasDependants, VersionConflict
from ebikeops.core.models import Source, User

from . import audit_events, custody, errors, sql
from .models import Arrest, OffenceCategory, Operation, OperationStatus, RecordType, Seizure, Tombstone
from .photos import photos_delete
from .policies import can_change, can_delete
from .selectors import tombstones_of
from .tombstones import deleted_message, ensure_not_deleted, tombstone_create
from .validation import BoroughsOf, check_accuracy, check_in_window, check_not_future, collect, locate_in_london


def _prefixed(prefix: str, check: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            check()
        except ValidationError as exc:
            raise ValidationError({f"{prefix}.{k}": v for k, v in exc.message_dict.items()}) from exc

    return run


# --- Operations ---------------------------------------------------------------------


def _operation_checks(op: Operation, *, now: datetime) -> list[Callable[[], None]]:
    checks: list[Callable[[], None]] = []

    def location() -> None:
        op.borough = locate_in_london(op.location, field="location")

    checks.append(location)
    for index, stop in enumerate(op.stop_points or []):
        checks.append(lambda stop=stop, index=index: locate_in_london(stop, field=f"stop_points[{index}]"))
    if op.status != OperationStatus.PLANNED:
        checks.append(lambda: check_not_future(op.started_at, now=now, field="started_at"))
    checks.append(lambda: check_not_future(op.ended_at, now=now, field="ended_at"))

    def ends_after_start() -> None:
        if op.ended_at is not None and op.ended_at <= op.started_at:
            raise ValidationError({"ended_at": errors.ENDS_BEFORE_START})

    checks.append(ends_after_start)
    return checks


def _check_new_id(model, record_id) -> None:
    if record_id is not None and model.objects.filter(pk=record_id).exists():
        raise ValidationError({"id": errors.DUPLICATE_ID})


def _check_ids_unique_in_request(kind: str, items: Sequence[Mapping[str, Any]]) -> None:
    """Two items of one kind in the same body must not share a client-supplied id."""
    first_seen: dict[Any, int] = {}
    problems: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        record_id = item.get("id")
        if record_id is None:
            continue
        if record_id in first_seen:
            path = f"{kind}[{first_seen[record_id]}]"
            problems[f"{kind}[{index}].id"] = [errors.DUPLICATE_ID_IN_REQUEST.format(path=path)]
        else:
            first_seen[record_id] = index
    if problems:
        raise ValidationError(problems)


def _insert_items(*, seizures: list[Seizure], arrests: list[Arrest]) -> None:
    """Insert an operation's nested seizures and arrests (the operation row already exists).

    The primary keys are left to the database: an id that is already taken (stored
    earlier, or committed by a concurrent request meanwhile) fails the INSERT, inside a
    savepoint so that the transaction can still look up which ids were taken. Raises a
    ValidationError naming each such item (`seizures[1].id`); the caller's transaction
    then rolls back the operation too. Any other IntegrityError propagates unchanged.
    """
    if not (seizures or arrests):
        return
    try:
        with transaction.atomic():
            Seizure.objects.bulk_create(seizures)
            Arrest.objects.bulk_create(arrests)
    except IntegrityError as exc:
        problems: dict[str, list[str]] = {}
        for kind, model, rows in (("seizures", Seizure, seizures), ("arrests", Arrest, arrests)):
            taken = set(model.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True))
            problems.update({f"{kind}[{i}].id": [errors.DUPLICATE_ID] for i, row in enumerate(rows) if row.pk in taken})
        if not problems:
            raise
        raise ValidationError(problems) from exc


@transaction.atomic
def operation_create(
    *,
    user: User,
    name: str,
    team: str,
    started_at: datetime,
    location: Point,
    id=None,
    reference: str = "",
    lead_officer: User | None = None,
    status: str = OperationStatus.ACTIVE,
    ended_at: datetime | None = None,
    stop_points: MultiPoint | None = None,
    officer_count: int | None = None,
    notes: str = "",
    source: str = Source.FIELD,
    seizures: Iterable[Mapping[str, Any]] = (),
    arrests: Iterable[Mapping[str, Any]] = (),
    now: datetime | None = None,
) -> Operation:
    """Create an operation, with any seizures and arrests logged with it, atomically.

    The borough is assigned from `location`. Every problem in the operation and its items
    is reported at once; nothing is written unless everything is valid. A nested item
    whose `id` is repeated in the body, or already stored, is a ValidationError on
    `seizures[i].id` / `arrests[i].id` (the latter found by the database's primary key,
    after the operation row was inserted, and rolled back with it).
    """
    now = now or timezone.now()
    seizures, arrests = list(seizures), list(arrests)
    ensure_not_deleted(record_type=RecordType.OPERATION, record_id=id)
    for record_type, items in ((RecordType.SEIZURE, seizures), (RecordType.ARREST, arrests)):
        for item in items:
            ensure_not_deleted(record_type=record_type, record_id=item.get("id"))
    op = Operation(
        name=name,
        team=team,
        started_at=started_at,
        ended_at=ended_at,
        location=location,
        reference=reference,
        lead_officer=lead_officer or user,
        status=status,
        stop_points=stop_points,
        officer_count=officer_count,
        notes=notes,
        source=source,
        created_by=user,
        updated_by=user,
    )
    if id is not None:
        op.id = id
    checks = _operation_checks(op, now=now)
    checks.append(lambda: _check_new_id(Operation, id))

    def unique_reference() -> None:
        if reference and Operation.objects.filter(reference=reference).exists():
            raise ValidationError({"reference": errors.DUPLICATE_REFERENCE})

    checks.append(unique_reference)
    checks.append(lambda: _check_ids_unique_in_request("seizures", seizures))
    checks.append(lambda: _check_ids_unique_in_request("arrests", arrests))
    seizure_rows = [Seizure(operation=op, created_by=user, updated_by=user, source=source, **s) for s in seizures]
    arrest_rows = [Arrest(operation=op, created_by=user, updated_by=user, source=source, **a) for a in arrests]
    for index, seizure in enumerate(seizure_rows):
        checks.extend(_prefixed(f"seizures[{index}]", c) for c in _seizure_checks(seizure, op, now=now))
    for index, arrest in enumerate(arrest_rows):
        checks.extend(_prefixed(f"arrests[{index}]", c) for c in _arrest_checks(arrest, op, now=now))
    collect(checks)

    op.save(force_insert=True)
    _insert_items(seizures=seizure_rows, arrests=arrest_rows)
    custody.custody_started(seizures=seizure_rows, user=user)
    audit_events.collected([op, *seizure_rows, *arrest_rows], user=user)
    return op


def _check_version(instance, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != instance.version:
        raise VersionConflict(instance)


def _apply(instance, changes: Mapping[str, Any], *, user: User, expected_version: int | None) -> None:
    if not can_change(user, instance):
        raise Forbidden(errors.FORBIDDEN_CHANGE)
    _check_version(instance, expected_version)
    for field, value in changes.items():
        setattr(instance, field, value)
    instance.updated_by = user
    instance.version += 1


@transaction.atomic
def operation_update(
    *,
    operation: Operation,
    user: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Operation:
    """Change an operation's fields; re-assigns the borough when the location moves.

    Seizures and arrests already logged must still fit the (new) time window.
    Raises VersionConflict when `expected_version` is given and stale, Forbidden when
    `user` may not change it.
    """
    now = now or timezone.now()
    operation = Operation.objects.select_for_update().get(pk=operation.pk)
    before = audit_events.snapshot(operation)
    _apply(operation, changes, user=user, expected_version=expected_version)
    checks = _operation_checks(operation, now=now)
    if {"started_at", "ended_at"} & set(changes):
        checks.append(lambda: _records_still_in_window(operation))
    collect(checks)
    operation.save()
    audit_events.altered(operation, before, user=user)
    return operation


def _records_still_in_window(op: Operation) -> None:
    for model, field in ((Seizure, "seized_at"), (Arrest, "arrested_at")):
        times = model.objects.filter(operation=op).values_list(field, flat=True)
        first, last = min(times, default=None), max(times, default=None)
        for value, name in ((first, "started_at"), (last, "ended_at")):
            if value is not None:
                try:
                    check_in_window(value, started_at=op.started_at, ended_at=op.ended_at, field=name)
                except ValidationError as exc:
                    raise ValidationError({name: "Logged records would fall outside the new window."}) from exc


def _delete(
    record: Model, *, user: User, expected_version: int | None, now: datetime | None
) -> tuple[Tombstone, audit_events.Snapshot]:
    """Lock `record`, check the policy and version, leave its tombstone and delete it.
    Returns the tombstone and the record's content as it was (for its erasure event)."""
    if not can_delete(user, record):
        raise Forbidden(errors.FORBIDDEN_DELETE)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    _check_version(record, expected_version)
    before = audit_events.snapshot(record)
    # The tombstone first (a deleted instance loses its pk); it rolls back with a failed delete.
    tombstone = tombstone_create(record=record, user=user, now=now or timezone.now())
    try:
        record.delete()
    except ProtectedError as exc:
        raise HasDependants(errors.STILL_HAS_RECORDS) from exc
    return tombstone, before


@transaction.atomic
def operation_delete(
    *, operation: Operation, user: User, expected_version: int | None = None, now: datetime | None = None
) -> Tombstone:
    """Delete an operation, leaving a tombstone. Raises HasDependants while seizures or
    arrests remain, Forbidden unless `user` may delete, VersionConflict when stale."""
    tombstone, before = _delete(operation, user=user, expected_version=expected_version, now=now)
    audit_events.erased(f"operation:{tombstone.record_id}", before, user=user)
    return tombstone


# --- Seizures -----------------------------------------------------------------------


def _seizure_checks(
    seizure: Seizure, op: Operation, *, now: datetime, boroughs: BoroughsOf | None = None
) -> list[Callable[[], None]]:
    def point() -> None:
        seizure.borough = locate_in_london(seizure.point, field="point", boroughs=boroughs)

    return [
        point,
        lambda: check_accuracy(seizure.accuracy_m),
        lambda: check_not_future(seizure.seized_at, now=now, field="seized_at"),
        lambda: check_in_window(seizure.seized_at, started_at=op.started_at, ended_at=op.ended_at, field="seized_at"),
    ]


@transaction.atomic
def seizure_create(
    *,
    operation: Operation,
    user: User,
    id=None,
    source: str = Source.FIELD,
    now: datetime | None = None,
    **fields: Any,
) -> Seizure:
    """Log a seizure at `point` (SRID 4326) during `operation`.

    `fields`: point, seized_at, vehicle_type, reason, power, and optionally accuracy_m
    (metres), make, model, colour, frame_number, disposition, notes.
    """
    now = now or timezone.now()
    ensure_not_deleted(record_type=RecordType.SEIZURE, record_id=id)
    seizure = Seizure(operation=operation, created_by=user, updated_by=user, source=source, **fields)
    if id is not None:
        seizure.id = id
    collect([*_seizure_checks(seizure, operation, now=now), lambda: _check_new_id(Seizure, id)])
    seizure.save(force_insert=True)
    custody.custody_started(seizures=[seizure], user=user)
    audit_events.collected([seizure], user=user)
    return seizure


@transaction.atomic
def seizure_update(
    *,
    seizure: Seizure,
    user: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Seizure:
    """Change a seizure (e.g. its disposition). Raises VersionConflict when stale,
    Forbidden when `user` may not change it."""
    now = now or timezone.now()
    seizure = Seizure.objects.select_for_update().select_related("operation").get(pk=seizure.pk)
    before = audit_events.snapshot(seizure)
    disposition = changes.get("disposition", seizure.disposition)
    _apply(seizure, changes, user=user, expected_version=expected_version)
    collect(_seizure_checks(seizure, seizure.operation, now=now))
    extra = None
    if disposition != before["disposition"]:
        # A disposition set directly is the custody step that leads to it (one rule).
        step = custody.STEP_FOR_DISPOSITION[disposition]
        if step == custody.CustodyStep.HELD:
            raise ValidationError({"disposition": errors.CUSTODY_DISPOSITION_HELD})
        try:
            last = custody.check_step(seizure=seizure, step=step, store="")
        except ValidationError as exc:
            raise ValidationError({"disposition": exc.message_dict["step"]}) from exc
        extra = custody.custody_change(
            custody.custody_append(seizure=seizure, last=last, step=step, store="", happened_at=now, user=user)
        )
    seizure.save()
    audit_events.altered(seizure, before, user=user, extra=extra)
    return seizure


@transaction.atomic
def seizure_delete(
    *, seizure: Seizure, user: User, expected_version: int | None = None, now: datetime | None = None
) -> Tombstone:
    """Delete a seizure and its photos, leaving a tombstone. Raises Forbidden unless `user`
    may delete, VersionConflict when stale."""
    tombstone, before = _delete(seizure, user=user, expected_version=expected_version, now=now)
    photos = photos_delete(seizure_id=tombstone.record_id)
    also = {audit_events.photo_key(pk): content for pk, content in photos.items()}
    audit_events.erased(f"seizure:{tombstone.record_id}", before, user=user, also=also)
    return tombstone


# --- Arrests ------------------------------------------------------------------------


def _arrest_checks(
    arrest: Arrest, op: Operation, *, now: datetime, boroughs: BoroughsOf | None = None
) -> list[Callable[[], None]]:
    def point() -> None:
        arrest.borough = locate_in_london(arrest.point, field="point", boroughs=boroughs)

    def warrant() -> None:
        is_warrant = arrest.offence_category == OffenceCategory.WANTED_ON_WARRANT
        if is_warrant and not arrest.warrant_offence_category:
            raise ValidationError({"warrant_offence_category": errors.WARRANT_CATEGORY_REQUIRED})
        if is_warrant and arrest.warrant_offence_category == OffenceCategory.WANTED_ON_WARRANT:
            raise ValidationError({"warrant_offence_category": errors.WARRANT_CATEGORY_INVALID})
        if not is_warrant and arrest.warrant_offence_category:
            raise ValidationError({"warrant_offence_category": errors.WARRANT_CATEGORY_ONLY_FOR_WARRANT})

    return [
        point,
        warrant,
        lambda: check_accuracy(arrest.accuracy_m),
        lambda: check_not_future(arrest.arrested_at, now=now, field="arrested_at"),
        lambda: check_in_window(
            arrest.arrested_at, started_at=op.started_at, ended_at=op.ended_at, field="arrested_at"
        ),
    ]


@transaction.atomic
def arrest_create(
    *,
    operation: Operation,
    user: User,
    id=None,
    source: str = Source.FIELD,
    now: datetime | None = None,
    **fields: Any,
) -> Arrest:
    """Record an arrest at `point` (SRID 4326). `fields`: point, arrested_at,
    offence_category, and warrant_offence_category for 'wanted_on_warrant'."""
    now = now or timezone.now()
    ensure_not_deleted(record_type=RecordType.ARREST, record_id=id)
    arrest = Arrest(operation=operation, created_by=user, updated_by=user, source=source, **fields)
    if id is not None:
        arrest.id = id
    collect([*_arrest_checks(arrest, operation, now=now), lambda: _check_new_id(Arrest, id)])
    arrest.save(force_insert=True)
    audit_events.collected([arrest], user=user)
    return arrest


@transaction.atomic
def arrest_update(
    *,
    arrest: Arrest,
    user: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Arrest:
    now = now or timezone.now()
    arrest = Arrest.objects.select_for_update().select_related("operation").get(pk=arrest.pk)
    before = audit_events.snapshot(arrest)
    _apply(arrest, changes, user=user, expected_version=expected_version)
    collect(_arrest_checks(arrest, arrest.operation, now=now))
    arrest.save()
    audit_events.altered(arrest, before, user=user)
    return arrest


@transaction.atomic
def arrest_delete(
    *, arrest: Arrest, user: User, expected_version: int | None = None, now: datetime | None = None
) -> Tombstone:
    """Delete an arrest, leaving a tombstone. Raises Forbidden unless `user` may delete,
    VersionConflict when stale."""
    tombstone, before = _delete(arrest, user=user, expected_version=expected_version, now=now)
    audit_events.erased(f"arrest:{tombstone.record_id}", before, user=user)
    return tombstone


# --- Many seizures or arrests at once (sync batches) ----------------------------------


@dataclass(frozen=True)
class NewRecord:
    """One seizure or arrest to create: its client-supplied id, its operation, its fields
    (as for `seizure_create` / `arrest_create`)."""

    id: UUID
    operation: Operation
    fields: Mapping[str, Any]


CHECKS = {RecordType.SEIZURE: (Seizure, _seizure_checks), RecordType.ARREST: (Arrest, _arrest_checks)}


def records_create_many(
    *,
    record_type: str,
    user: User,
    rows: Sequence[NewRecord],
    now: datetime,
    source: str = Source.FIELD,
    ids_checked: bool = False,
) -> list[Model | ValidationError | Gone]:
    """Create many seizures or arrests (`record_type`) set-based: every row gets exactly the
    checks `seizure_create` / `arrest_create` run, but each stage is one query for all rows
    (ids already taken, tombstones, boroughs) and the valid rows are one INSERT.

    Returns, per row and in order, the created record, or the ValidationError (field-keyed,
    as the single services raise it) or Gone (the id was deleted) that refused it; a refused
    row writes nothing and never stops the others. Call inside a transaction. An INSERT that
    collides with a concurrent write of the same id raises IntegrityError: roll back and
    create the rows one by one.

    `ids_checked`: the caller has just looked up, in this transaction, that no row's id is
    stored or deleted (sync does, to answer replays), so those two queries are not repeated;
    an id stored meanwhile still fails the INSERT as above.
    """
    model, checks = CHECKS[record_type]
    ids = [row.id for row in rows]
    taken: set[UUID] = set()
    deleted: Mapping[UUID, Tombstone] = {}
    if not ids_checked:
        taken = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        deleted = tombstones_of(record_type=record_type, record_ids=ids)
    boroughs = BoroughsOf([row.fields["point"] for row in rows])
    outcomes: list[Model | ValidationError | Gone] = []
    for row in rows:
        if row.id in deleted:
            outcomes.append(Gone(deleted_message(deleted[row.id])))
            continue
        record = model(
            id=row.id, operation=row.operation, created_by=user, updated_by=user, source=source, **row.fields
        )
        try:
            collect(
                [
                    *checks(record, row.operation, now=now, boroughs=boroughs),
                    lambda row=row: _taken(row.id in taken),
                ]
            )
        except ValidationError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(record)
    created = [record for record in outcomes if isinstance(record, model)]
    if created:
        rows_insert(created)
        # The same custody start and audit event as the single services leave, for all rows at once.
        if record_type == RecordType.SEIZURE:
            rows_insert(custody.custody_start_steps(seizures=created, user=user))
        audit_events.collected(created, user=user)
    return outcomes


def rows_insert(records: Sequence[Model]) -> None:
    """INSERT new `records` (all of one model, primary keys set) in one statement, as
    `bulk_create` would (each field's `pre_save`, so `auto_now` times are set on the
    instances too) but with the rows as one JSON parameter (operations.sql). Raises
    IntegrityError when a row breaks a constraint (an id already taken): nothing is written."""
    model = type(records[0])
    columns = [(field.column, field) for field in model._meta.concrete_fields]
    rows = [{column: field.pre_save(record, True) for column, field in columns} for record in records]
    with connection.cursor() as cursor:
        cursor.execute(sql.rows_insert_sql(model), [orjson.dumps(rows, default=_column_json).decode()])
    for record in records:
        record._state.adding = False
        record._state.db = connection.alias


def _column_json(value: Any) -> str:
    """What orjson does not write itself, as the column's input function reads it."""
    if isinstance(value, GEOSGeometry):
        return value.hexewkb.decode()  # exact, SRID included
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"rows_insert cannot write a {type(value).__name__} value")


def _taken(taken: bool) -> None:
    if taken:
        raise ValidationError({"id": errors.DUPLICATE_ID})
