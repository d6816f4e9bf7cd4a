"""Gradients of the seed losses with respect to their inputs, in closed form.

Named after torch's ATen backward kernels (mse_loss_backward, ...); each takes the loss's own
arguments and returns d loss / d input with input's shape, for an upstream gradient of 1 (so
for 'none' it is the gradient of the sum). Formulas: torch-losses.md section 4. Each is
computed in the order torch's kernel (or autograd's chain) computes it, so that overflow,
nan and inf come out where torch's do and finite values agree to the last bit or two.

Every backward takes a keyword `denominator`: what 'mean' (and kl_div's 'batchmean') divides
by, by default this input's own (element count, summed weight of the kept targets, batch
size). The engine passes the whole input's denominator when it computes a block of rows; the
blocks of the gradient are then the rows of the whole input's gradient, bit for bit.
"""

import numpy as np

from ._common import as_float, check_reduction
from .classification import _index_target_shape, class_indices, log_softmax
from .similarity import COSINE_EPSILON


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the dimensions broadcasting added or stretched, back to `shape`."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _count(denominator, default) -> float:
    return default if denominator is None else denominator


def _inverse(reduction: str, count, dtype) -> np.ndarray:
    """1/count in dtype for 'mean', as autograd's mean and division backward make it; else 1."""
    if reduction not in ("mean", "batchmean"):
        return dtype.type(1)
    return dtype.type(1) / dtype.type(count)


def _norm(reduction: str, numerator: float, count, dtype) -> np.ndarray:
    """torch's kernel scale: numerator/count computed in double, then rounded to dtype."""
    if reduction != "mean":
        return dtype.type(numerator)
    return dtype.type(numerator / count if count else np.inf)


def _diff(input, target):
    x, y = as_float(input, "input"), as_float(target, "target")
    return x, x - y


def _sign(d: np.ndarray) -> np.ndarray:
    """torch's sign: -1, 0 or 1, and 0 for nan (NumPy gives nan)."""
    s = np.sign(d)
    return np.where(np.isnan(s), s.dtype.type(0), s)


@np.errstate(all="ignore")
def mse_loss_backward(input, target, reduction: str = "mean", *, denominator=None) -> np.ndarray:
    """d/dx of mse_loss: (2 s) (x - y), s = 1/numel for 'mean'."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    # 2/n first, as torch's kernel does: 2 (x - y) overflows for |x - y| > 9e307 (1.7e38 in float32)
    norm = _norm(reduction, 2.0, _count(denominator, d.size), d.dtype)
    return _unbroadcast(norm * d, x.shape)


@np.errstate(all="ignore")
def l1_loss_backward(input, target, reduction: str = "mean", *, denominator=None) -> np.ndarray:
    """d/dx of l1_loss: s sign(x - y), with sign(0) = sign(nan) = 0 (autograd's abs backward)."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    s = _inverse(reduction, _count(denominator, d.size), d.dtype)
    return _unbroadcast(s * _sign(d), x.shape)


@np.errstate(all="ignore")
def smooth_l1_loss_backward(
    input, target, reduction: str = "mean", beta: float = 1.0, *, denominator=None
) -> np.ndarray:
    """d/dx of smooth_l1_loss: s (d / beta if |d| < beta else sign(d)); l1_loss_backward for beta = 0."""
    check_reduction(reduction)
    if beta <= 0:  # torch dispatches to l1, whose sign(nan) is 0; this kernel's nan stays nan
        return l1_loss_backward(input, target, reduction, denominator=denominator)
    x, d = _diff(input, target)
    b = d.dtype.type(beta)
    # torch's vectorized kernel: norm * (d / beta); its scalar tail (small inputs) rounds
    # (norm * d) / beta, at most an ulp away.
    g = np.where(np.abs(d) >= b, np.where(d > 0, d.dtype.type(1), d.dtype.type(-1)), d / b)
    return _unbroadcast(_norm(reduction, 1.0, _count(denominator, d.size), d.dtype) * g, x.shape)


@np.errstate(all="ignore")
def huber_loss_backward(
    input, target, reduction: str = "mean", delta: float = 1.0, *, denominator=None
) -> np.ndarray:
    """d/dx of huber_loss: s (d if |d| < delta else delta sign(d)); nan where d is nan."""
    check_reduction(reduction)
    x, d = _diff(input, target)
    dl = d.dtype.type(delta)
    g = np.where(np.abs(d) >= dl, np.where(d > 0, dl, -dl), d)
    return _unbroadcast(_norm(reduction, 1.0, _count(denominator, d.size), d.dtype) * g, x.shape)


@np.errstate(all="ignore")
def binary_cross_entropy_with_logits_backward(
    input, target, weight=None, reduction: str = "mean", pos_weight=None, *, denominator=None
) -> np.ndarray:
    """d/dx of binary_cross_entropy_with_logits: w ((p y + 1 - y) sigmoid(x) - p y) s."""
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    one = x.dtype.type(1)
    sig = one / (one + np.exp(-x))
    if pos_weight is None:
        g = sig - y
    else:  # ATen's order: t = p y; (t + 1 - y) sigmoid(x) - t
        t = as_float(pos_weight, "pos_weight").astype(x.dtype, copy=False) * y
        g = (t + one - y) * sig - t
    if weight is not None:
        g = g * as_float(weight, "weight").astype(x.dtype, copy=False)
    if reduction == "mean":  # ATen divides by numel (no reciprocal)
        g = g / g.dtype.type(_count(denominator, x.size))
    return g


@np.errstate(all="ignore")
def kl_div_backward(
    input, target, reduction: str = "mean", log_target: bool = False, *, denominator=None
) -> np.ndarray:
    """d/dx of kl_div: -(s y), or -(s exp(y)) with log_target; s = 1/input.shape[0] for batchmean."""
    check_reduction(reduction, ("mean", "sum", "none", "batchmean"))
    x, y = as_float(input, "input"), as_float(target, "target")
    dt = np.result_type(x, y)
    shape = np.broadcast_shapes(x.shape, y.shape)
    v = np.exp(y) if log_target else y
    if reduction == "batchmean" and x.ndim == 0:  # torch's F.kl_div: a 0-d input is just summed
        reduction = "sum"
    count = x.shape[0] if reduction == "batchmean" else int(np.prod(shape))
    s = _inverse(reduction, _count(denominator, count), dt)
    g = np.broadcast_to(-(s * v.astype(dt, copy=False)), shape)
    return _unbroadcast(np.array(g), x.shape) if g.shape != x.shape else np.array(g)


@np.errstate(all="ignore")
def log_backward(grad, input) -> np.ndarray:
    """The gradient w.r.t. p of a function of log(p), given its gradient w.r.t. log(p): grad / p.

    For kl-div with probabilities as input (--pred-probs): inf or nan where p = 0, as torch's
    log backward gives, and never a divide-by-zero warning.
    """
    return np.asarray(grad) / as_float(input, "input")


@np.errstate(all="ignore")
def cosine_embedding_loss_backward(
    input1, input2, target, margin: float = 0.0, reduction: str = "mean", *, denominator=None
):
    """(d/dx1, d/dx2) of cosine_embedding_loss: -dcos where y = 1, +dcos where y = -1 and cos >= margin.

    Each gradient has its own input's shape (summed over what broadcasting added).
    """
    check_reduction(reduction)
    x1, x2, y = as_float(input1, "input1"), as_float(input2, "input2"), as_float(target, "target")
    dt = np.result_type(x1, x2, y)
    x1, x2 = x1.astype(dt, copy=False), x2.astype(dt, copy=False)
    axis = y.ndim
    eps = COSINE_EPSILON.astype(dt)
    # the forward, as torch's composite computes it
    prod = (x1 * x2).sum(axis=axis)
    m1 = (x1 * x1).sum(axis=axis) + eps
    m2 = (x2 * x2).sum(axis=axis) + eps
    denom = np.sqrt(m1 * m2)
    cos = prod / denom
    # autograd's chain backwards: where / clamp_min(0) (passes at equality) / 1 - cos
    out_shape = np.broadcast_shapes(y.shape, cos.shape)
    zero = dt.type(0)
    g = np.full(out_shape, _inverse(reduction, _count(denominator, int(np.prod(out_shape))), dt))
    gcos = np.where(y == 1, -g, np.where((y == -1) & ((cos - dt.type(margin)) >= 0), g, zero))
    gcos = _unbroadcast(gcos, cos.shape)
    g_prod = gcos / denom
    g_mm = (-gcos * ((prod / denom) / denom)) / (2 * denom)
    g_m1, g_m2 = _unbroadcast(g_mm * m2, m1.shape), _unbroadcast(g_mm * m1, m2.shape)
    e = (lambda a: a[..., None]) if axis else (lambda a: a)
    d1 = _unbroadcast(e(g_prod) * x2, x1.shape) + 2 * (e(g_m1) * x1)
    d2 = _unbroadcast(e(g_prod) * x1, x2.shape) + 2 * (e(g_m2) * x2)
    return d1, d2


@np.errstate(all="ignore")
def cross_entropy_backward(
    input,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    *,
    denominator=None,
) -> np.ndarray:
    """d/dx of cross_entropy, for index and probability targets, with weights and smoothing.

    g = go - softmax(x) sum_c(go), log_softmax's backward, where go is the gradient w.r.t.
    log_softmax(x): -(1 - eps) w_y / W at the target class plus -(eps / C) w_c / W on every
    class, for kept targets (W = the kept targets' summed weight for 'mean', else 1).
    """
    check_reduction(reduction)
    x = as_float(input, "input")
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    dt = x.dtype
    wshape = [1] * x.ndim
    wshape[cdim] = n_classes
    w = None if weight is None else as_float(weight, "weight").astype(dt, copy=False)
    target = np.asarray(target)
    if target.shape == x.shape:
        go = _probability_target_grad(x, target, w, wshape, cdim, reduction, label_smoothing, denominator)
    else:
        go = _index_target_grad(x, target, w, wshape, cdim, ignore_index, reduction, label_smoothing, denominator)
    # log_softmax's backward, go - exp(log_softmax(x)) * sum_c(go), in place: memory stays a few
    # arrays of input's size for any number of classes
    p = log_softmax(x, cdim)
    np.exp(p, out=p)
    p *= go.sum(axis=cdim, keepdims=True)
    return np.subtract(go, p, out=go)


def _probability_target_grad(x, target, w, wshape, cdim, reduction, label_smoothing, denominator):
    """The gradient w.r.t. log_softmax(x) of -sum(w_c P'_c log_softmax(x)_c), reduced."""
    dt = x.dtype
    n_classes = x.shape[cdim]
    P = as_float(target, "target").astype(dt, copy=False)
    if label_smoothing > 0:
        P = P * dt.type(1 - label_smoothing) + dt.type(label_smoothing / n_classes)
    positions = x.size // n_classes if n_classes else 0
    g = -_inverse(reduction, _count(denominator, positions), dt)
    return (g * P) if w is None else (g * w.reshape(wshape)) * P


def _index_target_grad(x, target, w, wshape, cdim, ignore_index, reduction, label_smoothing, denominator):
    """The gradient w.r.t. log_softmax(x) of nll (and of the smoothing term), as autograd makes it."""
    dt = x.dtype
    n_classes = x.shape[cdim]
    t = class_indices(target)
    _index_target_shape(x, t)
    t = t.reshape(()) if x.ndim == 1 else t
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    wt = np.ones(t.shape, dt) if w is None else w[safe]
    zero = dt.type(0)
    smoothing = label_smoothing > 0  # torch treats a negative label_smoothing as 0
    if reduction == "mean":
        total = np.where(keep, wt, zero).sum(dtype=dt) if denominator is None else dt.type(denominator)
    # nll_loss_backward: w_y * -(upstream / total weight) at the target class of kept positions.
    upstream = dt.type(1 - label_smoothing) if smoothing else dt.type(1)
    g = -(upstream / total) if reduction == "mean" else -upstream
    go = np.zeros_like(x)
    np.put_along_axis(go, np.expand_dims(safe, cdim), np.expand_dims(np.where(keep, wt * g, zero), cdim), axis=cdim)
    if smoothing:
        # (eps / C) * smooth, smooth = -sum_c w_c log_softmax_c, 0 at ignored positions; the
        # term is absent without smoothing (else an inf weight would give 0 * inf = nan).
        gs = dt.type(label_smoothing / n_classes)
        gs = gs / total if reduction == "mean" else gs
        gs = np.expand_dims(np.where(keep, -gs, zero), cdim)
        go += gs if w is None else gs * w.reshape(wshape)
    return go
