from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.IncidentListApi.as_view(), name="incident-list"),
    path("incidents/layer/", views.IncidentLayerApi.as_view(), name="incident-layer"),
    path("incidents/summary/", views.IncidentSummaryApi.as_view(), name="incident-summary"),
]
