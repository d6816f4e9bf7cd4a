"""Binary classification losses torch lacks: focal (torchvision), hinge, squared-hinge (Keras)."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from .shared import BINARY, SOURCE, SOURCE_HELP, Run, loss_command

ScoresOpt = Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                        help=f"Scores (decision values, not probabilities): {SOURCE_HELP}.")]
LabelsOpt = Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Labels -1/1, or 0/1 (converted to -1/1 as Keras does); same shape as --pred.")]


@loss_command("focal", BINARY, "sigmoid_focal_loss")
def focal(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, help=f"Logits: {SOURCE_HELP}.", show_default=False)],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, help="Targets in [0, 1], same shape as --pred.", show_default=False)],
    alpha: Annotated[float, typer.Option(max=1.0, help="Weight of positives (negatives get 1 - alpha); < 0 disables the weighting.")] = 0.25,
    gamma: Annotated[float, typer.Option(min=0.0, help="Focusing exponent: down-weights easy examples (0 = BCE).")] = 2.0,
):
    """Focal loss on logits, as torchvision sigmoid_focal_loss: detection, heavily imbalanced binary labels.

    alpha_t (1 - p_t)^gamma times BCE with logits, where p_t is the probability given to the true label.

    torchvision's default reduction is none; here it is mean, like every loss.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    value = F.sigmoid_focal_loss(x, y, reduction=run.reduction, alpha=alpha, gamma=gamma)
    return run.result(value, x, {"alpha": alpha, "gamma": gamma}, pred=x, target=y)


def _columns(x, y) -> dict:
    """pred and target beside the per-sample losses, when those are per element (a vector)."""
    return {"pred": x, "target": y} if x.ndim <= 1 else {}


@loss_command("hinge", BINARY, "hinge_loss")
def hinge(run: Run, pred: ScoresOpt, target: LabelsOpt):
    """Hinge max(0, 1 - target * pred), as Keras hinge: margin (SVM-style) classifiers on raw scores.

    As in Keras, a matrix (N, C) has one loss per sample, the mean over its last axis: --reduction none prints N values and sum adds them.

    A vector (N,) is N samples with one score each (Keras's (N, 1)): none prints every element.

    mean equals keras.losses.hinge(target, pred).mean().
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    value = F.hinge_loss(x, y, reduction=run.reduction)
    return run.result(value, x, **_columns(x, y))


@loss_command("squared-hinge", BINARY, "squared_hinge_loss")
def squared_hinge(run: Run, pred: ScoresOpt, target: LabelsOpt):
    """Squared hinge max(0, 1 - target * pred)², as Keras squared_hinge: smooth margin classifiers.

    As in Keras, a matrix (N, C) has one loss per sample, the mean over its last axis: --reduction none prints N values and sum adds them.

    A vector (N,) is N samples with one score each (Keras's (N, 1)): none prints every element.

    mean equals keras.losses.squared_hinge(target, pred).mean().
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    value = F.squared_hinge_loss(x, y, reduction=run.reduction)
    return run.result(value, x, **_columns(x, y))
