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


# --- the bootstrap's Poisson weights ----------------------------------------------------------


def _reference_weights(seed, chunk, resamples):
    """The weights as specified, one draw at a time: the inverse CDF of Poisson(1) at a 32-bit
    uniform whose top byte is the chunk's next byte from Philox(key=[seed, chunk]); a byte whose
    cell [c 2^24, (c+1) 2^24) holds a threshold takes its low 24 bits from the words that follow
    the chunk's bytes, in row-major order. Thresholds from scipy's Poisson CDF."""
    n = stats.CHUNK * resamples
    thresholds = np.floor(scipy_stats.poisson.cdf(np.arange(14), 1.0) * 2.0**32).astype(np.uint64)
    draw = lambda u: np.count_nonzero(u[:, None] >= thresholds, axis=1)  # noqa: E731
    bits = np.random.Philox(key=[seed, chunk])
    cell = bits.random_raw(-(-n // 8)).view(np.uint8)[:n].astype(np.uint64) << np.uint64(24)
    split = draw(cell) != draw(cell | np.uint64(2**24 - 1))
    u = cell.copy()
    u[split] |= bits.random_raw(int(split.sum())) & np.uint64(2**24 - 1)
    return draw(u).reshape(stats.CHUNK, resamples), split.mean()


@pytest.mark.parametrize("seed,chunk,resamples", [(0, 0, 200), (7, 123, 31), (2**40, 5, 1000)])
def test_weights_are_the_inverse_cdf_of_32_bit_uniforms(seed, chunk, resamples):
    expected, split_share = _reference_weights(seed, chunk, resamples)
    assert np.array_equal(stats.poisson_weights(seed, chunk, resamples), expected)
    assert 0.015 < split_share < 0.025  # 5 of 256 cells are resolved on 32 bits


def test_weights_follow_poisson_1_to_the_tail():
    w = np.concatenate([stats.poisson_weights(3, c, 1000).ravel() for c in range(4)])  # 16M draws
    for k in range(1, 8):  # P(X >= k): the standard error of a share is below 1e-4 here
        p = scipy_stats.poisson.sf(k - 1, 1.0)
        assert abs(np.mean(w >= k) - p) < 5 * math.sqrt(p * (1 - p) / w.size), k
    assert w.max() <= 14


@pytest.mark.parametrize("first,n", [(0, 4096), (0, 1), (63, 2), (100, 2900), (4000, 96), (1, 4095)])
@pytest.mark.parametrize("k", [1, 2])
def test_weighted_sums_are_the_product_with_the_weights(first, n, k):
    x = np.random.default_rng(n).lognormal(size=(n, k))
    w = stats.poisson_weights(4, 9, 300)[first : first + n]
    got = stats.weighted_sums(4, 9, 300, x, first)
    assert got.shape == (k, 300)
    np.testing.assert_allclose(got, x.T @ w, rtol=1e-13)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(stats, "CHUNK", 256)  # 4 tiles a chunk, many chunks a set


@pytest.mark.parametrize("k", [1, 2])
def test_bootstrap_sums_are_the_same_bits_in_any_blocks(small_chunks, k):
    x = np.random.default_rng(k).exponential(size=(3000, k))
    whole = stats.Bootstrap(k, 50, 11)
    whole.add(x)
    whole.flush()
    rng = np.random.default_rng(0)
    for _ in range(5):
        cuts = np.sort(rng.choice(np.arange(1, 3000), size=rng.integers(1, 30), replace=False))
        b = stats.Bootstrap(k, 50, 11)
        for part in np.split(x, cuts):
            b.add(part)
        b.flush()
        assert np.array_equal(b.num, whole.num) and np.array_equal(b.den, whole.den)


def test_shards_keyed_by_their_offset_add_up_to_the_whole(small_chunks):
    x = np.random.default_rng(5).exponential(size=(3000, 1))
    whole = stats.Bootstrap(1, 40, 2).flush()
    whole.add(x)
    merged = stats.Bootstrap(1, 40, 2)
    for lo, hi in [(0, 100), (100, 1000), (1000, 1001), (1001, 3000)]:
        shard = stats.Bootstrap(1, 40, 2, offset=lo)
        shard.add(x[lo:hi])
        merged.merge(shard)
    np.testing.assert_allclose(merged.estimates(), whole.estimates(), rtol=1e-13)
    assert np.array_equal(merged.den, whole.flush().den)  # whole-number weights add up exactly
