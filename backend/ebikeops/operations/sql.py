"""The operations app's SQL. Values only ever go in params.

`rows_insert_sql(model)`: many rows of a model in one INSERT ... SELECT FROM
json_populate_recordset(), the rows given as one JSON array of objects keyed by column (sync
batches: `services.records_create_many` and the custody steps of its seizures; run by
`services.rows_insert`). Django's `bulk_create` writes the same rows, but for seizures and
arrests it builds one placeholder per value (2,400 for 100 seizures) and prepares each value
through its field. One array parameter per column was better, but psycopg's client-side
binding quotes every element of every array in Python (~3 ms of CPU for 100 seizures); one
JSON text is written by orjson and quoted once. PostgreSQL reads each value with its
column's own input function (the row type of the table): timestamps as ISO 8601 with their
offset, points as hex EWKB (exact, SRID included). The statement names the model's own
columns (never values), so a field added to the model is inserted without touching this file.
"""

from functools import cache

from django.db import connection
from django.db.models import Model


@cache
def rows_insert_sql(model: type[Model]) -> str:
    """INSERT of every concrete field of `model`; its one parameter is a JSON array of
    objects keyed by column name (see `services.rows_insert`)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
    reads = ", ".join(f"r.{quote(field.column)}" for field in model._meta.concrete_fields)
    # The table and column names come from the model; the values go in params.
    return f"INSERT INTO {table} ({names}) SELECT {reads} FROM json_populate_recordset(NULL::{table}, %s::json) AS r"  # noqa: S608


# --- The operations list's totals (reads; ebikeops.operations.selectors) ---------------------
# One correlated COUNT per total, on an index led by operation_id (seizure_operation_time for
# seizures, since migration 0007), evaluated by PostgreSQL only for the rows a page returns
# (after ORDER BY and LIMIT, unless the order is by a total).
# Written here rather than as ORM subqueries: compiling six Subquery(...) expressions was most
# of the Python time of `GET /operations/?page_size=1`, and their GROUP BY ... LIMIT 1 form
# cost PostgreSQL more to plan than a plain COUNT(*). The outer table is the list's base table
# (the selector's queryset is never relabelled as a subquery's U0: reporting compiles it whole).
SEIZURES_OF_OPERATION = (
    'SELECT COUNT(*) FROM "operations_seizure" s WHERE s."operation_id" = "operations_operation"."id"'
)
SEIZURES_OF_OPERATION_BY_TYPE = SEIZURES_OF_OPERATION + ' AND s."vehicle_type" = %s'
ARRESTS_OF_OPERATION = 'SELECT COUNT(*) FROM "operations_arrest" a WHERE a."operation_id" = "operations_operation"."id"'

# A timestamp {ts} (a column, no params of its own) as the list serializers' DateTimeField writes
# it in the zone {zone} (a %s parameter each time; listing._local_time does the same in Python):
# ISO 8601, microseconds only when not zero, "Z" for a zero offset, and in UTC with "Z" where
# the zone's offset is not whole minutes (London's local mean time before 1847). A page of 100
# seizures then reads 400 timestamps as text instead of parsing and writing each in Python.
_LOCAL = "({ts} AT TIME ZONE {zone})"
_UTC = "({ts} AT TIME ZONE 'UTC')"
# ISO 8601 to the microsecond; Python leaves out a fraction of zero ('.000000' occurs nowhere else).
_ISO = "replace(to_char({at}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
_ANY_OFFSET = (
    f"CASE WHEN extract(second FROM {_LOCAL} - {_UTC}) <> 0 THEN {_ISO.format(at=_UTC)} || 'Z' "
    f"ELSE {_ISO.format(at=_LOCAL)} || CASE WHEN {_LOCAL} = {_UTC} THEN 'Z' "
    f"WHEN {_LOCAL} > {_UTC} THEN '+' || to_char({_LOCAL} - {_UTC}, 'HH24:MI') "
    f"ELSE '-' || to_char({_UTC} - {_LOCAL}, 'HH24:MI') END END"
)
# The offsets of London's GMT and BST first, as constants: a simple CASE computes the offset
# once, where _ANY_OFFSET converts the time into the zone up to four times and writes the
# offset with to_char (together ~0.7-1 ms of PostgreSQL's CPU for a page of 100 seizures).
LOCAL_ISO_TIME = (
    f"CASE {_LOCAL} - {_UTC} WHEN interval '0' THEN {_ISO.format(at=_LOCAL)} || 'Z' "
    f"WHEN interval '1 hour' THEN {_ISO.format(at=_LOCAL)} || '+01:00' ELSE {_ANY_OFFSET} END"
)
