"""GET /api/v1/{operations,seizures,arrests}/{id}/history/: every write of a record from the
audit trail, for commanders and auditors; an erased record keeps its history."""

import uuid

import pytest
from django.db import transaction

from ebikeops.audit.context import command_context
from ebikeops.audit.models import AuditEvent
from ebikeops.audit.services import event_record

pytestmark = pytest.mark.django_db

SEIZURE = uuid.UUID("5b7c1d0e-3f1a-4b7a-9c55-0d6f3f0a1b2c")
KEY = f"seizure:{SEIZURE}"


@pytest.fixture
def written(officer, commander):
    """A seizure collected by an officer, changed twice, then erased by a commander."""
    with transaction.atomic():
        with command_context("sync", user=officer):
            event_record(
                action="collect",
                records=[KEY, "operation:o1"],
                changes={KEY: {"colour": [None, "red"], "version": [None, 1]}, "operation:o1": {"name": [None, "x"]}},
            )
            event_record(action="alter", records=[KEY], changes={KEY: {"colour": ["red", "blue"], "version": [1, 2]}})
        with command_context("seizure-detail", user=commander, purpose="Owner came forward"):
            event_record(
                action="alter", records=[KEY], changes={KEY: {"disposition": ["held", "returned"], "version": [2, 3]}}
            )
            event_record(action="erase", records=[KEY], changes={KEY: {"colour": ["blue", None], "version": [3, None]}})
            event_record(action="consult", records=[KEY], count=1)  # reads are not versions


def test_it_lists_every_write_with_who_when_and_what(auditor_client, written):
    response = auditor_client.get(f"/api/v1/seizures/{SEIZURE}/history/")
    assert response.status_code == 200
    body = response.json()
    assert (body["record"], body["erased"]) == (KEY, True)
    versions = body["versions"]
    assert [(v["action"], v["version"], v["actor_username"]) for v in versions] == [
        ("collect", 1, "officer-a"),
        ("alter", 2, "officer-a"),
        ("alter", 3, "commander"),
        ("erase", None, "commander"),
    ]
    assert versions[1]["changes"] == {"colour": ["red", "blue"], "version": [1, 2]}
    assert versions[0]["changes"] == {"colour": [None, "red"], "version": [None, 1]}  # only this record's
    assert versions[2]["purpose"] == "Owner came forward"
    assert versions[0]["occurred_at"] <= versions[-1]["occurred_at"]


@pytest.mark.parametrize(
    ("client", "status"),
    [
        ("anon_client", 401),
        ("officer_client", 403),
        ("analyst_client", 403),
        ("commander_client", 200),
        ("auditor_client", 200),
    ],
)
@pytest.mark.parametrize("plural", ["operations", "seizures", "arrests"])
def test_only_commanders_and_auditors_read_histories(request, client, status, plural, officer):
    record = uuid.uuid4()
    with transaction.atomic(), command_context("test", user=officer):
        event_record(action="collect", records=[f"{plural[:-1]}:{record}"], changes={})
    client = request.getfixturevalue(client)
    assert client.get(f"/api/v1/{plural}/{record}/history/").status_code == status


def test_a_record_never_written_is_404(auditor_client):
    response = auditor_client.get(f"/api/v1/arrests/{uuid.uuid4()}/history/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_reading_a_history_is_recorded(commander_client, commander, written):
    commander_client.get(f"/api/v1/seizures/{SEIZURE}/history/")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.endpoint, event.records, event.count, event.actor_username) == (
        "consult",
        "seizure-history",
        [KEY],
        4,
        "commander",
    )


def test_it_takes_one_query_for_the_history(auditor_client, written, django_assert_num_queries):
    with django_assert_num_queries(3):  # token, the history, the audit event of the read
        auditor_client.get(f"/api/v1/seizures/{SEIZURE}/history/")
