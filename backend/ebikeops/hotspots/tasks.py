"""Celery tasks: a commander's recompute runs here, in the worker, never in the web request."""

import logging

from celery import shared_task

from . import selectors, services
from .models import RunStatus

logger = logging.getLogger(__name__)


@shared_task(name="hotspots.recompute", acks_late=True)
def recompute_hotspots(run_id: str) -> str:
    """Compute the queued run `run_id`; returns its final status. A run already finished (a
    redelivered message) is left as it is."""
    run = selectors.run_get(run_id)
    if run is None:
        logger.warning("hotspot run %s vanished before the worker picked it up", run_id)
        return "missing"
    if run.status in (RunStatus.COMPLETED, RunStatus.FAILED):
        return run.status
    try:
        services.hotspots_run_execute(run=run, progress=lambda message: logger.info("run %s: %s", run_id, message))
    except Exception:
        # The run records the failure for the client polling it; the worker log keeps the trace.
        logger.exception("hotspot run %s failed", run_id)
    return run.status
