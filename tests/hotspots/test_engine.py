"""The numeric core against reference implementations: scikit-learn's DBSCAN, PySAL's Gi*,
SciPy's Benjamini-Hochberg, a brute-force Mann-Kendall, and the ArcGIS EHSA rules."""

import itertools

import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import DistanceBand, lat2W
from scipy.spatial.distance import cdist
from scipy.stats import false_discovery_control
from sklearn.cluster import DBSCAN

from ebikeops.hotspots import engine
from ebikeops.hotspots.models import TrendCategory as T


def city_like(seed: int, n: int = 600) -> np.ndarray:
    """Blobs along a 'road' plus noise, snapped to a 4 m grid so many coordinates repeat."""
    rng = np.random.default_rng(seed)
    centres = np.column_stack([np.linspace(0, 2000, 6), np.linspace(0, 600, 6)])
    blobs = centres[rng.integers(0, 6, int(n * 0.7))] + rng.normal(0, 25, (int(n * 0.7), 2))
    noise = rng.uniform(-300, 2300, (n - len(blobs), 2))
    return np.round(np.vstack([blobs, noise]) / 4) * 4


def distinct(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sites, inverse, counts = np.unique(points, axis=0, return_inverse=True, return_counts=True)
    return sites, counts.astype(float), inverse.ravel()


def assert_same_dbscan(points, mine_by_point, *, eps, min_points):
    """Equal to scikit-learn's DBSCAN up to label names and border points: the same core
    points, the same partition of them, the same noise, and every border point in a cluster
    that has a core point within eps of it."""
    reference = DBSCAN(eps=eps, min_samples=min_points).fit(points)
    ref = reference.labels_
    core = np.zeros(len(points), dtype=bool)
    core[reference.core_sample_indices_] = True
    assert np.array_equal(mine_by_point == -1, ref == -1), "noise differs"
    pairs = set(zip(mine_by_point[core].tolist(), ref[core].tolist(), strict=True))
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs}), "core partition differs"
    distance = cdist(points, points[core])
    for i in np.flatnonzero(~core & (ref != -1)):
        reachable = set(mine_by_point[core][distance[i] <= eps].tolist())
        assert mine_by_point[i] in reachable


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("eps", "min_points"), [(30.0, 5), (50.0, 12), (12.0, 3)])
def test_exact_dbscan_equals_scikit_learn_up_to_labels_and_borders(seed, eps, min_points):
    points = city_like(seed)
    sites, weights, inverse = distinct(points)
    assert len(sites) < len(points), "the layout must repeat coordinates"
    labels = engine.dbscan_exact(sites, weights, eps_m=eps, min_points=min_points)
    assert_same_dbscan(points, labels[inverse], eps=eps, min_points=min_points)


def test_exact_dbscan_counts_identical_coordinates_with_multiplicity():
    sites = np.array([[0.0, 0.0], [1000.0, 0.0], [1003.0, 0.0]])
    labels = engine.dbscan_exact(sites, np.array([5.0, 3.0, 1.0]), eps_m=10, min_points=5)
    assert labels.tolist() == [0, -1, -1]
    labels = engine.dbscan_exact(sites, np.array([5.0, 3.0, 2.0]), eps_m=10, min_points=5)
    assert labels.tolist() == [0, 1, 1]


def test_exact_dbscan_numbers_clusters_by_size_whatever_the_input_order():
    points = city_like(7)
    sites, weights, _ = distinct(points)
    labels = engine.dbscan_exact(sites, weights, eps_m=30, min_points=5)
    order = np.random.default_rng(0).permutation(len(sites))
    shuffled = engine.dbscan_exact(sites[order], weights[order], eps_m=30, min_points=5)
    assert np.array_equal(shuffled, labels[order])
    sizes = [weights[labels == k].sum() for k in range(labels.max() + 1)]
    assert sizes == sorted(sizes, reverse=True)
    cells, cell_weights, _ = distinct(np.floor(points / 6))
    grid = engine.dbscan_grid(
        cells[:, 0].astype(int), cells[:, 1].astype(int), cell_weights, grid_m=6, eps_m=30, min_points=5
    )
    grid_sizes = [cell_weights[grid == k].sum() for k in range(grid.max() + 1)]
    assert grid_sizes == sorted(grid_sizes, reverse=True), "border cells count in the ranking"


@pytest.mark.parametrize("dense_lookup_cells", [engine.DENSE_LOOKUP_CELLS, 0])
def test_grid_dbscan_matches_exact_on_well_separated_clusters(monkeypatch, dense_lookup_cells):
    monkeypatch.setattr(engine, "DENSE_LOOKUP_CELLS", dense_lookup_cells)  # both lookup strategies
    rng = np.random.default_rng(5)
    centres = np.array([[0, 0], [800, 0], [0, 900], [1500, 1500]])
    points = np.vstack([c + rng.normal(0, 8, (30, 2)) for c in centres] + [rng.uniform(3000, 9000, (20, 2))])
    sites, weights, inverse = distinct(np.round(points, 1))
    exact = engine.dbscan_exact(sites, weights, eps_m=40, min_points=5)[inverse]
    grid_m = 8.0
    cells, cell_weights, cell_of = distinct(np.floor(points / grid_m))
    fast = engine.dbscan_grid(
        cells[:, 0].astype(int), cells[:, 1].astype(int), cell_weights, grid_m=grid_m, eps_m=40, min_points=5
    )[cell_of]
    assert np.array_equal(fast, exact)
    assert exact.max() == 3


@pytest.mark.parametrize("dense_lookup_cells", [engine.DENSE_LOOKUP_CELLS, 0])
def test_grid_dbscan_weighs_each_cell_by_its_count(monkeypatch, dense_lookup_cells):
    monkeypatch.setattr(engine, "DENSE_LOOKUP_CELLS", dense_lookup_cells)
    ix, iy = np.array([0, 50, 51]), np.array([0, 0, 0])
    labels = engine.dbscan_grid(ix, iy, np.array([5.0, 2.0, 2.0]), grid_m=2, eps_m=10, min_points=5)
    assert labels.tolist() == [0, -1, -1]


def test_stencil_holds_the_offsets_within_the_radius_nearest_first():
    stencil = engine.Stencil.within(1.5)
    assert len(stencil.dx) == 9 and (stencil.dx[0], stencil.dy[0]) == (0, 0)
    assert len(engine.Stencil.within(2.0).dx) == 13
    assert engine.band_kernel(cell_m=250, band_m=375).sum() == 9


# --- Gi* -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [11, 12])
def test_gi_star_z_scores_match_pysal_with_queen_contiguity(seed):
    rng = np.random.default_rng(seed)
    rows, cols = 12, 15
    counts = rng.poisson(1.2, (rows, cols)).astype(float)
    counts[4:6, 7:9] += 9  # a hot area
    z = engine.gi_star(counts, engine.band_kernel(cell_m=250, band_m=375))
    reference = G_Local(counts.ravel(), lat2W(rows, cols, rook=False), transform="B", star=True, permutations=0)
    assert np.allclose(z.ravel(), reference.Zs, atol=1e-6, rtol=0)


def test_gi_star_z_scores_match_pysal_with_a_distance_band():
    rng = np.random.default_rng(21)
    rows, cols, cell = 10, 9, 250.0
    counts = rng.poisson(0.8, (rows, cols)).astype(float)
    centres = np.array([[(c + 0.5) * cell, (r + 0.5) * cell] for r in range(rows) for c in range(cols)])
    weights = DistanceBand(centres, threshold=2.2 * cell, binary=True, silence_warnings=True)
    z = engine.gi_star(counts, engine.band_kernel(cell_m=cell, band_m=2.2 * cell))
    reference = G_Local(counts.ravel(), weights, transform="B", star=True, permutations=0)
    assert np.allclose(z.ravel(), reference.Zs, atol=1e-6, rtol=0)


def test_gi_star_of_a_flat_grid_is_zero():
    assert not engine.gi_star(np.full((4, 4), 3.0), engine.band_kernel(cell_m=1, band_m=1.5)).any()


def test_benjamini_hochberg_matches_scipy_and_bins_follow_arcgis():
    p = np.random.default_rng(3).uniform(0, 0.2, 200) ** 2
    assert np.allclose(engine.benjamini_hochberg(p), false_discovery_control(p), atol=1e-12)
    z = np.array([4.0, 2.5, 1.8, 0.5, -1.8, -2.5, -4.0])
    p_fdr = np.array([0.001, 0.03, 0.08, 0.5, 0.08, 0.03, 0.001])
    assert engine.gi_bins(z, p_fdr).tolist() == [3, 2, 1, 0, -1, -2, -3]
    assert engine.two_sided_p(np.array([1.959963985]))[0] == pytest.approx(0.05)


# --- Mann-Kendall and emerging hot spots --------------------------------------------------------


def brute_force_mann_kendall(x: list[float]) -> float:
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i, j in itertools.combinations(range(n), 2))
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    return 0.0 if s == 0 else (s - np.sign(s)) / np.sqrt(var)


def test_mann_kendall_matches_the_textbook_formula_with_ties():
    assert engine.mann_kendall(np.arange(10.0)[None])[0][0] == pytest.approx(44 / np.sqrt(125))
    series = np.random.default_rng(4).integers(0, 4, (50, 9)).astype(float)
    z, p = engine.mann_kendall(series)
    assert np.allclose(z, [brute_force_mann_kendall(list(row)) for row in series])
    assert np.allclose(p, engine.two_sided_p(z))
    assert engine.mann_kendall(np.ones((2, 2)))[1].tolist() == [1.0, 1.0]


H, C, o = 1, -1, 0
EHSA_CASES = [
    # (per-slice significance, oldest first; Mann-Kendall z, p; expected)
    ([o, o, o, o, o, o, o, o, o, H], 0, 1, T.NEW_HOT),
    ([o, o, o, o, o, o, o, H, H, H], 0, 1, T.CONSECUTIVE_HOT),
    ([H, H, H, H, H, H, H, H, H, H], 3, 0.001, T.INTENSIFYING_HOT),
    ([H, H, H, H, o, H, H, H, H, H], 0.5, 0.6, T.PERSISTENT_HOT),
    ([H, H, H, H, H, H, H, H, H, H], -3, 0.001, T.DIMINISHING_HOT),
    ([o, H, o, o, H, o, o, H, o, H], 0, 1, T.SPORADIC_HOT),
    ([o, o, H, H, o, o, o, H, H, H], 0, 1, T.SPORADIC_HOT),  # hot before the final run
    ([o, C, o, o, H, o, o, o, o, H], 0, 1, T.OSCILLATING_HOT),
    ([H, H, H, H, H, H, H, H, H, o], -2, 0.04, T.HISTORICAL_HOT),
    ([H, H, H, o, H, H, H, H, o, o], 0, 1, T.NO_PATTERN),  # 70 % hot, not hot now
    ([o, o, o, o, o, o, o, o, o, C], 0, 1, T.NEW_COLD),
    ([o, o, o, o, o, o, o, o, C, C], 0, 1, T.CONSECUTIVE_COLD),
    ([C, C, C, C, C, C, C, C, C, C], -3, 0.001, T.INTENSIFYING_COLD),
    ([C, C, C, C, C, C, C, C, C, C], 0, 1, T.PERSISTENT_COLD),
    ([C, C, C, C, C, C, C, C, C, C], 3, 0.001, T.DIMINISHING_COLD),
    ([o, C, o, o, C, o, o, C, o, C], 0, 1, T.SPORADIC_COLD),
    ([H, o, o, o, o, o, o, o, o, C], 0, 1, T.OSCILLATING_COLD),
    ([C, C, C, C, C, C, C, C, C, o], 0, 1, T.HISTORICAL_COLD),
    ([o, o, o, o, o, o, o, o, o, o], 3, 0.001, T.NO_PATTERN),
]


def test_emerging_hot_spot_categories_follow_the_arcgis_rules():
    states = np.array([case[0] for case in EHSA_CASES]).T  # slices x cells
    z = np.array([case[1] for case in EHSA_CASES], dtype=float)
    p = np.array([case[2] for case in EHSA_CASES], dtype=float)
    found = engine.ehsa_categories(states == H, states == C, z, p)
    assert found.tolist() == [case[3].value for case in EHSA_CASES]


def test_gistar_analysis_finds_a_new_and_a_persistent_hot_spot():
    rng = np.random.default_rng(8)
    slices, rows, cols = 6, 14, 14
    cube = rng.poisson(0.3, (slices, rows, cols)).astype(float)
    cube[-1, 3, 3] += 40  # hot only in the last slice
    cube[:, 10, 10] += 40  # hot throughout, no trend
    t, r, c = np.nonzero(cube)
    result = engine.gistar_analysis(
        c + 100, r + 200, t, cube[t, r, c], slices=slices, kernel=engine.band_kernel(cell_m=1, band_m=1.5)
    )
    assert (result.ix0, result.iy0) == (100, 200)
    assert result.category[3, 3] == T.NEW_HOT
    assert result.category[10, 10] == T.PERSISTENT_HOT
    assert result.bins[10, 10] == 3
    assert result.stored_mask()[10, 10] and result.counts.sum() == cube.sum()
