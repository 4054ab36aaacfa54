"""Seizure photos: content checks, pending until the seizure arrives, storage, roles."""

import uuid

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from ebikeops.operations import errors
from ebikeops.operations.models import SeizurePhoto
from tests.factories import SeizureFactory
from tests.sync import images

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, seizure_id, content: bytes, content_type: str, name: str = "photo.jpg", photo_id=None):
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type)}
    if photo_id:
        data["id"] = str(photo_id)
    return client.post(f"/api/v1/seizures/{seizure_id}/photos/", data, format="multipart")


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_stores_a_jpeg_and_serves_it_back_to_officers(officer_client, commander_client, media_root):
    seizure = SeizureFactory(created_by=officer_client.user)
    content = images.jpeg()
    response = upload(officer_client, seizure.pk, content, "image/jpeg")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "attached" and body["content_type"] == "image/jpeg"
    assert body["size_bytes"] == len(content) and body["seizure"] == str(seizure.pk)
    [path] = stored_files(media_root)
    assert path.read_bytes() == content
    got = commander_client.get(body["url"])
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content) == content
    assert got["X-Content-Type-Options"] == "nosniff"
    listed = officer_client.get(f"/api/v1/seizures/{seizure.pk}/photos/").json()
    assert [p["id"] for p in listed] == [body["id"]]


def test_a_photo_with_a_lying_content_type_is_refused(officer_client, media_root):
    seizure = SeizureFactory(created_by=officer_client.user)
    response = upload(officer_client, seizure.pk, images.png(), "image/jpeg", name="photo.jpg")
    assert response.status_code == 415
    assert response.json()["detail"] == errors.PHOTO_TYPE_MISMATCH.format(declared="image/jpeg", detected="image/png")
    script = b"<html><script>alert(1)</script></html>"
    assert upload(officer_client, seizure.pk, script, "image/png", name="photo.png").status_code == 415
    assert SeizurePhoto.objects.count() == 0 and stored_files(media_root) == []


def test_a_truncated_png_is_refused(officer_client, media_root):
    seizure = SeizureFactory(created_by=officer_client.user)
    response = upload(officer_client, seizure.pk, images.png()[:-8], "image/png", name="photo.png")
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [errors.PHOTO_TRUNCATED.format(detected="image/png")]
    assert SeizurePhoto.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused_with_413(officer_client, settings, media_root):
    settings.PHOTO_MAX_BYTES = 100
    seizure = SeizureFactory(created_by=officer_client.user)
    response = upload(officer_client, seizure.pk, images.jpeg(b"x" * 150), "image/jpeg")
    assert response.status_code == 413
    assert SeizurePhoto.objects.count() == 0 and stored_files(media_root) == []


def test_a_photo_may_arrive_before_its_seizure_and_is_attached_when_it_does(officer_client, officer, boroughs):
    seizure_id = uuid.uuid4()
    early = upload(officer_client, seizure_id, images.png(), "image/png", name="p.png")
    assert early.status_code == 201 and early.json()["status"] == "pending"
    SeizureFactory(id=seizure_id)
    [listed] = officer_client.get(f"/api/v1/seizures/{seizure_id}/photos/").json()
    assert listed["status"] == "attached"


def test_re_sending_a_photo_id_is_safe_and_reusing_it_for_other_bytes_is_refused(officer_client, media_root):
    seizure = SeizureFactory(created_by=officer_client.user)
    photo_id = uuid.uuid4()
    first = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg", photo_id=photo_id)
    again = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg", photo_id=photo_id)
    other = upload(officer_client, seizure.pk, images.jpeg(b"other"), "image/jpeg", photo_id=photo_id)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json() == first.json()
    assert SeizurePhoto.objects.count() == 1 and len(stored_files(media_root)) == 1


class ShortWritingStorage(FileSystemStorage):
    """A disk that silently keeps only part of what it is given."""

    def _save(self, name, content):
        return super()._save(name, type(content)(content.read()[:10]))


def test_a_photo_is_never_reported_stored_when_storage_lost_it(officer_client, settings, media_root):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.ShortWritingStorage"}}
    seizure = SeizureFactory(created_by=officer_client.user)
    officer_client.raise_request_exception = False
    response = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg")
    assert response.status_code == 500
    assert SeizurePhoto.objects.count() == 0
    assert stored_files(media_root) == []


def test_deleting_a_seizure_removes_its_photos_and_refuses_new_ones(
    officer_client, commander_client, media_root, django_capture_on_commit_callbacks
):
    seizure = SeizureFactory(created_by=officer_client.user)
    assert upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert commander_client.delete(f"/api/v1/seizures/{seizure.pk}/").status_code == 204
    assert SeizurePhoto.objects.count() == 0 and stored_files(media_root) == []
    late = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg")
    assert late.status_code == 410


def test_analysts_may_not_upload_list_or_download_photos(analyst_client, officer_client, anon_client):
    seizure = SeizureFactory(created_by=officer_client.user)
    photo = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg").json()
    assert upload(analyst_client, seizure.pk, images.jpeg(), "image/jpeg").status_code == 403
    assert analyst_client.get(f"/api/v1/seizures/{seizure.pk}/photos/").status_code == 403
    assert analyst_client.get(photo["url"]).status_code == 403
    assert anon_client.get(photo["url"]).status_code == 401
    assert SeizurePhoto.objects.count() == 1


def test_listing_photos_costs_the_same_queries_for_many(officer_client, django_assert_num_queries):
    seizure = SeizureFactory(created_by=officer_client.user)
    for shade in range(5):
        assert upload(officer_client, seizure.pk, images.png(shade=shade), "image/png", name="p.png").status_code == 201
    # token lookup + one query for the photos with their `attached` flag
    with django_assert_num_queries(3):  # + the audit event of the read
        listed = officer_client.get(f"/api/v1/seizures/{seizure.pk}/photos/").json()
    assert len(listed) == 5 and {p["status"] for p in listed} == {"attached"}
