"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's json module recurses once per level: a body of ~1,100 `[` (a few KB) raised
RecursionError, a 500, on every JSON write endpoint. No request of this API nests more than a
few levels (a sync batch: batch > item > record > geometry > coordinates), so anything deeper
than `JSON_MAX_DEPTH` (400) is a 400. orjson parses without Python recursion (it refuses
depths over 1024 itself); the depth is then measured without recursion either.
"""

import codecs

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "JSON nested more than {limit} levels deep."


def json_depth(value, limit: int) -> int:
    """How deeply `value` nests (a scalar is 0, `[]` is 1), counting no further than limit+1."""
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser (strict: no NaN or Infinity) with a nesting limit (JSON_MAX_DEPTH)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            if codecs.lookup(encoding).name != "utf-8":
                raw = raw.decode(encoding).encode("utf-8")
            data = orjson.loads(raw)
        except (orjson.JSONDecodeError, UnicodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        limit = settings.JSON_MAX_DEPTH
        if json_depth(data, limit) > limit:
            raise ParseError(TOO_DEEP.format(limit=limit))
        return data
