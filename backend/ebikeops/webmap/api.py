"""The map's own small API: the display names every page and client reads instead of codes."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.display import display_names
from ebikeops.core.permissions import IsAnyRole

DISPLAY_NAMES_SCHEMA = {
    "type": "object",
    "description": "{group: {code: words}}: vehicle_type, reason, power, disposition, trend_category, gi_bin, ...",
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
    "example": {"vehicle_type": {"e_scooter": "E-scooter"}, "gi_bin": {"3": "Hot spot, 99 % confidence"}},
}


class DisplayNamesView(APIView):
    """GET /api/v1/display-names/: the words for every code the API sends (one table, from
    `ebikeops.core.display`), for pages and clients to label with. The same for every role."""

    permission_classes = [IsAnyRole]

    @extend_schema(responses={200: OpenApiResponse(DISPLAY_NAMES_SCHEMA)}, tags=["display"])
    def get(self, request):
        response = Response(display_names())
        response["Cache-Control"] = "private, max-age=3600"
        return response
