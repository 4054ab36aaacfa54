"""import_seizures (and its siblings) end to end on real PostGIS: mapping, rejects, re-import."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from ebikeops.core.models import Source
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests import places
from tests.factories import T0

from .files import read_rejects, write_import

GOOD = {
    "operation_ref": "OP-1",
    "seized_at": "2025-11-29T13:30:00Z",
    "longitude": "-0.3050",
    "latitude": "51.5128",
    "accuracy_m": "8",
    "vehicle_type": "e_bike",
    "reason": "non_compliant_eapc",
    "power": "pra_2002_s59",
    "make": "Sur-Ron",
    "frame_number": "WTU1",
    "notes": "rider fled",
}


def _rows(n: int, **changes) -> list[dict]:
    return [{**GOOD, "external_ref": f"S-{i}", **changes} for i in range(1, n + 1)]


def test_it_writes_every_valid_row_once_with_its_borough_and_source(operation, run_import, importer):
    summary, rejects = run_import("seizures", _rows(3))

    assert (summary.rows, summary.accepted, summary.inserted, summary.rejected) == (3, 3, 3, 0)
    assert rejects == []
    seizures = Seizure.objects.filter(source_system="niche-test").order_by("external_ref")
    assert [s.external_ref for s in seizures] == ["S-1", "S-2", "S-3"]
    first = seizures[0]
    assert first.operation == operation
    assert first.borough.name == "Ealing"
    assert (first.point.x, first.point.y) == (-0.3050, 51.5128)
    assert first.seized_at == datetime(2025, 11, 29, 13, 30, tzinfo=UTC)
    assert (first.source, first.version, first.created_by, first.disposition) == (Source.IMPORT, 1, importer, "held")
    assert (first.make, first.frame_number, first.notes) == ("Sur-Ron", "WTU1", "rider fled")


def test_it_changes_nothing_when_the_same_file_is_imported_again(operation, run_import):
    run_import("seizures", _rows(3))
    before = list(Seizure.objects.order_by("external_ref").values_list("id", "version", "updated_at"))

    summary, _ = run_import("seizures", _rows(3))

    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, 3)
    assert list(Seizure.objects.order_by("external_ref").values_list("id", "version", "updated_at")) == before


def test_a_corrected_row_updates_its_record_and_bumps_the_version(operation, run_import):
    run_import("seizures", _rows(2))
    corrected = _rows(2)
    corrected[1]["disposition"] = "returned"

    summary, _ = run_import("seizures", corrected)

    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    record = Seizure.objects.get(external_ref="S-2")
    assert (record.disposition, record.version) == ("returned", 2)
    assert Seizure.objects.get(external_ref="S-1").version == 1


def test_the_same_reference_from_another_source_system_is_another_record(operation, run_import):
    run_import("seizures", _rows(1))
    summary, _ = run_import("seizures", _rows(1), source_system="other-system", name="other.csv")
    # OP-1 is known to niche-test only; for other-system the operation is found by its reference.
    assert summary.rejected == 1
    summary, _ = run_import("seizures", _rows(1, operation_ref="EAL-2025-001"), source_system="other-system")
    assert summary.inserted == 1
    assert Seizure.objects.filter(external_ref="S-1").count() == 2


def test_a_dry_run_checks_and_counts_but_writes_nothing(operation, run_import):
    summary, rejects = run_import("seizures", [*_rows(2), {**GOOD, "external_ref": "S-9", "vehicle_type": "tank"}])

    assert Seizure.objects.count() == 2
    summary, rejects = run_import("seizures", [*_rows(3), {**GOOD, "external_ref": "S-9", "vehicle_type": "tank"}],
                                  dry_run=True)  # fmt: skip

    assert (summary.accepted, summary.rejected, summary.inserted, summary.updated) == (3, 1, 1, 2)
    assert [r["message"] for r in rejects] == ["Value 'tank' is not a valid choice."]
    assert Seizure.objects.count() == 2


def test_every_bad_value_is_in_the_rejects_file_with_its_row_field_and_message(operation, run_import):
    rows = [
        {**GOOD, "external_ref": "S-1"},
        {**GOOD, "external_ref": "", "seized_at": "29/11/2025 13:30"},
        {**GOOD, "external_ref": "S-3", "longitude": "west", "accuracy_m": "-3"},
        {**GOOD, "external_ref": "S-4", "operation_ref": "OP-404", "reason": "", "make": "x" * 61},
        {**GOOD, "external_ref": "S-1", "seized_at": "2025-02-30T10:00:00Z", "accuracy_m": "eight"},
        {**GOOD, "external_ref": "S-6", "latitude": "", "disposition": "lost"},
    ]
    summary, rejects = run_import("seizures", rows)

    assert (summary.rows, summary.accepted, summary.rejected, summary.problems) == (6, 1, 5, len(rejects))
    got = [(int(r["row"]), r["field"], r["message"]) for r in rejects]
    assert got == [
        (2, "external_ref", "This field cannot be blank."),
        (2, "seized_at", "“29/11/2025 13:30” value has an invalid format. It must be in YYYY-MM-DD "
                         "HH:MM[:ss[.uuuuuu]][TZ] format."),
        (3, "accuracy_m", "Ensure this value is greater than or equal to 0."),
        (3, "point", "“west” is not a number of degrees (or metres, in the mapping's CRS)."),
        (4, "make", "Ensure this value has at most 60 characters (it has 61)."),
        (4, "operation", "No operation with the external reference 'OP-404' from this source system, nor with "
                         "this reference."),
        (4, "reason", "This field cannot be blank."),
        (5, "accuracy_m", "“eight” value must be a float."),
        (5, "external_ref", "Row 1 of this file already has this external reference."),
        (5, "seized_at", "“2025-02-30T10:00:00Z” value has an invalid format. It must be in YYYY-MM-DD "
                         "HH:MM[:ss[.uuuuuu]][TZ] format."),
        (6, "disposition", "Value 'lost' is not a valid choice."),
        (6, "point", "This field cannot be blank."),
    ]  # fmt: skip
    assert list(Seizure.objects.values_list("external_ref", flat=True)) == ["S-1"]


def test_value_maps_defaults_and_the_time_zone_of_naive_times_apply(operation, tmp_path, importer):
    row = {**GOOD, "external_ref": "S-1", "vehicle_type": "PEDAL CYCLE (E)", "seized_at": "2025-11-29 13:30"}
    path, mapping = write_import(tmp_path, "seizures", [{**row, "power": None}])
    mapping.write_text(
        mapping.read_text().replace('timezone = "UTC"', 'timezone = "Europe/London"').replace('power = "POWER"\n', "")
        + '[defaults]\npower = "rta_1988_s165a"\n[values.vehicle_type]\n"PEDAL CYCLE (E)" = "e_bike"\n'
    )
    call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True, user="importer")

    seizure = Seizure.objects.get()
    assert (seizure.vehicle_type, seizure.power) == ("e_bike", "rta_1988_s165a")
    assert seizure.seized_at == datetime(2025, 11, 29, 13, 30, tzinfo=UTC)  # GMT in November
    assert seizure.created_by == importer
    summary = json.loads((tmp_path / "in.csv.summary.json").read_text())
    assert (summary["inserted"], summary["rejected"]) == (1, 0)


def test_british_national_grid_columns_are_reprojected(operation, tmp_path):
    # Ealing Broadway station in BNG metres (EPSG:27700); swapped or absurd values are outside.
    rows = [
        {**GOOD, "external_ref": "S-1", "longitude": "517870", "latitude": "180760"},
        {**GOOD, "external_ref": "S-2", "longitude": "9e15", "latitude": "180760"},
        {**GOOD, "external_ref": "S-3", "longitude": "473000", "latitude": "173000"},  # Reading
    ]
    path, mapping = write_import(tmp_path, "seizures", rows, extra='crs = "EPSG:27700"')
    call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)

    seizure = Seizure.objects.get()
    assert seizure.point.distance(places.EALING_BROADWAY) < 0.005  # degrees: a few hundred metres at most
    assert seizure.borough.name == "Ealing"
    rejects = read_rejects(tmp_path / "in.csv.rejects.csv")
    assert [(r["row"], r["message"]) for r in rejects] == [
        ("2", "The point is outside Greater London."),
        ("3", "The point is outside Greater London."),
    ]


def test_crlf_line_endings_and_a_byte_order_mark_are_read(operation, tmp_path):
    path, mapping = write_import(tmp_path, "seizures", _rows(2))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)
    assert Seizure.objects.count() == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda m: m.replace('operation_ref = "OP"', 'operation_ref = "OPERATION"'), "no such column"),
        (lambda m: m.replace('reason = "REASON"\n', ""), "required field 'reason'"),
        (lambda m: m.replace('timezone = "UTC"', 'timezone = "Mars/Olympus"'), "Unknown time zone"),
        (lambda m: m + 'wheels = "WHEELS"\n', "which seizures do not have"),
        (lambda m: m.replace("source_system", "system"), "source_system"),
        (lambda m: m + "[[[", "not valid TOML"),
    ],
)
def test_a_mapping_that_cannot_be_used_stops_the_import_and_writes_nothing(operation, tmp_path, mutate, message):
    path, mapping = write_import(tmp_path, "seizures", _rows(2))
    mapping.write_text(mutate(mapping.read_text()))
    with pytest.raises(CommandError, match=message):
        call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)
    assert Seizure.objects.count() == 0


def test_a_malformed_line_stops_the_import_and_nothing_is_half_written(operation, tmp_path):
    path, mapping = write_import(tmp_path, "seizures", _rows(3))
    path.write_text(path.read_text() + "S-4,OP-1,only three\n")
    with pytest.raises(CommandError, match=r"could not be read as CSV.*line 5"):
        call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)
    assert Seizure.objects.count() == 0


def test_operations_then_their_seizures_and_arrests_import_from_one_source(boroughs, run_import):
    _, rejects = run_import(
        "operations",
        [
            {"external_ref": "OP-7", "reference": "EAL-7", "name": "Night sweep", "team": "Ealing",
             "status": "completed", "started_at": "2025-11-29T18:00:00Z", "ended_at": "2025-11-29T23:00:00Z",
             "longitude": "-0.3020", "latitude": "51.5130", "officer_count": "6", "lead_officer": "importer"},
            {"external_ref": "OP-8", "name": "Ghost", "team": "Ealing", "started_at": "2025-11-29T18:00:00Z",
             "longitude": "-0.3020", "latitude": "51.5130", "officer_count": "many", "lead_officer": "nobody"},
        ],
        name="ops.csv",
    )  # fmt: skip
    assert [(r["row"], r["field"], r["message"]) for r in rejects] == [
        ("2", "lead_officer", "No user named 'nobody'."),
        ("2", "officer_count", "“many” value must be an integer."),
    ]
    op = Operation.objects.get(external_ref="OP-7")
    assert (op.borough.name, op.officer_count, op.lead_officer.username, op.source) == (
        "Ealing",
        6,
        "importer",
        "import",
    )

    run_import("seizures", [{**GOOD, "external_ref": "S-1", "operation_ref": "OP-7",
                             "seized_at": "2025-11-29T19:00:00Z"}], name="sz.csv")  # fmt: skip
    _, rejects = run_import(
        "arrests",
        [{"external_ref": "A-1", "operation_ref": "EAL-7", "arrested_at": "2025-11-29T19:10:00Z",
          "longitude": "-0.3020", "latitude": "51.5130", "offence_category": "Theft"}],
        name="ar.csv",
        extra="",
    )  # fmt: skip
    assert rejects == [{"row": "1", "field": "offence_category", "message": "Value 'Theft' is not a valid choice."}]
    assert Seizure.objects.get().operation == op
    assert not Arrest.objects.exists()


def test_an_operation_import_updates_its_window_and_keeps_the_id(operation, run_import):
    row = {"external_ref": "OP-1", "name": "Renamed", "team": "Ealing", "status": "completed",
           "started_at": T0.isoformat(), "ended_at": (T0 + timedelta(hours=6)).isoformat(),
           "longitude": "-0.3050", "latitude": "51.5128"}  # fmt: skip
    summary, rejects = run_import("operations", [row], name="ops.csv")
    assert rejects == []
    assert (summary.inserted, summary.updated) == (0, 1)
    operation.refresh_from_db()
    assert (operation.name, operation.version, operation.ended_at) == ("Renamed", 2, T0 + timedelta(hours=6))
