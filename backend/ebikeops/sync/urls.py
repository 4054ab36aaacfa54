from django.urls import path

from . import views

urlpatterns = [
    path("sync/", views.SyncView.as_view(), name="sync"),
    path("seizures/<uuid:seizure_id>/photos/", views.SeizurePhotosView.as_view(), name="seizure-photo-list"),
    path("photos/<uuid:pk>/", views.PhotoContentView.as_view(), name="photo-content"),
]
