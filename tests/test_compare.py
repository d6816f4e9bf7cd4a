"""losscli compare: paired differences against scipy (t.interval on torch's per-sample
differences, permutation_test's exact p-value), the permutation test's calibration under no
difference (uniform p-values, false-positive rate), the gates and the JSON contract."""

import json

import numpy as np
import pytest

from helpers import assert_one_error_line, run
from losscli import stats

scipy_stats = pytest.importorskip("scipy.stats")
torch = pytest.importorskip("torch")


def _text(a):
    return ",".join(map(repr, np.asarray(a).tolist()))


@pytest.mark.parametrize("n", [4, 12, 20])
def test_exact_permutation_p_and_interval_are_scipys(n):
    rng = np.random.default_rng(n)
    target = rng.normal(size=n)
    new, old = target + rng.normal(0, 0.8, size=n), target + rng.normal(0, 1.0, size=n)
    out = run("compare", "mse", "--pred", _text(new), "--baseline", _text(old), "--target", _text(target), "-f", "json")
    obj = json.loads(out.stdout)
    mse = lambda p: torch.nn.functional.mse_loss(torch.tensor(p), torch.tensor(target), reduction="none").numpy()  # noqa: E731
    d = mse(new) - mse(old)
    ref = scipy_stats.permutation_test((d,), np.mean, permutation_type="samples", n_resamples=np.inf, vectorized=True)
    assert obj["p_value"]["permutation"] == ref.pvalue
    assert obj["permutation"] == {"method": "exact", "flips": 2**n, "mc_error": 0.0}
    low, high = scipy_stats.t.interval(0.95, n - 1, loc=d.mean(), scale=scipy_stats.sem(d))
    assert (obj["ci"]["low"], obj["ci"]["high"]) == pytest.approx((low, high), rel=1e-12)
    assert obj["difference"] == pytest.approx(d.mean(), rel=1e-12, abs=1e-15)
    assert list(obj)[:9] == ["loss", "value", "baseline", "difference", "ci", "p_value", "n", "params", "signature"]
    assert obj["n"] == n and set(obj["p_value"]) == {"bootstrap", "permutation"}


def test_permutation_p_values_are_uniform_without_a_difference():
    """500 simulated paired sets with no difference (30 samples, 999 random flips each): the
    p-values are uniform (Kolmogorov-Smirnov) and p < 0.05 in 3% to 7% of the sets."""
    rng = np.random.default_rng(2026)
    ps = np.array([stats.sign_flip_test(rng.standard_t(4, size=(30, 1)), 999, i)["p"] for i in range(500)])
    assert scipy_stats.kstest(ps, "uniform").pvalue > 0.01
    assert 0.03 <= np.mean(ps < 0.05) <= 0.07


def test_monte_carlo_beyond_20_samples_states_its_error():
    rng = np.random.default_rng(3)
    target = rng.normal(size=40)
    obj = json.loads(run("compare", "l1", "--pred", _text(target + 0.1), "--baseline", _text(target + rng.normal(size=40)),
                         "--target", _text(target), "--resamples", "2000", "-f", "json").stdout)
    p = obj["p_value"]["permutation"]
    assert obj["permutation"]["method"] == "monte carlo" and obj["permutation"]["flips"] == 2000
    assert obj["permutation"]["mc_error"] == pytest.approx(np.sqrt(p * (1 - p) / 2000))
    assert p < 0.01  # the new model is much better
    text = run("compare", "l1", "--pred", _text(target + 0.1), "--baseline", _text(target + 1), "--target", _text(target)).stdout
    assert "Monte Carlo error" in text


def test_gates_and_quiet(entry):
    target = np.arange(30.0)
    good, bad = target + 0.1, target + np.where(np.arange(30) % 2, 1.0, -1.0)
    common = ["--target", _text(target)]
    worse = entry("compare", "mse", "--pred", _text(bad), "--baseline", _text(good), *common, "--fail-if-worse")
    assert worse.returncode == 1 and "check failed: mse is worse than the baseline" in worse.stderr
    better = entry("compare", "mse", "--pred", _text(good), "--baseline", _text(bad), *common, "--fail-if-worse",
                   "--fail-unless-better")
    assert better.returncode == 0, better.stderr
    same = entry("compare", "mse", "--pred", _text(good), "--baseline", _text(good), *common, "--fail-unless-better")
    assert same.returncode == 1 and "not significantly better" in same.stderr
    quiet = entry("compare", "mse", "--pred", _text(good), "--baseline", _text(bad), *common, "-q")
    assert float(quiet.stdout) == pytest.approx(0.01 - 1.0)


def test_weighted_cross_entropy_pairs_by_the_delta_method():
    rng = np.random.default_rng(5)
    new, old, y = rng.normal(size=(25, 3)), rng.normal(size=(25, 3)), rng.integers(0, 3, size=25)
    inline = lambda a: ";".join(",".join(map(repr, r)) for r in a.tolist())  # noqa: E731
    obj = json.loads(run("compare", "cross-entropy", "--pred", inline(new), "--baseline", inline(old), "--target", _text(y),
                         "--weight", "1,2,3", "-f", "json").stdout)
    w = np.array([1.0, 2.0, 3.0])[y]
    ce = lambda x: torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y), weight=torch.tensor([1.0, 2, 3], dtype=torch.float64),  # noqa: E731
                                                    reduction="none").numpy()
    d = ce(new) - ce(old)
    r = d.sum() / w.sum()
    se = np.sqrt(np.var(d - r * w, ddof=1) / 25) / w.mean()
    assert obj["ci"]["method"] == "delta" and obj["ci"]["se"] == pytest.approx(se, rel=1e-10)
    assert obj["difference"] == pytest.approx(r, rel=1e-12)


def test_refusals_are_one_line(entry):
    assert_one_error_line(entry("compare", "mse", "--pred", "1,2,3", "--baseline", "1,2", "--target", "1,2,3"),
                          ["--baseline"])
    assert_one_error_line(entry("compare", "mse", "--pred", "1,2", "--baseline", "1,2", "--target", "1,2",
                                  "--nope", "3"), ["--nope"])
    assert_one_error_line(entry("compare", "nosuch", "--pred", "1", "--baseline", "1"), ["nosuch"])
    assert_one_error_line(entry("compare"), ["compare --help"])


def test_compare_help_lists_the_losss_options():
    mse = run("compare", "mse", "--help").stdout
    for option in ("--pred", "--baseline", "--target", "--reduction", "--ci", "--alpha", "--fail-if-worse", "--seed",
                   "--nan-policy", "The new model's predictions"):
        assert option in mse, option
    ce = run("compare", "cross-entropy", "--help").stdout
    for option in ("--weight", "--ignore-index", "--label-smoothing"):
        assert option in ce, option
    assert "--ignore-index" not in mse
    focal = run("compare", "focal", "--help").stdout  # its own --alpha; the gates' level is --gate-alpha
    assert "--alpha " in focal and "--gate-alpha" in focal and "--alpha, --gate-alpha" not in focal
    listing = run("compare", "--help").stdout
    assert "Usage: losscli compare [OPTIONS] COMMAND" in listing and "lists the loss's options" in listing
    assert "\n  mse " in listing and "\n  cross-entropy " in listing and "\n  cosine-embedding " not in listing


def test_a_losss_own_options_reach_it_and_the_gate_level_is_separate(entry):
    rng = np.random.default_rng(7)
    new, old, y = rng.normal(size=30), rng.normal(size=30), rng.integers(0, 2, size=30).astype(float)
    args = ["--pred", _text(new), "--baseline", _text(old), "--target", _text(y), "--alpha", "0.9", "-f", "json"]
    obj = json.loads(run("compare", "focal", *args).stdout)
    one = json.loads(run("focal", "--pred", _text(new), "--target", _text(y), "--alpha", "0.9", "-f", "json").stdout)
    assert obj["value"] == one["value"] and obj["params"]["alpha"] == 0.9
    gated = entry("compare", "focal", *args[:-2], "--gate-alpha", "0.5", "--fail-unless-better")
    assert gated.returncode == 1 and "needs < 0 with p < 0.5" in gated.stderr, gated.stderr
    assert_one_error_line(entry("compare", "cosine-embedding", "--pred", "1"), ["cosine-embedding", "--pred"])


def test_the_baseline_is_named_in_its_errors(entry):
    assert_one_error_line(entry("compare", "bce", "--pred", "0.2,0.5", "--baseline", "0.2,1.5", "--target", "1,0"),
                          ["--baseline", "[0, 1]"])
    assert_one_error_line(entry("compare", "bce", "--pred", "0.2,5", "--baseline", "0.2,0.5", "--target", "1,0"),
                          ["--pred", "[0, 1]"])


def test_the_normal_sign_flip_test_is_within_its_bound_of_the_permutation_test(monkeypatch):
    """Above MC_DRAWS the sign-flip p-value comes from the normal law of sum s_i d_i (variance
    sum d_i^2 given the |d_i|): within its Berry-Esseen bound of scipy's permutation test (20,000
    random flips, whose own Monte Carlo error is added)."""
    rng = np.random.default_rng(1)
    d = rng.standard_t(5, size=(2000, 1)) + 0.05
    monkeypatch.setattr(stats, "MC_DRAWS", 0)
    ours = stats.sign_flip_test(d, 1000, 0)
    ref = scipy_stats.permutation_test((d[:, 0],), np.mean, permutation_type="samples", n_resamples=20000,
                                       vectorized=True, rng=np.random.default_rng(0))
    assert ours["method"] == "normal" and 0 < ours["error_bound"] < 0.1
    assert abs(ours["p"] - ref.pvalue) <= ours["error_bound"] + 4 * np.sqrt(ref.pvalue * (1 - ref.pvalue) / 20000)
    assert 0.01 < ref.pvalue < 0.5  # a p-value where the approximation matters
    assert abs(ours["p"] - ref.pvalue) < 0.02


def test_the_normal_bootstrap_p_is_within_its_bound_of_the_resampled_one(monkeypatch):
    rng = np.random.default_rng(2)
    w = rng.integers(1, 4, size=3000).astype(float)
    pairs = np.stack([w * (rng.standard_t(5, size=3000) - 0.05), w], axis=1)
    resampled = stats.paired_bootstrap_p(pairs, 20000, 3)
    monkeypatch.setattr(stats, "MC_DRAWS", 0)
    normal = stats.paired_bootstrap_p(pairs, 20000, 3)
    assert resampled["method"] == "poisson" and normal["method"] == "normal"
    p = resampled["p"]
    assert 0.01 < p < 0.5
    assert abs(normal["p"] - p) <= normal["error_bound"] + 4 * np.sqrt(p * (1 - p) / 20000)
    assert abs(normal["p"] - p) < 0.02  # the bound is a guarantee; the approximation is much closer


def test_large_sets_state_the_method_of_both_p_values(monkeypatch):
    target = np.linspace(0, 1, 300)
    args = ["compare", "l1", "--pred", _text(target + 0.01), "--baseline", _text(target + 0.02), "--target",
            _text(target), "-f", "json"]
    small = json.loads(run(*args).stdout)
    assert small["permutation"]["method"] == "monte carlo" and small["bootstrap"] == {"method": "poisson", "resamples": 1000}
    monkeypatch.setattr(stats, "MC_DRAWS", 1000)
    large = json.loads(run(*args).stdout)
    assert large["permutation"]["method"] == "normal" and large["bootstrap"]["method"] == "normal"
    assert large["p_value"]["permutation"] < 1e-10 and large["ci"] == small["ci"]
    text = run(*args[:-2]).stdout
    assert "normal approximation, error at most" in text
