"""hotspots_compute on real PostGIS with hand-laid layouts."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from sklearn.cluster import DBSCAN

from ebikeops.core.models import Source
from ebikeops.core.spatial import metric
from ebikeops.hotspots import params as P
from ebikeops.hotspots.engine import code_version
from ebikeops.hotspots.models import GiStarCell, Hotspot, HotspotRun, RunStatus
from ebikeops.hotspots.selectors import latest_hotspots, latest_run
from ebikeops.hotspots.services import hotspots_compute
from ebikeops.operations.models import Seizure, VehicleType
from tests import places
from tests.factories import T0, ArrestFactory, OperationFactory, SeizureFactory

from .conftest import EPS_M, MIN_POINTS, SINCE, UNTIL, lay, offset, window

pytestmark = pytest.mark.django_db


def compute(**kwargs) -> HotspotRun:
    return hotspots_compute(**{"eps_m": EPS_M, "min_points": MIN_POINTS, **window(), **kwargs})


def members(hotspot: Hotspot) -> set:
    return set(Seizure.objects.filter(point__intersects=hotspot.geom).values_list("id", flat=True))


def ids(seizures) -> set:
    return {s.id for s in seizures}


@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_it_finds_exactly_three_hotspots_holding_the_planted_points(planted, mode):
    run = compute(mode=mode)
    hotspots = list(Hotspot.objects.filter(run=run).order_by("rank"))
    assert len(hotspots) == 3, [h.seizure_count for h in hotspots]
    assert [h.seizure_count for h in hotspots] == [12, 10, 8]
    assert [members(h) for h in hotspots] == [
        ids(planted["ealing"]),
        ids(planted["soho"]),
        ids(planted["shepherds_bush"]),
    ]
    for hotspot in hotspots:
        assert hotspot.geom.valid and hotspot.geom.geom_type == "Polygon" and hotspot.geom.srid == 4326
        assert hotspot.geom.contains(hotspot.centroid)
    assert run.input_count == 36
    assert run.stats["noise_seizures"] == 6


def test_exact_mode_partition_equals_scikit_learn_dbscan(planted):
    run = compute(mode="exact")
    rows = list(Seizure.objects.annotate(bng=metric("point")).order_by("id").values_list("id", "bng"))
    xy = np.array([[g.x, g.y] for _, g in rows])
    labels = DBSCAN(eps=EPS_M, min_samples=MIN_POINTS).fit(xy).labels_
    expected = sorted((frozenset(rows[i][0] for i in np.flatnonzero(labels == k)) for k in set(labels) - {-1}), key=len)
    found = sorted((frozenset(members(h)) for h in Hotspot.objects.filter(run=run)), key=len)
    assert found == expected


def test_fast_mode_matches_exact_mode_on_the_planted_layout(planted):
    fast = compute(mode="fast")
    exact = compute(mode="exact")
    f = [(h.seizure_count, members(h)) for h in Hotspot.objects.filter(run=fast).order_by("rank")]
    e = [(h.seizure_count, members(h)) for h in Hotspot.objects.filter(run=exact).order_by("rank")]
    assert f == e


@pytest.mark.parametrize(("copies", "hotspots"), [(4, 0), (5, 1)])
def test_it_counts_identical_coordinates_with_their_multiplicity(operation, copies, hotspots):
    lay(operation, places.WEST_EALING, [(0.0, 0.0)] * copies)
    for mode in ("fast", "exact"):
        run = compute(mode=mode)
        found = list(Hotspot.objects.filter(run=run))
        assert len(found) == hotspots, mode
        if found:
            assert found[0].seizure_count == copies
            assert found[0].geom.valid and found[0].area_m2 > 0


def test_it_answers_an_empty_window_cleanly(boroughs):
    run = compute()
    assert run.status == RunStatus.COMPLETED
    assert run.input_count == 0
    assert not run.hotspots.exists() and not run.cells.exists()


def test_it_answers_a_single_point_cleanly(operation):
    lay(operation, places.WEST_EALING, [(0.0, 0.0)])
    run = compute(mode="exact")
    assert (run.status, run.input_count, run.hotspots.count(), run.cells.count()) == (RunStatus.COMPLETED, 1, 0, 0)
    assert run.stats["gistar"] == "too_little_data"


def test_it_stores_no_gistar_cells_under_thirty_points(operation):
    lay(operation, places.WEST_EALING, [(3.0 * i, 0.0) for i in range(29)])
    run = compute()
    assert run.input_count == 29
    assert run.hotspots.count() == 1
    assert not run.cells.exists()
    assert run.stats["gistar"] == "too_little_data"


def test_it_records_how_each_run_was_produced(planted):
    run = compute(mode="exact", vehicle_types=["e_bike"], sources=["field"], borough="Ealing", cell_m=300)
    run.refresh_from_db()
    assert run.method == "dbscan-exact"
    assert run.parameters == {
        "eps_m": EPS_M, "min_points": MIN_POINTS, "mode": "exact", "grid_m": EPS_M / 5, "cell_m": 300.0,
        "band_m": 450.0, "slice": "month", "buffer_m": 15.0,
    }  # fmt: skip
    assert (run.since, run.until) == (SINCE, UNTIL)
    assert run.filters == {"vehicle_types": ["e_bike"], "borough": "E09000009", "reasons": None, "sources": ["field"]}
    assert run.input_count == 12 + 3  # the Ealing cluster, two noise points near it and Acton Town Hall
    assert run.code_version == code_version() and "hotspots/" in run.code_version
    assert run.status == RunStatus.COMPLETED and run.finished_at >= run.started_at
    assert set(run.stats["timings"]) >= {"read_s", "cluster_s", "profile_s", "hotspots_s", "identity_s"}


def test_it_describes_each_hotspot(operation):
    # 6 e-bikes + 2 e-scooters on Saturday evenings (London time), one arrest inside.
    saturday_evening = T0.replace(hour=19, minute=0)  # 29 Nov 2025 is a Saturday; GMT = UTC
    lay(operation, places.WEST_EALING, [(4.0 * i, 0.0) for i in range(6)], start=saturday_evening)
    lay(
        operation,
        places.WEST_EALING,
        [(0.0, 4.0), (4.0, 4.0)],
        start=T0 - timedelta(days=2),
        vehicle_type=VehicleType.E_SCOOTER,
    )
    ArrestFactory(operation=operation, point=offset(places.WEST_EALING, 8.0, 1.0))
    ArrestFactory(operation=operation, point=offset(places.WEST_EALING, 500.0, 0.0))  # outside
    lay(operation, places.DEAN_STREET, [(0.0, 0.0)])  # noise, still in the share's total
    run = compute()
    (hotspot,) = run.hotspots.all()
    assert hotspot.seizure_count == 8
    assert hotspot.vehicle_mix == {"e_bike": 6, "e_scooter": 2}
    assert hotspot.arrest_count == 1
    assert hotspot.busiest_weekday == 6  # Saturday
    assert hotspot.busiest_hour_band == "18-21"
    assert hotspot.first_seizure_at == T0 - timedelta(days=2)
    assert hotspot.last_seizure_at == saturday_evening + timedelta(minutes=5)
    assert hotspot.share == pytest.approx(8 / 9)
    # A 20 x 4 m hull buffered by 15 m: roughly (20 + 30) x (4 + 30) minus rounded corners.
    assert 1300 < hotspot.area_m2 < 1700
    assert hotspot.density_per_km2 == pytest.approx(8 / (hotspot.area_m2 / 1e6))
    assert hotspot.centroid.distance(offset(places.WEST_EALING, 8.0, 1.0)) < 1e-5


def test_it_filters_by_vehicle_type_source_reason_and_borough(planted, operation):
    demo = OperationFactory(name="Demo", source=Source.DEMO, started_at=T0)
    lay(demo, places.HANWELL_BROADWAY, [(2.0 * i, 0.0) for i in range(6)])
    assert compute().hotspots.count() == 4
    assert compute(sources=["field", "import"]).hotspots.count() == 3
    assert compute(vehicle_types=["e_scooter"]).input_count == 0
    assert compute(reasons=["suspected_stolen"]).input_count == 0
    westminster = compute(borough="E09000033")
    assert [h.seizure_count for h in westminster.hotspots.all()] == [10]


def test_it_is_deterministic(planted):
    first = compute(mode="exact")
    second = compute(mode="exact")
    a = list(first.hotspots.order_by("rank").values_list("rank", "seizure_count", "geom", "key"))
    b = list(second.hotspots.order_by("rank").values_list("rank", "seizure_count", "geom", "key"))
    assert [(r, n, g.wkb) for r, n, g, _ in a] == [(r, n, g.wkb) for r, n, g, _ in b]


def test_it_keeps_hotspot_keys_across_a_recompute_with_one_point_added(planted, operation):
    before = {h.seizure_count: h.key for h in compute().hotspots.all()}
    SeizureFactory(operation=operation, point=offset(places.DEAN_STREET, 4.0, 2.0), seized_at=T0)
    after = {h.seizure_count: h.key for h in compute().hotspots.all()}
    assert after == {12: before[12], 11: before[10], 8: before[8]}
    # A hotspot that appears gets a new key, the others keep theirs.
    lay(operation, places.HANWELL_BROADWAY, [(2.0 * i, 0.0) for i in range(5)])
    third = {h.seizure_count: h.key for h in compute().hotspots.all()}
    assert third[12] == before[12] and third[8] == before[8] and third[5] not in before.values()


def test_it_computes_gistar_cells_for_enough_points(planted, operation):
    lay(operation, places.WEST_EALING, [(0.1 * i, 0.0) for i in range(20)])
    run = compute(cell_m=250)
    assert run.input_count == 56
    cells = GiStarCell.objects.filter(run=run)
    assert cells.filter(count__gt=0).count() >= 4
    assert sum(c.count for c in cells) == 56
    busiest = cells.order_by("-count").first()
    assert busiest.count == 20 and busiest.gi_bin == 3 and busiest.z > 3
    for cell in cells:
        assert cell.geom.valid and cell.geom.srid == 4326
        assert 0 <= cell.p_fdr <= 1 and cell.p <= cell.p_fdr + 1e-12
    assert run.stats["grid"]["neighbours"] == 9


def test_latest_hotspots_picks_the_newest_run_for_the_question(planted):
    assert not latest_hotspots().exists()
    compute(mode="exact")
    newest = compute()
    compute(vehicle_types=["e_scooter"])
    assert latest_run() == newest
    assert list(latest_hotspots()) == list(newest.hotspots.order_by("rank"))
    assert latest_run(mode="exact").method == "dbscan-exact"
    assert latest_run(vehicle_types=["e_scooter"]).filters["vehicle_types"] == ["e_scooter"]
    assert latest_run(eps_m=999) is None
    assert latest_run(since=UNTIL + timedelta(days=1), until=UNTIL + timedelta(days=9)) is None
    narrower = compute(since=T0 - timedelta(days=1), until=T0 + timedelta(days=1))
    assert latest_run(since=SINCE, until=UNTIL) != narrower, "a run over exactly the asked window comes first"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"eps_m": 0}, "eps_m", P.MSG_RANGE.format(low=5.0, high=5000.0)),
        ({"min_points": 1}, "min_points", P.MSG_RANGE.format(low=2, high=100_000)),
        ({"mode": "quick"}, "mode", P.MSG_CHOICE.format(value="quick", choices="fast, exact")),
        ({"grid_m": 40}, "grid_m", P.MSG_GRID.format(limit=25.0)),
        ({"band_m": 100}, "band_m", P.MSG_BAND.format(cell_m=250.0)),
        ({"vehicle_types": ["hoverboard"]}, "vehicle_type", None),
        ({"borough": "Atlantis"}, "borough", P.MSG_BOROUGH.format(value="Atlantis")),
        ({"since": UNTIL, "until": SINCE}, "since", P.MSG_WINDOW),
        ({"since": UNTIL.replace(tzinfo=None)}, "since", P.MSG_NAIVE),
        ({"slice": "week", "since": UNTIL - timedelta(days=7 * 300)}, "slice", None),
    ],
)
def test_it_rejects_bad_parameters_naming_the_field(boroughs, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        compute(**kwargs)
    assert field in caught.value.message_dict
    if message:
        assert caught.value.message_dict[field] == [message]
    assert not HotspotRun.objects.exists()
