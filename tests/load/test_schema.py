"""The schema says what every endpoint answers under overload or outage."""

import pytest
import yaml
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_every_operation_may_answer_503_with_retry_after(schema):
    validate(schema)
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        answer = operation["responses"].get("503")
        assert answer is not None, f"{method.upper()} {path} does not say it may answer 503"
        assert answer["headers"]["Retry-After"]["required"] is True, f"{method.upper()} {path}: no Retry-After"
    sync = schema["paths"]["/api/v1/sync/"]["post"]["responses"]["503"]
    assert sync["content"]["application/problem+json"]["schema"]["$ref"].endswith("/ServiceUnavailableProblem")
    health = schema["paths"]["/api/v1/health/"]["get"]["responses"]["503"]
    assert "HealthProblem" in str(health["content"])  # its own, more precise document stays
