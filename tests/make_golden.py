"""Regenerate tests/golden/torch_2.13.json: golden values computed by torch 2.13.0 (CPU build).

    pip install torch==2.13.0 && python tests/make_golden.py

Every case lists its inputs explicitly, so the tests need no torch to check against them.
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from torch_oracle import torch_call  # noqa: E402

OUT = pathlib.Path(__file__).parent / "golden" / "torch_2.13.json"
REDUCTIONS = ("mean", "sum", "none")


def cases():
    rng = np.random.default_rng(20261128)

    def r(*shape, scale=1.0):
        return np.round(rng.normal(size=shape) * scale, 4)

    def probs(*shape, axis=-1):
        e = np.exp(rng.normal(size=shape))
        return np.round(e / e.sum(axis=axis, keepdims=True), 4)

    x, y = r(4, 3, scale=2), r(4, 3, scale=2)
    for red in REDUCTIONS:
        yield "l1_loss", [x, y], {"reduction": red}
        yield "mse_loss", [x, y], {"reduction": red}
        for beta in (1.0, 0.5, 2.5, 0.0):
            yield "smooth_l1_loss", [x, y], {"reduction": red, "beta": beta}
        for delta in (1.0, 0.5, 3.0):
            yield "huber_loss", [x, y], {"reduction": red, "delta": delta}
    # torch broadcasts the regression losses (the CLI only with --broadcast)
    yield "mse_loss", [r(3), r(2, 1)], {"reduction": "none"}
    yield "l1_loss", [r(3), r(2, 1)], {"reduction": "mean"}

    logits = r(5, 4, scale=2)
    labels = np.array([3, 0, 1, 1, 2])
    weight = np.array([1.0, 2.0, 0.5, 3.0])
    for red in REDUCTIONS:
        for eps in (0.0, 0.1, 1.0):
            yield "cross_entropy", [logits, labels], {"reduction": red, "label_smoothing": eps}
            yield "cross_entropy", [logits, labels], {"reduction": red, "label_smoothing": eps, "weight": weight}
            yield "cross_entropy", [logits, labels], {"reduction": red, "label_smoothing": eps, "ignore_index": 1}
            yield "cross_entropy", [logits, labels], {
                "reduction": red, "label_smoothing": eps, "weight": weight, "ignore_index": 0}
            yield "cross_entropy", [logits, probs(5, 4)], {"reduction": red, "label_smoothing": eps}
            yield "cross_entropy", [logits, probs(5, 4)], {"reduction": red, "label_smoothing": eps, "weight": weight}
        # K-dimensional (N, C, d1) and unbatched (C,)
        yield "cross_entropy", [r(2, 3, 4), np.array([[0, 1, 2, 1], [2, 2, 0, 1]])], {"reduction": red}
        yield "cross_entropy", [r(2, 3, 4), probs(2, 3, 4, axis=1)], {"reduction": red, "weight": weight[:3]}
        yield "cross_entropy", [r(4), np.array(2)], {"reduction": red, "label_smoothing": 0.2}
        yield "cross_entropy", [r(4), probs(4)], {"reduction": red}
        yield "nll_loss", [logits, labels], {"reduction": red, "weight": weight, "ignore_index": 2}
    # all targets ignored: nan for mean
    yield "cross_entropy", [logits, np.array([1, 1, 1, 1, 1])], {"ignore_index": 1}
    yield "cross_entropy", [logits, np.array([1, 1, 1, 1, 1])], {"ignore_index": 1, "label_smoothing": 0.3}
    yield "cross_entropy", [np.array([[1000.0, 0.0, -1000.0]]), np.array([2])], {}

    z, t = r(3, 4, scale=3), rng.integers(0, 2, size=(3, 4)).astype(float)
    for red in REDUCTIONS:
        yield "binary_cross_entropy_with_logits", [z, t], {"reduction": red}
        yield "binary_cross_entropy_with_logits", [z, t], {"reduction": red, "weight": np.abs(r(4))}
        yield "binary_cross_entropy_with_logits", [z, t], {"reduction": red, "pos_weight": np.abs(r(4)) + 0.5}
        yield "binary_cross_entropy_with_logits", [z, probs(3, 4)], {
            "reduction": red, "weight": np.abs(r(3, 4)), "pos_weight": np.array([3.0])}
    yield "binary_cross_entropy_with_logits", [np.array([40.0, -40.0, 100.0, -100.0]), np.array([1.0, 1.0, 0.0, 0.0])], {
        "reduction": "none"}

    a, b = r(5, 3), r(5, 3)
    pairs = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
    for red in REDUCTIONS:
        for margin in (0.0, 0.3, -0.5):
            yield "cosine_embedding_loss", [a, b, pairs], {"reduction": red, "margin": margin}
        yield "cosine_embedding_loss", [r(3), r(3), np.array(-1.0)], {"reduction": red}
    yield "cosine_embedding_loss", [np.zeros((2, 3)), r(2, 3), np.array([1.0, -1.0])], {"reduction": "none"}

    logp = np.log(probs(4, 3))
    q = probs(4, 3)
    q[0, 1] = 0.0
    for red in REDUCTIONS + ("batchmean",):
        yield "kl_div", [logp, q], {"reduction": red}
        yield "kl_div", [logp, np.log(probs(4, 3))], {"reduction": red, "log_target": True}


def encode(a):
    a = np.asarray(a, dtype=np.float64)
    out = np.where(np.isnan(a), None, a).tolist() if a.ndim else (None if np.isnan(a) else float(a))
    return {"shape": list(a.shape), "values": _nonfinite(out)}


def _nonfinite(v):
    if isinstance(v, list):
        return [_nonfinite(e) for e in v]
    if v is None:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def main():
    import torch

    records = []
    for name, args, kwargs in cases():
        rec = {"function": name, "args": [encode(a) for a in args],
               "kwargs": {k: encode(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}}
        for dtype in ("float64", "float32"):
            rec[dtype] = encode(torch_call(name, args, kwargs, dtype))
        records.append(rec)
    OUT.write_text(json.dumps({"generator": "tests/make_golden.py", "torch": torch.__version__,
                               "cases": records}, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {OUT} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
