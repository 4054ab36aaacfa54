"""A quick path through a DRF input serializer for the values it accepts.

A sync batch checks ~100 items with the REST input serializers (one rule, one place), and DRF
spent ~130 µs of CPU an item doing it: `run_validation` per field and per key of `data`,
choice lookups through `str()`, `parse_datetime`'s fallbacks. `QuickCheck(serializer)` reads
the serializer's own fields (their types, choices, lengths, limits, validators) and checks a
plainly well-formed value with a few comparisons a field. It never words an error: anything
it is not sure of (a value of an unusual type, a field class it does not know, a value a
check refuses) makes `check` return None, and the caller runs the serializer itself, which
gives the verdict and every message. So the fast path can only accept what the serializer
accepts, with the same validated values (tests/sync/test_fastcheck.py holds them to that
over a corpus of good and bad items, every field's rule).
"""

import math
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import fields as drf
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import ISO_8601
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from ebikeops.core.geofields import AwareDateTimeField, GeoJSONPointField
from ebikeops.operations.api.serializers import FeatureInput, RawStringChecked

from .serializers import SyncItemInput

MISSING = object()
UNSURE = object()  # a converter's answer when it is not certain: the serializer decides

Converter = Callable[[Any], Any]

# Validators whose test a converter below already makes (or that `_bounds` makes).
STRING_VALIDATORS = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
NUMBER_VALIDATORS = (django_validators.MinValueValidator, django_validators.MaxValueValidator)


def _plain_string(value: Any) -> bool:
    """A str DRF's string validators pass: no NUL, no lone surrogate (which UTF-8 refuses)."""
    if type(value) is not str or "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _only(field: drf.Field, allowed: tuple[type, ...]) -> bool:
    return all(type(validator) in allowed for validator in field.validators)


def _bounds(field: drf.Field) -> Callable[[float], bool]:
    low = getattr(field, "min_value", None)
    high = getattr(field, "max_value", None)
    return lambda number: (low is None or number >= low) and (high is None or number <= high)


def _char(field: drf.CharField) -> Converter | None:
    if not _only(field, STRING_VALIDATORS):
        return None
    high, low = field.max_length, field.min_length

    def convert(value):
        if not _plain_string(value):
            return UNSURE
        text = value.strip() if field.trim_whitespace else value
        if not text:
            return "" if field.allow_blank else UNSURE
        if (high is not None and len(text) > high) or (low is not None and len(text) < low):
            return UNSURE
        return text

    return convert


def _choice(field: drf.ChoiceField) -> Converter | None:
    if field.validators:
        return None
    choices = field.choice_strings_to_values

    def convert(value):
        if type(value) is not str or value == "" or value not in choices:
            return UNSURE
        return choices[value]

    return convert


def _uuid(field: drf.UUIDField) -> Converter | None:
    if field.validators:
        return None

    def convert(value):
        if type(value) is not str:
            return UNSURE
        try:
            return uuid.UUID(hex=value)
        except ValueError:
            return UNSURE

    return convert


def _float(field: drf.FloatField) -> Converter | None:
    if not _only(field, NUMBER_VALIDATORS):
        return None
    within = _bounds(field)

    def convert(value):
        if type(value) is not float and type(value) is not int:
            return UNSURE
        try:
            number = float(value)
        except OverflowError:
            return UNSURE
        return number if math.isfinite(number) and within(number) else UNSURE

    return convert


def _integer(field: drf.IntegerField) -> Converter | None:
    if not _only(field, NUMBER_VALIDATORS):
        return None
    within = _bounds(field)

    def convert(value):
        return value if type(value) is int and within(value) else UNSURE

    return convert


def _aware_datetime(field: AwareDateTimeField) -> Converter | None:
    # DRF parses ISO 8601 with Django's parse_datetime, which is datetime.fromisoformat
    # first; any other format list, or a string fromisoformat refuses, goes to the field.
    if field.validators or getattr(field, "input_formats", None) not in (None, [ISO_8601], (ISO_8601,)):
        return None

    def convert(value):
        if not _plain_string(value):
            return UNSURE
        try:
            return field.enforce_timezone(datetime.fromisoformat(value))  # the field's own rules
        except (ValueError, ValidationError):
            return UNSURE

    return convert


def _point(field: GeoJSONPointField) -> Converter | None:
    if field.validators:
        return None

    def convert(value):
        try:
            return field.to_internal_value(value)  # already lean: the field itself
        except ValidationError:
            return UNSURE

    return convert


def _dict(field: drf.DictField) -> Converter | None:
    if field.validators or type(field.child) is not drf._UnvalidatedField or not field.allow_empty:
        return None
    return lambda value: dict(value) if type(value) is dict else UNSURE


# By exact class: a subclass may change a rule, so it is only trusted once listed here.
CONVERTERS: dict[type, Callable[[Any], Converter | None]] = {
    drf.CharField: _char,
    drf.ChoiceField: _choice,
    drf.UUIDField: _uuid,
    drf.FloatField: _float,
    drf.IntegerField: _integer,
    drf.DictField: _dict,
    AwareDateTimeField: _aware_datetime,
    GeoJSONPointField: _point,
}


def _converter(field: drf.Field) -> Converter | None:
    kind = type(field)
    if kind not in CONVERTERS and issubclass(kind, RawStringChecked):
        # RawStringChecked refuses NUL bytes and surrogates, which _plain_string never passes.
        kind = next(base for base in kind.__mro__[1:] if base is not RawStringChecked)
    make = CONVERTERS.get(kind)
    return make(field) if make is not None else None


def _reads_items_flat(serializer: serializers.Serializer) -> bool:
    """Whether the serializer's own to_internal_value adds nothing QuickCheck does not do:
    DRF's, or FeatureInput's or the sync envelope's (they refuse unknown fields and
    FeatureInput unwraps a Feature: such items QuickCheck leaves to the serializer)."""
    owner = next(cls for cls in type(serializer).__mro__ if "to_internal_value" in vars(cls))
    return owner in (serializers.Serializer, FeatureInput, SyncItemInput)


class QuickCheck:
    """Checks a dict with a serializer's rules when the answer is plainly "valid".

    `check(data)` returns the validated values as the serializer's `run_validation` would,
    or None: the serializer must decide (and word any error). Build one per serializer
    instance and reuse it; `partial` follows the serializer's own.
    """

    def __init__(self, serializer: serializers.Serializer):
        self.serializer = serializer
        self.partial = bool(serializer.partial)
        self.fields: list[tuple[str, drf.Field, Converter | None, Callable | None]] = []
        self.usable = (
            _reads_items_flat(serializer)
            and not serializer.validators
            and all(field.source == name and not field.source_attrs[1:] for name, field in serializer.fields.items())
        )
        for name, field in serializer.fields.items():
            if field.read_only:
                continue
            if field.default is not drf.empty:
                self.usable = False  # DRF fills defaults in; not worth copying
            self.fields.append((name, field, _converter(field), getattr(serializer, f"validate_{name}", None)))
        self.names = frozenset(serializer.fields)
        self.validate = self._own_validate()

    def _own_validate(self) -> Callable | None:
        method = type(self.serializer).validate
        return None if method is serializers.Serializer.validate else self.serializer.validate

    def check(self, data: Any) -> dict[str, Any] | None:
        if not self.usable or type(data) is not dict or not self.names.issuperset(data):
            return None
        if data.get("type") == "Feature" and isinstance(self.serializer, FeatureInput):
            return None
        validated: dict[str, Any] = {}
        for name, field, convert, validate_field in self.fields:
            value = data.get(name, MISSING)
            if value is MISSING:
                if field.required and not self.partial:
                    return None
                continue
            value = _field_value(field, convert, validate_field, value)
            if value is UNSURE:
                return None
            validated[name] = value
        if self.validate is not None:
            try:
                validated = self.validate(validated)
            except (ValidationError, DjangoValidationError):
                return None
        return validated


def _field_value(field: drf.Field, convert: Converter | None, validate_field: Callable | None, value: Any) -> Any:
    """A given field's validated value as the serializer would have it, or UNSURE."""
    try:
        if value is None:
            if not field.allow_null:
                return UNSURE
        elif convert is not None:
            value = convert(value)
            if value is UNSURE:
                return UNSURE
        else:
            value = field.run_validation(value)  # a field QuickCheck has no converter for
        return value if validate_field is None else validate_field(value)
    except (ValidationError, DjangoValidationError):
        return UNSURE
