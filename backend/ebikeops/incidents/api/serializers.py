from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import Incident
from ..selectors import GROUPS


class IncidentFeature(GeoFeatureModelSerializer):
    """A police.uk street-level crime: month only (YYYY-MM), the anonymised map point."""

    month = serializers.DateField(format="%Y-%m", help_text="YYYY-MM; police.uk publishes no day or time")
    borough = serializers.CharField(source="borough.name", default=None, allow_null=True)

    class Meta:
        model = Incident
        geo_field = "point"
        fields = (
            "id", "crime_id", "month", "crime_type", "last_outcome", "location", "lsoa_code", "lsoa_name",
            "borough", "reported_by", "falls_within",
        )  # fmt: skip


class SummaryInput(serializers.Serializer):
    group_by = serializers.CharField(
        required=False, default="crime_type", help_text=f"comma-separated, of: {', '.join(GROUPS)}"
    )

    def validate_group_by(self, value: str) -> list[str]:
        groups = [g.strip() for g in value.split(",") if g.strip()]
        unknown = [g for g in groups if g not in GROUPS]
        if unknown or not groups:
            raise serializers.ValidationError(f"Group by one or more of: {', '.join(GROUPS)}.")
        return groups


class SummaryRow(serializers.Serializer):
    crime_type = serializers.CharField(required=False)
    month = serializers.CharField(required=False, help_text="YYYY-MM")
    borough = serializers.CharField(required=False, allow_null=True)
    count = serializers.IntegerField()


class SummaryOutput(serializers.Serializer):
    group_by = serializers.ListField(child=serializers.CharField())
    total = serializers.IntegerField()
    rows = SummaryRow(many=True)
    attribution = serializers.CharField()
