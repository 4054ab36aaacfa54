"""Summaries, exports and map layers, under /api/v1/ (tiles: see tile_urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("summaries/", views.SummaryView.as_view(), name="summaries"),
    path("layers/seizures/", views.SeizureLayerView.as_view(), name="layer-seizures"),
    path("layers/operations/", views.OperationLayerView.as_view(), name="layer-operations"),
    path("layers/hotspots/", views.HotspotLayerView.as_view(), name="layer-hotspots"),
    *(
        path(f"exports/{name}.{fmt}", view.as_view(), name=f"export-{name}-{fmt}")
        for (name, fmt), view in views.EXPORT_VIEWS.items()
    ),
]
