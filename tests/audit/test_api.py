"""GET /api/v1/audit/events/ (and .csv): auditors and commanders only, filtered, paginated,
itself audited; no role can change or delete an event through the product."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ebikeops.audit.context import command_context
from ebikeops.audit.models import AuditEvent
from ebikeops.audit.services import event_record

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events/"


@pytest.fixture
def trail(officer, analyst):
    with transaction.atomic():
        with command_context("import", user=officer):
            event_record(action="collect", records=[("seizure", "s1")], changes={"seizure:s1": {"colour": "red"}})
            event_record(
                action="alter", records=[("seizure", "s1")], changes={"seizure:s1": {"colour": ["red", "blue"]}}
            )
        with command_context("report", user=analyst):
            event_record(action="consult", records=[("seizure", "s1"), ("seizure", "s2")], count=2)
            event_record(action="disclose", filters={"vehicle_type": "e_bike"}, count=40)
    return list(AuditEvent.objects.order_by("id"))


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
def test_only_auditors_and_commanders_read_the_trail(request, client, status, trail):
    client = request.getfixturevalue(client)
    assert client.get(URL).status_code == status
    assert client.get("/api/v1/audit/events.csv").status_code == status


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    ("client", "status"),
    [("officer_client", 403), ("analyst_client", 403), ("commander_client", 405), ("auditor_client", 405)],
)
def test_no_role_can_change_or_delete_events(request, client, status, method, trail):
    client = request.getfixturevalue(client)
    before = list(AuditEvent.objects.order_by("id").values_list("id", "hash"))
    for url in (URL, "/api/v1/audit/events.csv"):
        assert getattr(client, method)(url, {"purpose": "x"}).status_code == status
    assert list(AuditEvent.objects.filter(id__in=[i for i, _ in before]).order_by("id").values_list("id", "hash")) == (
        before
    )


def test_auditors_see_no_operational_data(auditor_client):
    for url in ("/api/v1/seizures/", "/api/v1/operations/", "/api/v1/exports/seizures.csv", "/api/v1/summaries/"):
        assert auditor_client.get(url).status_code == 403, url


def test_it_lists_events_newest_first_with_what_happened(auditor_client, trail):
    events = auditor_client.get(URL).json()["results"]
    assert [e["action"] for e in events[:4]] == ["disclose", "consult", "alter", "collect"]
    alter = events[2]
    assert alter["changes"] == {"seizure:s1": {"colour": ["red", "blue"]}}
    assert (alter["actor_username"], alter["client_kind"], alter["endpoint"]) == ("officer-a", "command", "import")
    assert alter["action_label"] == "Alteration"
    assert alter["prev_hash"] == events[3]["hash"]


def test_it_filters_by_actor_record_action_and_time(auditor_client, officer, analyst, trail):
    def ids(query: str) -> list[int]:
        response = auditor_client.get(URL + query)
        assert response.status_code == 200, response.json()
        return sorted(e["id"] for e in response.json()["results"] if e["endpoint"] != "audit-event-list")

    assert ids(f"?actor={officer.pk}") == [trail[0].id, trail[1].id]
    assert ids("?actor_username=analyst") == [trail[2].id, trail[3].id]
    assert ids("?record=seizure:s2") == [trail[2].id]
    assert ids("?action=alter&action=disclose") == [trail[1].id, trail[3].id]
    now = timezone.now()
    assert ids(f"?actor={officer.pk}&since={(now - timedelta(hours=1)).isoformat()}".replace("+", "%2B")) == [
        trail[0].id,
        trail[1].id,
    ]
    assert ids(f"?until={(now - timedelta(hours=1)).isoformat()}".replace("+", "%2B")) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?action=peek", "action"),
        ("?actor=abc", "actor"),
        ("?record=no%20colon", "record"),
        ("?since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z", "until"),
    ],
)
def test_it_names_a_bad_filter(auditor_client, query, field):
    response = auditor_client.get(URL + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_it_pages_with_a_cursor(auditor_client, trail):
    first = auditor_client.get(URL + "?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"]
    second = auditor_client.get(first["next"]).json()
    seen = [e["id"] for e in first["results"] + second["results"]]
    assert len(seen) == len(set(seen))
    assert {e.id for e in trail} <= set(seen)


def test_reading_the_trail_is_itself_recorded(auditor_client, auditor, trail):
    auditor_client.get(URL + "?action=alter", HTTP_X_PURPOSE="Quarterly IA review")
    event = AuditEvent.objects.latest("id")
    assert (event.actor_username, event.action, event.endpoint, event.purpose) == (
        "auditor",
        "consult",
        "audit-event-list",
        "Quarterly IA review",
    )
    assert (event.filters, event.count) == ({"action": "alter"}, 1)


def test_the_csv_export_is_an_audited_disclosure(auditor_client, officer, trail):
    response = auditor_client.get(f"/api/v1/audit/events.csv?actor={officer.pk}", HTTP_X_PURPOSE="Complaint 77")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("id,occurred_at,actor_id,actor_username")
    assert len(lines) == 3 and all(",officer-a," in line for line in lines[1:])
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.endpoint, event.count, event.purpose) == (
        "disclose",
        "audit-event-export",
        2,
        "Complaint 77",
    )
    assert event.filters == {"actor": str(officer.pk)}
