"""The losses users know from Keras 3, optax, scikit-learn and torchvision, against those libraries.

1. Golden values (tests/golden/library_losses.json, written by tests/golden_library_cases.py
   from the oracles it names): run everywhere, float64 at rtol 1e-9, float32 at 1e-5.
2. The libraries' own test values (their test files and docstrings), at their tolerances.
3. Random differential cases over every parameter against the installed libraries (skipped
   cleanly where one is missing).
4. The Parts contract: blocks of rows add up to the whole; the errors; the declarations.
"""

import csv
import importlib.util
import inspect
import json
import math
import pathlib
import re
import sys
import types
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import golden_library_cases as G
import losscli.functional as F
from losscli.errors import InputError, LossCliError, UsageError
from losscli.functional._common import Parts

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _kwargs(kw: dict) -> dict:
    return {k: (np.asarray(v) if k in G.ARRAY_KWARGS and v is not None else v) for k, v in kw.items()}


def _close(got, want, rtol, atol=1e-12):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# --- 1. golden values --------------------------------------------------------------------------

GOLDEN_CASES = G.load()


def test_golden_covers_every_library_loss():
    assert {c["core"] for c in GOLDEN_CASES} == set(F.LIBRARY_LOSSES) == set(G.ORACLES)
    assert all(c["source"] for c in GOLDEN_CASES)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda c: f"{c['core']}-{c['reduction']}")
def test_golden_float64(case):
    fn = getattr(F, case["core"])
    got = fn(np.asarray(case["pred"], dtype=np.float64), np.asarray(case["target"]), reduction=case["reduction"],
             **_kwargs(case["kwargs"]))
    _close(got, case["expected"], rtol=1e-9)


# The losses whose target holds class labels (integers stay integers) rather than numbers.
LABEL_TARGETS = {"multiclass_hinge_loss", "perceptron_loss", "sparsemax_loss", "circle", "ntxent", "log_loss",
                 "brier_score_loss", "zero_one_loss", "hamming_loss"}


def _float32_comparable(case) -> bool:
    # log loss clips to the dtype's machine epsilon: with certain (0 or 1) probabilities the
    # float32 value is -log(1.2e-7), not float64's -log(2.2e-16), in scikit-learn too.
    return case["reduction"] == "mean" and not (case["core"] == "log_loss" and np.isin(case["pred"], (0, 1)).any())


@pytest.mark.parametrize("case", [c for c in GOLDEN_CASES if _float32_comparable(c)], ids=lambda c: c["core"])
def test_golden_float32(case):
    """float32 inputs stay float32 and land within float32 rounding of the float64 value."""
    fn = getattr(F, case["core"])
    target = np.asarray(case["target"])
    binary_form = case["core"] in ("sparsemax_loss", "perceptron_loss") and target.shape == np.shape(case["pred"])
    if case["core"] not in LABEL_TARGETS or binary_form:
        target = target.astype(np.float32)
    got = fn(np.asarray(case["pred"], dtype=np.float32), target, reduction="mean", **_kwargs(case["kwargs"]))
    if case["core"] not in ("zero_one_loss", "hamming_loss"):  # labels in, counts out: float64
        assert np.asarray(got).dtype == np.float32
    # circle's gamma 80 amplifies float32 rounding of the cosines 80-fold inside its exponents.
    _close(got, case["expected"], rtol=2e-4 if case["core"] == "circle" else 1e-5, atol=1e-5)


# --- 2. the libraries' own test values ----------------------------------------------------------

CIRCLE_REF_LABELS = [1, 1, 2, 2, 3, 4]
CIRCLE_REF_EMB = [
    [0.40824829, -0.54433105, 0.27216553, 0.68041382],
    [0.76376261, 0.10910895, -0.54554473, 0.32732684],
    [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
    [0.52981294, -0.13245324, 0.79471941, -0.26490647],
    [0.54554473, -0.32732684, 0.10910895, 0.76376261],
    [-0.27216553, 0.68041382, 0.40824829, -0.54433105],
]
NTX = [[-1.9540, 1.0780], [0.2380, -0.5703], [1.8745, -0.0195], [-0.6719, -1.9210]]
KL_LOGP = [[-2.9957, -3.5066, -3.9120, -1.2040, -0.6931, -2.3026], [-1.6094, -1.6094, -1.6094, -2.3026, -1.8971, -1.8971]]
KL_Q = [[0.2, 0.2, 0.2, 0.1, 0.15, 0.15], [0.05, 0.03, 0.02, 0.3, 0.5, 0.0]]
SEG_TRUE = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]]
SEG_PRED = [[0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]]
# Keras's axis=(1, 2, 3) on its (2, 2, 2, 1) example is axis 1 of the same data as (2, 4).
AXIS_TRUE = [[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
AXIS_PRED = [[0.0, 1.0, 0.0, 1.0], [0.4, 0.0, 0.0, 0.9]]
B1, B2, B3, B4 = G.BOX1, G.BOX2, G.BOX3, G.BOX4
KERAS_T = "keras 3.15.1 keras/src/losses/losses_test.py"
OPTAX_T = "optax 0.2.8 optax/losses"
TV_T = "torchvision test/test_ops.py"

# (function, pred, target, kwargs, expected, rtol/atol, where the value came from)
LIBRARY_VALUES = [
    (F.categorical_hinge, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {}, 1.4, 1e-3, f"{KERAS_T} CategoricalHingeTest"),
    (F.categorical_hinge, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {"reduction": "sum"}, 2.8, 1e-3, KERAS_T),
    (F.categorical_hinge, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {"reduction": "none"}, [1.2, 1.6], 1e-3, KERAS_T),
    (F.categorical_hinge, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {"sample_weight": [1.0, 0.0]}, 0.6, 1e-3, KERAS_T),
    (F.binary_focal_crossentropy, [[0.9, 0.8], [0.7, 0.2]], [[1.0, 0], [1, 0]], {}, 0.268, 1e-3, f"{KERAS_T} BinaryFocalCrossentropyTest"),
    (F.binary_focal_crossentropy, [[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]], [[1.0, 1, 0], [0, 1, 0]], {"gamma": 3.0, "from_logits": True},
     0.799, 1e-3, KERAS_T),
    (F.categorical_focal_crossentropy, [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]], np.eye(3), {}, 0.02059, 1e-3,
     f"{KERAS_T} CategoricalFocalCrossentropyTest"),
    (F.categorical_focal_crossentropy, [[8.0, 1, 1], [0, 9, 1], [2, 3, 5]], np.eye(3), {"from_logits": True}, 0.000345, 1e-3, KERAS_T),
    (F.dice, [[4.0, 1], [6, 1]], [[1.0, 2], [1, 2]], {}, -0.55555546, 1e-6, f"{KERAS_T} DiceTest"),
    (F.dice, SEG_PRED, SEG_TRUE, {}, 0.77777773, 1e-6, KERAS_T),
    (F.dice, AXIS_PRED, AXIS_TRUE, {"axis": 1, "reduction": "none"}, [0.5, 0.75757575], 1e-6, KERAS_T),
    (F.tversky, [[4.0, 1], [6, 1]], [[1.0, 2], [1, 2]], {"alpha": 0.2, "beta": 0.8}, -0.29629636, 1e-6, f"{KERAS_T} TverskyTest"),
    (F.tversky, SEG_PRED, SEG_TRUE, {"alpha": 0.2, "beta": 0.8}, 0.7916667, 1e-6, KERAS_T),
    (F.tversky, AXIS_PRED, AXIS_TRUE, {"alpha": 0.2, "beta": 0.8, "axis": 1, "reduction": "none"}, [0.5, 0.7222222], 1e-6, KERAS_T),
    (F.circle, G.CIRCLE_EMB, G.CIRCLE_LABELS, {}, 188.3883, 1e-4, f"{KERAS_T} CircleTest"),
    (F.circle, G.CIRCLE_EMB, G.CIRCLE_LABELS, {"gamma": 256.0, "margin": 0.25}, 652.7617, 1e-4, KERAS_T),
    (F.circle, G.CIRCLE_EMB, G.CIRCLE_LABELS, {"sample_weight": [2.0, 2.0, 1.0, 1.0, 0.5]}, 244.91918, 1e-4, KERAS_T),
    (F.circle, CIRCLE_REF_EMB, CIRCLE_REF_LABELS, {"reduction": "none"}, [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0], 1e-4, KERAS_T),
    (F.circle, CIRCLE_REF_EMB, CIRCLE_REF_LABELS, {"reduction": "sum"}, 264.845, 1e-4, KERAS_T),
    (F.poly_loss_cross_entropy, [[4.0, 2.0, 1.0], [0.0, 5.0, 1.0]], [[1.0, 0, 0], [0, 0.8, 0.2]], {"reduction": "none"},
     [0.4823, 1.2567], 1e-4, f"{OPTAX_T}/_classification_test.py PolyLossTest (eps 2)"),
    (F.poly_loss_cross_entropy, [[4.0, 2.0, 1.0], [0.0, 5.0, 1.0]], [[1.0, 0, 0], [0, 0.8, 0.2]], {"epsilon": 5.45, "reduction": "none"},
     [1.0211, 2.0018], 1e-4, f"{OPTAX_T}/_classification_test.py PolyLossTest (eps 5.45)"),
    (F.ntxent, NTX, [0, 0, 1, 1], {}, 14.01032, 1e-4, f"{OPTAX_T}/_self_supervised_test.py NtxentTest"),
    (F.ntxent, NTX, [0, 0, 0, 1], {}, 8.968544, 1e-4, f"{OPTAX_T}/_self_supervised_test.py NtxentTest"),
    (F.ntxent, [[0.0, 0.0]] + NTX[1:], [0, 0, 1, 1], {}, 9.2889, 1e-4, f"{OPTAX_T}/_self_supervised_test.py NtxentTest"),
    (F.convex_kl_divergence, KL_LOGP, KL_Q, {"reduction": "none"}, [0.88757247, 0.859308], 1e-4,
     f"{OPTAX_T}/_classification_test.py GeneralizedKLDivergenceTest"),
    (F.sparsemax_loss, [10.0, 20.0], [1.0, 0.0], {"reduction": "none"}, [0.0, 20.0], 1e-4, f"{OPTAX_T} SparsemaxTest"),
    (F.sparsemax_loss, [[0.0, 1e5, 0.0], [1e5, 0.0, 0.0], [0.0, 0.0, 1e5]], [1, 0, 2], {"reduction": "none"}, [0.0, 0.0, 0.0], 1e-4,
     f"{OPTAX_T} SparsemaxTest.test_multi_class_zero_loss"),
    (F.ranking_softmax_loss, [2.0, 1.0, 3.0], [1.0, 0.0, 0.0], {}, 1.408, 1e-3, "optax 0.2.8 losses/_ranking.py docstring"),
    (F.ranking_softmax_loss, [[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]], [[1.0, 0, 0], [0, 0, 1]],
     {"where": np.array([[True, True, False], [True, True, True]])}, 0.497, 1e-3, "optax 0.2.8 losses/_ranking.py docstring"),
    (F.log_loss, [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]], [1, 0, 0, 1], {}, 0.21616, 1e-4,
     "scikit-learn 1.9.1 log_loss docstring (spam/ham as 1/0)"),
    (F.brier_score_loss, [0.1, 0.9, 0.8, 0.3], [0, 1, 1, 0], {}, 0.0375, 1e-9, "scikit-learn 1.9.1 brier_score_loss docstring"),
    (F.brier_score_loss, [0.1, 0.9, 0.8, 0.3], [0, 1, 1, 0], {"scale_by_half": False}, 0.075, 1e-9, "scikit-learn 1.9.1 docstring"),
    (F.brier_score_loss, [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]], [0, 1, 2], {}, 0.146, 1e-3,
     "scikit-learn 1.9.1 brier_score_loss docstring (eggs/ham/spam as 0/1/2)"),
    (F.mean_poisson_deviance, [0.5, 0.5, 2.0, 2.0], [2.0, 0.0, 1.0, 4.0], {}, 1.4260, 1e-4, "scikit-learn 1.9.1 docstring"),
    (F.mean_gamma_deviance, [0.5, 0.5, 2.0, 2.0], [2.0, 0.5, 1.0, 4.0], {}, 1.0568, 1e-4, "scikit-learn 1.9.1 docstring"),
    (F.zero_one_loss, [1, 2, 3, 4], [2, 2, 3, 4], {}, 0.25, 1e-12, "scikit-learn 1.9.1 zero_one_loss docstring"),
    (F.zero_one_loss, [1, 2, 3, 4], [2, 2, 3, 4], {"normalize": False}, 1.0, 1e-12, "scikit-learn 1.9.1 docstring"),
    (F.zero_one_loss, np.ones((2, 2)), [[0, 1], [1, 1]], {}, 0.5, 1e-12, "scikit-learn 1.9.1 docstring (multilabel)"),
    (F.hamming_loss, [1, 2, 3, 4], [2, 2, 3, 4], {}, 0.25, 1e-12, "scikit-learn 1.9.1 hamming_loss docstring"),
    (F.hamming_loss, np.zeros((2, 2)), [[0, 1], [1, 1]], {}, 0.75, 1e-12, "scikit-learn 1.9.1 docstring (multilabel)"),
    (F.generalized_box_iou_loss, [B1, B1, B2, B2], [B1, B2, B3, B4], {"reduction": "none"}, [0.0, 0.75, 1.0, 1.5], 1e-6,
     f"{TV_T} TestGeneralizedBoxIouLoss"),
    (F.generalized_box_iou_loss, [B2, B2], [B3, B4], {"reduction": "sum"}, 2.5, 1e-6, TV_T),
    (F.generalized_box_iou_loss, [B2, B2], [B3, B4], {}, 1.25, 1e-6, TV_T),
    (F.distance_box_iou_loss, [B1, B1, B1, B1], [B1, B2, B3, B4], {"reduction": "none"}, [0.0, 0.8125, 1.1923, 1.25], 1e-4,
     f"{TV_T} TestDistanceBoxIouLoss"),
    (F.distance_box_iou_loss, [B2, B2], [B3, B4], {}, 1.2250, 1e-4, TV_T),
    (F.distance_box_iou_loss, [B2, B2], [B3, B4], {"reduction": "sum"}, 2.4500, 1e-4, TV_T),
    (F.complete_box_iou_loss, [B1, B1, B1, B1], [B1, B2, B3, B4], {"reduction": "none"}, [0.0, 0.8125, 1.1923, 1.25], 1e-4,
     f"{TV_T} TestCompleteBoxIouLoss"),
    (F.complete_box_iou_loss, [B2, B2], [B3, B4], {}, 1.2250, 1e-4, TV_T),
    (F.complete_box_iou_loss, [B2, B2], [B3, B4], {"reduction": "sum"}, 2.4500, 1e-4, TV_T),
    (F.complete_box_iou_loss, np.zeros((0, 4)), np.zeros((0, 4)), {}, 0.0, 0, f"{TV_T} assert_empty_loss: the mean of no boxes is 0"),
]


@pytest.mark.parametrize("fn, pred, target, kwargs, expected, tol, source", LIBRARY_VALUES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(LIBRARY_VALUES)])
def test_library_test_values(fn, pred, target, kwargs, expected, tol, source):
    kwargs = _kwargs(kwargs)
    _close(fn(np.asarray(pred, dtype=np.float64), np.asarray(target), **kwargs), expected, rtol=tol, atol=tol)


def test_library_values_cover_every_library_loss():
    named = {c[0].__name__ for c in LIBRARY_VALUES}
    # poisson, cosine similarity, perceptron and multiclass hinge: their libraries test them
    # against formulas, not numbers; the golden table and the oracles cover them.
    assert set(F.LIBRARY_LOSSES) - named == {"poisson", "cosine_similarity", "perceptron_loss", "multiclass_hinge_loss"}


# --- 3. random differential cases against the installed libraries ------------------------------

# Three random cases a loss: the first in the quick run, the others in the slow run (CI runs
# both). Each new shape costs jax a compilation of ~0.1 s, most of this test's time.
SEEDS = [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(G.ORACLES))
def test_differential(name, seed):
    oracle, module = G.ORACLES[name]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    fn = getattr(F, name)
    rng = np.random.default_rng([seed, sorted(G.ORACLES).index(name)])
    pred, target, kw = G.random_case(name, rng)
    for reduction in ("mean", "sum", "none"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = oracle(pred, target, reduction, **kw)
        if want is None:
            continue
        got = fn(pred, target, reduction=reduction, **kw)
        _close(got, want, rtol=1e-9)


KERAS_LOSSES = sorted(n for n, (_, module) in G.ORACLES.items() if module == "keras")


@pytest.mark.parametrize("name", KERAS_LOSSES)
def test_float32_against_keras_as_shipped(name):
    """float32 in, float32 out, against Keras's float32 losses as installed (no float64 patch)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    keras = G._keras()
    rng = np.random.default_rng([11, KERAS_LOSSES.index(name)])
    pred, target, kw = G.random_case(name, rng)
    cls = {"categorical_hinge": "CategoricalHinge", "cosine_similarity": "CosineSimilarity", "poisson": "Poisson",
           "binary_focal_crossentropy": "BinaryFocalCrossentropy", "dice": "Dice", "tversky": "Tversky",
           "categorical_focal_crossentropy": "CategoricalFocalCrossentropy", "circle": "Circle"}[name]
    params = {k: v for k, v in kw.items() if k != "sample_weight"}
    p32 = pred.astype(np.float32)
    t32 = target if name == "circle" else target.astype(np.float32)
    p_k, t_k = (p32[:, None], t32[:, None]) if p32.ndim == 1 else (p32, t32)
    want = G._numpy(getattr(keras.losses, cls)(reduction="none", **params)(t_k, p_k))
    got = getattr(F, name)(p32, t32, reduction="none", **params)
    assert got.dtype == np.float32
    # circle's gamma (up to 128) multiplies float32 rounding of the cosines inside exp().
    np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-3 if name == "circle" else 1e-5, atol=1e-5)


# --- 4. the Parts contract, the errors, the declarations ---------------------------------------

SPLITTABLE = [n for n in sorted(G.ORACLES) if n not in (
    "dice", "tversky", "circle", "ntxent", "ranking_softmax_loss", "log_loss", "brier_score_loss")]


@pytest.mark.parametrize("name", SPLITTABLE)
def test_blocks_of_rows_add_up(name):
    """What the engine does: parts of two blocks of rows, summed, give the whole loss."""
    fn = getattr(F, name)
    rng = np.random.default_rng(7)
    pred, target, kw = G.random_case(name, rng)
    while len(pred) < 3:
        pred, target, kw = G.random_case(name, rng)
    whole = fn(pred, target, reduction="parts", **kw)
    assert isinstance(whole, Parts)
    total, denominator = 0.0, 0.0
    for rows in (slice(0, 2), slice(2, None)):
        part_kw = {k: (v[rows] if k == "sample_weight" and v is not None else v) for k, v in kw.items()}
        p = fn(pred[rows], target[rows], reduction="parts", **part_kw)
        total, denominator = total + p.summands.sum(), denominator + p.denominator
    assert math.isclose(total / denominator, fn(pred, target, **kw), rel_tol=1e-12)
    assert math.isclose(denominator, whole.denominator)


def test_no_warning_reaches_stderr():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.cosine_similarity(np.zeros((2, 3)), np.ones((2, 3)))
        F.poisson(np.zeros((2, 2)), np.ones((2, 2)))
        F.binary_focal_crossentropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
        F.categorical_focal_crossentropy(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]))
        F.dice(np.zeros(3), np.zeros(3))
        F.ranking_softmax_loss(np.ones((1, 2)), np.ones((1, 2)), where=np.zeros((1, 2)))
        F.ntxent(np.zeros((2, 2)), np.array([0, 1]))
        F.log_loss(np.array([0.0, 1.0]), np.array([1, 0]))
        F.complete_box_iou_loss(np.array([[0.0, 0, 1, 0]]), np.array([[0.0, 0, 0, 0]]))


def test_edge_values():
    # Keras: a zero vector's cosine is 0; optax: NT-Xent without positive pairs is 0/0.
    _close(F.cosine_similarity(np.zeros((1, 3)), np.ones((1, 3)), reduction="none"), [0.0], 0)
    assert math.isnan(F.ntxent(np.eye(2), np.array([0, 1])))
    # optax: a mean over lists that are all masked is 0.
    assert F.ranking_softmax_loss(np.ones((2, 2)), np.ones((2, 2)), where=np.zeros((2, 2))) == 0
    # scikit-learn 1.9: log loss clips to [eps, 1 - eps]: -log(2.2e-16) for a certain mistake.
    _close(F.log_loss(np.array([0.0, 1.0]), np.array([1, 0])), -math.log(np.finfo(float).eps), 1e-12)
    # Keras: rows without positives have circle loss 0 and leave the mean.
    emb = np.eye(3)
    assert list(F.circle(emb, np.array([0, 1, 2]), reduction="none")) == [0, 0, 0]


# --- invariants the references document (hypothesis) ------------------------------------------

UNIT = st.floats(0.0, 1.0)


@settings(deadline=None)
@given(arrays(np.float64, (3, 4), elements=UNIT), arrays(np.float64, (3, 4), elements=st.sampled_from([0.0, 1.0])))
def test_tversky_with_equal_weights_is_dice(pred, target):
    """Keras's docs: alpha = beta = 0.5 is the Dice loss (up to where the 1e-7 enters: Dice adds it to
    |A| + |B|, Tversky to half of that)."""
    assert math.isclose(F.tversky(pred, target), F.dice(pred, target), rel_tol=1e-9, abs_tol=1e-7)


@settings(deadline=None)
@given(st.lists(st.tuples(*[st.floats(0, 10)] * 2, *[st.floats(0.01, 5)] * 2), min_size=1, max_size=5), st.data())
def test_box_losses_are_symmetric(boxes, data):
    """torchvision: "This loss is symmetric, so the boxes1 and boxes2 arguments are interchangeable"."""
    a = np.array([[x, y, x + w, y + h] for x, y, w, h in boxes])
    b = a[::-1] + data.draw(st.floats(-2, 2))
    for fn in (F.generalized_box_iou_loss, F.distance_box_iou_loss, F.complete_box_iou_loss):
        np.testing.assert_allclose(fn(a, b, reduction="none"), fn(b, a, reduction="none"), rtol=1e-12, atol=1e-15)
    assert (F.generalized_box_iou_loss(a, b, reduction="none") <= 2).all()


@settings(deadline=None)
@given(arrays(np.float64, 5, elements=st.floats(0.1, 10)), arrays(np.float64, 5, elements=st.floats(0.1, 10)),
       st.floats(0.01, 100))
def test_gamma_deviance_is_scale_free(pred, target, scale):
    """scikit-learn: the Gamma deviance is invariant to scaling predictions and targets together."""
    assert math.isclose(F.mean_gamma_deviance(pred * scale, target * scale), F.mean_gamma_deviance(pred, target),
                        rel_tol=1e-9, abs_tol=1e-12)


@settings(deadline=None)
@given(arrays(np.float64, (4, 3), elements=st.floats(-5, 5)), arrays(np.int64, 4, elements=st.integers(0, 2)))
def test_margin_losses_order(scores, labels):
    """perceptron <= multiclass hinge <= perceptron + 1, and the sparsemax loss is >= 0."""
    perceptron = F.perceptron_loss(scores, labels, reduction="none")
    hinge = F.multiclass_hinge_loss(scores, labels, reduction="none")
    assert (perceptron <= hinge + 1e-12).all() and (hinge <= perceptron + 1 + 1e-12).all()
    assert (F.sparsemax_loss(scores, labels, reduction="none") >= -1e-12).all()


ERRORS = [
    (F.dice, ([0.5, 0.5], [1.0, 0.0]), {"sample_weight": [1.0, 1.0]}, UsageError, "{sample_weight} needs {axis}"),
    (F.dice, ([[0.5]], [[1.0]]), {"axis": 2}, UsageError, "{axis} must be in [-2, 1]"),
    (F.tversky, ([[0.5]], [[1.0]]), {"axis": 0, "sample_weight": [1.0]}, UsageError, "axis 0 holds the samples"),
    (F.cosine_similarity, ([[1.0, 2]], [[1.0, 2]]), {"axis": 0}, UsageError, "axis 0 holds the samples"),
    (F.cosine_similarity, ([1.0, 2], [1.0, 2]), {}, UsageError, "write a single vector as one row"),
    (F.categorical_hinge, ([[1.0, 2]], [[1.0, 0]]), {"sample_weight": [1.0, 2.0]}, InputError,
     "{sample_weight} must hold one weight per sample, shape (1,), got (2,)"),
    (F.categorical_hinge, ([[1.0, 2]], [[1.0, 0, 0]]), {}, InputError, "{target} has shape (1, 3) but {input} has (1, 2)"),
    (F.binary_focal_crossentropy, ([0.5], [1.0]), {"label_smoothing": 1.5}, UsageError, "{label_smoothing} must be in [0, 1]"),
    (F.multiclass_hinge_loss, ([[1.0, 2]], [2]), {}, InputError, "{target} holds class index 2 at position 0, outside [0, 2)"),
    (F.multiclass_hinge_loss, ([[1.0, 2]], [0.5]), {}, InputError, "must hold integer class indices, got 0.5"),
    (F.perceptron_loss, ([1.0, 2], [0.0, 1]), {}, InputError, "{target} must hold the labels -1 and 1"),
    (F.sparsemax_loss, ([1.0, 2], [2.0, 1]), {}, InputError, "{target} must hold the labels 0 and 1"),
    (F.circle, ([[1.0, 0]], [0.5]), {}, InputError, "circle needs integer labels"),
    (F.ntxent, ([[1.0, 0]], [0, 1]), {}, InputError, "shape (1,), got (2,)"),
    (F.ranking_softmax_loss, ([[1.0, 0]], [[1.0, 0]]), {"where": np.array([[2, 0]])}, InputError, "{where} must hold booleans"),
    (F.log_loss, ([0.5, 0.5], [1, 1]), {}, InputError, "{target} holds only one class (1)"),
    (F.log_loss, ([[0.5, 0.5], [0.2, 0.8]], [0, 2]), {"labels": [0, 1]}, InputError, "which is not one of {labels}"),
    (F.log_loss, ([[0.5, 0.5, 0], [0.2, 0.8, 0]], [0, 1]), {}, InputError, "{input} has 3 columns of probabilities but {target} has 2 classes"),
    (F.log_loss, ([1.5, 0.5], [0, 1]), {}, InputError, "{input} holds probabilities greater than 1: 1.5 at position 0"),
    (F.log_loss, ([0.5, 0.5], [0, 0.5]), {}, InputError, "scikit-learn calls fractional labels continuous"),
    (F.brier_score_loss, ([0.5, 0.5, 0.1], [0, 1, 2]), {}, InputError, "{target} holds 3 classes but {input} is one probability"),
    (F.brier_score_loss, ([0.5], [1]), {"scale_by_half": "maybe"}, UsageError, "{scale_by_half} must be auto, true or false"),
    (F.mean_gamma_deviance, ([1.0, 2.0], [1.0, 0.0]), {}, InputError, "gamma-deviance needs {target} values > 0, got 0.0 at position 1"),
    (F.mean_poisson_deviance, ([0.0, 2.0], [1.0, 0.0]), {}, InputError, "poisson-deviance needs {input} values > 0"),
    (F.mean_poisson_deviance, ([[1.0]], [[1.0]]), {}, InputError, "one output per sample"),
    (F.zero_one_loss, ([[0, 2]], [[0, 1]]), {}, InputError, "multilabel indicator must hold 0 and 1"),
    (F.generalized_box_iou_loss, ([[0.0, 0, 1]], [[0.0, 0, 1]]), {}, InputError, "must be boxes (N, 4)"),
    (F.distance_box_iou_loss, ([[2.0, 0, 1, 1]], [[0.0, 0, 1, 1]]), {}, InputError, "{input} has a box with x2 < x1 or y2 < y1 at box 0"),
    (F.complete_box_iou_loss, ([[0.0, 0, 1, 1]], [[0.0, 0, 1, 1]]), {"reduction": "avg"}, UsageError, "'avg' is not a valid value"),
]


@pytest.mark.parametrize("fn, args, kwargs, error, message", ERRORS, ids=[f"{e[0].__name__}-{i}" for i, e in enumerate(ERRORS)])
def test_errors(fn, args, kwargs, error, message):
    with pytest.raises(error) as info:
        fn(*(np.asarray(a) for a in args), **_kwargs(kwargs))
    assert message in info.value.template
    assert "\n" not in info.value.template


# --- the declarations the lead's registry reads ---------------------------------------------


class _Decl:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _specs():
    """losscli.library_specs.SPECS, through the real registry or, until it exists, a recorder."""
    try:
        import losscli.registry  # noqa: F401

        from losscli.library_specs import SPECS

        return SPECS, False
    except ImportError:
        pass
    fake = types.ModuleType("losscli.registry")

    def recorder(kind):
        return type(kind, (_Decl,), {})

    fake.Array, fake.LossSpec, fake.Param = recorder("Array"), recorder("LossSpec"), recorder("Param")
    sys.modules["losscli.registry"] = fake
    sys.modules.pop("losscli.library_specs", None)
    try:
        from losscli.library_specs import SPECS

        return SPECS, True
    finally:
        del sys.modules["losscli.registry"]
        sys.modules.pop("losscli.library_specs", None)


def _field(decl, name, position=None, default=None):
    if hasattr(decl, "kwargs"):
        if name in decl.kwargs:
            return decl.kwargs[name]
        return decl.args[position] if position is not None and position < len(decl.args) else default
    return getattr(decl, name, default)


def test_one_declaration_per_library_loss():
    specs, _ = _specs()
    cores = [_field(s, "core") for s in specs]
    assert sorted(cores) == sorted(F.LIBRARY_LOSSES)
    names = [_field(s, "name") for s in specs]
    assert len(set(names)) == len(names)
    assert all(n == n.lower() and " " not in n and "_" not in n for n in names)


def test_declarations_match_the_core_functions():
    specs, _ = _specs()
    for spec in specs:
        core = getattr(F, _field(spec, "core"))
        signature = inspect.signature(core).parameters
        arrays = _field(spec, "arrays")
        assert [_field(a, "arg", 1) for a in arrays][:2] == ["input", "target"], _field(spec, "name")
        for array in arrays:
            assert _field(array, "arg", 1) in signature, (_field(spec, "name"), _field(array, "arg", 1))
        for param in _field(spec, "params"):
            name, default = _field(param, "name", 0), _field(param, "default", 2)
            assert name in signature, (_field(spec, "name"), name)
            assert signature[name].default == default, (_field(spec, "name"), name, default)
            assert signature[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert _field(spec, "summary").count("\n") == 0
        assert _field(spec, "reference") and _field(spec, "task")


def _load_sample(source: str, as_labels: bool) -> np.ndarray:
    """A samples/ SOURCE as the CLI reads it: FILE.json:key or FILE.csv:col[,col...]."""
    path, _, selector = source.partition(":")
    if path.endswith(".json"):
        return np.asarray(json.loads((ROOT / path).read_text())[selector])
    rows = list(csv.reader((ROOT / path).read_text().splitlines()))
    columns = [rows[0].index(c) for c in selector.split(",")]
    cells = [[row[c] for c in columns] for row in rows[1:]]
    table = np.array([[float(x) for x in row] for row in cells])
    if as_labels and all(re.fullmatch(r"-?[0-9]+", x) for row in cells for x in row):
        table = table.astype(np.int64)
    return table[:, 0] if len(columns) == 1 else table


def run_example(spec, example: str):
    """The core's value for an example command line, its arrays read from samples/."""
    words = example.split()[2:]
    arrays = {_field(a, "flag", 0): a for a in _field(spec, "arrays")}
    params = {"--" + _field(p, "name", 0).replace("_", "-"): p for p in _field(spec, "params")}
    kwargs, i = {}, 0
    while i < len(words):
        flag = words[i]
        if flag in arrays:
            array = arrays[flag]
            kwargs[_field(array, "arg", 1)] = _load_sample(words[i + 1], bool(_field(array, "labels", default=False)))
            i += 2
        else:
            param = params[flag]
            kind = _field(param, "type", 1)
            if kind == "bool":
                kwargs[_field(param, "name", 0)] = True
                i += 1
            else:
                kwargs[_field(param, "name", 0)] = {"float": float, "int": int, "str": str}[kind](words[i + 1])
                i += 2
    return getattr(F, _field(spec, "core"))(kwargs.pop("input"), kwargs.pop("target"), **kwargs)


def test_examples_run_on_their_sample_files():
    """Every example names files under samples/, and its command line computes a finite loss."""
    specs, _ = _specs()
    for spec in specs:
        examples = _field(spec, "examples")
        assert examples, _field(spec, "name")
        for example in examples:
            words = example.split()
            assert words[:2] == ["losscli", _field(spec, "name")]
            files = {w.split(":")[0] for w in words if w.startswith("samples/")}
            assert files and all((ROOT / f).exists() for f in files), example
            assert np.isfinite(run_example(spec, example)), example


def test_library_specs_import_nothing_heavy():
    source = (ROOT / "losscli" / "library_specs.py").read_text()
    imports = re.findall(r"^\s*(?:import|from)\s+(\S+)", source, re.M)
    assert imports == [".registry"]


def test_errors_render_with_cli_names():
    err = LossCliError("{sample_weight} needs {axis}")
    assert err.render({"sample_weight": "--sample-weight", "axis": "--axis"}) == "--sample-weight needs --axis"
