# IdempotencyKey moved to core, Tombstone and SeizurePhoto to operations (state only: the
# tables stay, under their old names, and now belong to those apps).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("sync", "0001_idempotency_tombstones_photos"),
        ("core", "0002_idempotency_key_from_sync"),
        ("operations", "0003_tombstones_and_photos_from_sync"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="IdempotencyKey"),
                migrations.DeleteModel(name="SeizurePhoto"),
                migrations.DeleteModel(name="Tombstone"),
            ],
        ),
    ]
