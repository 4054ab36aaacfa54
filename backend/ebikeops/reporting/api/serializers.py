"""Query parameters (shape only) and the summary's output, for validation and the schema."""

from django.conf import settings
from rest_framework import serializers

from ebikeops.operations.models import Disposition, OffenceCategory, SeizureReason, VehicleType

from ..sql import SUMMARY_DIMENSIONS

UNKNOWN_DIMENSION = "Unknown grouping {value!r}; use any of: {choices}."
REPEATED_DIMENSION = "{value!r} is given twice."


class CommaSeparatedChoices(serializers.Field):
    """`a,b,c` -> ["a", "b", "c"], each one of `choices`, none twice."""

    def __init__(self, *, choices, **kwargs):
        self.choices = tuple(choices)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[str]:
        if not isinstance(data, str):
            raise serializers.ValidationError("A comma-separated list is required.")
        values = [part.strip() for part in data.split(",") if part.strip()]
        for index, value in enumerate(values):
            if value not in self.choices:
                raise serializers.ValidationError(
                    UNKNOWN_DIMENSION.format(value=value, choices=", ".join(self.choices))
                )
            if value in values[:index]:
                raise serializers.ValidationError(REPEATED_DIMENSION.format(value=value))
        return values

    def to_representation(self, value) -> str:
        return ",".join(value)


class SummaryQuery(serializers.Serializer):
    group_by = CommaSeparatedChoices(choices=SUMMARY_DIMENSIONS, required=False, default=list)


class LayerQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1)

    def validate_limit(self, value: int) -> int:
        maximum = settings.REPORTING_LAYER_MAX_FEATURES
        if value > maximum:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {maximum}.")
        return value


# --- Summary output (what the schema promises; the selector builds plain dicts) -----------------


def _counts(name: str, values) -> serializers.Serializer:
    fields = {value: serializers.IntegerField() for value in values}
    return type(name, (serializers.Serializer,), fields)()


class SeizureFigures(serializers.Serializer):
    total = serializers.IntegerField()
    by_vehicle_type = _counts("SeizuresByVehicleType", VehicleType.values)
    by_reason = _counts("SeizuresByReason", SeizureReason.values)
    by_disposition = _counts("SeizuresByDisposition", Disposition.values)


class ArrestFigures(serializers.Serializer):
    total = serializers.IntegerField()
    by_offence_category = _counts("ArrestsByOffenceCategory", OffenceCategory.values)


class Figures(serializers.Serializer):
    operations = serializers.IntegerField()
    seizures = SeizureFigures()
    arrests = ArrestFigures()


class BoroughRef(serializers.Serializer):
    gss_code = serializers.CharField()
    name = serializers.CharField()


class SummaryGroup(Figures):
    """One group; a dimension's key is present when the summary is grouped by it (null:
    records without one, e.g. operations and arrests grouped by vehicle type)."""

    borough = BoroughRef(required=False, allow_null=True)
    team = serializers.CharField(required=False, allow_null=True)
    week = serializers.CharField(required=False, allow_null=True, help_text="ISO week, e.g. 2025-W48")
    month = serializers.CharField(required=False, allow_null=True, help_text="e.g. 2025-11")
    vehicle_type = serializers.ChoiceField(choices=VehicleType.choices, required=False, allow_null=True)
    weekday = serializers.IntegerField(required=False, allow_null=True, help_text="ISO: 1 = Monday ... 7 = Sunday")
    hour = serializers.IntegerField(required=False, allow_null=True, help_text="0-23, local time")


class RollingFigures(Figures):
    since = serializers.DateTimeField(help_text="exclusive")
    until = serializers.DateTimeField(help_text="inclusive")


class Summary(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.ChoiceField(choices=SUMMARY_DIMENSIONS))
    timezone = serializers.CharField(help_text="weeks, months, weekdays and hours are local to this zone")
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True)
    groups = SummaryGroup(many=True)
    totals = Figures()
    rolling_12_months = RollingFigures(
        help_text="the year up to `until`, or up to the end of today when the range has no end"
    )
