"""The map page as Django serves it: who may see it, what it loads, what it is told."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core import checks
from django.urls import resolve, reverse

from ebikeops.webmap.checks import LEAFLET_FILES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def map_config(response) -> dict:
    match = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page must embed its configuration with json_script (id map-config)"
    return json.loads(match.group(1))


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
    assert config["user"] == {"username": f"{role}-1", "role": role}
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
    assert any(src.endswith("webmap/vendor/leaflet/leaflet.js") for src in sources), sources
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
    with open(finders.find("webmap/vendor/leaflet/leaflet.js"), encoding="utf-8") as handle:
        head = handle.read(200)
    assert re.search(r"Leaflet 1\.9\.\d", head), head
    messages = [m for m in checks.run_checks() if m.id == "webmap.W001"]
    assert messages == []
