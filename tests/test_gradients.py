"""The closed-form gradients (losscli.functional.*_backward) against torch 2.13 autograd.

Without torch: the golden gradients of tests/golden/torch_2.13_grad.json (tests/golden_grad_cases.py),
the adversarial cases with torch's values written out, central finite differences, and the
block-of-rows rule the engine streams with. Where torch is installed the same comparisons run
against autograd live, on random inputs and through the command line.
"""

import importlib.util
import json
import tracemalloc
import warnings

import numpy as np
import pytest
from golden_grad_cases import load_grad_cases, loss_of, torch_grad, wrt
from helpers import run
from torch_oracle import integer_args

import losscli.functional as F
from losscli.functional.gradients import log_backward

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
BACKWARDS = sorted(n for n in F.__all__ if n.endswith("_backward"))
RED = ("mean", "sum", "none")
GOLDEN = load_grad_cases()


def _as_list(g):
    return list(g) if isinstance(g, tuple) else [g]


def call_backward(name, args, kwargs, dtype=np.float64):
    """F.<name> on args cast as torch got them (class indices int64), raising on any NumPy warning."""
    ints = integer_args(loss_of(name), args)
    with np.errstate(over="ignore"):  # 1e308 -> inf in float32, as torch casts it
        cast = [np.asarray(a).astype(np.int64 if i in ints else dtype) for i, a in enumerate(args)]
        kw = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _as_list(getattr(F, name)(*cast, **kw))


def _golden_id(case):
    kw = ",".join(f"{k}={'array' if isinstance(v, np.ndarray) else v}" for k, v in case["kwargs"].items())
    return f"{case['function']}[{'x'.join(str(a.shape) for a in case['args'])}]({kw})"


def assert_ulps(got, expected, maxulp):
    """nan where expected is nan, equal infinities, and finite values within maxulp ulps."""
    got, expected = np.asarray(got), np.asarray(expected).astype(got.dtype)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    fin = np.isfinite(expected)
    np.testing.assert_array_equal(got[~fin & ~np.isnan(expected)], expected[~fin & ~np.isnan(expected)])
    if fin.any():
        ulps = np.abs(got[fin] - expected[fin]) / np.spacing(np.abs(expected[fin]))
        assert ulps.max() <= maxulp, f"{ulps.max()} ulps"


# ---- golden values from torch 2.13 autograd, no torch needed -------------------------------------------


@pytest.mark.parametrize("case", GOLDEN, ids=_golden_id)
def test_float64_gradient_matches_torch_autograd(case):
    got = call_backward(case["function"], case["args"], case["kwargs"], np.float64)
    assert len(got) == len(case["float64"])
    for g, e in zip(got, case["float64"]):
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0, err_msg=_golden_id(case))


@pytest.mark.parametrize("case", GOLDEN, ids=_golden_id)
def test_float32_gradient_matches_torch_autograd(case):
    got = call_backward(case["function"], case["args"], case["kwargs"], np.float32)
    for g, e in zip(got, case["float32"]):
        assert g.dtype == np.float32
        # softmax's cancellation (p - 1 near a sure class) leaves ~1e-7 absolute of the row's scale
        scale = np.nanmax(np.abs(np.where(np.isinf(e), np.nan, e)), initial=0) if e.size else 0
        np.testing.assert_allclose(g, e, rtol=2e-6, atol=2e-7 * max(scale, 1e-30), err_msg=_golden_id(case))


ELEMENTWISE = {"mse_loss_backward", "l1_loss_backward", "smooth_l1_loss_backward", "huber_loss_backward"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_gradients_are_torchs_to_the_last_bit(dtype):
    # plain IEEE arithmetic in torch's order (no exp or log): the same bits, nan and inf included
    # (smooth l1's scalar tail rounds (norm * d) / beta against the vector path's norm * (d / beta))
    cases = [c for c in GOLDEN if c["function"] in ELEMENTWISE]
    assert len(cases) >= 48
    for case in cases:
        for g, e in zip(call_backward(case["function"], case["args"], case["kwargs"], dtype), case[dtype.__name__]):
            assert_ulps(g, e, 1 if case["function"] == "smooth_l1_loss_backward" else 0)


def test_golden_file_covers_every_backward_reduction_and_dtype():
    assert set(BACKWARDS) == {
        "binary_cross_entropy_with_logits_backward", "cosine_embedding_loss_backward", "cross_entropy_backward",
        "huber_loss_backward", "kl_div_backward", "l1_loss_backward", "mse_loss_backward", "smooth_l1_loss_backward"}
    covered = {(c["function"], c["kwargs"].get("reduction", "mean")) for c in GOLDEN}
    assert {(b, r) for b in BACKWARDS for r in RED} | {("kl_div_backward", "batchmean")} <= covered
    assert all(len(c["float64"]) == len(c["float32"]) == len(wrt(c["function"])) for c in GOLDEN)


@needs_torch
def test_golden_file_is_what_torch_gives_now():
    for case in GOLDEN:
        for dtype in ("float64", "float32"):
            for g, e in zip(torch_grad(case["function"], case["args"], case["kwargs"], dtype), case[dtype]):
                np.testing.assert_array_equal(g, e, err_msg=_golden_id(case))


# ---- the differences an adversarial run found (values: torch 2.13 autograd, float64) -------------------


def test_cosine_embedding_gradient_of_a_broadcast_input_has_that_inputs_shape():
    g1, g2 = F.cosine_embedding_loss_backward([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.5]], [1.0, -1.0])
    np.testing.assert_allclose(g1, [[-0.119999999999956, 0.059999999999937964],
                                    [0.035777087639983746, -0.02683281572998336]], rtol=1e-13)
    np.testing.assert_allclose(g2, [[0.03055728090001608, -0.06111456179995686]], rtol=1e-13)


def test_cosine_embedding_gradient_passes_at_cos_equal_to_margin():
    g1, g2 = F.cosine_embedding_loss_backward([1.0, 0.0], [0.0, 1.0], -1.0, margin=0.0)
    np.testing.assert_allclose(g1, [0.0, 0.9999999999989999], rtol=1e-15)
    np.testing.assert_allclose(g2, [0.9999999999989999, 0.0], rtol=1e-15)
    # zero vectors: cos = 0 = margin, and the gradient towards the other vector is finite
    g1, g2 = F.cosine_embedding_loss_backward([[0.0, 0.0]], [[2.0, 1.0]], [-1.0], reduction="none")
    assert np.isfinite(g1).all() and (g1 != 0).all() and (g2 == 0).all()


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradient_with_every_target_ignored_is_zero(reduction, smoothing):
    x = np.arange(6.0).reshape(2, 3)
    g = F.cross_entropy_backward(x, [-100, -100], reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_cross_entropy_gradient_of_an_ignored_row_is_zero_when_the_kept_weight_is_zero():
    g = F.cross_entropy_backward([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [0, -100], weight=[0.0, 1.0, 1.0])
    assert np.isnan(g[0]).all()  # torch: the kept row of weight 0 is 0 * (1/0) = nan
    np.testing.assert_array_equal(g[1], [0.0, 0.0, 0.0])


def test_cross_entropy_gradient_with_an_infinite_or_huge_weight_is_finite():
    x = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    np.testing.assert_allclose(F.cross_entropy_backward(x, [1, 2], weight=[np.inf, 1.0, 1.0]), [
        [0.04501528658519022, -0.37763576447260117, 0.3326204778874109],
        [0.04501528658519022, 0.12236423552739882, -0.1673795221125891]], rtol=1e-13)
    np.testing.assert_allclose(F.cross_entropy_backward(x, [1, 2], weight=[1e308, 1e308, 1.0], reduction="sum"), [
        [9.003057317038043e+306, -7.552715289452023e+307, 6.652409557748218e+307],
        [0.09003057317038043, 0.24472847105479764, -0.3347590442251782]], rtol=1e-13)


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_gradient_of_a_vocabulary_is_linear_in_memory(smoothing):
    # C = 100,000 classes: an identity matrix would ask for 74.5 GiB
    rng = np.random.default_rng(7)
    x, t = rng.normal(size=(4, 100_000)), np.array([0, 99_999, 5, -100])
    g, peak = _peak_bytes(lambda: F.cross_entropy_backward(x, t, label_smoothing=smoothing))
    assert peak < 4 * x.nbytes, f"peak {peak / 2**20:.1f} MiB for {x.nbytes / 2**20:.1f} MiB of logits"
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = p - smoothing / 100_000
    expected[[0, 1, 2], [0, 99_999, 5]] -= 1 - smoothing
    expected[3] = 0
    np.testing.assert_allclose(g, expected / 3, rtol=1e-9, atol=1e-18)


def test_l1_and_smooth_l1_at_beta_0_give_0_for_nan_and_inf_differences():
    x, y = [np.nan, 1.0, np.inf], [0.0, 0.0, np.inf]
    np.testing.assert_array_equal(F.l1_loss_backward(x, y), [0.0, 1 / 3, 0.0])
    np.testing.assert_array_equal(F.smooth_l1_loss_backward(x, y, beta=0.0), [0.0, 1 / 3, 0.0])
    # beta > 0 is another kernel: its nan stays nan (torch 2.13 too)
    np.testing.assert_array_equal(F.smooth_l1_loss_backward(x, y, beta=1.0), [np.nan, 1 / 3, np.nan])


def test_mse_gradient_near_the_top_of_the_range_does_not_overflow():
    np.testing.assert_array_equal(F.mse_loss_backward([1e308, 0.0], [-1e307, 0.0]), [1.1e308, 0.0])
    g = F.mse_loss_backward(np.array([2e38, 0.0], np.float32), np.array([-1e38, 0.0], np.float32))
    np.testing.assert_array_equal(g, np.array([3.0000000054977558e38, 0.0], np.float32))


def test_kl_div_gradient_through_the_log_of_zero_probabilities_warns_nothing():
    p, y = np.array([[0.0, 1.0], [0.0, 1.0]]), np.array([[0.2, 0.8], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            x = np.log(p)
        g = log_backward(F.kl_div_backward(x, y, reduction="batchmean"), p)
    np.testing.assert_array_equal(g, [[-np.inf, -0.4], [np.nan, -0.5]])  # torch: log's backward divides by p


def test_kl_div_pred_probs_grad_writes_nothing_to_stderr(entry):
    result = entry("kl-div", "--pred", "0,1", "--pred-probs", "--target", "0.2,0.8", "--grad", "-f", "json")
    assert result.returncode == 0 and result.stderr == ""


# ---- central finite differences in float64, no torch ---------------------------------------------------


def _away_from(d, kink):
    """Differences at least 0.05 from +-kink: the loss is smooth there."""
    return np.where(np.abs(np.abs(d) - kink) < 0.05, d + np.sign(d) * 0.2 + (d == 0) * 0.3, d)


def fd_cases(rng):
    x = rng.normal(size=(5, 4))
    d = _away_from(_away_from(rng.normal(size=(5, 4)) * 1.5, 0.0), 0.7)
    for red in RED:
        yield F.mse_loss, "mse_loss_backward", [x, x - d], {"reduction": red}
        yield F.l1_loss, "l1_loss_backward", [x, x - d], {"reduction": red}
        yield F.smooth_l1_loss, "smooth_l1_loss_backward", [x, x - d], {"reduction": red, "beta": 0.7}
        yield F.huber_loss, "huber_loss_backward", [x, x - d], {"reduction": red, "delta": 0.7}
        yield F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits_backward", \
            [x, rng.uniform(size=(5, 4))], {"reduction": red, "weight": rng.uniform(0.5, 2, size=4),
                                            "pos_weight": rng.uniform(0.5, 3, size=4)}
        for kw in ({}, {"weight": rng.uniform(0.5, 2, size=4), "label_smoothing": 0.2, "ignore_index": 1}):
            yield F.cross_entropy, "cross_entropy_backward", [x, np.array([0, 3, 1, 1, 2])], {"reduction": red, **kw}
        q = rng.dirichlet(np.ones(4), size=5)
        yield F.cross_entropy, "cross_entropy_backward", [x, q], {
            "reduction": red, "weight": rng.uniform(0.5, 2, size=4), "label_smoothing": 0.1}
        x2, y = rng.normal(size=(5, 4)), np.array([1.0, -1.0, -1.0, 1.0, -1.0])
        cos = (x * x2).sum(1) / np.sqrt((x * x).sum(1) * (x2 * x2).sum(1))
        margin = float(np.sort(cos)[0] - 0.1)  # every y = -1 row is above the margin, none at it
        yield F.cosine_embedding_loss, "cosine_embedding_loss_backward", [x, x2, y], {
            "reduction": red, "margin": margin}
    for red in RED + ("batchmean",):
        logp, q = np.log(rng.dirichlet(np.ones(4), size=5)), rng.dirichlet(np.ones(4), size=5)
        yield F.kl_div, "kl_div_backward", [logp, q], {"reduction": red}
        yield F.kl_div, "kl_div_backward", [logp, np.log(q)], {"reduction": red, "log_target": True}


def central_differences(loss, args, kwargs, i, h=1e-6):
    """d sum(loss) / d args[i] by (f(a + h) - f(a - h)) / 2h, one element at a time."""
    a = np.array(args[i], dtype=np.float64)
    grad = np.empty_like(a)
    for k in np.ndindex(a.shape):
        vals = []
        for step in (h, -h):
            moved = a.copy()
            moved[k] += step
            vals.append(np.sum(loss(*args[:i], moved, *args[i + 1:], **kwargs)))
        grad[k] = (vals[0] - vals[1]) / (2 * h)
    return grad


@pytest.mark.parametrize("seed", range(3))
def test_every_backward_matches_central_differences(seed):
    seen = set()
    for loss, name, args, kwargs in fd_cases(np.random.default_rng(seed)):
        got = _as_list(getattr(F, name)(*args, **kwargs))
        for i, g in zip(wrt(name), got):
            np.testing.assert_allclose(g, central_differences(loss, args, kwargs, i), rtol=1e-6, atol=1e-8,
                                       err_msg=f"{name} {kwargs}")
        seen.add(name)
    assert seen == set(BACKWARDS)


# ---- blocks of rows: what the engine streams ----------------------------------------------------------


def stream_cases(rng):
    """(backward, args, kwargs, the whole input's denominator for 'mean'), inputs of 6 rows."""
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    yield "mse_loss_backward", [x, y], {}, x.size
    yield "l1_loss_backward", [x, y], {}, x.size
    yield "smooth_l1_loss_backward", [x, y], {"beta": 0.7}, x.size
    yield "huber_loss_backward", [x, y], {"delta": 0.7}, x.size
    yield "binary_cross_entropy_with_logits_backward", [x, rng.uniform(size=(6, 4))], {
        "weight": rng.uniform(size=4), "pos_weight": rng.uniform(1, 3, size=4)}, x.size
    q = rng.dirichlet(np.ones(4), size=6)
    yield "kl_div_backward", [np.log(q), q[::-1]], {}, x.size
    yield "kl_div_backward", [np.log(q), q[::-1]], {"reduction": "batchmean"}, 6
    t, w = np.array([0, 3, 1, -100, 2, 1]), rng.uniform(0.5, 2, size=4)
    for kw in ({}, {"weight": w, "label_smoothing": 0.2}):
        yield "cross_entropy_backward", [x, t], kw, F.cross_entropy_denominator(t, kw.get("weight"))
    yield "cross_entropy_backward", [x, q], {"weight": w, "label_smoothing": 0.1}, 6
    yield "cosine_embedding_loss_backward", [x, y, np.array([1.0, -1.0, -1.0, 1.0, -1.0, 1.0])], {"margin": -0.3}, 6


@pytest.mark.parametrize("seed", range(3))
def test_mean_gradient_is_the_sum_gradient_over_the_denominator(seed):
    for name, args, kwargs, denominator in stream_cases(np.random.default_rng(seed)):
        mean = _as_list(getattr(F, name)(*args, **kwargs))
        total = _as_list(getattr(F, name)(*args, **{**kwargs, "reduction": "sum"}))
        for m, s in zip(mean, total):
            np.testing.assert_allclose(m, s / denominator, rtol=1e-12, atol=0, err_msg=name)


@pytest.mark.parametrize("seed", range(3))
def test_blocks_of_rows_with_the_whole_denominator_are_the_rows_of_the_whole_gradient(seed):
    for name, args, kwargs, denominator in stream_cases(np.random.default_rng(seed)):
        whole = _as_list(getattr(F, name)(*args, **kwargs))
        for block in (slice(0, 2), slice(2, 3), slice(3, 6)):
            part = [a[block] if np.ndim(a) and len(a) == 6 else a for a in args]
            got = _as_list(getattr(F, name)(*part, **kwargs, denominator=denominator))
            for g, w in zip(got, whole):
                np.testing.assert_array_equal(g, w[block], err_msg=f"{name} rows {block}")


def test_sum_over_denominator_is_not_torchs_mean_where_the_sum_overflows_or_nothing_is_kept():
    # why the engine should pass denominator= rather than divide a 'sum' gradient afterwards
    x, y = np.array([1e308, 0.0]), np.array([-1e307, 0.0])
    assert np.isinf(F.mse_loss_backward(x, y, reduction="sum")[0] / 2)
    np.testing.assert_array_equal(F.mse_loss_backward(x[:1], y[:1], denominator=2), [1.1e308])
    logits, ignored = np.ones((2, 3)), np.array([-100, -100])
    with np.errstate(invalid="ignore"):
        assert np.isnan(F.cross_entropy_backward(logits, ignored, reduction="sum") / 0.0).all()
    np.testing.assert_array_equal(F.cross_entropy_backward(logits, ignored, denominator=0.0), np.zeros((2, 3)))


# ---- live against torch autograd (skipped without torch) -----------------------------------------------


def autograd(fn, args, kwargs, wrt=(0,)):
    import torch

    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=i in wrt) if np.asarray(a).dtype.kind == "f"
          else torch.tensor(a) for i, a in enumerate(args)]
    kw = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on broadcasting and kl_div 'mean'
        fn(*ts, **kw).sum().backward()  # an upstream gradient of ones, as for 'none'
    return [ts[i].grad.numpy() for i in wrt]


def _torch_cases(rng):
    import torch.nn.functional as TF

    x, y = rng.normal(size=(5, 4)) * 2, rng.normal(size=(5, 4)) * 2
    for red in RED:
        yield "mse_loss_backward", TF.mse_loss, [x, y], {"reduction": red}
        yield "l1_loss_backward", TF.l1_loss, [x, y], {"reduction": red}
        yield "smooth_l1_loss_backward", TF.smooth_l1_loss, [x, y], {"reduction": red, "beta": 0.7}
        yield "smooth_l1_loss_backward", TF.smooth_l1_loss, [x, y], {"reduction": red, "beta": 0.0}
        yield "huber_loss_backward", TF.huber_loss, [x, y], {"reduction": red, "delta": 1.3}
        yield "binary_cross_entropy_with_logits_backward", TF.binary_cross_entropy_with_logits, \
            [x, rng.uniform(size=(5, 4))], {"reduction": red, "weight": rng.uniform(size=4),
                                            "pos_weight": rng.uniform(0.5, 3, size=4)}
        labels = np.array([0, 3, 1, 1, 2])
        for kw in ({}, {"weight": rng.uniform(0.5, 2, size=4)}, {"label_smoothing": 0.15, "ignore_index": 1},
                   {"weight": rng.uniform(0.5, 2, size=4), "label_smoothing": 0.3, "ignore_index": 0}):
            yield "cross_entropy_backward", TF.cross_entropy, [x, labels], {"reduction": red, **kw}
        probs = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        yield "cross_entropy_backward", TF.cross_entropy, [x, probs], {"reduction": red, "label_smoothing": 0.2,
                                                                        "weight": rng.uniform(0.5, 2, size=4)}
        yield "cosine_embedding_loss_backward", TF.cosine_embedding_loss, \
            [x, y, np.array([1.0, -1.0, -1.0, 1.0, -1.0])], {"reduction": red, "margin": -0.2}
        yield "cosine_embedding_loss_backward", TF.cosine_embedding_loss, \
            [x, y[:1], np.array([1.0, -1.0, -1.0, 1.0, -1.0])], {"reduction": red}
    for red in RED + ("batchmean",):
        logp = np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True))
        q = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        yield "kl_div_backward", TF.kl_div, [logp, q], {"reduction": red}
        yield "kl_div_backward", TF.kl_div, [logp, np.log(q)], {"reduction": red, "log_target": True}


@needs_torch
@pytest.mark.parametrize("seed", range(5))
def test_backward_matches_torch_autograd(seed):
    for name, torch_fn, args, kwargs in _torch_cases(np.random.default_rng(seed)):
        expected = autograd(torch_fn, args, kwargs, wrt(name))
        for g, e in zip(_as_list(getattr(F, name)(*args, **kwargs)), expected):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, err_msg=f"{name} {kwargs}")


@needs_torch
def test_broadcast_gradient_sums_back_to_the_prediction_shape():
    import torch.nn.functional as TF

    x, y = np.array([[1.0], [2.0]]), np.array([0.5, -1.0, 3.0])
    (expected,) = autograd(TF.mse_loss, [x, y], {})
    np.testing.assert_allclose(F.mse_loss_backward(x, y), expected, rtol=1e-12)


def test_broadcast_gradient_sums_back_to_the_prediction_shape_without_torch():
    # torch 2.13: mse_loss([[1], [2]], [0.5, -1, 3]).backward() -> [[1/3 (0.5 + 2 - 2)], ...]
    got = F.mse_loss_backward([[1.0], [2.0]], [0.5, -1.0, 3.0])
    np.testing.assert_allclose(got, [[(0.5 + 2.0 - 2.0) / 3], [(1.5 + 3.0 - 1.0) / 3]], rtol=1e-15)


# ---- through the command line --------------------------------------------------------------------------


def _inline(text: str) -> np.ndarray:
    rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
    return np.array(rows if len(rows) > 1 else rows[0])


SEED_COMMANDS = [
    (["mse", "--pred", "0.5,-1,2;1,0,3", "--target", "1,1,1;0,0,0"], "mse_loss_backward", {}),
    (["smooth-l1", "--pred", "0.5,-1,2;1,0,3", "--target", "1,1,1;0,0,0", "--beta", "0.7"],
     "smooth_l1_loss_backward", {"beta": 0.7}),
    (["bce-with-logits", "--pred", "0.5,-1,2;1,0,3", "--target", "1,0,1;0,0,1", "--pos-weight", "1,2,3", "-r", "sum"],
     "binary_cross_entropy_with_logits_backward", {"pos_weight": np.array([1.0, 2.0, 3.0]), "reduction": "sum"}),
    (["cross-entropy", "--pred", "0.5,-1,2;1,0,3", "--target", "2,0", "--label-smoothing", "0.1"],
     "cross_entropy_backward", {"label_smoothing": 0.1}),
    (["kl-div", "--pred", "-0.5,-1;-2,-0.1", "--target", "0.6,0.4;0.1,0.9", "-r", "batchmean"],
     "kl_div_backward", {"reduction": "batchmean"}),
]


def _cli_grad(args):
    return np.array(json.loads(run(*args, "--grad", "-f", "json").stdout)["grad"]["pred"])


def _cli_inputs(args, name):
    pred, target = _inline(args[2]), _inline(args[4])
    return pred, target.astype(np.int64) if name == "cross_entropy_backward" else target


@needs_torch
@pytest.mark.parametrize("args,name,kwargs", SEED_COMMANDS, ids=[a[0][0] for a in SEED_COMMANDS])
def test_cli_grad_matches_torch_autograd(args, name, kwargs):
    import torch.nn.functional as TF

    (expected,) = autograd(getattr(TF, loss_of(name)), list(_cli_inputs(args, name)), kwargs)
    np.testing.assert_allclose(_cli_grad(args), expected, rtol=1e-12)


@pytest.mark.parametrize("args,name,kwargs", SEED_COMMANDS, ids=[a[0][0] for a in SEED_COMMANDS])
def test_cli_grad_is_the_core_backward(args, name, kwargs):
    # the core is checked against torch's golden gradients above; the CLI must print exactly it
    expected = getattr(F, name)(*_cli_inputs(args, name), **kwargs)
    np.testing.assert_array_equal(_cli_grad(args), expected)


COSINE_COMMAND = ["cosine-embedding", "--input1", "1,2;3,-1", "--input2", "0,1;2,2", "--target", "1,-1",
                  "--margin", "-0.5", "--grad", "-f", "json"]
COSINE_ARGS = [np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([1.0, -1.0])]
PROBS_COMMAND = ["kl-div", "--pred", "0.4,0.6;0.3,0.7", "--pred-probs", "--target", "0.5,0.5;0.4,0.6",
                 "-r", "batchmean", "--grad", "-f", "json"]
P, Q = np.array([[0.4, 0.6], [0.3, 0.7]]), np.array([[0.5, 0.5], [0.4, 0.6]])


@needs_torch
def test_cli_grad_of_cosine_embedding_and_pred_probs_matches_torch():
    import torch
    import torch.nn.functional as TF

    out = json.loads(run(*COSINE_COMMAND).stdout)
    g1, g2 = autograd(TF.cosine_embedding_loss, COSINE_ARGS, {"margin": -0.5}, wrt=(0, 1))
    np.testing.assert_allclose(out["grad"]["input1"], g1, rtol=1e-12)
    np.testing.assert_allclose(out["grad"]["input2"], g2, rtol=1e-12)
    # --pred-probs: the gradient is w.r.t. the probabilities given, through the log
    out = json.loads(run(*PROBS_COMMAND).stdout)
    (expected,) = autograd(lambda a, b, **k: TF.kl_div(torch.log(a), b, **k), [P, Q], {"reduction": "batchmean"})
    np.testing.assert_allclose(out["grad"]["pred"], expected, rtol=1e-12)


def test_cli_grad_of_cosine_embedding_and_pred_probs_is_the_core_backward():
    out = json.loads(run(*COSINE_COMMAND).stdout)
    g1, g2 = F.cosine_embedding_loss_backward(*COSINE_ARGS, margin=-0.5)
    np.testing.assert_array_equal(out["grad"]["input1"], g1)
    np.testing.assert_array_equal(out["grad"]["input2"], g2)
    out = json.loads(run(*PROBS_COMMAND).stdout)
    expected = log_backward(F.kl_div_backward(np.log(P), Q, reduction="batchmean"), P)
    np.testing.assert_allclose(out["grad"]["pred"], expected, rtol=1e-15)


def test_grad_in_every_format():
    base = ["cross-entropy", "--pred", "1,2,3;1,2,3", "--target", "2,0", "--grad"]
    csv = run(*base, "-f", "csv").stdout.splitlines()
    assert csv[0] == "index0,index1,grad" and len(csv) == 7
    assert run(*base, "-f", "tsv").stdout.splitlines()[0] == "index0\tindex1\tgrad"
    assert len(run(*base, "-f", "jsonl").stdout.splitlines()) == 6
    assert len(run(*base, "-q").stdout.splitlines()) == 6
    assert run(*base, "-f", "md").stdout.startswith("| index0 | index1 | grad |")
    text = run(*base).stdout.splitlines()
    assert text[0].startswith("cross-entropy: 1.4076") and text[1] == "gradient of cross-entropy w.r.t. --pred"
