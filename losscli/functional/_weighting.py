"""What the library losses share: their Keras and scikit-learn weighted means, class-score
shapes and integer labels, as Parts for finish()."""

import numpy as np

from ..errors import InputError, UsageError
from ._common import PARTS, REDUCTIONS, Parts, as_float, shape_str

LIBRARY_REDUCTIONS = (*REDUCTIONS, PARTS)


def check_reduction(reduction: str) -> None:
    if reduction not in LIBRARY_REDUCTIONS:
        raise UsageError(
            f"{reduction!r} is not a valid value for reduction (one of {', '.join(LIBRARY_REDUCTIONS)})"
        )


def pair(input, target, what: str = "") -> tuple[np.ndarray, np.ndarray]:
    """input and target as float arrays of one dtype and one shape."""
    x, y = as_float(input, "input"), as_float(target, "target")
    if x.shape != y.shape:
        raise InputError(
            f"{{target}} has shape {shape_str(y.shape)} but {{input}} has {shape_str(x.shape)}; "
            f"they must be the same{what}"
        )
    dt = np.result_type(x, y)
    return x.astype(dt, copy=False), y.astype(dt, copy=False)


def sample_weights(sample_weight, n: int, dtype) -> np.ndarray | None:
    """One weight per sample, shape (n,), in the loss's dtype (None: unweighted)."""
    if sample_weight is None:
        return None
    w = as_float(sample_weight, "sample_weight")
    if w.shape != (n,):
        raise InputError(
            f"{{sample_weight}} must hold one weight per sample, shape ({n},), got {shape_str(w.shape)}"
        )
    return w.astype(dtype, copy=False)


def _times(loss: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        return loss
    return loss * w.reshape(w.shape + (1,) * (loss.ndim - 1))


def keras_parts(loss: np.ndarray, sample_weight, mask: np.ndarray | None = None) -> Parts:
    """Keras's "sum_over_batch_size": sum(w * loss) / loss.size, or / the count of the
    mask's kept entries when the loss sets a mask (circle). The weights are per sample
    (the first dim); 'none' gives the weighted losses, as Keras's reduction=None does."""
    if sample_weight is not None and not loss.ndim:
        raise UsageError("{sample_weight} needs one loss per sample; this loss is one number over all of them")
    w = sample_weights(sample_weight, loss.shape[0], loss.dtype) if loss.ndim else None
    values = _times(loss, w)
    if mask is not None:
        values = np.where(mask, values, loss.dtype.type(0))
        return Parts(values, values, float(np.count_nonzero(mask)))
    return Parts(values, values, float(values.size))


def sklearn_parts(loss: np.ndarray, sample_weight, normalize: bool = True) -> Parts:
    """scikit-learn's _average: sum(w * loss) / sum(w) (the plain mean unweighted);
    normalize=False makes 'mean' the (weighted) sum, as scikit-learn's normalize=False does."""
    w = sample_weights(sample_weight, loss.shape[0], loss.dtype)
    values = _times(loss, w)
    if not normalize:
        return Parts(values, values, 1.0)
    return Parts(values, values, float(loss.shape[0] if w is None else w.sum(dtype=np.float64)))


def class_scores(input, name: str = "input") -> np.ndarray:
    """Scores or probabilities with the classes on the last axis: at least (N, C)."""
    x = as_float(input, name)
    if x.ndim < 2:
        raise InputError(
            f"{{{name}}} must be (N, C), one row of class scores per sample, got {shape_str(x.shape)}; "
            "write a single sample as one row"
        )
    return x


def integer_labels(target, n: int, classes: int, name: str = "target") -> np.ndarray:
    """(n,) class indices in [0, classes), as int64; refuses fractions and indices out of range."""
    t = np.asarray(target)
    if t.shape != (n,):
        raise InputError(f"{{{name}}} must hold one class index per sample, shape ({n},), got {shape_str(t.shape)}")
    if t.dtype.kind == "f":
        bad = ~np.isfinite(t) | (t != np.round(t))
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"{{{name}}} must hold integer class indices, got {shown(t[i])} at position {i}")
    elif t.dtype.kind not in "iub":
        raise InputError(f"{{{name}}} must hold integer class indices, got dtype {t.dtype}")
    t = t.astype(np.int64)
    bad = (t < 0) | (t >= classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"{{{name}}} holds class index {t[i]} at position {i}, outside [0, {classes}) "
            f"for {classes} classes"
        )
    return t


def shown(value) -> str:
    """A NumPy scalar as a message shows it: 0.5, not np.float64(0.5)."""
    return repr(np.asarray(value).item())


def first_bad(mask: np.ndarray) -> str:
    """Where the first True of mask is, for a message: 'position 3' or 'position 1,2'."""
    pos = np.argwhere(mask)[0]
    return "position " + ",".join(map(str, pos)) if len(pos) else "the only position"
