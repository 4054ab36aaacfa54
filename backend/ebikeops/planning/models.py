"""Deployment suggestions as they were made, and the operations that followed them.

A `SuggestionRun` is one answer (near me, a shift plan, an offline bundle): it
stores the parameters, the data window and the code version that produced its suggestions,
so every suggestion can be explained and reproduced later. Geometry is SRID 4326 [lon, lat].
"""

import uuid

from django.contrib.gis.db import models
from django.db.models import Q

from ebikeops.areas.models import Borough, Corridor
from ebikeops.core.models import User
from ebikeops.operations.models import Operation


class RunKind(models.TextChoices):
    NEAR_ME = "near_me", "Near me (officer)"
    PLAN = "plan", "Shift plan (commander)"
    BUNDLE = "bundle", "Offline bundle for the next shift"


class SuggestionKind(models.TextChoices):
    CORRIDOR = "corridor", "Section of a road corridor"
    HOTSPOT = "hotspot", "Hotspot off every corridor"


class SuggestionRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    valid_from = models.DateTimeField(help_text="start of the time the suggestions are for")
    valid_until = models.DateTimeField(help_text="end of the time the suggestions are for")
    data_since = models.DateTimeField(help_text="history used: from (inclusive)")
    data_until = models.DateTimeField(help_text="history used: to (exclusive)")
    parameters = models.JSONField()
    code_version = models.CharField(max_length=64)
    area = models.JSONField(help_text="what was asked about: a point and radius, a borough or a box")
    borough = models.ForeignKey(Borough, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)
    held_back = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="suggestionrun_created_at")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RunKind.values), name="suggestionrun_kind_valid"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="suggestionrun_valid_window"
            ),
        ]


class Suggestion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(SuggestionRun, on_delete=models.CASCADE, related_name="suggestions")
    rank = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=SuggestionKind.choices)
    title = models.CharField(max_length=300)
    corridor = models.ForeignKey(Corridor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    corridor_slug = models.CharField(max_length=100, blank=True, help_text="kept if the corridor is removed")
    hotspot_key = models.UUIDField(null=True, blank=True, help_text="the hotspot's stable key, when from hotspots")
    section = models.LineStringField(srid=4326, null=True, blank=True)
    section_from_m = models.FloatField(null=True, blank=True)
    section_to_m = models.FloatField(null=True, blank=True)
    stop_points = models.MultiPointField(srid=4326)
    stops = models.JSONField(help_text="per stop: number, position, expected share, dwell, borough")
    rotation = models.JSONField()
    time_windows = models.JSONField()
    counts = models.JSONField(help_text="events per signal within reach, in the data window")
    demand = models.FloatField(help_text="recency- and signal-weighted events within reach")
    demand_per_km = models.FloatField(null=True, blank=True)
    corridor_demand_per_km = models.FloatField(null=True, blank=True)
    time_fit = models.FloatField(help_text="share of the history in the requested hours (smoothed)")
    cooldown = models.JSONField()
    score = models.FloatField()
    rationale = models.TextField()
    team = models.CharField(
        max_length=100, blank=True, default="", help_text="the team a shift plan gave it (rank order); blank otherwise"
    )

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="suggestion_rank_unique"),
            models.CheckConstraint(condition=Q(kind__in=SuggestionKind.values), name="suggestion_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.title}"


class FollowedSuggestion(models.Model):
    """An operation that followed a suggestion (at most one per operation). Kept here so the
    operations app needs no field for it."""

    operation = models.OneToOneField(
        Operation, primary_key=True, on_delete=models.CASCADE, related_name="followed_suggestion"
    )
    suggestion = models.ForeignKey(Suggestion, on_delete=models.PROTECT, related_name="follows")
    linked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(auto_now=True)
