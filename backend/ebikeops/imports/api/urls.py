from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.ImportCreateApi.as_view(), name="import-create"),
    path("imports/<uuid:pk>/", views.ImportDetailApi.as_view(), name="import-detail"),
    path("imports/<uuid:pk>/rejects/", views.ImportRejectsApi.as_view(), name="import-rejects"),
]
