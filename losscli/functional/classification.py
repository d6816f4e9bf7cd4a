"""Classification losses: nll, cross entropy, BCE with logits (torch 2.13 semantics)."""

import numpy as np

from ..errors import InputError, UsageError
from ._common import as_float, check_fits, check_reduction, reduce, shape_str


def log_softmax(input, axis: int) -> np.ndarray:
    """x - max - log(sum(exp(x - max))): finite for huge logits, as torch computes it."""
    x = as_float(input, "input")
    with np.errstate(all="ignore"):
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def class_indices(target, name: str = "target") -> np.ndarray:
    """Integral class indices as int64; floats must be whole numbers (2.0 yes, 2.5 no)."""
    t = np.asarray(target)
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if t.dtype.kind != "f":
        raise InputError(f"{{{name}}} must hold class indices, got dtype {t.dtype}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(t) | (t != np.round(t))
    if bad.any():
        pos = np.argwhere(bad)[0]
        raise InputError(
            f"{{{name}}} must hold whole class indices, got {t[tuple(pos)]!r} at {_where(pos)}"
        )
    return t.astype(np.int64)


def _where(pos) -> str:
    return "position " + ",".join(map(str, pos)) if len(pos) else "the only position"


def _class_weight(weight, n_classes: int, dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = as_float(weight, "weight").astype(dtype, copy=False)
    if w.shape != (n_classes,):
        raise InputError(
            f"{{weight}} must hold one value per class ({n_classes}), got shape {shape_str(w.shape)}"
        )
    return w


def _index_target_shape(x: np.ndarray, t: np.ndarray) -> None:
    """Index targets are (N, d1..dK) for input (N, C, d1..dK), and 0-d for input (C,)."""
    if x.ndim == 0:
        raise InputError("{input} must have 1 or more dimensions (classes), got a single number")
    expected = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    if x.ndim == 1 and t.shape == (1,):
        return
    if t.shape != expected:
        if x.ndim >= 2 and t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise InputError(
                f"{{target}} has {t.shape[0]} samples but {{input}} has {x.shape[0]} "
                f"(input {shape_str(x.shape)}, target {shape_str(t.shape)})"
            )
        raise InputError(
            f"{{target}} has shape {shape_str(t.shape)}; for {{input}} of shape "
            f"{shape_str(x.shape)} class indices need shape {shape_str(expected)}"
        )


def _picked(x: np.ndarray, t: np.ndarray, ignore_index: int):
    """Per position: the class-dim value at the target index, and the mask of kept positions."""
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    t = t.reshape(()) if x.ndim == 1 else t
    keep = t != ignore_index
    bad = keep & ((t < 0) | (t >= n_classes))
    if bad.any():
        pos = np.argwhere(bad)[0] if t.ndim else ()
        raise InputError(
            f"{{target}} holds class index {int(t[tuple(pos)])} at {_where(pos)}, "
            f"outside [0, {n_classes}) ({{ignore_index}} is {ignore_index})"
        )
    safe = np.where(keep, t, 0)
    moved = np.moveaxis(x, cdim, -1)
    picked = np.take_along_axis(moved, safe[..., None], axis=-1)[..., 0]
    return picked, keep, safe


@np.errstate(all="ignore")
def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Negative log likelihood: loss_i = -weight[y_i] * input[i, y_i], 0 where y_i == ignore_index.

    input is (C,), (N, C) or (N, C, d1, ...) log-probabilities; target holds class indices of
    shape (), (N,) or (N, d1, ...). 'mean' divides by the summed weight of the kept targets.
    """
    check_reduction(reduction)
    x = as_float(input, "input")
    t = class_indices(target)
    _index_target_shape(x, t)
    w = _class_weight(weight, x.shape[0 if x.ndim == 1 else 1], x.dtype)
    picked, keep, safe = _picked(x, t, ignore_index)
    wt = np.ones_like(picked) if w is None else w[safe]
    zero = x.dtype.type(0)
    loss = np.where(keep, -wt * picked, zero)
    if reduction != "mean":
        return reduce(loss, reduction)
    return loss.sum(dtype=x.dtype) / np.where(keep, wt, zero).sum(dtype=x.dtype)


@np.errstate(all="ignore")
def cross_entropy(
    input,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
):
    """Cross entropy of logits: nll_loss(log_softmax(input, class dim), target).

    A target with input's shape holds class probabilities; any other shape holds class
    indices. The class dim is 1, or 0 for an unbatched (C,) input. With label smoothing eps,
    the target becomes (1 - eps) * target + eps / C.
    """
    check_reduction(reduction)
    if label_smoothing > 1.0:
        raise UsageError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x = as_float(input, "input")
    if x.ndim == 0:
        raise InputError("{input} must have 1 or more dimensions (classes), got a single number")
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    logp = log_softmax(x, cdim)
    w = _class_weight(weight, n_classes, x.dtype)
    w_b = None if w is None else w.reshape((-1,) + (1,) * (x.ndim - cdim - 1))
    target = np.asarray(target)
    if target.shape == x.shape:
        return _cross_entropy_probs(logp, as_float(target, "target"), w_b, ignore_index, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight=w, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:  # torch treats a negative label_smoothing as 0
        return nll
    # torch's form: (1 - eps) * nll + smooth * (eps / C), where smooth is -sum_c w_c logp_c,
    # 0 at ignored positions, and 'mean' shares nll's denominator: the weight of the kept targets.
    t = class_indices(target)
    keep = (t.reshape(()) if x.ndim == 1 else t) != ignore_index
    smooth = -(logp if w_b is None else logp * w_b).sum(axis=cdim)
    smooth = np.where(keep, smooth, x.dtype.type(0))
    if reduction == "mean":
        kept_weight = keep.sum() if w is None else w[np.where(keep, t, 0)][keep].sum(dtype=x.dtype)
        smooth = smooth.sum(dtype=x.dtype) / x.dtype.type(kept_weight)
    elif reduction == "sum":
        smooth = smooth.sum(dtype=x.dtype)
    eps = x.dtype.type(label_smoothing)
    return (x.dtype.type(1) - eps) * nll + smooth * (eps / x.dtype.type(n_classes))


def _cross_entropy_probs(logp, p, w_b, ignore_index, reduction, label_smoothing):
    if ignore_index >= 0:
        raise UsageError("ignore_index is not supported with class-probability targets")
    cdim = 0 if logp.ndim == 1 else 1
    n_classes = logp.shape[cdim]
    dt = np.result_type(logp, p)
    if label_smoothing > 0:
        eps = dt.type(label_smoothing)
        p = p * (dt.type(1) - eps) + eps / dt.type(n_classes)
    terms = logp * p if w_b is None else logp * p * w_b
    if reduction == "none":
        return -terms.sum(axis=cdim)
    total = -terms.sum(dtype=dt)
    if reduction == "sum":
        return total
    samples = logp.size // n_classes
    return total / dt.type(samples) if samples else dt.type(np.nan)


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
):
    """BCE on logits: w * [(1 - y) x - (1 + (p - 1) y) log_sigmoid(x)], stable for large |x|.

    target must have input's shape; weight and pos_weight broadcast to it (pos_weight along
    the last dim). 'mean' is the plain mean over elements: weights are not normalised.
    """
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    if y.shape != x.shape:
        raise InputError(
            f"{{target}} has shape {shape_str(y.shape)} but {{input}} has {shape_str(x.shape)}; "
            "they must be the same"
        )
    dt = np.result_type(x, y)
    one = dt.type(1)
    # log_sigmoid as torch's CPU kernel: min(x, 0) - log1p(exp(-|x|))
    log_sig = np.minimum(x, dt.type(0)) - np.log1p(np.exp(-np.abs(x)))
    if pos_weight is not None:
        p = as_float(pos_weight, "pos_weight")
        check_fits("pos_weight", p, "input", x.shape)
        log_sig = log_sig * ((p.astype(dt, copy=False) - one) * y + one)
    loss = (one - y) * x - log_sig
    if weight is not None:
        w = as_float(weight, "weight")
        check_fits("weight", w, "input", x.shape)
        loss = loss * w.astype(dt, copy=False)
    return reduce(loss, reduction)
