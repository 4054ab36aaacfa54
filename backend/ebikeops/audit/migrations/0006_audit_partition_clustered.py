"""Where the closed months' partitions were laid out by actor (issue 13's cold query).

`audit_partitions --cluster-closed` rewrites each closed month's partition in
(actor_id, occurred_at) order (CLUSTER) and notes it here, with the highest event id the
partition then held: CLUSTER's own mark stays set if rows arrive later, the id shows them.
Maintenance bookkeeping, not evidence: no trigger, no hash.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_audit_collection_content'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClusteredPartition',
            fields=[
                ('partition', models.CharField(max_length=63, primary_key=True, serialize=False)),
                ('index', models.CharField(max_length=63)),
                ('clustered_at', models.DateTimeField()),
                ('rows', models.BigIntegerField()),
                ('last_id', models.BigIntegerField(null=True)),
            ],
            options={
                'db_table': 'audit_partition_clustered',
            },
        ),
    ]
