from django.urls import path

from . import custody, photos, views

urlpatterns = [
    path("operations/", views.OperationListCreateApi.as_view(), name="operation-list"),
    path("operations/<uuid:pk>/", views.OperationDetailApi.as_view(), name="operation-detail"),
    path(
        "operations/<uuid:operation_pk>/seizures/",
        views.OperationSeizureListCreateApi.as_view(),
        name="operation-seizure-list",
    ),
    path(
        "operations/<uuid:operation_pk>/seizures/<uuid:pk>/",
        views.OperationSeizureDetailApi.as_view(),
        name="operation-seizure-detail",
    ),
    path(
        "operations/<uuid:operation_pk>/arrests/",
        views.OperationArrestListCreateApi.as_view(),
        name="operation-arrest-list",
    ),
    path(
        "operations/<uuid:operation_pk>/arrests/<uuid:pk>/",
        views.OperationArrestDetailApi.as_view(),
        name="operation-arrest-detail",
    ),
    path("seizures/", views.SeizureListCreateApi.as_view(), name="seizure-list"),
    path("seizures/<uuid:pk>/", views.SeizureDetailApi.as_view(), name="seizure-detail"),
    path("arrests/", views.ArrestListCreateApi.as_view(), name="arrest-list"),
    path("arrests/<uuid:pk>/", views.ArrestDetailApi.as_view(), name="arrest-detail"),
    path("seizures/<uuid:seizure_id>/photos/", photos.SeizurePhotosApi.as_view(), name="seizure-photo-list"),
    path("photos/<uuid:pk>/", photos.PhotoApi.as_view(), name="photo-content"),
    path("seizures/<uuid:pk>/custody/", custody.SeizureCustodyApi.as_view(), name="seizure-custody"),
]
