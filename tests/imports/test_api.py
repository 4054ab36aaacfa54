"""POST /api/v1/imports/ (multipart), run by the worker (eager in tests), polled by GET."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ebikeops.imports.models import ImportJob
from ebikeops.imports.progress import job_progress
from ebikeops.operations.models import Seizure

from .files import COLUMNS, mapping_text

URL = "/api/v1/imports/"
ROWS = [
    ["S-1", "OP-1", "2025-11-29T13:30:00Z", "-0.3050", "51.5128", "8", "e_bike", "non_compliant_eapc",
     "pra_2002_s59", "", "", "", ""],
    ["S-2", "OP-1", "2025-11-29T13:40:00Z", "2.3522", "48.8566", "8", "e_bike", "non_compliant_eapc",
     "pra_2002_s59", "", "", "", ""],
]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(**changes) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS["seizures"].values())
    writer.writerows(ROWS)
    return {
        "kind": "seizures",
        "file": SimpleUploadedFile("seizures.csv", out.getvalue().encode(), content_type="text/csv"),
        "mapping": SimpleUploadedFile("mapping.toml", mapping_text("seizures").encode()),
        **changes,
    }


@pytest.mark.parametrize("role", ["analyst", "commander"])
def test_analysts_and_commanders_import_and_poll_the_job(role, request, operation, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(f"{role}_client")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _upload(), format="multipart")
    assert response.status_code == 202, response.content
    job_url = response["Location"]

    job = client.get(job_url).json()

    assert job["status"] == "completed", job
    assert job["created_by"] == client.user.username
    summary = job["summary"]
    assert (summary["rows"], summary["inserted"], summary["rejected"]) == (2, 1, 1)
    assert Seizure.objects.get().external_ref == "S-1"
    rejects = client.get(job["rejects_url"])
    assert rejects.status_code == 200
    assert rejects["Content-Type"] == "text/csv"
    body = b"".join(rejects.streaming_content).decode()
    assert body.splitlines() == ["row,field,message", "2,point,The point is outside Greater London."]
    assert summary["indexes_rebuilt"] is False


def test_an_upload_never_locks_the_tables_for_a_bulk_rebuild(
    analyst_client, settings, operation, django_capture_on_commit_callbacks
):
    # Even where the command line's `auto` would rebuild (any new row counts as bulk here),
    # an upload keeps the row-by-row write that takes only row locks: officers sync meanwhile.
    settings.IMPORT_INDEX_REBUILD_MIN_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(URL, _upload(), format="multipart")
    job = analyst_client.get(response["Location"]).json()
    assert job["status"] == "completed", job
    assert (job["summary"]["inserted"], job["summary"]["indexes_rebuilt"]) == (1, False)


def test_officers_may_not_import_or_read_imports(officer_client, operation):
    response = officer_client.post(URL, _upload(), format="multipart")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert not ImportJob.objects.exists()


def test_anonymous_callers_are_refused(anon_client):
    assert anon_client.post(URL, _upload(), format="multipart").status_code == 401


def test_a_dry_run_through_the_api_writes_nothing(analyst_client, operation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(URL, _upload(dry_run="true"), format="multipart")
    job = analyst_client.get(response["Location"]).json()
    assert (job["status"], job["dry_run"], job["summary"]["accepted"]) == ("completed", True, 1)
    assert not Seizure.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_413(analyst_client, settings, operation):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = analyst_client.post(URL, _upload(), format="multipart")
    assert response.status_code == 413
    assert "at most 100 bytes" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_a_bad_mapping_is_a_400_naming_the_field(analyst_client, operation):
    bad = SimpleUploadedFile("mapping.toml", b'timezone = "UTC"\n')
    response = analyst_client.post(URL, _upload(mapping=bad, kind="lorries"), format="multipart")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}
    bad = SimpleUploadedFile("mapping.toml", b'timezone = "UTC"\n')
    response = analyst_client.post(URL, _upload(mapping=bad), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {"mapping": ["The mapping must name the source_system the records come from."]}


def test_a_mapping_naming_a_missing_column_fails_the_job_with_the_reason(
    analyst_client, operation, django_capture_on_commit_callbacks
):
    mapping = SimpleUploadedFile("mapping.toml", mapping_text("seizures").replace('"LAT"', '"LATITUDE"').encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(URL, _upload(mapping=mapping), format="multipart")
    job = analyst_client.get(response["Location"]).json()
    assert job["status"] == "failed"
    assert job["error"] == "The mapping names the column 'LATITUDE' for 'latitude', but the file has no such column."
    assert job["rejects_url"] is None


def test_a_running_job_reports_its_progress(analyst_client, analyst, operation):
    job = ImportJob.objects.create(kind="seizures", source_system="x", mapping={}, original_name="a.csv",
                                   size_bytes=10, status="running", created_by=analyst)  # fmt: skip
    job_progress(job.pk)("copy", 512, 2048)
    body = analyst_client.get(f"{URL}{job.pk}/").json()
    assert body["progress"] == {"phase": "copy", "done": 512, "total": 2048, "percent": 25}


def test_a_file_type_the_importer_does_not_read_is_a_400(analyst_client, operation):
    upload = SimpleUploadedFile("seizures.xlsx", b"PK...")
    response = analyst_client.post(URL, _upload(file=upload), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "Unsupported file type '.xlsx': use .csv, .geojson, .json, .gpkg or .shp (zipped)."
    ]


def test_polling_a_job_costs_two_queries(analyst_client, analyst, django_assert_num_queries):
    job = ImportJob.objects.create(kind="seizures", source_system="x", mapping={}, original_name="a.csv",
                                   size_bytes=10, status="completed", created_by=analyst)  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(summary={"rows": 1})
    # Expect 3 queries: the token with its user, the job with its creator, the read's audit event.
    with django_assert_num_queries(3):
        response = analyst_client.get(f"{URL}{job.pk}/")
    assert response.json()["summary"] == {"rows": 1}


def test_the_worker_deletes_the_uploads_of_imports_finished_longer_ago_than_the_setting(
    analyst_client, operation, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(URL, _upload(), format="multipart")
    old = ImportJob.objects.get()
    old_file = Path(old.upload.path)
    assert old_file.exists()
    ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))

    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post(URL, _upload(), format="multipart")

    assert ImportJob.objects.get(pk=old.pk).upload.name == ""
    assert not old_file.exists()
    assert Path(ImportJob.objects.exclude(pk=old.pk).get().upload.path).exists()  # finished just now: kept
