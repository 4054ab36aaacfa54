"""Input (query parameters, shape only) and output (GeoJSON) of the planning endpoints."""

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.display import display_for, display_of, display_schema
from ebikeops.core.fields import FiniteFloatField
from ebikeops.core.filters import check_in_grid_area, parse_bbox
from ebikeops.core.geofields import AwareDateTimeField
from ebikeops.core.pseudonyms import pseudonym

from .. import errors
from ..models import FollowedSuggestion, Suggestion, SuggestionRun
from ..params import EARLIEST, LATEST, LIMITS, MAX_RADIUS_M, MAX_SHIFT_HOURS, MAX_TEAMS
from ..services import DEFAULT_RADIUS_M

# --- Input -------------------------------------------------------------------------------------


class PlanningDateTimeField(AwareDateTimeField):
    """A timestamp with its UTC offset, between EARLIEST and LATEST: nothing the product
    holds is older, and arithmetic on year 1 or 9999 (a shift's end, a 90-day default) would
    overflow Python's datetime."""

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST <= moment <= LATEST:
            raise serializers.ValidationError(
                errors.DATE_OUT_OF_RANGE.format(earliest=f"{EARLIEST:%d %B %Y}", latest=f"{LATEST:%d %B %Y}")
            )
        return moment


def _int(name: str, help_text: str) -> serializers.IntegerField:
    low, high = LIMITS[name]
    return serializers.IntegerField(required=False, min_value=int(low), max_value=int(high), help_text=help_text)


def _float(name: str, help_text: str) -> FiniteFloatField:
    low, high = LIMITS[name]
    return FiniteFloatField(required=False, min_value=low, max_value=high, help_text=help_text)


class TuningInput(serializers.Serializer):
    """Parameters every suggestion endpoint accepts; each defaults as in the README."""

    k = _int("k", "stop points per suggestion, at most (default 3)")
    spacing_m = _float("spacing_m", "stop points at least this many metres apart (default 400)")
    distance_m = _float("distance_m", "events this close to a corridor count for it, metres (default 75)")
    bandwidth_m = _float("bandwidth_m", "kernel bandwidth along the road, metres (default 200)")
    half_life_days = _float("half_life_days", "recency weight halves every this many days (default 60)")
    window_days = _int("window_days", "days of history used (default 365)")
    cooldown_days = _float("cooldown_days", "places with an operation this recently are lowered (default 14)")
    dwell_min_minutes = _int("dwell_min_minutes", "shortest dwell at a stop point (default 10)")
    dwell_max_minutes = _int("dwell_max_minutes", "longest dwell at a stop point (default 15)")

    TUNING = (
        "k",
        "spacing_m",
        "distance_m",
        "bandwidth_m",
        "half_life_days",
        "window_days",
        "cooldown_days",
        "dwell_min_minutes",
        "dwell_max_minutes",
    )

    def tuning(self) -> dict:
        return {name: self.validated_data.get(name) for name in self.TUNING}


class NearMeInput(TuningInput):
    lon = FiniteFloatField(min_value=-180, max_value=180, help_text="longitude (WGS84)")
    lat = FiniteFloatField(min_value=-90, max_value=90, help_text="latitude (WGS84)")
    radius_m = FiniteFloatField(
        required=False,
        default=DEFAULT_RADIUS_M,
        min_value=1,
        max_value=MAX_RADIUS_M,
        help_text=f"metres around the point (default {DEFAULT_RADIUS_M:g}, at most {MAX_RADIUS_M})",
    )
    at = PlanningDateTimeField(required=False, help_text="the time to plan for (ISO 8601 with offset; default now)")
    hours = serializers.IntegerField(
        required=False,
        default=4,
        min_value=1,
        max_value=MAX_SHIFT_HOURS,
        help_text="hours from `at` the suggestions are for (default 4)",
    )
    limit = serializers.IntegerField(required=False, default=5, min_value=1, max_value=20)

    def validate(self, attrs):
        check_in_grid_area(attrs["lon"], attrs["lat"])
        return attrs


class AreaInput(TuningInput):
    """One of: a borough, a bbox, or a point (lon, lat) with a radius."""

    borough = serializers.CharField(required=False, help_text="borough name or GSS code")
    bbox = serializers.CharField(required=False, help_text="min_lon,min_lat,max_lon,max_lat instead of a borough")
    lon = FiniteFloatField(required=False, min_value=-180, max_value=180, help_text="with lat: a point instead")
    lat = FiniteFloatField(required=False, min_value=-90, max_value=90)
    radius_m = FiniteFloatField(
        required=False,
        min_value=1,
        max_value=MAX_RADIUS_M,
        help_text=f"metres around lon, lat (default {DEFAULT_RADIUS_M:g})",
    )

    def validate(self, attrs):
        if ("lon" in attrs) != ("lat" in attrs):
            missing = "lat" if "lon" in attrs else "lon"
            raise serializers.ValidationError({missing: ["Give lon and lat together."]})
        if "lon" in attrs:
            check_in_grid_area(attrs["lon"], attrs["lat"])
        return attrs

    def area_kwargs(self) -> dict:
        data = self.validated_data
        point = Point(data["lon"], data["lat"], srid=4326) if "lon" in data else None
        return {
            "borough": data.get("borough"),
            "bbox": data.get("bbox"),
            "point": point,
            "radius_m": data.get("radius_m"),
        }

    def validate_bbox(self, value: str):
        try:
            return parse_bbox(value) if value else None
        except serializers.ValidationError as exc:  # parse_bbox keys its message by field already
            raise serializers.ValidationError(exc.detail["bbox"]) from None


TEAM_NAME_MAX = 100


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_TEAMS},
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": TEAM_NAME_MAX},
                "minItems": 1,
                "maxItems": MAX_TEAMS,
            },
        ]
    }
)
class TeamsField(serializers.Field):
    """How many teams, or their names: `teams=3`, or `teams=Ealing Town Centre Team&teams=Acton
    Team` (repeated, or separated by commas; a JSON list in a body). One value of digits only
    is a number. Returns an int or a list of distinct names, in the order given."""

    default_error_messages = {
        "empty": "Give a number of teams or their names.",
        "range": f"Give from 1 to {MAX_TEAMS} teams.",
        "long": f"A team's name is at most {TEAM_NAME_MAX} characters.",
        "twice": "Name each team once.",
        "nul": "Null characters are not allowed.",
    }

    def get_value(self, dictionary):
        if isinstance(dictionary, QueryDict):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return super().get_value(dictionary)

    def to_internal_value(self, data) -> int | list[str]:
        items = data if isinstance(data, list) else [data]
        if len(items) == 1 and isinstance(items[0], int) and not isinstance(items[0], bool):
            return self._count(items[0])
        names = self._split(items)
        if len(names) == 1 and names[0].isdigit():
            return self._count(int(names[0]))
        return self._checked(names)

    def _split(self, items: list) -> list[str]:
        names: list[str] = []
        for item in items:
            if not isinstance(item, str | int) or isinstance(item, bool):
                self.fail("empty")
            names.extend(part.strip() for part in str(item).split(",") if part.strip())
        if not names:
            self.fail("empty")
        return names

    def _checked(self, names: list[str]) -> list[str]:
        if len(names) > MAX_TEAMS:
            self.fail("range")
        for name in names:
            if len(name) > TEAM_NAME_MAX:
                self.fail("long")
            try:
                ProhibitNullCharactersValidator()(name)
            except DjangoValidationError:
                self.fail("nul")
        if len({name.casefold() for name in names}) != len(names):
            self.fail("twice")
        return names

    def _count(self, count: int) -> int:
        if not 1 <= count <= MAX_TEAMS:
            self.fail("range")
        return count

    def to_representation(self, value):
        return value


class PlanInput(AreaInput):
    start = PlanningDateTimeField(help_text="shift start (ISO 8601 with offset)")
    end = PlanningDateTimeField(help_text=f"shift end (at most {MAX_SHIFT_HOURS} h after start)")
    teams = TeamsField(
        required=False,
        default=1,
        help_text="how many teams (that many non-overlapping deployments), or their names: named teams "
        "get the deployments in rank order, each deployment's `team`",
    )


class SentPlanInput(serializers.Serializer):
    start = PlanningDateTimeField(help_text="shift start (ISO 8601 with offset)")
    end = PlanningDateTimeField(help_text="shift end")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The shift must end after it starts."]})
        return attrs


class BundleInput(AreaInput):
    start = PlanningDateTimeField(required=False, help_text="default now")
    end = PlanningDateTimeField(required=False, help_text="default 8 hours after start")
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=20)


class FollowInput(serializers.Serializer):
    suggestion = serializers.UUIDField(help_text="id of the suggestion the operation followed")


class ReportInput(serializers.Serializer):
    since = PlanningDateTimeField(required=False, help_text="default 90 days before `until`")
    until = PlanningDateTimeField(required=False, help_text="default now")
    borough = serializers.CharField(required=False)


# --- Output ------------------------------------------------------------------------------------

LINESTRING_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "type": {"type": "string", "enum": ["LineString"]},
        "coordinates": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2}},
    },
}
STOP_SCHEMA = {
    "type": "object",
    "properties": {
        "number": {"type": "integer", "description": "1.. along the road"},
        "label": {"type": "string", "example": "2.1", "description": "{rank}.{number}, as on the map and the client"},
        "name": {"type": "string", "example": "Uxbridge Road at Ealing Broadway Station"},
        "lon": {"type": "number"},
        "lat": {"type": "number"},
        "along_m": {"type": "integer", "nullable": True, "description": "metres from the corridor's start"},
        "expected_share": {"type": "number", "description": "share of the corridor's demand within spacing/2"},
        "dwell_minutes": {"type": "integer"},
        "borough": {"type": "string", "nullable": True},
        "last_operation_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
WINDOW_SCHEMA = {
    "type": "object",
    "properties": {
        "weekday": {"type": "string"},
        "isoweekday": {"type": "integer"},
        "start": {"type": "string", "example": "14:00"},
        "end": {"type": "string", "example": "18:00"},
        "label": {"type": "string", "example": "Saturday 14:00-18:00"},
        "count": {"type": "integer"},
        "share": {"type": "number"},
    },
}
ROTATION_SCHEMA = {
    "type": "object",
    "properties": {
        "order": {"type": "array", "items": {"type": "integer"}},
        "cycle_minutes": {"type": "integer"},
        "dwell_minutes": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}},
        "note": {"type": "string"},
    },
}
COOLDOWN_SCHEMA = {
    "type": "object",
    "properties": {
        "last_operation_at": {"type": "string", "format": "date-time", "nullable": True},
        "days_since": {"type": "number", "nullable": True},
        "factor": {"type": "number", "description": "score multiplier (1 = no cool-down)"},
        "cooldown_days": {"type": "number"},
    },
}


@extend_schema_field(LINESTRING_SCHEMA)
class SectionField(GeometryField):
    """The corridor section as a GeoJSON LineString (null for off-corridor hotspots)."""


@extend_schema_field({"type": "array", "items": STOP_SCHEMA})
class StopsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": WINDOW_SCHEMA})
class WindowsField(serializers.JSONField):
    pass


@extend_schema_field(ROTATION_SCHEMA)
class RotationField(serializers.JSONField):
    pass


@extend_schema_field(COOLDOWN_SCHEMA)
class CooldownField(serializers.JSONField):
    pass


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "integer"}, "example": {"seizures": 31, "arrests": 2}}
)
class CountsField(serializers.JSONField):
    pass


class SuggestionFeature(GeoFeatureModelSerializer):
    """One suggestion: geometry = its stop points (MultiPoint); the corridor section in
    `section`; everything an officer needs in the other properties."""

    corridor = serializers.CharField(source="corridor_slug", allow_blank=True)
    corridor_name = serializers.CharField(source="corridor.name", default=None, allow_null=True)
    approximate = serializers.BooleanField(source="corridor.approximate", default=None, allow_null=True)
    section = SectionField(allow_null=True)
    stops = StopsField()
    rotation = RotationField()
    time_windows = WindowsField()
    counts = CountsField()
    cooldown = CooldownField()
    run = serializers.UUIDField(source="run_id", allow_null=True, help_text="null unless the run was kept (POST)")
    team = serializers.CharField(
        allow_null=True, help_text="the team a shift plan for named teams gave it (rank order); null otherwise"
    )
    display = serializers.SerializerMethodField()

    class Meta:
        model = Suggestion
        geo_field = "stop_points"
        id_field = "id"
        fields = (
            "id",
            "rank",
            "kind",
            "title",
            "rationale",
            "score",
            "corridor",
            "corridor_name",
            "approximate",
            "hotspot_key",
            "section",
            "section_from_m",
            "section_to_m",
            "stops",
            "rotation",
            "time_windows",
            "counts",
            "demand",
            "demand_per_km",
            "corridor_demand_per_km",
            "time_fit",
            "cooldown",
            "run",
            "team",
            "display",
        )

    @extend_schema_field(display_schema("suggestion"))
    def get_display(self, suggestion: Suggestion) -> dict:
        return display_of("suggestion", suggestion)

    def to_representation(self, instance: Suggestion) -> dict:
        feature = super().to_representation(instance)
        feature["properties"]["team"] = instance.team or None
        if instance._state.adding:
            # Not stored (a GET): no id to link an operation to, and no run to point at.
            feature.pop("id", None)
            feature["properties"]["run"] = None
        return feature


class RunSerializer(serializers.ModelSerializer):
    """What produced the suggestions: parameters, data window, code version, area; `id` is
    null and `kept` false when nothing was stored (every GET)."""

    id = serializers.UUIDField(allow_null=True, read_only=True)
    kept = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    class Meta:
        model = SuggestionRun
        fields = (
            "id",
            "kept",
            "kind",
            "created_at",
            "valid_from",
            "valid_until",
            "data_since",
            "data_until",
            "parameters",
            "code_version",
            "area",
            "display",
        )

    def get_kept(self, run: SuggestionRun) -> bool:
        return not run._state.adding

    @extend_schema_field(display_schema("suggestion_run"))
    def get_display(self, run: SuggestionRun) -> dict:
        return display_of("suggestion_run", run)

    def to_representation(self, run: SuggestionRun) -> dict:
        data = super().to_representation(run)
        if run._state.adding:
            data["id"] = None
        return data


class HeldBackSerializer(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.CharField()
    corridor = serializers.CharField(allow_null=True)
    stop_points = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))
    score = serializers.FloatField()
    reason = serializers.CharField(help_text="in words, why it was held back")
    display = serializers.SerializerMethodField()

    @extend_schema_field(display_schema("held_back"))
    def get_display(self, held: dict) -> dict:
        return display_for("held_back", held)


class SuggestionCollection(serializers.Serializer):
    """A FeatureCollection of suggestions with the run that made them, a plain-words
    message (also when empty) and the places held back by the weekly share."""

    type = serializers.CharField(default="FeatureCollection")
    message = serializers.CharField()
    run = RunSerializer()
    held_back = HeldBackSerializer(many=True)
    # A plain list of Features (a GeoFeatureModelSerializer with many=True would nest a
    # whole FeatureCollection here).
    features = serializers.ListField(child=SuggestionFeature())

    @staticmethod
    def of(run: SuggestionRun) -> dict:
        return SuggestionCollection(
            {
                "type": "FeatureCollection",
                "message": run.message,
                "run": run,
                "held_back": run.held_back,
                "features": run.ranked,
            }
        ).data


# --- The offline bundle ------------------------------------------------------------------------


def _round(coordinates, places: int = 5):
    if isinstance(coordinates, float | int):
        return round(coordinates, places)
    return [_round(c, places) for c in coordinates]


class BundleFeature(serializers.BaseSerializer):
    """A suggestion cut down for keeping offline: coordinates to 5 decimals (about 1 m), with
    its team (a shift plan for named teams) and its codes in words, as the suggestions list
    gives them, so that a phone without signal shows the same words."""

    def to_representation(self, suggestion: Suggestion) -> dict:
        feature = {
            "type": "Feature",
            "id": str(suggestion.id),
            "geometry": {"type": "MultiPoint", "coordinates": _round([list(p.coords) for p in suggestion.stop_points])},
            "properties": {
                "rank": suggestion.rank,
                "kind": suggestion.kind,
                "title": suggestion.title,
                "rationale": suggestion.rationale,
                "section": None
                if suggestion.section is None
                else {"type": "LineString", "coordinates": _round(list(suggestion.section.coords))},
                "stops": [
                    {
                        "number": s["number"],
                        "label": s["label"],
                        "name": s["name"],
                        "lon": round(s["lon"], 5),
                        "lat": round(s["lat"], 5),
                        "dwell_minutes": s["dwell_minutes"],
                        "expected_share": s["expected_share"],
                    }
                    for s in suggestion.stops
                ],
                "rotation": suggestion.rotation["order"],
                "time_windows": [w["label"] + f" ({w['count']})" for w in suggestion.time_windows[:2]],
                "team": suggestion.team or None,
                "display": display_of("suggestion", suggestion),
            },
        }
        if suggestion._state.adding:
            del feature["id"]
        return feature


BUNDLE_SCHEMA = {
    "type": "object",
    "required": ["type", "bundle", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "bundle": {
            "type": "object",
            "properties": {
                "run": {"type": "string", "format": "uuid", "nullable": True, "description": "null unless kept"},
                "kept": {"type": "boolean"},
                "generated_at": {"type": "string", "format": "date-time"},
                "valid_from": {"type": "string", "format": "date-time"},
                "valid_until": {"type": "string", "format": "date-time"},
                "data_since": {"type": "string", "format": "date-time"},
                "data_until": {"type": "string", "format": "date-time"},
                "code_version": {"type": "string"},
                "message": {"type": "string"},
            },
        },
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string", "format": "uuid"},
                    "geometry": {"type": "object"},
                    "properties": {
                        "type": "object",
                        "properties": {
                            "rank": {"type": "integer"},
                            "kind": {"type": "string"},
                            "title": {"type": "string"},
                            "rationale": {"type": "string"},
                            "section": LINESTRING_SCHEMA,
                            "stops": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "number": {"type": "integer"},
                                        "label": {"type": "string", "example": "1.2"},
                                        "name": {"type": "string"},
                                        "lon": {"type": "number"},
                                        "lat": {"type": "number"},
                                        "dwell_minutes": {"type": "integer"},
                                        "expected_share": {"type": "number"},
                                    },
                                },
                            },
                            "rotation": {"type": "array", "items": {"type": "integer"}},
                            "time_windows": {"type": "array", "items": {"type": "string"}},
                            "team": {"type": "string", "nullable": True},
                            "display": display_schema("suggestion"),
                        },
                    },
                },
            },
        },
    },
}


def bundle_of(run: SuggestionRun) -> dict:
    return {
        "type": "FeatureCollection",
        "bundle": {
            "run": None if run._state.adding else str(run.id),
            "kept": not run._state.adding,
            "generated_at": run.created_at.isoformat(),
            "valid_from": run.valid_from.isoformat(),
            "valid_until": run.valid_until.isoformat(),
            "data_since": run.data_since.isoformat(),
            "data_until": run.data_until.isoformat(),
            "code_version": run.code_version,
            "message": run.message,
        },
        "features": [BundleFeature(s).data for s in run.ranked],
    }


# --- Following and its effect -------------------------------------------------------------------


class FollowedSuggestionSerializer(serializers.ModelSerializer):
    operation = serializers.UUIDField(source="operation_id")
    suggestion = serializers.UUIDField(source="suggestion_id")
    title = serializers.CharField(source="suggestion.title")
    linked_by = serializers.CharField(source="linked_by.username", default=None, allow_null=True)

    class Meta:
        model = FollowedSuggestion
        fields = ("operation", "suggestion", "title", "linked_by", "linked_at")


class FollowedSuggestionPublic(FollowedSuggestionSerializer):
    """Analysts' view: who linked it as a stable pseudonym, not the username."""

    linked_by = serializers.SerializerMethodField()

    def get_linked_by(self, link) -> str | None:
        return pseudonym(link.linked_by_id)


class RateSerializer(serializers.Serializer):
    operations = serializers.IntegerField()
    seizures = serializers.IntegerField()
    officer_hours = serializers.FloatField()
    seizures_per_officer_hour = serializers.FloatField(allow_null=True)


class SuggestionRateSerializer(RateSerializer):
    suggestion = serializers.UUIDField()
    title = serializers.CharField()
    rank = serializers.IntegerField()
    run_kind = serializers.CharField()


class FollowReportSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    borough = serializers.CharField(allow_null=True)
    followed = RateSerializer()
    not_followed = RateSerializer()
    ratio = serializers.FloatField(allow_null=True, help_text="followed rate / not-followed rate")
    excluded_operations = serializers.IntegerField(help_text="without officer count or end time")
    per_suggestion = SuggestionRateSerializer(many=True)
