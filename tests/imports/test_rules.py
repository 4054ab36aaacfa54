"""One source of truth: a row the service rejects is rejected by the import, with the same
field and the same message, rule by rule (and a row the service accepts is accepted)."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction

from ebikeops.operations import errors
from ebikeops.operations.services import arrest_create, operation_create, seizure_create
from tests import places
from tests.factories import T0

NOW = T0 + timedelta(days=2)

SEIZURE = {
    "point": places.UXBRIDGE_ROAD_EALING,
    "seized_at": T0 + timedelta(minutes=30),
    "accuracy_m": 8.0,
    "vehicle_type": "e_bike",
    "reason": "non_compliant_eapc",
    "power": "pra_2002_s59",
}
ARREST = {
    "point": places.UXBRIDGE_ROAD_EALING,
    "arrested_at": T0 + timedelta(minutes=45),
    "accuracy_m": 5.0,
    "offence_category": "theft",
    "warrant_offence_category": "",
}
OPERATION = {
    "name": "Uxbridge Road sweep",
    "team": "Ealing Town Centre Team",
    "status": "completed",
    "started_at": T0,
    "ended_at": T0 + timedelta(hours=5),
    "location": places.EALING_BROADWAY,
    "reference": "",
}

CASES = [
    # (kind, changes to the valid record, message the service gives, for the test's reader)
    ("seizures", {}, None),
    ("seizures", {"point": places.PARIS}, errors.POINT_OUTSIDE_LONDON),
    ("seizures", {"point": places.READING}, errors.POINT_OUTSIDE_LONDON),
    ("seizures", {"point": Point(51.5128, -0.3050, srid=4326)}, errors.POINT_SWAPPED),
    ("seizures", {"accuracy_m": 250.0}, errors.ACCURACY_TOO_POOR),
    ("seizures", {"accuracy_m": 100.0}, None),  # the limit itself is accepted
    ("seizures", {"seized_at": NOW + timedelta(hours=1)}, errors.IN_FUTURE),
    ("seizures", {"seized_at": NOW + timedelta(seconds=200)}, errors.OUTSIDE_OPERATION_WINDOW),
    ("seizures", {"seized_at": T0 - timedelta(minutes=61)}, errors.OUTSIDE_OPERATION_WINDOW),
    ("seizures", {"seized_at": T0 - timedelta(minutes=59)}, None),  # within the tolerance
    ("seizures", {"seized_at": T0 + timedelta(hours=6, minutes=1)}, errors.OUTSIDE_OPERATION_WINDOW),
    ("seizures", {"point": places.PARIS, "accuracy_m": 500.0}, errors.POINT_OUTSIDE_LONDON),  # both reported
    ("arrests", {}, None),
    ("arrests", {"point": places.PARIS}, errors.POINT_OUTSIDE_LONDON),
    ("arrests", {"accuracy_m": 101.0}, errors.ACCURACY_TOO_POOR),
    ("arrests", {"arrested_at": T0 - timedelta(hours=3)}, errors.OUTSIDE_OPERATION_WINDOW),
    ("arrests", {"offence_category": "wanted_on_warrant"}, errors.WARRANT_CATEGORY_REQUIRED),
    (
        "arrests",
        {"offence_category": "wanted_on_warrant", "warrant_offence_category": "wanted_on_warrant"},
        errors.WARRANT_CATEGORY_INVALID,
    ),
    ("arrests", {"warrant_offence_category": "drugs"}, errors.WARRANT_CATEGORY_ONLY_FOR_WARRANT),
    ("arrests", {"offence_category": "wanted_on_warrant", "warrant_offence_category": "robbery"}, None),
    ("operations", {}, None),
    ("operations", {"location": places.PARIS}, errors.POINT_OUTSIDE_LONDON),
    ("operations", {"location": Point(51.5130, -0.3020, srid=4326)}, errors.POINT_SWAPPED),
    ("operations", {"ended_at": T0}, errors.ENDS_BEFORE_START),
    ("operations", {"ended_at": T0 - timedelta(hours=1)}, errors.ENDS_BEFORE_START),
    ("operations", {"status": "active", "started_at": NOW + timedelta(days=1), "ended_at": None}, errors.IN_FUTURE),
    ("operations", {"status": "planned", "started_at": NOW + timedelta(days=1), "ended_at": None}, None),
    ("operations", {"ended_at": NOW + timedelta(days=1)}, errors.IN_FUTURE),
    ("operations", {"reference": "EAL-2025-001"}, errors.DUPLICATE_REFERENCE),
]


def _service_problems(kind: str, record: dict, *, operation, user) -> set[tuple[str, str]]:
    """(field, message) pairs the service raises for `record`; empty when it accepts it
    (the write is rolled back, so the import then sees the same database)."""

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            if kind == "seizures":
                seizure_create(operation=operation, user=user, now=NOW, **record)
            elif kind == "arrests":
                arrest_create(operation=operation, user=user, now=NOW, **record)
            else:
                operation_create(user=user, now=NOW, **record)
            raise Rollback
    except Rollback:
        return set()
    except ValidationError as exc:
        return {(field, message) for field, messages in exc.message_dict.items() for message in messages}


def _row(kind: str, record: dict) -> dict:
    """The record as a row of the import's CSV (field names; see files.py)."""
    row = {"external_ref": "R-1"}
    for field, value in record.items():
        if field in ("point", "location"):
            row["longitude"], row["latitude"] = repr(value.x), repr(value.y)
        elif hasattr(value, "isoformat"):
            row[field] = value.isoformat()
        elif value is not None:
            row[field] = str(value)
    if kind != "operations":
        row["operation_ref"] = "OP-1"
    return row


@pytest.mark.parametrize(("kind", "changes", "expected"), CASES)
def test_it_rejects_what_the_service_rejects_with_the_same_message(
    kind, changes, expected, operation, importer, run_import
):
    record = {**{"seizures": SEIZURE, "arrests": ARREST, "operations": OPERATION}[kind], **changes}
    service = _service_problems(kind, record, operation=operation, user=importer)
    summary, rejects = run_import(kind, [_row(kind, record)], now=NOW)

    imported = {(r["field"], r["message"]) for r in rejects}
    assert imported == service, f"import said {imported}, the service said {service}"
    if expected is None:
        assert not service, "the table says this record is valid"
        assert (summary.accepted, summary.rejected) == (1, 0)
    else:
        assert any(m.startswith(expected.split("{")[0][:30]) for _, m in service), f"expected {expected!r}"
        assert (summary.accepted, summary.rejected, summary.inserted) == (0, 1, 0)
