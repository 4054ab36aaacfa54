"""The exception handler turns errors from the real database into problem details."""

import pytest
from django.db import IntegrityError, connection, transaction

from ebikeops.core.problems import problem_exception_handler
from tests.factories import OperationFactory

pytestmark = pytest.mark.django_db


def real_error(sql: str, params) -> IntegrityError:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as exc:
        return exc
    raise AssertionError("PostgreSQL accepted it")


def test_a_lost_race_on_a_client_supplied_id_is_a_409_not_a_500():
    """Two requests creating the same id at once: the loser's unique violation is a 409."""
    operation = OperationFactory()
    race = real_error(
        "INSERT INTO operations_operation SELECT * FROM operations_operation WHERE id = %s", [operation.pk]
    )
    response = problem_exception_handler(race, {})
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert "send it again" in response.data["detail"]


def test_other_integrity_errors_stay_server_errors():
    """A broken constraint other than a unique id is a bug to see in the logs, not a 409."""
    operation = OperationFactory()
    broken = real_error("UPDATE operations_operation SET officer_count = -1 WHERE id = %s", [operation.pk])
    assert problem_exception_handler(broken, {}) is None  # DRF lets it through: a logged 500
