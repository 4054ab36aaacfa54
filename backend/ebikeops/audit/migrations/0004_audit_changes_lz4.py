"""Compress the events' `changes` with lz4 rather than pglz (issue 13's write overhead).

A 500-seizure collection's content is some 450 KB of jsonb, compressed as it is stored:
pglz took about 4 ms of the INSERT, lz4 well under one (EXPLAIN ANALYZE of the event's
INSERT, docs/BENCHMARKS.md). The setting is per column and, on a partitioned table, per
partition: it is set on the parent (which new monthly partitions copy, as
`audit_event_partition_ensure` creates them) and on every partition there is. Values already
stored keep their pglz compression and stay readable; nothing is rewritten, so nothing is
rehashed (a row's hash is over its content, not its storage). A server built without lz4
keeps pglz (a notice, not a failure).
"""

from django.db import migrations

SET = r"""
DO $$
DECLARE
    part regclass;
BEGIN
    ALTER TABLE audit_event ALTER COLUMN changes SET COMPRESSION {method};
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'audit_event'::regclass LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN changes SET COMPRESSION {method}', part);
    END LOOP;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'audit_event.changes keeps its compression: %', SQLERRM;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_row_digest_faster")]

    operations = [migrations.RunSQL(SET.format(method="lz4"), SET.format(method="pglz"))]
