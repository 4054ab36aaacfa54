"""The commander's map. The page itself holds no data: its script reads the same public API
as every other client (session authentication), so it shows exactly what the role may see."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import Resolver404, resolve
from django.views.generic import TemplateView

from ebikeops.core.models import Role
from ebikeops.operations.models import VehicleType

# The public endpoints the page reads. Each is looked up when the page is served, so a
# deployment without one of them (an app not installed yet) shows that layer as unavailable
# instead of failing on every request.
API_ENDPOINTS = {
    "boroughs": "/api/v1/boroughs/",
    "operations": "/api/v1/operations/",
    "seizures": "/api/v1/seizures/",
    "seizureLayer": "/api/v1/layers/seizures/",
    "hotspots": "/api/v1/hotspots/",
    "gistar": "/api/v1/hotspots/gistar/",
    "recompute": "/api/v1/hotspots/recompute/",
    "summaries": "/api/v1/summaries/",
    "suggestions": "/api/v1/suggestions/",
    "plans": "/api/v1/plans/",
}


def available_endpoints() -> dict[str, str]:
    """The subset of API_ENDPOINTS this deployment serves: name -> path."""
    found = {}
    for name, path in API_ENDPOINTS.items():
        try:
            resolve(path)
        except Resolver404:
            continue
        found[name] = path
    return found


# Layer toggles in drawing order: (id, label, endpoint it needs, on at start).
LAYERS = (
    ("boroughs", "Borough boundaries", "boroughs", True),
    ("gistar", "Gi* hot and cold cells", "gistar", False),
    ("hotspots", "Hotspots", "hotspots", True),
    ("seizures", "Seizures", "seizures", True),
    ("operations", "Operations and stop points", "operations", True),
    ("suggestions", "Deployment suggestions", "suggestions", True),
)


class MapView(LoginRequiredMixin, TemplateView):
    """GET /map/: the map page for any logged-in role; anonymous visitors go to LOGIN_URL."""

    template_name = "webmap/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        api = available_endpoints()
        context["layers"] = [
            {"id": layer_id, "label": label, "available": endpoint in api, "on": on and endpoint in api}
            for layer_id, label, endpoint, on in LAYERS
        ]
        context["vehicle_types"] = VehicleType.choices
        context["is_commander"] = getattr(user, "role", None) == Role.COMMANDER
        context["recompute_available"] = "recompute" in api
        context["suggestions_available"] = "suggestions" in api
        # Shift plans are the commander's view of the planning API.
        context["plans_available"] = "plans" in api and context["is_commander"]
        context["map_config"] = {
            "api": api,
            "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
            "user": {"username": user.get_username(), "role": getattr(user, "role", "")},
            "canRecompute": context["is_commander"] and context["recompute_available"],
            "canPlan": context["plans_available"],
            "vehicleTypes": dict(VehicleType.choices),
            "pointsMinZoom": settings.MAP_POINTS_MIN_ZOOM,
            "maxPoints": settings.MAP_MAX_POINTS,
            "londonBbox": list(settings.LONDON_BBOX),
        }
        return context
