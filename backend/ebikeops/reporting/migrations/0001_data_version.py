# The data version behind reporting's ETags: a single-row counter, bumped at commit by
# triggers on the tables that summaries, exports and tiles read (see models.DataVersion).

from django.db import migrations, models

# Tables whose committed changes change what reporting answers.
WATCHED_TABLES = ("operations_operation", "operations_seizure", "operations_arrest", "areas_borough")

CREATE_SQL = """
-- One row per transaction that wrote a watched table; deleted again at that commit.
CREATE TABLE reporting_pending_change (txid xid8 PRIMARY KEY);

-- Statement-level: one cheap insert per statement, whatever its row count (bulk loads too).
CREATE FUNCTION reporting_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_pending_change (txid) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Deferred to commit: the version row is locked only while the transaction commits, so
-- concurrent writers never wait on each other for the length of their transactions.
CREATE FUNCTION reporting_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting_dataversion (id, version, changed_at) VALUES (1, 1, clock_timestamp())
    ON CONFLICT (id) DO UPDATE
        SET version = reporting_dataversion.version + 1, changed_at = clock_timestamp();
    DELETE FROM reporting_pending_change WHERE txid = NEW.txid;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER reporting_bump_version
    AFTER INSERT ON reporting_pending_change
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION reporting_bump_version();

INSERT INTO reporting_dataversion (id, version, changed_at) VALUES (1, 0, now());
""" + "".join(
    f"""
CREATE TRIGGER reporting_note_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_note_change();
"""
    for table in WATCHED_TABLES
)

DROP_SQL = "".join(f"DROP TRIGGER IF EXISTS reporting_note_change ON {table};\n" for table in WATCHED_TABLES) + """
DROP TABLE IF EXISTS reporting_pending_change;
DROP FUNCTION IF EXISTS reporting_bump_version();
DROP FUNCTION IF EXISTS reporting_note_change();
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("areas", "0001_boroughs"),
        ("operations", "0001_operations_seizures_arrests"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="reporting_dataversion_single_row")
                ],
            },
        ),
        migrations.RunSQL(CREATE_SQL, DROP_SQL),
    ]
