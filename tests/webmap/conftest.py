"""Headless Chromium (Debian's, driven by Playwright) against pytest-django's live server."""

from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    """Debian's Chromium. Playwright's own browser downloads are never used.

    Playwright's sync API runs an event loop in the test's thread, and Django then refuses
    ORM calls (SynchronousOnlyOperation): create the test's data in fixtures listed before
    `page`, never in the test body. (Allowing them would open a second, never-closed
    connection that stops the test database from being dropped.)
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) with a London clock; fails the test on any
    uncaught script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(30_000)
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield page
    context.close()
    assert script_errors == [], f"the page raised script errors: {script_errors}"


@pytest.fixture
def results_dir(request) -> Path:
    """test-results/webmap/ at the repo root (git-ignored): screenshots outlive tmp_path."""
    path = settings.REPO_DIR / "test-results" / "webmap"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def _map_script_built():
    """The page loads its modules joined into one script: rebuild it (esbuild, milliseconds)
    when a module is newer, so that a browser test never runs yesterday's code."""
    import subprocess

    from ebikeops.webmap.checks import map_script_is_stale

    if map_script_is_stale():
        script = Path(__file__).resolve().parents[2] / "scripts" / "build_map_js.sh"
        subprocess.run(["/bin/bash", str(script)], check=True)  # noqa: S603
