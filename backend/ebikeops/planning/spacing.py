"""One stop point per place: of stop points closer than `spacing_m` (crossing corridors share
their junction's events; a place may sit just off a corridor) the one with the higher score
stays, the same score that ranks suggestions. Distances are measured by PostGIS."""

from collections import defaultdict

from . import selectors
from .candidates import Stop
from .params import SuggestionParams


def spread(stops: list[Stop], params: SuggestionParams) -> list[Stop]:
    """The stop points kept, best first: every stop point within `spacing_m` of a better kept
    one is dropped; stop points without any score are dropped too."""
    ordered = sorted((s for s in stops if s.score > 0), key=lambda s: s.tie_key)
    near: dict[int, set[int]] = defaultdict(set)
    for a, b in selectors.close_pairs([(i, s.point.ewkt) for i, s in enumerate(ordered)], min_m=params.spacing_m):
        near[a].add(b)
        near[b].add(a)
    kept: list[int] = []
    for i in range(len(ordered)):
        if not near[i].intersection(kept):
            kept.append(i)
    return [ordered[i] for i in kept]
