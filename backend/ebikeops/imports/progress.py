"""Progress of a running import job, kept in the cache (the import's own transaction is not
visible to the API until it commits). The API reads it back while the job runs."""

from django.core.cache import cache

PHASES = ("copy", "validate", "write", "rejects")
TTL_SECONDS = 24 * 3600


def _key(job_id) -> str:
    return f"imports:progress:{job_id}"


def job_progress(job_id):
    """A `progress(phase, done, total)` callback storing at most one update per percent."""
    last = {"phase": None, "percent": -1}

    def report(phase: str, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 0
        if phase == last["phase"] and percent == last["percent"]:
            return
        last.update(phase=phase, percent=percent)
        cache.set(_key(job_id), {"phase": phase, "done": done, "total": total, "percent": percent}, TTL_SECONDS)

    return report


def progress_get(job_id) -> dict | None:
    return cache.get(_key(job_id))
