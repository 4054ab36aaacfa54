"""Every role against every operations endpoint and method, as docs/api/auth.md's "Roles" table
and ebikeops.core.permissions.FieldRecordPermission state them:

- anonymous: 401 everywhere;
- every role reads (analysts without the sensitive fields, tested in test_api_seizures);
- officers and commanders create, analysts may not (403);
- PATCH: the owner (who created the record or leads / created its operation) and commanders;
- DELETE: commanders only; an operation only once it has no records (409 otherwise).

Each cell is one test, and checks the write happened (or did not), not only the status.
"""

from dataclasses import dataclass

import pytest

from ebikeops.operations.models import Arrest, Operation, Seizure
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other_officer", "commander", "analyst")
CLIENTS = {
    "anonymous": "anon_client",
    "owner": "officer_client",  # the officer who leads the operation and created its records
    "other_officer": "other_officer_client",
    "commander": "commander_client",
    "analyst": "analyst_client",
}


def expect(anonymous: int, owner: int, other_officer: int, commander: int, analyst: int) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "owner": owner,
        "other_officer": other_officer,
        "commander": commander,
        "analyst": analyst,
    }


READ = expect(401, 200, 200, 200, 200)
CREATE = expect(401, 201, 201, 201, 403)
CHANGE = expect(401, 200, 403, 200, 403)
DELETE = expect(401, 403, 403, 204, 403)
DELETE_WITH_RECORDS = expect(401, 403, 403, 409, 403)

PATCHES = {
    "operation": {"notes": "Debrief done"},
    "seizure": {"disposition": "returned"},
    "arrest": {"disposal": "taken_to_custody"},
}


@dataclass(frozen=True)
class Endpoint:
    url: str  # formatted with the ids of the records below
    target: str | None = None  # the record a detail URL addresses
    creates: type | None = None  # the model a POST adds a row to

    def path(self, records: dict) -> str:
        return self.url.format(**{name: record.pk for name, record in records.items()})


OPERATIONS = Endpoint("/api/v1/operations/", creates=Operation)
OPERATION = Endpoint("/api/v1/operations/{operation}/", target="operation")
EMPTY_OPERATION = Endpoint("/api/v1/operations/{empty_operation}/", target="empty_operation")
SEIZURES = Endpoint("/api/v1/seizures/", creates=Seizure)
SEIZURE = Endpoint("/api/v1/seizures/{seizure}/", target="seizure")
ARRESTS = Endpoint("/api/v1/arrests/", creates=Arrest)
ARREST = Endpoint("/api/v1/arrests/{arrest}/", target="arrest")
OPERATION_SEIZURES = Endpoint("/api/v1/operations/{operation}/seizures/", creates=Seizure)
OPERATION_SEIZURE = Endpoint("/api/v1/operations/{operation}/seizures/{seizure}/", target="seizure")
OPERATION_ARRESTS = Endpoint("/api/v1/operations/{operation}/arrests/", creates=Arrest)
OPERATION_ARREST = Endpoint("/api/v1/operations/{operation}/arrests/{arrest}/", target="arrest")

MATRIX = [
    (OPERATIONS, "get", READ),
    (OPERATIONS, "post", CREATE),
    (OPERATION, "get", READ),
    (OPERATION, "patch", CHANGE),
    (OPERATION, "delete", DELETE_WITH_RECORDS),
    (EMPTY_OPERATION, "delete", DELETE),
    (SEIZURES, "get", READ),
    (SEIZURES, "post", CREATE),
    (SEIZURE, "get", READ),
    (SEIZURE, "patch", CHANGE),
    (SEIZURE, "delete", DELETE),
    (ARRESTS, "get", READ),
    (ARRESTS, "post", CREATE),
    (ARREST, "get", READ),
    (ARREST, "patch", CHANGE),
    (ARREST, "delete", DELETE),
    (OPERATION_SEIZURES, "get", READ),
    (OPERATION_SEIZURES, "post", CREATE),
    (OPERATION_SEIZURE, "get", READ),
    (OPERATION_SEIZURE, "patch", CHANGE),
    (OPERATION_SEIZURE, "delete", DELETE),
    (OPERATION_ARRESTS, "get", READ),
    (OPERATION_ARRESTS, "post", CREATE),
    (OPERATION_ARREST, "get", READ),
    (OPERATION_ARREST, "patch", CHANGE),
    (OPERATION_ARREST, "delete", DELETE),
]
CELLS = [
    pytest.param(endpoint, method, role, expected[role], id=f"{method.upper()} {endpoint.url} as {role}")
    for endpoint, method, expected in MATRIX
    for role in ROLES
]


@pytest.fixture
def records(officer, boroughs) -> dict:
    """An active operation led (and created) by `officer`, with a seizure and an arrest he
    logged, and an empty operation of his (deletable)."""
    operation = OperationFactory(lead_officer=officer, status="active", ended_at=None)
    return {
        "operation": operation,
        "seizure": SeizureFactory(operation=operation, created_by=officer),
        "arrest": ArrestFactory(operation=operation, created_by=officer),
        "empty_operation": OperationFactory(lead_officer=officer, status="active", ended_at=None),
    }


def create_body(endpoint: Endpoint, records: dict) -> dict:
    operation_id = str(records["operation"].pk)
    return {
        OPERATIONS: lambda: payloads.operation(),
        SEIZURES: lambda: payloads.seizure(operation=operation_id),
        ARRESTS: lambda: payloads.arrest(operation=operation_id),
        OPERATION_SEIZURES: lambda: payloads.seizure(),
        OPERATION_ARRESTS: lambda: payloads.arrest(),
    }[endpoint]()


def row_counts() -> tuple[int, int, int]:
    return Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()


def send(client, endpoint: Endpoint, method: str, records: dict):
    path = endpoint.path(records)
    if method == "get":
        return client.get(path)
    if method == "post":
        return client.post(path, create_body(endpoint, records), format="json")
    target = records[endpoint.target]
    if_match = f'"{target.version}"'  # the right ETag, so only the role decides
    if method == "patch":
        return client.patch(path, PATCHES[type(target).__name__.lower()], format="json", HTTP_IF_MATCH=if_match)
    return client.delete(path, HTTP_IF_MATCH=if_match)


@pytest.mark.parametrize(("endpoint", "method", "role", "status"), CELLS)
def test_each_role_gets_the_documented_answer(request, records, endpoint, method, role, status):
    client = request.getfixturevalue(CLIENTS[role])
    before = row_counts()

    response = send(client, endpoint, method, records)

    assert response.status_code == status, (
        f"{method.upper()} {endpoint.url} as {role}: expected {status} (docs/api/auth.md, 'Roles'), "
        f"got {response.status_code}: {response.content[:300]!r}"
    )
    if status >= 400:
        assert response["Content-Type"] == "application/problem+json"
    after = row_counts()
    if method == "post" and status == 201:
        model_index = (Operation, Seizure, Arrest).index(endpoint.creates)
        assert after[model_index] == before[model_index] + 1
        assert response.json()["properties"]["version"] == 1
    elif method == "get":
        assert after == before
    else:
        target = records[endpoint.target] if endpoint.target else None
        still_there = target is not None and type(target).objects.filter(pk=target.pk).first()
        if method == "delete" and status == 204:
            assert not still_there, "a 204 must have deleted the record"
        elif method == "patch" and status == 200:
            assert still_there.version == target.version + 1
            assert response["ETag"] == f'"{target.version + 1}"'
        else:
            assert after == before, "a refused write must not add or remove rows"
            if target is not None:
                assert still_there and still_there.version == target.version, "a refused write must change nothing"


DETAILS = [OPERATION, SEIZURE, ARREST, OPERATION_SEIZURE, OPERATION_ARREST]


@pytest.mark.parametrize("endpoint", DETAILS, ids=lambda e: e.url)
@pytest.mark.parametrize("role", ROLES)
def test_a_patch_without_if_match_is_428_for_roles_that_may_change(request, records, endpoint, role):
    """Permission comes first: a role that may not change the record gets its 401/403 whether
    or not it sent If-Match; a role that may gets 428 until it says which version it read."""
    client = request.getfixturevalue(CLIENTS[role])
    target = records[endpoint.target]

    response = client.patch(endpoint.path(records), PATCHES[type(target).__name__.lower()], format="json")

    assert response.status_code == (428 if CHANGE[role] == 200 else CHANGE[role])
    assert type(target).objects.get(pk=target.pk).version == target.version


@pytest.mark.parametrize("kind", ["seizures", "arrests"])
def test_a_nested_detail_url_answers_404_for_a_record_of_another_operation(officer_client, records, kind):
    record = records[kind[:-1]]
    other = records["empty_operation"]
    assert officer_client.get(f"/api/v1/operations/{other.pk}/{kind}/{record.pk}/").status_code == 404
    response = officer_client.patch(
        f"/api/v1/operations/{other.pk}/{kind}/{record.pk}/", PATCHES[kind[:-1]], format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    assert type(record).objects.get(pk=record.pk).version == 1


def test_an_officer_owns_what_they_created_and_everything_in_an_operation_they_lead(
    officer_client, other_officer_client, officer, other_officer, boroughs
):
    operation = OperationFactory(lead_officer=officer, status="active", ended_at=None)
    logged_by_other = SeizureFactory(operation=operation, created_by=other_officer)
    url = f"/api/v1/seizures/{logged_by_other.pk}/"

    led = officer_client.patch(url, {"disposition": "returned"}, format="json", HTTP_IF_MATCH='"1"')
    # (not a disposition: a vehicle released to its owner cannot then be destroyed; see test_custody)
    created = other_officer_client.patch(url, {"colour": "blue"}, format="json", HTTP_IF_MATCH='"2"')
    not_the_operation = other_officer_client.patch(
        f"/api/v1/operations/{operation.pk}/", PATCHES["operation"], format="json", HTTP_IF_MATCH='"1"'
    )

    assert (led.status_code, created.status_code, not_the_operation.status_code) == (200, 200, 403)
    created_not_led = OperationFactory(lead_officer=officer, created_by=other_officer, status="active", ended_at=None)
    for client in (officer_client, other_officer_client):
        response = client.patch(
            f"/api/v1/operations/{created_not_led.pk}/",
            PATCHES["operation"],
            format="json",
            HTTP_IF_MATCH=f'"{Operation.objects.get(pk=created_not_led.pk).version}"',
        )
        assert response.status_code == 200, response.content
