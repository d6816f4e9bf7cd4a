"""Differential test: the NumPy core against torch 2.13 on random inputs and random options.

Runs where torch is installed (CI installs torch==2.13.0 CPU); skipped elsewhere.
"""

import warnings

import numpy as np
import pytest
from torch_oracle import integer_args, torch_call

import losscli.functional as F
from losscli.errors import LossWarning

pytest.importorskip("torch")

# 40 random cases a loss: the first 10 in the quick run, the other 30 in the slow run (CI runs both).
QUICK_SEEDS = 10
SEEDS = [seed if seed < QUICK_SEEDS else pytest.param(seed, marks=pytest.mark.slow) for seed in range(40)]
RED = ("mean", "sum", "none")


def _case(name, rng):
    """One random (args, kwargs) for the named core function; ties at branch points are unlikely."""
    n, c = int(rng.integers(1, 7)), int(rng.integers(2, 6))
    r = lambda *s: rng.normal(size=s) * rng.choice([0.1, 1.0, 5.0])  # noqa: E731
    red = str(rng.choice(RED))
    if name in ("l1_loss", "mse_loss"):
        return [r(n, c), r(n, c)], {"reduction": red}
    if name == "smooth_l1_loss":
        return [r(n, c), r(n, c)], {"reduction": red, "beta": float(rng.choice([0.0, 0.3, 1.0, 4.0]))}
    if name == "huber_loss":
        return [r(n, c), r(n, c)], {"reduction": red, "delta": float(rng.choice([0.3, 1.0, 4.0]))}
    if name in ("cross_entropy", "nll_loss"):
        extra = tuple(int(d) for d in rng.integers(1, 4, size=rng.integers(0, 2)))
        x = r(n, c, *extra)
        kw = {"reduction": red}
        if rng.random() < 0.5:
            kw["weight"] = rng.uniform(0.1, 3.0, size=c)
        probs = name == "cross_entropy" and rng.random() < 0.3
        if probs:
            e = np.exp(rng.normal(size=x.shape))
            target = e / e.sum(axis=1, keepdims=True)
        else:
            target = rng.integers(0, c, size=(n, *extra)).astype(np.float64)
            if rng.random() < 0.4:
                kw["ignore_index"] = int(rng.integers(0, c))
        if name == "cross_entropy" and rng.random() < 0.6:
            kw["label_smoothing"] = float(rng.choice([0.05, 0.2, 0.7, 1.0]))
        if name == "nll_loss":
            x = F.log_softmax(x, 1)
        return [x, target], kw
    if name == "binary_cross_entropy_with_logits":
        x = r(n, c)
        kw = {"reduction": red}
        if rng.random() < 0.5:
            kw["weight"] = rng.uniform(0, 2, size=[(c,), (n, c), (1,)][rng.integers(3)])
        if rng.random() < 0.5:
            kw["pos_weight"] = rng.uniform(0.1, 5, size=[(c,), (1,)][rng.integers(2)])
        return [x, rng.uniform(0, 1, size=(n, c)).round(int(rng.integers(0, 3)))], kw
    if name == "cosine_embedding_loss":
        margin = float(rng.choice([0.0, 0.25, -0.5]))
        if rng.random() < 0.2:
            return [r(c), r(c), np.array(float(rng.choice([1, -1])))], {"reduction": red, "margin": margin}
        return [r(n, c), r(n, c), rng.choice([1.0, -1.0], size=n)], {"reduction": red, "margin": margin}
    if name == "kl_div":
        log_target = bool(rng.random() < 0.4)
        e = np.exp(rng.normal(size=(n, c)))
        q = e / e.sum(axis=1, keepdims=True)
        q[rng.random(q.shape) < 0.1] = 0.0
        with np.errstate(divide="ignore"):
            target = np.log(q) if log_target else q
        red = str(rng.choice(RED + ("batchmean",)))
        return [F.log_softmax(r(n, c), 1), target], {"reduction": red, "log_target": log_target}
    if name in _MORE:
        return _MORE[name](rng, n, c, r, red)
    raise AssertionError(name)


def _bce(rng, n, c, r, red):
    x = rng.uniform(0, 1, size=(n, c))
    x[rng.random(x.shape) < 0.1] = float(rng.choice([0.0, 1.0]))  # the -100 clamp
    y = rng.uniform(0, 1, size=(n, c)).round(int(rng.integers(0, 3)))
    kw = {"reduction": red}
    if rng.random() < 0.5:
        kw["weight"] = rng.uniform(0, 2, size=[(c,), (n, c), (1,), (n, 1)][rng.integers(4)])
    return [x, y], kw


def _soft_margin(rng, n, c, r, red):
    x = r(n, c)
    y = rng.choice([-1.0, 1.0], size=[(n, c), (c,)][rng.integers(2)])
    if rng.random() < 0.3:
        y = rng.uniform(-1, 1, size=y.shape)
    return [x, y], {"reduction": red}


def _multilabel_soft_margin(rng, n, c, r, red):
    shape = [(n, c), (c,), (n, 2, c)][rng.integers(3)]
    kw = {"reduction": red}
    if rng.random() < 0.5:
        kw["weight"] = rng.uniform(0.1, 3, size=[(c,), shape][rng.integers(2)])
    return [r(*shape), rng.integers(0, 2, size=shape).astype(float)], kw


def _label_lists(rng, n, c):
    """Each row: some labels (repeats now and then), a -1, then anything in [-1, c)."""
    rows = rng.integers(-1, c, size=(n, c))
    for row in rows:
        k = int(rng.integers(0, c + 1))
        row[:k] = rng.permutation(c)[:k] if rng.random() < 0.7 else rng.integers(0, c, size=k)
        if k < c:
            row[k] = -1
    return rows


def _multilabel_margin(rng, n, c, r, red):
    if rng.random() < 0.2:
        return [r(c), _label_lists(rng, 1, c)[0]], {"reduction": red}
    return [r(n, c), _label_lists(rng, n, c)], {"reduction": red}


def _multi_margin(rng, n, c, r, red):
    kw = {"reduction": red, "p": int(rng.choice([1, 2])), "margin": float(rng.choice([1.0, 0.5, 2.0, -0.3]))}
    if rng.random() < 0.5:
        kw["weight"] = rng.uniform(0.1, 3, size=c)
    if rng.random() < 0.2:
        return [r(c), np.array(rng.integers(0, c))], kw
    return [r(n, c), rng.integers(0, c, size=n)], kw


def _linear_cross_entropy(rng, n, c, r, red):
    d = int(rng.integers(1, 5))
    out = () if rng.random() < 0.8 else (int(rng.integers(1, 4)),)
    batch = (n,) if out or rng.random() < 0.8 else ()
    x, lw = r(*batch, d), r(c, *out, d)
    kw = {"reduction": red}
    if rng.random() < 0.5:
        kw["linear_bias"] = r(c, *out)
    if rng.random() < 0.5:
        kw["weight"] = rng.uniform(0.1, 3.0, size=c)
    if rng.random() < 0.5:
        kw["label_smoothing"] = float(rng.choice([0.05, 0.3, 1.0]))
    if rng.random() < 0.3:
        e = np.exp(rng.normal(size=(*batch, c, *out)))
        return [x, lw, e / e.sum(axis=len(batch), keepdims=True)], kw
    if rng.random() < 0.4:
        kw["ignore_index"] = int(rng.integers(0, c))
    return [x, lw, rng.integers(0, c, size=(*batch, *out))], kw


def _margin_ranking(rng, n, c, r, red):
    shape = [(n,), ()][int(rng.random() < 0.2)]
    return [r(*shape), r(*shape), rng.choice([-1.0, 1.0], size=shape)], {
        "reduction": red, "margin": float(rng.choice([0.0, 0.3, -0.2, 1.0]))}


def _hinge_embedding(rng, n, c, r, red):
    return [np.abs(r(n, c)), rng.choice([-1.0, 1.0], size=(n, c))], {
        "reduction": red, "margin": float(rng.choice([1.0, 0.5, 2.0, -0.5]))}


def _triplet_inputs(rng, n, c, r):
    shape = [(n, c), (c,), (n, 2, c)][rng.integers(3)]
    return [r(*shape), r(*shape), r(*shape)]


def _triplet(rng, n, c, r, red):
    return _triplet_inputs(rng, n, c, r), {
        "reduction": red, "margin": float(rng.choice([1.0, 0.1, 2.5])), "swap": bool(rng.random() < 0.5),
        "p": float(rng.choice([2.0, 1.0, 3.0, 1.5, np.inf, 0.5])), "eps": float(rng.choice([1e-6, 0.0, 1e-3]))}


def _triplet_with_distance(rng, n, c, r, red):
    return _triplet_inputs(rng, n, c, r), {
        "reduction": red, "margin": float(rng.choice([1.0, 0.1, 2.5])), "swap": bool(rng.random() < 0.5),
        "distance": str(rng.choice(["pairwise", "cosine", "l1"]))}


def _poisson(rng, n, c, r, red):
    log_input = bool(rng.random() < 0.6)
    x = r(n, c) if log_input else rng.uniform(0, 4, size=(n, c))
    y = rng.integers(0, 8, size=(n, c)).astype(float)
    if rng.random() < 0.3:
        y = rng.uniform(0, 3, size=(n, c)).round(2)
    kw = {"reduction": red, "log_input": log_input, "full": bool(rng.random() < 0.5)}
    if rng.random() < 0.3:
        kw["eps"] = float(rng.choice([1e-3, 0.1]))
    return [x, y], kw


def _gaussian(rng, n, c, r, red):
    x, y = r(n, c), r(n, c)
    kw = {"reduction": red, "full": bool(rng.random() < 0.5)}
    if rng.random() < 0.3:
        kw["eps"] = float(rng.choice([1e-3, 0.1]))
    form = rng.integers(4)
    if form == 3:
        return [x, y], {**kw, "var": float(rng.uniform(0.1, 2))}
    var = rng.uniform(0.05, 3, size=[(n, c), (n,), (n, 1)][form])
    var[rng.random(var.shape) < 0.1] = 0.0  # clamped to eps
    return [x, y, var], kw


def _ctc(rng, n, c, r, red):
    frames = int(rng.integers(1, 12))
    blank = int(rng.integers(0, c))
    labels = [k for k in range(c) if k != blank]
    batched = rng.random() < 0.8
    n = n if batched else 1
    target_lengths = rng.integers(0, min(frames, 5) + 1, size=n)
    input_lengths = rng.integers(0, frames + 1, size=n)  # some too short: inf, or 0 with zero_infinity
    width = int(target_lengths.max()) + int(rng.integers(0, 3))
    padded = rng.choice(labels, size=(n, width)) if width else np.zeros((n, 0), dtype=np.int64)
    if rng.random() < 0.5:  # concatenated
        targets = np.concatenate([row[:k] for row, k in zip(padded, target_lengths)]).astype(np.int64)
    else:
        targets = padded
    log_probs = F.log_softmax(r(frames, n, c), 2)
    kw = {"reduction": red, "blank": blank, "zero_infinity": bool(rng.random() < 0.5)}
    if not batched:
        if targets.ndim == 1:
            return [log_probs[:, 0], targets, input_lengths[0], target_lengths[0]], kw
        return [log_probs[:, 0], targets, input_lengths, target_lengths], kw
    return [log_probs, targets, input_lengths, target_lengths], kw


_MORE = {
    "binary_cross_entropy": _bce,
    "soft_margin_loss": _soft_margin,
    "multilabel_soft_margin_loss": _multilabel_soft_margin,
    "multilabel_margin_loss": _multilabel_margin,
    "multi_margin_loss": _multi_margin,
    "linear_cross_entropy": _linear_cross_entropy,
    "margin_ranking_loss": _margin_ranking,
    "hinge_embedding_loss": _hinge_embedding,
    "triplet_margin_loss": _triplet,
    "triplet_margin_with_distance_loss": _triplet_with_distance,
    "poisson_nll_loss": _poisson,
    "gaussian_nll_loss": _gaussian,
    "ctc_loss": _ctc,
}


NAMES = list(F.TORCH_LOSSES)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_core_agrees_with_torch(name, seed):
    rng = np.random.default_rng([seed, NAMES.index(name)])
    args, kwargs = _case(name, rng)
    for dtype, rtol, atol in (("float64", 1e-10, 1e-12), ("float32", 1e-5, 1e-5)):
        expected = torch_call(name, args, kwargs, dtype)
        ints = integer_args(name, args)  # class indices, label lists and lengths stay int64
        cast = [np.asarray(a).astype(np.int64) if i in ints else np.asarray(a, dtype=dtype) for i, a in enumerate(args)]
        kw = {k: np.asarray(v, dtype=dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        with F.strict(False), warnings.catch_warnings():  # torch's semantics, odd targets included
            warnings.simplefilter("ignore", LossWarning)
            got = np.asarray(getattr(F, name)(*cast, **kw))
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"{dtype} {kwargs}")
