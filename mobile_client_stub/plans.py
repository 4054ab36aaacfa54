"""The team's deployment: suggestions (online or from the kept bundle), the bundle itself, and
`today` (named stops and times from the bundle, and what has been logged against them)."""

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from . import deployment, words
from .api import ApiError, LoginNeeded, Transient
from .queue import ATTENTION, DROPPED, SENT, STATE_WORDS
from .session import EXIT_ERROR, EXIT_LOGIN, EXIT_OK, EXIT_WAITING, LOGIN_AGAIN, Client, UsageError


def _window_text(window: Any) -> str:
    """A time window as the API gives it (an object) or as the bundle keeps it (a label)."""
    if isinstance(window, dict):
        return f"{window.get('label')} ({window.get('count')} seizures)"
    return str(window)


def show_suggestions(client: Client, features: list[dict[str, Any]]) -> None:
    for feature in features:
        p = feature.get("properties") or {}
        # The kind in words (`display`, online and in bundles kept since 2 December 2026); the
        # code only from an older kept bundle.
        kind = (p.get("display") or {}).get("kind") or p.get("kind", "")
        team = f", for {p['team']}" if p.get("team") else ""
        client.say(f"{p.get('rank', '?')}. {p.get('title', 'Suggestion')} ({kind}{team})")
        if p.get("rationale"):
            client.say(f"   {p['rationale']}")
        windows = [_window_text(w) for w in p.get("time_windows") or []]
        if windows:
            client.say(f"   When: {'; '.join(windows)}")
        for stop in p.get("stops") or []:
            share = stop.get("expected_share")
            share_text = f", {share:.0%} of the demand" if isinstance(share, int | float) else ""
            name = f" {stop['name']}" if stop.get("name") else ""
            ref = deployment.stop_ref(p.get("rank", "?"), stop.get("number"))
            client.say(
                f"   Stop {ref}{name}: {stop.get('lat')}, {stop.get('lon')} (lat, lon), "
                f"stay {stop.get('dwell_minutes')} min{share_text}"
            )


def cmd_bundle(client: Client) -> int:
    """Fetch the next shift's suggestions and keep them in the queue file for offline use."""
    a = client.args
    if not a.borough and (a.lon is None or a.lat is None):
        raise UsageError("Give --borough, or --lon and --lat (with --radius-m).")
    api = client.api()
    try:
        bundle = api.bundle(
            borough=a.borough,
            lon=None if a.borough else a.lon,
            lat=None if a.borough else a.lat,
            radius_m=None if a.borough else a.radius_m,
            start=a.start,
            end=a.end,
        )
    except LoginNeeded:
        client.say(LOGIN_AGAIN.format(kept=client.kept()))
        return EXIT_LOGIN
    except ApiError as exc:
        client.say(f"The server refused: {exc}")
        return EXIT_ERROR
    except Transient as exc:
        kept = deployment.kept_bundle(client.queue)
        still = f"; the bundle kept at {kept['bundle']['generated_at']} stays" if kept else ""
        client.say(f"Could not reach the server ({exc}){still}.")
        return EXIT_WAITING
    finally:
        api.close()
    client.queue.set_setting(deployment.BUNDLE_KEY, json.dumps(bundle))
    meta = bundle["bundle"]
    client.say(
        f"Kept {len(bundle['features'])} suggestions for offline use, "
        f"for {meta['valid_from']} to {meta['valid_until']}."
    )
    if not bundle["features"] and meta.get("message"):
        client.say(meta["message"])
    show_suggestions(client, bundle["features"])
    return EXIT_OK


def _suggestions_offline(client: Client, reason: str) -> int:
    """Suggestions near the point from the kept bundle: any of their stops within the radius."""
    a = client.args
    bundle = deployment.kept_bundle(client.queue)
    if bundle is None:
        client.say(f"{reason}; no bundle is kept: run `bundle` while there is signal.")
        return EXIT_ERROR
    meta = bundle["bundle"]
    when = datetime.fromisoformat(a.at) if a.at else datetime.now(UTC)
    kept_at, valid = meta["generated_at"], f"{meta['valid_from']} to {meta['valid_until']}"
    client.say(f"{reason}: from the bundle kept at {kept_at}, for {valid}.")
    if not deployment.in_window(bundle, when):
        client.say("Note: that bundle is for another time; fetch a new one when there is signal.")
    near = [
        feature
        for feature in bundle["features"]
        if any(
            deployment.distance_m(a.lon, a.lat, stop["lon"], stop["lat"]) <= a.radius_m
            for stop in feature["properties"]["stops"]
        )
    ]
    if not near:
        client.say(f"No kept suggestion has a stop point within {a.radius_m:g} m of here.")
    show_suggestions(client, near)
    return EXIT_OK


def cmd_suggestions(client: Client) -> int:
    a = client.args
    if a.offline:
        return _suggestions_offline(client, "Offline")
    api = client.api()
    try:
        answer = api.suggestions(lon=a.lon, lat=a.lat, radius_m=a.radius_m, at=a.at, hours=a.hours)
    except LoginNeeded:
        client.say(LOGIN_AGAIN.format(kept=client.kept()))
        return EXIT_LOGIN
    except ApiError as exc:
        if exc.status == 404:
            client.say("Deployment suggestions are not available on this server.")
            return EXIT_OK
        client.say(f"The server refused: {exc}")
        return EXIT_ERROR
    except Transient as exc:
        return _suggestions_offline(client, f"No connection ({exc})")
    finally:
        api.close()
    if answer.get("message"):
        client.say(answer["message"])
    show_suggestions(client, answer["features"])
    return EXIT_OK


def _record_time(data: dict[str, Any]) -> datetime | None:
    for field in ("seized_at", "arrested_at"):
        if data.get(field):
            return words.parse_time(data[field])
    return None


def cmd_today(client: Client) -> int:
    """The deployment from the kept bundle (named stops, times), then what has been logged."""
    bundle = deployment.kept_bundle(client.queue)
    logged = [
        row
        for row in client.queue.items()
        if row["op"] == "create" and row["type"] in ("seizure", "arrest") and row["state"] != DROPPED
    ]
    if bundle is None:
        client.say("No deployment kept on this phone: run `bundle` while there is signal.")
        window = None
    else:
        meta = bundle["bundle"]
        valid_from, valid_until = words.parse_time(meta["valid_from"]), words.parse_time(meta["valid_until"])
        window = (valid_from, valid_until)
        client.say(f"Deployment {words.london(valid_from)} to {words.london(valid_until)} (kept bundle).")
        if not bundle["features"]:
            client.say(meta.get("message") or "No suggested stops for this shift.")
    at_stop: Counter[tuple[str, str]] = Counter()
    for row in logged:
        if row["stop"]:
            at_stop[(row["stop"], row["type"])] += 1
        else:
            data = json.loads(row["data"] or "{}")
            lon, lat = (data.get("point") or {}).get("coordinates", [None, None])[:2]
            near = deployment.nearest_stop(bundle, lon, lat) if lon is not None else None
            if near:
                at_stop[(near.ref, row["type"])] += 1
    for feature in (bundle or {}).get("features") or []:
        p = feature.get("properties") or {}
        windows = "; ".join(_window_text(w) for w in p.get("time_windows") or [])
        client.say(f"{p.get('rank', '?')}. {p.get('title', 'Suggestion')}" + (f" - {windows}" if windows else ""))
        for stop in deployment.stops({"features": [feature]}):
            seized, arrested = at_stop[(stop.ref, "seizure")], at_stop[(stop.ref, "arrest")]
            tally = f"{seized} seizure(s), {arrested} arrest(s) logged" if seized or arrested else "nothing logged yet"
            client.say(f"   {stop.ref} {stop.title}, stay {stop.dwell_minutes} min: {tally}")
    in_shift = [
        row
        for row in logged
        if window is None or (t := _record_time(json.loads(row["data"] or "{}"))) is None or window[0] <= t < window[1]
    ]
    states = Counter(row["state"] for row in in_shift)
    kinds = Counter(row["type"] for row in in_shift)
    if in_shift:
        state_text = ", ".join(
            f"{n} {STATE_WORDS.get(s, s)}" for s, n in sorted(states.items(), key=lambda kv: kv[0] != SENT)
        )
        client.say(
            f"Logged {'in this deployment' if window else 'on this phone'}: {kinds['seizure']} seizure(s), "
            f"{kinds['arrest']} arrest(s) ({state_text})."
        )
        for row in in_shift:
            mark = " - needs your attention" if row["state"] == ATTENTION else ""
            client.detail(f"  #{row['seq']} {row['summary']}{mark}")
    else:
        client.say("Nothing logged in this deployment yet.")
    return EXIT_OK
