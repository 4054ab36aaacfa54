from rest_framework import serializers

from ..models import Action, AuditEvent

RECORD_KEY = r"^[a-z_]+:[^\s]+$"


class EventQuery(serializers.Serializer):
    """The audit API's filters (all optional, combined with AND)."""

    actor = serializers.IntegerField(required=False, min_value=1, help_text="the acting user's id")
    actor_username = serializers.CharField(required=False, max_length=150, help_text="as it was when they acted")
    record = serializers.RegexField(
        RECORD_KEY, required=False, max_length=80, help_text='a record touched, as "type:id" (seizure:<uuid>)'
    )
    action = serializers.MultipleChoiceField(choices=Action.choices, required=False)
    endpoint = serializers.CharField(required=False, max_length=100, help_text="the URL name, e.g. seizure-detail")
    request_id = serializers.CharField(required=False, max_length=64)
    since = serializers.DateTimeField(required=False, help_text="from this moment (inclusive)")
    until = serializers.DateTimeField(required=False, help_text="to this moment (exclusive)")
    purpose = serializers.CharField(required=False, max_length=500, help_text="why you read (recorded)")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until <= since:
            raise serializers.ValidationError({"until": ["Must be after `since`."]})
        return attrs


class EventOutput(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor_id",
            "actor_username",
            "actor_role",
            "client_kind",
            "client_ref",
            "ip",
            "user_agent",
            "request_id",
            "action",
            "action_label",
            "endpoint",
            "records",
            "filters",
            "count",
            "changes",
            "purpose",
            "prev_hash",
            "hash",
        )
        read_only_fields = fields


CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "client_kind",
    "client_ref",
    "ip",
    "user_agent",
    "request_id",
    "action",
    "endpoint",
    "records",
    "filters",
    "count",
    "changes",
    "purpose",
    "prev_hash",
    "hash",
)


class HistoryEntry(serializers.Serializer):
    """One write of the record: who, when, what changed ({"field": [before, after]})."""

    id = serializers.IntegerField(help_text="the audit event")
    version = serializers.IntegerField(allow_null=True, help_text="the record's version after this write")
    action = serializers.ChoiceField(choices=Action.choices)
    occurred_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_username = serializers.CharField()
    actor_role = serializers.CharField()
    client_kind = serializers.CharField()
    request_id = serializers.CharField()
    purpose = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2, allow_null=True),
        help_text='{"field": [before, after]}; a creation has null befores, an erasure null afters',
    )


class History(serializers.Serializer):
    record = serializers.CharField(help_text='"type:id"')
    erased = serializers.BooleanField()
    versions = HistoryEntry(many=True)
