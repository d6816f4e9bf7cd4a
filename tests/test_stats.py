"""losscli.stats against scipy (a test oracle only): the t quantile, t intervals, the delta
method, and Chan's merge of streamed moments."""

import math

import numpy as np
import pytest

from losscli import stats

scipy_stats = pytest.importorskip("scipy.stats")

LEVELS = (0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999)
DFS = (*range(1, 40), 41, 99, 100, 101, 257, 500, 999, 1000, 1001, 1002, 4096, 10**5, 10**7)


@pytest.mark.parametrize("df", DFS)
def test_t_quantile_is_scipys(df):
    for level in LEVELS:
        p = (1 + level) / 2
        assert stats.t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-12, abs=0)
        assert stats.t_quantile(1 - p, df) == pytest.approx(scipy_stats.t.ppf(1 - p, df), rel=1e-12, abs=0)


def test_normal_quantile_is_scipys():
    for p in (1e-300, 1e-12, 1e-5, 0.01, 0.02425, 0.1, 0.3, 0.4999999, 0.5000001, 0.7, 0.975, 0.99999):
        assert stats.normal_quantile(p) == pytest.approx(scipy_stats.norm.ppf(p), rel=1e-14)


@pytest.mark.parametrize("n", [2, 3, 7, 30, 4095, 4097, 20000])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_t_interval_is_scipys(n, level):
    x = np.random.default_rng(n).lognormal(size=n)
    m = stats.Moments(1)
    m.add(x[:, None])
    ci = stats.interval(m, level)
    low, high = scipy_stats.t.interval(level, n - 1, loc=x.mean(), scale=scipy_stats.sem(x))
    assert (ci["low"], ci["high"]) == pytest.approx((low, high), rel=1e-12)
    assert ci["se"] == pytest.approx(scipy_stats.sem(x), rel=1e-12)
    assert ci["n"] == n and ci["method"] == "t" and ci["unit"] == "sample" and ci["level"] == level


def test_chunked_moments_do_not_depend_on_the_split():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(10000, 2))
    whole = stats.Moments(2)
    whole.add(x)
    whole.flush()
    for cuts in ([1, 4095, 4096, 9000], [17, 33, 5000], [9999]):
        m = stats.Moments(2)
        for part in np.split(x, cuts):
            m.add(part)
        m.flush()
        assert m.n == whole.n
        assert np.array_equal(m.mean, whole.mean) and np.array_equal(m.m2, whole.m2)


def test_chan_merge_equals_two_pass():
    x = np.random.default_rng(2).normal(1e6, 1.0, size=(3001, 2))  # a large mean: no cancellation
    m = stats.Moments.of(x[:1000]).merge(stats.Moments.of(x[1000:]))
    assert m.mean == pytest.approx(x.mean(axis=0), rel=1e-15)
    d = x - x.mean(axis=0)
    assert np.abs(m.m2 - d.T @ d).max() <= 1e-9 * len(x)


def test_delta_method_is_the_linearised_ratio_variance():
    rng = np.random.default_rng(3)
    w = rng.integers(0, 3, size=500).astype(float)  # a class weight per sample, 0 where ignored
    x = w * rng.exponential(size=500)
    m = stats.Moments(2)
    m.add(np.stack([x, w], axis=1))
    ci = stats.interval(m, 0.95)
    r = x.sum() / w.sum()
    # the delta method: Var(R) ~ Var(x - R w) / (n wbar^2), with the n - 1 sample variance
    se = math.sqrt(np.var(x - r * w, ddof=1) / len(x)) / w.mean()
    assert ci["method"] == "delta" and ci["se"] == pytest.approx(se, rel=1e-12)
    assert (ci["low"], ci["high"]) == pytest.approx(scipy_stats.t.interval(0.95, 499, loc=r, scale=se), rel=1e-12)


def test_one_sample_has_no_interval():
    m = stats.Moments(1)
    m.add(np.array([[1.0]]))
    ci = stats.interval(m, 0.95)
    assert ci["n"] == 1 and math.isnan(ci["low"]) and math.isnan(ci["se"])
