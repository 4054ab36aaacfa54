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
  `audit_event_content_digest`). Every stored byte of the content is in the hash, not its
  value as jsonb would read it, so a change of spacing is found too;
- `audit_event_stored_digest(row)` is the digest `verify_audit` recomputes, by each row's
  version; the trigger's `audit_event_row_digest` takes version 2 for rows with content and
  0003's pieces otherwise.

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
-- text (where "content" would sort before "user_agent") is ever a version-2 text.
CREATE FUNCTION audit_event_content_digest(row_value audit_event) RETURNS text
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
DECLARE
    content_text text := row_value.content::text;
    rest text;
BEGIN
    row_value.content := NULL;
    rest := (jsonb_strip_nulls(to_jsonb(row_value)) - 'hash')::text;
    RETURN encode(sha256(convert_to(left(rest, -1) || ', "content": ' || content_text || '}', 'UTF8')), 'hex');
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
ALTER TABLE audit_event DROP COLUMN content;
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
