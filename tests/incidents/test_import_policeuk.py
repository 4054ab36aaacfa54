"""import_policeuk on the shared real files: counts as the realdata README gives them."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from ebikeops.incidents.models import Incident
from ebikeops.incidents.services import incidents_import, policeuk_files

from .policeuk import COLP, HEADER, MPS, reference


def test_city_of_london_2025_counts_match_the_readme(boroughs):
    files = sorted(COLP.glob("2025-*.csv"))
    summary = incidents_import(paths=files)

    # realdata README, per-file inventory: 8,875 rows, 625 without location, 29 outside London.
    assert (summary.files, summary.rows, summary.no_location, summary.outside_london) == (12, 8_875, 625, 29)
    assert summary.accepted == 8_875 - 625 - 29
    expected = reference(files)
    assert (expected["rows"], expected["no_location"], expected["outside"]) == (8_875, 625, 29)
    assert summary.incidents == summary.inserted == Incident.objects.count() == expected["incidents"]
    assert summary.merged == summary.accepted - expected["incidents"]
    assert not Incident.objects.filter(borough__isnull=True).exists()


def test_every_city_of_london_file_counts_as_the_readme_says(boroughs, tmp_path):
    rejects = tmp_path / "rejects.csv"
    call_command("import_policeuk", str(COLP), no_progress=True, rejects=str(rejects))

    assert Incident.objects.filter(month__year=2020).exclude(borough=None).count() > 0
    lines = rejects.read_text().splitlines()
    assert len(lines) == 1 + 29  # header + the 29 CoLP 2025 rows outside Greater London
    assert all("outside Greater London" in line for line in lines[1:])
    assert Incident.objects.count() == reference(policeuk_files(COLP))["incidents"]


def test_every_metropolitan_burglary_file_counts_as_the_readme_says(boroughs):
    summary = incidents_import(paths=policeuk_files(MPS))

    assert (summary.files, summary.rows, summary.no_location, summary.outside_london) == (26, 116_973, 1_275, 88)
    assert set(Incident.objects.values_list("crime_type", flat=True).distinct()) == {"Burglary"}
    assert Incident.objects.count() == reference(policeuk_files(MPS))["incidents"]


def test_importing_again_changes_nothing_and_a_new_outcome_updates_the_incident(boroughs, tmp_path):
    source = COLP / "2025-01-city-of-london-street.csv"
    first = incidents_import(paths=[source])
    again = incidents_import(paths=[source])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.incidents)

    lines = source.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if i and line.split(",")[0] and line.split(",")[4])
    crime_id = lines[row].split(",")[0]
    parts = lines[row].split(",")
    parts[10] = "Offender given a caution"
    lines[row] = ",".join(parts)
    later = tmp_path / "2025-01-city-of-london-street.csv"
    later.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    corrected = incidents_import(paths=[later])
    assert (corrected.inserted, corrected.updated) == (0, 1)
    assert Incident.objects.get(key=crime_id).last_outcome == "Offender given a caution"
    assert Incident.objects.count() == first.incidents


def test_rows_outside_london_are_kept_without_a_borough_when_asked(boroughs):
    summary = incidents_import(paths=[COLP / "2025-05-city-of-london-street.csv"], keep_outside=True)
    assert summary.outside_london == 7  # README: 2025-05 has 7 rows outside
    assert Incident.objects.filter(borough__isnull=True).count() == 7


def test_a_dry_run_counts_and_writes_nothing(boroughs):
    summary = incidents_import(paths=[MPS / "2023-10-metropolitan-street.csv"], dry_run=True)
    assert (summary.rows, summary.no_location, summary.outside_london) == (4_923, 378, 2)
    assert not Incident.objects.exists()


def test_a_file_that_is_not_police_uk_stops_the_import(boroughs, tmp_path):
    good = tmp_path / "a.csv"
    shutil.copy(COLP / "2020-01-city-of-london-street.csv", good)
    bad = tmp_path / "b.csv"
    bad.write_text("Ref,When\nX,2025-01\n")
    with pytest.raises(CommandError, match=r"not a police\.uk street-level CSV"):
        call_command("import_policeuk", str(tmp_path), no_progress=True)
    assert not Incident.objects.exists()


def test_anti_social_behaviour_rows_without_an_id_are_kept_apart_even_when_identical(boroughs, tmp_path):
    force = "City of London Police"
    row = f",2025-01,{force},{force},-0.09,51.515,On or near X,E01,City 001,Anti-social behaviour,,"
    path = tmp_path / "2025-01-x-street.csv"
    path.write_text(f"{HEADER}\n{row}\n{row}\n")
    assert incidents_import(paths=[path]).inserted == 2
    assert incidents_import(paths=[path]).unchanged == 2
    assert Incident.objects.count() == 2
