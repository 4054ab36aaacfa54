from django.urls import path

from . import views

urlpatterns = [
    path("", views.HotspotListView.as_view(), name="hotspot-list"),
    path("gistar/", views.GiStarView.as_view(), name="hotspot-gistar"),
    path("recompute/", views.RecomputeView.as_view(), name="hotspot-recompute"),
    path("jobs/<uuid:pk>/", views.JobView.as_view(), name="hotspot-job"),
]
