"""An import's working tables: unlogged, in a schema of its own, so that PostgreSQL's parallel
workers can read them; temporary ones for a role that may not create a schema. Either way the
same rows are written and the same rejects reported."""

import pytest
from django.db import connection, transaction

from ebikeops.imports import services, sql
from ebikeops.imports.kinds import SEIZURES
from ebikeops.imports.mapping import mapping_read
from ebikeops.imports.sources import source_open
from ebikeops.operations.models import CustodyEvent, Seizure
from tests.factories import T0

from .files import write_import
from .test_import_seizures import _rows

NOW = T0.replace(year=2026)


def _mixed(*, unparsable_time: bool) -> list[dict]:
    """Good rows and rows breaking rules of several kinds (and, if asked, a time of the usual
    shape that is no time, which sends the parse to the safe parsers: an error raised in a
    worker)."""
    rows = _rows(6)
    rows[1]["accuracy_m"] = "250"
    rows[2].update(longitude="51.5128", latitude="-0.3050")  # swapped
    rows[3]["vehicle_type"] = "hovercraft"
    rows[4]["external_ref"] = "S-1"  # the first row wins
    if unparsable_time:
        rows[5]["seized_at"] = "2025-02-30 10:00:00"
    return rows


def _parallel_forced(cursor) -> None:
    """Until the test's transaction ends: every parallel-safe plan runs in a worker, and the
    planner prefers parallel plans even for a few rows."""
    cursor.execute("SHOW server_version_num")
    force = "debug_parallel_query" if int(cursor.fetchone()[0]) >= 160000 else "force_parallel_mode"
    cursor.execute("SELECT set_config(%s, 'on', true)", [force])
    for name in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
        cursor.execute("SELECT set_config(%s, '0', true)", [name])


def _outcome(result: tuple) -> tuple:
    """What an import found: its counts and its rejects (not its timings)."""
    summary, rejects = result
    return (summary.rows, summary.accepted, summary.inserted, summary.updated, summary.rejected, rejects)


def _select_of(statement: str) -> str:
    """The SELECT of a `CREATE UNLOGGED TABLE … AS` statement (up to the next statement)."""
    return statement.split(" AS\n", 1)[1].split(";", 1)[0]


def _as_a_role_without_create_on_the_database(grants: str = "") -> None:
    """The rest of the test's transaction as a role that may use the tables (and whatever
    `grants` adds) but not create a schema: the import then has none of its own. All rolled
    back with the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE import_test_no_schema")
        cursor.execute(
            "GRANT USAGE ON SCHEMA public TO import_test_no_schema;"
            "GRANT ALL ON ALL TABLES IN SCHEMA public TO import_test_no_schema;"
            "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO import_test_no_schema;"
            f"{grants}SET LOCAL ROLE import_test_no_schema"
        )
        with transaction.atomic():
            assert services._own_schema(cursor) is None  # no CREATE on the database
            transaction.set_rollback(True)


def test_the_parse_places_duplicates_rules_and_new_rows_can_run_in_parallel_workers(operation, tmp_path):
    path, mapping_path = write_import(tmp_path, "seizures", _mixed(unparsable_time=False))
    mapping = mapping_read(mapping_path, kind=SEIZURES)
    params = services._params(SEIZURES, mapping, user=None, now=NOW)
    with transaction.atomic(), connection.cursor() as cursor:
        assert services._own_schema(cursor) is not None
        with source_open(path, delimiter=mapping.delimiter) as source:
            services._stage(cursor, source, SEIZURES, mapping, services._quiet, temporary=False)
        services._validate(cursor, SEIZURES, params, {}, temporary=False)
        _parallel_forced(cursor)

        write = sql.WRITE["seizures"]
        for statement in (sql.TYPED["seizures"], sql.PLACES, sql.DUPES, sql.CUSTODY_LAST, sql.REJECTS["seizures"],
                          write["bulk_rows"], write["bulk_rows_empty"]):  # fmt: skip
            cursor.execute("EXPLAIN " + _select_of(statement), params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
            # No Gather: something in the statement is not parallel safe (a temporary table, a
            # function not marked PARALLEL SAFE), and a large import would run it on one core.
            assert "Gather" in plan, plan
        transaction.set_rollback(True)


@pytest.mark.parametrize("unparsable_time", [False, True])
def test_parallel_workers_give_the_same_rows_and_rejects(operation, run_import, unparsable_time):
    rows = _mixed(unparsable_time=unparsable_time)
    serial = run_import("seizures", rows, dry_run=True)
    with connection.cursor() as cursor:
        _parallel_forced(cursor)

    parallel = run_import("seizures", rows, dry_run=True)
    summary, rejects = run_import("seizures", rows)

    assert _outcome(parallel) == _outcome(serial)
    assert [r["field"] for r in rejects] == ["accuracy_m", "point", "vehicle_type", "external_ref"] + (
        ["seized_at"] if unparsable_time else []
    )
    assert rejects == serial[1]
    assert (summary.inserted, Seizure.objects.count()) == (6 - len(rejects), 6 - len(rejects))


def test_a_role_that_may_not_create_a_schema_imports_in_temporary_tables(operation, run_import):
    rows = _mixed(unparsable_time=True)
    expected = run_import("seizures", rows, dry_run=True)
    _as_a_role_without_create_on_the_database()

    assert _outcome(run_import("seizures", rows, dry_run=True)) == _outcome(expected)
    summary, rejects = run_import("seizures", rows)
    assert rejects == expected[1]
    assert summary.inserted == Seizure.objects.count() == expected[0].inserted


def test_a_bulk_load_without_a_schema_computes_its_new_rows_in_temporary_tables(operation, tmp_path, importer):
    path, mapping_path = write_import(tmp_path, "seizures", _mixed(unparsable_time=False))
    # A bulk load drops and builds the tables' indexes: only their owner may, with CREATE on
    # their schema (not on the database: no schema of the import's own).
    _as_a_role_without_create_on_the_database(
        "GRANT CREATE ON SCHEMA public TO import_test_no_schema;"
        "ALTER TABLE operations_seizure OWNER TO import_test_no_schema;"
        "ALTER TABLE operations_custodyevent OWNER TO import_test_no_schema;"
    )

    summary = services.import_file(path=path, kind="seizures", mapping=mapping_read(mapping_path, kind=SEIZURES),
                                   user=importer, now=NOW, index_rebuild="always")  # fmt: skip

    assert (summary.indexes_rebuilt, summary.inserted, summary.rejected) == (True, 2, 4)
    assert Seizure.objects.count() == 2
    assert CustodyEvent.objects.filter(seizure__in=Seizure.objects.all()).count() == 2
    assert "CREATE TEMPORARY TABLE import_new" in sql.temporary(sql.WRITE["seizures"]["bulk_rows_empty"])
