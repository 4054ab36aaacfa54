"""The INSERT trigger's digest, computed without rebuilding the event's `changes` (issue 13).

A row's hash is still SHA-256 over `(jsonb_strip_nulls(to_jsonb(row)) - 'hash')::text`
(`audit_event_digest`, which `verify_audit` recomputes). 0002's `audit_event_row_digest`
computed it literally: to_jsonb copied the row's `changes`, jsonb_strip_nulls rebuilt them, the
`-` operator rebuilt them again, and the cast wrote them out; for a 500-seizure collection
(some 450 KB) that was most of the trigger's time. Now it writes the same text in pieces:

- `changes` are written out once; only if that text holds an object member whose value is null
  (`": null`, which jsonb writes for exactly that; a false alarm inside a string only costs
  the slow path) are they stripped first;
- the other columns go through the literal formula (they are small), and the pairs are joined
  in jsonb's own key order (shorter keys first, then bytewise), as jsonb's output writes them.

`changes` that are SQL NULL, not an object, or under 8 KB (a PATCH's, where the pieces cost
more than they save) take the literal formula. The text, and so the
hash, is the same byte for byte (tests/audit/test_digest.py compares the two on awkward rows,
and every verify_audit test recomputes hashes the old way).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_row_digest(row_value audit_event) RETURNS text
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
DECLARE
    changes jsonb := row_value.changes;
    changes_text text;
    body text;
BEGIN
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

BACKWARD = r"""
CREATE OR REPLACE FUNCTION audit_event_row_digest(row_value audit_event) RETURNS text
LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
    SELECT audit_event_digest(to_jsonb(row_value))
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_several_chains")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
