"""End to end: /map/ in Debian's headless Chromium against the live server and real PostGIS.

The layout is hand-laid: three operations inside the window (Ealing, Soho in Westminster,
Shepherd's Bush in Hammersmith and Fulham) and one in Ealing seven months earlier, with
tight clusters of seizures (15, 12 and 6 points) so the hotspot engine has something to find.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.gis.geos import MultiPoint
from django.core.management import call_command

from ebikeops.core.models import Role
from ebikeops.operations.boroughs import boroughs_assign_all
from ebikeops.operations.models import VehicleType
from tests import places
from tests.factories import T0, ArrestFactory, OperationFactory, SeizureFactory, UserFactory

from .mappage import (
    apply_filters,
    details,
    generation,
    layer_count,
    log_in,
    screen_point,
    wait_until_loaded,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "map-pass-word-1"
WINDOW = "?since=2025-11-01&until=2025-12-31"
SECRET_FRAME = "FRAME-SECRET-4711"
SECRET_NOTE = "NOTE-SECRET-rider-named"
EALING_CLUSTER = places.EALING_BROADWAY


def near(centre, index: int):
    """Hand-laid cluster: a 4-wide grid with about 3 m between neighbours (test layout only)."""
    return places.pt(centre.x + 0.00004 * (index % 4), centre.y + 0.00003 * (index // 4))


@pytest.fixture
def map_data(boroughs):
    """Three operations in the window (15 + 12 + 6 seizures), one seven months earlier (3)."""
    lead = UserFactory(username="sergeant", role=Role.OFFICER)
    ealing = OperationFactory(
        name="Operation Uxbridge Road",
        lead_officer=lead,
        started_at=T0,
        location=places.UXBRIDGE_ROAD_EALING,
        stop_points=MultiPoint(places.WEST_EALING, places.HANWELL_BROADWAY, places.ACTON_TOWN_HALL, srid=4326),
        notes=SECRET_NOTE,
    )
    for i in range(15):
        SeizureFactory(
            operation=ealing,
            point=near(EALING_CLUSTER, i),
            seized_at=T0 + timedelta(minutes=10 + 5 * i),
            vehicle_type=VehicleType.E_BIKE if i < 10 else VehicleType.E_SCOOTER,
            frame_number=SECRET_FRAME,
            notes=SECRET_NOTE,
        )
    ArrestFactory.create_batch(2, operation=ealing, point=EALING_CLUSTER)

    soho = OperationFactory(
        name="Operation Soho",
        team="Westminster Town Centre Team",
        lead_officer=lead,
        started_at=T0 + timedelta(days=7),
        location=places.LEICESTER_SQUARE,
        stop_points=MultiPoint(places.DEAN_STREET, srid=4326),
    )
    for i in range(12):
        SeizureFactory(
            operation=soho,
            point=near(places.DEAN_STREET, i),
            seized_at=soho.started_at + timedelta(minutes=5 * i),
            vehicle_type=VehicleType.E_SCOOTER,
        )

    green = OperationFactory(
        name="Operation Green",
        team="Hammersmith Team",
        lead_officer=lead,
        started_at=T0 + timedelta(days=14),
        location=places.SHEPHERDS_BUSH_GREEN,
    )
    # Real data snaps locations to shared points: six seizures on one coordinate.
    SeizureFactory.create_batch(6, operation=green, point=places.SHEPHERDS_BUSH_GREEN)

    spring = OperationFactory(
        name="Operation Last Spring",
        lead_officer=lead,
        started_at=T0 - timedelta(days=210),
        location=places.WEST_EALING,
    )
    SeizureFactory.create_batch(3, operation=spring, point=places.WEST_EALING)
    boroughs_assign_all()
    return {"ealing": ealing, "soho": soho, "green": green, "spring": spring}


@pytest.fixture
def hotspots_computed(map_data):
    """The hotspot engine's foreground job over the test's seizures."""
    call_command("compute_hotspots", "--since", "2025-11-01", "--until", "2025-12-31")


@pytest.fixture
def corridors(boroughs):
    """The shipped corridors (geodata/corridors.geojson): Uxbridge Road, the West End..."""
    from ebikeops.areas.corridors import corridors_load

    corridors_load(path=settings.CORRIDORS_FILE, approximate=True)


@pytest.fixture
def commander_user(db):
    return UserFactory(username="chief", role=Role.COMMANDER, password=PASSWORD)


@pytest.fixture
def viewer(request, db):
    return UserFactory(username="viewer", role=request.param, password=PASSWORD)


def drawn(page, css_class: str) -> int:
    return page.locator(f".{css_class}").count()


def held(page, css_class: str) -> int:
    """Features of `css_class` on the map's layers, drawn or gathered into a cluster."""
    return page.evaluate(
        """cls => {
            let n = 0;
            const walk = (layer) => {
                if (layer.getLayers) layer.getLayers().forEach(walk);
                else if ((layer.options.className || '').split(' ').includes(cls)) n += 1;
            };
            Object.values(window.ebikeMap.layers).forEach((layer) => walk(layer.group));
            return n;
        }""",
        css_class,
    )


def seizure_total(page) -> int:
    return layer_count(page, "seizures")


def test_it_sends_an_anonymous_visitor_to_log_in(live_server, page):
    page.goto(live_server.url + "/map/")
    assert page.url == live_server.url + "/accounts/login/?next=/map/"
    assert page.locator("#login-form").is_visible()
    assert page.locator("#map").count() == 0


def test_it_draws_operations_filters_them_and_shows_their_totals(
    map_data, commander_user, live_server, page, results_dir
):
    # Past operations are one click away (off at first): switched on in the address.
    log_in(page, live_server.url, "chief", PASSWORD, path="/map/" + WINDOW + "&layers=boroughs,seizures,operations")
    wait_until_loaded(page, after=0)

    # Everything in the window: three operations with four stop points, 33 seizures in
    # three boroughs (counted by the server: the page is zoomed out).
    assert layer_count(page, "boroughs") == 33
    assert layer_count(page, "operations") == 3
    assert held(page, "feature-operation") == 3
    assert held(page, "feature-stop-point") == 4
    assert page.get_attribute('.layer-toggle[data-layer="seizures"]', "data-mode") == "aggregate"
    assert seizure_total(page) == 33
    assert drawn(page, "feature-seizure-aggregate") == 3
    assert page.get_attribute("#chart-time", "data-total") == "33"
    assert page.get_attribute("#chart-time", "data-count") == "2", "November and December 2025"
    assert page.get_attribute("#chart-weekhour", "data-total") == "33"
    assert page.locator("#chart-time rect.bar").count() == 2

    # en-GB month names (not single letters), the year under the first month, round y ticks.
    def texts(css: str) -> list[str]:
        return page.locator(css).evaluate_all("els => els.map(e => e.textContent)")

    assert texts("#chart-time .x-tick") == ["Nov", "Dec"]
    assert texts("#chart-time .year") == ["2025"]
    y_ticks = [int(t.replace(",", "")) for t in texts("#chart-time .y-tick")]
    assert len(y_ticks) >= 3 and y_ticks[0] == 0 and y_ticks[-1] >= 18, "15 in November, 18 in December"
    assert page.locator("#chart-time .bar.partial").count() == 0, "December 2025 is over"
    assert page.locator("#chart-weekhour rect.heat").count() == 7 * 24

    # One borough: the map zooms to it, and with few seizures in view it draws their points.
    apply_filters(page, borough="Westminster")
    assert layer_count(page, "operations") == 1
    assert held(page, "feature-operation") == 1
    assert page.get_attribute('.layer-toggle[data-layer="seizures"]', "data-mode") == "points"
    assert seizure_total(page) == 12
    assert held(page, "feature-seizure") == 12
    # Twelve seizures a few metres apart: one numbered cluster, in the seizures' pane, which is
    # under the hotspots' (a crowd of points never hides a hotspot).
    clusters = page.locator(".leaflet-seizures-pane .marker-cluster")
    assert clusters.count() >= 1 and drawn(page, "feature-seizure") < 12
    assert sum(int(text) for text in clusters.all_inner_texts()) + drawn(page, "feature-seizure") == 12
    panes = page.evaluate(
        "() => ['seizures', 'operations', 'hotspots'].map(p => Number(window.ebikeMap.map.getPane(p).style.zIndex))"
    )
    assert panes[0] < panes[2] and panes[1] < panes[2], panes
    assert page.get_attribute("#chart-time", "data-total") == "12"
    assert "borough=E09000033" in page.url, "the filter is kept in the address for sharing"

    # A wider date range brings the spring operation back (all London: counts per borough).
    apply_filters(page, borough="", since="2025-01-01")
    assert page.get_attribute('.layer-toggle[data-layer="seizures"]', "data-mode") == "aggregate"
    assert layer_count(page, "operations") == 4
    assert seizure_total(page) == 36

    # E-scooters only: the operations that seized one, and only those seizures.
    apply_filters(page, vehicle_type="e_scooter")
    assert layer_count(page, "operations") == 2
    assert seizure_total(page) == 17
    assert page.get_attribute("#chart-weekhour", "data-total") == "17"

    # Back to the window, then click the Soho operation and read its totals.
    apply_filters(page, vehicle_type="", since="2025-11-01", borough="Westminster")
    # At the borough's zoom the Soho ring and its stop point (Dean Street) are one cluster of 2;
    # clicking the cluster zooms in until they come apart.
    x, y = screen_point(page, places.LEICESTER_SQUARE.x, places.LEICESTER_SQUARE.y)
    cluster = page.locator(".leaflet-operations-pane .marker-cluster")
    assert cluster.count() == 1 and cluster.inner_text() == "2"
    before = generation(page)
    cluster.click()
    wait_until_loaded(page, after=before)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-operations-pane .marker-cluster').length === 0")
    x, y = screen_point(page, places.LEICESTER_SQUARE.x, places.LEICESTER_SQUARE.y)
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('class')", [x, y])
    assert "feature-operation" in (on_top or ""), f"the operation's ring is under {on_top}"
    page.mouse.click(x, y)
    page.wait_for_selector('#details-body[data-kind="operation"]')
    shown = details(page)
    assert shown["_title"] == "Operation Soho"
    assert shown["seizure_count"] == "12"
    assert shown["e_scooter_count"] == "12"
    assert shown["arrest_count"] == "0"
    assert shown["team"] == "Westminster Town Centre Team"
    assert page.get_attribute("#details-body .totals", "data-seizures") == "12"

    page.screenshot(path=str(results_dir / "operations.png"))


def test_it_draws_hotspots_and_shows_their_statistics(
    map_data, hotspots_computed, commander_user, live_server, page, results_dir
):
    layers = "&layers=boroughs,seizures,operations,hotspots"
    log_in(page, live_server.url, "chief", PASSWORD, path="/map/" + WINDOW + layers)
    wait_until_loaded(page, after=0)

    hotspots = layer_count(page, "hotspots")
    assert hotspots is not None and hotspots >= 2, "the Ealing and Soho clusters are hotspots"
    assert drawn(page, "feature-hotspot") == hotspots
    assert layer_count(page, "operations") == 3

    # Hide operations and seizure counts so nothing sits over the polygon, then click the Ealing hotspot.
    page.uncheck('.layer-toggle[data-layer="operations"] input')
    page.uncheck('.layer-toggle[data-layer="seizures"] input')
    x, y = screen_point(page, EALING_CLUSTER.x + 0.00006, EALING_CLUSTER.y + 0.00004)
    page.mouse.click(x, y)
    page.wait_for_selector('#details-body[data-kind="hotspot"]')
    shown = details(page)
    assert shown["_title"].startswith("Hotspot")
    assert shown["seizure_count"] == "15"
    page.screenshot(path=str(results_dir / "hotspots.png"))

    # No run was computed for e-scooters alone: a commander's page queues one through the
    # worker at once (eager in tests), says so while it runs, then draws it: no manual recompute.
    apply_filters(page, vehicle_type="e_scooter")
    page.wait_for_function("() => document.getElementById('hotspot-note').dataset.progress === 'completed'")
    page.wait_for_function(
        "() => Number(document.querySelector('.layer-toggle[data-layer=hotspots]').dataset.count) >= 1"
    )
    assert layer_count(page, "hotspots") >= 1, "the 12 e-scooters in Soho make a hotspot"
    assert page.get_attribute("#hotspot-note", "data-source") == "exact"

    # The Recompute button still recomputes on demand.
    page.click("#recompute")
    page.wait_for_function("() => document.getElementById('recompute').textContent === 'Recompute hotspots'")
    assert page.get_attribute("#hotspot-note", "data-progress") == "completed"


def test_it_draws_significant_gistar_cells_and_colours_hotspots_by_trend(
    map_data, hotspots_computed, commander_user, live_server, page, results_dir
):
    """The Gi* and hotspot layers against the engine's own answers, as the page received them."""
    answers: dict[str, dict] = {}

    def keep(response):
        path = response.url.split("?")[0]
        if path.endswith(("/api/v1/hotspots/", "/api/v1/hotspots/gistar/")) and response.ok:
            answers["gistar" if path.endswith("/gistar/") else "hotspots"] = response.json()

    page.on("response", keep)
    log_in(page, live_server.url, "chief", PASSWORD, path=f"/map/{WINDOW}&layers=boroughs,hotspots,gistar")
    wait_until_loaded(page, after=0)

    cells = answers["gistar"]["features"]
    significant = [cell for cell in cells if cell["properties"]["gi_bin"] != 0]
    assert significant, "the Ealing and Soho clusters make significant Gi* cells"
    assert len(significant) < len(cells), "background cells are in the answer but not drawn"
    assert layer_count(page, "gistar") == len(significant)
    assert drawn(page, "feature-gistar") == len(significant)

    hotspots = answers["hotspots"]["features"]
    ealing = next(h for h in hotspots if h["properties"]["seizure_count"] == 15)
    legend = page.locator("#legend").inner_text()
    assert "Hotspots: colour is how sure" in legend and "Hot spot, 99 % confidence" in legend
    assert "Hotspots: outline is the trend" in legend

    page.uncheck('.layer-toggle[data-layer="gistar"] input')
    page.uncheck('.layer-toggle[data-layer="seizures"] input')
    page.uncheck('.layer-toggle[data-layer="operations"] input')
    lon, lat = ealing["properties"]["centroid"]["coordinates"]
    page.mouse.click(*screen_point(page, lon, lat))
    page.wait_for_selector('#details-body[data-kind="hotspot"]')
    shown = details(page)
    assert shown["seizure_count"] == "15"
    assert shown["busiest_weekday"] == "Saturday"  # 29 Nov 2025
    assert shown["vehicle_mix"] == "E-bike: 10; E-scooter: 5"
    trend = ealing["properties"]["trend_category"].removesuffix("_hot_spot")
    if "cold" in trend:
        trend = "cold"
    assert page.get_attribute("#details-body .trend", "data-trend") == trend
    page.screenshot(path=str(results_dir / "hotspots-gistar.png"))


@pytest.mark.parametrize(
    ("viewer", "sees_sensitive"), [(Role.ANALYST, False), (Role.COMMANDER, True)], indirect=["viewer"]
)
def test_it_keeps_sensitive_fields_from_an_analysts_page(map_data, viewer, sees_sensitive, live_server, page):
    bodies: list[tuple[str, str]] = []

    def capture(route):
        response = route.fetch()
        bodies.append((route.request.url, response.text()))
        route.fulfill(response=response)

    page.route(re.compile(r"/api/v1/"), capture)
    # Zoomed in on the Ealing cluster: seizure points (with every field the role may see).
    view = f"{WINDOW}&zoom=17&lat={EALING_CLUSTER.y}&lon={EALING_CLUSTER.x}&layers=boroughs,seizures,operations"
    log_in(page, live_server.url, "viewer", PASSWORD, path="/map/" + view)
    wait_until_loaded(page, after=0)
    assert page.get_attribute('.layer-toggle[data-layer="seizures"]', "data-mode") == "points"
    assert seizure_total(page) == 15
    assert held(page, "feature-seizure") == 15
    assert layer_count(page, "operations") == 3

    x, y = screen_point(page, EALING_CLUSTER.x, EALING_CLUSTER.y)
    page.mouse.click(x, y)
    page.wait_for_selector('#details-body[data-kind="seizure"]')
    shown = details(page)
    assert shown["vehicle_type"] == "E-bike", "words, not the code"

    x, y = screen_point(page, places.UXBRIDGE_ROAD_EALING.x, places.UXBRIDGE_ROAD_EALING.y)
    page.mouse.click(x, y)
    page.wait_for_selector('#details-body[data-kind="operation"]')

    api_text = "\n".join(text for _, text in bodies)
    assert any("/api/v1/seizures/" in url for url, _ in bodies), "the page must read the public API"
    html = page.content()
    if sees_sensitive:
        # The control: the same steps do show a commander the sensitive fields.
        assert SECRET_FRAME in api_text and SECRET_NOTE in api_text
        assert SECRET_NOTE in html
    else:
        for secret in ("frame_number", SECRET_FRAME, SECRET_NOTE, '"notes"'):
            assert secret not in api_text, f"an analyst's page received {secret!r}"
            assert secret not in html, f"an analyst's page shows {secret!r}"


SATURDAY_AFTERNOON = "2025-12-13T14:00"  # two weeks after the Ealing operation


def test_it_shows_deployment_suggestions_with_stop_points_windows_and_rationale(
    map_data, corridors, commander_user, live_server, page, results_dir
):
    path = f"/map/{WINDOW}&at={SATURDAY_AFTERNOON}&hours=4&mode=near&layers=boroughs,suggestions"
    log_in(page, live_server.url, "chief", PASSWORD, path=path)
    wait_until_loaded(page, after=0)

    suggestions = layer_count(page, "suggestions")
    assert suggestions, page.inner_text("#s-message")
    stops = drawn(page, "feature-suggestion-stop")
    assert stops >= suggestions
    assert drawn(page, "feature-suggestion-section") >= 1, "corridor suggestions draw their road section"

    # Stop points of one deployment can be 400 m apart, a few pixels at this zoom, so a
    # neighbour's marker may cover part of this one: click the marker itself.
    page.locator(".feature-suggestion-stop[title*='Uxbridge Road']").first.dispatch_event("click")
    page.wait_for_selector('#details-body[data-kind="suggestion"]')
    assert "Uxbridge Road" in details(page)["_title"]
    assert "seizures" in page.inner_text("#details-body .rationale")
    item = page.locator(".briefing-item.selected")
    assert "Uxbridge Road" in item.locator(".item-name").inner_text()
    when = item.locator(".item-when").inner_text()
    assert "Saturday 13 December, 14:00 to 18:00" in when, when
    assert item.locator(".item-stops li").count() >= 1

    # A commander's shift plan for two teams in Westminster: at most two deployments.
    before = generation(page)
    page.select_option("#f-borough", label="Westminster")  # applies at once: wait for that refresh
    before = wait_until_loaded(page, before)
    page.fill("#s-teams", "2")
    page.click("#s-plan")
    wait_until_loaded(page, before)
    assert page.get_attribute('.layer-toggle[data-layer="suggestions"]', "data-mode") == "plan"
    planned = layer_count(page, "suggestions")
    assert 1 <= planned <= 2, page.inner_text("#s-message")
    page.screenshot(path=str(results_dir / "suggestions.png"))


@pytest.mark.parametrize("browser_zone", ["America/New_York", "Asia/Tokyo"])
def test_the_filter_days_are_london_days_whatever_the_browsers_time_zone(
    map_data, commander_user, live_server, browser, browser_zone
):
    """A commander abroad (or a laptop set to UTC) still asks for London's days: 1 July is
    from 00:00 BST (23:00 UTC the day before), 31 December ends at 23:59:59.999 GMT."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB", timezone_id=browser_zone)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/v1/summaries/" in request.url else None)
    log_in(page, live_server.url, "chief", PASSWORD, path="/map/?since=2025-07-01&until=2025-12-31")
    wait_until_loaded(page, after=0)
    context.close()
    assert asked, "the charts read the summaries endpoint"
    query = parse_qs(urlsplit(asked[0]).query)
    assert query["since"] == ["2025-06-30T23:00:00.000Z"]
    assert query["until"] == ["2025-12-31T23:59:59.999Z"]


@pytest.fixture
def incidents(map_data):
    """Police.uk crimes: three at one map point in Soho, one in Ealing, one a year before."""
    from datetime import date

    from ebikeops.incidents.models import Incident

    rows = [
        ("a", date(2025, 11, 1), places.LEICESTER_SQUARE, "Theft from the person"),
        ("b", date(2025, 11, 1), places.LEICESTER_SQUARE, "Theft from the person"),
        ("c", date(2025, 12, 1), places.LEICESTER_SQUARE, "Robbery"),
        ("d", date(2025, 12, 1), places.UXBRIDGE_ROAD_EALING, "Bicycle theft"),
        ("e", date(2024, 11, 1), places.UXBRIDGE_ROAD_EALING, "Burglary"),
    ]
    for key, month, point, crime_type in rows:
        Incident.objects.create(
            key=key, month=month, point=point, crime_type=crime_type,
            reported_by="Metropolitan Police Service", falls_within="Metropolitan Police Service",
        )  # fmt: skip


def test_the_police_uk_layer_is_off_at_first_and_one_click_away(incidents, commander_user, live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, live_server.url, "chief", PASSWORD, path="/map/" + WINDOW)
    wait_until_loaded(page, after=0)
    assert not page.is_checked('.layer-toggle[data-layer="incidents"] input')
    assert not [url for url in requested if "/incidents/" in url], "not requested while off"
    assert "data.police.uk" not in page.inner_text(".leaflet-control-attribution")

    before = generation(page)
    page.check('.layer-toggle[data-layer="incidents"] input')
    wait_until_loaded(page, after=before)
    # Four crimes in the window at two police.uk map points (the one a year before is left out).
    assert layer_count(page, "incidents") == 4
    assert held(page, "feature-incident") == 2
    assert "Contains public sector information from data.police.uk, OGL" in page.inner_text(
        ".leaflet-control-attribution"
    )
    legend = page.inner_text("#legend")
    assert "Police.uk crimes (public context)" in legend and "data.police.uk, OGL" in legend
    page.locator(".feature-incident").first.dispatch_event("click")
    page.wait_for_selector('#details-body[data-kind="incident"]')
    assert "police.uk crimes" in page.inner_text("#details-body h3")

    page.uncheck('.layer-toggle[data-layer="incidents"] input')
    assert "data.police.uk" not in page.inner_text(".leaflet-control-attribution")
