"""A list's page and count as SQL compiled once per query, not once per request.

Compiling a list's `.values()` query and its `COUNT(*)` (resolving the annotations, the
joins, the selected columns and their converters) was about a third of the Python time of
`GET /operations/?page_size=1`, and it gave the same SQL every time the same filters were
asked for. `CompiledRows` holds that SQL, its parameters and the columns' converters, and
serves any page of it (`rows[low:high]`, LIMIT and OFFSET as parameters) and its count, as the
queryset would: the same rows, as the same dicts, through the same database converters.

`compiled_rows(key, ...)` keeps one per key for the life of the process (a bounded number).
A key must name everything the query depends on (the view, its serializer, its filters'
values); queries with other than plain parameters (geometries, from a bbox) are not kept.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from . import sql

# Parameters safe to share between requests and threads (immutable values).
PLAIN_PARAMS = (str, int, float, bool, type(None), uuid.UUID, decimal.Decimal, datetime.datetime, datetime.date)
# Distinct keys kept per process: the unfiltered lists and the filters asked for often; a map
# panning through bboxes is not kept (geometry parameters), so this bounds odd traffic only.
MAX_KEPT = 256
_kept: dict[Hashable, CompiledRows] = {}


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
        with connection.cursor() as cursor:
            cursor.execute(sql.PAGE_OF.format(rows=self.sql), (*self.params, index.stop - index.start, index.start))
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
            out.append(dict(zip(names, values, strict=True)))
        return out

    def count(self) -> int:
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.count_sql, self.count_params)
            return cursor.fetchone()[0]

    @property
    def shareable(self) -> bool:
        """Whether its parameters are plain immutable values, safe to keep for other requests."""
        return all(isinstance(value, PLAIN_PARAMS) for value in (*self.params, *self.count_params))


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
        if len(_kept) >= MAX_KEPT:
            _kept.clear()  # rare (odd filters); a dict's clear and set are atomic between threads
        _kept[key] = compiled
    return compiled


def forget() -> None:
    """Drop every kept statement (tests that change settings a query depends on)."""
    _kept.clear()
