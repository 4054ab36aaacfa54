"""The map page, one per role: the commander's shift briefing, the officer's "Today's
deployments" and the analyst's reading view. The page itself holds no data: its script reads
the same public API as every other client (session authentication), so it shows exactly what
the role may see. Its configuration travels in a data attribute (no inline script: the page
passes a `script-src 'self'` Content-Security-Policy)."""

import json

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from ebikeops.core.display import display
from ebikeops.core.models import Role
from ebikeops.operations.models import VehicleType

# The public endpoints the page reads (a test checks that each one resolves).
API_ENDPOINTS = {
    "boroughs": "/api/v1/boroughs/",
    "river": "/api/v1/river/",
    "corridors": "/api/v1/corridors/",
    "displayNames": "/api/v1/display-names/",
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
    "sentPlan": "/api/v1/plans/sent/",
    "bundle": "/api/v1/suggestions/bundle/",
    "incidentLayer": "/api/v1/incidents/layer/",
}

# The page's script: its ES modules (static/webmap/main.js and modules/) joined by esbuild
# (scripts/build_map_js.sh) into one file, one request rather than one per module.
MAP_SCRIPT = "webmap/build/map.js"

# Layer toggles in drawing order, bottom to top: (id, label, on at start). What a commander
# needs first is on; operations (hundreds of rings), Gi* squares and police.uk crimes (public
# context) are one click away, and are not requested until switched on.
LAYERS = (
    ("boroughs", "Borough boundaries", True),
    ("gistar", "Gi* hot and cold cells", False),
    ("incidents", "Police.uk crimes (public context)", False),
    ("seizures", "Seizures", True),
    ("operations", "Past operations and their stop points", False),
    ("hotspots", "Hotspots", True),
    ("suggestions", "Deployments", True),
)

# Per role: the page's title, what its briefing is called, and what the role cannot do here
# (said on the page, not silently left out).
PAGES = {
    Role.COMMANDER: {
        "title": "Shift briefing",
        "briefing": "Shift briefing",
        "cannot": [],
    },
    Role.OFFICER: {
        "title": "Today's deployments",
        "briefing": "Today's deployments",
        "cannot": [
            "Planning a shift for several teams and recomputing hotspots are for commanders; "
            "ask your duty sergeant or commander.",
        ],
    },
    Role.ANALYST: {
        "title": "Reading view",
        "briefing": "Suggested deployments (reading only)",
        "cannot": [
            "Planning shifts and recomputing hotspots are for commanders.",
            "Notes, frame numbers and officers' names are not shown to analysts.",
        ],
    },
}


class MapView(LoginRequiredMixin, TemplateView):
    """GET /map/: the map page for any logged-in role; anonymous visitors go to LOGIN_URL."""

    template_name = "webmap/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        role = getattr(user, "role", "") or Role.ANALYST
        page = PAGES.get(role, PAGES[Role.ANALYST])
        is_commander = role == Role.COMMANDER
        context["page"] = page
        context["role"] = role
        context["role_name"] = display("role", role)
        context["layers"] = [{"id": layer_id, "label": label, "on": on} for layer_id, label, on in LAYERS]
        context["vehicle_types"] = VehicleType.choices
        context["is_commander"] = is_commander
        context["is_officer"] = role == Role.OFFICER
        context["team"] = getattr(user, "team", "")
        config = {
            "api": API_ENDPOINTS,
            "tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
            "user": {"username": user.get_username(), "role": role, "team": getattr(user, "team", "")},
            "canRecompute": is_commander,
            "canPlan": is_commander,
            "canTakeOffline": role in (Role.OFFICER, Role.COMMANDER),
            "vehicleTypes": dict(VehicleType.choices),
            "pointsMinZoom": settings.MAP_POINTS_MIN_ZOOM,
            "maxPoints": settings.MAP_MAX_POINTS,
            "londonBbox": list(settings.LONDON_BBOX),
            "shift": {"starts": list(settings.MAP_SHIFT_STARTS), "hours": settings.MAP_SHIFT_HOURS},
        }
        context["map_config"] = config
        context["map_script"] = MAP_SCRIPT
        context["map_config_json"] = json.dumps(config)
        return context
