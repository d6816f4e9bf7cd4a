"""The reference libraries as oracles for losscli's library losses, random cases over every
parameter, and the generator of tests/golden/library_losses.json.

Oracles: Keras 3.15.1 on its torch backend (KERAS_BACKEND=torch, dtype float64), optax 0.2.8
with jax 0.10.2 (x64 enabled), scikit-learn 1.9.1, and torchvision's box losses
(generalized_box_iou_loss, distance_box_iou_loss, complete_box_iou_loss of torchvision.ops)
transcribed line by line in torch 2.13, since torchvision cannot be installed beside torch
2.13 here.

    python tests/golden_library_cases.py     # rewrites tests/golden/library_losses.json

Every golden entry records the oracle that produced it, so a machine without the libraries
still checks the numbers.
"""

import contextlib
import json
import os
import pathlib
import sys
import warnings

import numpy as np

GOLDEN = pathlib.Path(__file__).resolve().parent / "golden" / "library_losses.json"
ARRAY_KWARGS = ("sample_weight", "labels", "where", "weights")

# --- the oracles --------------------------------------------------------------------------


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras


@contextlib.contextmanager
def keras_float64():
    """Keras's result_type demotes float64 to float32 on every backend but TensorFlow ("to be
    aligned with JAX's default"), so even dtype="float64" losses round some steps
    (ops.maximum, ops.where) to float32. Inside this block that one mapping is dropped and
    floatx is float64 (Python floats in the formulas, gamma and 1.0, as float64): Keras's own
    formulas run in float64. Both are restored after, for the other tests in the process."""
    keras = _keras()
    from keras.src.backend.common import dtypes

    floatx, demoted = keras.config.floatx(), dtypes.BIT64_TO_BIT32_DTYPE.pop("float64", None)
    keras.config.set_floatx("float64")
    try:
        yield keras
    finally:
        keras.config.set_floatx(floatx)
        if demoted is not None:
            dtypes.BIT64_TO_BIT32_DTYPE["float64"] = demoted


def _optax():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    return jnp, optax


def _numpy(out) -> np.ndarray:
    if hasattr(out, "detach"):
        out = out.detach().cpu().numpy()
    return np.asarray(out, dtype=np.float64)


KERAS_REDUCTION = {"mean": "sum_over_batch_size", "sum": "sum", "none": None}


def keras_class(name: str, expand_1d: bool = False):
    """keras.losses.<name>(**params, reduction=..., dtype="float64")(target, pred, sample_weight)."""

    def oracle(pred, target, reduction, sample_weight=None, **params):
        with keras_float64() as keras:
            return _call(keras, pred, target, reduction, sample_weight, **params)

    def _call(keras, pred, target, reduction, sample_weight, **params):
        obj = getattr(keras.losses, name)(reduction=KERAS_REDUCTION[reduction], dtype="float64", **params)
        if expand_1d and pred.ndim == 1:  # Keras's model.fit shape for one output per sample
            pred, target = pred[:, None], target[:, None]
        if sample_weight is not None:
            # Keras multiplies the weights into the losses as they broadcast: (N,) weights for
            # (N, K) losses go in as (N, 1), one weight per sample as losscli takes them.
            rank = _numpy(getattr(keras.losses, name)(reduction=None, dtype="float64", **params)(target, pred)).ndim
            sample_weight = np.asarray(sample_weight).reshape((-1,) + (1,) * max(rank - 1, 0))
        return _numpy(obj(target, pred, sample_weight=sample_weight))

    oracle.source = f"keras {_version('keras')} keras.losses.{name} (torch backend, float64 kept)"
    return oracle


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    return {"none": values, "sum": values.sum(), "mean": values.mean()}[reduction]


def optax_per_sample(binary: str | None, multiclass: str | None):
    """optax.losses.<binary>(scores, labels) when the shapes agree, else <multiclass>(scores,
    int labels); optax returns the unreduced values, reduced here as losscli documents."""

    def oracle(pred, target, reduction, **params):
        jnp, optax = _optax()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if pred.shape == target.shape and binary:
                out = getattr(optax.losses, binary)(jnp.asarray(pred), jnp.asarray(target), **params)
            else:
                out = getattr(optax.losses, multiclass)(jnp.asarray(pred), jnp.asarray(target.astype(np.int64)), **params)
        return _reduce(_numpy(out), reduction)

    names = " / ".join(f"optax.losses.{n}" for n in (binary, multiclass) if n)
    oracle.source = f"optax {_version('optax')} {names} (jax x64)"
    return oracle


def optax_ranking(pred, target, reduction, where=None, weights=None):
    jnp, optax = _optax()
    reduce_fn = {"mean": jnp.mean, "sum": jnp.sum, "none": None}[reduction]
    kw = {}
    if where is not None:
        kw["where"] = jnp.asarray(np.asarray(where, dtype=bool))
    if weights is not None:
        kw["weights"] = jnp.asarray(weights)
    return _numpy(optax.losses.ranking_softmax_loss(jnp.asarray(pred), jnp.asarray(target), reduce_fn=reduce_fn, **kw))



def optax_ntxent(pred, target, reduction, **params):
    if reduction != "mean":
        return None
    jnp, optax = _optax()
    return _numpy(optax.losses.ntxent(jnp.asarray(pred), jnp.asarray(target), **params))


def sklearn_metric(name: str):
    """sklearn.metrics.<name>(target, pred, **params): its one (mean) value."""

    def oracle(pred, target, reduction, **params):
        if reduction != "mean":
            return None
        import sklearn.metrics

        if isinstance(params.get("scale_by_half"), str) and params["scale_by_half"] != "auto":
            params = {**params, "scale_by_half": params["scale_by_half"] == "true"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.float64(getattr(sklearn.metrics, name)(target, pred, **params))

    oracle.source = f"scikit-learn {_version('sklearn')} sklearn.metrics.{name}"
    return oracle


def _torch_boxes(pred, target):
    import torch

    return torch.from_numpy(pred), torch.from_numpy(target)


def _tv_inter_union(boxes1, boxes2):
    # torchvision.ops._utils._loss_inter_union
    import torch

    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def _tv_diou_iou(boxes1, boxes2, eps):
    # torchvision.ops.diou_loss._diou_iou_loss
    intsct, union = _tv_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    import torch

    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x_p, y_p = (x2 + x1) / 2, (y2 + y1) / 2
    x_g, y_g = (x1g + x2g) / 2, (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    return 1 - iou + (centers_distance_squared / diagonal_distance_squared), iou


def _tv_reduce(loss, reduction):
    if reduction == "mean":
        loss = loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    elif reduction == "sum":
        loss = loss.sum()
    return _numpy(loss)


def tv_giou(pred, target, reduction, eps=1e-7):
    import torch

    boxes1, boxes2 = _torch_boxes(pred, target)
    intsctk, unionk = _tv_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    return _tv_reduce(1 - miouk, reduction)


def tv_diou(pred, target, reduction, eps=1e-7):
    boxes1, boxes2 = _torch_boxes(pred, target)
    return _tv_reduce(_tv_diou_iou(boxes1, boxes2, eps)[0], reduction)


def tv_ciou(pred, target, reduction, eps=1e-7):
    import torch

    boxes1, boxes2 = _torch_boxes(pred, target)
    diou_loss, iou = _tv_diou_iou(boxes1, boxes2, eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred, h_pred = x2 - x1, y2 - y1
    w_gt, h_gt = x2g - x1g, y2g - y1g
    v = (4 / (torch.pi**2)) * torch.pow((torch.atan(w_gt / h_gt) - torch.atan(w_pred / h_pred)), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return _tv_reduce(diou_loss + alpha * v, reduction)


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version({"sklearn": "scikit-learn"}.get(module, module))
    except Exception:
        return "?"


for _f, _name in ((tv_giou, "generalized_box_iou_loss"), (tv_diou, "distance_box_iou_loss"), (tv_ciou, "complete_box_iou_loss")):
    _f.source = f"torchvision.ops.{_name} transcribed in torch {_version('torch')} (float64)"
optax_ranking.source = f"optax {_version('optax')} optax.losses.ranking_softmax_loss (jax x64)"
optax_ntxent.source = f"optax {_version('optax')} optax.losses.ntxent (jax x64)"

# core function -> (oracle, the module the oracle needs)
ORACLES = {
    "categorical_hinge": (keras_class("CategoricalHinge"), "keras"),
    "cosine_similarity": (keras_class("CosineSimilarity"), "keras"),
    "poisson": (keras_class("Poisson", expand_1d=True), "keras"),
    "binary_focal_crossentropy": (keras_class("BinaryFocalCrossentropy", expand_1d=True), "keras"),
    "categorical_focal_crossentropy": (keras_class("CategoricalFocalCrossentropy"), "keras"),
    "dice": (keras_class("Dice"), "keras"),
    "tversky": (keras_class("Tversky"), "keras"),
    "circle": (keras_class("Circle"), "keras"),
    "poly_loss_cross_entropy": (optax_per_sample("poly_loss_cross_entropy", None), "optax"),
    "ntxent": (optax_ntxent, "optax"),
    "sparsemax_loss": (optax_per_sample("sparsemax_loss", "multiclass_sparsemax_loss"), "optax"),
    "perceptron_loss": (optax_per_sample("perceptron_loss", "multiclass_perceptron_loss"), "optax"),
    "multiclass_hinge_loss": (optax_per_sample(None, "multiclass_hinge_loss"), "optax"),
    "convex_kl_divergence": (optax_per_sample("convex_kl_divergence", None), "optax"),
    "ranking_softmax_loss": (optax_ranking, "optax"),
    "log_loss": (sklearn_metric("log_loss"), "sklearn"),
    "brier_score_loss": (sklearn_metric("brier_score_loss"), "sklearn"),
    "mean_poisson_deviance": (sklearn_metric("mean_poisson_deviance"), "sklearn"),
    "mean_gamma_deviance": (sklearn_metric("mean_gamma_deviance"), "sklearn"),
    "zero_one_loss": (sklearn_metric("zero_one_loss"), "sklearn"),
    "hamming_loss": (sklearn_metric("hamming_loss"), "sklearn"),
    "generalized_box_iou_loss": (tv_giou, "torch"),
    "distance_box_iou_loss": (tv_diou, "torch"),
    "complete_box_iou_loss": (tv_ciou, "torch"),
}

# --- random cases over every parameter ----------------------------------------------------


def _weights(rng, n):
    return rng.uniform(0.0, 2.0, n) if rng.random() < 0.5 else None


def _one_hot(rng, n, c):
    return np.eye(c)[rng.integers(0, c, n)]


def _boxes(rng, n):
    xy = rng.uniform(0, 4, (n, 2))
    wh = rng.uniform(0.1, 3, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


def _labels_with_pairs(rng, n, k):
    labels = rng.integers(0, k, n)
    labels[1] = labels[0]  # at least one positive pair
    return labels


def random_case(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """(pred, target, kwargs) for the core function `name`, every parameter drawn at random."""
    n, c = int(rng.integers(2, 7)), int(rng.integers(2, 5))
    u = rng.random
    if name == "categorical_hinge":
        return rng.normal(size=(n, c)), _one_hot(rng, n, c), {"sample_weight": _weights(rng, n)}
    if name == "cosine_similarity":
        shape = (n, c) if u() < 0.6 else (n, 3, c)
        axis = int(rng.choice([a for a in (1, 2, -1, -2) if -len(shape) < a < len(shape) and a % len(shape)]))
        return rng.normal(size=shape), rng.normal(size=shape), {"axis": axis, "sample_weight": _weights(rng, n)}
    if name == "poisson":
        shape = (n,) if u() < 0.4 else (n, c)
        return rng.uniform(0.01, 4, shape), rng.poisson(2, shape).astype(float), {"sample_weight": _weights(rng, n)}
    if name == "binary_focal_crossentropy":
        shape = (n,) if u() < 0.3 else (n, c)
        logits = u() < 0.5
        pred = rng.normal(0, 3, shape) if logits else rng.uniform(0, 1, shape)
        target = rng.integers(0, 2, shape).astype(float) if u() < 0.7 else rng.uniform(0, 1, shape)
        return pred, target, {
            "apply_class_balancing": bool(u() < 0.5), "alpha": float(u()), "gamma": float(rng.uniform(0, 4)),
            "from_logits": logits, "label_smoothing": float(rng.uniform(0, 0.5)) if u() < 0.5 else 0.0,
            "sample_weight": _weights(rng, n),
        }
    if name == "categorical_focal_crossentropy":
        logits = u() < 0.5
        pred = rng.normal(0, 3, (n, c)) if logits else rng.uniform(0.01, 1, (n, c))  # rows need not sum to 1
        return pred, _one_hot(rng, n, c), {
            "alpha": float(u()), "gamma": float(rng.uniform(0, 4)), "from_logits": logits,
            "label_smoothing": float(rng.uniform(0, 0.5)) if u() < 0.5 else 0.0, "sample_weight": _weights(rng, n),
        }
    if name in ("dice", "tversky"):
        shape = (n, 3, c)
        axis = None if u() < 0.4 else int(rng.choice([0, 1, 2, -1, -2]))
        kw = {"axis": axis}
        if axis is not None and axis % 3 != 0:
            kw["sample_weight"] = _weights(rng, n)
        if name == "tversky":
            kw.update(alpha=float(u()), beta=float(u()))
        return rng.uniform(0, 1, shape), rng.integers(0, 2, shape).astype(float), kw
    if name == "circle":
        e = rng.normal(size=(n + 2, c + 1))
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        return e, rng.integers(0, 3, n + 2), {
            "gamma": float(rng.uniform(8, 128)), "margin": float(rng.uniform(0.05, 0.5)),
            "remove_diagonal": bool(u() < 0.7), "sample_weight": _weights(rng, n + 2),
        }
    if name == "poly_loss_cross_entropy":
        target = rng.dirichlet(np.ones(c), n) if u() < 0.5 else _one_hot(rng, n, c)
        return rng.normal(0, 2, (n, c)), target, {"epsilon": float(rng.uniform(-1, 3))}
    if name == "ntxent":
        return rng.normal(size=(n + 2, c)), _labels_with_pairs(rng, n + 2, 3), {"temperature": float(rng.uniform(0.05, 1))}
    if name in ("sparsemax_loss", "perceptron_loss") and u() < 0.5:
        shape = (n,) if u() < 0.5 else (n, c)
        labels = rng.integers(0, 2, shape).astype(float)
        if name == "perceptron_loss":
            labels = 2 * labels - 1
        return rng.normal(0, 2, shape), labels, {}
    if name in ("sparsemax_loss", "perceptron_loss", "multiclass_hinge_loss"):
        return rng.normal(0, 2, (n, c)), rng.integers(0, c, n), {}
    if name == "convex_kl_divergence":
        target = rng.uniform(0, 1, (n, c)) * (rng.random((n, c)) < 0.8)
        return rng.normal(size=(n, c)), target, {}
    if name == "ranking_softmax_loss":
        shape = (n, c + 2)
        kw = {}
        if u() < 0.6:
            where = rng.random(shape) < 0.7
            if u() < 0.5:
                where[0] = False
            kw["where"] = where
        if u() < 0.4:
            kw["weights"] = rng.uniform(0, 2, shape)
        return rng.normal(size=shape), rng.integers(0, 4, shape).astype(float), kw
    if name == "log_loss":
        kw = {"normalize": bool(u() < 0.7), "sample_weight": _weights(rng, n)}
        if u() < 0.4:  # binary: the probability of the greater label
            classes = rng.choice([[0, 1], [-1, 1], [2, 5]])
            target = classes[rng.integers(0, 2, n)]
            target[:2] = classes
            return rng.uniform(0, 1, n), target, kw
        target = rng.integers(0, c, n)
        if u() < 0.5:
            kw["labels"] = np.arange(c)
        else:
            target[:c] = np.arange(c) if n >= c else target[:c]
            if n < c:
                kw["labels"] = np.arange(c)
        return rng.dirichlet(np.ones(c), n), target, kw
    if name == "brier_score_loss":
        kw = {"sample_weight": _weights(rng, n), "scale_by_half": str(rng.choice(["auto", "true", "false"]))}
        if u() < 0.5:
            classes = rng.choice([[0, 1], [-1, 1], [3, 7]])
            target = classes[rng.integers(0, 2, n)]
            if u() < 0.5:
                kw["pos_label"] = int(rng.choice(classes))
            return rng.uniform(0, 1, n), target, kw
        kw["labels"] = np.arange(c)
        return rng.dirichlet(np.ones(c), n), rng.integers(0, c, n), kw
    if name == "mean_poisson_deviance":
        return rng.uniform(0.05, 5, n), rng.poisson(2, n).astype(float), {"sample_weight": _weights(rng, n)}
    if name == "mean_gamma_deviance":
        return rng.uniform(0.05, 5, n), rng.gamma(2, 1, n) + 0.01, {"sample_weight": _weights(rng, n)}
    if name in ("zero_one_loss", "hamming_loss"):
        shape = (n,) if u() < 0.5 else (n, c)
        k = 4 if len(shape) == 1 else 2
        kw = {"sample_weight": _weights(rng, n)}
        if name == "zero_one_loss":
            kw["normalize"] = bool(u() < 0.7)
        return rng.integers(0, k, shape), rng.integers(0, k, shape), kw
    if name in ("generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"):
        kw = {"eps": float(rng.choice([1e-7, 1e-3]))}
        return _boxes(rng, n), _boxes(rng, n), kw
    raise KeyError(name)


# --- hand-picked cases: the references' own test inputs and edge cases --------------------

BOX1, BOX2, BOX3, BOX4 = [-1, -1, 1, 1], [0, 0, 1, 1], [0, 1, 1, 2], [1, 1, 2, 2]
CIRCLE_LABELS = [1, 1, 2, 2, 3]
CIRCLE_EMB = [
    [0.70014004, -0.42008403, 0.14002801, 0.56011203],
    [0.17609018, 0.70436073, -0.52827054, 0.44022545],
    [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
    [0.32163376, -0.75047877, 0.53605627, -0.21442251],
    [0.51261459, -0.34174306, 0.17087153, 0.76892189],
]
DICE_TRUE = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
DICE_PRED = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]

# (core function, pred, target, kwargs, reductions)
CASES = [
    ("categorical_hinge", [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {}, ("mean", "sum", "none")),
    ("categorical_hinge", [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [0.0, 0.0]], {"sample_weight": [1.0, 0.0]}, ("mean", "none")),
    ("cosine_similarity", [[4.0, 8, 12], [8, 1, 3]], [[1.0, 9, 2], [-5, -2, 6]], {}, ("mean", "none")),
    ("cosine_similarity", [[0.0, 0.0], [1, 1]], [[1.0, 0.0], [1, 1]], {"axis": 1}, ("none",)),
    ("poisson", [[1.0, 9, 2], [5, 2, 6]], [[4.0, 8, 12], [8, 1, 3]], {"sample_weight": [1.2, 3.4]}, ("mean", "none")),
    ("binary_focal_crossentropy", [[0.9, 0.8], [0.7, 0.2]], [[1.0, 0], [1, 0]], {}, ("mean", "none")),
    ("binary_focal_crossentropy", [[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]], [[1.0, 1, 0], [0, 1, 0]],
     {"gamma": 3.0, "from_logits": True, "apply_class_balancing": True, "alpha": 0.4, "label_smoothing": 0.1}, ("mean", "none")),
    ("categorical_focal_crossentropy", [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]],
     [[1.0, 0, 0], [0, 1, 0], [0, 0, 1]], {}, ("mean", "none")),
    ("categorical_focal_crossentropy", [[8.0, 1, 1], [0, 9, 1], [2, 3, 5]], [[1.0, 0, 0], [0, 1, 0], [0, 0, 1]],
     {"from_logits": True, "label_smoothing": 0.2, "gamma": 1.0}, ("mean",)),
    ("dice", [[4.0, 1], [6, 1]], [[1.0, 2], [1, 2]], {}, ("mean",)),
    ("dice", DICE_PRED, DICE_TRUE, {}, ("mean",)),
    ("dice", DICE_PRED, DICE_TRUE, {"axis": 1}, ("none", "mean")),
    ("tversky", [[4.0, 1], [6, 1]], [[1.0, 2], [1, 2]], {"alpha": 0.2, "beta": 0.8}, ("mean",)),
    ("tversky", [[0.0, 1, 0, 1], [1, 0, 1, 1], [0, 1, 0, 1], [1, 0, 1, 1]],
     [[1.0, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]], {"alpha": 0.2, "beta": 0.8}, ("mean",)),
    ("tversky", DICE_PRED, DICE_TRUE, {"alpha": 0.7, "beta": 0.3, "axis": -3, "sample_weight": [2.0, 0.5]}, ("mean", "none")),
    ("circle", CIRCLE_EMB, CIRCLE_LABELS, {}, ("mean", "sum", "none")),
    ("circle", CIRCLE_EMB, CIRCLE_LABELS, {"gamma": 256.0, "margin": 0.25}, ("mean",)),
    ("circle", CIRCLE_EMB, CIRCLE_LABELS, {"sample_weight": [2.0, 2.0, 1.0, 1.0, 0.5]}, ("mean",)),
    ("circle", CIRCLE_EMB, CIRCLE_LABELS, {"remove_diagonal": False}, ("none",)),
    ("poly_loss_cross_entropy", [[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]], [[1.0, 0, 0], [0, 1, 0]], {}, ("mean", "none")),
    ("poly_loss_cross_entropy", [[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]], [[0.2, 0.3, 0.5], [0, 1, 0]], {"epsilon": -1.0}, ("none",)),
    ("ntxent", [[0.08969027], [1.6291292], [0.8622629], [0.13612625]], [0, 0, 1, 1], {}, ("mean",)),
    ("ntxent", [[1.0, 2.0], [2.0, 1.0], [-1.0, 0.5], [0.3, -0.2], [1.0, 1.0]], [0, 0, 1, 1, 0], {"temperature": 0.5}, ("mean",)),
    ("sparsemax_loss", [-2.0, -0.5, 0.3, 1.5, 3.0], [1.0, 0, 1, 0, 1], {}, ("none", "mean")),
    ("sparsemax_loss", [[1.0, 0.5, -1.0], [0.2, 0.1, 0.0], [3.0, -2.0, 2.5]], [2, 0, 1], {}, ("none", "mean")),
    ("perceptron_loss", [0.5, -1.5, 2.0], [1.0, 1, -1], {}, ("none", "sum")),
    ("perceptron_loss", [[1.0, 0.5, -1.0], [0.2, 0.1, 0.0]], [2, 0], {}, ("none", "mean")),
    ("multiclass_hinge_loss", [[1.0, 0.5, -1.0], [0.2, 0.1, 0.0], [3.0, -2.0, 2.5]], [2, 0, 1], {}, ("none", "mean")),
    ("convex_kl_divergence", [[-1.0, -0.5, -2.0], [0.3, -0.1, -3.0]], [[0.2, 0.5, 0.3], [0.0, 1.5, 0.5]], {}, ("none", "mean")),
    ("ranking_softmax_loss", [[2.0, 1.0, 3.0], [1.0, 0.5, -2.0]], [[1.0, 0, 0], [0, 2, 1]], {}, ("none", "mean", "sum")),
    ("ranking_softmax_loss", [[2.0, 1.0, 3.0], [1.0, 0.5, -2.0], [0.1, 0.2, 0.3]], [[1.0, 0, 0], [0, 2, 1], [1, 1, 0]],
     {"where": [[True, True, False], [True, True, True], [False, False, False]], "weights": [[1.0, 2, 1], [0.5, 1, 1], [1, 1, 1]]},
     ("none", "mean")),
    ("log_loss", [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]], [1, 0, 0, 1], {}, ("mean",)),
    ("log_loss", [0.9, 0.1, 0.2, 0.65], [1, 0, 0, 1], {"sample_weight": [1.0, 2.0, 0.5, 1.0], "normalize": False}, ("mean",)),
    ("log_loss", [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], [1, 0, 0], {"labels": [0, 1, 2]}, ("mean",)),
    ("log_loss", [[1.0, 0.0], [0.0, 1.0]], [1, 0], {}, ("mean",)),
    ("brier_score_loss", [0.1, 0.9, 0.8, 0.3], [0, 1, 1, 0], {}, ("mean",)),
    ("brier_score_loss", [0.1, 0.9, 0.8, 0.3], [3, 7, 7, 3], {"pos_label": 3, "sample_weight": [1.0, 1, 2, 0.5]}, ("mean",)),
    ("brier_score_loss", [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]], [0, 1, 2], {}, ("mean",)),
    ("brier_score_loss", [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]], [0, 1, 1], {"labels": [0, 1, 2], "scale_by_half": True}, ("mean",)),
    ("mean_poisson_deviance", [2.0, 0.5, 1.0, 4.0], [1.0, 0.0, 3.0, 4.0], {}, ("mean",)),
    ("mean_poisson_deviance", [2.0, 0.5, 1.0, 4.0], [1.0, 0.0, 3.0, 4.0], {"sample_weight": [1.0, 3.0, 0.0, 2.0]}, ("mean",)),
    ("mean_gamma_deviance", [0.5, 0.5, 2.0, 2.0], [2.0, 0.5, 1.0, 4.0], {}, ("mean",)),
    ("mean_gamma_deviance", [0.5, 0.5, 2.0, 2.0], [2.0, 0.5, 1.0, 4.0], {"sample_weight": [2.0, 1.0, 0.5, 0.5]}, ("mean",)),
    ("zero_one_loss", [1, 2, 3, 4], [2, 2, 3, 4], {}, ("mean",)),
    ("zero_one_loss", [1, 2, 3, 4], [2, 2, 3, 4], {"normalize": False, "sample_weight": [3.0, 1, 1, 1]}, ("mean",)),
    ("zero_one_loss", [[0, 1], [1, 1]], [[1, 1], [1, 1]], {}, ("mean",)),
    ("hamming_loss", [1, 2, 3, 4], [2, 2, 3, 4], {}, ("mean",)),
    ("hamming_loss", [[0, 1, 1], [1, 1, 0]], [[0, 0, 1], [1, 1, 1]], {"sample_weight": [1.0, 3.0]}, ("mean",)),
    ("generalized_box_iou_loss", [BOX1, BOX2, BOX2, BOX2], [BOX1, BOX1, BOX3, BOX4], {}, ("none", "mean", "sum")),
    ("distance_box_iou_loss", [BOX1, BOX1, BOX1, BOX1], [BOX1, BOX2, BOX3, BOX4], {}, ("none", "mean", "sum")),
    ("complete_box_iou_loss", [BOX1, BOX1, BOX1, BOX1], [BOX1, BOX2, BOX3, BOX4], {}, ("none", "mean", "sum")),
    ("complete_box_iou_loss", [[0.0, 0, 3, 1], [1, 1, 2, 5]], [[0.5, 0, 2, 2], [0, 0, 3, 3]], {"eps": 1e-3}, ("none",)),
]


def _arrays(pred, target, kwargs):
    kw = {k: (np.asarray(v) if k in ARRAY_KWARGS and v is not None else v) for k, v in kwargs.items()}
    return np.asarray(pred), np.asarray(target), kw


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def generate() -> list[dict]:
    """Every CASES entry, plus two random cases per loss, through its oracle."""
    entries = []
    rng = np.random.default_rng(20261130)
    cases = list(CASES)
    for name in ORACLES:
        for _ in range(2):
            pred, target, kw = random_case(name, rng)
            cases.append((name, pred.tolist(), target.tolist(), {k: _jsonable(v) for k, v in kw.items()}, ("mean", "sum", "none")))
    for name, pred, target, kwargs, reductions in cases:
        oracle, _ = ORACLES[name]
        p, t, kw = _arrays(pred, target, kwargs)
        for reduction in reductions:
            value = oracle(p.astype(np.float64), t, reduction, **kw)
            if value is None:
                continue
            entries.append({
                "core": name, "pred": p.tolist(), "target": t.tolist(), "kwargs": {k: _jsonable(v) for k, v in kw.items()},
                "reduction": reduction, "expected": _jsonable(np.asarray(value)), "source": oracle.source,
            })
    return entries


def load() -> list[dict]:
    return json.loads(GOLDEN.read_text())["cases"]


if __name__ == "__main__":
    entries = generate()
    GOLDEN.write_text(json.dumps({
        "generator": "tests/golden_library_cases.py",
        "note": "expected values computed by the oracle each entry names; pred/target/kwargs as passed to losscli",
        "cases": entries,
    }, indent=1, allow_nan=True) + "\n")
    print(f"{len(entries)} cases -> {GOLDEN}", file=sys.stderr)
