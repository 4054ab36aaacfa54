from django.urls import path

from .views import ArrestHistoryApi, AuditEventExportApi, AuditEventListApi, OperationHistoryApi, SeizureHistoryApi

urlpatterns = [
    path("audit/events/", AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit/events.csv", AuditEventExportApi.as_view(), name="audit-event-export"),
    path("operations/<uuid:pk>/history/", OperationHistoryApi.as_view(), name="operation-history"),
    path("seizures/<uuid:pk>/history/", SeizureHistoryApi.as_view(), name="seizure-history"),
    path("arrests/<uuid:pk>/history/", ArrestHistoryApi.as_view(), name="arrest-history"),
]
