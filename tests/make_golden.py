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

    yield from _classification_cases(rng, r, probs)
    yield from _similarity_cases(rng, r)
    yield from _distribution_cases(rng, r)
    yield from _ctc_cases(rng, r, probs)


def _classification_cases(rng, r, probs):
    # nll_loss: weight x ignore_index, K-dimensional, unbatched, all targets ignored, empty batch
    logp = np.log(probs(5, 4))
    labels = np.array([3, 0, 1, 1, 2])
    for red in REDUCTIONS:
        yield "nll_loss", [logp, labels], {"reduction": red}
        yield "nll_loss", [logp, labels], {"reduction": red, "weight": np.array([0.5, 2.0, 1.0, 3.0])}
        yield "nll_loss", [logp, labels], {"reduction": red, "ignore_index": 1}
        yield "nll_loss", [np.log(probs(2, 3, 4, axis=1)), np.array([[0, 1, 2, 1], [2, 2, 0, 1]])], {"reduction": red}
        yield "nll_loss", [np.log(probs(4)), np.array(2)], {"reduction": red, "weight": np.array([1.0, 2.0, 3.0, 4.0])}
        yield "nll_loss", [np.zeros((0, 3)), np.zeros(0)], {"reduction": red}
    yield "nll_loss", [logp, np.array([1, 1, 1, 1, 1])], {"ignore_index": 1}
    yield "nll_loss", [logp, np.array([1, 1, 1, 1, 1])], {"ignore_index": 1, "reduction": "sum"}

    # binary_cross_entropy: soft targets, weights that broadcast, the -100 clamp at x = 0 and 1
    x = np.round(rng.uniform(0.01, 0.99, size=(4, 3)), 4)
    y = rng.integers(0, 2, size=(4, 3)).astype(float)
    for red in REDUCTIONS:
        yield "binary_cross_entropy", [x, y], {"reduction": red}
        yield "binary_cross_entropy", [x, probs(4, 3)], {"reduction": red, "weight": np.array([1.0, 2.0, 0.5])}
        yield "binary_cross_entropy", [x, y], {"reduction": red, "weight": np.abs(r(4, 3))}
        yield "binary_cross_entropy", [x, y], {"reduction": red, "weight": np.array([[2.0], [1.0], [0.0], [3.0]])}
    edge_x, edge_y = np.array([0.0, 1.0, 0.5, 0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.5, 0.5, 1.0, 0.0, 0.25])
    for red in REDUCTIONS:
        yield "binary_cross_entropy", [edge_x, edge_y], {"reduction": red}
    yield "binary_cross_entropy", [np.array(0.3), np.array(1.0)], {"weight": np.array(2.0)}

    # soft_margin_loss: +-1 and real targets, a target that broadcasts into the input, overflow
    x, y = r(3, 4, scale=2), rng.choice([-1.0, 1.0], size=(3, 4))
    for red in REDUCTIONS:
        yield "soft_margin_loss", [x, y], {"reduction": red}
        yield "soft_margin_loss", [x, np.round(rng.uniform(-1, 1, size=(3, 4)), 3)], {"reduction": red}
        yield "soft_margin_loss", [x, rng.choice([-1.0, 1.0], size=4)], {"reduction": red}
        yield "soft_margin_loss", [r(5), np.array(1.0)], {"reduction": red}
    # float32 overflows to inf past -y x = 88.72, float64 does not (spec 5.3.4)
    yield "soft_margin_loss", [np.array([-100.0, 100.0, -30.0]), np.array([1.0, 1.0, 1.0])], {"reduction": "none"}

    # multilabel_soft_margin_loss: weight (C,) and (N, C), unbatched, 3-D (last dim is the class dim)
    x, y = r(4, 3, scale=2), rng.integers(0, 2, size=(4, 3)).astype(float)
    for red in REDUCTIONS:
        yield "multilabel_soft_margin_loss", [x, y], {"reduction": red}
        yield "multilabel_soft_margin_loss", [x, y], {"reduction": red, "weight": np.array([1.0, 2.0, 3.0])}
        yield "multilabel_soft_margin_loss", [x, y], {"reduction": red, "weight": np.abs(r(4, 3))}
        yield "multilabel_soft_margin_loss", [r(5), rng.integers(0, 2, size=5).astype(float)], {"reduction": red}
        yield "multilabel_soft_margin_loss", [r(2, 2, 3), rng.integers(0, 2, size=(2, 2, 3)).astype(float)], {
            "reduction": red}
    yield "multilabel_soft_margin_loss", [np.array([[50.0, -50.0, 0.0]]), np.array([[0.0, 1.0, 0.5]])], {
        "reduction": "none"}

    # multilabel_margin_loss: -1 padding, duplicates before the first -1, entries after it,
    # a full row without -1, a row that starts with -1; unbatched, 0-d, empty batch
    x = r(5, 5)
    labels = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [0, 1, 2, 3, 4], [-1, 2, 2, 0, 1], [4, -1, -1, -1, -1]])
    for red in REDUCTIONS:
        yield "multilabel_margin_loss", [x, labels], {"reduction": red}
        yield "multilabel_margin_loss", [r(4), np.array([1, -1, 0, 0])], {"reduction": red}
        yield "multilabel_margin_loss", [r(3, 4, scale=0.2), np.array([[2, -1, 0, 0], [0, 3, -1, 1], [3, 2, 1, -1]])], {
            "reduction": red}
    yield "multilabel_margin_loss", [np.array(0.5), np.array(0)], {}
    yield "multilabel_margin_loss", [np.zeros((0, 3)), np.zeros((0, 3))], {"reduction": "none"}

    # multi_margin_loss: p 1 and 2, margins (a negative one is allowed), weight; unbatched
    x, y = r(6, 4), np.array([3, 0, 1, 2, 2, 0])
    for red in REDUCTIONS:
        for p in (1, 2):
            for margin in (1.0, 0.5, -0.2):
                yield "multi_margin_loss", [x, y], {"reduction": red, "p": p, "margin": margin}
            yield "multi_margin_loss", [x, y], {"reduction": red, "p": p, "weight": np.array([1.0, 2.0, 0.5, 3.0])}
        yield "multi_margin_loss", [r(4), np.array(1)], {"reduction": red}
        yield "multi_margin_loss", [r(4), np.array([2])], {"reduction": red, "p": 2, "margin": 2.0}
    yield "multi_margin_loss", [np.zeros((0, 3)), np.zeros(0)], {"reduction": "none"}

    # linear_cross_entropy: bias, weight, ignore_index, label smoothing (with weights),
    # probability targets, unbatched features, a K-dimensional linear weight (C, d1, D)
    feats, lw, lb = r(6, 3), r(5, 3), r(5)
    idx = np.array([4, 0, 2, 2, 1, 3])
    w = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    for red in REDUCTIONS:
        yield "linear_cross_entropy", [feats, lw, idx], {"reduction": red}
        yield "linear_cross_entropy", [feats, lw, idx], {"reduction": red, "linear_bias": lb, "weight": w}
        yield "linear_cross_entropy", [feats, lw, idx], {"reduction": red, "ignore_index": 2, "label_smoothing": 0.2}
        yield "linear_cross_entropy", [feats, lw, idx], {
            "reduction": red, "weight": w, "label_smoothing": 0.1, "linear_bias": lb}
        yield "linear_cross_entropy", [feats, lw, probs(6, 5)], {"reduction": red, "weight": w, "label_smoothing": 0.3}
        yield "linear_cross_entropy", [r(3), lw, np.array(4)], {"reduction": red, "linear_bias": lb}
        yield "linear_cross_entropy", [feats, r(5, 2, 3), rng.integers(0, 5, size=(6, 2)).astype(float)], {
            "reduction": red, "linear_bias": r(5, 2)}
    yield "linear_cross_entropy", [feats, lw, np.full(6, 2)], {"ignore_index": 2}


def _similarity_cases(rng, r):
    # margin_ranking_loss: margins, unbatched, a (1,) target that broadcasts; torch's value for y = 0
    x1, x2, y = r(6), r(6), rng.choice([-1.0, 1.0], size=6)
    for red in REDUCTIONS:
        for margin in (0.0, 0.5, -0.2):
            yield "margin_ranking_loss", [x1, x2, y], {"reduction": red, "margin": margin}
        yield "margin_ranking_loss", [np.array(0.3), np.array(-0.1), np.array(-1.0)], {"reduction": red, "margin": 0.1}
        yield "margin_ranking_loss", [x1, x2, np.array([-1.0])], {"reduction": red}
    yield "margin_ranking_loss", [x1[:3], x2[:3], np.array([0.0, 0.5, 1.0])], {"reduction": "none", "margin": 0.3}

    # hinge_embedding_loss: margins, a target that broadcasts; torch's value for other targets
    x, y = np.abs(r(3, 4, scale=1.5)), rng.choice([-1.0, 1.0], size=(3, 4))
    for red in REDUCTIONS:
        for margin in (1.0, 2.0, -0.5):
            yield "hinge_embedding_loss", [x, y, ], {"reduction": red, "margin": margin}
        yield "hinge_embedding_loss", [x, rng.choice([-1.0, 1.0], size=4)], {"reduction": red}
    yield "hinge_embedding_loss", [np.array([0.3, 2.0, -0.5, 0.7]), np.array([1.0, -1.0, 0.0, 0.5])], {
        "reduction": "none"}

    # triplet_margin_loss: margin, p (1, 2, 3, 1.5, inf, 0, -1), eps, swap; unbatched, 3-D, broadcast
    a, p, n = r(5, 3), r(5, 3), r(5, 3)
    for red in REDUCTIONS:
        for swap in (False, True):
            for norm in (2.0, 1.0, 3.0, 1.5, float("inf"), 0.0, -1.0):
                yield "triplet_margin_loss", [a, p, n], {"reduction": red, "p": norm, "swap": swap}
            yield "triplet_margin_loss", [a, p, n], {"reduction": red, "margin": 0.3, "eps": 0.0, "swap": swap}
            yield "triplet_margin_loss", [a, p, n], {"reduction": red, "margin": 2.5, "eps": 1e-3, "swap": swap}
        yield "triplet_margin_loss", [r(4), r(4), r(4)], {"reduction": red, "swap": True}
        yield "triplet_margin_loss", [r(2, 3, 4), r(2, 3, 4), r(2, 3, 4)], {"reduction": red, "p": 1.0}
        yield "triplet_margin_loss", [a, r(1, 3), n], {"reduction": red}
    yield "triplet_margin_loss", [np.zeros(2), np.zeros(2), np.zeros(2)], {}

    # triplet_margin_with_distance_loss: the named distances, margin, swap; unbatched, zero vectors
    for red in REDUCTIONS:
        for distance in ("pairwise", "cosine", "l1"):
            for swap in (False, True):
                yield "triplet_margin_with_distance_loss", [a, p, n], {
                    "reduction": red, "distance": distance, "swap": swap}
            yield "triplet_margin_with_distance_loss", [a, p, n], {"reduction": red, "distance": distance, "margin": 0.2}
            yield "triplet_margin_with_distance_loss", [r(4), r(4), r(4)], {
                "reduction": red, "distance": distance, "margin": 2.0, "swap": True}
        yield "triplet_margin_with_distance_loss", [a, p, n], {"reduction": red}
    yield "triplet_margin_with_distance_loss", [np.zeros((2, 3)), r(2, 3), r(2, 3)], {
        "reduction": "none", "distance": "cosine"}


def _distribution_cases(rng, r):
    # poisson_nll_loss: log_input, full (Stirling only where target > 1), eps; a broadcast target
    x = r(4, 3)
    counts = np.array([[0.0, 1.0, 2.0], [3.0, 0.5, 1.5], [10.0, 0.0, 1.0], [4.0, 7.0, 0.25]])
    rates = np.round(rng.uniform(0.0, 3.0, size=(4, 3)), 3)
    rates[0, 0] = 0.0
    for red in REDUCTIONS:
        for full in (False, True):
            yield "poisson_nll_loss", [x, counts], {"reduction": red, "full": full}
            yield "poisson_nll_loss", [rates, counts], {"reduction": red, "full": full, "log_input": False}
            yield "poisson_nll_loss", [rates, counts], {"reduction": red, "full": full, "log_input": False, "eps": 0.1}
        yield "poisson_nll_loss", [x, np.array([1.0, 2.0, 5.0])], {"reduction": red, "full": True}
    yield "poisson_nll_loss", [np.array([0.5, 1.0, 2.0, 0.0]), np.array([0.0, 1.0, 2.0, 3.0])], {
        "reduction": "none", "log_input": False}

    # gaussian_nll_loss: var of input's shape, one fewer dim, a size-1 dim, a float, a 0-d var for
    # a 1-D input (the one-fewer-dim rule); full; eps clamping tiny and zero variances
    x, y = r(4, 3), r(4, 3)
    var = np.round(rng.uniform(0.1, 2.0, size=(4, 3)), 3)
    for red in REDUCTIONS:
        for full in (False, True):
            yield "gaussian_nll_loss", [x, y, var], {"reduction": red, "full": full}
            yield "gaussian_nll_loss", [x, y, var[:, 0]], {"reduction": red, "full": full}
            yield "gaussian_nll_loss", [x, y, var[:, :1]], {"reduction": red, "full": full}
            yield "gaussian_nll_loss", [x, y, var[:1, :]], {"reduction": red, "full": full}
            yield "gaussian_nll_loss", [x, y], {"reduction": red, "full": full, "var": 0.7}
        yield "gaussian_nll_loss", [x[0], y[0], np.array(0.4)], {"reduction": red}
        yield "gaussian_nll_loss", [x, y[0], var], {"reduction": red}
        yield "gaussian_nll_loss", [x, y, np.array([[0.0, 1e-8, 0.5]] * 4)], {"reduction": red, "eps": 1e-3}
    yield "gaussian_nll_loss", [np.array([0.0, 0.0]), np.array([0.001, 1.0]), np.array([0.0, 1e-8])], {"reduction": "sum"}


def _ctc_cases(rng, r, probs):
    # ctc_loss: padded and concatenated targets, repeats, blank other than 0, input and target
    # lengths shorter than the tensors, an impossible alignment (inf) with and without
    # zero_infinity, empty targets, an empty input, unbatched; 'mean' divides by target lengths
    T, N, C = 7, 4, 5
    log_probs = np.log(probs(T, N, C))
    padded = np.array([[1, 2, 2, 3], [4, 4, 1, 0], [2, 0, 0, 0], [3, 1, 4, 2]])
    target_lengths = np.array([4, 3, 1, 4])
    input_lengths = np.array([7, 6, 5, 7])
    concatenated = np.concatenate([row[:n] for row, n in zip(padded, target_lengths)])
    impossible = np.array([7, 2, 5, 3])  # sample 1 needs 4 frames for "4 4 1", sample 3 needs 4
    for red in REDUCTIONS:
        for zero_infinity in (False, True):
            yield "ctc_loss", [log_probs, padded, input_lengths, target_lengths], {
                "reduction": red, "zero_infinity": zero_infinity}
            yield "ctc_loss", [log_probs, concatenated, input_lengths, target_lengths], {
                "reduction": red, "zero_infinity": zero_infinity}
            yield "ctc_loss", [log_probs, padded, impossible, target_lengths], {
                "reduction": red, "zero_infinity": zero_infinity}
        yield "ctc_loss", [log_probs, np.where(padded == 0, 4, padded) - 1, input_lengths, target_lengths], {
            "reduction": red, "blank": 4}
        yield "ctc_loss", [log_probs, padded, np.array([7, 0, 3, 7]), np.array([0, 0, 1, 2])], {"reduction": red}
        yield "ctc_loss", [log_probs[:, 0], padded[0, :3], np.array(6), np.array(3)], {"reduction": red}
        yield "ctc_loss", [log_probs[:, 0], padded[:1], np.array([7]), np.array([2])], {"reduction": red, "blank": 3}
    long_probs = np.log(probs(40, 2, 6))
    long_targets = rng.integers(1, 6, size=(2, 15))
    yield "ctc_loss", [long_probs, long_targets, np.array([40, 33]), np.array([15, 11])], {"reduction": "none"}
    # unnormalised log-probabilities are not checked: the "loss" can be negative
    yield "ctc_loss", [r(5, 2, 3), np.array([[1, 2], [2, 2]]), np.array([5, 5]), np.array([2, 2])], {"reduction": "none"}


def edge_cases():
    """(tag, function, args, kwargs): torch's numbers where losscli's strict rules refuse the
    inputs (tag "strict", checked with strict(False) and refused with it on), and on empty
    batches (tag "empty"); tests/test_edges.py reads them by tag."""
    x = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]])
    yield "strict", "binary_cross_entropy_with_logits", [x, np.array([[2.0, -0.5, 1.0], [0.0, 1.0, 0.5]])], {}
    yield "strict", "soft_margin_loss", [x, np.array([[1.0, 0.5, -1.0], [0.0, 1.0, -1.0]])], {}
    pairs = [np.array([[1.0, 0.0], [0.6, 0.8], [1.0, 1.0]]), np.array([[0.0, 1.0], [0.8, 0.6], [1.0, -1.0]])]
    yield "strict", "cosine_embedding_loss", [*pairs, np.array([1.0, 0.0, 0.5])], {"margin": 0.1}
    yield "strict", "cosine_embedding_loss", [*pairs, np.array([-1.0])], {}  # one label broadcast to 3 pairs
    yield "strict", "hinge_embedding_loss", [np.abs(x), np.array([[1.0, 0.5, -1.0], [0.0, 1.0, -1.0]])], {}
    yield "strict", "margin_ranking_loss", [np.array([0.3, 2.0, -1.0]), np.array([1.0, 0.5, 0.0]),
                                            np.array([0.0, 1.0, 0.5])], {"margin": 0.2}
    yield "strict", "multilabel_margin_loss", [np.array([[0.1, 0.2, 0.4, 0.8]]), np.array([[3, 3, -1, 1]])], {}
    yield "strict", "multilabel_margin_loss", [np.array([[0.1, 0.2, 0.4]]), np.array([[0, 0, 1]])], {}
    yield "strict", "poisson_nll_loss", [x, np.array([[1.0, -2.0, 0.0], [3.0, 0.5, -0.5]])], {}
    yield "strict", "kl_div", [np.array([[0.4, 0.6], [0.3, 0.7]]), np.array([[0.5, 0.5], [0.4, 0.6]])], {
        "reduction": "batchmean"}
    for reduction in REDUCTIONS:
        e, e1 = np.zeros((0, 3)), np.zeros(0)
        for name in ("l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                     "binary_cross_entropy_with_logits", "poisson_nll_loss", "hinge_embedding_loss",
                     "soft_margin_loss", "multilabel_soft_margin_loss"):
            yield "empty", name, [e, e], {"reduction": reduction}
        yield "empty", "mse_loss", [e1, e1], {"reduction": reduction}
        yield "empty", "kl_div", [e, e], {"reduction": reduction}
        yield "empty", "cross_entropy", [e, e1], {"reduction": reduction}
        yield "empty", "cross_entropy", [e, e], {"reduction": reduction}  # probability targets
        yield "empty", "nll_loss", [e, e1], {"reduction": reduction}
        yield "empty", "gaussian_nll_loss", [e, e, e], {"reduction": reduction}
        yield "empty", "cosine_embedding_loss", [e, e, e1], {"reduction": reduction}
        yield "empty", "margin_ranking_loss", [e1, e1, e1], {"reduction": reduction}
        yield "empty", "triplet_margin_loss", [e, e, e], {"reduction": reduction}
        yield "empty", "triplet_margin_with_distance_loss", [e, e, e], {"reduction": reduction}
        yield "empty", "linear_cross_entropy", [np.zeros((0, 2)), np.ones((3, 2)), e1], {"reduction": reduction}
        lp = np.log(np.full((4, 2, 3), 1 / 3))
        yield "empty", "ctc_loss", [lp, e1, np.array([4, 3]), np.array([0, 0])], {"reduction": reduction}
        yield "empty", "ctc_loss", [lp, np.zeros((2, 0)), np.array([4, 0]), np.array([0, 0])], {"reduction": reduction}
    yield "empty", "kl_div", [np.zeros((0, 3)), np.zeros((0, 3))], {"reduction": "batchmean"}


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

    torch.set_num_threads(1)  # float32 sums split across threads round differently from run to run
    records = []
    for tag, name, args, kwargs in [(None, *case) for case in cases()] + list(edge_cases()):
        rec = {"function": name, "args": [encode(a) for a in args],
               "kwargs": {k: encode(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}}
        if tag:
            rec["tag"] = tag
        for dtype in ("float64", "float32"):
            rec[dtype] = encode(torch_call(name, args, kwargs, dtype))
        records.append(rec)
    OUT.write_text(json.dumps({"generator": "tests/make_golden.py", "torch": torch.__version__,
                               "cases": records}, indent=1) + "\n")
    print(f"wrote {len(records)} cases to {OUT} with torch {torch.__version__}")
    __import__("golden_grad_cases").main()  # and the gradients: tests/golden/torch_2.13_grad.json


if __name__ == "__main__":
    main()
