from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ebikeops.core.display import display_of, display_schema

from ..models import ImportJob, ImportKind


class ImportInput(serializers.Serializer):
    """The upload: the file, its mapping file (TOML) and what it holds. Shape only."""

    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="CSV, GeoJSON, GeoPackage, or a zipped Shapefile")
    mapping = serializers.FileField(help_text="the column-mapping file (TOML); see docs/import.md")
    dry_run = serializers.BooleanField(default=False, help_text="check only; write nothing")
    source_crs = serializers.IntegerField(
        required=False, allow_null=True, min_value=1024, max_value=999_999, help_text="EPSG code for a file without one"
    )


class ImportProgress(serializers.Serializer):
    phase = serializers.CharField(help_text="copy, validate, write or rejects")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ImportJobOutput(serializers.ModelSerializer):
    progress = ImportProgress(allow_null=True, help_text="while the job runs")
    rejects_url = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = (
            "id", "kind", "source_system", "status", "dry_run", "original_name", "size_bytes", "progress",
            "summary", "rejects_url", "error", "created_by", "created_at", "started_at", "finished_at",
            "display",
        )  # fmt: skip

    @extend_schema_field(display_schema("import_job"))
    def get_display(self, job: ImportJob) -> dict:
        return display_of("import_job", job)

    def get_rejects_url(self, job) -> str | None:
        if not job.rejects:
            return None
        request = self.context.get("request")
        path = f"/api/v1/imports/{job.pk}/rejects/"
        return request.build_absolute_uri(path) if request else path
