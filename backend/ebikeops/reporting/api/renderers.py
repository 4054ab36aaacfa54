"""CSV output and the content negotiation of reporting's endpoints.

Summaries: JSON by default, CSV for `Accept: text/csv` or `?format=csv` (an unknown format
is a 400 naming `format`). Exports and tiles: the URL decides the format, Accept is ignored.
Errors are always problem details in JSON, whatever was asked for.
"""

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import datetime
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

from ..sql import SUMMARY_COUNTS


class URLDecidesNegotiation(DefaultContentNegotiation):
    """The path names the format (.geojson, .csv, .mvt): Accept is not consulted; the first
    renderer (JSON) renders problem details."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ProblemsAsJSON:
    """View mixin: an error response (and OPTIONS) is JSON even if CSV was negotiated."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def options(self, request, *args, **kwargs):
        # OPTIONS answers with DRF's metadata (JSON), never a summary: `?format=csv` must not
        # hand it to the CSV renderer (a KeyError, a 500).
        response = super().options(request, *args, **kwargs)
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
        return response


def _flat_name(path: Sequence[str]) -> str:
    """("seizures", "total") -> seizures; ("seizures", "by_reason", "other") -> seizures_reason_other."""
    if path[-1] == "total":
        return path[0]
    return "_".join(part.removeprefix("by_") for part in path)


def _dig(figures: dict, path: Sequence[str]) -> Any:
    for key in path:
        figures = figures[key]
    return figures


def _time(value: datetime | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def summary_table(data: dict) -> Iterator[list[Any]]:
    """The summary as rows: a header, one row per group, the totals and the rolling 12
    months (column `row` says which). A borough is two columns, code and name."""
    dimensions: list[str] = []
    for dimension in data["group_by"]:
        dimensions.extend(("borough_code", "borough_name") if dimension == "borough" else (dimension,))
    counts = [path for path, *_ in SUMMARY_COUNTS]
    yield ["row", *dimensions, "since", "until", *(_flat_name(path) for path in counts)]

    def row(kind: str, group: dict | None, figures: dict, since, until) -> list[Any]:
        keys: list[Any] = []
        for dimension in data["group_by"]:
            value = group.get(dimension) if group else None
            if dimension == "borough":
                keys.extend((value["gss_code"], value["name"]) if value else ("", ""))
            else:
                keys.append("" if value is None else value)
        return [kind, *keys, _time(since), _time(until), *(_dig(figures, path) for path in counts)]

    for group in data["groups"]:
        yield row("group", group, group, data["since"], data["until"])
    yield row("total", None, data["totals"], data["since"], data["until"])
    rolling = data["rolling_12_months"]
    yield row("rolling_12_months", None, rolling, rolling["since"], rolling["until"])


class SummaryCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(summary_table(data))
        return buffer.getvalue().encode("utf-8")


# --- Streamed exports ---------------------------------------------------------------------------


def started(chunks: Iterator[list]) -> Iterator[list]:
    """`chunks` with its query already running and its first chunk read.

    A streamed response sends its status line before the body: an export whose query failed
    on its first rows (PostgreSQL refusing a value the filters let through) went out as a 200
    whose body broke off mid-stream. Run before the response is made, the failure becomes an
    error response (problem details) instead."""
    first = next(chunks, None)

    def rest() -> Iterator[list]:
        with closing(chunks):
            if first is not None:
                yield first
            yield from chunks

    return rest()


def geojson_stream(chunks: Iterator[list[tuple[str]]]) -> Iterator[bytes]:
    """A FeatureCollection around Features that arrive as JSON text, chunk by chunk."""
    with closing(chunks):  # a response closed early closes the rows' stream now, not at GC
        yield b'{"type":"FeatureCollection","features":['
        separator = b""
        for rows in chunks:
            yield separator + ",".join(row[0] for row in rows).encode("utf-8")
            separator = b","
        yield b"]}\n"


def csv_stream(header: Sequence[str], chunks: Iterator[list[tuple]]) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF, quoted as needed), a header first, then chunk by chunk."""
    with closing(chunks):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for rows in chunks:
            writer.writerows(rows)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if buffer.tell():  # the header of an empty export
            yield buffer.getvalue().encode("utf-8")
