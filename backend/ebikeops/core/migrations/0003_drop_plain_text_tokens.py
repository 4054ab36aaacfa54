"""API tokens moved to django-rest-knox (hashed at rest, expiring); DRF's table of plain-text
tokens goes, so no token survives in the database in a form that can be replayed."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_idempotency_key_from_sync")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token CASCADE", reverse_sql=migrations.RunSQL.noop)]
