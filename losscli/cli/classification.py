"""Classification losses: bce-with-logits, bce, soft-margin, cross-entropy, nll, multi-margin,
linear-cross-entropy, multi-label-soft-margin, multi-label-margin."""

from typing import Annotated, Optional

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import (
    BINARY,
    MULTICLASS,
    MULTILABEL,
    SOURCE,
    SOURCE_HELP,
    Run,
    WeightOpt,
    shape_text,
    loss_command,
)


@loss_command("bce-with-logits", BINARY, "binary_cross_entropy_with_logits", grad=True)
def bce_with_logits(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, help=f"Logits: {SOURCE_HELP}.", show_default=False)],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, help="Targets in [0, 1], same shape as --pred.", show_default=False)],
    weight: Annotated[Optional[str], typer.Option("--weight", metavar=SOURCE, help="Rescaling weight, broadcast to --pred's shape.")] = None,
    pos_weight: Annotated[Optional[str], typer.Option("--pos-weight", metavar=SOURCE, help="Weight of positive examples, per class (last dim).")] = None,
):
    """Binary cross entropy on logits (stable sigmoid + BCE): binary and multi-label classification."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    w, p = run.array("--weight", weight), run.array("--pos-weight", pos_weight)
    value = F.binary_cross_entropy_with_logits(x, y, weight=w, reduction=run.reduction, pos_weight=p)
    grad = run.grad and {
        "pred": F.binary_cross_entropy_with_logits_backward(x, y, weight=w, reduction=run.reduction, pos_weight=p)
    }
    params = {k: v for k, v in (("weight", weight), ("pos_weight", pos_weight)) if v is not None}
    return run.result(value, x, params, grad=grad, pred=x, target=y)


@loss_command("cross-entropy", MULTICLASS, "cross_entropy", grad=True)
def cross_entropy(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Logits (N,C), (N,C,d1,...) or (C): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Class indices (N,...), or class probabilities of --pred's shape.")],
    weight: WeightOpt = None,
    ignore_index: Annotated[int, typer.Option(help="Target value that is skipped (index targets).")] = -100,
    label_smoothing: Annotated[float, typer.Option(min=0.0, max=1.0, help="Mix the target with the uniform distribution.")] = 0.0,
):
    """Cross entropy of logits (log-softmax + NLL): multi-class classification."""
    x, t = run.array("--pred", pred), run.labels("--target", target)
    if t.shape == x.shape:
        t = t.astype(run.dtype, copy=False)
    w = run.array("--weight", weight)
    options = dict(weight=w, ignore_index=ignore_index, reduction=run.reduction, label_smoothing=label_smoothing)
    value = F.cross_entropy(x, t, **options)
    grad = run.grad and {"pred": F.cross_entropy_backward(x, t, **options)}
    params = _index_params(ignore_index, weight, label_smoothing=label_smoothing)
    columns = {"target": F.class_indices(t)} if t.shape != x.shape and run.reduction == "none" else {}
    denominator = F.cross_entropy_denominator(t, w, ignore_index, probabilities=t.shape == x.shape)
    return run.result(value, x, params, grad=grad, denominator=denominator, **columns)


IgnoreIndexOpt = Annotated[int, typer.Option(help="Target value that is skipped (index targets).")]
SmoothingOpt = Annotated[float, typer.Option(min=0.0, max=1.0, help="Mix the target with the uniform distribution.")]


def _index_params(ignore_index, weight, **more) -> dict:
    params = {"ignore_index": ignore_index, **more}
    if weight is not None:
        params["weight"] = weight
    return params


def _signs(option: str, y, what: str) -> None:
    """Targets of 1 and -1 only: torch gives any other value a silently odd loss."""
    if not ((y == 1) | (y == -1)).all():
        raise UsageError(f"{option} must hold 1 or -1 ({what}); torch gives other values an odd loss")


@loss_command("nll", MULTICLASS, "nll_loss")
def nll(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Log-probabilities (N,C), (N,C,d1,...) or (C): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Class indices (N,...), or one index for a (C) --pred.")],
    weight: WeightOpt = None,
    ignore_index: IgnoreIndexOpt = -100,
):
    """Negative log likelihood of log-probabilities: multi-class classification after a log-softmax."""
    x, t, w = run.array("--pred", pred), run.labels("--target", target), run.array("--weight", weight)
    value = F.nll_loss(x, t, weight=w, ignore_index=ignore_index, reduction=run.reduction)
    columns = {"target": F.class_indices(t)} if run.reduction == "none" else {}
    denominator = F.cross_entropy_denominator(t, w, ignore_index)
    return run.result(value, x, _index_params(ignore_index, weight), denominator=denominator, **columns)


@loss_command("bce", BINARY, "binary_cross_entropy")
def bce(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Probabilities in [0, 1]: {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Targets in [0, 1], same shape as --pred.")],
    weight: Annotated[Optional[str], typer.Option("--weight", metavar=SOURCE, help="Rescaling weight, broadcast to --pred's shape.")] = None,
):
    """Binary cross entropy of probabilities (each log clamped at -100): binary classification after a sigmoid.

    Prefer bce-with-logits when you have logits: it is stable where the sigmoid saturates.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    value = F.binary_cross_entropy(x, y, weight=run.array("--weight", weight), reduction=run.reduction)
    return run.result(value, x, {"weight": weight} if weight is not None else {}, pred=x, target=y)


@loss_command("soft-margin", BINARY, "soft_margin_loss", broadcast=True)
def soft_margin(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Scores (logits): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="1 or -1 per element, same shape as --pred.")],
):
    """Soft margin log(1 + exp(-target * pred)): binary classification with 1/-1 labels (logistic loss).

    Evaluated as torch does, so float32 overflows to inf once -target * pred > 88.7.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    _signs("--target", y, "the class of each element")
    return run.result(F.soft_margin_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("multi-margin", MULTICLASS, "multi_margin_loss")
def multi_margin(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Scores (N,C) or (C): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Class indices (N), or one index for a (C) --pred.")],
    p: Annotated[int, typer.Option("--p", help="Exponent of each hinge term: 1 or 2.")] = 1,
    margin: Annotated[float, typer.Option(help="Scores must beat the others by this much.")] = 1.0,
    weight: WeightOpt = None,
):
    """Multi-class hinge (SVM) loss, the sum over i != y of max(0, margin - pred_y + pred_i)^p / C: margin classifiers.

    Where torch is undefined (an empty batch: uninitialised memory), mean is nan and sum 0.
    """
    x, t = run.array("--pred", pred), run.labels("--target", target)
    value = F.multi_margin_loss(x, t, p=p, margin=margin, weight=run.array("--weight", weight), reduction=run.reduction)
    params = {"p": p, "margin": margin, **({"weight": weight} if weight is not None else {})}
    columns = {"target": F.class_indices(t)} if run.reduction == "none" else {}
    return run.result(value, x, params, **columns)


@loss_command("linear-cross-entropy", MULTICLASS, "linear_cross_entropy")
def linear_cross_entropy(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Features (N,D) or (D) before the last linear layer: {SOURCE_HELP}.")],
    linear_weight: Annotated[str, typer.Option("--linear-weight", metavar=SOURCE, show_default=False,
                                               help="The layer's weight (C,D), or (C,d1,...,D) for (N,C,d1,...) logits.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Class indices (N,...), or class probabilities of the logits' shape.")],
    linear_bias: Annotated[Optional[str], typer.Option("--linear-bias", metavar=SOURCE, help="The layer's bias (C) or (C,d1,...).")] = None,
    weight: WeightOpt = None,
    ignore_index: Annotated[Optional[int], typer.Option(show_default=False,
                                                        help="Target value that is skipped (index targets; default -100).")] = None,
    label_smoothing: SmoothingOpt = 0.0,
):
    """Cross entropy of a linear layer's logits, pred @ W.T + b: a classifier head, from features and its weights."""
    x, lw, t = run.array("--pred", pred), run.array("--linear-weight", linear_weight), run.labels("--target", target)
    probabilities = lw.ndim >= 2 and t.shape == (*x.shape[:-1], lw.shape[0], *lw.shape[1:-1])
    if probabilities:
        t = t.astype(run.dtype, copy=False)
    w = run.array("--weight", weight)
    value = F.linear_cross_entropy(x, lw, t, linear_bias=run.array("--linear-bias", linear_bias),
                                   weight=w, reduction=run.reduction,
                                   ignore_index=ignore_index, label_smoothing=label_smoothing)
    params = {"label_smoothing": label_smoothing} if probabilities else \
        _index_params(-100 if ignore_index is None else ignore_index, None, label_smoothing=label_smoothing)
    params.update((k, v) for k, v in (("weight", weight), ("linear_bias", linear_bias)) if v is not None)
    columns = {"target": F.class_indices(t)} if not probabilities and run.reduction == "none" else {}
    denominator = F.cross_entropy_denominator(t, w, -100 if ignore_index is None else ignore_index, probabilities)
    return run.result(value, x, params, denominator=denominator, **columns)


@loss_command("multi-label-soft-margin", MULTILABEL, "multilabel_soft_margin_loss", broadcast=True)
def multi_label_soft_margin(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Logits (N,C) or (C), classes on the last dim: {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Multi-hot labels (1 where the class applies, else 0), same shape as --pred.")],
    weight: Annotated[Optional[str], typer.Option("--weight", metavar=SOURCE,
                                                  help="Per-class weight (C), or one per element of --pred.")] = None,
):
    """Multi-label soft margin: per sample, the mean over classes of BCE with logits; multi-label classification."""
    x, y, w = run.array("--pred", pred), run.array("--target", target), run.array("--weight", weight)
    run.same_shape(("--pred", x), ("--target", y))
    if w is not None and not run.broadcast and _broadcast(w.shape, x.shape) != x.shape:
        raise UsageError(f"--weight has shape {shape_text(w.shape)}; it needs one value per class, {shape_text(x.shape[-1:])}, "
                         f"or per element, {shape_text(x.shape)} (or pass --broadcast)")
    value = F.multilabel_soft_margin_loss(x, y, weight=w, reduction=run.reduction)
    return run.result(value, x, {"weight": weight} if weight is not None else {})


def _broadcast(a: tuple, b: tuple):
    import numpy as np

    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


@loss_command("multi-label-margin", MULTILABEL, "multilabel_margin_loss")
def multi_label_margin(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Scores (N,C) or (C): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Each sample's class indices, padded with -1 to --pred's shape: '3,0,-1,-1'.")],
):
    """Multi-label hinge: every listed class must outscore every other class by 1; multi-label ranking.

    --target rows list class indices, then -1: torch reads each row up to its first -1, so a row without -1 must list every class once, and a class listed twice is refused (torch counts it twice).

    Where torch is undefined (an empty batch: uninitialised memory), mean is nan and sum 0.
    """
    x, t = run.array("--pred", pred), run.labels("--target", target)
    value = F.multilabel_margin_loss(x, t, reduction=run.reduction)  # checks shapes and ranges first
    _distinct_labels(F.class_indices(t).reshape(-1, x.shape[-1] if x.ndim else 1))
    return run.result(value, x)


def _distinct_labels(rows) -> None:
    """Each label list (the prefix before the first -1) must not repeat a class."""
    import numpy as np

    listed = np.cumprod(rows >= 0, axis=1).astype(bool)
    ordered = np.sort(np.where(listed, rows, -1), axis=1)
    repeats = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if repeats.any():
        row, col = np.argwhere(repeats)[0]
        label = ordered[row, col + 1]
        if listed[row].all():
            raise UsageError(f"--target row {row} repeats class {label} and has no -1: end each label list with "
                             "-1 padding (torch reads a row up to its first -1)")
        raise UsageError(f"--target row {row} lists class {label} twice before its first -1 (torch would count it twice)")
