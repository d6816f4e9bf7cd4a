"""Classification losses: nll, cross entropy, BCE with logits (torch 2.13 semantics)."""

import os

import numpy as np

from ..errors import InputError, UsageError
from ._common import (
    Parts,
    as_float,
    check_fits,
    check_probabilities,
    check_range,
    check_reduction,
    check_signs,
    elementwise,
    finish,
    first_bad,
    same_shape,
    shape_str,
    weighted,
    where,
)


def log_softmax(input, axis: int) -> np.ndarray:
    """x - max - log(sum(exp(x - max))): finite for huge logits, as torch computes it."""
    x = as_float(input, "input")
    with np.errstate(all="ignore"):
        shifted = x - x.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def class_indices(target, name: str = "target", what: str = "class indices") -> np.ndarray:
    """Integral class indices as int64; floats must be whole numbers (2.0 yes, 2.5 no)."""
    t = np.asarray(target)
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if t.dtype.kind != "f":
        raise InputError(f"{{{name}}} must hold {what}, got dtype {t.dtype}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(t) | (t != np.round(t))
    if bad.any():
        raise InputError(f"{{{name}}} must hold whole {what}, {first_bad(name, t, bad)}")
    return t.astype(np.int64)


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
            f"{{target}} holds class index {int(t[tuple(pos)])} at {where(pos)}, "
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
    return _nll_reduce(picked, keep, safe, w, reduction)


def _nll_reduce(picked: np.ndarray, keep: np.ndarray, safe: np.ndarray, w, reduction: str):
    """-w[y] * picked where kept, 0 elsewhere; 'mean' divides by the kept targets' weight."""
    return finish(_nll_parts(picked, keep, safe, w), reduction)


def _nll_parts(picked: np.ndarray, keep: np.ndarray, safe: np.ndarray, w) -> Parts:
    wt = np.ones_like(picked) if w is None else w[safe]
    zero = picked.dtype.type(0)
    loss = np.where(keep, -wt * picked, zero)
    # the denominator is summed in the input dtype, as torch's total_weight is
    return Parts(loss, loss, float(np.where(keep, wt, zero).sum(dtype=picked.dtype)))


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
    w = _class_weight(weight, n_classes, x.dtype)
    target = np.asarray(target)
    if target.shape != x.shape and label_smoothing <= 0:
        return _cross_entropy_indices(x, target, w, ignore_index, reduction)
    logp = log_softmax(x, cdim)
    w_b = None if w is None else w.reshape((-1,) + (1,) * (x.ndim - cdim - 1))
    if target.shape == x.shape:
        return _cross_entropy_probs(logp, as_float(target, "target"), w_b, ignore_index, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight=w, ignore_index=ignore_index, reduction="parts")
    if label_smoothing <= 0:  # torch treats a negative label_smoothing as 0
        return finish(nll, reduction)
    # torch's form: (1 - eps) * nll + smooth * (eps / C), where smooth is -sum_c w_c logp_c,
    # 0 at ignored positions, and 'mean' shares nll's denominator: the weight of the kept targets.
    t = class_indices(target)
    keep = (t.reshape(()) if x.ndim == 1 else t) != ignore_index
    smooth = -(logp if w_b is None else logp * w_b).sum(axis=cdim)
    smooth = np.where(keep, smooth, x.dtype.type(0))
    eps = x.dtype.type(label_smoothing)
    loss = (x.dtype.type(1) - eps) * nll.elements + smooth * (eps / x.dtype.type(n_classes))
    return finish(Parts(loss, loss, nll.denominator), reduction)


def _cross_entropy_indices(x: np.ndarray, target, w, ignore_index: int, reduction: str):
    """Index targets without smoothing: only the target's log-probability is needed, so the
    (N, C) log_softmax is never materialised (half the memory traffic on large logits). Each is
    computed as torch computes it: (x_y - max) - log(sum(exp(x - max)))."""
    t = class_indices(target)
    _index_target_shape(x, t)
    picked, keep, safe = _picked(x, t, ignore_index)
    cdim = 0 if x.ndim == 1 else 1
    top, log_sum = _max_and_log_sum_exp(x, cdim)
    return _nll_reduce((picked - top) - log_sum, keep, safe, w, reduction)


ROWS_PER_BLOCK = 1 << 15


def _max_and_log_sum_exp(x: np.ndarray, cdim: int):
    """max and log(sum(exp(x - max))) along the class dim. Large inputs go in blocks of rows on
    every core (NumPy's ufuncs release the GIL); each row is computed alone, so the result does
    not depend on the blocks or the threads."""

    def rows(block: np.ndarray):
        top = block.max(axis=cdim, keepdims=True)
        e = np.subtract(block, top)
        np.exp(e, out=e)
        return top.squeeze(cdim), np.log(e.sum(axis=cdim))

    if x.ndim < 2 or x.shape[0] <= ROWS_PER_BLOCK or (os.cpu_count() or 1) < 2:
        return rows(x)
    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, x.shape[0], ROWS_PER_BLOCK)
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        parts = list(pool.map(lambda i: rows(x[i : i + ROWS_PER_BLOCK]), starts))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def cross_entropy_denominator(target, weight=None, ignore_index: int = -100, probabilities: bool = False):
    """What cross entropy's and nll's 'mean' divide their sum by. Only the current CLI needs it:
    the engine takes Parts.denominator (reduction="parts"), and then this goes."""
    t = np.asarray(target)
    if probabilities:
        return t.size // t.shape[0 if t.ndim == 1 else 1] if t.size else 0
    t = class_indices(t)
    kept = t[t != ignore_index]
    if weight is None:
        return kept.size
    return float(as_float(weight, "weight")[kept].sum())


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
    loss = -terms.sum(axis=cdim)
    return finish(Parts(loss, loss, loss.size), reduction)  # 'mean' divides by the positions


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
):
    """BCE on logits: w * [(1 - y) x - (1 + (p - 1) y) log_sigmoid(x)], stable for large |x|.

    target must have input's shape; weight and pos_weight broadcast to it (pos_weight along
    the last dim). 'mean' is the plain mean over elements: weights are not normalised.
    """
    check_reduction(reduction)
    x, y = same_shape(input, target)
    check_probabilities("target", y, rule=False)
    dt = x.dtype
    one = dt.type(1)
    # log_sigmoid as torch's CPU kernel: min(x, 0) - log1p(exp(-|x|))
    log_sig = np.minimum(x, dt.type(0)) - np.log1p(np.exp(-np.abs(x)))
    if pos_weight is not None:
        p = as_float(pos_weight, "pos_weight")
        check_fits("pos_weight", p, "input", x.shape)
        log_sig = log_sig * ((p.astype(dt, copy=False) - one) * y + one)
    return elementwise(weighted((one - y) * x - log_sig, weight), reduction)


@np.errstate(all="ignore")
def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """BCE on probabilities: -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)].

    input and target have one shape and lie in [0, 1]. Each log is clamped at -100 as torch does,
    so x = 0 with y = 1 costs 100, not inf. weight broadcasts to input's shape; 'mean' is the
    plain mean over elements (weights are not normalised).
    """
    check_reduction(reduction)
    x, y = same_shape(input, target)
    check_probabilities("input", x)  # nan too, as in torch, which refuses both outside [0, 1]
    check_probabilities("target", y)
    dt = np.result_type(x, y)
    floor = dt.type(-100)
    # torch's kernel: (y - 1) max(log1p(-x), -100) - y max(log x, -100); each log clamped alone
    loss = (y - dt.type(1)) * np.maximum(np.log1p(-x), floor) - y * np.maximum(np.log(x), floor)
    return elementwise(weighted(loss, weight), reduction)


@np.errstate(all="ignore")
def soft_margin_loss(input, target, reduction: str = "mean"):
    """Two-class logistic loss log(1 + exp(-target * input)) for targets 1 and -1.

    Evaluated naively as torch does: float32 overflows to inf once -target * input > 88.7.
    target may broadcast to input's shape but not enlarge it.
    """
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    check_fits("target", y, "input", x.shape)
    check_signs("target", y, "the class of each element")
    z = (-x * y).astype(x.dtype, copy=False)  # torch writes into an input-shaped, input-dtype tensor
    return elementwise(np.log1p(np.exp(z)), reduction)


def _rows_of_classes(x: np.ndarray, what: str) -> tuple[int, int]:
    """(samples, classes) of a (C,), (N, C) or 0-d input, as torch's multi-margin kernels read it."""
    if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] == 0):
        raise InputError(f"{{input}} must be (C,) or (N, C) {what} with C > 0, got shape {shape_str(x.shape)}")
    return (x.shape[0] if x.ndim == 2 else 1), (x.shape[-1] if x.ndim else 1)


@np.errstate(all="ignore")
def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean"):
    """Multi-class hinge: loss_n = sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C.

    input is (N, C) with target (N,), or (C,) with a 0-d or (1,) target; p is 1 or 2. Each row
    sums in the input dtype and the batch in float64, as torch does. On an empty batch torch
    returns uninitialised memory for 'mean' and 'sum'; this returns nan and 0.
    """
    check_reduction(reduction)
    if p not in (1, 2):
        raise UsageError(f"{{p}} must be 1 or 2 (torch supports only these), got {p}")
    x = as_float(input, "input")
    t = class_indices(target)
    nframe, dim = _rows_of_classes(x, "scores")
    if t.ndim > 1 or t.size != nframe:
        raise InputError(
            f"{{target}} must hold one class index per sample, {nframe}, for {{input}} of shape "
            f"{shape_str(x.shape)}; got shape {shape_str(t.shape)}"
        )
    dt = x.dtype
    check_range("margin", margin, dt)
    w = None if weight is None else _class_weight(weight, dim, dt)
    rows, labels = x.reshape(nframe, dim), t.reshape(nframe)
    bad = (labels < 0) | (labels >= dim)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{{target}} holds class index {int(labels[i])} at position {i}, outside [0, {dim})")
    if nframe == 0:
        return finish(_margin_parts(np.zeros(0, dt), t.ndim), reduction)
    picked = rows[np.arange(nframe), labels][:, None]
    z = (dt.type(margin) - picked) + rows  # in the input dtype, in torch's order
    h = z if p == 1 else z * z
    if w is not None:
        h = h * w[labels][:, None]
    h = np.where((z > 0) & (np.arange(dim) != labels[:, None]), h, dt.type(0))
    # torch adds a row's terms one after another in the input dtype: a cumulative sum does too
    per_sample = np.cumsum(h, axis=1, dtype=dt)[:, -1] / dt.type(dim)
    return finish(_margin_parts(per_sample, t.ndim), reduction)


def _margin_parts(per_sample: np.ndarray, target_ndim: int) -> Parts:
    """The multi-margin losses' parts: each row in the input dtype, the batch summed in float64
    as torch does (an empty batch: mean nan, sum 0, where torch returns uninitialised memory);
    'none' is 0-d for a 0-d target (multi-margin) or a 1-d one (multi-label-margin)."""
    elements = per_sample if target_ndim > 0 else per_sample.reshape(())
    return Parts(elements, per_sample.astype(np.float64), per_sample.size)


@np.errstate(all="ignore")
def linear_cross_entropy(
    input,
    linear_weight,
    target,
    *,
    linear_bias=None,
    weight=None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
):
    """Cross entropy of a linear layer's logits: cross_entropy(input @ linear_weight.T + linear_bias, target).

    input is (D,) or (N, D) features; linear_weight is (C, D), or (C, d1, ..., dK, D) for logits
    (N, C, d1, ..., dK). A target of the logits' shape holds class probabilities (then
    ignore_index must stay None); otherwise class indices, with ignore_index None meaning -100.
    """
    check_reduction(reduction)
    x, lw = as_float(input, "input"), as_float(linear_weight, "linear_weight")
    if x.ndim not in (1, 2):
        raise InputError(f"{{input}} must be (D,) or (N, D) features, got shape {shape_str(x.shape)}")
    if lw.ndim < 2:
        raise InputError(f"{{linear_weight}} must be (C, D) or (C, d1, ..., D), got shape {shape_str(lw.shape)}")
    if lw.shape[-1] != x.shape[-1]:
        raise InputError(
            f"{{linear_weight}} has {lw.shape[-1]} input features (its last dim) but {{input}} "
            f"has {x.shape[-1]}"
        )
    n_classes, out_features = lw.shape[0], lw.shape[1:-1]
    if out_features and x.ndim == 1:
        raise InputError(
            f"a K-dimensional {{linear_weight}} {shape_str(lw.shape)} needs batched (N, D) {{input}}, "
            f"got shape {shape_str(x.shape)}"
        )
    dt = np.result_type(x, lw)
    logits = x.astype(dt, copy=False) @ lw.reshape(-1, lw.shape[-1]).astype(dt, copy=False).T
    if linear_bias is not None:
        b = as_float(linear_bias, "linear_bias")
        if b.shape != (n_classes, *out_features):
            raise InputError(
                f"{{linear_bias}} must have shape {shape_str((n_classes, *out_features))}, "
                f"got {shape_str(b.shape)}"
            )
        logits = logits + b.reshape(-1)
    logits = logits.reshape((*x.shape[:-1], n_classes, *out_features))
    if np.shape(target) == logits.shape and ignore_index is not None:
        raise UsageError("{ignore_index} cannot be given with class-probability targets")
    return cross_entropy(logits, target, weight=weight, ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)
