"""A seeded, clearly synthetic year of operations along London corridors.

Seizures concentrate at named places along the corridors in geodata/corridors.geojson
(plus a few town centres off them), with weekday and hour patterns: Uxbridge Road is busiest
on Saturday afternoons, the West End on Friday and Saturday evenings. Coordinates are
snapped to a 4-decimal grid (about 7 m x 11 m) the way police data is snapped to shared map
points, so many seizures share a coordinate. Same seed and end date: same data.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from shapely.geometry import LineString, shape
from shapely.geometry import Point as ShapelyPoint

from ebikeops.operations.models import (
    Disposition,
    OffenceCategory,
    SeizurePower,
    SeizureReason,
    VehicleType,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_WEEKDAY = (0.09, 0.10, 0.11, 0.13, 0.19, 0.24, 0.14)
DEFAULT_START_HOURS = {12: 1, 13: 2, 14: 3, 15: 3, 16: 3, 17: 2, 18: 1}


@dataclass(frozen=True)
class Scene:
    """A place where operations happen: a corridor (with hot places along it) or a centre."""

    name: str
    team: str
    weight: float
    hot_places: tuple[tuple[float, float], ...]
    corridor_slug: str | None = None
    weekday_weights: tuple[float, ...] = DEFAULT_WEEKDAY
    start_hours: dict[int, int] | None = None


SCENES = (
    Scene(
        "Uxbridge Road",
        "Ealing Town Centre Team",
        0.22,
        (
            (-0.2244, 51.5049),
            (-0.2673, 51.5068),
            (-0.3020, 51.5130),
            (-0.3190, 51.5128),
            (-0.3352, 51.5088),
            (-0.3780, 51.5115),
        ),
        "uxbridge-road",
        (0.05, 0.05, 0.06, 0.08, 0.14, 0.48, 0.14),
        {13: 2, 14: 4, 15: 3, 16: 1},
    ),
    Scene(
        "Charing Cross Road",
        "West End Neighbourhood Team",
        0.12,
        ((-0.1283, 51.5113), (-0.1289, 51.5132), (-0.1305, 51.5162)),
        "charing-cross-road",
        (0.07, 0.08, 0.09, 0.13, 0.27, 0.26, 0.10),
        {16: 2, 17: 3, 18: 3, 19: 2},
    ),
    Scene(
        "Shaftesbury Avenue",
        "West End Neighbourhood Team",
        0.08,
        ((-0.1340, 51.5102), (-0.1300, 51.5125)),
        "shaftesbury-avenue",
        (0.07, 0.08, 0.09, 0.13, 0.27, 0.26, 0.10),
        {17: 3, 18: 3, 19: 2},
    ),
    Scene(
        "Oxford Street",
        "West End Neighbourhood Team",
        0.09,
        ((-0.1490, 51.5142), (-0.1418, 51.5152), (-0.1305, 51.5164)),
        "oxford-street",
    ),
    Scene(
        "Edgware Road", "Marylebone Neighbourhood Team", 0.06, ((-0.1650, 51.5170), (-0.1700, 51.5210)), "edgware-road"
    ),
    Scene(
        "Kingsland Road", "Hackney Town Centres Team", 0.07, ((-0.0768, 51.5320), (-0.0752, 51.5462)), "kingsland-road"
    ),
    Scene(
        "Old Kent Road", "Southwark Town Centres Team", 0.06, ((-0.0800, 51.4905), (-0.0640, 51.4820)), "old-kent-road"
    ),
    Scene("Brixton Road", "Brixton Town Centre Team", 0.07, ((-0.1135, 51.4700), (-0.1148, 51.4625)), "brixton-road"),
    Scene(
        "Whitechapel Road",
        "Tower Hamlets Town Centres Team",
        0.06,
        ((-0.0640, 51.5180), (-0.0598, 51.5194)),
        "whitechapel-road",
    ),
    Scene(
        "Tottenham High Road",
        "Haringey Town Centres Team",
        0.05,
        ((-0.0705, 51.5900), (-0.0700, 51.5940)),
        "tottenham-high-road",
    ),
    Scene("Romford Road", "Newham Town Centres Team", 0.03, ((-0.0030, 51.5410), (0.0250, 51.5480)), "romford-road"),
    # Town centres off every corridor, so hotspots and suggestions have off-corridor cases.
    Scene("Wood Green High Road", "Haringey Town Centres Team", 0.04, ((-0.1066, 51.5975),)),
    Scene("Rye Lane, Peckham", "Southwark Town Centres Team", 0.03, ((-0.0690, 51.4700),)),
    Scene("Lewisham town centre", "Lewisham Town Centre Team", 0.02, ((-0.0135, 51.4620),)),
)

VEHICLES = (
    (VehicleType.E_BIKE, 0.58),
    (VehicleType.E_SCOOTER, 0.31),
    (VehicleType.E_MOTORCYCLE, 0.09),
    (VehicleType.OTHER, 0.02),
)
REASONS = {
    VehicleType.E_BIKE: (
        (SeizureReason.NON_COMPLIANT_EAPC, 0.62),
        (SeizureReason.NO_INSURANCE_OR_LICENCE, 0.14),
        (SeizureReason.SUSPECTED_STOLEN, 0.12),
        (SeizureReason.USED_IN_CRIME, 0.10),
        (SeizureReason.OTHER, 0.02),
    ),
    VehicleType.E_SCOOTER: (
        (SeizureReason.PRIVATE_E_SCOOTER, 0.85),
        (SeizureReason.USED_IN_CRIME, 0.08),
        (SeizureReason.SUSPECTED_STOLEN, 0.07),
    ),
    VehicleType.E_MOTORCYCLE: ((SeizureReason.NO_INSURANCE_OR_LICENCE, 0.7), (SeizureReason.USED_IN_CRIME, 0.3)),
    VehicleType.OTHER: ((SeizureReason.OTHER, 1.0),),
}
POWER_FOR_REASON = {
    SeizureReason.PRIVATE_E_SCOOTER: SeizurePower.RTA_1988_S165A,
    SeizureReason.NON_COMPLIANT_EAPC: SeizurePower.RTA_1988_S165A,
    SeizureReason.NO_INSURANCE_OR_LICENCE: SeizurePower.RTA_1988_S165A,
    SeizureReason.SUSPECTED_STOLEN: SeizurePower.PACE_S19,
    SeizureReason.USED_IN_CRIME: SeizurePower.PACE_S19,
    SeizureReason.OTHER: SeizurePower.PRA_2002_S59,
}
OFFENCES = (
    (OffenceCategory.THEFT, 0.30),
    (OffenceCategory.ROBBERY, 0.15),
    (OffenceCategory.HANDLING_STOLEN_GOODS, 0.12),
    (OffenceCategory.DRIVING, 0.15),
    (OffenceCategory.DRUGS, 0.10),
    (OffenceCategory.WEAPONS, 0.06),
    (OffenceCategory.WANTED_ON_WARRANT, 0.12),
)
WARRANT_OFFENCES = (
    (OffenceCategory.THEFT, 0.4),
    (OffenceCategory.VIOLENCE, 0.3),
    (OffenceCategory.SEXUAL_OFFENCE, 0.1),
    (OffenceCategory.ROBBERY, 0.2),
)


@dataclass
class SyntheticSeizure:
    lon: float
    lat: float
    seized_at: datetime
    vehicle_type: str
    reason: str
    power: str
    disposition: str
    accuracy_m: float


@dataclass
class SyntheticArrest:
    lon: float
    lat: float
    arrested_at: datetime
    offence_category: str
    warrant_offence_category: str


@dataclass
class SyntheticOperation:
    name: str
    team: str
    started_at: datetime
    ended_at: datetime
    location: tuple[float, float]
    stop_points: list[tuple[float, float]]
    officer_count: int
    seizures: list[SyntheticSeizure]
    arrests: list[SyntheticArrest]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _snap(value: float) -> float:
    return round(value, 4)


def load_corridor_lines(path: Path) -> dict[str, LineString]:
    with path.open() as handle:
        data = json.load(handle)
    return {f["properties"]["slug"]: shape(f["geometry"]) for f in data["features"]}


class YearGenerator:
    """Generates operations for the 365 days up to `end` (exclusive)."""

    def __init__(self, *, seed: int, end: date, corridors: dict[str, LineString], operations: int = 225):
        self.rng = random.Random(seed)
        self.end = end
        self.corridors = corridors
        self.operations = operations

    def _place_near(self, scene: Scene, hot: tuple[float, float]) -> tuple[float, float]:
        """A point near a hot place: along the corridor line if there is one, else scattered."""
        rng = self.rng
        line = self.corridors.get(scene.corridor_slug or "")
        if line is None:
            return _snap(hot[0] + rng.gauss(0, 0.0012)), _snap(hot[1] + rng.gauss(0, 0.0008))
        # Move along the line from the hot place (about +-150 m), then a few metres off it.
        along = line.project(ShapelyPoint(hot)) + rng.gauss(0, 0.0016)
        on_line = line.interpolate(min(max(along, 0.0), line.length))
        return _snap(on_line.x + rng.gauss(0, 0.00012)), _snap(on_line.y + rng.gauss(0, 0.00008))

    def __iter__(self) -> Iterator[SyntheticOperation]:
        rng = self.rng
        scenes = [(scene, scene.weight) for scene in SCENES]
        first_day = self.end - timedelta(days=365)
        for _ in range(self.operations):
            scene = _pick(rng, scenes)
            day = self._day(first_day, scene.weekday_weights)
            start_hour = _pick(rng, list((scene.start_hours or DEFAULT_START_HOURS).items()))
            started_at = datetime.combine(day, time(start_hour, rng.choice((0, 15, 30))), tzinfo=UTC)
            ended_at = started_at + timedelta(hours=rng.choice((3, 4, 4, 5, 6)))
            hots = rng.sample(scene.hot_places, k=min(len(scene.hot_places), rng.choice((1, 2, 2, 3, 4))))
            stops = [self._place_near(scene, hot) for hot in hots]
            operation = SyntheticOperation(
                name=f"{scene.name} {day:%a %d %b %Y}",
                team=scene.team,
                started_at=started_at,
                ended_at=ended_at,
                location=stops[0],
                stop_points=stops,
                officer_count=rng.choice((4, 6, 8, 10)),
                seizures=[],
                arrests=[],
            )
            for _ in range(max(1, int(rng.gammavariate(4.0, 2.9)))):
                operation.seizures.append(self._seizure(scene, hots, started_at, ended_at))
            if rng.random() < 0.16:
                operation.arrests.append(self._arrest(scene, hots, started_at, ended_at))
            yield operation

    def _day(self, first_day: date, weekday_weights) -> date:
        while True:
            day = first_day + timedelta(days=self.rng.randrange(365))
            if self.rng.random() < weekday_weights[day.weekday()] / max(weekday_weights):
                return day

    def _moment(self, started_at: datetime, ended_at: datetime) -> datetime:
        span = (ended_at - started_at).total_seconds()
        return started_at + timedelta(seconds=int(self.rng.triangular(0, span, span * 0.45)))

    def _seizure(self, scene, hots, started_at, ended_at) -> SyntheticSeizure:
        rng = self.rng
        lon, lat = self._place_near(scene, rng.choice(hots))
        vehicle = _pick(rng, VEHICLES)
        reason = _pick(rng, REASONS[vehicle])
        seized_at = self._moment(started_at, ended_at)
        age_days = (datetime.combine(self.end, time(), tzinfo=UTC) - seized_at).days
        if age_days > 60:
            disposition = _pick(
                rng, ((Disposition.DESTROYED, 0.6), (Disposition.RETURNED, 0.3), (Disposition.RETAINED_EVIDENCE, 0.1))
            )
        else:
            disposition = Disposition.HELD
        return SyntheticSeizure(
            lon, lat, seized_at, vehicle, reason, POWER_FOR_REASON[reason], disposition, round(rng.uniform(3, 25), 1)
        )

    def _arrest(self, scene, hots, started_at, ended_at) -> SyntheticArrest:
        rng = self.rng
        lon, lat = self._place_near(scene, rng.choice(hots))
        category = _pick(rng, OFFENCES)
        warrant = _pick(rng, WARRANT_OFFENCES) if category == OffenceCategory.WANTED_ON_WARRANT else ""
        return SyntheticArrest(lon, lat, self._moment(started_at, ended_at), category, warrant)
