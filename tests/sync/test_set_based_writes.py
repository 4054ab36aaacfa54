"""The set-based writes of a batch store exactly what the one-record services store.

A batch of one seizure goes through `seizure_create` (the ORM); a batch of several through
`records_create_many`, whose rows travel as one JSON document (operations.sql). Each stored
value, read back, must be the same either way: awkward floats, microseconds and offsets,
text that JSON and SQL escape, points to the last digit. The stored answers of a batch are
one INSERT too (core.sql.IDEMPOTENCY_KEYS_STORE), replacing an expired answer of the key.
"""

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from ebikeops.core.idempotency import idempotency_keys_get, idempotency_keys_store
from ebikeops.core.models import IdempotencyKey, IdempotencyScope
from ebikeops.operations.models import CustodyEvent, Seizure
from tests.factories import OperationFactory
from tests.sync import items

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/"
AWKWARD = {
    "point": {"type": "Point", "coordinates": [-0.30200000000000005, 51.51300000000001]},
    "accuracy_m": 4.1000000000000005,
    "make": 'Ribble "Hybrid" \\ AL',
    "model": "e\u2019bike \u00e9t\u00e9",
    "colour": "matt black\u00a0\U0001f6b2",
    "frame_number": "\\x00ff' OR 1=1 --",
    "notes": 'line one\nline two\t\u2014 \u00a3120 {"json": [1, 2]}',
}


def sent(client, batch):
    response = client.post(URL, {"items": batch}, format="json")
    assert response.status_code == 200, response.json()
    assert {result["status"] for result in response.json()["results"]} == {"created"}


def stored(seizure: Seizure) -> dict:
    values = model_to_dict(seizure, exclude=["id", "operation"])
    values["point"] = (seizure.point.srid, seizure.point.x, seizure.point.y)
    return values


def test_a_batch_stores_the_same_values_as_the_single_service(officer_client, officer, boroughs):
    started_at = timezone.now() - timedelta(days=1)
    operation = OperationFactory(lead_officer=officer, team=officer.team, started_at=started_at, ended_at=None)
    seized_at = (started_at + timedelta(hours=1)).replace(microsecond=123456)
    at = {"seized_at": seized_at.astimezone(timezone.get_fixed_timezone(-270)).isoformat(), **AWKWARD}
    alone = items.seizure(str(operation.pk), 1, **at)
    together = [items.seizure(str(operation.pk), 1, **at) for _ in range(3)]

    sent(officer_client, [alone])  # one item: seizure_create
    sent(officer_client, together)  # several: records_create_many, one INSERT

    reference = Seizure.objects.get(pk=alone["id"])
    assert reference.seized_at == seized_at
    assert reference.point.x == AWKWARD["point"]["coordinates"][0]
    assert reference.notes == AWKWARD["notes"]
    for item in together:
        seizure = Seizure.objects.get(pk=item["id"])
        assert stored(seizure) == stored(reference) | {"received_at": seizure.received_at}
        custody = CustodyEvent.objects.get(seizure=seizure)
        first = CustodyEvent.objects.get(seizure=reference)
        assert (custody.step, custody.sequence, custody.happened_at) == (first.step, first.sequence, first.happened_at)


def test_stored_answers_replace_an_expired_answer_of_the_same_key(officer):
    now = timezone.now()
    idempotency_keys_store(
        user=officer, scope=IdempotencyScope.SYNC, answers=[("k1", "a" * 64, 200, '{"v":1}')], now=now
    )
    IdempotencyKey.objects.update(expires_at=now - timedelta(seconds=1))
    later = now + timedelta(minutes=1)
    idempotency_keys_store(
        user=officer,
        scope=IdempotencyScope.SYNC,
        answers=[("k1", "b" * 64, 200, '{"v":2}'), ("k2", "c" * 64, 201, '{"v":"\u00e9\\n"}')],
        now=later,
    )
    found = idempotency_keys_get(user=officer, scope=IdempotencyScope.SYNC, keys=["k1", "k2"], now=later)
    assert IdempotencyKey.objects.count() == 2
    assert (found["k1"].fingerprint, found["k1"].response_body, found["k1"].created_at) == ("b" * 64, '{"v":2}', later)
    assert found["k1"].response_headers == {}
    assert (found["k2"].response_status, found["k2"].response_body) == (201, '{"v":"\u00e9\\n"}')
    assert found["k2"].expires_at == later + timedelta(days=14)


def test_stored_answers_are_found_only_for_their_user_scope_and_lifetime(officer, other_officer):
    now = timezone.now()
    for user, scope in ((officer, IdempotencyScope.SYNC), (other_officer, IdempotencyScope.SYNC)):
        idempotency_keys_store(user=user, scope=scope, answers=[("k", user.username, 200, "{}")], now=now)
    idempotency_keys_store(
        user=officer, scope=IdempotencyScope.SYNC, answers=[("old", "x" * 64, 200, "{}")], now=now - timedelta(days=15)
    )

    found = idempotency_keys_get(user=officer, scope=IdempotencyScope.SYNC, keys=["k", "k", "old", "none"], now=now)

    assert {key: stored.fingerprint for key, stored in found.items()} == {"k": officer.username}
    assert idempotency_keys_get(user=officer, scope=IdempotencyScope.HTTP, keys=["k"], now=now) == {}
