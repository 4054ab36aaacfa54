"""Sync over HTTP: the batch endpoint, and seizure photos (upload, list, download).

The batch view parses each item (envelope, then the type's REST input serializer), hands
the parsed items to `sync_batch_apply`, and answers one result per item in request order.
"""

from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.permissions import IsFieldRole, sees_sensitive_fields
from ebikeops.core.problems import PayloadTooLarge, flatten_errors
from ebikeops.operations.api.views import ARRESTS, OPERATIONS, SEIZURES

from . import errors
from .models import RecordType, SeizurePhoto
from .selectors import photo_list
from .serializers import (
    CREATE_INPUTS,
    UPDATE_INPUTS,
    PhotoOutput,
    PhotoUploadInput,
    SyncBatchInput,
    SyncBatchResult,
    SyncInfo,
    SyncItemInput,
)
from .services import (
    CREATE,
    DELETE,
    REASON_INVALID,
    REJECTED,
    UPDATE,
    ItemResult,
    SyncItem,
    fingerprint,
    photo_store,
    sync_batch_apply,
)

RESOURCES = {RecordType.OPERATION: OPERATIONS, RecordType.SEIZURE: SEIZURES, RecordType.ARREST: ARRESTS}
# Room for multipart boundaries and the other form fields around a photo of the maximum size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _refuse_large_body(request, limit: int) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(errors.BODY_TOO_LARGE.format(size=length, limit=limit))


def _rejected(errors_by_field: dict[str, list[str]]) -> ItemResult:
    return ItemResult(
        REJECTED,
        reason=REASON_INVALID,
        errors=errors_by_field,
        detail=f"Check these fields: {', '.join(sorted(errors_by_field))}.",
    )


def parse_item(index: int, raw: Any) -> SyncItem | ItemResult:
    """A SyncItem ready to apply, or the rejection of a malformed item (errors keyed by
    field path inside the item: `data.point`, `base_version`)."""
    envelope = SyncItemInput(data=raw)
    if not envelope.is_valid():
        return _rejected(flatten_errors(envelope.errors))
    attrs = envelope.validated_data
    record_type, op = attrs["type"], attrs["op"]
    data: dict[str, Any] = {}
    if op != DELETE:
        raw_data = raw["data"]
        if record_type == RecordType.OPERATION and {"seizures", "arrests"} & set(raw_data):
            nested = sorted({"seizures", "arrests"} & set(raw_data))
            return _rejected({f"data.{name}": [errors.NESTED_NOT_IN_SYNC] for name in nested})
        inputs = CREATE_INPUTS if op == CREATE else UPDATE_INPUTS
        form = inputs[record_type](data=raw_data, partial=op == UPDATE)
        if not form.is_valid():
            return _rejected(flatten_errors(form.errors, "data"))
        data = dict(form.validated_data)
        given_id = data.pop("id", None)
        if given_id is not None and given_id != attrs["id"]:
            return _rejected({"data.id": [errors.DATA_ID_MISMATCH]})
    return SyncItem(
        index=index,
        op=op,
        record_type=record_type,
        record_id=attrs["id"],
        recorded_at=attrs["recorded_at"],
        base_version=attrs.get("base_version"),
        data=data,
        fingerprint=fingerprint(raw),
    )


def _echo(raw: Any, name: str) -> str | None:
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


class SyncView(APIView):
    """GET: who you are and this server's sync limits. POST: apply a batch of changes made
    offline; one result per item, in request order (see README, "Offline sync")."""

    permission_classes = [IsFieldRole]

    @extend_schema(responses=SyncInfo, tags=["sync"])
    def get(self, request):
        user = request.user
        return Response(
            {
                "username": user.username,
                "role": user.role,
                "team": user.team,
                "server_time": timezone.now(),
                "max_items": settings.SYNC_MAX_ITEMS,
                "max_body_bytes": settings.SYNC_MAX_BODY_BYTES,
                "photo_max_bytes": settings.PHOTO_MAX_BYTES,
                "idempotency_retention_days": settings.IDEMPOTENCY_KEY_RETENTION_DAYS,
            }
        )

    @extend_schema(
        request=SyncBatchInput,
        responses={
            200: SyncBatchResult,
            400: OpenApiResponse(description="not a batch (no 'items' list, or empty)"),
            403: OpenApiResponse(description="analysts do not sync"),
            413: OpenApiResponse(description="more than SYNC_MAX_ITEMS items or SYNC_MAX_BODY_BYTES bytes"),
        },
        tags=["sync"],
    )
    def post(self, request):
        _refuse_large_body(request, settings.SYNC_MAX_BODY_BYTES)
        body = request.data
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise ValidationError({"items": [errors.BATCH_NOT_OBJECT]})
        unknown = sorted(set(body) - {"items"})
        if unknown:
            raise ValidationError({name: [errors.UNKNOWN_FIELD] for name in unknown})
        raw_items = body["items"]
        if not raw_items:
            raise ValidationError({"items": [errors.BATCH_EMPTY]})
        if len(raw_items) > settings.SYNC_MAX_ITEMS:
            raise PayloadTooLarge(errors.BATCH_TOO_MANY.format(limit=settings.SYNC_MAX_ITEMS, count=len(raw_items)))

        now = timezone.now()
        results: dict[int, ItemResult] = {}
        parsed: dict[int, SyncItem] = {}
        for index, raw in enumerate(raw_items):
            outcome = parse_item(index, raw)
            if isinstance(outcome, SyncItem):
                parsed[index] = outcome
            else:
                results[index] = outcome
        results.update(sync_batch_apply(user=request.user, items=list(parsed.values()), now=now))

        answers = []
        for index, raw in enumerate(raw_items):
            item = parsed.get(index)
            answers.append(
                self.describe(
                    index=index,
                    result=results[index],
                    record_type=item.record_type if item else _echo(raw, "type"),
                    record_id=str(item.record_id) if item else _echo(raw, "id"),
                    op=item.op if item else _echo(raw, "op"),
                )
            )
        summary: dict[str, int] = {}
        for answer in answers:
            summary[answer["status"]] = summary.get(answer["status"], 0) + 1
        return Response({"results": answers, "summary": summary, "server_time": now})

    def describe(self, *, index: int, result: ItemResult, record_type, record_id, op) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "index": index,
            "type": record_type,
            "id": record_id,
            "op": op,
            "status": result.status,
            "version": result.version,
        }
        if result.reason is not None:
            answer["reason"] = result.reason
            answer["retryable"] = result.retryable
        if result.detail:
            answer["detail"] = result.detail
        if result.errors:
            answer["errors"] = result.errors
        if result.deleted_at is not None:
            answer["deleted_at"] = result.deleted_at
        if result.current is not None:
            answer["current"] = self.current_state(record_type, result.current)
        return answer

    def current_state(self, record_type: str, record) -> dict:
        """The record as the caller may see it, through the REST API's output serializer."""
        resource = RESOURCES[record_type]
        fresh = resource.selector().get(pk=record.pk)
        serializer = resource.sensitive if sees_sensitive_fields(self.request.user) else resource.public
        return serializer(fresh, context={"request": self.request}).data


class PassthroughImageRenderer(renderers.BaseRenderer):
    """Lets a client that asks for `Accept: image/*` reach the photo download."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data) if isinstance(data, dict | list) else data


class SeizurePhotosView(APIView):
    """GET: a seizure's photos. POST: upload one (multipart `file`, optional `id`). The
    seizure need not exist yet: the photo is kept as `pending` until it does."""

    permission_classes = [IsFieldRole]
    parser_classes = [MultiPartParser]

    def photo_body(self, photo_id) -> dict:
        return PhotoOutput(photo_list().get(pk=photo_id), context={"request": self.request}).data

    @extend_schema(responses=PhotoOutput(many=True), tags=["photos"])
    def get(self, request, seizure_id):
        photos = photo_list(seizure_id=seizure_id)
        return Response(PhotoOutput(photos, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadInput},
        responses={
            201: PhotoOutput,
            200: OpenApiResponse(PhotoOutput, description="this photo id was already stored"),
            409: OpenApiResponse(description="photo id reused with other content"),
            410: OpenApiResponse(description="the seizure was deleted"),
            413: OpenApiResponse(description="larger than PHOTO_MAX_BYTES"),
            415: OpenApiResponse(description="not JPEG/PNG by content, or a lying content type"),
        },
        tags=["photos"],
    )
    def post(self, request, seizure_id):
        _refuse_large_body(request, settings.PHOTO_MAX_BYTES + MULTIPART_OVERHEAD_BYTES)
        form = PhotoUploadInput(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        photo, created = photo_store(
            seizure_id=seizure_id,
            upload=upload,
            size=upload.size,
            declared_content_type=upload.content_type,
            user=request.user,
            photo_id=form.validated_data.get("id"),
        )
        body = self.photo_body(photo.pk)
        return Response(
            body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers={"Location": body["url"]}
        )


class PhotoContentView(APIView):
    """GET the image itself (officers and commanders only)."""

    permission_classes = [IsFieldRole]
    renderer_classes = [renderers.JSONRenderer, PassthroughImageRenderer]

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, (200, "image/png"): OpenApiTypes.BINARY},
        tags=["photos"],
    )
    def get(self, request, pk):
        photo = get_object_or_404(SeizurePhoto, pk=pk)
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        response["Content-Disposition"] = f'inline; filename="{photo.pk}{photo.file.name[-4:]}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        response["ETag"] = f'"{photo.sha256}"'
        return response
