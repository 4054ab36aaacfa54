from django.urls import path

from . import views

urlpatterns = [
    path("boroughs/", views.BoroughListView.as_view(), name="borough-list"),
]
