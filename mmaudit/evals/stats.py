"""Intervals and curve figures for measured quality: Wilson, a seeded bootstrap, APGR and CPT.

The bootstrap resamples from a histogram (distinct value -> count) with one multinomial draw per
replicate, so its cost depends on the number of distinct values, not on the number of calls:
scores are usually 0/1, a 1-10 judge scale or a handful of cell means. Calls that share an item
(a prompt template sent a thousand times) are one cluster: resampling them one by one would
pretend a thousand independent measurements and give an interval far too narrow.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
BOOTSTRAP_REPLICATES = 2000
_CHUNK = 250  # replicates drawn at a time, so memory stays at CHUNK x distinct values


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    method: str  # "wilson", "bootstrap" or "exact" (no spread)


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (good near 0 and 1, unlike the normal one)."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def seed_of(text: str) -> int:
    """A numpy seed from a text seed (the simulate --seed), stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def bootstrap_mean(values: Sequence[float], counts: Sequence[int], seed: str,
                   replicates: int = BOOTSTRAP_REPLICATES, sizes: Sequence[int] | None = None) -> tuple[float, float]:
    """Percentile 95% interval of a mean, resampling clusters with replacement `replicates` times
    (seeded: two runs agree).

    The sample is a histogram of clusters: `counts[i]` clusters each holding `sizes[i]` calls
    whose scores sum to `values[i]` (sizes all 1: plain calls). Calls that share an item share
    its score, so they are resampled together; the estimate is the ratio of summed scores to
    summed calls."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=np.int64)
    z = np.ones_like(v) if sizes is None else np.asarray(sizes, dtype=float)
    k = int(c.sum())
    if k == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed_of(seed))
    p = c / k
    means = []
    for start in range(0, replicates, _CHUNK):
        draws = rng.multinomial(k, p, size=min(_CHUNK, replicates - start))
        means.append((draws @ v) / (draws @ z))
    all_means = np.concatenate(means)
    return (float(np.quantile(all_means, 0.025)), float(np.quantile(all_means, 0.975)))


def mean_interval(values: Sequence[float], counts: Sequence[int], seed: str,
                  sizes: Sequence[int] | None = None, proportion: bool = True) -> Interval:
    """Mean with its 95% interval: Wilson when every value is a single 0/1 outcome (success),
    else the (cluster) bootstrap. Arguments as `bootstrap_mean`; `proportion=False` for values
    that are not outcomes (a difference of two scores that happens to be 0 or 1 everywhere is
    no proportion: all zeros read as Wilson's 0 of 10, [0, 0.28])."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=np.int64)
    z = np.ones_like(v) if sizes is None else np.asarray(sizes, dtype=float)
    n = float((c * z).sum())
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, "exact")
    mean = float((v * c).sum() / n)
    if proportion and np.all(z == 1) and np.all((v == 0) | (v == 1)):  # successes: 10 of 10 still has an interval
        low, high = wilson(float(c[v == 1].sum()), int(n))
        return Interval(mean, low, high, "wilson")
    if len(v) == 1:
        return Interval(mean, mean, mean, "exact")
    low, high = bootstrap_mean(v, c, seed, sizes=z)
    return Interval(mean, low, high, "bootstrap" if np.all(z == 1) else "cluster bootstrap")


@dataclass(frozen=True)
class CurveFigures:
    apgr: float | None
    cpt50: float | None
    cpt80: float | None


def pgr(quality: float, weak: float, strong: float) -> float | None:
    """Performance gap recovered: 0 at the weak model's quality, 1 at the strong one's."""
    if strong == weak:
        return None
    return (quality - weak) / (strong - weak)


def curve_figures(shares: Sequence[float], qualities: Sequence[float], weak: float, strong: float) -> CurveFigures:
    """RouteLLM's APGR and CPT over (strong-call share, quality) points.

    APGR: the trapezoid area under PGR over the shares the points cover, divided by that width
    (RouteLLM's (AUC - weak AUC) / (strong AUC - weak AUC) is the same number). CPT(x): the
    smallest strong-call share at which the piecewise-linear curve reaches PGR x (RouteLLM's
    np.interp, which agrees when quality rises with share); None when it never does.
    """
    if strong == weak or len(shares) < 2:
        return CurveFigures(None, None, None)
    order = np.argsort(np.asarray(shares, dtype=float), kind="stable")
    x = np.asarray(shares, dtype=float)[order]
    g = (np.asarray(qualities, dtype=float)[order] - weak) / (strong - weak)
    width = x[-1] - x[0]
    area = float(np.sum((x[1:] - x[:-1]) * (g[1:] + g[:-1]) / 2))
    apgr = area / width if width > 0 else None
    return CurveFigures(apgr, _reach(x, g, 0.5), _reach(x, g, 0.8))


def _reach(x: np.ndarray, g: np.ndarray, target: float) -> float | None:
    if g[0] >= target:
        return float(x[0])
    for i in range(1, len(x)):  # a sweep has a handful of points
        if g[i] >= target:
            return float(x[i - 1] + (target - g[i - 1]) / (g[i] - g[i - 1]) * (x[i] - x[i - 1]))
    return None
