"""The numeric core of the hotspot engine: weighted DBSCAN, Getis-Ord Gi*, Benjamini-Hochberg,
Mann-Kendall and the emerging-hotspot rules.

Everything here works on arrays that PostGIS has already put in metres (EPSG:27700) and
aggregated (identical coordinates or grid cells with their counts); no degrees, no database.
Results are deterministic: ties are broken by coordinates, never by input order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.stats import norm

from ebikeops.core import fields

from .models import TrendCategory

ALGORITHM_VERSION = "hotspots/1"
NOISE = -1
# The pairs each exact-mode chunk may produce before the chunk is split (memory bound).
_EXACT_CHUNK = 20_000
_EPS_TOLERANCE = 1e-9  # float slack for "within eps" on stencil offsets


def code_version() -> str:
    return fields.code_version(ALGORITHM_VERSION)


# --- DBSCAN ------------------------------------------------------------------------------------


def _finish(n: int, core: np.ndarray, edges_a: np.ndarray, edges_b: np.ndarray) -> np.ndarray:
    """Connected components of the core sites joined by `edges` (both ends core)."""
    labels = np.full(n, NOISE, dtype=np.int64)
    core_idx = np.flatnonzero(core)
    if core_idx.size == 0:
        return labels
    position = np.full(n, -1, dtype=np.int64)
    position[core_idx] = np.arange(core_idx.size)
    graph = sparse.coo_matrix(
        (np.ones(edges_a.size, dtype=np.int8), (position[edges_a], position[edges_b])),
        shape=(core_idx.size, core_idx.size),
    )
    _, component = connected_components(graph, directed=False)
    labels[core_idx] = component
    return labels


def _relabel(labels: np.ndarray, weights: np.ndarray, order_keys: np.ndarray) -> np.ndarray:
    """Clusters renumbered 0.. by weight (descending), ties by their first site in
    `order_keys` order, so the numbering never depends on the input order."""
    out = np.full(labels.size, NOISE, dtype=np.int64)
    clustered = labels >= 0
    if not clustered.any():
        return out
    ids = labels[clustered]
    totals = np.bincount(ids, weights=weights[clustered])
    first = np.full(totals.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, ids, order_keys[clustered])
    present = np.flatnonzero(totals > 0)
    ranking = present[np.lexsort((first[present], -totals[present]))]
    new_id = np.full(totals.size, NOISE, dtype=np.int64)
    new_id[ranking] = np.arange(ranking.size)
    out[clustered] = new_id[ids]
    return out


def dbscan_exact(xy: np.ndarray, weights: np.ndarray, *, eps_m: float, min_points: int) -> np.ndarray:
    """Point-level DBSCAN over distinct coordinates `xy` (metres, n x 2) that stand for
    `weights` identical seizures each. Returns a cluster label per row (-1 = noise).

    A site is core when the seizures within eps_m (its own included, distance <= eps_m) number
    at least min_points: exactly DBSCAN over the expanded points. A border site joins the
    cluster of its nearest core site (ties: the lowest cluster number), which is one of the
    partitions DBSCAN itself may return.
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    order = np.lexsort((xy[:, 1], xy[:, 0]))  # chunks of neighbouring sites keep pair lists short
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    tree = cKDTree(xy)
    pair_i, pair_j, pair_d = [], [], []
    neighbourhood = np.zeros(n)
    for start in range(0, n, _EXACT_CHUNK):
        rows = order[start : start + _EXACT_CHUNK]
        found = cKDTree(xy[rows]).sparse_distance_matrix(tree, eps_m, output_type="ndarray")
        i = rows[found["i"]]
        j = found["j"]
        neighbourhood += np.bincount(i, weights=weights[j], minlength=n)
        keep = i != j
        pair_i.append(i[keep].astype(np.int64))
        pair_j.append(j[keep].astype(np.int64))
        pair_d.append(found["v"][keep])
    i = np.concatenate(pair_i)
    j = np.concatenate(pair_j)
    d = np.concatenate(pair_d)
    core = neighbourhood >= min_points - 1e-9
    both = core[i] & core[j] & (i < j)
    labels = _finish(n, core, i[both], j[both])
    labels = _relabel(labels, weights, rank)
    # Border sites: nearest core neighbour, then the lowest cluster number.
    border = ~core[i] & core[j]
    if border.any():
        bi, bj, bd = i[border], j[border], d[border]
        pick = np.lexsort((labels[bj], bd, bi))
        bi, bj = bi[pick], bj[pick]
        first = np.ones(bi.size, dtype=bool)
        first[1:] = bi[1:] != bi[:-1]
        labels[bi[first]] = labels[bj[first]]
    return _relabel(labels, weights, rank)  # numbered by size with the border sites counted


@dataclass(frozen=True)
class Stencil:
    """Cell offsets (dx, dy) whose centres lie within a radius, nearest first."""

    dx: np.ndarray
    dy: np.ndarray
    reach: int  # the largest |offset| in cells

    @classmethod
    def within(cls, radius_cells: float) -> Stencil:
        reach = int(np.floor(radius_cells + _EPS_TOLERANCE))
        span = np.arange(-reach, reach + 1)
        dx, dy = np.meshgrid(span, span)
        dx, dy = dx.ravel(), dy.ravel()
        d2 = dx.astype(float) ** 2 + dy.astype(float) ** 2
        inside = d2 <= radius_cells**2 + _EPS_TOLERANCE
        dx, dy, d2 = dx[inside], dy[inside], d2[inside]
        order = np.lexsort((dx, dy, d2))
        return cls(dx=dx[order], dy=dy[order], reach=reach)


_KEY_SHIFT = np.int64(1) << np.int64(32)


def _cell_keys(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """One sortable int64 per cell: rows (iy) major, columns (ix) minor."""
    return iy.astype(np.int64) * _KEY_SHIFT + ix.astype(np.int64)


# Grids up to this many cells (with a margin) are looked up through a dense index array
# (4 bytes a cell, small enough to stay in cache); larger extents use binary search over the
# sorted cell keys, which measured faster than a dense array that does not fit in cache.
DENSE_LOOKUP_CELLS = 2_000_000


class _CellLookup:
    """Positions of occupied cells, by column and row, in the sorted order of `keys`."""

    def __init__(self, ix: np.ndarray, iy: np.ndarray, keys: np.ndarray, reach: int):
        self.ix, self.iy, self.keys, self.n = ix, iy, keys, len(keys)
        self.x0, self.y0 = int(ix.min()) - reach, int(iy.min()) - reach
        width, height = int(ix.max()) + reach + 1 - self.x0, int(iy.max()) + reach + 1 - self.y0
        self.dense = None
        if width * height <= DENSE_LOOKUP_CELLS:
            self.dense = np.full((height, width), -1, dtype=np.int32)
            self.dense[iy - self.y0, ix - self.x0] = np.arange(self.n, dtype=np.int32)

    def find(self, among: np.ndarray, dx: int, dy: int) -> np.ndarray:
        """For the cells at positions `among`, the position of the cell (dx, dy) away, or -1."""
        if self.dense is not None:
            return self.dense[self.iy[among] - self.y0 + dy, self.ix[among] - self.x0 + dx].astype(np.int64)
        target = self.keys[among] + dy * _KEY_SHIFT + dx
        pos = np.minimum(np.searchsorted(self.keys, target), self.n - 1)
        return np.where(self.keys[pos] == target, pos, -1)


def dbscan_grid(
    ix: np.ndarray, iy: np.ndarray, weights: np.ndarray, *, grid_m: float, eps_m: float, min_points: int
) -> np.ndarray:
    """The fast mode: DBSCAN over occupied grid cells (column ix, row iy of side grid_m),
    each standing for `weights` seizures at its centre. Returns a label per cell (-1 = noise).

    Two cells are neighbours when their centres are within eps_m, so every neighbourhood is a
    fixed stencil of cell offsets, and each step is one vectorised lookup per offset (no pair
    lists, no tree). The clustering differs from point-level DBSCAN only where a distance is
    within grid_m * sqrt(2) of eps_m.
    """
    n = len(ix)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    keys = _cell_keys(ix, iy)
    order = np.argsort(keys, kind="stable")
    keys, weights_sorted = keys[order], weights[order]
    if np.any(keys[1:] == keys[:-1]):
        raise ValueError("dbscan_grid needs one row per occupied cell")
    ix_sorted, iy_sorted = np.asarray(ix)[order].astype(np.int64), np.asarray(iy)[order].astype(np.int64)
    stencil = Stencil.within(eps_m / grid_m)
    lookup = _CellLookup(ix_sorted, iy_sorted, keys, stencil.reach)
    everyone = np.arange(n)

    # Weighted neighbourhood: the seizures of every cell in the stencil, its own included.
    neighbourhood = np.zeros(n)
    if lookup.dense is not None:
        for dx, dy in zip(stencil.dx, stencil.dy, strict=True):
            pos = lookup.find(everyone, int(dx), int(dy))
            hit = pos >= 0
            neighbourhood[hit] += weights_sorted[pos[hit]]
    else:  # each stencil row is a contiguous run of keys: two binary searches per row
        prefix = np.concatenate(([0.0], np.cumsum(weights_sorted)))
        for dy in np.unique(stencil.dy):
            reach = int(np.abs(stencil.dx[stencil.dy == dy]).max())
            low = np.searchsorted(keys, keys + int(dy) * _KEY_SHIFT - reach, side="left")
            high = np.searchsorted(keys, keys + int(dy) * _KEY_SHIFT + reach, side="right")
            neighbourhood += prefix[high] - prefix[low]
    core = neighbourhood >= min_points - 1e-9

    # Core cells within the stencil are joined; half the stencil finds each pair once.
    half = (stencil.dy > 0) | ((stencil.dy == 0) & (stencil.dx > 0))
    core_idx = np.flatnonzero(core)
    edges_a, edges_b = [], []
    for dx, dy in zip(stencil.dx[half], stencil.dy[half], strict=True):
        pos = lookup.find(core_idx, int(dx), int(dy))
        hit = pos >= 0
        hit[hit] = core[pos[hit]]
        edges_a.append(core_idx[hit])
        edges_b.append(pos[hit])
    a = np.concatenate(edges_a) if edges_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(edges_b) if edges_b else np.zeros(0, dtype=np.int64)
    labels_sorted = _finish(n, core, a, b)
    # Ties in size go to the cluster with the westernmost (then southernmost) cell, as in
    # dbscan_exact, so both modes number equal clusters alike.
    west_first = np.empty(n, dtype=np.int64)
    west_first[np.lexsort((iy_sorted, ix_sorted))] = np.arange(n)
    labels_sorted = _relabel(labels_sorted, weights_sorted, west_first)

    # Border cells: the nearest core cell (stencil order), ties by the lowest cluster number.
    pending = np.flatnonzero(~core)
    best = np.full(pending.size, np.iinfo(np.int64).max, dtype=np.int64)
    best_d2 = np.full(pending.size, np.inf)
    d2_all = stencil.dx.astype(float) ** 2 + stencil.dy.astype(float) ** 2
    for dx, dy, d2 in zip(stencil.dx, stencil.dy, d2_all, strict=True):
        if pending.size == 0:
            break
        pos = lookup.find(pending, int(dx), int(dy))
        hit = pos >= 0
        hit[hit] = core[pos[hit]]
        candidate = np.where(hit, labels_sorted[np.maximum(pos, 0)], best)
        better = hit & ((d2 < best_d2) | ((d2 == best_d2) & (candidate < best)))
        best = np.where(better, candidate, best)
        best_d2 = np.where(better, d2, best_d2)
    found = best_d2 < np.inf
    labels_sorted[pending[found]] = best[found]
    labels_sorted = _relabel(labels_sorted, weights_sorted, west_first)  # sizes with the border cells

    labels = np.empty(n, dtype=np.int64)
    labels[order] = labels_sorted
    return labels


# --- Getis-Ord Gi* -----------------------------------------------------------------------------


def band_kernel(*, cell_m: float, band_m: float) -> np.ndarray:
    """Binary distance-band weights on the grid: 1 for cells whose centres lie within band_m
    of the middle cell, itself included (Gi*)."""
    stencil = Stencil.within(band_m / cell_m)
    size = 2 * stencil.reach + 1
    kernel = np.zeros((size, size))
    kernel[stencil.dy + stencil.reach, stencil.dx + stencil.reach] = 1.0
    return kernel


def gi_star(counts: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gi* z-scores for every cell of a 2-D (or stacked 3-D: slices x rows x cols) grid of
    counts, with binary weights `kernel` including the cell itself.

    z_i = (sum_j w_ij x_j - mean * W_i) / (S * sqrt((n W_i - W_i^2) / (n - 1))), with n the
    cells of the grid, S the population standard deviation and W_i the weights of cell i
    (fewer at the grid's edge). A grid without variation gives z = 0 everywhere.
    """
    grid = np.asarray(counts, dtype=np.float64)
    if grid.ndim == 2:
        return gi_star(grid[None], kernel)[0]
    slices, rows, cols = grid.shape
    n = rows * cols
    ones = np.ones((rows, cols))
    weights = ndimage.correlate(ones, kernel, mode="constant", cval=0.0)
    z = np.zeros_like(grid)
    if n < 2:
        return z
    denominator_shape = np.sqrt(np.maximum(n * weights - weights**2, 0.0) / (n - 1))
    for t in range(slices):
        x = grid[t]
        mean = x.mean()
        s = np.sqrt(max((x**2).mean() - mean**2, 0.0))
        if s <= 0:
            continue
        local = ndimage.correlate(x, kernel, mode="constant", cval=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            zt = (local - mean * weights) / (s * denominator_shape)
        z[t] = np.where(denominator_shape > 0, zt, 0.0)
    return z


def two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * norm.sf(np.abs(z))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of a flat array; p_fdr <= alpha exactly
    where the BH procedure at level alpha rejects."""
    p = np.asarray(p, dtype=np.float64).ravel()
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def gi_bins(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """ArcGIS Gi_Bin: +-3 at 99 %, +-2 at 95 %, +-1 at 90 % confidence (on the FDR-adjusted
    p-value), 0 not significant; the sign is the z-score's."""
    level = np.where(p_fdr < 0.01, 3, np.where(p_fdr < 0.05, 2, np.where(p_fdr < 0.10, 1, 0)))
    return (np.sign(z) * level).astype(np.int8)


# --- Mann-Kendall and emerging hot spots ---------------------------------------------------------


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann-Kendall trend test on each row of `series` (cells x slices): (z, two-sided p),
    with the ties correction of the variance. Fewer than 3 slices, or no variation: z = 0, p = 1.
    """
    series = np.asarray(series, dtype=np.float64)
    cells, t = series.shape
    if t < 3 or cells == 0:
        return np.zeros(cells), np.ones(cells)
    s = np.zeros(cells)
    for k in range(t - 1):
        s += np.sign(series[:, k + 1 :] - series[:, k : k + 1]).sum(axis=1)
    # Ties: groups of equal values within each row.
    ordered = np.sort(np.round(series, 12), axis=1)
    starts = np.ones_like(ordered, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts, axis=1) - 1 + (np.arange(cells) * t)[:, None]
    sizes = np.bincount(group.ravel(), minlength=cells * t).reshape(cells, t).astype(np.float64)
    ties = (sizes * (sizes - 1) * (2 * sizes + 5)).sum(axis=1)
    variance = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(variance), np.where(s < 0, (s + 1) / np.sqrt(variance), 0.0))
    z = np.where(variance > 0, z, 0.0)
    return z, two_sided_p(z)


EHSA_ALPHA = 0.05  # a slice's cell counts as hot or cold at FDR-adjusted p < 0.05
EHSA_MAJORITY = 0.9  # "at least 90 percent of the time slices"
TREND_ALPHA = 0.05  # Mann-Kendall significance for intensifying / diminishing


def ehsa_categories(hot: np.ndarray, cold: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray) -> np.ndarray:
    """Emerging hot spot category per cell from per-slice significance (`hot`, `cold`: slices
    x cells booleans, the last slice most recent) and the Mann-Kendall trend of its Gi* z.
    Rules: docs/methods/hotspots.md, 'Emerging hot spots: the trend'."""
    slices, cells = hot.shape
    out = np.full(cells, TrendCategory.NO_PATTERN.value, dtype=object)
    if slices == 0:
        return out
    # "Never significant before" means neither hot nor cold (as sfdep and ArcGIS read it).
    significant = (hot | cold).sum(axis=0)
    rising = (trend_p < TREND_ALPHA) & (trend_z > 0)
    falling = (trend_p < TREND_ALPHA) & (trend_z < 0)
    for sign, this, other, names in (
        (1, hot, cold, _HOT),
        (-1, cold, hot, _COLD),
    ):
        count = this.sum(axis=0)
        final = this[-1]
        majority = count >= EHSA_MAJORITY * slices
        # Length of the uninterrupted run of significant slices that ends with the last one.
        tail = np.zeros(cells, dtype=np.int64)
        alive = np.ones(cells, dtype=bool)
        for t in range(slices - 1, -1, -1):
            alive &= this[t]
            tail += alive
        stronger = rising if sign > 0 else falling
        weaker = falling if sign > 0 else rising
        ever_other = other.any(axis=0)
        rules = [
            (final & majority & stronger, names["intensifying"]),
            (final & majority & weaker, names["diminishing"]),
            (final & majority, names["persistent"]),
            (final & (significant == 1), names["new"]),
            (final & (tail >= 2) & (significant == tail), names["consecutive"]),
            (final & ever_other, names["oscillating"]),
            (final, names["sporadic"]),
            (~final & majority, names["historical"]),
        ]
        undecided = out == TrendCategory.NO_PATTERN.value
        for mask, name in rules:
            pick = undecided & mask
            out[pick] = name
            undecided &= ~pick
    return out


_HOT = {
    "new": TrendCategory.NEW_HOT.value,
    "consecutive": TrendCategory.CONSECUTIVE_HOT.value,
    "intensifying": TrendCategory.INTENSIFYING_HOT.value,
    "persistent": TrendCategory.PERSISTENT_HOT.value,
    "diminishing": TrendCategory.DIMINISHING_HOT.value,
    "sporadic": TrendCategory.SPORADIC_HOT.value,
    "oscillating": TrendCategory.OSCILLATING_HOT.value,
    "historical": TrendCategory.HISTORICAL_HOT.value,
}
_COLD = {
    "new": TrendCategory.NEW_COLD.value,
    "consecutive": TrendCategory.CONSECUTIVE_COLD.value,
    "intensifying": TrendCategory.INTENSIFYING_COLD.value,
    "persistent": TrendCategory.PERSISTENT_COLD.value,
    "diminishing": TrendCategory.DIMINISHING_COLD.value,
    "sporadic": TrendCategory.SPORADIC_COLD.value,
    "oscillating": TrendCategory.OSCILLATING_COLD.value,
    "historical": TrendCategory.HISTORICAL_COLD.value,
}


@dataclass
class GiStarResult:
    """Gi* over the whole window plus the emerging-hotspot trend, on a dense grid whose
    cell (r, c) is column ix0 + c, row iy0 + r."""

    ix0: int
    iy0: int
    counts: np.ndarray  # rows x cols
    z: np.ndarray
    p: np.ndarray
    p_fdr: np.ndarray
    bins: np.ndarray
    category: np.ndarray  # object array of TrendCategory values
    trend_z: np.ndarray  # NaN where not computed
    trend_p: np.ndarray

    def stored_mask(self) -> np.ndarray:
        """Cells worth storing: with seizures, significant, or with a trend."""
        return (self.counts > 0) | (self.bins != 0) | (self.category != TrendCategory.NO_PATTERN.value)


def gistar_analysis(
    ix: np.ndarray,
    iy: np.ndarray,
    slice_index: np.ndarray,
    counts: np.ndarray,
    *,
    slices: int,
    kernel: np.ndarray,
) -> GiStarResult:
    """Gi* of the total counts per cell and, per time slice, Gi* + Mann-Kendall + EHSA.

    The grid is the bounding box of the occupied cells; rows (ix, iy, slice_index, count)
    give the seizures per cell and slice.
    """
    ix0, iy0 = int(ix.min()), int(iy.min())
    rows, cols = int(iy.max()) - iy0 + 1, int(ix.max()) - ix0 + 1
    cube = np.zeros((max(slices, 1), rows, cols))
    np.add.at(cube, (slice_index, iy - iy0, ix - ix0), counts)
    total = cube.sum(axis=0)
    z = gi_star(total, kernel)
    p = two_sided_p(z)
    p_fdr = benjamini_hochberg(p.ravel()).reshape(p.shape)
    bins = gi_bins(z, p_fdr)

    slice_z = gi_star(cube, kernel).reshape(cube.shape[0], -1)
    slice_q = np.vstack([benjamini_hochberg(two_sided_p(row)) for row in slice_z])
    hot = (slice_q < EHSA_ALPHA) & (slice_z > 0)
    cold = (slice_q < EHSA_ALPHA) & (slice_z < 0)
    flat_counts = total.ravel()
    # Mann-Kendall where it can matter (any significant slice) or is shown (occupied cells).
    wanted = (flat_counts > 0) | hot.any(axis=0) | cold.any(axis=0)
    trend_z = np.full(flat_counts.size, np.nan)
    trend_p = np.full(flat_counts.size, np.nan)
    if slices >= 3 and wanted.any():
        tz, tp = mann_kendall(slice_z[:, wanted].T)
        trend_z[wanted], trend_p[wanted] = tz, tp
    category = ehsa_categories(hot, cold, np.nan_to_num(trend_z), np.nan_to_num(trend_p, nan=1.0))
    return GiStarResult(
        ix0=ix0,
        iy0=iy0,
        counts=total,
        z=z,
        p=p,
        p_fdr=p_fdr,
        bins=bins,
        category=category.reshape(total.shape),
        trend_z=trend_z.reshape(total.shape),
        trend_p=trend_p.reshape(total.shape),
    )
