"""Shapes of the sync API. A batch item's `data` is checked by the REST input serializer of
its type (ebikeops.operations.api.serializers), so sync and REST accept exactly the same fields."""

from rest_framework import serializers

from ebikeops.core.geofields import AwareDateTimeField
from ebikeops.operations.api.serializers import SHAPES
from ebikeops.operations.models import RecordType

from . import errors
from .services import OPS, STATUSES, UPDATE

CREATE_INPUTS = {record_type: shapes.create_input for record_type, shapes in SHAPES.items()}
UPDATE_INPUTS = {record_type: shapes.update_input for record_type, shapes in SHAPES.items()}


class SyncItemInput(serializers.Serializer):
    """The envelope of one change; `data` holds the record's fields as for the REST API."""

    op = serializers.ChoiceField(choices=OPS)
    type = serializers.ChoiceField(choices=RecordType.choices)
    id = serializers.UUIDField(help_text="the record's client-generated UUID")
    recorded_at = AwareDateTimeField(help_text="when the change was made on the device")
    base_version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="update (required) and delete (optional): the version the change was based on",
    )
    data = serializers.DictField(
        required=False, help_text="create/update: the fields of the type's REST input (no nested items)"
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: [errors.UNKNOWN_FIELD] for name in sorted(unknown)})
        return super().to_internal_value(data)

    def validate(self, attrs):
        problems = {}
        if attrs["op"] == UPDATE and attrs.get("base_version") is None:
            problems["base_version"] = [errors.BASE_VERSION_REQUIRED]
        if attrs["op"] != "delete" and not isinstance(attrs.get("data"), dict):
            problems["data"] = [errors.DATA_REQUIRED]
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class SyncBatchInput(serializers.Serializer):
    items = SyncItemInput(many=True, help_text="at most SYNC_MAX_ITEMS changes")


class SyncItemResult(serializers.Serializer):
    index = serializers.IntegerField(help_text="the item's position in the request")
    type = serializers.CharField(allow_null=True)
    id = serializers.CharField(allow_null=True)
    op = serializers.CharField(allow_null=True)
    status = serializers.CharField(help_text="one of: " + ", ".join(STATUSES))
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="the record's version after this item (or now)"
    )
    reason = serializers.CharField(required=False, help_text="machine-readable code for non-success")
    retryable = serializers.BooleanField(required=False, help_text="the same item may succeed later")
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    deleted_at = serializers.DateTimeField(required=False)
    current = serializers.JSONField(required=False, help_text="conflicts: the record as it is now (Feature)")


class SyncBatchResult(serializers.Serializer):
    results = SyncItemResult(many=True)
    summary = serializers.DictField(child=serializers.IntegerField(), help_text="count per status")
    server_time = serializers.DateTimeField()


class SyncInfo(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    team = serializers.CharField()
    server_time = serializers.DateTimeField()
    max_items = serializers.IntegerField()
    max_body_bytes = serializers.IntegerField()
    photo_max_bytes = serializers.IntegerField()
    idempotency_retention_days = serializers.FloatField()
