"""losscli.stats against scipy (a test oracle only): the t quantile, t intervals, the delta
method, Chan's merge of streamed moments, the bootstrap's Poisson weights and BCa."""

import json
import math

import numpy as np
import pytest

from helpers import assert_one_error_line, losscli, run
from losscli import engine, stats

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


def _text(a):
    return ",".join(map(repr, np.asarray(a).tolist()))


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


# --- BCa ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2])
def test_third_moments_merge_as_two_pass(k):
    x = np.random.default_rng(8).lognormal(size=(20000, k)) + 1e3  # an offset: no cancellation either
    whole = stats.Moments.of(x, third=True)
    for cuts in ([1, 4095, 4096, 9000, 13000], [17, 33, 5000], [19999]):  # 4 chunks and a part, merged in turn
        m = stats.Moments(k, third=True)
        for part in np.split(x, cuts):
            m.add(part)
        m.flush()
        d = x - x.mean(axis=0)
        expected = np.einsum("ni,nj,nk->ijk", d, d, d)
        np.testing.assert_allclose(m.m3, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
        np.testing.assert_allclose(whole.m3, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    back = stats.Moments.from_json(m.to_json())
    assert np.array_equal(back.m3, m.m3) and "m3" not in stats.Moments(1).to_json()


def _jackknife_acceleration(theta_i):
    """Efron and Tibshirani (1993) 14.15, as scipy.stats.bootstrap's BCa computes it."""
    u = (len(theta_i) - 1) * (theta_i.mean() - theta_i)
    return (u**3).sum() / (6 * ((u**2).sum()) ** 1.5)


def test_acceleration_is_the_jackknifes():
    rng = np.random.default_rng(9)
    x = rng.lognormal(0, 1.2, size=3000)
    m = stats.Moments(1, third=True)
    m.add(x[:, None])
    loo = (x.sum() - x) / (len(x) - 1)
    assert stats.acceleration(m) == pytest.approx(_jackknife_acceleration(loo), rel=1e-9)
    # a ratio mean: the exact leave-one-out ratios, against the linearised influence values
    w = rng.integers(0, 4, size=3000).astype(float)
    xr = w * x
    m2 = stats.Moments(2, third=True)
    m2.add(np.stack([xr, w], axis=1))
    loo = (xr.sum() - xr) / (w.sum() - w)
    exact = _jackknife_acceleration(loo)
    assert stats.acceleration(m2) == pytest.approx(exact, rel=10 * w.max() / w.sum())
    assert abs(exact) > 0.005  # a skewed set: the tolerance is far below the value


def _scipy_bootstrap(data, statistic, method, resamples, seed):
    return scipy_stats.bootstrap(data, statistic, n_resamples=resamples, method=method, paired=len(data) > 1,
                                 vectorized=True, rng=np.random.default_rng(seed))


@pytest.mark.parametrize("seed", [0, 1])
def test_bca_agrees_with_scipys_bca_within_monte_carlo_error(seed):
    """20,000 resamples of a skewed mean: two Monte Carlo estimates of BCa's quantiles agree to a
    few hundredths of the standard error, while the percentile interval is 0.2-0.6 se away."""
    x = np.random.default_rng(seed).lognormal(0, 1.2, size=400)
    m = stats.Moments(1, third=True)
    m.add(x[:, None])
    b = stats.Bootstrap(1, 20000, seed)
    b.add(x[:, None])
    ours = stats.bca_interval(m, b, 0.95)
    ref = _scipy_bootstrap((x,), lambda v, axis: v.mean(axis=axis), "BCa", 20000, seed)
    pct = _scipy_bootstrap((x,), lambda v, axis: v.mean(axis=axis), "percentile", 20000, seed)
    se = ref.standard_error
    assert ours["method"] == "bca" and ours["n"] == 400
    assert abs(ours["low"] - ref.confidence_interval.low) < 0.1 * se
    assert abs(ours["high"] - ref.confidence_interval.high) < 0.1 * se
    assert abs(pct.confidence_interval.high - ref.confidence_interval.high) > 0.15 * se  # BCa is not percentile


def test_bca_of_a_skewed_ratio_agrees_with_scipys_paired_bca():
    rng = np.random.default_rng(6)
    w = rng.integers(0, 4, size=500).astype(float)  # a sample's kept weight, 0 where ignored
    x = w * rng.lognormal(0, 1.5, size=500)
    m = stats.Moments(2, third=True)
    m.add(np.stack([x, w], axis=1))
    b = stats.Bootstrap(2, 20000, 6)
    b.add(np.stack([x, w], axis=1))
    ours = stats.bca_interval(m, b, 0.95)
    ratio = lambda a, c, axis: a.sum(axis=axis) / c.sum(axis=axis)  # noqa: E731
    ref = _scipy_bootstrap((x, w), ratio, "BCa", 20000, 6)
    pct = _scipy_bootstrap((x, w), ratio, "percentile", 20000, 6)
    se = ref.standard_error
    assert abs(ours["low"] - ref.confidence_interval.low) < 0.1 * se
    assert abs(ours["high"] - ref.confidence_interval.high) < 0.1 * se
    assert abs(pct.confidence_interval.high - ref.confidence_interval.high) > 0.15 * se


def test_bca_of_a_ratio_mean_agrees_with_scipys_paired_bca():
    """Weighted cross-entropy through the engine against scipy's paired BCa of sum(x) / sum(w)
    over torch's per-sample losses."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    logits, y = rng.normal(size=(600, 3)) * 2, rng.integers(0, 3, size=600)
    weight = np.array([0.2, 1.0, 3.0])
    inline = lambda a: ";".join(",".join(map(repr, r)) for r in a.tolist())  # noqa: E731
    r = engine.run(engine.Invocation("cross-entropy", {"pred": inline(logits), "target": _text(y), "weight": _text(weight)},
                                     ci=0.9, ci_method="bca", resamples=20000, seed=3))
    x = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y), weight=torch.tensor(weight),
                                          reduction="none").numpy()
    w = weight[y]
    ref = scipy_stats.bootstrap((x, w), lambda a, b, axis: a.sum(axis=axis) / b.sum(axis=axis), n_resamples=20000,
                                method="BCa", paired=True, vectorized=True, confidence_level=0.9,
                                rng=np.random.default_rng(3))
    se = ref.standard_error
    assert r.ci["method"] == "bca" and r.ci["level"] == 0.9
    assert abs(r.ci["low"] - ref.confidence_interval.low) < 0.1 * se
    assert abs(r.ci["high"] - ref.confidence_interval.high) < 0.1 * se


def test_bca_from_the_command_line_merges_across_shards(tmp_path):
    x = np.random.default_rng(4).lognormal(0, 1.5, size=900)
    boot = ["--ci", "0.95", "--ci-method", "bca", "--resamples", "500", "--seed", "2", "-f", "json"]
    whole = json.loads(run("l1", "-p", _text(x), "-t", _text(np.zeros(900)), *boot).stdout)
    shards = []
    for lo, hi in [(0, 300), (300, 900)]:
        out = run("l1", "-p", _text(x[lo:hi]), "-t", _text(np.zeros(hi - lo)), *boot, "--sample-offset", str(lo))
        shards.append(tmp_path / f"{lo}.json")
        shards[-1].write_text(out.stdout)
    merged = json.loads(run("merge", *map(str, shards), "-f", "json").stdout)
    assert whole["ci"]["method"] == merged["ci"]["method"] == "bca"
    for key in ("low", "high", "se"):
        assert merged["ci"][key] == pytest.approx(whole["ci"][key], rel=1e-12)
    percentile = json.loads(run("l1", "-p", _text(x), "-t", _text(np.zeros(900)), *boot[:2], "--ci-method",
                                "bootstrap", *boot[4:]).stdout)
    assert percentile["ci"]["high"] < whole["ci"]["high"]  # a right-skewed mean: BCa reaches further up
    analytic = tmp_path / "t.json"
    analytic.write_text(run("l1", "-p", _text(x[300:]), "-t", _text(np.zeros(600)), "--ci", "0.95", "-f", "json").stdout)
    assert_one_error_line(losscli("merge", str(shards[0]), str(analytic)), ["bca"])


def test_the_cost_table_script_runs(capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "bootstrap_cost.py"
    spec = importlib.util.spec_from_file_location("bootstrap_cost", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--sizes", "1e3,2e3", "--resamples", "10,20", "--repeat", "1", "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| N samples | B resamples | wall | CPU | ns per draw |" in out
    assert out.count("\n| 1,000 |") == 2 and out.count("\n| 2,000 |") == 2
