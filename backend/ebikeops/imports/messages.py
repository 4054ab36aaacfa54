"""The message of each rule an import checks, written from the same source as the services':
the constants of `ebikeops.operations.errors`, the settings they are formatted with, and the
model fields' own error messages for blank, unparsable, unknown-choice and too-long values."""

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models

from ebikeops.operations import errors as rules
from ebikeops.operations.models import CustodyStep

from . import errors
from .kinds import Kind, max_lengths


def _field_message(kind: Kind, field: str, key: str) -> str:
    try:
        return str(kind.model._meta.get_field(field).error_messages[key])
    except FieldDoesNotExist:  # import-only fields (operation, point of an operation) use the base field's
        return str(models.Field.default_error_messages[key])


def _outside_window(a: "Args") -> str:
    return rules.OUTSIDE_OPERATION_WINDOW.format(
        start=a.t1.isoformat(),
        end=a.t2.isoformat() if a.t2 else "now",
        minutes=settings.OPERATION_WINDOW_TOLERANCE_MINUTES,
    )


class Args(NamedTuple):
    """A row of `import_rejects` past its row number: what a message is written with."""

    kind: Kind
    field: str
    value: str | None
    value2: str | None
    num: float | None
    num2: float | None
    t1: datetime | None
    t2: datetime | None


MESSAGES: dict[str, Callable[[Args], str]] = {
    "blank": lambda a: _field_message(a.kind, a.field, "blank"),
    "invalid_time": lambda a: models.DateTimeField.default_error_messages["invalid"] % {"value": a.value},
    "invalid_float": lambda a: models.FloatField.default_error_messages["invalid"] % {"value": a.value},
    "invalid_int": lambda a: models.IntegerField.default_error_messages["invalid"] % {"value": a.value},
    "invalid_coordinate": lambda a: errors.COORDINATE_INVALID.format(value=a.value),
    "invalid_choice": lambda a: str(models.Field.default_error_messages["invalid_choice"]) % {"value": a.value},
    "max_length": lambda a: (
        MaxLengthValidator.message % {"limit_value": max_lengths(a.kind).get(a.field, 128), "show_value": int(a.num)}
    ),
    "min_value": lambda a: MinValueValidator.message % {"limit_value": 0},
    "outside": lambda a: rules.POINT_OUTSIDE_LONDON,
    "swapped": lambda a: rules.POINT_SWAPPED.format(x=a.num, y=a.num2),
    "too_poor": lambda a: rules.ACCURACY_TOO_POOR.format(value=a.num, limit=settings.MAX_GPS_ACCURACY_M),
    "future": lambda a: rules.IN_FUTURE.format(seconds=settings.CLOCK_SKEW_SECONDS),
    "outside_window": _outside_window,
    "ends_before_start": lambda a: rules.ENDS_BEFORE_START,
    "duplicate_reference": lambda a: rules.DUPLICATE_REFERENCE,
    "unknown_user": lambda a: rules.UNKNOWN_USER.format(value=a.value),
    "warrant_required": lambda a: rules.WARRANT_CATEGORY_REQUIRED,
    "warrant_invalid": lambda a: rules.WARRANT_CATEGORY_INVALID,
    "warrant_only_for_warrant": lambda a: rules.WARRANT_CATEGORY_ONLY_FOR_WARRANT,
    "operation_not_found": lambda a: errors.OPERATION_REF_NOT_FOUND.format(value=a.value),
    "duplicate_in_file": lambda a: errors.DUPLICATE_EXTERNAL_REF_IN_FILE.format(row=int(a.num)),
    "duplicate_reference_in_file": lambda a: errors.DUPLICATE_REFERENCE_IN_FILE.format(row=int(a.num)),
    "disposition_held": lambda a: rules.CUSTODY_DISPOSITION_HELD,
    "custody_refused": lambda a: rules.CUSTODY_STEP_REFUSED.format(
        step=CustodyStep(a.value).label, last=CustodyStep(a.value2).label
    ),
}


def message(
    kind: Kind, field: str, rule: str, value, value2, num, num2, t1: datetime | None, t2: datetime | None
) -> str:
    """The text for one broken rule (a row of `import_rejects`)."""
    return str(MESSAGES[rule](Args(kind, field, value, value2, num, num2, t1, t2)))
