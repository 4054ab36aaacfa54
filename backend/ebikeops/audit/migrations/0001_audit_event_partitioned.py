"""The audit trail's table, partitioned by month, append-only in the database.

Django's migration state gets the models (so makemigrations stays quiet); the database gets
hand-written SQL, because Django cannot create a partitioned table or triggers:

- `audit_event` is PARTITION BY RANGE (occurred_at), one partition per UTC month plus a
  DEFAULT partition so that an insert never fails for want of a partition (the
  `audit_partitions` command creates months ahead). Its primary key is (id, occurred_at)
  because PostgreSQL requires the partition key in it; ids are unique by their sequence.
- BEFORE UPDATE OR DELETE: refused, on every partition (row triggers are cloned).
- BEFORE INSERT: locks the one row of `audit_chain_head` (concurrent writers queue there until
  the writer's transaction ends), assigns the id (so id order is chain order), and sets
  prev_hash = the head's hash and hash = SHA-256 over the row's canonical JSON (UTC times,
  nulls stripped so that a later nullable column does not change old digests).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.functions.datetime
from django.db import migrations, models

CREATE = r"""
CREATE SEQUENCE audit_event_id_seq AS bigint;

CREATE TABLE audit_event (
    id bigint NOT NULL DEFAULT 0,
    occurred_at timestamptz NOT NULL DEFAULT statement_timestamp(),
    actor_id bigint NULL,
    actor_username varchar(150) NOT NULL,
    actor_role varchar(16) NOT NULL,
    client_kind varchar(16) NOT NULL,
    client_ref varchar(64) NOT NULL,
    ip inet NULL,
    user_agent varchar(500) NOT NULL,
    request_id varchar(64) NOT NULL,
    action varchar(16) NOT NULL
        CHECK (action IN ('collect', 'alter', 'consult', 'disclose', 'combine', 'erase')),
    endpoint varchar(100) NOT NULL,
    records varchar(80)[] NOT NULL,
    filters jsonb NULL,
    count integer NULL,
    changes jsonb NULL,
    purpose varchar(500) NOT NULL,
    prev_hash varchar(64) NOT NULL,
    hash varchar(64) NOT NULL,
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE INDEX audit_event_actor_time ON audit_event (actor_id, occurred_at);
CREATE INDEX audit_event_time ON audit_event (occurred_at);
CREATE INDEX audit_event_records ON audit_event USING gin (records);

CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT;

CREATE TABLE audit_chain_head (
    id smallint PRIMARY KEY CHECK (id >= 0),
    last_id bigint NOT NULL,
    hash varchar(64) NOT NULL,
    CONSTRAINT audit_chain_head_single_row CHECK (id = 1)
);

-- The partition for the UTC month holding `month`; returns its name if it was created now.
CREATE FUNCTION audit_event_partition_ensure(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    name text := format('audit_event_y%sm%s', to_char(first_day, 'YYYY'), to_char(first_day, 'MM'));
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
        name,
        first_day::timestamp AT TIME ZONE 'UTC',
        (first_day + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    );
    RETURN name;
END $$;

-- The digest of one row given as jsonb (to_jsonb(row)): everything but `hash`, nulls
-- stripped, times in UTC (the SET makes to_jsonb's text independent of the session).
CREATE FUNCTION audit_event_digest(row_json jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET "TimeZone" = 'UTC' AS $$
    SELECT encode(sha256(convert_to((jsonb_strip_nulls(row_json) - 'hash')::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql SET "TimeZone" = 'UTC' AS $$
DECLARE
    head audit_chain_head%ROWTYPE;
BEGIN
    INSERT INTO audit_chain_head (id, last_id, hash) VALUES (1, 0, '') ON CONFLICT (id) DO NOTHING;
    SELECT * INTO head FROM audit_chain_head WHERE id = 1 FOR UPDATE;
    NEW.id := nextval('audit_event_id_seq');
    NEW.prev_hash := head.hash;
    NEW.hash := audit_event_digest(to_jsonb(NEW));
    UPDATE audit_chain_head SET last_id = NEW.id, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END $$;

CREATE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never changed or deleted; record a new event instead.';
END $$;

CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();

SELECT audit_event_partition_ensure(((now() AT TIME ZONE 'UTC')::date + make_interval(months => m))::date)
FROM generate_series(0, 2) AS m;
"""

DROP = r"""
DROP TABLE audit_event;
DROP TABLE audit_chain_head;
DROP SEQUENCE audit_event_id_seq;
DROP FUNCTION audit_event_chain();
DROP FUNCTION audit_event_refuse_change();
DROP FUNCTION audit_event_digest(jsonb);
DROP FUNCTION audit_event_partition_ensure(date);
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(CREATE, DROP)],
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "occurred_at",
                            models.DateTimeField(
                                db_default=django.db.models.functions.datetime.Now(),
                                help_text="server time (statement start)",
                            ),
                        ),
                        ("actor_id", models.BigIntegerField(blank=True, null=True)),
                        ("actor_username", models.CharField(blank=True, max_length=150)),
                        ("actor_role", models.CharField(blank=True, max_length=16)),
                        (
                            "client_kind",
                            models.CharField(
                                choices=[
                                    ("token", "API token"),
                                    ("session", "Browser session"),
                                    ("command", "Management command"),
                                    ("system", "Background task"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("client_ref", models.CharField(blank=True, max_length=64)),
                        ("ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=500)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("collect", "Collection"),
                                    ("alter", "Alteration"),
                                    ("consult", "Consultation"),
                                    ("disclose", "Disclosure"),
                                    ("combine", "Combination"),
                                    ("erase", "Erasure"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("endpoint", models.CharField(blank=True, max_length=100)),
                        (
                            "records",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=80), blank=True, default=list, size=None
                            ),
                        ),
                        ("filters", models.JSONField(blank=True, null=True)),
                        ("count", models.IntegerField(blank=True, null=True)),
                        ("changes", models.JSONField(blank=True, null=True)),
                        ("purpose", models.CharField(blank=True, max_length=500)),
                        ("prev_hash", models.CharField(blank=True, editable=False, max_length=64)),
                        ("hash", models.CharField(blank=True, editable=False, max_length=64)),
                    ],
                    options={
                        "db_table": "audit_event",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(fields=["actor_id", "occurred_at"], name="audit_event_actor_time"),
                            models.Index(fields=["occurred_at"], name="audit_event_time"),
                            django.contrib.postgres.indexes.GinIndex(fields=["records"], name="audit_event_records"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AuditChainHead",
                    fields=[
                        ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ("last_id", models.BigIntegerField(default=0)),
                        ("hash", models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        "db_table": "audit_chain_head",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("id", 1)), name="audit_chain_head_single_row")
                        ],
                    },
                ),
            ],
        ),
    ]
