"""Retention review (MoPI): which field records are past their review date, and their
erasure through the one delete service of each record type (tombstone, audit event).

A record is due RETENTION_DAYS[type] days after it happened (seized_at, arrested_at; an
operation after it ended, or started if it never ended). Children go first: an operation is
erased only once none of its seizures and arrests remain.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from ebikeops.core.errors import DomainError
from ebikeops.core.models import User

from .records import KINDS

ORDER = ("seizure", "arrest", "operation")


def due_for_review(*, record_type: str, now: datetime) -> QuerySet:
    """The records of `record_type` past their review date at `now`, oldest first."""
    kind = KINDS[record_type]
    cutoff = now - timedelta(days=settings.RETENTION_DAYS[record_type])
    if record_type == "operation":
        condition = Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, started_at__lt=cutoff)
    else:
        condition = Q(**{f"{kind.time_field}__lt": cutoff})
    return kind.model.objects.filter(condition).order_by(kind.time_field, "pk")


@dataclass
class ReviewResult:
    erased: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORDER, 0))
    kept: list[str] = field(default_factory=list)


def records_erase_due(*, user: User, now: datetime, progress=None) -> ReviewResult:
    """Erase every record past review, each through its type's delete service (one
    transaction, tombstone and erasure event each) as `user`. A record the service refuses
    (e.g. an operation that still has younger records) is kept and named in the result."""
    result = ReviewResult()
    for record_type in ORDER:
        kind = KINDS[record_type]
        for done, record in enumerate(due_for_review(record_type=record_type, now=now).iterator(chunk_size=500), 1):
            try:
                kind.delete(**{kind.instance_kwarg(): record}, user=user, now=now)
            except DomainError as exc:
                result.kept.append(f"{record_type} {record.pk}: {exc}")
            else:
                result.erased[record_type] += 1
            if progress and done % 100 == 0:
                progress(record_type, done)
    return result
