"""SQL the ORM compiled once, run many times: a list's page and count; one model's INSERT.

Compiling a list's `.values()` query and its `COUNT(*)` (resolving the annotations, the
joins, the selected columns and their converters) was about a third of the Python time of
`GET /operations/?page_size=1`, and it gave the same SQL every time the same filters were
asked for. `CompiledRows` holds that SQL, its parameters and the columns' converters, and
serves any page of it (`rows[low:high]`, LIMIT and OFFSET as parameters) and its count, as the
queryset would: the same rows, as the same dicts, through the same database converters.

`compiled_rows(key, ...)` keeps one per key for the life of the process (a bounded number).
A key must name everything the query depends on (the view, its serializer, its filters'
values); queries with other than plain parameters (geometries, from a bbox) are not kept.

`CompiledInsert` is a model's `save(force_insert=True)` compiled once: the audit trail writes
one event per read, and compiling that INSERT was about a third of the Python calls of a
one-row list page.

A kept list's first page and its count are also *prepared* on the server (`prepared_cursor`):
planning the operations page (six correlated totals) cost PostgreSQL more CPU than running
it. The first page's LIMIT is written into the statement, so PostgreSQL settles on one plan
for it (with LIMIT as a parameter it plans every execution again, not knowing the limit);
other pages, and lists that are not kept, are planned per request as before, so that paging
through a list does not churn the connection's prepared statements (psycopg keeps 100).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import DatabaseDefault
from django.db.models.sql import InsertQuery

from . import sql

# Parameters safe to share between requests and threads (immutable values).
PLAIN_PARAMS = (str, int, float, bool, type(None), uuid.UUID, decimal.Decimal, datetime.datetime, datetime.date)
# Distinct keys kept per process: the unfiltered lists and the filters asked for often; a map
# panning through bboxes is not kept (geometry parameters), so this bounds odd traffic only.
MAX_KEPT = 256
_kept: dict[Hashable, CompiledRows] = {}
# psycopg's prepare_threshold that only `prepare=True` passes (see `prepared_cursor`).
ONLY_WHEN_ASKED = 2**31 - 1


@dataclass(frozen=True)
class CompiledRows:
    """The rows of a `.values()` queryset, compiled: sliceable as the queryset (a slice is one
    query with LIMIT and OFFSET) and countable (`count()`: COUNT(*) over `counted`'s rows)."""

    alias: str
    sql: str
    params: tuple
    names: tuple[str, ...]
    # (position, converters, expression), applied as Django's compiler applies them.
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    count_sql: str
    count_params: tuple
    ordered: bool
    _bound: bool = False

    @classmethod
    def of(cls, rows: QuerySet, *, counted: QuerySet) -> CompiledRows:
        """`rows` (a `.values()` queryset, unsliced) and the queryset whose rows it counts
        (the same filters without the output's joins and annotations)."""
        query = rows.query
        if query.is_sliced or query.combinator:
            raise ValueError("CompiledRows takes an unsliced .values() queryset, not a slice or a union().")
        compiler = query.get_compiler(using=rows.db)
        statement, params = compiler.as_sql()
        # The row's keys and converters as ValuesIterable and results_iter make them.
        if query.selected:
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(selected).items()
        )
        count_query, count_params = counted.order_by().values("pk").query.sql_with_params()
        return cls(
            alias=rows.db,
            sql=statement,
            params=tuple(params),
            names=names,
            converters=converters,
            count_sql=sql.COUNT_ROWS_OF.format(rows=count_query),
            count_params=tuple(count_params),
            ordered=rows.ordered,
        )

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step is not None or index.start is None or index.stop is None:
            raise TypeError("CompiledRows serves pages: rows[low:high].")
        connection = connections[self.alias]
        limit, offset = int(index.stop - index.start), int(index.start)
        if self.is_bound and offset == 0 and prepares(self.alias):
            with prepared_cursor(self.alias) as cursor:
                # Bound: the only placeholders left are LIMIT's and OFFSET's (`bound`), and
                # `%%` for a literal `%`, which the %-formatting turns back into one.
                cursor.execute(sql.PAGE_OF.format(rows=self.sql) % (limit, offset))
                fetched = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql.PAGE_OF.format(rows=self.sql), (*self.params, limit, offset))
                fetched = cursor.fetchall()
        names = self.names
        out = []
        for values in fetched:
            if self.converters:
                values = list(values)
                for position, functions, expression in self.converters:
                    value = values[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    values[position] = value
            # As ValuesIterable: columns past the names (ORDER BY terms a DISTINCT selects) are not shown.
            out.append(dict(zip(names, values, strict=False)))
        return out

    def count(self) -> int:
        if self.is_bound and prepares(self.alias):
            with prepared_cursor(self.alias) as cursor:
                cursor.execute(self.count_sql % ())  # `%%` back to `%` (see `bound`)
                return cursor.fetchone()[0]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.count_sql, self.count_params)
            return cursor.fetchone()[0]

    @property
    def is_bound(self) -> bool:
        """Whether `bound()` made it: its values are in its SQL, which is kept for other requests."""
        return self._bound

    @property
    def shareable(self) -> bool:
        """Whether its parameters are plain immutable values, safe to keep for other requests."""
        return all(isinstance(value, PLAIN_PARAMS) for value in (*self.params, *self.count_params))

    def bound(self) -> CompiledRows:
        """The same statements with their parameters bound once, by psycopg, as it binds them
        on every execute (client-side): a kept statement's values (a zone named in every
        timestamp column) are not quoted again for every page. Literal `%` is escaped again,
        for the LIMIT and OFFSET parameters still to come."""
        compose = connections[self.alias].ops.compose_sql
        return replace(
            self,
            sql=compose(self.sql, self.params).replace("%", "%%"),
            params=(),
            count_sql=compose(self.count_sql, self.count_params).replace("%", "%%"),
            count_params=(),
            _bound=True,
        )


class _PreparingCursor(psycopg.Cursor):
    """psycopg's server-side-binding cursor that prepares every statement it runs (Django's
    connections leave psycopg's automatic preparation off: `prepare_threshold` None)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class _LoggedPreparingCursor(_PreparingCursor):
    """The same, for a connection that logs its queries (DEBUG, tests' query counts): psycopg
    keeps no query text for a statement run by name, where Django's `last_executed_query`
    reads it (`_query.query`), so the log would say None."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        super().execute(query, params, binary=binary)
        if self._query is None:
            self._query = self._convert_query(query, params)
        return self


def prepares(alias: str) -> bool:
    """Whether statements may be prepared on `alias`'s connections: not behind PgBouncer in
    transaction mode (DISABLE_SERVER_SIDE_CURSORS, as for server-side cursors), where a
    prepared statement may be asked of another server connection than the one that has it."""
    return not connections[alias].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")


def prepared_cursor(alias: str):
    """A Django cursor (execute wrappers, query logging, error wrapping, as `cursor()`) whose
    statements psycopg prepares once per connection and then runs by name. Take it only for
    SQL that is kept (the same text every time) and has its values in it."""
    connection = connections[alias]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django opens connections with psycopg's preparation off, which refuses even an
        # explicit `prepare=True`. Django's own cursors bind on the client and never prepare,
        # so a threshold no statement reaches leaves them as they are.
        raw.prepare_threshold = ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        if connection.queries_logged:
            return connection.make_debug_cursor(_LoggedPreparingCursor(raw))
        return connection.make_cursor(_PreparingCursor(raw))


def compiled_rows(key: Hashable | None, build: Callable[[], tuple[QuerySet, QuerySet]]) -> CompiledRows:
    """The compiled rows kept under `key`, or those of `build()` (`(rows, counted)`), kept
    under `key` when it is not None and their parameters are plain values."""
    if key is not None:
        found = _kept.get(key)
        if found is not None:
            return found
    rows, counted = build()
    compiled = CompiledRows.of(rows, counted=counted)
    if key is not None and compiled.shareable:
        compiled = compiled.bound()
        if len(_kept) >= MAX_KEPT:
            _kept.clear()  # rare (odd filters); a dict's clear and set are atomic between threads
        _kept[key] = compiled
    return compiled


@dataclass(frozen=True)
class CompiledInsert:
    """A model's one-row INSERT ... RETURNING, as `instance.save(force_insert=True)` sends it,
    compiled once for instances whose fields hold values, and whose `db_default` fields are
    left to the database (`DatabaseDefault`), as in the prototype it was compiled from.

    `insert(instance)` prepares each value with its field (`pre_save`, `get_db_prep_save`, as
    the ORM does), runs the statement and sets what it returns (the primary key, the database
    defaults) on the instance. It sends no pre_save/post_save signals: use it only for models
    that have no receivers (the audit event)."""

    alias: str
    sql: str
    value_fields: tuple[Field, ...]
    default_fields: tuple[Field, ...]  # left to their database defaults
    returning_params: tuple
    # (field, its column as an expression, the converters of its returned value), as the
    # ORM's insert compiler applies them.
    returning: tuple[tuple[Field, Any, tuple[Callable, ...]], ...]

    @classmethod
    def of(cls, prototype: Model, *, alias: str) -> CompiledInsert:
        meta = prototype._meta
        fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field]
        returning = tuple(meta.db_returning_fields)
        query = InsertQuery(type(prototype))
        query.insert_values(fields, [prototype])
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = returning
        ((statement, params),) = compiler.as_sql()
        value_fields = tuple(
            field for field in fields if not isinstance(getattr(prototype, field.attname), DatabaseDefault)
        )
        default_fields = tuple(field for field in fields if field not in value_fields)
        if len(params) != len(value_fields) + len(compiler.returning_params):
            raise ValueError(f"{meta.label}'s INSERT has parameters that are not its fields' values.")
        connection = connections[alias]
        columns = [field.get_col(meta.db_table) for field in returning]
        return cls(
            alias=alias,
            sql=statement,
            value_fields=value_fields,
            default_fields=default_fields,
            returning_params=tuple(compiler.returning_params),
            returning=tuple(
                (field, column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
                for field, column in zip(returning, columns, strict=True)
            ),
        )

    def insert(self, instance: Model) -> None:
        connection = connections[self.alias]
        for field in self.default_fields:
            if not isinstance(getattr(instance, field.attname), DatabaseDefault):
                raise ValueError(f"{field.name}: compiled to be left to its database default.")
        values = []
        for field in self.value_fields:
            value = field.pre_save(instance, True)
            if isinstance(value, DatabaseDefault) or hasattr(value, "resolve_expression"):
                raise ValueError(f"{field.name}: CompiledInsert takes values, not database defaults or expressions.")
            values.append(field.get_db_prep_save(value, connection=connection))
        with connection.cursor() as cursor:
            cursor.execute(self.sql, (*values, *self.returning_params))
            row = cursor.fetchone()
        for value, (field, column, converters) in zip(row, self.returning, strict=True):
            for converter in converters:
                value = converter(value, column, connection)
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = self.alias


def forget(**_signal) -> None:
    """Drop every kept statement. Called on every settings change (`setting_changed`: a test's
    override), since a kept statement holds values read from settings when it was compiled
    (the pseudonyms' key, the time zone's rules): production settings never change at run time."""
    _kept.clear()


setting_changed.connect(forget)
