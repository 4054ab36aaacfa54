from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex

from ebikeops.core.spatial import metric


class Borough(models.Model):
    """A London borough (or the City), loaded from an OGR source by `load_boroughs`."""

    name = models.CharField(max_length=100)
    gss_code = models.CharField(max_length=9, unique=True)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Corridor(models.Model):
    """A road corridor: one named road's centre-line, loaded by `load_corridors`.

    `geom` keeps the segments as loaded (merged where they touch); `route` is one line
    through them, in order along the road, on which positions are measured
    (`ST_LineLocatePoint` in the metric SRID). `length_m` is the route's length there.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    geom = models.MultiLineStringField(srid=4326)
    route = models.LineStringField(srid=4326)
    length_m = models.FloatField(help_text="length of the route in metres (metric SRID)")
    approximate = models.BooleanField(default=False, help_text="hand-authored or otherwise not a surveyed centre-line")
    boroughs = models.ManyToManyField(Borough, blank=True, related_name="corridors")
    properties = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "slug"]
        indexes = [GistIndex(metric("route"), name="corridor_route_bng")]

    def __str__(self) -> str:
        return self.name


class River(models.Model):
    """Tidal water (the Thames and its creeks): what lies inside the borough boundaries drawn to
    the tidal boundary but outside the same boroughs cut at Mean High Water. Computed by
    `load_river` (see `ebikeops.areas.river`); drawn by the map when no tile server is set."""

    name = models.CharField(max_length=100)
    geom = models.MultiPolygonField(srid=4326)
    area_m2 = models.FloatField(help_text="area in square metres (metric SRID)")
    source = models.JSONField(default=dict, help_text="the two files it was computed from")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-area_m2"]


class NamedStop(models.Model):
    """A place people know by name, at a point: a TfL bus stop ("Ealing Broadway Station").
    Suggestions name their stop points after the nearest one. `name` is cleaned for reading
    (TfL's capitals and station markers undone); `source_name` keeps the source's text."""

    code = models.CharField(max_length=32, unique=True, help_text="the source's stop id (TfL: Stop_Code_LBSL)")
    name = models.CharField(max_length=120)
    source_name = models.CharField(max_length=120)
    source = models.CharField(max_length=32, help_text="where it came from, e.g. tfl-bus-sequences-2016")
    point = models.PointField(srid=4326)
    routes = models.JSONField(default=list, blank=True, help_text="bus routes serving it")

    class Meta:
        ordering = ["name", "code"]
        indexes = [
            GistIndex(metric("point"), name="namedstop_point_bng"),
        ]

    def __str__(self) -> str:
        return self.name
