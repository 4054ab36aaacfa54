"""The one piece of state reporting keeps: a counter of committed changes to the data it
reports on, so conditional GETs (ETag, Last-Modified) cost one primary-key read.

Database triggers (migration 0001) bump the counter once per committed transaction that
wrote to operations, seizures, arrests or boroughs, whatever wrote them (services, bulk
updates, imports, raw SQL, TRUNCATE). The bump runs in a deferred constraint trigger, i.e.
at commit, so the row is locked only for the instant of the commit and a reader never sees
a version newer than the data it reads afterwards.
"""

from django.db import models


class DataVersion(models.Model):
    """A single row (id 1): `version` grows with every committed change; `changed_at` is
    the commit time of the latest one."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="reporting_dataversion_single_row")]

    def __str__(self) -> str:
        return f"data version {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
