"""Sync over HTTP: the batch endpoint.

The batch view parses each item (envelope, then the type's REST input serializer), hands
the parsed items to `sync_batch_apply`, and answers one result per item in request order.
"""

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ebikeops.core.errors import PayloadTooLarge
from ebikeops.core.http import refuse_large_body
from ebikeops.core.idempotency import fingerprint
from ebikeops.core.permissions import IsFieldRole
from ebikeops.core.problems import flatten_errors
from ebikeops.operations.api.serializers import SHAPES
from ebikeops.operations.models import RecordType
from ebikeops.operations.records import KINDS

from . import errors
from .fastcheck import QuickCheck
from .serializers import (
    CREATE_INPUTS,
    UPDATE_INPUTS,
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
    sync_batch_apply,
)


def _rejected(errors_by_field: dict[str, list[str]]) -> ItemResult:
    return ItemResult(
        REJECTED,
        reason=REASON_INVALID,
        errors=errors_by_field,
        detail=f"Check these fields: {', '.join(sorted(errors_by_field))}.",
    )


NO_DATA = ErrorDetail("No data provided", code="null")


class ItemParser:
    """Parses the items of one batch with one instance of each input serializer: building a
    serializer copies all its fields, which per item cost more than checking the item. Each
    has its QuickCheck (sync.fastcheck): a plainly valid item is accepted by it, anything
    else is decided and worded by the serializer itself. `quick=False`: the serializers only
    (tests compare the two)."""

    def __init__(self, *, quick: bool = True):
        self.envelope = SyncItemInput()
        self.inputs: dict[tuple[str, str], Any] = {}
        self.quick: dict[int, QuickCheck] | None = {} if quick else None
        self._add_quick(self.envelope)

    def _add_quick(self, serializer) -> None:
        if self.quick is not None:
            self.quick[id(serializer)] = QuickCheck(serializer)

    def check(self, serializer, value: Any, prefix: str = "") -> tuple[Any, dict[str, list[str]] | None]:
        """(validated data, None), or (None, errors keyed by field path) as `is_valid()`
        and `errors` would give them."""
        validated = self.quick[id(serializer)].check(value) if self.quick is not None else None
        if validated is not None:
            return validated, None
        try:
            return serializer.run_validation(value), None
        except ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, list) and len(detail) == 1 and getattr(detail[0], "code", None) == "null":
                detail = {api_settings.NON_FIELD_ERRORS_KEY: [NO_DATA]}  # as Serializer.errors words it
            return None, flatten_errors(detail, prefix)

    def input_for(self, record_type: str, op: str):
        if (record_type, op) not in self.inputs:
            inputs = CREATE_INPUTS if op == CREATE else UPDATE_INPUTS
            serializer = self.inputs[record_type, op] = inputs[record_type](partial=op == UPDATE)
            self._add_quick(serializer)
        return self.inputs[record_type, op]


def parse_item(index: int, raw: Any, parser: ItemParser | None = None) -> SyncItem | ItemResult:
    """A SyncItem ready to apply, or the rejection of a malformed item (errors keyed by
    field path inside the item: `data.point`, `base_version`)."""
    parser = parser or ItemParser()
    attrs, problems = parser.check(parser.envelope, raw)
    if problems is not None:
        return _rejected(problems)
    record_type, op = attrs["type"], attrs["op"]
    data: dict[str, Any] = {}
    if op != DELETE:
        raw_data = raw["data"]
        if record_type == RecordType.OPERATION and {"seizures", "arrests"} & set(raw_data):
            nested = sorted({"seizures", "arrests"} & set(raw_data))
            return _rejected({f"data.{name}": [errors.NESTED_NOT_IN_SYNC] for name in nested})
        validated, problems = parser.check(parser.input_for(record_type, op), raw_data, "data")
        if problems is not None:
            return _rejected(problems)
        data = dict(validated)
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
    offline; one result per item, in request order (see docs/api/sync.md)."""

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
        refuse_large_body(request, settings.SYNC_MAX_BODY_BYTES)
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
        parser = ItemParser()
        for index, raw in enumerate(raw_items):
            outcome = parse_item(index, raw, parser)
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
        fresh = KINDS[record_type].selector().get(pk=record.pk)
        serializer = SHAPES[record_type].output_for(self.request.user)
        return serializer(fresh, context={"request": self.request}).data
