"""The operations app's SQL. Values only ever go in params.

`rows_insert_sql(model)`: many rows of a model in one INSERT ... SELECT FROM unnest(), one
array parameter per column (sync batches: `services.records_create_many` and the custody
steps of its seizures; run by `services.rows_insert`). Django's `bulk_create` writes the same
rows, but sends UNNEST arrays itself only when no field is a geometry: for seizures and
arrests it builds one placeholder per value (2,400 for 100 seizures) and prepares each value
through its field. Here PostgreSQL gets ~25 arrays, points as EWKB. The statement is built
from the model's own fields (names and types, never values), so a field added to the model
is inserted without touching this file.
"""

from functools import cache

from django.contrib.gis.db.models import GeometryField
from django.db import connection
from django.db.models import Model


def _column(model: type[Model], field) -> tuple[str, str, str]:
    """(quoted column, array type of its parameter, expression reading the unnested value)."""
    quote = connection.ops.quote_name
    name = quote(field.column)
    if isinstance(field, GeometryField):
        # Geometries travel as EWKB (exact, SRID included) and are rebuilt by PostGIS.
        return name, "bytea[]", f"ST_GeomFromEWKB(r.{name})"
    return name, f"{field.db_type(connection)}[]", f"r.{name}"


@cache
def rows_insert_sql(model: type[Model]) -> str:
    """INSERT of every concrete field of `model`, the values given as one array per field in
    `model._meta.concrete_fields` order (see `services.rows_insert`)."""
    columns = [_column(model, field) for field in model._meta.concrete_fields]
    names = ", ".join(name for name, _, _ in columns)
    arrays = ", ".join(f"%s::{array_type}" for _, array_type, _ in columns)
    reads = ", ".join(expression for _, _, expression in columns)
    # The table, column names and types come from the model; the values go in params.
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({names}) SELECT {reads} FROM unnest({arrays}) AS r({names})"  # noqa: S608


# --- The operations list's totals (reads; ebikeops.operations.selectors) ---------------------
# One correlated COUNT per total, on the operation foreign key's index, evaluated by PostgreSQL
# only for the rows a page returns (after ORDER BY and LIMIT, unless the order is by a total).
# Written here rather than as ORM subqueries: compiling six Subquery(...) expressions was most
# of the Python time of `GET /operations/?page_size=1`, and their GROUP BY ... LIMIT 1 form
# cost PostgreSQL more to plan than a plain COUNT(*). The outer table is the list's base table
# (the selector's queryset is never relabelled as a subquery's U0: reporting compiles it whole).
SEIZURES_OF_OPERATION = (
    'SELECT COUNT(*) FROM "operations_seizure" s WHERE s."operation_id" = "operations_operation"."id"'
)
SEIZURES_OF_OPERATION_BY_TYPE = SEIZURES_OF_OPERATION + ' AND s."vehicle_type" = %s'
ARRESTS_OF_OPERATION = 'SELECT COUNT(*) FROM "operations_arrest" a WHERE a."operation_id" = "operations_operation"."id"'
