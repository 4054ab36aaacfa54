"""Imports over HTTP: upload (analysts and commanders), poll, fetch the rejects file."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.errors import PayloadTooLarge
from ebikeops.core.permissions import IsCommanderOrAnalyst

from .. import errors, services
from ..kinds import KINDS
from ..mapping import MappingError, mapping_load
from ..models import ImportJob
from ..progress import progress_get
from ..sources import CSV_SUFFIXES, GDAL_SUFFIXES
from . import serializers as s


class ImportsPermission(IsCommanderOrAnalyst):
    message = "Only commanders and analysts may import records."


def _output(job: ImportJob, request) -> dict:
    job.progress = progress_get(job.pk) if job.status == "running" else None
    return s.ImportJobOutput(job, context={"request": request}).data


class ImportCreateApi(APIView):
    """POST (multipart): upload a file and its mapping; the worker imports it. 202 with the job."""

    permission_classes = [ImportsPermission]
    parser_classes = [MultiPartParser]

    @extend_schema(request=s.ImportInput, responses={202: s.ImportJobOutput})
    def post(self, request):
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.IMPORT_MAX_UPLOAD_BYTES + 1_000_000:
            raise PayloadTooLarge(f"Import files may be at most {settings.IMPORT_MAX_UPLOAD_BYTES:,} bytes.")
        form = s.ImportInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        suffix = Path(data["file"].name).suffix.lower()
        if suffix not in CSV_SUFFIXES | GDAL_SUFFIXES:
            raise ValidationError({"file": [errors.FILE_UNSUPPORTED.format(suffix=suffix)]})
        if data["file"].size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"Import files may be at most {settings.IMPORT_MAX_UPLOAD_BYTES:,} bytes.")
        try:
            mapping = mapping_load(data["mapping"].read().decode("utf-8"), kind=KINDS[data["kind"]])
        except (MappingError, UnicodeDecodeError) as exc:
            raise ValidationError({"mapping": [str(exc)]}) from None
        job = services.import_job_create(
            user=request.user,
            kind=data["kind"],
            upload=data["file"],
            mapping=mapping,
            dry_run=data["dry_run"],
            source_srid=data.get("source_crs"),
        )
        response = Response(_output(job, request), status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/imports/{job.pk}/"
        return response


class ImportDetailApi(APIView):
    """GET: the job: status, progress while it runs, counts and the rejects file once done."""

    permission_classes = [ImportsPermission]

    @extend_schema(responses=s.ImportJobOutput)
    def get(self, request, pk):
        job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
        return Response(_output(job, request))


class ImportRejectsApi(APIView):
    """GET: the rejects file of a finished job (CSV: row, field, message)."""

    permission_classes = [ImportsPermission]

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.STR, description="text/csv: row, field, message")})
    def get(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        if not job.rejects:
            raise ValidationError({"rejects": ["This import has no rejects file yet."]})
        return FileResponse(
            job.rejects.open("rb"), content_type="text/csv", as_attachment=True, filename=f"{pk}.rejects.csv"
        )
