"""Vector tiles at the top level: /tiles/{layer}/{z}/{x}/{y}.mvt."""

from django.urls import path

from . import tiles

urlpatterns = [
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", tiles.TileApi.as_view(), name="tile"),
]
