"""Differential test: the NumPy core against torch 2.13 on random inputs and random options.

Runs where torch is installed (CI installs torch==2.13.0 CPU); skipped elsewhere.
"""

import numpy as np
import pytest
from torch_oracle import torch_call

import losscli.functional as F

pytest.importorskip("torch")

SEEDS = range(40)
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
    raise AssertionError(name)


NAMES = [n for n in F.__all__ if n not in ("REDUCTIONS", "log_softmax", "class_indices")]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_core_agrees_with_torch(name, seed):
    rng = np.random.default_rng([seed, NAMES.index(name)])
    args, kwargs = _case(name, rng)
    for dtype, rtol, atol in (("float64", 1e-10, 1e-12), ("float32", 1e-5, 1e-5)):
        expected = torch_call(name, args, kwargs, dtype)
        cast = [np.asarray(a, dtype=dtype) for a in args]
        if name in ("cross_entropy", "nll_loss") and cast[1].shape != cast[0].shape:
            cast[1] = np.asarray(args[1]).astype(np.int64)
        kw = {k: np.asarray(v, dtype=dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        got = np.asarray(getattr(F, name)(*cast, **kw))
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"{dtype} {kwargs}")
