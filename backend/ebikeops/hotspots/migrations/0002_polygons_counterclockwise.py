"""Stored outlines follow RFC 7946's right-hand rule (exterior rings counterclockwise), as
new runs now write them: turn the rows written before."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("hotspots", "0001_hotspot_runs")]

    operations = [
        migrations.RunSQL(
            [
                "UPDATE hotspots_hotspot SET geom = ST_ForcePolygonCCW(geom) WHERE NOT ST_IsPolygonCCW(geom)",
                "UPDATE hotspots_gistarcell SET geom = ST_ForcePolygonCCW(geom) WHERE NOT ST_IsPolygonCCW(geom)",
            ],
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
