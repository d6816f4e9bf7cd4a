"""Classification losses: bce-with-logits, cross-entropy."""

from typing import Annotated, Optional

import typer

import losscli as F  # the core, loaded lazily on first use

from .shared import (
    BINARY,
    MULTICLASS,
    SOURCE,
    SOURCE_HELP,
    Run,
    WeightOpt,
    loss_command,
)


@loss_command("bce-with-logits", BINARY, "binary_cross_entropy_with_logits")
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
    params = {k: v for k, v in (("weight", weight), ("pos_weight", pos_weight)) if v is not None}
    return run.result(value, x, params, pred=x, target=y)


@loss_command("cross-entropy", MULTICLASS, "cross_entropy")
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
    value = F.cross_entropy(x, t, weight=run.array("--weight", weight), ignore_index=ignore_index,
                            reduction=run.reduction, label_smoothing=label_smoothing)
    params = {"ignore_index": ignore_index, "label_smoothing": label_smoothing}
    if weight is not None:
        params["weight"] = weight
    columns = {"target": F.class_indices(t)} if t.shape != x.shape and run.reduction == "none" else {}
    return run.result(value, x, params, **columns)
