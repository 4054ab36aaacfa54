"""Issue 12 on the pages, in Chromium: stored XSS through an operation's name, and a strict
Content-Security-Policy that every HTML page passes with no violation."""

import copy
import re

import httpx
import pytest

from ebikeops.core.models import Role
from tests import places
from tests.factories import UserFactory, token_of
from tests.operations.payloads import OPERATION

from .mappage import log_in, screen_point, wait_until_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "map-pass-word-1"
# The reviewer's proof of concept: run as the commander, ask for a (commander-only) recompute.
PAYLOAD = (
    "<img src=x onerror=\"window.__xss=1;fetch('/api/v1/hotspots/recompute/',"
    "{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json'},body:'{}'})\">"
)
CSP_WORDS = re.compile(r"Content.Security.Policy|Refused to (execute|load|apply)", re.IGNORECASE)


@pytest.fixture
def hostile_operation(boroughs, live_server):
    """An officer names an operation with the payload, through the public API."""
    officer = UserFactory(username="mallory", role=Role.OFFICER)
    body = copy.deepcopy(OPERATION)
    body["properties"]["name"] = PAYLOAD
    response = httpx.post(
        f"{live_server.url}/api/v1/operations/",
        json=body,
        headers={"Authorization": f"Token {token_of(officer)}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def commander_user(db):
    return UserFactory(username="chief", role=Role.COMMANDER, password=PASSWORD)


def watch(page) -> dict[str, list[str]]:
    """Requests to the recompute endpoint, dialogs, and console lines about the CSP."""
    seen: dict[str, list[str]] = {"recompute": [], "console": [], "dialogs": [], "failed": []}
    page.on("response", lambda r: seen["failed"].append(r.url) if r.status >= 400 else None)
    page.on("request", lambda r: seen["recompute"].append(r.method) if "/hotspots/recompute/" in r.url else None)
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    return seen


def test_an_operation_name_with_markup_shows_as_text_and_runs_nothing(
    hostile_operation, commander_user, live_server, page
):
    seen = watch(page)
    # Zoom 17: the ring and its stop points apart, not gathered into a cluster.
    view = "?since=2025-11-01&until=2025-12-31&layers=boroughs,operations&zoom=17&lat=51.513&lon=-0.302"
    log_in(page, live_server.url, "chief", PASSWORD, path="/map/" + view)
    wait_until_loaded(page, after=0)
    assert page.locator(".feature-operation").count() == 1

    # Tooltips (the operation's and its stop points') and the details panel: where the name shows.
    x, y = screen_point(page, places.EALING_BROADWAY.x, places.EALING_BROADWAY.y)
    page.mouse.move(x, y)
    page.locator(".leaflet-tooltip").first.wait_for()
    page.evaluate(
        "() => window.ebikeMap.layers.operations.group"
        ".eachLayer(g => g.eachLayer(l => l.openTooltip && l.openTooltip()))"
    )
    texts = page.locator(".leaflet-tooltip").all_inner_texts()
    assert len(texts) == 4 and all(text.startswith(PAYLOAD) for text in texts), texts
    page.mouse.click(x, y)
    page.wait_for_selector('#details-body[data-kind="operation"]')
    assert page.inner_text("#details-body h3") == PAYLOAD
    page.wait_for_timeout(500)  # an onerror handler would have fired by now

    assert page.evaluate("() => window.__xss") is None, "the payload's script ran"
    assert page.locator("img[src='x']").count() == 0, "the name became an element"
    assert seen["recompute"] == [], "the payload asked for a recompute with the commander's rights"
    assert seen["dialogs"] == []
    assert not [line for line in seen["console"] if CSP_WORDS.search(line)], seen["console"]


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/map/", "#status[data-state=ready]"),
        ("/accounts/login/", "#login-form"),
        ("/admin/", "#content"),
        ("/api/docs/", ".swagger-ui .info"),  # drawn by Swagger UI's script: proves it ran
    ],
)
def test_every_page_passes_its_content_security_policy(commander_user, live_server, page, path, ready):
    seen = watch(page)
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    if path == "/admin/":
        ready = "#login-form"  # nobody is logged in: the admin shows its own login form
    if path == "/map/":
        log_in(page, live_server.url, "chief", PASSWORD)
    else:
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "same-origin"
    page.wait_for_selector(ready)
    page.wait_for_timeout(300)
    assert violations == [], f"{path} broke its CSP: {violations}"
    assert not [line for line in seen["console"] if CSP_WORDS.search(line)], seen["console"]
    # Every resource the page asked for loaded. (The admin has no favicon link, so Chromium asks
    # for /favicon.ico itself and logs the 404; that request is not the page's and has no
    # response event, hence the two checks.)
    assert seen["failed"] == [], seen["failed"]
    errors = [line for line in seen["console"] if line.startswith("error") and "Failed to load resource" not in line]
    assert errors == [], seen["console"]
