"""A hand-laid year of records for reporting tests, with its counts written out.

Operations (team, start in UTC -> London local):
  ealing    Ealing Town Centre Team, 2025-11-29 13:00 (Sat, 2025-W48), at Uxbridge Road, Ealing
  west_end  West End Neighbourhood Team, 2025-12-05 18:00 (Fri, 2025-W49), Leicester Square
  summer    Ealing Town Centre Team, 2025-06-30 21:30 UTC = 22:30 BST (Mon, 2025-W27), Shepherd's Bush
  old       Ealing Town Centre Team, 2024-10-01 12:00 (Tue), Ealing Broadway

Seizures (borough, London month, vehicle type, reason, disposition):
  broadway    Ealing, 2025-11, e_bike, non_compliant_eapc, held
  west_ealing Ealing, 2025-11, e_scooter, private_e_scooter, held
  hanwell     Ealing, 2025-11, e_bike, non_compliant_eapc, destroyed
  leicester   Westminster, 2025-12, e_bike, non_compliant_eapc, held
  dean        Westminster, 2025-12, e_motorcycle, suspected_stolen, retained_evidence
  bush        Hammersmith and Fulham, 2025-07 (2025-06-30 23:30 UTC = 00:30 BST on 1 July),
              e_scooter, private_e_scooter, returned
  old_bike    Ealing, 2024-10, e_bike, no_insurance_or_licence, destroyed

Arrests: ealing_theft (Ealing, 2025-11, theft), dean_robbery (Westminster, 2025-12, robbery),
warrant (Westminster, 2025-12, wanted_on_warrant for theft).
"""

from datetime import UTC, datetime, timedelta

import pytest

from ebikeops.operations.boroughs import boroughs_assign_all
from ebikeops.operations.models import Arrest, Operation, Seizure
from tests import places
from tests.factories import T0, ArrestFactory, OperationFactory, SeizureFactory

EALING = "E09000009"
WESTMINSTER = "E09000033"
HAMMERSMITH = "E09000013"


@pytest.fixture
def layout(boroughs, officer):
    ealing = OperationFactory(
        name="Ealing town centre",
        reference="OP-EAL-1",
        team="Ealing Town Centre Team",
        started_at=T0,
        location=places.UXBRIDGE_ROAD_EALING,
        lead_officer=officer,
        notes="briefed at 12:30",
    )
    west_end = OperationFactory(
        name="West End evening",
        team="West End Neighbourhood Team",
        started_at=datetime(2025, 12, 5, 18, 0, tzinfo=UTC),
        location=places.LEICESTER_SQUARE,
        status="active",
        ended_at=None,
    )
    summer = OperationFactory(
        name="Shepherd's Bush late",
        team="Ealing Town Centre Team",
        started_at=datetime(2025, 6, 30, 21, 30, tzinfo=UTC),
        location=places.SHEPHERDS_BUSH_GREEN,
    )
    old = OperationFactory(
        name="Last autumn",
        team="Ealing Town Centre Team",
        started_at=datetime(2024, 10, 1, 12, 0, tzinfo=UTC),
        location=places.EALING_BROADWAY,
    )
    minutes = timedelta(minutes=1)
    seizures = {
        "broadway": SeizureFactory(operation=ealing, point=places.EALING_BROADWAY, seized_at=T0 + 30 * minutes),
        "west_ealing": SeizureFactory(
            operation=ealing,
            point=places.WEST_EALING,
            seized_at=T0 + 40 * minutes,
            vehicle_type="e_scooter",
            reason="private_e_scooter",
            make='=HYPERLINK("x")',
            notes="-2 tyres",
        ),
        "hanwell": SeizureFactory(
            operation=ealing,
            point=places.HANWELL_BROADWAY,
            seized_at=T0 + 50 * minutes,
            disposition="destroyed",
        ),
        "leicester": SeizureFactory(
            operation=west_end,
            point=places.LEICESTER_SQUARE,
            seized_at=datetime(2025, 12, 5, 18, 30, tzinfo=UTC),
        ),
        "dean": SeizureFactory(
            operation=west_end,
            point=places.DEAN_STREET,
            seized_at=datetime(2025, 12, 5, 19, 0, 0, 250000, tzinfo=UTC),
            vehicle_type="e_motorcycle",
            reason="suspected_stolen",
            disposition="retained_evidence",
            make="Sur-Ron",
            model="Light Bee",
            colour="black",
        ),
        "bush": SeizureFactory(
            operation=summer,
            point=places.SHEPHERDS_BUSH_GREEN,
            seized_at=datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
            vehicle_type="e_scooter",
            reason="private_e_scooter",
            disposition="returned",
        ),
        "old_bike": SeizureFactory(
            operation=old,
            point=places.EALING_BROADWAY,
            seized_at=datetime(2024, 10, 1, 12, 30, tzinfo=UTC),
            reason="no_insurance_or_licence",
            disposition="destroyed",
        ),
    }
    arrests = {
        "ealing_theft": ArrestFactory(operation=ealing, point=places.EALING_BROADWAY, arrested_at=T0 + 45 * minutes),
        "dean_robbery": ArrestFactory(
            operation=west_end,
            point=places.DEAN_STREET,
            arrested_at=datetime(2025, 12, 5, 19, 10, tzinfo=UTC),
            offence_category="robbery",
            disposal="taken_to_custody",
        ),
        "warrant": ArrestFactory(
            operation=west_end,
            point=places.LEICESTER_SQUARE,
            arrested_at=datetime(2025, 12, 5, 19, 20, tzinfo=UTC),
            offence_category="wanted_on_warrant",
            warrant_offence_category="theft",
        ),
    }
    boroughs_assign_all()
    return {
        "operations": {
            name: Operation.objects.get(pk=op.pk)
            for name, op in (("ealing", ealing), ("west_end", west_end), ("summer", summer), ("old", old))
        },
        "seizures": {name: Seizure.objects.get(pk=s.pk) for name, s in seizures.items()},
        "arrests": {name: Arrest.objects.get(pk=a.pk) for name, a in arrests.items()},
    }
