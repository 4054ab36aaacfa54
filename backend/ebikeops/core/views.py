from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthView(APIView):
    """200 when the database and PostGIS answer, 503 otherwise. Open to monitoring."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "postgis": serializers.CharField(),
            },
        )
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT PostGIS_Lib_Version()")
                postgis = cursor.fetchone()[0]
        except DatabaseError as exc:
            return Response({"status": "unavailable", "database": "error", "postgis": str(exc)[:200]}, status=503)
        return Response({"status": "ok", "database": "ok", "postgis": postgis})
