"""Input serializers check shape only (types, choices, lengths); services check meaning.
Output serializers are GeoJSON Features with explicit fields; totals are annotations."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_error_detail
from rest_framework.validators import ProhibitSurrogateCharactersValidator
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.display import display_of, display_schema
from ebikeops.core.geofields import AwareDateTimeField, GeoJSONMultiPointField, GeoJSONPointField
from ebikeops.core.geojson import unwrap_feature
from ebikeops.core.models import Source, User
from ebikeops.core.permissions import sees_sensitive_fields
from ebikeops.core.pseudonyms import pseudonym

from ..models import (
    Arrest,
    ArrestDisposal,
    Disposition,
    OffenceCategory,
    Operation,
    OperationStatus,
    RecordType,
    Seizure,
    SeizurePhoto,
    SeizurePower,
    SeizureReason,
    VehicleType,
)

UNKNOWN_FIELD = "Unknown field."
MAX_ITEMS = 500

# The checks DRF's CharField runs on every string (so `make` with a NUL byte is a 400).
RAW_STRING_VALIDATORS = (ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator())


class RawStringChecked:
    """Mixin: runs RAW_STRING_VALIDATORS on the raw string before the field parses it.

    A field that is not a CharField never runs them: a timestamp parser skips a NUL byte
    (the value would be accepted), and a lookup by username sends it to PostgreSQL, which
    refuses it with a DataError (a 500). Either way the client now gets a 400 on the field.
    """

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                for validator in RAW_STRING_VALIDATORS:
                    validator(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(get_error_detail(exc)) from exc
        return super().to_internal_value(data)


class TimestampField(RawStringChecked, AwareDateTimeField):
    """An ISO 8601 timestamp with its UTC offset, and without NUL bytes."""


class UsernameField(RawStringChecked, serializers.SlugRelatedField):
    """A user, named by username."""


class FeatureInput(serializers.Serializer):
    """Accepts a GeoJSON Feature or a flat object, and refuses unknown fields by name."""

    geometry_field = "point"

    def to_internal_value(self, data):
        data = unwrap_feature(data, self.geometry_field)
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        problems = {name: [UNKNOWN_FIELD] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**problems, **exc.detail}) from exc
        if problems:
            raise serializers.ValidationError(problems)
        return value


class SeizureInput(FeatureInput):
    id = serializers.UUIDField(required=False, help_text="client-generated UUID")
    point = GeoJSONPointField()
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)
    seized_at = TimestampField(help_text="as recorded on the device, with UTC offset")
    vehicle_type = serializers.ChoiceField(choices=VehicleType.choices)
    reason = serializers.ChoiceField(choices=SeizureReason.choices)
    power = serializers.ChoiceField(choices=SeizurePower.choices)
    make = serializers.CharField(max_length=60, required=False, allow_blank=True)
    model = serializers.CharField(max_length=60, required=False, allow_blank=True)
    colour = serializers.CharField(max_length=30, required=False, allow_blank=True)
    frame_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    disposition = serializers.ChoiceField(choices=Disposition.choices, required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SeizureCreateInput(SeizureInput):
    operation = serializers.UUIDField()


class SeizureUpdateInput(SeizureInput):
    """PATCH: any subset of a seizure's fields; its id and operation do not change."""

    id = None


class ArrestInput(FeatureInput):
    id = serializers.UUIDField(required=False, help_text="client-generated UUID")
    point = GeoJSONPointField()
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)
    arrested_at = TimestampField()
    offence_category = serializers.ChoiceField(choices=OffenceCategory.choices)
    warrant_offence_category = serializers.ChoiceField(
        choices=OffenceCategory.choices, required=False, allow_blank=True
    )
    disposal = serializers.ChoiceField(
        choices=ArrestDisposal.choices, required=False, allow_blank=True, help_text="what happened next, as a code"
    )


class ArrestCreateInput(ArrestInput):
    operation = serializers.UUIDField()


class ArrestUpdateInput(ArrestInput):
    id = None


class OperationInput(FeatureInput):
    geometry_field = "location"

    id = serializers.UUIDField(required=False, help_text="client-generated UUID")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200)
    team = serializers.CharField(max_length=100)
    lead_officer = UsernameField(slug_field="username", queryset=User.objects.all(), required=False, allow_null=True)
    status = serializers.ChoiceField(choices=OperationStatus.choices, required=False)
    started_at = TimestampField()
    ended_at = TimestampField(required=False, allow_null=True)
    location = GeoJSONPointField()
    stop_points = GeoJSONMultiPointField(required=False, allow_null=True)
    officer_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=500)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=[Source.FIELD, Source.IMPORT], required=False)
    seizures = SeizureInput(many=True, required=False, max_length=MAX_ITEMS)
    arrests = ArrestInput(many=True, required=False, max_length=MAX_ITEMS)


class OperationUpdateInput(OperationInput):
    id = None
    source = None
    seizures = None
    arrests = None


# --- Output -------------------------------------------------------------------------

OPERATION_FIELDS = (
    "id",
    "reference",
    "name",
    "team",
    "lead_officer",
    "status",
    "started_at",
    "ended_at",
    "stop_points",
    "officer_count",
    "borough",
    "source",
    "version",
    "created_at",
    "updated_at",
    "seizure_count",
    *(f"{vt}_count" for vt in VehicleType.values),
    "arrest_count",
)
SEIZURE_FIELDS = (
    "id",
    "operation",
    "accuracy_m",
    "seized_at",
    "received_at",
    "vehicle_type",
    "reason",
    "power",
    "make",
    "model",
    "colour",
    "disposition",
    "borough",
    "source",
    "version",
    "created_at",
    "updated_at",
)
ARREST_FIELDS = (
    "id",
    "operation",
    "accuracy_m",
    "arrested_at",
    "received_at",
    "offence_category",
    "warrant_offence_category",
    "disposal",
    "borough",
    "source",
    "version",
    "created_at",
    "updated_at",
)
SENSITIVE_SEIZURE_FIELDS = ("frame_number", "notes")
# The coded properties in words (ebikeops.core.display), always the last property.
DISPLAY = "display"


@extend_schema_field({"type": "string", "nullable": True})
class PseudonymField(serializers.Field):
    """A user id as its stable pseudonym (ebikeops.core.pseudonyms), for analysts."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value) -> str | None:
        return pseudonym(value)


class OperationFeature(GeoFeatureModelSerializer):
    """An operation as a GeoJSON Feature at its main location, without notes; the lead
    officer as a stable pseudonym (the analysts' view)."""

    lead_officer = PseudonymField(source="lead_officer_id", help_text="a stable pseudonym, not the username")
    borough = serializers.CharField(source="borough.name", default=None, allow_null=True, read_only=True)
    stop_points = GeometryField(read_only=True, allow_null=True)
    seizure_count = serializers.IntegerField(read_only=True)
    e_bike_count = serializers.IntegerField(read_only=True)
    e_scooter_count = serializers.IntegerField(read_only=True)
    e_motorcycle_count = serializers.IntegerField(read_only=True)
    other_count = serializers.IntegerField(read_only=True)
    arrest_count = serializers.IntegerField(read_only=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = Operation
        geo_field = "location"
        fields = (*OPERATION_FIELDS, DISPLAY)

    @extend_schema_field(display_schema("operation"))
    def get_display(self, operation: Operation) -> dict:
        return display_of("operation", operation)


class OperationFeatureWithNotes(OperationFeature):
    lead_officer = serializers.CharField(source="lead_officer.username", default=None, allow_null=True, read_only=True)

    class Meta(OperationFeature.Meta):
        fields = (*OPERATION_FIELDS, "notes", DISPLAY)


class SeizureFeature(GeoFeatureModelSerializer):
    """A seizure as a GeoJSON Feature, without frame number or notes (analysts' view)."""

    borough = serializers.CharField(source="borough.name", default=None, allow_null=True, read_only=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = Seizure
        geo_field = "point"
        fields = (*SEIZURE_FIELDS, DISPLAY)

    @extend_schema_field(display_schema("seizure"))
    def get_display(self, seizure: Seizure) -> dict:
        return display_of("seizure", seizure)


class SeizureFeatureSensitive(SeizureFeature):
    class Meta(SeizureFeature.Meta):
        fields = (*SEIZURE_FIELDS, *SENSITIVE_SEIZURE_FIELDS, DISPLAY)


class ArrestFeature(GeoFeatureModelSerializer):
    borough = serializers.CharField(source="borough.name", default=None, allow_null=True, read_only=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = Arrest
        geo_field = "point"
        fields = (*ARREST_FIELDS, DISPLAY)

    @extend_schema_field(display_schema("arrest"))
    def get_display(self, arrest: Arrest) -> dict:
        return display_of("arrest", arrest)


class PhotoUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG or PNG, judged by its content")
    id = serializers.UUIDField(required=False, help_text="client-generated photo UUID, for safe re-sends")


class PhotoOutput(serializers.ModelSerializer):
    seizure = serializers.UUIDField(source="seizure_id", read_only=True)
    status = serializers.SerializerMethodField(help_text="attached, or pending until the seizure arrives")
    url = serializers.SerializerMethodField()

    class Meta:
        model = SeizurePhoto
        fields = ("id", "seizure", "status", "content_type", "size_bytes", "sha256", "created_at", "url")

    def get_status(self, photo) -> str:
        return "attached" if photo.attached else "pending"  # annotated by selectors.photo_list

    def get_url(self, photo) -> str:
        path = reverse("photo-content", kwargs={"pk": photo.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


@dataclass(frozen=True)
class RecordShapes:
    """The serializers of one record type: what it accepts and what each role reads."""

    create_input: type[serializers.Serializer]
    nested_input: type[serializers.Serializer] | None  # under /operations/{id}/...: operation from the URL
    update_input: type[serializers.Serializer]
    public: type[serializers.Serializer]
    sensitive: type[serializers.Serializer]  # officers and commanders: notes, frame numbers

    def output_for(self, user) -> type[serializers.Serializer]:
        """The output serializer for `user`'s role: analysts get no sensitive fields."""
        return self.sensitive if sees_sensitive_fields(user) else self.public


SHAPES: dict[str, RecordShapes] = {
    RecordType.OPERATION: RecordShapes(
        OperationInput, None, OperationUpdateInput, OperationFeature, OperationFeatureWithNotes
    ),
    RecordType.SEIZURE: RecordShapes(
        SeizureCreateInput, SeizureInput, SeizureUpdateInput, SeizureFeature, SeizureFeatureSensitive
    ),
    RecordType.ARREST: RecordShapes(
        ArrestCreateInput,
        ArrestInput,
        ArrestUpdateInput,
        ArrestFeature,
        ArrestFeature,  # no sensitive fields
    ),
}
