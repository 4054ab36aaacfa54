"""The team's deployment from the kept bundle: named stops (`--at 2.1`) and the day's plan.

A stop is called "{rank}.{number}": stop 1 of the suggestion ranked 2 is "2.1" ("2" alone is
that suggestion's first stop). When the bundle gives a stop a `name`, that name is used on
screen and can be typed instead of the number.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

BUNDLE_KEY = "suggestion_bundle"
NEAR_STOP_M = 250.0  # a record this close to a stop is "at" it


@dataclass(frozen=True)
class Stop:
    ref: str  # "2.1"
    name: str | None
    lon: float
    lat: float
    dwell_minutes: Any
    suggestion: dict[str, Any]

    @property
    def title(self) -> str:
        return self.name or f"stop {self.ref}"


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine): enough to match records to stops offline."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def kept_bundle(queue) -> dict[str, Any] | None:
    raw = queue.get_setting(BUNDLE_KEY)
    return json.loads(raw) if raw else None


def stop_ref(rank: Any, number: Any) -> str:
    text = str(number)
    return text if "." in text else f"{rank}.{text}"


def stops(bundle: dict[str, Any] | None) -> list[Stop]:
    found: list[Stop] = []
    for feature in (bundle or {}).get("features") or []:
        properties = feature.get("properties") or {}
        for stop in properties.get("stops") or []:
            try:
                lon, lat = float(stop["lon"]), float(stop["lat"])
            except (KeyError, TypeError, ValueError):
                continue
            found.append(
                Stop(
                    ref=stop_ref(properties.get("rank", "?"), stop.get("number", len(found) + 1)),
                    name=stop.get("name") or None,
                    lon=lon,
                    lat=lat,
                    dwell_minutes=stop.get("dwell_minutes"),
                    suggestion=properties,
                )
            )
    return found


def find_stop(bundle: dict[str, Any] | None, wanted: str) -> Stop | None:
    """A stop by "2.1", "2" (that suggestion's first stop) or its name (case ignored)."""
    every = stops(bundle)
    text = wanted.strip()
    for stop in every:
        if stop.ref == text:
            return stop
    if text.isdigit():
        for stop in every:
            if stop.ref.split(".")[0] == text:
                return stop
    lowered = text.lower()
    named = [s for s in every if s.name and s.name.lower() == lowered]
    named = named or [s for s in every if s.name and lowered in s.name.lower()]
    return named[0] if len(named) == 1 else None


def nearest_stop(bundle: dict[str, Any] | None, lon: float, lat: float) -> Stop | None:
    near = [(distance_m(lon, lat, s.lon, s.lat), s) for s in stops(bundle)]
    near = [pair for pair in near if pair[0] <= NEAR_STOP_M]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def in_window(bundle: dict[str, Any], when: datetime) -> bool:
    meta = bundle.get("bundle") or {}
    try:
        return datetime.fromisoformat(meta["valid_from"]) <= when < datetime.fromisoformat(meta["valid_until"])
    except (KeyError, ValueError):
        return False
