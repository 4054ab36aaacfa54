"""Several hash chains instead of one (issues 13 and 16).

0001's INSERT trigger locked the single row of `audit_chain_head` until the writer's
transaction ended, so every audited request in the product queued behind one row lock that
spanned a commit. Now there are several chains, each with its head row (`AUDIT_CHAINS` of
them, kept by `audit.services.chains_ensure` after every `migrate`):

- the trigger takes the head this transaction already holds, else any free one
  (`FOR UPDATE SKIP LOCKED`), else waits on one (all busy); a transaction therefore holds one
  head at most (no deadlock between heads) and its events are consecutive in that chain;
- each event records its `chain` and its `seq` in that chain (1, 2, 3 ...), and prev_hash is
  that head's hash; both columns are in the row's digest, so they cannot be changed unseen;
- the events written before this migration keep `chain` and `seq` NULL (the digest strips
  nulls, so their hashes still hold): they are the frozen legacy chain, walked in id order,
  whose head moves from row 1 to row 0. No trigger appends to it any more.

The digest of a row is computed by `audit_event_row_digest(audit_event)`, which sets the
time zone to UTC for itself; the trigger has no SET clause, so that the head it takes can be
remembered for the rest of the transaction (`set_config(..., true)`).
"""

from django.db import migrations, models

FORWARD = r"""
-- The defaults are placeholders the trigger overwrites; Django reads the values back from the
-- INSERT's RETURNING because the fields have a db_default (so event_record returns them).
ALTER TABLE audit_event ADD COLUMN chain smallint NULL, ADD COLUMN seq bigint NULL;
ALTER TABLE audit_event ALTER COLUMN chain SET DEFAULT 0, ALTER COLUMN seq SET DEFAULT 0,
    ALTER COLUMN prev_hash SET DEFAULT '', ALTER COLUMN hash SET DEFAULT '';
CREATE INDEX audit_event_chain_seq ON audit_event (chain, seq);
-- The legacy chain's walk and its "any left?" look-up; rows written from now on never enter it.
CREATE INDEX audit_event_legacy_chain ON audit_event (id) WHERE chain IS NULL;

ALTER TABLE audit_chain_head DROP CONSTRAINT audit_chain_head_single_row;
ALTER TABLE audit_chain_head ADD COLUMN last_seq bigint NOT NULL DEFAULT 0,
                             ADD COLUMN open boolean NOT NULL DEFAULT true;
UPDATE audit_chain_head SET id = 0, open = false WHERE id = 1;
INSERT INTO audit_chain_head (id, last_id, last_seq, hash, open)
SELECT g, 0, 0, '', true FROM generate_series(1, 16) AS g ON CONFLICT (id) DO NOTHING;

CREATE FUNCTION audit_event_row_digest(row_value audit_event) RETURNS text
LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
    SELECT audit_event_digest(to_jsonb(row_value))
$$;

CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    held text := current_setting('ebikeops.audit_chain_held', true);
    head audit_chain_head%ROWTYPE;
BEGIN
    -- The head this transaction already holds: its events stay together in one chain.
    IF coalesce(held, '') <> '' THEN
        SELECT * INTO head FROM audit_chain_head WHERE id = held::smallint FOR UPDATE;
    END IF;
    -- Else any open head no other transaction holds.
    IF head.id IS NULL THEN
        SELECT * INTO head FROM audit_chain_head WHERE open AND id >= 1 ORDER BY id
        LIMIT 1 FOR UPDATE SKIP LOCKED;
    END IF;
    IF head.id IS NULL THEN
        -- No head at all (a test flush emptied the table): start chain 1; `migrate` makes the rest.
        INSERT INTO audit_chain_head (id, last_id, last_seq, hash, open) VALUES (1, 0, 0, '', true)
        ON CONFLICT (id) DO NOTHING;
        -- All busy: wait for one, a different one for each backend so that waiters spread.
        SELECT * INTO head FROM audit_chain_head WHERE open AND id >= 1
        ORDER BY (id + pg_backend_pid()) % 32768 LIMIT 1 FOR UPDATE;
        IF head.id IS NULL THEN
            -- Only if the head waited for was closed meanwhile (AUDIT_CHAINS lowered): the
            -- writer's transaction fails rather than append an event to no chain.
            RAISE EXCEPTION 'no open audit chain head' USING ERRCODE = 'lock_not_available',
                HINT = 'Run migrate (it opens AUDIT_CHAINS chains) and try again.';
        END IF;
    END IF;
    PERFORM set_config('ebikeops.audit_chain_held', head.id::text, true);
    NEW.id := nextval('audit_event_id_seq');
    NEW.chain := head.id;
    NEW.seq := head.last_seq + 1;
    NEW.prev_hash := head.hash;
    NEW.hash := audit_event_row_digest(NEW);
    UPDATE audit_chain_head SET last_id = NEW.id, last_seq = NEW.seq, hash = NEW.hash WHERE id = head.id;
    RETURN NEW;
END $$;
"""

# Back to one chain: only sound on a trail without chained events (a test's, or none yet).
BACKWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
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
DROP FUNCTION audit_event_row_digest(audit_event);
DELETE FROM audit_chain_head WHERE id <> 0;
UPDATE audit_chain_head SET id = 1 WHERE id = 0;
ALTER TABLE audit_chain_head DROP COLUMN last_seq, DROP COLUMN open;
ALTER TABLE audit_chain_head ADD CONSTRAINT audit_chain_head_single_row CHECK (id = 1);
DROP INDEX audit_event_legacy_chain;
DROP INDEX audit_event_chain_seq;
ALTER TABLE audit_event DROP COLUMN chain, DROP COLUMN seq;
ALTER TABLE audit_event ALTER COLUMN prev_hash DROP DEFAULT, ALTER COLUMN hash DROP DEFAULT;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_event_partitioned")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="auditevent",
                    name="chain",
                    field=models.SmallIntegerField(blank=True, db_default=0, editable=False, null=True),
                ),
                migrations.AddField(
                    model_name="auditevent",
                    name="seq",
                    field=models.BigIntegerField(blank=True, db_default=0, editable=False, null=True),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="prev_hash",
                    field=models.CharField(blank=True, db_default="", editable=False, max_length=64),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="hash",
                    field=models.CharField(blank=True, db_default="", editable=False, max_length=64),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["chain", "seq"], name="audit_event_chain_seq"),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        fields=["id"], condition=models.Q(chain__isnull=True), name="audit_event_legacy_chain"
                    ),
                ),
                migrations.RemoveConstraint(model_name="auditchainhead", name="audit_chain_head_single_row"),
                migrations.AlterField(
                    model_name="auditchainhead",
                    name="id",
                    field=models.PositiveSmallIntegerField(primary_key=True, serialize=False),
                ),
                migrations.AddField(
                    model_name="auditchainhead", name="last_seq", field=models.BigIntegerField(default=0)
                ),
                migrations.AddField(model_name="auditchainhead", name="open", field=models.BooleanField(default=True)),
            ],
        ),
    ]
