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
