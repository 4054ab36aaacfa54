"""Names people recognise: each stop point after the nearest named place (a TfL bus stop,
`areas.NamedStop`) on its corridor, otherwise its corridor and borough; each suggestion a
title that no other suggestion in the same answer has.

"Uxbridge Road at Ealing Broadway Station", "Near Cambridge Circus", "Kingsland Road, Hackney".
"""

from ebikeops.areas.selectors import nearest_named_stops

from .candidates import Candidate, Stop

# A named stop this close to a stop point names it; further away the name would mislead.
NAMED_STOP_WITHIN_M = 300.0


def _fallback(stop: Stop) -> str:
    where = stop.borough or "London"
    if stop.corridor is not None:
        return f"{stop.corridor.name}, {where}"
    return f"Off-corridor spot in {where}"


def _at(stop: Stop, place: str) -> str:
    if stop.corridor is not None:
        return f"{stop.corridor.name} at {place}"
    return f"Near {place}, {stop.borough}" if stop.borough else f"Near {place}"


def _title(candidate: Candidate, names: dict[int, list[str]], taken: set[str]) -> str:
    """The first free name: by the stop points' places (best stop first), then the
    fallback, then the fallback with the stretch's number."""
    stops = sorted(candidate.stops, key=lambda s: s.tie_key)
    options = [_at(stop, place) for stop in stops for place in names.get(id(stop), [])]
    options.append(_fallback(stops[0]))
    for option in options:
        if option not in taken:
            return option
    n = 2
    while f"{options[-1]} (stretch {n})" in taken:
        n += 1
    return f"{options[-1]} (stretch {n})"


def name_candidates(candidates: list[Candidate]) -> None:
    """Set `name` on every stop point and a distinct `title` on every suggestion, in the
    order given (the best suggestion gets its first choice). One query."""
    stops = [stop for candidate in candidates for stop in candidate.stops]
    nearest = nearest_named_stops(
        [(i, stop.lon, stop.lat) for i, stop in enumerate(stops)], within_m=NAMED_STOP_WITHIN_M
    )
    names = {id(stop): [name for name, _ in nearest.get(i, [])] for i, stop in enumerate(stops)}
    for stop in stops:
        stop.name = _at(stop, names[id(stop)][0]) if names[id(stop)] else _fallback(stop)
    taken: set[str] = set()
    for candidate in candidates:
        candidate.title = _title(candidate, names, taken)
        taken.add(candidate.title)
