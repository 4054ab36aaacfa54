"""Street-level crimes published by data.police.uk (Open Government Licence v3.0).

Never mixed with the force's seizures: a separate table, read by its own endpoints.
Times are months (police.uk publishes no day or time): `month` is the month's first day.
Points are police.uk's anonymised map points (SRID 4326, [lon, lat]), shared by many crimes.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex

from ebikeops.areas.models import Borough
from ebikeops.core.spatial import metric


class Incident(models.Model):
    # The crime ID where police.uk gives one; else "sha256:" + a hash of the whole row
    # (anti-social behaviour has no ID). Re-importing a month updates, never duplicates.
    key = models.CharField(max_length=80, unique=True)
    crime_id = models.CharField(max_length=64, blank=True)
    month = models.DateField(help_text="first day of the month; police.uk publishes no day or time")
    reported_by = models.CharField(max_length=100)
    falls_within = models.CharField(max_length=100)
    point = models.PointField(srid=4326, help_text="police.uk map point (anonymised, shared)")
    location = models.CharField(max_length=200, blank=True, help_text="the map point's name, e.g. 'On or near ...'")
    lsoa_code = models.CharField(max_length=12, blank=True)
    lsoa_name = models.CharField(max_length=100, blank=True)
    crime_type = models.CharField(max_length=60)
    last_outcome = models.CharField(max_length=120, blank=True)
    context = models.TextField(blank=True)
    borough = models.ForeignKey(Borough, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_file = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "id"]
        indexes = [
            models.Index(fields=["month", "crime_type"], name="incident_month_type"),
            models.Index(fields=["crime_type", "month"], name="incident_type_month"),
            GistIndex(metric("point"), name="incident_point_bng"),
        ]

    def __str__(self) -> str:
        return f"{self.crime_type} {self.month:%Y-%m}"
