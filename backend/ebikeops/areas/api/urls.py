from django.urls import path

from . import places, views

urlpatterns = [
    path("boroughs/", views.BoroughListView.as_view(), name="borough-list"),
    path("places/", places.PlaceListView.as_view(), name="place-list"),
]
