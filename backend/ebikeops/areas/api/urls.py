from django.urls import path

from . import corridors, places, river, views

urlpatterns = [
    path("boroughs/", views.BoroughListView.as_view(), name="borough-list"),
    path("river/", river.RiverListView.as_view(), name="river-list"),
    path("corridors/", corridors.CorridorListView.as_view(), name="corridor-list"),
    path("places/", places.PlaceListView.as_view(), name="place-list"),
]
