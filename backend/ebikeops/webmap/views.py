"""The commander's map. The page itself holds no data: its script reads the same public API
as every other client (session authentication), so it shows exactly what the role may see."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from ebikeops.core.models import Role
from ebikeops.operations.models import VehicleType

# The public endpoints the page reads (a test checks that each one resolves).
API_ENDPOINTS = {
    "boroughs": "/api/v1/boroughs/",
    "operations": "/api/v1/operations/",
    "seizures": "/api/v1/seizures/",
    "seizureLayer": "/api/v1/layers/seizures/",
    "operationLayer": "/api/v1/layers/operations/",
    "hotspots": "/api/v1/hotspots/",
    "gistar": "/api/v1/hotspots/gistar/",
    "recompute": "/api/v1/hotspots/recompute/",
    "summaries": "/api/v1/summaries/",
    "suggestions": "/api/v1/suggestions/",
    "plans": "/api/v1/plans/",
}


# Layer toggles in drawing order: (id, label, on at start).
LAYERS = (
    ("boroughs", "Borough boundaries", True),
    ("gistar", "Gi* hot and cold cells", False),
    ("hotspots", "Hotspots", True),
    ("seizures", "Seizures", True),
    ("operations", "Operations and stop points", True),
    ("suggestions", "Deployment suggestions", True),
)


class MapView(LoginRequiredMixin, TemplateView):
    """GET /map/: the map page for any logged-in role; anonymous visitors go to LOGIN_URL."""

    template_name = "webmap/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["layers"] = [{"id": layer_id, "label": label, "on": on} for layer_id, label, on in LAYERS]
        context["vehicle_types"] = VehicleType.choices
        # Recomputing hotspots and planning shifts are the commander's.
        context["is_commander"] = getattr(user, "role", None) == Role.COMMANDER
        context["map_config"] = {
            "api": API_ENDPOINTS,
            "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
            "user": {"username": user.get_username(), "role": getattr(user, "role", "")},
            "canRecompute": context["is_commander"],
            "canPlan": context["is_commander"],
            "vehicleTypes": dict(VehicleType.choices),
            "pointsMinZoom": settings.MAP_POINTS_MIN_ZOOM,
            "maxPoints": settings.MAP_MAX_POINTS,
            "londonBbox": list(settings.LONDON_BBOX),
        }
        return context
