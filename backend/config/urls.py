from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ebikeops.core.views import HealthView

api_v1 = [
    path("health/", HealthView.as_view(), name="health"),
    path("", include("ebikeops.operations.api.urls")),
    path("", include("ebikeops.areas.api.urls")),
    path("", include("ebikeops.sync.urls")),
    path("", include("ebikeops.planning.api.urls")),
    path("hotspots/", include("ebikeops.hotspots.api.urls")),
    path("", include("ebikeops.reporting.api.urls")),
    path("", include("ebikeops.audit.api.urls")),
]

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("map/", include("ebikeops.webmap.urls")),
    path("", include("ebikeops.reporting.api.tile_urls")),
    path("admin/", admin.site.urls),
]
