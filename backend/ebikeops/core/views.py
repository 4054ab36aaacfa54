import logging

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from psycopg.errors import UndefinedFunction
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .problems import PROBLEM_CONTENT_TYPE, problem_response

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "The database does not answer."
POSTGIS_MISSING = "The database answers but PostGIS is not installed in it."


class HealthView(APIView):
    """200 when the database and PostGIS answer, 503 otherwise. Open to monitoring.

    A 503 says which part failed but never the database's own error text, which can name
    hosts, users and tables; that goes to the server log.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.CharField(help_text="`ok`"),
                    "database": serializers.CharField(help_text="`ok`"),
                    "postgis": serializers.CharField(help_text="PostGIS_Lib_Version(), e.g. `3.3.2`"),
                },
            ),
            (503, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                inline_serializer(
                    "HealthProblem",
                    {
                        "type": serializers.URLField(),
                        "title": serializers.CharField(),
                        "status": serializers.IntegerField(),
                        "detail": serializers.CharField(),
                        "database": serializers.CharField(help_text="`unavailable`, or `ok` when only PostGIS fails"),
                        "postgis": serializers.CharField(help_text="`missing`, or `unknown` when the database fails"),
                    },
                ),
                description="Problem details: the database does not answer, or PostGIS is not installed.",
            ),
        }
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT PostGIS_Lib_Version()")
                postgis = cursor.fetchone()[0]
        except DatabaseError as exc:
            if isinstance(exc.__cause__, UndefinedFunction):  # the database answered: no PostGIS
                logger.error("Health check: PostGIS is missing: %s", exc)
                return self.unavailable(POSTGIS_MISSING, database="ok", postgis="missing")
            logger.error("Health check: database error: %s", exc)
            return self.unavailable(DATABASE_UNAVAILABLE, database="unavailable", postgis="unknown")
        return Response({"status": "ok", "database": "ok", "postgis": postgis})

    @staticmethod
    def unavailable(detail: str, **parts: str) -> Response:
        response = problem_response(status.HTTP_503_SERVICE_UNAVAILABLE, "Service unavailable", detail, **parts)
        response["Retry-After"] = str(settings.DATABASE_DOWN_RETRY_AFTER_SECONDS)
        return response
