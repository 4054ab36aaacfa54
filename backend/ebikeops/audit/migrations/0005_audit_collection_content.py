"""A collection event's content stored as the JSON text PostgreSQL built, hashed as stored
(issue 13's write overhead, its third pass).

Until now a collection's content (some 450 KB of JSON for a 500-seizure sync) went through
jsonb twice: `collection_insert_sql` built it as JSON text and cast it to jsonb (PostgreSQL
parsing 450 KB into jsonb, about 5 ms), and the INSERT trigger wrote that jsonb back out as
text to hash it (about 2.5 ms). Now:

- a new column `content json`, nullable without a default (no table rewrite: every partition
  gets it at once, existing rows hold null), compressed with lz4 like `changes` (0004);
  collections go there, as the text was built (json keeps the text; its input check is a
  scan, not a parse into a tree); `changes` stays jsonb for every other event;
- the digest has a second version, chosen by the row itself: a row whose `content` is null is
  hashed as before (version 1, `audit_event_digest(to_jsonb(row))`: old rows keep their
  hashes, nothing is rehashed); a row with `content` is hashed over the version-1 text of its
  other columns with `"content": <the stored text>` appended as its last member (version 2,
  `audit_event_content_hash`). Every stored byte of the content is in the hash, not its
  value as jsonb would read it, so a change of spacing is found too;
- `audit_event_stored_digest(row)` is the digest `verify_audit` recomputes, by each row's
  version; the INSERT trigger (0002's) hashes a row with content by version 2 without handing
  the whole row to a function (each hand-over copied its 450 KB), and others as before.

Readers get a collection's content as jsonb (the field casts it on SELECT), in `changes`
(AuditEvent.from_db), so the API, the CSV and record histories answer as before.
"""

from django.db import migrations

import ebikeops.audit.fields

FORWARD = r"""
-- lz4 as 0004 sets for `changes` (a new partition copies the parent); pglz where the server lacks it.
DO $$
BEGIN
    ALTER TABLE audit_event ADD COLUMN content json COMPRESSION lz4 NULL;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'audit_event.content keeps the default compression: %', SQLERRM;
    ALTER TABLE audit_event ADD COLUMN content json NULL;
END $$;

-- Version 2 of a row's digest, for rows with `content`: SHA-256 over the version-1 text of the
-- row without it (nulls stripped, no `hash`, times in UTC) with `"content": <stored text>`
-- appended as its last member. The other members come first in jsonb's order, so no version-1
-- text (where "content" would sort before "user_agent") is ever a version-2 text. Callers pass
-- `rest` with its content set to NULL (to_jsonb would otherwise parse the content into jsonb,
-- which the `- 'content'` then drops) and the content apart, so that none copies the row with it.
CREATE FUNCTION audit_event_content_hash(rest audit_event, content json) RETURNS text
LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
    SELECT encode(sha256(convert_to(
        left((jsonb_strip_nulls(to_jsonb(rest)) - 'hash' - 'content')::text, -1)
        || ', "content": ' || content::text || '}',
        'UTF8')), 'hex')
$$;

-- The same for a whole row (verify_audit's walk).
CREATE FUNCTION audit_event_content_digest(row_value audit_event) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    content_value json := row_value.content;
BEGIN
    row_value.content := NULL;
    RETURN audit_event_content_hash(row_value, content_value);
END $$;

-- The digest verify_audit recomputes: each row by its own version. No SET clause, so that it is
-- inlined into the walk's query: with one, every row paid a second function call (verifying
-- small events took 70 % longer). Version 1's to_jsonb runs in the session's time zone, as it
-- did before (Django's sessions are in UTC).
CREATE FUNCTION audit_event_stored_digest(row_value audit_event) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN row_value.content IS NULL THEN audit_event_digest(to_jsonb(row_value))
                ELSE audit_event_content_digest(row_value) END
$$;

-- The trigger's digest: 0003's, with version 2 first.
CREATE OR REPLACE FUNCTION audit_event_row_digest(row_value audit_event) RETURNS text
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
DECLARE
    changes jsonb := row_value.changes;
    changes_text text;
    body text;
BEGIN
    IF row_value.content IS NOT NULL THEN
        RETURN audit_event_content_digest(row_value);
    END IF;
    -- Small changes (a PATCH's) are quicker through the literal formula than through the pieces.
    IF changes IS NULL OR jsonb_typeof(changes) <> 'object' OR pg_column_size(changes) < 8192 THEN
        RETURN audit_event_digest(to_jsonb(row_value));
    END IF;
    changes_text := changes::text;
    IF strpos(changes_text, '": null') > 0 THEN
        changes_text := jsonb_strip_nulls(changes)::text;
    END IF;
    row_value.changes := NULL;
    SELECT string_agg(to_json(pair.key)::text || ': ' || pair.value, ', '
                      ORDER BY octet_length(pair.key), pair.key COLLATE "C")
    INTO body
    FROM (
        SELECT key, value::text AS value FROM jsonb_each(jsonb_strip_nulls(to_jsonb(row_value)) - 'hash')
        UNION ALL
        SELECT 'changes', changes_text
    ) AS pair;
    RETURN encode(sha256(convert_to('{' || body || '}', 'UTF8')), 'hex');
END $$;

-- 0002's trigger, but a row with content is hashed without handing the whole row (some 450 KB
-- for a 500-seizure sync) to the digest functions: each hand-over copied it, which cost about
-- 1 ms of the collection's INSERT (a loop of 50 digests in PL/pgSQL, three rounds).
CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    held text := current_setting('ebikeops.audit_chain_held', true);
    head audit_chain_head%ROWTYPE;
    content_value json;
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
    IF NEW.content IS NOT NULL THEN
        content_value := NEW.content;
        NEW.content := NULL;
        NEW.hash := audit_event_content_hash(NEW, content_value);
        NEW.content := content_value;
    ELSE
        NEW.hash := audit_event_row_digest(NEW);
    END IF;
    UPDATE audit_chain_head SET last_id = NEW.id, last_seq = NEW.seq, hash = NEW.hash WHERE id = head.id;
    RETURN NEW;
END $$;
"""

# Back to 0004: only sound on a trail without version-2 rows (dropping `content` would leave
# them unverifiable).
BACKWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_row_digest(row_value audit_event) RETURNS text
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
DECLARE
    changes jsonb := row_value.changes;
    changes_text text;
    body text;
BEGIN
    IF changes IS NULL OR jsonb_typeof(changes) <> 'object' OR pg_column_size(changes) < 8192 THEN
        RETURN audit_event_digest(to_jsonb(row_value));
    END IF;
    changes_text := changes::text;
    IF strpos(changes_text, '": null') > 0 THEN
        changes_text := jsonb_strip_nulls(changes)::text;
    END IF;
    row_value.changes := NULL;
    SELECT string_agg(to_json(pair.key)::text || ': ' || pair.value, ', '
                      ORDER BY octet_length(pair.key), pair.key COLLATE "C")
    INTO body
    FROM (
        SELECT key, value::text AS value FROM jsonb_each(jsonb_strip_nulls(to_jsonb(row_value)) - 'hash')
        UNION ALL
        SELECT 'changes', changes_text
    ) AS pair;
    RETURN encode(sha256(convert_to('{' || body || '}', 'UTF8')), 'hex');
END $$;
DROP FUNCTION audit_event_stored_digest(audit_event);
DROP FUNCTION audit_event_content_digest(audit_event);
DROP FUNCTION audit_event_content_hash(audit_event, json);
ALTER TABLE audit_event DROP COLUMN content;
-- 0002's trigger, as it was.
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


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_audit_changes_lz4")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="auditevent",
                    name="content",
                    field=ebikeops.audit.fields.JSONTextField(blank=True, editable=False, null=True),
                ),
            ],
        ),
    ]
