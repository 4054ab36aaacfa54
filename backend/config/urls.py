from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ebikeops.core.views import HealthView
from ebikeops.webmap.api import DisplayNamesView

api_v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("ebikeops.core.api.urls")),
    path("", include("ebikeops.operations.api.urls")),
    path("", include("ebikeops.areas.api.urls")),
    path("", include("ebikeops.sync.urls")),
    path("", include("ebikeops.planning.api.urls")),
    path("hotspots/", include("ebikeops.hotspots.api.urls")),
    path("", include("ebikeops.reporting.api.urls")),
    path("", include("ebikeops.imports.api.urls")),
    path("", include("ebikeops.incidents.api.urls")),
    path("", include("ebikeops.audit.api.urls")),
]

# Only logging in and out: no password-reset pages (a reset e-mail is a way in for whoever
# reads the mailbox; an administrator sets passwords with `manage.py create_user`).
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# A database outage outside a view is still a 503 problem document (core.middleware).
handler500 = "ebikeops.core.middleware.server_error"

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI with its script in a separate file (?script) and no inline <style>: passes the CSP.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="webmap/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("api/v1/display-names/", DisplayNamesView.as_view(), name="display-names"),
    path("api/v1/", include(api_v1)),
    path("accounts/", include(accounts)),
    path("map/", include("ebikeops.webmap.urls")),
    path("", include("ebikeops.reporting.api.tile_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "ebikeops.core.error_pages.page_not_found"
handler500 = "ebikeops.core.error_pages.server_error"
