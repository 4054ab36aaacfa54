"""The schema describes the sync endpoints and the precondition headers."""

import pytest
import yaml


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _header_names(operation: dict) -> dict[str, bool]:
    return {p["name"]: p.get("required", False) for p in operation.get("parameters", []) if p["in"] == "header"}


def test_it_describes_the_batch_endpoint(schema):
    post = schema["paths"]["/api/v1/sync/"]["post"]
    assert {"200", "400", "403", "413"} <= set(post["responses"])
    result = schema["components"]["schemas"]["SyncBatchResult"]
    assert set(result["properties"]) == {"results", "summary", "server_time"}


def test_it_describes_if_match_and_idempotency_key(schema):
    patch = schema["paths"]["/api/v1/operations/{id}/"]["patch"]
    assert _header_names(patch) == {"If-Match": True}
    assert {"412", "428"} <= set(patch["responses"])
    post = schema["paths"]["/api/v1/seizures/"]["post"]
    assert _header_names(post) == {"Idempotency-Key": False}
    assert {"409", "410", "422"} <= set(post["responses"])


def test_it_describes_photo_upload_as_multipart_and_download_as_binary(schema):
    upload = schema["paths"]["/api/v1/seizures/{seizure_id}/photos/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    download = schema["paths"]["/api/v1/photos/{id}/"]["get"]["responses"]["200"]["content"]
    assert set(download) == {"image/jpeg", "image/png"}
