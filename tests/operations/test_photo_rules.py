"""Who may add and remove a seizure's photos, how many may wait for a seizure, and how a photo
is served (issue 12, item 5: a JPEG-magic HTML polyglot must never render as a page)."""

import uuid

import pytest

from ebikeops.operations import errors
from ebikeops.operations.models import SeizurePhoto
from tests.factories import OperationFactory, SeizureFactory
from tests.operations.test_photos import upload
from tests.sync import images

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_an_officer_may_not_add_photos_to_another_officers_seizure(officer_client, other_officer_client):
    seizure = SeizureFactory(created_by=officer_client.user, operation=OperationFactory(lead_officer=None))
    response = upload(other_officer_client, seizure.pk, images.jpeg(), "image/jpeg")
    assert response.status_code == 403, response.json()
    assert response.json()["detail"] == errors.PHOTO_FORBIDDEN
    assert not SeizurePhoto.objects.exists()


def test_the_seizures_officer_and_a_commander_may_add_photos(officer_client, commander_client):
    seizure = SeizureFactory(created_by=officer_client.user)
    assert upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg").status_code == 201
    assert upload(commander_client, seizure.pk, images.png(), "image/png", name="p.png").status_code == 201
    assert SeizurePhoto.objects.filter(seizure_id=seizure.pk).count() == 2


def test_only_the_seizures_officer_or_a_commander_deletes_a_photo(
    officer_client, other_officer_client, commander_client, django_capture_on_commit_callbacks, media_root
):
    seizure = SeizureFactory(created_by=officer_client.user, operation=OperationFactory(lead_officer=None))
    first = upload(officer_client, seizure.pk, images.jpeg(), "image/jpeg").json()
    second = upload(officer_client, seizure.pk, images.png(), "image/png", name="p.png").json()
    assert other_officer_client.delete(f"/api/v1/photos/{first['id']}/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert officer_client.delete(f"/api/v1/photos/{first['id']}/").status_code == 204
        assert commander_client.delete(f"/api/v1/photos/{second['id']}/").status_code == 204
    assert not SeizurePhoto.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()], "the files go with the rows"


def test_pending_photos_are_limited_per_user(officer_client, other_officer_client, settings):
    settings.PHOTO_MAX_PENDING_PER_USER = 2
    for _ in range(2):
        assert upload(officer_client, uuid.uuid4(), images.jpeg(), "image/jpeg").status_code == 201
    refused = upload(officer_client, uuid.uuid4(), images.jpeg(), "image/jpeg")
    assert refused.status_code == 400
    assert refused.json()["errors"]["file"] == [errors.PHOTO_PENDING_LIMIT.format(count=2, limit=2)]
    # The limit is each user's own: another officer still has room.
    assert upload(other_officer_client, uuid.uuid4(), images.jpeg(), "image/jpeg").status_code == 201


def test_a_photo_is_served_as_an_attachment_that_no_browser_renders(officer_client):
    seizure = SeizureFactory(created_by=officer_client.user)
    # JPEG magic bytes, then HTML with script: a polyglot that sniffing browsers would render.
    polyglot = images.jpeg(b"<html><script>alert(document.cookie)</script></html>")
    photo = upload(officer_client, seizure.pk, polyglot, "image/jpeg").json()
    response = officer_client.get(f"/api/v1/photos/{photo['id']}/", HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"] == "image/jpeg"
