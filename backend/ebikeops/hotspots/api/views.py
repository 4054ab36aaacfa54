"""Hotspots over HTTP: parse the query, pick a run (selectors) or queue one (services), serialize.

Reads are for every role (IsAnyRole); a recompute is for commanders (IsCommander) and answers
202 with the job to poll. A completed run never changes, so the answers are cached per run.
"""

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.permissions import IsAnyRole, IsCommander
from ebikeops.core.renderers import GEOJSON_RENDERERS, geojson_response

from .. import selectors, services
from ..models import HotspotRun
from ..params import MIN_GISTAR_POINTS
from . import serializers as s

TAGS = ["hotspots"]
NO_RUN = (
    "No hotspots have been computed for these filters and parameters yet; a commander can "
    "POST /api/v1/hotspots/recompute/ with them."
)
NO_HOTSPOTS = "No place in this window has enough seizures close together to be a hotspot."
TOO_LITTLE_DATA = "Too little data: {count} seizures in the window, and a Gi* hot spot map needs at least {minimum}."


def _form(serializer_class, request):
    form = serializer_class(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form


def _pick_run(form: s.ReadInput) -> tuple[HotspotRun | None, bool]:
    """(run, whether its window is the one asked for)."""
    run_id = form.validated_data.get("run")
    question = form.question()
    run = selectors.answering_run(question=question, run_id=run_id)
    if run_id is not None:
        if run is None:
            raise Http404
        return run, True
    if run is None:
        return None, False
    asked = (question["since"], question["until"])
    matches = all(a is None or a == b for a, b in zip(asked, (run.since, run.until), strict=True))
    return run, matches


class HotspotListView(APIView):
    """GET /api/v1/hotspots/: the hotspots of the best run for the filters and parameters
    (a run over exactly the asked window first, else the newest overlapping it)."""

    permission_classes = [IsAnyRole]
    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(parameters=[s.ReadInput], responses=s.HotspotCollection, tags=TAGS)
    def get(self, request):
        form = _form(s.ReadInput, request)
        run, matches = _pick_run(form)
        if run is None:
            body = {"type": "FeatureCollection", "run": None, "window_matches": False, "detail": NO_RUN, "features": []}
            return Response(body)
        key = f"hotspots:list:{run.pk}:{int(matches)}"
        cached = cache.get(key)
        if cached is None:
            features = s.HotspotFeature(selectors.run_hotspots(run), many=True).data["features"]
            body = {
                "type": "FeatureCollection",
                "run": s.HotspotRunSerializer(run).data,
                "window_matches": matches,
                "features": features,
            }
            if not features:
                body["detail"] = NO_HOTSPOTS
            cached = orjson.dumps(body)
            cache.set(key, cached, settings.HOTSPOT_CACHE_SECONDS)
        return geojson_response(request, cached)


class GiStarView(APIView):
    """GET /api/v1/hotspots/gistar/: the Gi* grid cells of the best run (stored cells: with
    seizures, significant, or with a trend), or a "too little data" answer."""

    permission_classes = [IsAnyRole]
    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(parameters=[s.CellsInput], responses=s.CellCollection, tags=TAGS)
    def get(self, request):
        form = _form(s.CellsInput, request)
        run, matches = _pick_run(form)
        if run is None:
            body = {
                "type": "FeatureCollection", "run": None, "window_matches": False, "too_little_data": False,
                "detail": NO_RUN, "features": [],
            }  # fmt: skip
            return Response(body)
        significant = form.validated_data["significant"]
        key = f"hotspots:gistar:{run.pk}:{int(matches)}:{int(significant)}"
        cached = cache.get(key)
        if cached is None:
            body = {
                "type": "FeatureCollection",
                "run": s.HotspotRunSerializer(run).data,
                "window_matches": matches,
                "too_little_data": (run.input_count or 0) < MIN_GISTAR_POINTS,
                "features": [],
            }
            if body["too_little_data"]:
                body["detail"] = TOO_LITTLE_DATA.format(count=run.input_count or 0, minimum=MIN_GISTAR_POINTS)
            else:
                cells = selectors.run_cells(run, significant_only=significant)
                body["features"] = s.CellFeature(cells, many=True).data["features"]
            cached = orjson.dumps(body)
            cache.set(key, cached, settings.HOTSPOT_CACHE_SECONDS)
        return geojson_response(request, cached)


class RecomputeView(APIView):
    """POST /api/v1/hotspots/recompute/: queue a recompute with these filters and parameters
    (commanders only). 202 with the job; poll its URL (also in `Location`)."""

    permission_classes = [IsCommander]

    @extend_schema(request=s.QuestionInput, responses={202: s.HotspotJobSerializer}, tags=TAGS)
    def post(self, request):
        form = s.QuestionInput(data=request.data)
        form.is_valid(raise_exception=True)
        run = services.hotspots_recompute_enqueue(requested_by=request.user, **form.question())
        run.refresh_from_db()  # an eager worker (tests) may have finished it already
        body = s.HotspotJobSerializer(run).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["job_url"]})


class JobView(APIView):
    """GET /api/v1/hotspots/jobs/{id}/: a recompute job's status (queued, running, completed,
    failed) and, once completed, where its hotspots and Gi* cells are."""

    permission_classes = [IsAnyRole]

    @extend_schema(responses={200: s.HotspotJobSerializer, 404: OpenApiResponse(description="no such job")}, tags=TAGS)
    def get(self, request, pk):
        run = get_object_or_404(HotspotRun, pk=pk)
        return Response(s.HotspotJobSerializer(run).data)
