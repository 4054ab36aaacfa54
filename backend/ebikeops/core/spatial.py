"""Spatial building blocks shared by every app: the metric projection in one place."""

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform


def metric(expression) -> Transform:
    """The expression transformed to the metric SRID (British National Grid, metres)."""
    return Transform(expression, settings.METRIC_SRID)
