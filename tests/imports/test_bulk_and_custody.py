"""What an import leaves beyond the records: custody timelines, the same indexes after a bulk
load that rebuilt them, no free text about arrests, and no old uploads."""

import io
import os
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from ebikeops.audit.models import Action, AuditEvent
from ebikeops.imports import errors as import_errors
from ebikeops.imports import services as import_services
from ebikeops.imports.kinds import ARRESTS, KINDS
from ebikeops.imports.mapping import MappingError, mapping_read
from ebikeops.imports.models import ImportJob, JobStatus
from ebikeops.imports.services import import_file, import_uploads_purge
from ebikeops.operations import errors
from ebikeops.operations.models import Arrest, CustodyEvent, CustodyStep, Seizure
from tests.factories import T0

from .files import write_import
from .test_import_seizures import _rows

NOW = T0.replace(year=2026)


@pytest.fixture
def run(tmp_path, importer):
    """Import seizure `rows`; returns (summary, rejects). `index_rebuild` as import_file's."""
    from .files import read_rejects

    def go(rows: list[dict], *, index_rebuild: str = "auto", name: str = "in.csv"):
        path, mapping_path = write_import(tmp_path, "seizures", rows, name=name)
        rejects = tmp_path / f"{name}.rejects.csv"
        summary = import_file(
            path=path,
            kind="seizures",
            mapping=mapping_read(mapping_path, kind=KINDS["seizures"]),
            user=importer,
            rejects_path=rejects,
            now=NOW,
            index_rebuild=index_rebuild,
        )
        return summary, read_rejects(rejects)

    return go


def _timeline(external_ref: str) -> list[tuple]:
    return list(
        CustodyEvent.objects.filter(seizure__external_ref=external_ref)
        .order_by("sequence")
        .values_list("sequence", "step", "happened_at", "recorded_by__username")
    )


SEIZED = datetime(2025, 11, 29, 13, 30, tzinfo=UTC)  # GOOD's seized_at


@pytest.mark.parametrize("index_rebuild", ["never", "always"])
def test_an_imported_seizure_starts_its_custody_timeline_and_its_disposition_is_its_last_step(
    operation, run, index_rebuild
):
    rows = _rows(2)
    rows[1]["disposition"] = "destroyed"

    summary, rejects = run(rows, index_rebuild=index_rebuild)

    assert (summary.inserted, rejects, summary.indexes_rebuilt) == (2, [], index_rebuild == "always")
    assert _timeline("S-1") == [(1, CustodyStep.SEIZED, SEIZED, "importer")]
    # The file gives no date for the disposition: its step is dated when the import recorded it.
    assert _timeline("S-2") == [
        (1, CustodyStep.SEIZED, SEIZED, "importer"),
        (2, CustodyStep.DESTROYED, NOW, "importer"),
    ]


@pytest.mark.parametrize("index_rebuild", ["never", "always"])
def test_a_corrected_disposition_appends_the_step_that_leads_to_it(operation, run, index_rebuild):
    run(_rows(2), index_rebuild="never")
    corrected = _rows(2)
    corrected[1]["disposition"] = "returned"

    summary, rejects = run(corrected, index_rebuild=index_rebuild, name="again.csv")

    assert (summary.inserted, summary.updated, summary.unchanged, rejects) == (0, 1, 1, [])
    assert Seizure.objects.get(external_ref="S-2").version == 2
    assert [step for _, step, _, _ in _timeline("S-2")] == [CustodyStep.SEIZED, CustodyStep.RELEASED]
    assert len(_timeline("S-1")) == 1


def test_a_seizure_stored_without_a_timeline_gets_its_first_step_with_the_corrected_one(operation, run):
    run(_rows(1))
    CustodyEvent.objects.filter(seizure__external_ref="S-1").delete()  # as an old import left it

    run(_rows(1, disposition="retained_evidence"), name="again.csv")

    assert [(n, step) for n, step, _, _ in _timeline("S-1")] == [(1, "seized"), (2, "retained_evidence")]


def test_a_corrected_disposition_the_services_refuse_is_rejected_with_their_message(operation, run):
    run(_rows(2, disposition="destroyed"))
    corrected = _rows(2, disposition="destroyed")
    corrected[0]["disposition"] = "returned"  # a destroyed vehicle cannot be released
    corrected[1]["disposition"] = "held"  # held names a store, which a file has not

    summary, rejects = run(corrected, name="again.csv")

    assert (summary.updated, summary.rejected) == (0, 2)
    assert rejects == [
        {
            "row": "1",
            "field": "disposition",
            "message": errors.CUSTODY_STEP_REFUSED.format(step="Released to the owner", last="Destroyed"),
        },
        {"row": "2", "field": "disposition", "message": errors.CUSTODY_DISPOSITION_HELD},
    ]
    assert set(Seizure.objects.values_list("disposition", "version")) == {("destroyed", 1)}
    assert [len(_timeline(ref)) for ref in ("S-1", "S-2")] == [2, 2]


def _definitions() -> list[tuple]:
    """Every index and constraint of the tables a seizure import writes, as PostgreSQL prints them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tablename, indexname, indexdef FROM pg_indexes
            WHERE tablename IN ('operations_seizure', 'operations_custodyevent')
            UNION ALL
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid IN ('operations_seizure'::regclass, 'operations_custodyevent'::regclass)
            ORDER BY 1, 2, 3
            """
        )
        return cursor.fetchall()


def test_a_bulk_load_rebuilds_every_index_and_constraint_it_dropped(operation, run):
    before = _definitions()
    assert len(before) > 20, "expected the seizure and custody tables' indexes and constraints"

    summary, _ = run(_rows(3), index_rebuild="always")

    assert summary.indexes_rebuilt
    assert _definitions() == before
    # The rebuilt unique index still keeps one record per (source system, reference).
    again, _ = run(_rows(3), index_rebuild="always", name="again.csv")
    assert (again.inserted, again.unchanged, Seizure.objects.count()) == (0, 3, 3)


@pytest.mark.parametrize(
    ("kind", "table", "dropped"),
    [
        # custody's key to the seizures is rebuilt with them: both primary keys go
        ("seizures", "operations_seizure", True),
        ("seizures", "operations_custodyevent", True),
        # seizures, arrests and plans keep their foreign keys to the operations: the key stays
        ("operations", "operations_operation", False),
    ],
)
@pytest.mark.django_db
def test_a_bulk_load_drops_a_primary_key_only_where_no_other_table_rests_on_it(kind, table, dropped):
    with connection.cursor() as cursor:
        cursor.execute(
            import_services.sql.REBUILT_CONSTRAINTS,
            {"table": table, "tables": list(import_services.sql.INDEX_REBUILD_TABLES[kind])},
        )
        names = [name for name, _, _ in cursor.fetchall()]

    assert (f"{table}_pkey" in names) is dropped, names


def test_an_import_says_how_long_each_step_took(operation, run):
    summary, _ = run(_rows(3), index_rebuild="always")

    rebuild = ("write_compute_s", "rebuild_indexes_s", "rebuild_constraints_s", "rebuild_analyze_s")
    assert all(summary.phases[name] >= 0 for name in ("write_rows_s", *rebuild)), summary.phases
    # each rounded to the millisecond
    assert summary.phases["write_s"] >= sum(summary.phases[name] for name in ("write_rows_s", *rebuild)) - 0.01
    assert not any(name in run(_rows(3), index_rebuild="never", name="b.csv")[0].phases for name in rebuild)
    validate = ("validate_parse_s", "validate_places_s", "validate_dupes_s", "validate_rules_s")
    assert summary.phases["validate_s"] >= sum(summary.phases[name] for name in validate) - 0.01


def _session() -> psycopg.Connection:
    """A database session of its own: no earlier import of the test run has set its buffers."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"]
    )


def test_temp_buffers_are_raised_only_where_the_session_allows_it(operation, run):
    with _session() as other:
        cursor = other.cursor()
        cursor.execute("SHOW temp_buffers")
        (default,) = cursor.fetchone()
        cursor.execute("CREATE TEMPORARY TABLE used_before (a int); INSERT INTO used_before VALUES (1)")

        assert not import_services._temp_buffers_raised(cursor)  # PostgreSQL refuses it now

        cursor.execute("SHOW temp_buffers")
        assert cursor.fetchone() == (default,)
        cursor.execute("SELECT a FROM used_before")  # the transaction is still usable
        assert cursor.fetchall() == [(1,)]
    with _session() as fresh:
        cursor = fresh.cursor()

        assert import_services._temp_buffers_raised(cursor)

        cursor.execute("SHOW temp_buffers")
        assert cursor.fetchone() == ("1GB",)
    summary, _ = run(_rows(3), index_rebuild="always")  # and an import runs in either kind of session
    assert (summary.inserted, Seizure.objects.count()) == (3, 3)


def test_auto_rebuilds_only_when_the_new_rows_reach_the_threshold_and_the_table_size(operation, run, settings):
    settings.IMPORT_INDEX_REBUILD_MIN_ROWS = 3
    assert not run(_rows(2))[0].indexes_rebuilt  # fewer new rows than the threshold
    assert not run(_rows(4), name="b.csv")[0].indexes_rebuilt  # 2 new rows: below it again
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE operations_seizure")  # the table's size is PostgreSQL's estimate
    assert run([{**row, "external_ref": f"N-{i}"} for i, row in enumerate(_rows(5))], name="c.csv")[0].indexes_rebuilt
    settings.IMPORT_INDEX_REBUILD_MIN_ROWS = 0
    assert not run([{**row, "external_ref": f"M-{i}"} for i, row in enumerate(_rows(9))], name="d.csv")[
        0
    ].indexes_rebuilt


def test_an_arrest_mapping_naming_notes_is_refused_so_no_free_text_is_staged(operation, tmp_path):
    _, mapping_path = write_import(tmp_path, "arrests", [], extra='[defaults]\nnotes = "rider fled"')

    with pytest.raises(MappingError) as refused:
        mapping_read(mapping_path, kind=ARRESTS)

    assert str(refused.value) == import_errors.MAPPING_UNKNOWN_FIELD.format(
        field="notes", kind="arrests", known=", ".join(ARRESTS.fields)
    )


# --- Old uploads ---------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7


def _job(importer, *, status: str, finished_days_ago: float | None) -> ImportJob:
    job = ImportJob(
        kind="seizures",
        source_system="niche-test",
        mapping={},
        original_name="in.csv",
        size_bytes=3,
        status=status,
        created_by=importer,
        finished_at=None if finished_days_ago is None else NOW - timedelta(days=finished_days_ago),
    )
    job.upload.save(f"{job.pk}.csv", ContentFile(b"a,b"), save=False)
    job.save(force_insert=True)
    return job


@pytest.mark.django_db(transaction=True)
def test_uploads_of_imports_finished_longer_ago_than_the_setting_are_deleted(media, importer):
    old = _job(importer, status=JobStatus.COMPLETED, finished_days_ago=8)
    failed = _job(importer, status=JobStatus.FAILED, finished_days_ago=30)
    recent = _job(importer, status=JobStatus.COMPLETED, finished_days_ago=6)
    running = _job(importer, status=JobStatus.RUNNING, finished_days_ago=None)
    paths = {job.pk: job.upload.path for job in (old, failed, recent, running)}

    assert import_uploads_purge(now=NOW) == 2

    kept = {job.pk: job.upload.name for job in ImportJob.objects.all()}
    assert (kept[old.pk], kept[failed.pk]) == ("", "")
    assert kept[recent.pk] and kept[running.pk]
    assert [pk for pk, path in paths.items() if os.path.exists(path)] == [recent.pk, running.pk]
    event = AuditEvent.objects.get(endpoint="import_uploads_purge")
    assert (event.action, event.count) == (Action.ERASE, 2)
    assert import_uploads_purge(now=NOW) == 0  # nothing left to delete


@pytest.mark.django_db(transaction=True)
def test_the_purge_command_keeps_as_many_days_as_it_is_told(media, importer):
    recent = _job(importer, status=JobStatus.COMPLETED, finished_days_ago=2)
    recent.finished_at = datetime.now(UTC) - timedelta(days=2)
    recent.save(update_fields=["finished_at"])

    call_command("import_uploads_purge", "--keep-days", "3", stdout=io.StringIO())
    assert ImportJob.objects.get(pk=recent.pk).upload.name

    out = io.StringIO()
    call_command("import_uploads_purge", "--keep-days", "1", stdout=out)
    assert ImportJob.objects.get(pk=recent.pk).upload.name == ""
    assert out.getvalue().strip() == "Deleted 1 uploaded import files."


def test_a_bulk_load_of_operations_and_arrests_writes_and_updates_as_the_usual_way(operation, tmp_path, importer):
    def bulk(kind: str, rows: list[dict], name: str):
        path, mapping_path = write_import(tmp_path, kind, rows, name=name)
        return import_file(path=path, kind=kind, mapping=mapping_read(mapping_path, kind=KINDS[kind]), user=importer,
                           rejects_path=tmp_path / f"{name}.rejects.csv", now=NOW, index_rebuild="always")  # fmt: skip

    renamed = {"external_ref": "OP-1", "name": "Renamed", "team": "Ealing", "status": "completed",
               "started_at": T0.isoformat(), "ended_at": (T0 + timedelta(hours=6)).isoformat(),
               "longitude": "-0.3050", "latitude": "51.5128", "lead_officer": "importer"}  # fmt: skip
    new = {**renamed, "external_ref": "OP-2", "reference": "EAL-2", "name": "Night sweep"}
    summary = bulk("operations", [renamed, new], "ops.csv")

    assert (summary.indexes_rebuilt, summary.inserted, summary.updated) == (True, 1, 1)
    operation.refresh_from_db()
    assert (operation.name, operation.version, operation.lead_officer) == ("Renamed", 2, importer)
    arrest = {"external_ref": "A-1", "operation_ref": "EAL-2", "arrested_at": (T0 + timedelta(hours=1)).isoformat(),
              "longitude": "-0.3050", "latitude": "51.5128", "offence_category": "theft"}  # fmt: skip
    summary = bulk("arrests", [arrest], "ar.csv")
    assert (summary.indexes_rebuilt, summary.inserted) == (True, 1)
    stored = Arrest.objects.get()
    assert (stored.operation.reference, stored.borough.name, stored.version) == ("EAL-2", "Ealing", 1)


def test_a_bulk_load_into_a_table_holding_seizures_writes_what_the_usual_way_writes(operation, run, importer):
    run(_rows(2), index_rebuild="never")
    rows = _rows(4)
    rows[0]["notes"] = "corrected"  # a stored seizure that changes
    rows[3]["disposition"] = "destroyed"  # a new one with a second custody step

    summary, rejects = run(rows, index_rebuild="always", name="again.csv")

    assert (summary.indexes_rebuilt, summary.inserted, summary.updated, summary.unchanged) == (True, 2, 1, 1)
    assert rejects == []
    assert Seizure.objects.get(external_ref="S-1").version == 2
    assert [step for _, step, _, _ in _timeline("S-3")] == [CustodyStep.SEIZED]
    assert _timeline("S-4") == [
        (1, CustodyStep.SEIZED, SEIZED, "importer"),
        (2, CustodyStep.DESTROYED, NOW, "importer"),
    ]
    new = Seizure.objects.get(external_ref="S-4")
    assert (new.source, new.version, new.created_by, new.received_at) == ("import", 1, importer, NOW)
