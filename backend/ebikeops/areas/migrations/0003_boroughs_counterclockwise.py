"""Boroughs loaded before load_boroughs turned their rings counterclockwise (RFC 7946's
right-hand rule): turn them now."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("areas", "0002_corridors")]

    operations = [
        migrations.RunSQL(
            "UPDATE areas_borough SET geom = ST_ForcePolygonCCW(geom) WHERE NOT ST_IsPolygonCCW(geom)",
            reverse_sql=migrations.RunSQL.noop,
        )
    ]
