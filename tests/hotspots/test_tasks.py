"""The Celery task a commander's recompute queues (tests run it eagerly, in process)."""

import pytest

from ebikeops.hotspots import services
from ebikeops.hotspots.models import HotspotRun, RunStatus
from ebikeops.hotspots.services import hotspots_recompute_enqueue
from ebikeops.hotspots.tasks import recompute_hotspots

from .conftest import EPS_M, MIN_POINTS, SINCE, UNTIL

pytestmark = pytest.mark.django_db


def queued(**kwargs) -> HotspotRun:
    return hotspots_recompute_enqueue(since=SINCE, until=UNTIL, eps_m=EPS_M, min_points=MIN_POINTS, **kwargs)


def test_the_task_computes_a_queued_run(planted):
    run = queued(mode="exact")
    assert run.status == RunStatus.QUEUED and run.started_at is None
    assert recompute_hotspots.delay(str(run.pk)).get() == RunStatus.COMPLETED
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.input_count == 36 and run.hotspots.count() == 3


def test_the_task_records_a_failure_on_the_run(planted, monkeypatch):
    monkeypatch.setattr(services, "MAX_GISTAR_CELLS", 10)  # the grid over the layout is larger
    run = queued()
    assert recompute_hotspots(str(run.pk)) == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert "cell_m" in run.error
    assert not run.hotspots.exists()


def test_the_task_leaves_a_finished_run_alone(planted):
    run = queued()
    recompute_hotspots(str(run.pk))
    finished = HotspotRun.objects.get(pk=run.pk).finished_at
    assert recompute_hotspots(str(run.pk)) == RunStatus.COMPLETED  # a redelivered message
    assert HotspotRun.objects.get(pk=run.pk).finished_at == finished


def test_the_task_tolerates_a_vanished_run(db):
    assert recompute_hotspots("00000000-0000-0000-0000-000000000000") == "missing"


def test_an_unreachable_queue_fails_the_job_instead_of_leaving_it_queued(planted, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(recompute_hotspots, "delay", refuse)
    run = queued()
    services._enqueue(recompute_hotspots, str(run.pk))
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "broker down" in run.error
