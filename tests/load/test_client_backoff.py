"""The officer client honours Retry-After with jitter, against gunicorn as shipped."""

import random

from mobile_client_stub.api import Api
from mobile_client_stub.queue import SENT, Queue
from mobile_client_stub.sync import Backoff, Syncer
from tests.factories import token_of

from .conftest import seizure_items


def test_backoff_never_returns_before_retry_after_and_spreads_the_returns():
    backoff = Backoff(base_s=0.5, cap_s=30.0, rng=random.Random(16))
    waits = [backoff.delay(0, retry_after=2.0) for _ in range(200)]
    assert min(waits) >= 2.0
    assert max(waits) <= 3.0
    assert max(waits) - min(waits) > 0.8, "phones refused together must not all come back together"


def test_backoff_without_retry_after_is_full_jitter():
    backoff = Backoff(base_s=0.5, cap_s=30.0, rng=random.Random(16))
    waits = [backoff.delay(3) for _ in range(200)]
    assert 0 <= min(waits) < 0.5 and 3.0 < max(waits) <= 4.0


def test_the_client_waits_retry_after_then_syncs_everything(
    start_gunicorn, database_proxy, officer, operation, tmp_path
):
    retry_after = "2"
    server = start_gunicorn(via_port=database_proxy.port, threads=2, DATABASE_DOWN_RETRY_AFTER_SECONDS=retry_after)
    queue = Queue(tmp_path / "phone.sqlite3")
    queue.remember(record_id=str(operation.pk), record_type="operation", server_version=operation.version)
    for item in seizure_items(operation.pk, 3):
        queue.add_create(record_type="seizure", data=item["data"], recorded_at=item["recorded_at"])
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the database comes back while the phone waits
        slept.append(seconds)
        database_proxy.restore()

    database_proxy.cut()
    api = Api(server.url, token_of(officer), timeout=10)
    try:
        report = Syncer(queue, api, backoff=Backoff(base_s=0.1, attempts=4, sleep=sleep)).run()
    finally:
        api.close()
    assert report.gave_up is None
    assert len(slept) == 1 and float(retry_after) <= slept[0] <= 1.5 * float(retry_after)
    assert [row["state"] for row in queue.items()] == [SENT] * 3
    assert operation.seizures.count() == 3
