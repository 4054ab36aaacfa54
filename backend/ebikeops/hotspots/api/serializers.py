"""Input (query or body, shape only) and output (GeoJSON) of the hotspot endpoints."""

from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.display import display_of, display_schema
from ebikeops.core.fields import FiniteFloatField
from ebikeops.core.geofields import POINT_SCHEMA, AwareDateTimeField
from ebikeops.core.models import Source
from ebikeops.operations.models import SeizureReason, VehicleType

from ..models import GiStarCell, Hotspot, HotspotRun, Mode, TimeSlice
from ..params import LIMITS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# --- Input -------------------------------------------------------------------------------------


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ChoicesListField(serializers.Field):
    """Several values: repeated (?source=field&source=import), comma-separated, or a JSON list."""

    default_error_messages = {"invalid_choice": '"{value}" is not a valid choice; choose from {choices}.'}

    def __init__(self, *, choices: list[str], **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if isinstance(dictionary, QueryDict):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return super().get_value(dictionary)

    def to_internal_value(self, data) -> list[str] | None:
        items = data if isinstance(data, list | tuple) else [data]
        values = []
        for item in items:
            values.extend(v.strip() for v in str(item).split(",") if v.strip())
        for value in values:
            if value not in self.choices:
                self.fail("invalid_choice", value=value, choices=", ".join(self.choices))
        return sorted(set(values)) or None

    def to_representation(self, value):
        return value


def _float(name: str, help_text: str) -> FiniteFloatField:
    low, high = LIMITS[name]
    return FiniteFloatField(required=False, min_value=low, max_value=high, help_text=help_text)


class QuestionInput(serializers.Serializer):
    """The filters and parameters that pick (GET) or define (POST) a hotspot run."""

    since = AwareDateTimeField(required=False, help_text="start of the data window (ISO 8601 with offset)")
    until = AwareDateTimeField(required=False, help_text="end of the data window, inclusive")
    vehicle_type = ChoicesListField(choices=VehicleType.values, required=False, help_text="vehicle types (all if none)")
    borough = serializers.CharField(required=False, allow_blank=True, help_text="borough name or GSS code")
    reason = ChoicesListField(choices=SeizureReason.values, required=False, help_text="seizure reasons")
    source = ChoicesListField(choices=Source.values, required=False, help_text="field, import, demo (all if none)")
    eps_m = _float("eps_m", "DBSCAN radius in metres (default 100)")
    min_points = serializers.IntegerField(
        required=False,
        min_value=int(LIMITS["min_points"][0]),
        max_value=int(LIMITS["min_points"][1]),
        help_text="seizures within eps_m, the place's own included, that make a core place (default 5)",
    )
    mode = serializers.ChoiceField(choices=Mode.values, required=False, help_text="fast (default) or exact")
    grid_m = _float("grid_m", "fast mode's grid cell in metres (default eps_m / 5)")
    cell_m = _float("cell_m", "Gi* grid cell in metres (default 250)")
    band_m = FiniteFloatField(
        required=False, min_value=1, help_text="Gi* neighbourhood band in metres (default 1.5 cells)"
    )
    slice = serializers.ChoiceField(
        choices=TimeSlice.values, required=False, help_text="trend time slice (default month)"
    )
    buffer_m = _float("buffer_m", "buffer around each hotspot's hull in metres (default 15)")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since >= until:
            raise serializers.ValidationError({"since": ["`since` must be before `until`."]})
        return attrs

    def question(self) -> dict:
        """Keyword arguments for the selectors and services."""
        data = self.validated_data
        question = {
            "since": data.get("since"),
            "until": data.get("until"),
            "vehicle_types": data.get("vehicle_type"),
            "borough": data.get("borough") or None,
            "reasons": data.get("reason"),
            "sources": data.get("source"),
        }
        for name in ("eps_m", "min_points", "mode", "grid_m", "cell_m", "band_m", "slice", "buffer_m"):
            question[name] = data.get(name)
        return question


class ReadInput(QuestionInput):
    run = serializers.UUIDField(required=False, help_text="a specific run (as returned by a recompute job)")


class CellsInput(ReadInput):
    significant = serializers.BooleanField(
        required=False, default=False, help_text="only cells with a significant Gi* (gi_bin != 0)"
    )


# --- Output ------------------------------------------------------------------------------------


class HotspotRunSerializer(serializers.ModelSerializer):
    """What produced the answer: method, parameters, data window, filters, input, code version."""

    window = serializers.SerializerMethodField()

    class Meta:
        model = HotspotRun
        fields = (
            "id", "method", "parameters", "window", "since", "until", "filters", "input_count",
            "code_version", "status", "created_at", "finished_at", "stats",
        )  # fmt: skip

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "since": {"type": "string", "format": "date-time"},
                "until": {"type": "string", "format": "date-time"},
            },
            "required": ["since", "until"],
        }
    )
    def get_window(self, run: HotspotRun) -> dict:
        as_text = serializers.DateTimeField().to_representation
        return {"since": as_text(run.since), "until": as_text(run.until)}


class HotspotFeature(GeoFeatureModelSerializer):
    """One hotspot: its outline (Polygon) and, in properties, its statistics."""

    centroid = serializers.SerializerMethodField()
    busiest_weekday = serializers.SerializerMethodField()
    run = serializers.UUIDField(source="run_id")
    display = serializers.SerializerMethodField()

    class Meta:
        model = Hotspot
        geo_field = "geom"
        id_field = False
        fields = (
            "key", "rank", "seizure_count", "arrest_count", "share", "area_m2", "density_per_km2",
            "first_seizure_at", "last_seizure_at", "busiest_weekday", "busiest_hour_band", "vehicle_mix",
            "gi_bin", "trend_category", "centroid", "run", "display",
        )  # fmt: skip

    @extend_schema_field(POINT_SCHEMA)
    def get_centroid(self, hotspot: Hotspot) -> dict:
        return {"type": "Point", "coordinates": [hotspot.centroid.x, hotspot.centroid.y]}

    @extend_schema_field({"type": "string", "enum": list(WEEKDAYS)})
    def get_busiest_weekday(self, hotspot: Hotspot) -> str:
        return WEEKDAYS[hotspot.busiest_weekday - 1]

    @extend_schema_field(display_schema("hotspot"))
    def get_display(self, hotspot: Hotspot) -> dict:
        return display_of("hotspot", hotspot)


class CellFeature(GeoFeatureModelSerializer):
    """One Gi* grid cell: its square (Polygon) and its statistics and trend category."""

    display = serializers.SerializerMethodField()

    class Meta:
        model = GiStarCell
        geo_field = "geom"
        id_field = False
        fields = ("ix", "iy", "count", "z", "p", "p_fdr", "gi_bin", "category", "trend_z", "trend_p", "display")

    @extend_schema_field(display_schema("gistar_cell"))
    def get_display(self, cell: GiStarCell) -> dict:
        return display_of("gistar_cell", cell)


class HotspotCollection(serializers.Serializer):
    """A FeatureCollection of the run's hotspots, the run that made them (null if none
    matches), whether the run's window is exactly the one asked for, and a plain-words
    `detail` when there is nothing to show."""

    type = serializers.ChoiceField(choices=["FeatureCollection"])
    run = HotspotRunSerializer(allow_null=True)
    window_matches = serializers.BooleanField(help_text="the run's data window equals the one asked for")
    cut_to_borough = serializers.CharField(
        allow_null=True,
        help_text="GSS code of the borough asked for when no run was computed for it alone: the "
        "features are the London-wide run's that touch it (null: the run is for these exact filters)",
    )
    detail = serializers.CharField(required=False)
    features = serializers.ListField(child=HotspotFeature())


class CellCollection(HotspotCollection):
    """A FeatureCollection of Gi* cells; `too_little_data` when the window held fewer than 30
    seizures (no Gi* map is drawn then)."""

    too_little_data = serializers.BooleanField()
    features = serializers.ListField(child=CellFeature())


class HotspotJobSerializer(serializers.ModelSerializer):
    """A recompute job (the run being computed) and where to read its result."""

    job_url = serializers.SerializerMethodField()
    hotspots_url = serializers.SerializerMethodField()
    gistar_url = serializers.SerializerMethodField()
    hotspot_count = serializers.SerializerMethodField()

    class Meta:
        model = HotspotRun
        fields = (
            "id", "status", "method", "parameters", "since", "until", "filters", "input_count", "code_version",
            "created_at", "started_at", "finished_at", "error", "hotspot_count", "job_url", "hotspots_url",
            "gistar_url",
        )  # fmt: skip

    def get_job_url(self, run: HotspotRun) -> str:
        return reverse("hotspot-job", args=[run.pk])

    def get_hotspots_url(self, run: HotspotRun) -> str:
        return f"{reverse('hotspot-list')}?run={run.pk}"

    def get_gistar_url(self, run: HotspotRun) -> str:
        return f"{reverse('hotspot-gistar')}?run={run.pk}"

    def get_hotspot_count(self, run: HotspotRun) -> int | None:
        return run.stats.get("hotspots") if run.stats else None
