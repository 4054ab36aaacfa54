from django.urls import path

from . import views

urlpatterns = [
    path("suggestions/", views.SuggestionNearMeView.as_view(), name="suggestion-list"),
    path("suggestions/bundle/", views.SuggestionBundleView.as_view(), name="suggestion-bundle"),
    path("suggestions/followed-report/", views.FollowReportView.as_view(), name="suggestion-followed-report"),
    path("suggestions/<uuid:pk>/", views.SuggestionDetailView.as_view(), name="suggestion-detail"),
    path("plans/", views.ShiftPlanView.as_view(), name="plan-list"),
    path("plans/sent/", views.SentPlanView.as_view(), name="plan-sent"),
    path(
        "operations/<uuid:operation_pk>/followed-suggestion/",
        views.FollowedSuggestionView.as_view(),
        name="operation-followed-suggestion",
    ),
]
