"""Screenshots of the map pages for docs/: every role at 1440x900, 1024x768 and 390x844.

    .venv/bin/python scripts/map_screenshots.py --url http://127.0.0.1:8000 --password "$DEMO_PASSWORD"
    make screenshots DEMO_PASSWORD=...        (the same, against `make run`'s server)

Logs in through the form as the demo users (commander, officer, analyst), in a browser with
a US locale and a New York clock (the pages must still read en-GB, London time), waits until
every layer has loaded (#status[data-state=ready]) and saves docs/map-<role>-<size>.png, plus
docs/map-briefing.pdf, the commander's printed briefing, and docs/map-commander-london-hotspots.png
(all London, with the legend). Prints one line per picture.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": (1440, 900), "tablet": (1024, 768), "phone": (390, 844)}
ROLES = ("commander", "officer", "analyst")
# All London, hotspots coloured by Gi* confidence above the seizure counts, the legend in view.
LONDON = "?layers=boroughs,seizures,hotspots,suggestions&teams=3"


def shoot(browser, args, role: str, size: str, out: Path, *, query: str | None = None, name: str = "") -> str:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{args.url}/map/{args.query if query is None else query}")
    page.fill("#id_username", role)
    page.fill("#id_password", args.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#status[data-state=ready], #status[data-state=error]")
    page.wait_for_timeout(400)
    status = page.inner_text("#status")
    path = out / f"map-{role}-{name or size}.png"
    if name:  # the London-wide view: the panel scrolled to the layers and their legend
        page.locator("#layers-box").scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    items = page.locator(".briefing-item").count()
    if role == "commander" and size == "desktop" and not name:
        page.pdf(path=str(out / "map-briefing.pdf"), format="A4", print_background=True)
    context.close()
    return f"{path}: {status}; {items} deployments"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True, help="the demo users' password (DEMO_PASSWORD)")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument(
        "--query", default="?borough=E09000009&teams=3", help="the map's address parameters (default: Ealing, 3 teams)"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ok = True
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        total = len(ROLES) * len(SIZES)
        for n, (role, size) in enumerate(((r, s) for r in ROLES for s in SIZES), start=1):
            line = shoot(browser, args, role, size, args.out)
            ok = ok and "Up to date" in line
            print(f"[{n}/{total + 1}] {line}", flush=True)
        line = shoot(browser, args, "commander", "desktop", args.out, query=LONDON, name="london-hotspots")
        ok = ok and "Up to date" in line
        print(f"[{total + 1}/{total + 1}] {line}", flush=True)
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
