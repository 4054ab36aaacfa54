"""Seizure photos over HTTP: upload, list, download, delete."""

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.http import refuse_large_body
from ebikeops.core.permissions import IsFieldRole

from ..models import SeizurePhoto
from ..photos import photo_delete, photo_store
from ..selectors import photo_list
from .serializers import PhotoOutput, PhotoUploadInput

# Room for multipart boundaries and the other form fields around a photo of the maximum size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class PassthroughImageRenderer(renderers.BaseRenderer):
    """Lets a client that asks for `Accept: image/*` reach the photo download."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data) if isinstance(data, dict | list) else data


class SeizurePhotosApi(APIView):
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
            403: OpenApiResponse(description="not the seizure's officer or a commander"),
            409: OpenApiResponse(description="photo id reused with other content"),
            410: OpenApiResponse(description="the seizure was deleted"),
            413: OpenApiResponse(description="larger than PHOTO_MAX_BYTES"),
            415: OpenApiResponse(description="not JPEG/PNG by content, or a lying content type"),
        },
        tags=["photos"],
    )
    def post(self, request, seizure_id):
        refuse_large_body(request, settings.PHOTO_MAX_BYTES + MULTIPART_OVERHEAD_BYTES)
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


class PhotoApi(APIView):
    """GET the image itself (officers and commanders only), as an attachment that no browser
    renders as a page; DELETE it (the seizure's officer or a commander)."""

    permission_classes = [IsFieldRole]
    renderer_classes = [renderers.JSONRenderer, PassthroughImageRenderer]

    @extend_schema(
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, (200, "image/png"): OpenApiTypes.BINARY},
        tags=["photos"],
    )
    def get(self, request, pk):
        photo = get_object_or_404(SeizurePhoto, pk=pk)
        response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
        # An attachment, never rendered inline: a JPEG-magic HTML polyglot stays a download.
        response["Content-Disposition"] = f'attachment; filename="{photo.pk}{photo.file.name[-4:]}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        response["ETag"] = f'"{photo.sha256}"'
        return response

    @extend_schema(
        responses={204: None, 403: OpenApiResponse(description="not the seizure's officer or a commander")},
        tags=["photos"],
    )
    def delete(self, request, pk):
        photo = get_object_or_404(SeizurePhoto, pk=pk)
        photo_delete(photo=photo, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
