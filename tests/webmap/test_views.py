"""The map page as Django serves it: who may see it, what it loads, what it is told."""

import html
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core import checks
from django.urls import resolve, reverse

from ebikeops.webmap import checks as webmap_checks
from ebikeops.webmap.checks import LEAFLET_FILES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def map_config(response) -> dict:
    """The configuration the page carries in #map-app's data-config attribute (not a script
    element: the page passes a CSP without inline script)."""
    match = re.search(r'<div id="map-app" data-config="([^"]*)"', response.content.decode())
    assert match, "the page must carry its configuration in #map-app[data-config]"
    return json.loads(html.unescape(match.group(1)))


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/map/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/map/"


def test_it_serves_the_login_form(client):
    response = client.get("/accounts/login/?next=/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="login-form"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/map/"' in html


def test_it_logs_in_through_the_form_and_lands_on_the_map(client):
    UserFactory(username="chief", role="commander", password="pass-word-123")
    response = client.post("/accounts/login/", {"username": "chief", "password": "pass-word-123", "next": "/map/"})
    assert response.status_code == 302
    assert response["Location"] == "/map/"
    assert client.get("/map/").status_code == 200


def test_it_refuses_a_wrong_password_on_the_form(client):
    UserFactory(username="chief", role="commander", password="pass-word-123")
    response = client.post("/accounts/login/", {"username": "chief", "password": "wrong", "next": "/map/"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


@pytest.mark.parametrize("role", ["commander", "officer", "analyst"])
def test_it_serves_the_map_to_every_role(client, role):
    user = UserFactory(username=f"{role}-1", role=role)
    client.force_login(user)
    response = client.get(reverse("webmap:map"))
    assert response.status_code == 200
    config = map_config(response)
    assert config["user"] == {"username": f"{role}-1", "role": role, "team": ""}
    assert config["canRecompute"] == (role == "commander" and "recompute" in config["api"])


def test_it_offers_the_recompute_button_to_commanders_only(client):
    client.force_login(UserFactory(username="an", role="analyst"))
    assert 'id="recompute"' not in client.get("/map/").content.decode()
    client.force_login(UserFactory(username="co", role="commander"))
    assert 'id="recompute"' in client.get("/map/").content.decode()


def test_it_loads_nothing_from_another_host(client):
    client.force_login(UserFactory(username="co", role="commander"))
    html = client.get("/map/").content.decode()
    sources = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert any(src.endswith("webmap/vendor/leaflet/map-vendor.js") for src in sources), sources
    external = [src for src in sources if not (src.startswith("/static/") or src.startswith("data:"))]
    assert external == [], "the map must work on a closed network: serve every asset from /static/"


def test_it_tells_the_page_the_public_endpoints_it_reads_and_each_one_resolves(client):
    client.force_login(UserFactory(username="co", role="commander"))
    api = map_config(client.get("/map/"))["api"]
    assert api["boroughs"] == "/api/v1/boroughs/"
    assert api["summaries"] == "/api/v1/summaries/"
    for path in api.values():
        assert path.startswith("/api/v1/"), "the page reads the public API only"
        resolve(path)  # Resolver404 when a route moved without the page


def test_it_passes_no_tile_url_unless_one_is_configured(client, settings):
    client.force_login(UserFactory(username="co", role="commander"))
    assert map_config(client.get("/map/"))["tiles"]["url"] == ""
    settings.MAP_TILE_URL = "https://tiles.example.police.uk/{z}/{x}/{y}.png"
    assert map_config(client.get("/map/"))["tiles"]["url"] == settings.MAP_TILE_URL


def test_it_has_leaflet_from_npm_in_its_static_files():
    for name in LEAFLET_FILES:
        assert finders.find(name), f"{name} is missing: run `make web-deps` (scripts/build_web.sh)"
    with open(finders.find("webmap/vendor/leaflet/map-vendor.js"), encoding="utf-8") as handle:
        script = handle.read()
    assert re.search(r"Leaflet 1\.9\.\d", script[:200]), script[:200]
    assert "MarkerClusterGroup" in script, "Leaflet.markercluster is bundled after Leaflet"
    messages = [m for m in checks.run_checks() if m.id == "webmap.W001"]
    assert messages == []


@pytest.mark.parametrize(
    ("role", "title", "explains"),
    [
        ("commander", "Shift briefing", None),
        ("officer", "Today&#x27;s deployments", "are for commanders"),
        ("analyst", "Reading view", "are not shown to analysts"),
    ],
)
def test_it_gives_each_role_its_own_page_and_says_what_it_cannot_do(client, role, title, explains):
    client.force_login(UserFactory(username=f"{role}-2", role=role, team="Ealing Town Centre Team"))
    page = client.get("/map/").content.decode()
    assert f"<title>{title} · ebike-ops</title>" in page
    assert "Commander&#x27;s map" not in page
    if explains:
        assert explains in page, "an action the role lacks is explained, not silently missing"
    assert ('id="s-plan"' in page) == (role == "commander")
    assert ('id="s-offline"' in page) == (role != "analyst"), "field roles take the bundle offline"
    if role == "officer":
        assert "Ealing Town Centre Team" in page, "the officer's page names their team"


def test_it_has_no_inline_script_and_loads_its_script_as_a_module(client):
    client.force_login(UserFactory(username="co", role="commander"))
    page = client.get("/map/").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert all(body.strip() == "" for _, body in scripts), "no inline script (the CSP forbids it)"
    assert any('type="module"' in attrs and "webmap/build/map.js" in attrs for attrs, _ in scripts)
    assert "style=" not in page, "no style attributes (style-src 'self')"


@pytest.mark.parametrize("path", ["/map/", "/accounts/login/", "/admin/login/", "/api/docs/"])
def test_every_html_page_sends_a_strict_content_security_policy(client, path):
    client.force_login(UserFactory(username="co", role="commander"))
    response = client.get(path)
    assert response.status_code == 200
    policy = dict([*part.strip().split(" ", 1), ""][:2] for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'", "no inline or foreign script"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_swagger_ui_script_is_a_file_not_inline(client):
    page = client.get("/api/docs/").content.decode()
    assert re.search(r'<script src="/api/docs/\?script"', page) or "?script" in page
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_the_csp_names_the_tile_server_when_one_is_set():
    from config.settings.base import _tile_origin

    assert _tile_origin("https://{s}.tiles.example.police.uk/{z}/{x}/{y}.png") == "https://*.tiles.example.police.uk"
    assert _tile_origin("") is None


def test_it_loads_its_modules_as_one_script_built_from_every_one_of_them(client):
    client.force_login(UserFactory(username="co", role="commander"))
    page = client.get("/map/").content.decode()
    scripts = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', page)
    assert scripts == ["/static/webmap/vendor/leaflet/map-vendor.js", "/static/webmap/build/map.js"]
    assert "modulepreload" not in page
    assert not webmap_checks.map_script_is_stale(), "run bash scripts/build_map_js.sh"
    with open(finders.find("webmap/build/map.js"), encoding="utf-8") as handle:
        script = handle.read()
    # Strings of main.js, layers.js and incidents.js: the modules are in it.
    assert "ebikeMap" in script and "markerClusterGroup" in script and "data.police.uk, OGL" in script
