"""Gradients of the seed losses with respect to their first input, in closed form.

Named after torch's ATen backward kernels (mse_loss_backward, ...); each takes the loss's own
arguments and returns d loss / d input with input's shape, for an upstream gradient of 1 (so
for 'none' it is the gradient of the sum). Formulas: torch-losses.md section 4.
"""

import numpy as np

from ._common import as_float, check_reduction
from .classification import class_indices, log_softmax
from .similarity import COSINE_EPSILON


def _scale(reduction: str, count: int, dtype) -> np.ndarray:
    """The reduction's factor s: 1/count for 'mean', 1 for 'sum' and 'none'."""
    return dtype.type(1) / dtype.type(count) if reduction == "mean" else dtype.type(1)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the dimensions broadcasting added or stretched, back to `shape`."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _diff(input, target):
    x, y = as_float(input, "input"), as_float(target, "target")
    return x, x - y


@np.errstate(all="ignore")
def mse_loss_backward(input, target, reduction: str = "mean") -> np.ndarray:
    """d/dx of mse_loss: 2 (x - y) s."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    return _unbroadcast(2 * d * _scale(reduction, d.size, d.dtype), x.shape)


@np.errstate(all="ignore")
def l1_loss_backward(input, target, reduction: str = "mean") -> np.ndarray:
    """d/dx of l1_loss: sign(x - y) s, with sign(0) = 0."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    return _unbroadcast(np.sign(d) * _scale(reduction, d.size, d.dtype), x.shape)


@np.errstate(all="ignore")
def smooth_l1_loss_backward(input, target, reduction: str = "mean", beta: float = 1.0) -> np.ndarray:
    """d/dx of smooth_l1_loss: (d / beta if |d| < beta else sign(d)) s; sign(d) s for beta = 0."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    b = d.dtype.type(beta)
    g = np.sign(d) if beta == 0 else np.where(np.abs(d) < b, d / b, np.sign(d))
    return _unbroadcast(g * _scale(reduction, d.size, d.dtype), x.shape)


@np.errstate(all="ignore")
def huber_loss_backward(input, target, reduction: str = "mean", delta: float = 1.0) -> np.ndarray:
    """d/dx of huber_loss: (d if |d| < delta else delta sign(d)) s."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    dl = d.dtype.type(delta)
    g = np.where(np.abs(d) < dl, d, dl * np.sign(d))
    return _unbroadcast(g * _scale(reduction, d.size, d.dtype), x.shape)


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits_backward(
    input, target, weight=None, reduction: str = "mean", pos_weight=None
) -> np.ndarray:
    """d/dx of binary_cross_entropy_with_logits: w ((1 + (p - 1) y) sigmoid(x) - p y) s."""
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    one = x.dtype.type(1)
    sig = one / (one + np.exp(-x))
    if pos_weight is None:
        g = sig - y
    else:
        p = as_float(pos_weight, "pos_weight").astype(x.dtype, copy=False)
        g = (one + (p - one) * y) * sig - p * y
    if weight is not None:
        g = g * as_float(weight, "weight").astype(x.dtype, copy=False)
    return g * _scale(reduction, x.size, x.dtype)


@np.errstate(all="ignore")
def kl_div_backward(input, target, reduction: str = "mean", log_target: bool = False) -> np.ndarray:
    """d/dx of kl_div: -y s (or -exp(y) s with log_target); s = 1/input.shape[0] for batchmean."""
    check_reduction(reduction, ("mean", "sum", "none", "batchmean"))
    x, y = as_float(input, "input"), as_float(target, "target")
    g = -np.exp(y) if log_target else -y
    g = np.broadcast_to(g, np.broadcast_shapes(x.shape, y.shape)).astype(np.result_type(x, y))
    if reduction == "batchmean":
        g = g / g.dtype.type(x.shape[0]) if x.ndim else g
    elif reduction == "mean":
        g = g / g.dtype.type(g.size)
    return _unbroadcast(g, x.shape)


@np.errstate(all="ignore")
def cosine_embedding_loss_backward(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    """(d/dx1, d/dx2) of cosine_embedding_loss: -dcos where y = 1, +dcos where y = -1 and cos > margin."""
    check_reduction(reduction)
    x1, x2, y = as_float(input1, "input1"), as_float(input2, "input2"), as_float(target, "target")
    dt = np.result_type(x1, x2, y)
    axis = y.ndim
    eps = COSINE_EPSILON.astype(dt)
    m1 = (x1 * x1).sum(axis=axis, keepdims=True) + eps
    m2 = (x2 * x2).sum(axis=axis, keepdims=True) + eps
    root = np.sqrt(m1 * m2)
    cos = (x1 * x2).sum(axis=axis, keepdims=True) / root
    yk = y[..., None] if y.ndim else y
    sign = np.where(yk == 1, dt.type(-1), np.where((yk == -1) & (cos > dt.type(margin)), dt.type(1), dt.type(0)))
    s = sign * _scale(reduction, cos.size, dt)
    return s * (x2 / root - cos * x1 / m1), s * (x1 / root - cos * x2 / m2)


@np.errstate(all="ignore")
def cross_entropy_backward(
    input, target, weight=None, ignore_index: int = -100, reduction: str = "mean", label_smoothing: float = 0.0
) -> np.ndarray:
    """d/dx of cross_entropy, for index and probability targets, with weights and smoothing."""
    check_reduction(reduction)
    x = as_float(input, "input")
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    p = np.exp(log_softmax(x, cdim))
    shape = [1] * x.ndim
    shape[cdim] = n_classes
    w = np.ones(n_classes, x.dtype) if weight is None else as_float(weight, "weight").astype(x.dtype)
    wb = w.reshape(shape)
    eps = x.dtype.type(max(label_smoothing, 0.0))
    target = np.asarray(target)
    if target.shape == x.shape:  # probabilities: p * sum_c w_c P'_c - w_j P'_j, P' smoothed
        P = as_float(target, "target").astype(x.dtype)
        P = P * (1 - eps) + eps / n_classes if eps > 0 else P
        g = p * (wb * P).sum(axis=cdim, keepdims=True) - wb * P
        s = 1 / x.dtype.type(x.size // n_classes) if reduction == "mean" else x.dtype.type(1)
        return g * s
    t = class_indices(target)
    t = t.reshape(()) if x.ndim == 1 else t
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    onehot = np.moveaxis(np.eye(n_classes, dtype=x.dtype)[safe], -1, cdim)
    keep_b = np.expand_dims(keep, cdim)
    w_y = np.expand_dims(w[safe], cdim)
    g = (1 - eps) * w_y * (p - onehot) + (eps / n_classes) * (p * w.sum() - wb)
    g = np.where(keep_b, g, x.dtype.type(0))
    if reduction == "mean":
        g = g / np.where(keep, w[safe], 0).sum(dtype=x.dtype)
    return g
