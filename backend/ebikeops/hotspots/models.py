"""Hotspot runs and what they produce: DBSCAN hotspots and Getis-Ord Gi* grid cells.

A run is also the job a commander's recompute polls: it is created `queued`, a worker moves
it to `running`, then `completed` or `failed`. Every run records what produced it (method,
parameters, data window, filters, input count, code version) so a map can be reproduced.
Geometries are stored in SRID 4326; areas and distances are computed in EPSG:27700.
"""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Mode(models.TextChoices):
    FAST = "fast", "Fast: DBSCAN over small metric grid cells weighted by their counts"
    EXACT = "exact", "Exact: point-level DBSCAN over distinct coordinates weighted by multiplicity"


class TimeSlice(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"


class TrendCategory(models.TextChoices):
    """ArcGIS Emerging Hot Spot Analysis categories (rules in docs/methods/hotspots.md)."""

    NEW_HOT = "new_hot_spot", "New hot spot"
    CONSECUTIVE_HOT = "consecutive_hot_spot", "Consecutive hot spot"
    INTENSIFYING_HOT = "intensifying_hot_spot", "Intensifying hot spot"
    PERSISTENT_HOT = "persistent_hot_spot", "Persistent hot spot"
    DIMINISHING_HOT = "diminishing_hot_spot", "Diminishing hot spot"
    SPORADIC_HOT = "sporadic_hot_spot", "Sporadic hot spot"
    OSCILLATING_HOT = "oscillating_hot_spot", "Oscillating hot spot"
    HISTORICAL_HOT = "historical_hot_spot", "Historical hot spot"
    NEW_COLD = "new_cold_spot", "New cold spot"
    CONSECUTIVE_COLD = "consecutive_cold_spot", "Consecutive cold spot"
    INTENSIFYING_COLD = "intensifying_cold_spot", "Intensifying cold spot"
    PERSISTENT_COLD = "persistent_cold_spot", "Persistent cold spot"
    DIMINISHING_COLD = "diminishing_cold_spot", "Diminishing cold spot"
    SPORADIC_COLD = "sporadic_cold_spot", "Sporadic cold spot"
    OSCILLATING_COLD = "oscillating_cold_spot", "Oscillating cold spot"
    HISTORICAL_COLD = "historical_cold_spot", "Historical cold spot"
    NO_PATTERN = "no_pattern", "No pattern detected"


class HotspotRun(models.Model):
    """One computation of hotspots, Gi* cells and trends for a data window and filters."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    method = models.CharField(max_length=32, help_text="dbscan-fast or dbscan-exact, with Gi* and EHSA")
    parameters = models.JSONField(help_text="eps_m, min_points, mode, grid_m, cell_m, band_m, slice, buffer_m...")
    since = models.DateTimeField(help_text="start of the data window (inclusive)")
    until = models.DateTimeField(help_text="end of the data window (inclusive)")
    filters = models.JSONField(help_text="vehicle_types, borough, reasons, sources (null = all)")
    input_count = models.PositiveIntegerField(null=True, blank=True, help_text="seizures in the window")
    code_version = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stats = models.JSONField(default=dict, blank=True, help_text="timings, slice starts, grid shape, noise count")

    class Meta:
        ordering = ["-finished_at", "-created_at"]
        indexes = [models.Index(fields=["status", "-finished_at"], name="hotspotrun_status_finished")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="hotspotrun_status_valid"),
            models.CheckConstraint(condition=Q(until__gte=models.F("since")), name="hotspotrun_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.since:%Y-%m-%d}..{self.until:%Y-%m-%d} ({self.status})"


class Hotspot(models.Model):
    """A DBSCAN cluster of seizures: its outline, counts and when it is busiest.

    `key` is the hotspot's identity across recomputes: a new run gives each hotspot the key
    of the previous run's hotspot it overlaps most (one to one), or a new key.
    """

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="hotspots")
    key = models.UUIDField(default=uuid.uuid4)
    rank = models.PositiveIntegerField(help_text="1 = most seizures in the run")
    geom = models.PolygonField(srid=4326, help_text="valid hull of the seizures plus a small buffer")
    centroid = models.PointField(srid=4326, help_text="mean position of its seizures")
    seizure_count = models.PositiveIntegerField()
    arrest_count = models.PositiveIntegerField(default=0)
    area_m2 = models.FloatField()
    density_per_km2 = models.FloatField()
    first_seizure_at = models.DateTimeField()
    last_seizure_at = models.DateTimeField()
    busiest_weekday = models.PositiveSmallIntegerField(help_text="ISO weekday, 1 = Monday (London time)")
    busiest_hour_band = models.CharField(max_length=5, help_text="three-hour band in London time, e.g. 18-21")
    vehicle_mix = models.JSONField(help_text="seizures per vehicle type")
    share = models.FloatField(help_text="its seizures as a share of all seizures in the window")
    gi_bin = models.SmallIntegerField(null=True, blank=True, help_text="Gi* bin of its busiest grid cell")
    trend_category = models.CharField(
        max_length=24, choices=TrendCategory.choices, default=TrendCategory.NO_PATTERN, blank=True
    )

    class Meta:
        ordering = ["run", "rank"]
        indexes = [models.Index(fields=["key"], name="hotspot_key")]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="hotspot_key_unique_in_run"),
            models.UniqueConstraint(fields=["run", "rank"], name="hotspot_rank_unique_in_run"),
            models.CheckConstraint(condition=Q(busiest_weekday__gte=1, busiest_weekday__lte=7), name="hotspot_weekday"),
        ]

    def __str__(self) -> str:
        return f"Hotspot {self.key} ({self.seizure_count} seizures)"


class GiStarCell(models.Model):
    """A grid cell (EPSG:27700, `cell_m` side) with its Getis-Ord Gi* result for the whole
    window and its emerging-hotspot trend over the time slices.

    Only cells that hold seizures, are significant, or show a trend are stored; every other
    cell of the grid is an empty, not significant cell with no pattern.
    """

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="cells")
    ix = models.IntegerField(help_text="column: floor(easting / cell_m)")
    iy = models.IntegerField(help_text="row: floor(northing / cell_m)")
    geom = models.PolygonField(srid=4326)
    count = models.PositiveIntegerField()
    z = models.FloatField()
    p = models.FloatField(help_text="two-sided normal p-value")
    p_fdr = models.FloatField(help_text="Benjamini-Hochberg adjusted p-value")
    gi_bin = models.SmallIntegerField(help_text="-3..3: 99/95/90 % confidence hot (+) or cold (-); 0 not significant")
    category = models.CharField(max_length=24, choices=TrendCategory.choices, default=TrendCategory.NO_PATTERN)
    trend_z = models.FloatField(null=True, blank=True, help_text="Mann-Kendall z of the cell's Gi* z-scores")
    trend_p = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run", "iy", "ix"]
        constraints = [
            models.UniqueConstraint(fields=["run", "ix", "iy"], name="gistarcell_unique_in_run"),
            models.CheckConstraint(condition=Q(gi_bin__gte=-3, gi_bin__lte=3), name="gistarcell_bin_range"),
        ]

    def __str__(self) -> str:
        return f"Gi* cell {self.ix},{self.iy}: z={self.z:.2f}"
