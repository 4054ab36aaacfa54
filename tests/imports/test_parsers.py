"""The import's fast parsers (sql.FUNCTIONS) give what the safe ones give, or raise an error
that sends the import back to the safe ones: never a different value."""

import random
from datetime import UTC, datetime

import pytest
from django.db import DataError, connection, transaction

from ebikeops.imports import sql

from .test_import_seizures import GOOD

TIMES = [
    "2025-11-29 13:30:00",
    "2025-11-29T13:30:00",
    "2024-02-29 10:00:00",  # a leap day
    "2023-02-29 10:00:00",  # none: the cast raises
    "2025-02-30T10:00:00",
    "2025-13-01 10:00:00",
    "2025-11-29 24:00:00",  # PostgreSQL reads it as the next midnight; the services refuse it
    "2025-11-29 23:59:60",
    "0999-01-01 10:00:00",  # the services want a year from 1000
    "2025-11-29 13:30",
    "2025-11-29",
    "2025-11-29T13:30:00Z",
    "2025-11-29 13:30:00+01",
    "2025-11-29 13:30:00.5",
    "2025-11-2a 13:30:00",
    "2025-11-29 1:30:00 ",
    " 2025-11-29 13:30:00",  # cleaned by the safe parser only
    "2025/11/29 13:30:00",  # as GDAL writes it
    "2025-11-29 13:30:00 ",
    "29-11-2025 13:30:00",
    "2025-03-30 01:30:00",  # in the hour that Europe/London skips
    "today",
    "",
    None,
]
NUMBERS = [
    "51.5128",
    "-0.3050",
    "+0.3050",
    " 8 ",
    "8.",
    ".5",
    ".",
    "-",
    "1.2.3",
    "--1",
    "1e3",
    "1E-2",
    "NaN",
    "Infinity",
    "-inf",
    "0x1A",
    "\t5",
    "5\n",
    "123456789012345",
    "1234567890123456",
    "-123456789012345.5",
    "8,5",
    "5.",
    "-.5",
    "+-1",
    "1-2",
    "12345678901234.",
    "123456789012345.",
    " 51.5",
    "eight",
    "",
    None,
]


# The safe time parser as the import calls it: on the cleaned value (sql.TYPED_SAFE).
SAFE_TIME = "pg_temp.import_time(pg_temp.import_clean(%s), %s)"


def _parse(function: str, value: str | None, *args) -> tuple[str, object]:
    """("ok", result) or ("error", None) when the expression raises. `function`: a name in
    pg_temp, or an expression with placeholders."""
    placeholders = ", ".join(["%s"] * (1 + len(args)))
    expression = function if "(" in function else f"pg_temp.{function}({placeholders})"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {expression}", [value, *args])
            return "ok", cursor.fetchone()[0]
    except DataError:
        return "error", None


@pytest.fixture
def parsers(db):
    with connection.cursor() as cursor:
        cursor.execute(sql.FUNCTIONS)
        cursor.execute(sql.DATESTYLE)


def _assert_same(fast: str, safe: str, values, *args) -> None:
    for value in values:
        outcome, got = _parse(fast, value, *args)
        assert outcome == "error" or got == _parse(safe, value, *args)[1], (
            f"{fast}({value!r}) gave {got!r}; the safe parser gives {_parse(safe, value, *args)[1]!r}"
        )


def _mutations(seed: int, base: str, alphabet: str, count: int) -> list[str]:
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        chars = list(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.5 and at < len(chars):
                chars[at] = rng.choice(alphabet)
            elif action < 0.75:
                chars.insert(at, rng.choice(alphabet))
            elif at < len(chars):
                del chars[at]
        values.append("".join(chars))
    return values


def test_fast_time_parser_agrees_with_the_safe_one_or_raises(parsers):
    mutated = _mutations(17, "2025-11-29 13:30:00", "0123456789-: T.Z+/", 300)
    _assert_same("import_time_fast", SAFE_TIME, TIMES + mutated, "Europe/London")


def test_fast_number_parser_agrees_with_the_safe_one_or_raises(parsers):
    mutated = _mutations(17, "-0.305012", "0123456789.+-eE ", 300)
    _assert_same("import_float_fast", "import_float", NUMBERS + mutated)


def test_fast_parsers_take_the_usual_shapes_themselves(parsers):
    assert _parse("import_time_fast", "2025-11-29T13:30:00", "Europe/London") == (
        "ok",
        datetime(2025, 11, 29, 13, 30, tzinfo=UTC),
    )
    assert _parse("import_float_fast", "-0.3050") == ("ok", -0.305)


def test_a_file_whose_time_makes_the_fast_parser_raise_is_checked_by_the_safe_one(operation, run_import):
    rows = [
        {**GOOD, "external_ref": "S-1", "seized_at": "2025-11-29 13:30:00"},
        {**GOOD, "external_ref": "S-2", "seized_at": "2025-02-30 10:00:00"},
        {**GOOD, "external_ref": "S-3", "longitude": "1.2.3"},
    ]
    summary, rejects = run_import("seizures", rows)

    assert (summary.inserted, summary.rejected) == (1, 2)
    assert [(r["row"], r["field"]) for r in rejects] == [("2", "seized_at"), ("3", "point")]
    assert rejects[0]["message"].startswith("“2025-02-30 10:00:00” value has an invalid format.")
    assert rejects[1]["message"] == "“1.2.3” is not a number of degrees (or metres, in the mapping's CRS)."
