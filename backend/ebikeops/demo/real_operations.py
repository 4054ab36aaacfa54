"""The two operations from the Met's public announcement, reconstructed for the demo.

The announcement gives place, day, team and totals; the exact points and minutes below are
our reconstruction (points on the named roads, times inside plausible shifts). They are
stored with source='import' and say so in their notes, so they are kept apart from the
synthetic year (source='demo').
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from ebikeops.operations.models import OffenceCategory, SeizurePower, SeizureReason, VehicleType

RECONSTRUCTED = (
    "Reconstructed from the Metropolitan Police's public announcement: totals, day and place "
    "are as announced; individual points and times are approximate."
)


@dataclass(frozen=True)
class RealOperation:
    reference: str
    name: str
    team: str
    started_at: datetime
    ended_at: datetime
    location: tuple[float, float]
    stop_points: list[tuple[float, float]]
    # (vehicle_type, reason, power) per seizure, spread over the stop points in turn
    seizures: list[tuple[str, str, str]]
    arrests: list[tuple[str, str]] = field(default_factory=list)  # (category, warrant category)
    officer_count: int = 8


_EBIKE = (VehicleType.E_BIKE, SeizureReason.NON_COMPLIANT_EAPC, SeizurePower.RTA_1988_S165A)
_SCOOTER = (VehicleType.E_SCOOTER, SeizureReason.PRIVATE_E_SCOOTER, SeizurePower.RTA_1988_S165A)

REAL_OPERATIONS = [
    RealOperation(
        reference="MPS-2025-11-29-UXBRIDGE-ROAD",
        name="Uxbridge Road e-bike and e-scooter operation, Ealing",
        team="Ealing Town Centre Team",
        started_at=datetime(2025, 11, 29, 12, 0, tzinfo=UTC),
        ended_at=datetime(2025, 11, 29, 18, 0, tzinfo=UTC),
        location=(-0.3020, 51.5130),  # Ealing Broadway
        stop_points=[(-0.2880, 51.5096), (-0.3020, 51.5130), (-0.3190, 51.5128), (-0.3352, 51.5088)],
        seizures=[_EBIKE] * 7 + [_SCOOTER] * 5,
        arrests=[(OffenceCategory.OTHER, "")],
        officer_count=10,
    ),
    RealOperation(
        reference="MPS-2025-12-05-CAMBRIDGE-CIRCUS",
        name="Cambridge Circus proactive e-bike operation, West End",
        team="West End Neighbourhood Team",
        started_at=datetime(2025, 12, 5, 17, 0, tzinfo=UTC),
        ended_at=datetime(2025, 12, 5, 22, 0, tzinfo=UTC),
        location=(-0.128868, 51.513243),  # Cambridge Circus (bus stop centroid, Westminster)
        stop_points=[(-0.128868, 51.513243)],
        seizures=[_EBIKE] * 16,
        arrests=[(OffenceCategory.WANTED_ON_WARRANT, OffenceCategory.SEXUAL_OFFENCE)],
        officer_count=8,
    ),
]
