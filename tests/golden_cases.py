"""Read tests/golden/torch_2.13.json (written by tests/make_golden.py from torch 2.13.0), and
make random batches for every loss (batch_case) for the tests that need no golden value."""

import json
import pathlib

import numpy as np

from losscli.functional import log_softmax

GOLDEN = pathlib.Path(__file__).parent / "golden" / "torch_2.13.json"
_NONFINITE = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}


def decode(enc) -> np.ndarray:
    def walk(v):
        return [walk(e) for e in v] if isinstance(v, list) else _NONFINITE.get(v, v)

    return np.array(walk(enc["values"]), dtype=np.float64).reshape(enc["shape"])


def load_cases() -> list[dict]:
    out = []
    for rec in json.loads(GOLDEN.read_text())["cases"]:
        out.append({
            "function": rec["function"],
            "args": [decode(a) for a in rec["args"]],
            "kwargs": {k: decode(v) if isinstance(v, dict) else v for k, v in rec["kwargs"].items()},
            "float64": decode(rec["float64"]),
            "float32": decode(rec["float32"]),
            "tag": rec.get("tag"),  # "strict", "empty" (tests/test_edges.py) or None
        })
    return out


def case_id(case: dict) -> str:
    kw = ",".join(f"{k}={'array' if isinstance(v, np.ndarray) else v}" for k, v in case["kwargs"].items())
    shapes = "x".join(str(a.shape) for a in case["args"])
    return f"{case['function']}[{shapes}]({kw})"


def batch_case(name, rng, n):
    """(args, kwargs, split) for `name` on a batch of n samples; split: the positional arguments
    whose first dim is the samples (the others, and every keyword, are parameters)."""
    c, d = 4, 3
    r = lambda *s: rng.normal(size=s)  # noqa: E731
    sign = lambda *s: rng.choice([-1.0, 1.0], size=s)  # noqa: E731
    unit = lambda *s: rng.uniform(0.01, 0.99, size=s)  # noqa: E731
    labels = rng.integers(0, c, size=n)
    weight = rng.uniform(0.2, 2.0, size=c)
    if name in ("l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "log_cosh_loss", "quantile_loss"):
        return [r(n, c), r(n, c)], {}, (0, 1)
    if name in ("mape_loss", "msle_loss", "tweedie_loss"):
        return [unit(n, c) + 0.5, unit(n, c) + 0.5], {"power": 1.5} if name == "tweedie_loss" else {}, (0, 1)
    if name == "cross_entropy":
        return [r(n, c), labels], {"weight": weight, "ignore_index": 1, "label_smoothing": 0.1}, (0, 1)
    if name == "nll_loss":
        return [log_softmax(r(n, c), 1), labels], {"weight": weight, "ignore_index": 2}, (0, 1)
    if name == "linear_cross_entropy":
        return [r(n, d), r(c, d), labels], {"weight": weight, "label_smoothing": 0.2}, (0, 2)
    if name == "binary_cross_entropy_with_logits":
        return [r(n, c), unit(n, c)], {"weight": weight, "pos_weight": weight[::-1].copy()}, (0, 1)
    if name in ("binary_cross_entropy", "sigmoid_focal_loss"):
        return [unit(n, c) if name == "binary_cross_entropy" else r(n, c), unit(n, c)], {}, (0, 1)
    if name in ("soft_margin_loss", "hinge_loss", "squared_hinge_loss"):
        return [r(n, c), sign(n, c)], {}, (0, 1)
    if name == "hinge_embedding_loss":
        return [np.abs(r(n, c)), sign(n, c)], {"margin": 1.5}, (0, 1)
    if name == "cosine_embedding_loss":
        return [r(n, d), r(n, d), sign(n)], {"margin": 0.2}, (0, 1, 2)
    if name == "margin_ranking_loss":
        return [r(n), r(n), sign(n)], {"margin": 0.3}, (0, 1, 2)
    if name in ("triplet_margin_loss", "triplet_margin_with_distance_loss"):
        return [r(n, d), r(n, d), r(n, d)], {"swap": True}, (0, 1, 2)
    if name == "kl_div":
        return [log_softmax(r(n, c), 1), np.exp(log_softmax(r(n, c), 1))], {}, (0, 1)
    if name == "poisson_nll_loss":
        return [r(n, c), rng.integers(0, 5, size=(n, c)).astype(float)], {"full": True}, (0, 1)
    if name == "gaussian_nll_loss":
        return [r(n, c), r(n, c), unit(n, c)], {}, (0, 1, 2)
    if name == "multilabel_soft_margin_loss":
        return [r(n, c), rng.integers(0, 2, size=(n, c)).astype(float)], {"weight": weight}, (0, 1)
    if name == "multilabel_margin_loss":
        lists = np.array([np.r_[rng.permutation(c)[:k], -np.ones(c - k, dtype=int)] for k in rng.integers(0, c + 1, n)])
        return [r(n, c), lists], {}, (0, 1)
    if name == "multi_margin_loss":
        return [r(n, c), labels], {"p": 2, "margin": 0.7, "weight": weight}, (0, 1)
    if name == "ctc_loss":
        lengths = rng.integers(0, 4, n)
        return [log_softmax(r(6, n, c), 2), rng.integers(1, c, size=(n, 3)), np.full(n, 6), lengths], {}, ()
    raise AssertionError(name)
