"""Summaries, exports and map layers, under /api/v1/ (tiles: see tile_urls)."""

from django.urls import path

from . import exports, layers, summaries

urlpatterns = [
    path("summaries/", summaries.SummaryApi.as_view(), name="summaries"),
    path("layers/seizures/", layers.SeizureLayerApi.as_view(), name="layer-seizures"),
    path("layers/operations/", layers.OperationLayerApi.as_view(), name="layer-operations"),
    path("layers/hotspots/", layers.HotspotLayerApi.as_view(), name="layer-hotspots"),
    path("exports/operations.geojson", exports.OperationGeoJSONExportApi.as_view(), name="export-operations-geojson"),
    path("exports/operations.csv", exports.OperationCSVExportApi.as_view(), name="export-operations-csv"),
    path("exports/seizures.geojson", exports.SeizureGeoJSONExportApi.as_view(), name="export-seizures-geojson"),
    path("exports/seizures.csv", exports.SeizureCSVExportApi.as_view(), name="export-seizures-csv"),
    path("exports/arrests.geojson", exports.ArrestGeoJSONExportApi.as_view(), name="export-arrests-geojson"),
    path("exports/arrests.csv", exports.ArrestCSVExportApi.as_view(), name="export-arrests-csv"),
]
