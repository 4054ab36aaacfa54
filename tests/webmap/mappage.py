"""Reading and driving /map/ in a browser, as a person would: through the login form, the
filter controls and clicks on drawn features. The page reports its state in data attributes
(see the top of backend/ebikeops/webmap/static/webmap/map.js)."""

from playwright.sync_api import Page


def log_in(page: Page, base_url: str, username: str, password: str, path: str = "/map/") -> None:
    """Open `path`, be sent to the login form, fill it in and land back on the map."""
    page.goto(base_url + path)
    assert "/accounts/login/" in page.url, f"expected the login form first, got {page.url}"
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/map/**")


def generation(page: Page) -> int:
    return int(page.get_attribute("#status", "data-generation") or 0)


def wait_until_loaded(page: Page, after: int) -> int:
    """Wait until every request of a refresh started after generation `after` has answered;
    returns the new generation. Fails with the page's own message if a layer failed."""
    page.wait_for_function(
        """after => {
            const status = document.getElementById('status');
            return status.dataset.state !== 'loading' && Number(status.dataset.generation || 0) > after;
        }""",
        arg=after,
    )
    state = page.get_attribute("#status", "data-state")
    assert state == "ready", f"the map reported: {page.inner_text('#status')}"
    return generation(page)


def layer_count(page: Page, layer: str) -> int | None:
    """The number of features the page says it drew on `layer` (None: not drawn)."""
    raw = page.get_attribute(f'.layer-toggle[data-layer="{layer}"]', "data-count")
    return int(raw) if raw not in (None, "") else None


def apply_filters(page: Page, **values: str) -> int:
    """Set filter fields (since, until, vehicle_type, borough) and press Apply."""
    before = generation(page)
    selectors = {"since": "#f-since", "until": "#f-until"}
    for name, value in values.items():
        if name in selectors:
            page.fill(selectors[name], value)
        elif name == "vehicle_type":
            page.select_option("#f-vehicle-type", value)
        elif name == "borough":
            page.select_option("#f-borough", label=value) if value else page.select_option("#f-borough", "")
        else:
            raise ValueError(name)
    page.click("#f-apply")
    return wait_until_loaded(page, before)


def screen_point(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Where a lon/lat is on screen in the current view."""
    x, y = page.evaluate(
        """([lon, lat]) => {
            const point = window.ebikeMap.map.latLngToContainerPoint([lat, lon]);
            const box = document.getElementById('map').getBoundingClientRect();
            return [point.x + box.left, point.y + box.top];
        }""",
        [lon, lat],
    )
    return x, y


def details(page: Page) -> dict[str, str]:
    """The details panel as {property key: shown text}, plus its title under '_title'."""
    shown = page.eval_on_selector_all(
        "#details-body dd[data-key]", "els => els.map(e => [e.dataset.key, e.textContent])"
    )
    return {"_title": page.inner_text("#details-body h3"), **dict(shown)}
