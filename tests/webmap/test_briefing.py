"""Issue 14 in Chromium: the briefing first, at 1440x900, 1024x768 and 390x844, for every role.

Three busy places along Uxbridge Road in Ealing (Southall, West Ealing, Acton), 10 seizures
each in the fortnight before a Saturday afternoon, so a commander's plan for three teams in
Ealing gives three deployments on one road: the test of names that tell them apart.
"""

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from pypdf import PdfReader

from ebikeops.core.models import Role
from ebikeops.operations.boroughs import boroughs_assign_all
from tests import places
from tests.factories import T0, OperationFactory, SeizureFactory, UserFactory

from .mappage import apply_filters, layer_count, log_in, wait_until_loaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "map-pass-word-1"
SATURDAY = "2025-12-13T14:00"
WINDOW = "since=2025-11-01&until=2025-12-31"
SIZES = {"desktop": (1440, 900), "tablet": (1024, 768), "phone": (390, 844)}
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
# Where the three places' seizures sit: along the road, a few metres apart.
BUSY = (places.SOUTHALL_BROADWAY, places.WEST_EALING, places.ACTON_TOWN_HALL)


@pytest.fixture
def briefing_data(boroughs):
    from ebikeops.areas.corridors import corridors_load

    corridors_load(path=settings.CORRIDORS_FILE, approximate=True)
    for n, place in enumerate(BUSY):
        operation = OperationFactory(
            name=f"Operation {place_name(place)}", started_at=T0 - timedelta(days=20 - n), location=place
        )
        for i in range(10):
            SeizureFactory(
                operation=operation,
                point=places.pt(place.x + 0.00003 * (i % 3), place.y + 0.00002 * (i // 3)),
                seized_at=operation.started_at + timedelta(minutes=7 * i),
            )
    boroughs_assign_all()
    call_command("compute_hotspots", "--since", "2025-11-01", "--until", "2025-12-31")


def place_name(place) -> str:
    return {id(places.SOUTHALL_BROADWAY): "Southall", id(places.WEST_EALING): "West Ealing"}.get(id(place), "Acton")


@pytest.fixture
def viewer(request, db):
    role = request.param
    return UserFactory(username=f"{role}-viewer", role=role, password=PASSWORD, team="Ealing Town Centre Team")


def open_briefing(browser, live_server, username, size, query):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", timezone_id="America/New_York"
    )  # a browser with no UK locale: the page must still say en-GB, London time
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url, username, PASSWORD, path="/map/?" + query)
    wait_until_loaded(page, after=0)
    page.wait_for_function("() => document.getElementById('briefing-list').dataset.count !== undefined")
    return context, page, errors


def codes_in(text: str) -> list[str]:
    return SNAKE_CASE.findall(text) + UUID.findall(text)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("viewer", [Role.COMMANDER, Role.OFFICER, Role.ANALYST], indirect=True)
def test_the_briefing_is_the_first_view_for_every_role_and_size(
    briefing_data, viewer, live_server, browser, size, results_dir
):
    query = f"{WINDOW}&borough=E09000009&at={SATURDAY}&hours=8&teams=3"
    context, page, errors = open_briefing(browser, live_server, viewer.username, size, query)
    width, height = SIZES[size]
    items = page.locator(".briefing-item")
    assert items.count() >= 1, page.inner_text("#s-message")
    first = items.first.bounding_box()
    geometry = page.evaluate(
        """() => {
            const map = document.getElementById('map').getBoundingClientRect();
            const panel = document.getElementById('panel').getBoundingClientRect();
            return {mapTop: map.top, mapWidth: map.width, mapBottom: map.bottom, panelTop: panel.top,
                    scrolled: window.scrollY + document.getElementById('panel').scrollTop};
        }"""
    )
    if size == "phone":
        # The map fills the screen above the bottom sheet's peek.
        visible = (min(geometry["panelTop"], geometry["mapBottom"]) - geometry["mapTop"]) * geometry["mapWidth"]
        assert visible / (width * height) >= 0.6, geometry
        page.click("#sheet-handle")
        page.wait_for_function("() => document.getElementById('panel').dataset.sheet === 'open'")
        page.wait_for_timeout(300)  # the sheet's transition
        small = page.evaluate(
            """() => [...document.querySelectorAll('#panel button, #panel select, #panel input:not([type=checkbox]),'
                + ' #panel summary, #panel .layer-toggle, #panel .zoom-link')]
              .filter(e => e.offsetParent !== null)
              .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect().height])
              .filter(([, h]) => h < 44)"""
        )
        assert small == [], f"touch targets under 44 px: {small}"
    else:
        assert geometry["scrolled"] == 0
        assert first["y"] + 60 <= height, "the first deployment shows without scrolling"
        assert geometry["mapWidth"] >= width * 0.55, "the map keeps most of the screen"

    # Words, not codes, wherever a person reads: the whole page, then a deployment's details.
    shown = page.inner_text("body")
    assert codes_in(shown) == [], codes_in(shown)
    assert "/" not in page.locator(".item-when").first.inner_text(), "dates in words, not mm/dd/yyyy"
    assert re.search(r"Saturday 13 December, (14|15):00 to 2[23]:00", page.locator(".item-when").first.inner_text())
    page.locator(".zoom-link").first.click()
    page.wait_for_selector('#details-body[data-kind="suggestion"]')
    assert codes_in(page.inner_text("#details-body")) == []
    assert codes_in(page.inner_text("#legend")) == []

    title = page.locator("h1 .page-title").inner_text()
    assert (
        title
        == {"commander": "Shift briefing", "officer": "Today's deployments", "analyst": "Reading view"}[viewer.role]
    )
    page.screenshot(path=str(results_dir / f"briefing-{viewer.role}-{size}.png"))
    context.close()
    assert errors == []


@pytest.fixture
def chief(db):
    return UserFactory(username="chief", role=Role.COMMANDER, password=PASSWORD)


def test_a_plan_for_three_teams_names_three_places_and_numbers_them_alike(briefing_data, chief, live_server, browser):
    query = f"{WINDOW}&borough=Ealing&at={SATURDAY}&hours=8&teams=3&mode=plan"
    context, page, errors = open_briefing(
        browser, live_server, "chief", "desktop", query.replace("Ealing", "E09000009")
    )
    assert page.get_attribute("#briefing-list", "data-mode") == "plan"
    names = page.locator(".briefing-item .item-name").all_inner_texts()
    assert len(names) == 3, (names, page.inner_text("#s-message"))
    assert len(set(names)) == 3, f"three teams, three different names: {names}"
    teams = [" ".join(text.split()) for text in page.locator(".briefing-item .item-team").all_inner_texts()]
    assert teams == ["Who Team 1", "Who Team 2", "Who Team 3"], "rank = team in a shift plan"
    # The same "rank.stop" numbers on the map and in the list.
    in_list = sorted(page.locator(".item-stops li").evaluate_all("els => els.map(e => e.dataset.stop)"))
    on_map = sorted(page.locator(".feature-suggestion-stop").all_inner_texts())
    assert in_list == on_map and in_list[0] == "1.1", (in_list, on_map)
    context.close()
    assert errors == []


def test_the_printed_briefing_has_one_page_per_team(briefing_data, chief, live_server, browser, results_dir):
    query = f"{WINDOW}&borough=E09000009&at={SATURDAY}&hours=8&teams=3&mode=plan"
    context, page, errors = open_briefing(browser, live_server, "chief", "desktop", query)
    names = page.locator(".briefing-item .item-name").all_inner_texts()
    assert len(names) == 3
    pdf = page.pdf(format="A4", print_background=True)  # Chromium's print-to-PDF, print CSS applied
    (results_dir / "briefing.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 3, "one page per team"
    for number, (sheet, name) in enumerate(zip(pages, names, strict=True), start=1):
        text = " ".join(sheet.extract_text().split())
        assert " ".join(name.split()) in text, (name, text)
        assert f"Team {number}" in text
        assert f"{number}.1" in text, "the stops carry the same numbers as on the map"
        assert "Show on map" not in text and "Plan the shift" not in text, "controls are not printed"
    assert "Saturday 13 December" in pages[0].extract_text()
    context.close()
    assert errors == []


def test_a_borough_filter_shows_the_london_runs_hotspots_without_a_recompute(briefing_data, chief, live_server, page):
    recomputes: list[str] = []
    page.on("request", lambda r: recomputes.append(r.url) if "/recompute/" in r.url else None)
    log_in(page, live_server.url, "chief", PASSWORD, path=f"/map/?{WINDOW}&layers=boroughs,hotspots")
    wait_until_loaded(page, after=0)
    london = layer_count(page, "hotspots")
    assert london == 3
    apply_filters(page, borough="Ealing")
    assert layer_count(page, "hotspots") == 3, "all three places are in Ealing"
    assert page.get_attribute("#hotspot-note", "data-source") == "london-cut-to-borough"
    assert "London-wide run" in page.inner_text("#hotspot-note")
    apply_filters(page, borough="Westminster")
    assert layer_count(page, "hotspots") == 0
    assert recomputes == [], "a spatial filter is answered from the London-wide run"


# The first view's weight, from the login's redirect to the briefing shown. Issue 14 noted 11
# requests and ~605 KB as usable, then 35 requests and 672 KB; measured here before this budget:
# 35 requests, 551 KB (22 of them the page's ES modules). The modules are now one script
# (esbuild), Leaflet and its cluster plugin one more, and layers that are off are not asked for.
# A fresh clone's run once saw 16: the borough from the address fitted the map while the seizure
# layer's first fetch, already for that view, was in flight, and the move fetched it again. A
# move now refetches a layer only when its view key changed (layers.refreshLayerIfMoved).
FIRST_VIEW_MAX_REQUESTS = 15
FIRST_VIEW_MAX_BYTES = 600_000


def test_the_first_view_stays_within_its_request_budget(briefing_data, chief, live_server, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{live_server.url}/map/?{WINDOW}&borough=E09000009&at={SATURDAY}&hours=8&teams=3")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    # Every request sent, aborted ones too: a stale fetch cancelled in flight still cost one.
    sent = []
    page.on("request", lambda request: sent.append(request.url.split("?")[0]))
    # The order that once fetched the seizure layer twice, made certain: the display names (which
    # start the first refresh) answer only after the boroughs have fitted the map to Ealing from
    # the address and that move has settled.
    names = re.compile(r"/api/v1/display-names/")
    held = []

    def hold(route):
        held.append(route)

    page.route(names, hold)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/map/**")
    page.wait_for_function("() => document.getElementById('f-borough').options.length > 1")
    page.wait_for_timeout(1_000)  # the move's 250 ms settling time, four times over
    assert len(held) == 1, "the page asks for the display names once"
    held[0].continue_()
    page.unroute(names, hold)
    wait_until_loaded(page, after=0)
    page.wait_for_function("() => Number(document.getElementById('briefing-list').dataset.count) > 0")
    urls = [request.url.removeprefix(live_server.url) for request in finished]
    first = next(i for i, url in enumerate(urls) if url.startswith("/map/"))
    counted = finished[first:]
    paths = sorted(url.split("?")[0] for url in urls[first:])
    size = sum(request.sizes()["responseBodySize"] for request in counted)
    print(f"first view: {len(counted)} requests, {size} bytes: {paths}")
    assert len(counted) <= FIRST_VIEW_MAX_REQUESTS, paths
    layer_fetches = [url for url in sent if url.endswith("/api/v1/layers/seizures/")]
    assert len(layer_fetches) == 1, f"the seizure layer is fetched once for the first view, not {len(layer_fetches)}"
    assert size <= FIRST_VIEW_MAX_BYTES, (size, paths)
    assert not [p for p in paths if "/incidents/" in p or "/gistar/" in p or "/layers/operations/" in p], (
        "layers that are off are not requested"
    )
    context.close()


@pytest.fixture
def ealing_officer(db):
    return UserFactory(username="pc-ealing", role=Role.OFFICER, password=PASSWORD, team="Ealing Town Centre Team")


def test_a_plan_sent_to_named_teams_shows_each_officer_their_own_stops_first(
    briefing_data, chief, ealing_officer, live_server, browser, results_dir
):
    teams = quote("Southall Team, Ealing Town Centre Team, Acton Team")
    query = f"{WINDOW}&borough=E09000009&at={SATURDAY}&hours=8&teams={teams}&mode=plan"
    context, page, errors = open_briefing(browser, live_server, "chief", "desktop", query)
    who = [" ".join(text.split()) for text in page.locator(".briefing-item .item-team").all_inner_texts()]
    assert who == ["Who Southall Team", "Who Ealing Town Centre Team", "Who Acton Team"], "rank order"
    page.click("#s-send")
    page.wait_for_function("() => document.getElementById('s-message').textContent.startsWith('Sent 3 deployments')")
    context.close()
    assert errors == []

    # The officer's page: the plan that was sent, the officer's own team's deployment (2) first,
    # with the plan's numbers on the map and in the list.
    query = f"{WINDOW}&at={SATURDAY}&hours=8"
    context, page, errors = open_briefing(browser, live_server, "pc-ealing", "desktop", query)
    assert page.get_attribute("#briefing-list", "data-source") == "sent"
    first = page.locator(".briefing-item").first
    assert first.get_attribute("data-team") == "Ealing Town Centre Team"
    assert first.get_attribute("data-rank") == "2"
    assert "own-team" in first.get_attribute("class")
    assert " ".join(first.locator(".item-team").inner_text().split()) == "Who Your team: Ealing Town Centre Team"
    assert page.locator(".briefing-item").count() == 3
    in_list = sorted(page.locator(".item-stops li").evaluate_all("els => els.map(e => e.dataset.stop)"))
    on_map = sorted(page.locator(".feature-suggestion-stop").all_inner_texts())
    assert in_list == on_map and any(label.startswith("2.") for label in in_list), (in_list, on_map)
    assert "your team (Ealing Town Centre Team) has deployment 2" in page.inner_text("#s-message")
    page.screenshot(path=str(results_dir / "briefing-officer-own-team.png"))
    context.close()
    assert errors == []
