"""Celery task: an import uploaded through the API runs here, in the worker."""

import logging

from celery import shared_task
from django.utils import timezone

from . import services
from .models import ImportJob, JobStatus

logger = logging.getLogger(__name__)


@shared_task(name="imports.run", acks_late=True)
def run_import(job_id: str) -> str:
    """Run the queued import `job_id`; returns its final status. A job already finished (a
    redelivered message) is left as it is."""
    job = ImportJob.objects.filter(pk=job_id).select_related("created_by").first()
    if job is None:
        logger.warning("import job %s vanished before the worker picked it up", job_id)
        return "missing"
    if job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
        return job.status
    try:
        job = services.import_job_execute(job=job)
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=f"The import failed: {exc}", finished_at=timezone.now()
        )
        return JobStatus.FAILED
    finally:
        purge_old_uploads()
    return job.status


@shared_task(name="imports.purge_uploads")
def purge_old_uploads() -> int:
    """Delete the uploads of imports finished more than IMPORT_UPLOAD_RETENTION_DAYS ago; run
    after every import (so the worker needs no scheduler) and by `import_uploads_purge`.
    Returns how many were deleted; a failure is logged, never raised into the import."""
    try:
        return services.import_uploads_purge()
    except Exception:
        logger.exception("purging old import uploads failed")
        return 0
