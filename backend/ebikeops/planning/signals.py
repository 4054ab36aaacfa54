"""Demand signals: what counts as evidence that a place needs a visit, and how much.

Each signal names its events query in `sql.py` (completed into the profile, evidence and
cluster queries there) and carries a default weight. Requests may override weights
(`SuggestionParams.weights`); a weight of 0 switches a signal off. To add a signal
(community reports, ANPR hits), add its events query to `sql.SIGNAL_EVENTS` and
`register()` it here.
"""

from dataclasses import dataclass

from . import sql


@dataclass(frozen=True)
class Signal:
    key: str
    singular: str
    plural: str
    default_weight: float
    # Whether off-corridor places are looked for among this signal's events.
    clusters: bool = False
    # Whether its events carry a real time of day (police.uk gives months only: such events
    # add weight but stay out of the weekday-hour profile behind time fit and time windows).
    timed: bool = True

    @property
    def profile_sql(self) -> str:
        return sql.PROFILE[self.key]

    @property
    def evidence_sql(self) -> str:
        return sql.EVIDENCE[self.key]

    @property
    def places_sql(self) -> str:
        return sql.PLACES[self.key]

    @property
    def clusters_sql(self) -> str:
        return sql.CLUSTERS[self.key]

    def describe(self, count: int) -> str:
        return f"{count} {self.singular if count == 1 else self.plural}"


SIGNALS: dict[str, Signal] = {}


def register(signal: Signal) -> Signal:
    if signal.key not in sql.SIGNAL_EVENTS:
        raise ValueError(f"Signal {signal.key!r} has no events query in planning.sql.SIGNAL_EVENTS.")
    SIGNALS[signal.key] = signal
    return signal


# Seizures are the outcome the product exists for; arrests during operations show where
# riders who offend are, at half the weight.
register(Signal("seizures", "seizure", "seizures", 1.0, clusters=True))
register(Signal("arrests", "arrest", "arrests", 0.5))
# Public context: police.uk street-level crimes of `SuggestionParams.context_types` (the
# Incident table). Off unless a request weights it: on the City of London back-test it did
# not earn a default weight (docs/methods/suggestions.md, "Context incidents").
register(Signal("incidents", "context incident", "context incidents", 0.0, timed=False))


def default_weights() -> dict[str, float]:
    """The signals on by default and their weights (signals off by default are left out, so
    stored parameters name only what was used)."""
    return {key: signal.default_weight for key, signal in SIGNALS.items() if signal.default_weight > 0}
