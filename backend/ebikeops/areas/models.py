from django.contrib.gis.db import models


class Borough(models.Model):
    """A London borough (or the City), loaded from an OGR source by `load_boroughs`."""

    name = models.CharField(max_length=100)
    gss_code = models.CharField(max_length=9, unique=True)
    geom = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
