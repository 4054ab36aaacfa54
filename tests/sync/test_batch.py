"""POST /api/v1/sync/: per-item results, replays, ordering, conflicts, limits."""

import pytest

from ebikeops.core.models import IdempotencyKey
from ebikeops.operations.models import Arrest, Operation, Seizure
from ebikeops.sync import errors
from tests.factories import OperationFactory
from tests.sync import items

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/"


def sync(client, *batch):
    response = client.post(URL, {"items": list(batch)}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def counts() -> tuple[int, int, int]:
    return Operation.objects.count(), Seizure.objects.count(), Arrest.objects.count()


def test_it_creates_an_operation_with_its_seizures_and_arrest(officer_client, boroughs):
    op = items.operation()
    batch = [op, *(items.seizure(op["id"], n) for n in range(12)), items.arrest(op["id"])]
    body = sync(officer_client, *batch)
    assert [r["status"] for r in body["results"]] == ["created"] * 14
    assert [r["index"] for r in body["results"]] == list(range(14))
    assert body["summary"] == {"created": 14}
    assert counts() == (1, 12, 1)
    operation = Operation.objects.get(pk=op["id"])
    assert operation.borough.name == "Ealing"
    assert set(Seizure.objects.values_list("operation_id", flat=True)) == {operation.pk}


def test_it_applies_operations_first_so_a_seizure_may_precede_its_operation(officer_client, boroughs):
    op = items.operation()
    seizure = items.seizure(op["id"])
    body = sync(officer_client, seizure, op)
    assert [r["status"] for r in body["results"]] == ["created", "created"]
    assert body["results"][0]["id"] == seizure["id"] and body["results"][0]["type"] == "seizure"


def test_it_rejects_a_seizure_of_an_unknown_operation_as_retryable(officer_client, boroughs):
    seizure = items.seizure(items.new_id())
    result = sync(officer_client, seizure)["results"][0]
    assert result["status"] == "rejected"
    assert result["reason"] == "operation_unknown"
    assert result["retryable"] is True
    assert "data.operation" in result["errors"]
    assert Seizure.objects.count() == 0


def test_replaying_a_batch_three_times_gives_identical_results_and_row_counts(officer_client, boroughs):
    op = items.operation()
    batch = [
        op,
        *(items.seizure(op["id"], n) for n in range(3)),
        items.arrest(op["id"]),
        items.update("operation", op["id"], 1, notes="Debrief at 18:00"),
        items.seizure(op["id"], 4, point={"type": "Point", "coordinates": [2.3522, 48.8566]}),  # Paris
    ]
    first = sync(officer_client, *batch)
    after_first = counts()
    keys = IdempotencyKey.objects.count()
    assert [r["status"] for r in first["results"]] == ["created"] * 5 + ["updated", "rejected"]
    for _ in range(3):
        again = sync(officer_client, *batch)
        assert again["results"] == first["results"]
        assert counts() == after_first == (1, 3, 1)
        assert IdempotencyKey.objects.count() == keys
    assert Operation.objects.get(pk=op["id"]).version == 2


def test_the_same_item_in_a_later_batch_answers_the_same(officer_client, boroughs):
    op = items.operation()
    seizure = items.seizure(op["id"])
    first = sync(officer_client, op, seizure)["results"][1]
    later = sync(officer_client, seizure, items.seizure(op["id"], 1))["results"]
    assert later[0] == {**first, "index": 0}
    assert later[1]["status"] == "created"
    assert Seizure.objects.count() == 2


def test_malformed_items_get_their_own_errors_while_valid_items_land(officer_client, boroughs):
    op = items.operation()
    good = items.seizure(op["id"], 1)
    naive_time = items.seizure(op["id"], 2)
    naive_time["data"]["seized_at"] = "2025-11-29T12:30:00"
    swapped = items.seizure(op["id"], 3)
    swapped["data"]["point"] = {"type": "Point", "coordinates": [51.5130, -0.3020]}
    batch = [
        op,
        "not an item",
        {"op": "explode", "type": "seizure", "id": "nope", "recorded_at": "yesterday"},
        naive_time,
        swapped,
        {**items.seizure(op["id"], 5), "colour": "red"},
        items.update("seizure", good["id"], 1),  # applied after the create below: fine
        good,
        {**items.update("operation", op["id"], 1, notes="x"), "base_version": None},
    ]
    results = sync(officer_client, *batch)["results"]
    statuses = [r["status"] for r in results]
    assert statuses == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "unchanged",
        "created",
        "rejected",
    ]
    assert results[1]["errors"] == {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}
    assert set(results[2]["errors"]) == {"op", "id", "recorded_at"}
    assert results[2]["type"] == "seizure" and results[2]["id"] == "nope"
    assert list(results[3]["errors"]) == ["data.seized_at"]
    assert "[longitude, latitude]" in results[4]["errors"]["data.point"][0]
    assert results[5]["errors"] == {"colour": [errors.UNKNOWN_FIELD]}
    assert results[8]["errors"] == {"base_version": [errors.BASE_VERSION_REQUIRED]}
    assert all(r["retryable"] is False for r in results if r["status"] == "rejected")
    assert counts() == (1, 1, 0)


def test_it_refuses_nested_records_and_a_mismatched_data_id(officer_client, boroughs):
    nested = items.operation(seizures=[])
    mismatched = items.operation()
    mismatched["data"]["id"] = items.new_id()
    results = sync(officer_client, nested, mismatched)["results"]
    assert results[0]["errors"] == {"data.seizures": [errors.NESTED_NOT_IN_SYNC]}
    assert results[1]["errors"] == {"data.id": [errors.DATA_ID_MISMATCH]}
    assert Operation.objects.count() == 0


def test_a_stale_update_is_a_conflict_carrying_the_current_version(
    officer_client, other_officer_client, officer, other_officer, boroughs
):
    op = items.operation(lead_officer=other_officer.username)
    sync(officer_client, op)
    mine = sync(officer_client, items.update("operation", op["id"], 1, notes="Officer A's note"))["results"][0]
    theirs = sync(other_officer_client, items.update("operation", op["id"], 1, notes="Officer B's note"))
    result = theirs["results"][0]
    assert mine["status"] == "updated" and mine["version"] == 2
    assert result["status"] == "conflict"
    assert result["reason"] == "stale_version"
    assert result["version"] == 2
    assert result["current"]["properties"]["version"] == 2
    assert result["current"]["properties"]["notes"] == "Officer A's note"
    assert Operation.objects.get(pk=op["id"]).notes == "Officer A's note"


def test_an_update_that_changes_nothing_is_unchanged_and_keeps_the_version(officer_client, boroughs):
    op = items.operation(notes="same")
    sync(officer_client, op)
    result = sync(officer_client, items.update("operation", op["id"], 1, notes="same"))["results"][0]
    assert result["status"] == "unchanged" and result["version"] == 1


def test_a_create_of_an_existing_id_is_a_duplicate_or_a_conflict(officer_client, other_officer_client, boroughs):
    op = items.operation()
    sync(officer_client, op)
    # Another device (no stored answer for it) sends the same record, then a different one.
    assert sync(other_officer_client, op)["results"][0]["status"] == "duplicate"
    different = items.operation(record_id=op["id"], name="Something else")
    result = sync(officer_client, different)["results"][0]
    assert result["status"] == "conflict" and result["reason"] == "id_exists" and result["version"] == 1
    assert Operation.objects.get().name == "Uxbridge Road, Ealing"


def test_an_officer_may_not_change_someone_elses_operation(officer_client, boroughs):
    operation = OperationFactory(status="active", ended_at=None)
    result = sync(officer_client, items.update("operation", str(operation.pk), 1, notes="mine"))["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "forbidden"


def test_an_update_of_an_unknown_record_is_retryable(officer_client, boroughs):
    result = sync(officer_client, items.update("seizure", items.new_id(), 1, colour="red"))["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "record_unknown" and result["retryable"] is True


def test_it_refuses_a_recorded_at_in_the_future(officer_client, boroughs):
    op = items.operation()
    op["recorded_at"] = "2999-01-01T00:00:00+00:00"
    result = sync(officer_client, op)["results"][0]
    assert result["status"] == "rejected" and list(result["errors"]) == ["recorded_at"]


def test_it_refuses_a_batch_larger_than_the_limit_with_413(officer_client, settings):
    settings.SYNC_MAX_ITEMS = 3
    response = officer_client.post(URL, {"items": [items.operation() for _ in range(4)]}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == errors.BATCH_TOO_MANY.format(limit=3, count=4)
    assert Operation.objects.count() == 0


def test_it_refuses_a_body_larger_than_the_limit_with_413(officer_client, settings):
    settings.SYNC_MAX_BODY_BYTES = 1000
    response = officer_client.post(URL, {"items": [items.operation(notes="x" * 2000)]}, format="json")
    assert response.status_code == 413
    assert "at most 1000" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"items": []}, "items"), ({"nope": 1}, "items"), ([1, 2], "items"), ({"items": [], "extra": 1}, "extra")],
)
def test_it_refuses_what_is_not_a_batch_with_400(officer_client, body, field):
    response = officer_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_commanders_delete_and_a_re_sent_record_is_reported_deleted(officer_client, commander_client, boroughs):
    op = items.operation()
    seizure = items.seizure(op["id"])
    sync(officer_client, op, seizure)
    deleted = sync(commander_client, items.delete("seizure", seizure["id"], base_version=1))["results"][0]
    assert deleted["status"] == "deleted" and deleted["deleted_at"]
    again = sync(officer_client, seizure, items.update("seizure", seizure["id"], 1, colour="red"))["results"]
    assert [r["status"] for r in again] == ["deleted", "deleted"]
    assert again[0]["deleted_at"] == deleted["deleted_at"]
    assert Seizure.objects.count() == 0
    # the delete itself replays identically
    assert sync(commander_client, items.delete("seizure", seizure["id"], base_version=1))["results"][0] == deleted


def test_officers_may_not_delete_through_sync(officer_client, boroughs):
    op = items.operation()
    sync(officer_client, op)
    result = sync(officer_client, items.delete("operation", op["id"]))["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "forbidden"
    assert Operation.objects.count() == 1


def test_a_batch_deletes_children_before_their_operation(commander_client, boroughs):
    op = items.operation()
    seizure = items.seizure(op["id"])
    sync(commander_client, op, seizure)
    results = sync(commander_client, items.delete("operation", op["id"]), items.delete("seizure", seizure["id"]))
    assert [r["status"] for r in results["results"]] == ["deleted", "deleted"]
    assert counts() == (0, 0, 0)


def test_a_seizure_of_a_deleted_operation_is_refused_for_good(officer_client, commander_client, boroughs):
    op = items.operation()
    sync(officer_client, op)
    sync(commander_client, items.delete("operation", op["id"]))
    result = sync(officer_client, items.seizure(op["id"]))["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "operation_deleted"
    assert result["retryable"] is False


def test_the_batch_endpoint_refuses_analysts_and_anonymous_callers(analyst_client, anon_client):
    batch = {"items": [items.operation()]}
    assert analyst_client.post(URL, batch, format="json").status_code == 403
    assert analyst_client.get(URL).status_code == 403
    assert anon_client.post(URL, batch, format="json").status_code == 401
    assert Operation.objects.count() == 0


def test_it_tells_the_caller_who_they_are_and_the_limits(officer_client, settings):
    settings.SYNC_MAX_ITEMS = 250
    body = officer_client.get(URL).json()
    assert body["username"] == "officer-a" and body["role"] == "officer"
    assert body["max_items"] == 250
    assert body["idempotency_retention_days"] == settings.IDEMPOTENCY_KEY_RETENTION_DAYS >= 7
