from django.urls import path

from . import views

urlpatterns = [
    path("operations/", views.OperationListCreateView.as_view(), name="operation-list"),
    path("operations/<uuid:pk>/", views.OperationDetailView.as_view(), name="operation-detail"),
    path(
        "operations/<uuid:operation_pk>/seizures/", views.OperationSeizuresView.as_view(), name="operation-seizure-list"
    ),
    path(
        "operations/<uuid:operation_pk>/seizures/<uuid:pk>/",
        views.OperationSeizureDetailView.as_view(),
        name="operation-seizure-detail",
    ),
    path("operations/<uuid:operation_pk>/arrests/", views.OperationArrestsView.as_view(), name="operation-arrest-list"),
    path(
        "operations/<uuid:operation_pk>/arrests/<uuid:pk>/",
        views.OperationArrestDetailView.as_view(),
        name="operation-arrest-detail",
    ),
    path("seizures/", views.SeizureListCreateView.as_view(), name="seizure-list"),
    path("seizures/<uuid:pk>/", views.SeizureDetailView.as_view(), name="seizure-detail"),
    path("arrests/", views.ArrestListCreateView.as_view(), name="arrest-list"),
    path("arrests/<uuid:pk>/", views.ArrestDetailView.as_view(), name="arrest-detail"),
]
