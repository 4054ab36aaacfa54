"""A seized vehicle's chain of custody over HTTP: GET the timeline, POST the next step."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.audit.context import audit_note
from ebikeops.core.display import display_for, display_schema
from ebikeops.core.geofields import AwareDateTimeField
from ebikeops.core.permissions import sees_sensitive_fields
from ebikeops.core.pseudonyms import pseudonym

from ..custody import custody_step_add, custody_timeline
from ..models import CustodyStep, Seizure
from .permissions import FieldRecordPermission


class CustodyStepInput(serializers.Serializer):
    step = serializers.ChoiceField(choices=[c for c in CustodyStep.choices if c[0] != CustodyStep.SEIZED])
    store = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    happened_at = AwareDateTimeField(required=False, help_text="when it happened (default: now)")


class CustodyStepOutput(serializers.Serializer):
    sequence = serializers.IntegerField()
    step = serializers.ChoiceField(choices=CustodyStep.choices)
    step_label = serializers.CharField()
    store = serializers.CharField()
    happened_at = serializers.DateTimeField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(allow_null=True, help_text="a username; for analysts a stable pseudonym")
    display = serializers.SerializerMethodField()

    @extend_schema_field(display_schema("custody_step"))
    def get_display(self, step: dict) -> dict:
        return display_for("custody_step", step)


class CustodyTimeline(serializers.Serializer):
    seizure = serializers.UUIDField()
    disposition = serializers.CharField(help_text="the current disposition: the last step's")
    steps = CustodyStepOutput(many=True)
    display = serializers.SerializerMethodField()

    @extend_schema_field(display_schema("custody_timeline"))
    def get_display(self, timeline: dict) -> dict:
        return display_for("custody_timeline", timeline)


def _timeline(seizure: Seizure, user) -> dict:
    named = sees_sensitive_fields(user)
    steps = [
        {
            "sequence": event.sequence,
            "step": event.step,
            "step_label": event.get_step_display(),
            "store": event.store,
            "happened_at": event.happened_at,
            "recorded_at": event.recorded_at,
            "recorded_by": (event.recorded_by.username if event.recorded_by else None)
            if named
            else pseudonym(event.recorded_by_id),
        }
        for event in custody_timeline(seizure=seizure)
    ]
    return CustodyTimeline({"seizure": seizure.pk, "disposition": seizure.disposition, "steps": steps}).data


class SeizureCustodyApi(APIView):
    """GET: the seizure's custody timeline, oldest step first (every operational role; the
    officers' names as pseudonyms for analysts). POST: the next step (the seizure's officer
    or a commander): held at a named store, released to the owner, destroyed or retained as
    evidence; released and destroyed are final (400 for any step after them)."""

    permission_classes = [FieldRecordPermission]

    def seizure(self, pk) -> Seizure:
        seizure = get_object_or_404(Seizure.objects.select_related("operation"), pk=pk)
        self.check_object_permissions(self.request, seizure)
        return seizure

    @extend_schema(responses=CustodyTimeline, tags=["custody"], operation_id="seizure_custody")
    def get(self, request, pk):
        seizure = self.seizure(pk)
        body = _timeline(seizure, request.user)
        audit_note(request, count=len(body["steps"]))
        return Response(body)

    @extend_schema(
        request=CustodyStepInput,
        responses={
            201: CustodyTimeline,
            400: OpenApiResponse(description="an illegal transition, or 'held' without a store"),
        },
        tags=["custody"],
        operation_id="seizure_custody_add",
    )
    def post(self, request, pk):
        seizure = self.seizure(pk)
        form = CustodyStepInput(data=request.data)
        form.is_valid(raise_exception=True)
        custody_step_add(seizure=seizure, user=request.user, **form.validated_data)
        seizure.refresh_from_db()
        return Response(_timeline(seizure, request.user), status=status.HTTP_201_CREATED)
