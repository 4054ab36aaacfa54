"""The message of each rule an import checks, written from the same source as the services':
the constants of `ebikeops.operations.errors`, the settings they are formatted with, and the
model fields' own error messages for blank, unparsable, unknown-choice and too-long values."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models

from ebikeops.operations import errors as rules

from . import errors
from .kinds import Kind, max_lengths


def _field_message(kind: Kind, field: str, key: str) -> str:
    try:
        return str(kind.model._meta.get_field(field).error_messages[key])
    except FieldDoesNotExist:  # import-only fields (operation, point of an operation) use the base field's
        return str(models.Field.default_error_messages[key])


def message(kind: Kind, field: str, rule: str, value, num, num2, t1: datetime | None, t2: datetime | None) -> str:
    """The text for one broken rule (a row of `import_rejects`)."""
    if rule == "blank":
        return _field_message(kind, field, "blank")
    if rule == "invalid_time":
        return models.DateTimeField.default_error_messages["invalid"] % {"value": value}
    if rule == "invalid_float":
        return models.FloatField.default_error_messages["invalid"] % {"value": value}
    if rule == "invalid_int":
        return models.IntegerField.default_error_messages["invalid"] % {"value": value}
    if rule == "invalid_coordinate":
        return errors.COORDINATE_INVALID.format(value=value)
    if rule == "invalid_choice":
        return str(models.Field.default_error_messages["invalid_choice"]) % {"value": value}
    if rule == "max_length":
        limit = max_lengths(kind).get(field, 128)
        return MaxLengthValidator.message % {"limit_value": limit, "show_value": int(num)}
    if rule == "min_value":
        return MinValueValidator.message % {"limit_value": 0}
    if rule == "outside":
        return rules.POINT_OUTSIDE_LONDON
    if rule == "swapped":
        return rules.POINT_SWAPPED.format(lat=num, lon=num2)
    if rule == "too_poor":
        return rules.ACCURACY_TOO_POOR.format(value=num, limit=settings.MAX_GPS_ACCURACY_M)
    if rule == "future":
        return rules.IN_FUTURE.format(seconds=settings.CLOCK_SKEW_SECONDS)
    if rule == "outside_window":
        return rules.OUTSIDE_OPERATION_WINDOW.format(
            start=t1.isoformat(),
            end=t2.isoformat() if t2 else "now",
            minutes=settings.OPERATION_WINDOW_TOLERANCE_MINUTES,
        )
    if rule == "ends_before_start":
        return rules.ENDS_BEFORE_START
    if rule == "duplicate_reference":
        return rules.DUPLICATE_REFERENCE
    if rule == "unknown_user":
        return rules.UNKNOWN_USER.format(value=value)
    if rule == "warrant_required":
        return rules.WARRANT_CATEGORY_REQUIRED
    if rule == "warrant_invalid":
        return rules.WARRANT_CATEGORY_INVALID
    if rule == "warrant_only_for_warrant":
        return rules.WARRANT_CATEGORY_ONLY_FOR_WARRANT
    if rule == "operation_not_found":
        return errors.OPERATION_REF_NOT_FOUND.format(value=value)
    if rule == "duplicate_in_file":
        return errors.DUPLICATE_EXTERNAL_REF_IN_FILE.format(row=int(num))
    if rule == "duplicate_reference_in_file":
        return errors.DUPLICATE_REFERENCE_IN_FILE.format(row=int(num))
    raise ValueError(f"no message for rule {rule!r}")
