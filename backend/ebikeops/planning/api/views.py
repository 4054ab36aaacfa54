"""Deployment suggestions over HTTP: parse the input, call one service, serialize.

GET never writes: it answers from the records and stores nothing (`run.kept` is false, no
ids). POST with the same parameters as a JSON body makes the same answer and stores it
(201, with ids an operation can follow); stored runs are purged after
SUGGESTION_RETENTION_DAYS by `purge_suggestions`.

Every view states its permission: suggestions near me for every role to read (analysts
too) and field roles to keep; shift plans for commanders; the offline bundle for officers
and commanders; linking an operation to a suggestion for the operation's owner or a
commander; the effect report for commanders and analysts.
"""

from datetime import timedelta

from django.contrib.gis.geos import Point
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.areas.selectors import borough_by_name_or_code
from ebikeops.core.models import OPERATIONAL_ROLES, Role
from ebikeops.core.permissions import IsAnyRole, IsCommander, IsCommanderOrAnalyst, IsFieldRole, sees_sensitive_fields
from ebikeops.core.renderers import GEOJSON_RENDERERS
from ebikeops.operations.models import Operation
from ebikeops.operations.policies import is_owner

from .. import errors, selectors, services
from ..models import FollowedSuggestion, Suggestion
from . import serializers as s

TAGS = ["suggestions"]


def _role(request) -> str | None:
    user = request.user
    return getattr(user, "role", None) if user and user.is_authenticated else None


class FollowPermission(BasePermission):
    """Every role reads a link; the operation's owner (creator or lead) or a commander
    makes or removes it."""

    message = "Only the operation's lead, its creator or a commander may link it to a suggestion."

    def has_permission(self, request, view) -> bool:
        role = _role(request)
        if request.method in SAFE_METHODS:
            return role in OPERATIONAL_ROLES
        return role in (Role.OFFICER, Role.COMMANDER)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or _role(request) == Role.COMMANDER:
            return True
        return is_owner(request.user, obj)


class ReadAnyRoleKeepFieldRole(BasePermission):
    """Every role may ask (GET); officers and commanders may keep an answer (POST)."""

    message = "Only officers and commanders may keep suggestions."

    def has_permission(self, request, view) -> bool:
        role = _role(request)
        if request.method in SAFE_METHODS:
            return role in OPERATIONAL_ROLES  # auditors read the trail, not operational data
        return role in (Role.OFFICER, Role.COMMANDER)


def _valid(serializer_class, request):
    """The input from the query string (GET) or the JSON body (POST), validated."""
    source = request.query_params if request.method in SAFE_METHODS else request.data
    form = serializer_class(data=source)
    form.is_valid(raise_exception=True)
    return form


def _answer(run, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(s.SuggestionCollection.of(run), status=status_code)


class SuggestionNearMeView(APIView):
    """Where to set up near me: suggestions whose stop points lie within `radius_m` of the
    point, for the `hours` from `at` (default now). An empty FeatureCollection with a
    `message` saying why when there is nothing to suggest."""

    permission_classes = [ReadAnyRoleKeepFieldRole]
    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(
        operation_id="suggestions_near_me", parameters=[s.NearMeInput], responses=s.SuggestionCollection, tags=TAGS
    )
    def get(self, request):
        return _answer(self.suggest(request, keep=False))

    @extend_schema(
        operation_id="suggestions_near_me_keep",
        request=s.NearMeInput,
        responses={201: s.SuggestionCollection},
        tags=TAGS,
        description="The same answer as GET, stored (201) so that an operation can follow it.",
    )
    def post(self, request):
        return _answer(self.suggest(request, keep=True), status.HTTP_201_CREATED)

    def suggest(self, request, *, keep: bool):
        form = _valid(s.NearMeInput, request)
        data = form.validated_data
        return services.suggestions_near_me(
            user=request.user,
            point=Point(data["lon"], data["lat"], srid=4326),
            radius_m=data["radius_m"],
            at=data.get("at"),
            hours=data["hours"],
            limit=data["limit"],
            params=services.params_from(form.tuning()),
            keep=keep,
        )


class ShiftPlanView(APIView):
    """Plan a shift: the `teams` best deployments in a borough (or box, or around a point)
    for [start, end), no two within `spacing_m` of each other; rank = team."""

    permission_classes = [IsCommander]

    @extend_schema(parameters=[s.PlanInput], responses=s.SuggestionCollection, tags=TAGS)
    def get(self, request):
        return _answer(self.plan(request, keep=False))

    @extend_schema(
        request=s.PlanInput,
        responses={201: s.SuggestionCollection},
        tags=TAGS,
        description="The same plan as GET, stored (201) so that the teams' operations can follow it.",
    )
    def post(self, request):
        return _answer(self.plan(request, keep=True), status.HTTP_201_CREATED)

    def plan(self, request, *, keep: bool):
        form = _valid(s.PlanInput, request)
        data = form.validated_data
        return services.shift_plan(
            user=request.user,
            area=services.resolve_area(**form.area_kwargs()),
            start=data["start"],
            end=data["end"],
            teams=data["teams"],
            params=services.params_from(form.tuning()),
            keep=keep,
        )


class SentPlanView(APIView):
    """The shift plan a commander sent (POST /plans/) for a shift overlapping [start, end):
    the newest, as stored, each deployment with its `team` when the plan named them. This is
    how an officer's page finds its team's stops. 404 when none was sent."""

    permission_classes = [IsAnyRole]

    @extend_schema(
        parameters=[s.SentPlanInput],
        responses={200: s.SuggestionCollection, 404: OpenApiResponse(description="no plan was sent for the shift")},
        tags=TAGS,
        operation_id="plans_sent",
    )
    def get(self, request):
        form = _valid(s.SentPlanInput, request)
        run = selectors.sent_plan(start=form.validated_data["start"], end=form.validated_data["end"])
        if run is None:
            raise NotFound("No shift plan has been sent for this shift.")
        return _answer(run)


class SuggestionBundleView(APIView):
    """The next shift's suggestions, compact, for the officer client to keep offline."""

    permission_classes = [IsFieldRole]

    @extend_schema(parameters=[s.BundleInput], responses={200: OpenApiResponse(s.BUNDLE_SCHEMA)}, tags=TAGS)
    def get(self, request):
        return self.bundle(request, keep=False)

    @extend_schema(
        request=s.BundleInput,
        responses={201: OpenApiResponse(s.BUNDLE_SCHEMA)},
        tags=TAGS,
        description="The same bundle as GET, stored (201) so that operations can follow its suggestions.",
    )
    def post(self, request):
        return self.bundle(request, keep=True)

    def bundle(self, request, *, keep: bool) -> Response:
        form = _valid(s.BundleInput, request)
        data = form.validated_data
        run = services.shift_bundle(
            user=request.user,
            area=services.resolve_area(**form.area_kwargs()),
            start=data.get("start"),
            end=data.get("end"),
            limit=data["limit"],
            params=services.params_from(form.tuning()),
            keep=keep,
        )
        response = Response(s.bundle_of(run), status=status.HTTP_201_CREATED if keep else status.HTTP_200_OK)
        seconds = max(0, int((run.valid_until - timezone.now()).total_seconds()))
        response["Cache-Control"] = f"private, max-age={seconds}"
        return response


class SuggestionDetailView(generics.RetrieveAPIView):
    """One stored suggestion, as made (with its run's id)."""

    permission_classes = [IsAnyRole]
    renderer_classes = GEOJSON_RENDERERS
    renderer_classes = GEOJSON_RENDERERS
    renderer_classes = GEOJSON_RENDERERS
    serializer_class = s.SuggestionFeature
    queryset = Suggestion.objects.none()

    def get_queryset(self):
        return selectors.suggestion_list()

    @extend_schema(tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FollowedSuggestionView(APIView):
    """The suggestion an operation followed: GET it, PUT {"suggestion": id} to link it
    (replacing an earlier link), DELETE to unlink."""

    permission_classes = [FollowPermission]

    def operation(self) -> Operation:
        operation = get_object_or_404(Operation, pk=self.kwargs["operation_pk"])
        self.check_object_permissions(self.request, operation)
        return operation

    @extend_schema(
        responses=s.FollowedSuggestionSerializer,
        tags=TAGS,
        description="`linked_by`: the username; for analysts a stable pseudonym.",
    )
    def get(self, request, operation_pk):
        link = get_object_or_404(
            FollowedSuggestion.objects.select_related("suggestion", "linked_by"), operation=self.operation()
        )
        output = s.FollowedSuggestionSerializer if sees_sensitive_fields(request.user) else s.FollowedSuggestionPublic
        return Response(output(link).data)

    @extend_schema(request=s.FollowInput, responses=s.FollowedSuggestionSerializer, tags=TAGS)
    def put(self, request, operation_pk):
        operation = self.operation()
        form = s.FollowInput(data=request.data)
        form.is_valid(raise_exception=True)
        suggestion = Suggestion.objects.select_related("run").filter(pk=form.validated_data["suggestion"]).first()
        if suggestion is None:
            raise ValidationError({"suggestion": [errors.SUGGESTION_NOT_FOUND]})
        link = services.suggestion_follow(user=request.user, operation=operation, suggestion=suggestion)
        return Response(s.FollowedSuggestionSerializer(link).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request, operation_pk):
        if not services.suggestion_unfollow(operation=self.operation(), user=request.user):
            raise NotFound("This operation is not linked to a suggestion.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowReportView(APIView):
    """Seizures per officer-hour: operations that followed a suggestion (in all and per
    suggestion) against those that followed none."""

    permission_classes = [IsCommanderOrAnalyst]

    @extend_schema(parameters=[s.ReportInput], responses=s.FollowReportSerializer, tags=TAGS)
    def get(self, request):
        data = _valid(s.ReportInput, request).validated_data
        until = data.get("until") or timezone.now()
        since = data.get("since") or until - timedelta(days=90)
        if since >= until:
            raise ValidationError({"until": [errors.UNTIL_BEFORE_SINCE]})
        borough = None
        if data.get("borough"):
            borough = borough_by_name_or_code(data["borough"]).first()
            if borough is None:
                raise ValidationError({"borough": [errors.BOROUGH_UNKNOWN]})
        report = selectors.follow_report(since=since, until=until, borough=borough)
        return Response(s.FollowReportSerializer(report).data)
