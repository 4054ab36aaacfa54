from django.urls import path

from .views import AuditEventExportApi, AuditEventListApi

urlpatterns = [
    path("audit/events/", AuditEventListApi.as_view(), name="audit-event-list"),
    path("audit/events.csv", AuditEventExportApi.as_view(), name="audit-event-export"),
]
