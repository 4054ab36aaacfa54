"""Screenshot of the commander's map from a running server, in Debian's headless Chromium.

    .venv/bin/python scripts/map_screenshot.py --url http://127.0.0.1:8000 \
        --username commander --password "$DEMO_PASSWORD" --out docs/map.png \
        --query "?zoom=12.5&lat=51.512&lon=-0.23" --click ".feature-suggestion-stop"

Logs in through the form, waits until every layer has loaded (#status[data-state=ready]),
optionally clicks a feature so the details panel shows it, and saves a PNG.
"""

import argparse
import sys

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="commander")
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", default="docs/map.png")
    parser.add_argument("--query", default="", help="the map's address parameters, e.g. ?borough=Ealing")
    parser.add_argument("--click", default="", help="CSS selector of a feature to click first")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": args.width, "height": args.height}, locale="en-GB", timezone_id="Europe/London"
        )
        page = context.new_page()
        page.goto(f"{args.url}/map/{args.query}")
        page.fill("#id_username", args.username)
        page.fill("#id_password", args.password)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#status[data-state=ready], #status[data-state=error]", timeout=120_000)
        status = page.inner_text("#status")
        if args.click:
            page.locator(args.click).first.click()
            page.mouse.move(1, 1)  # no hover tooltip in the picture
            page.wait_for_timeout(300)
        page.screenshot(path=args.out)
        counts = page.eval_on_selector_all(
            ".layer-toggle", "els => els.map(e => `${e.dataset.layer}=${e.dataset.count || '-'}`)"
        )
        browser.close()
    print(f"{args.out}: {status}; {', '.join(counts)}")
    return 0 if status == "Up to date" else 1


if __name__ == "__main__":
    sys.exit(main())
