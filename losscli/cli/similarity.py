"""Similarity, ranking and metric-learning losses: cosine-embedding, hinge-embedding,
margin-ranking, triplet-margin, triplet-margin-with-distance."""

from enum import Enum
from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import METRIC, RANKING, SIMILARITY, SOURCE, SOURCE_HELP, Run, shape_text, loss_command


@loss_command("cosine-embedding", SIMILARITY, "cosine_embedding_loss", broadcast=True, grad=True)
def cosine_embedding(
    run: Run,
    input1: Annotated[str, typer.Option("--input1", metavar=SOURCE, help=f"First embeddings (N,D) or (D): {SOURCE_HELP}.", show_default=False)],
    input2: Annotated[str, typer.Option("--input2", metavar=SOURCE, help="Second embeddings, same shape as --input1.", show_default=False)],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, help="1 (similar) or -1 (dissimilar), one per pair.", show_default=False)],
    margin: Annotated[float, typer.Option(help="Dissimilar pairs cost nothing below this cosine.")] = 0.0,
):
    """Cosine embedding: 1 - cos for similar pairs, max(0, cos - margin) for dissimilar ones."""
    a, b, y = run.array("--input1", input1), run.array("--input2", input2), run.array("--target", target)
    run.same_shape(("--input1", a), ("--input2", b))
    if y.shape != a.shape[:-1] and not run.broadcast:
        raise UsageError(f"--target has shape {shape_text(y.shape)}; it needs one label per pair, shape {shape_text(a.shape[:-1])}")
    if not ((y == 1) | (y == -1)).all():
        raise UsageError("--target must hold 1 (similar) or -1 (dissimilar); torch gives other values a loss of 0")
    value = F.cosine_embedding_loss(a, b, y, margin=margin, reduction=run.reduction)
    grad = None
    if run.grad:
        grad = dict(zip(("input1", "input2"), F.cosine_embedding_loss_backward(a, b, y, margin=margin, reduction=run.reduction)))
    return run.result(value, a, {"margin": margin}, grad=grad, target=y)


def _signs(option: str, y, what: str) -> None:
    """Targets of 1 and -1 only: torch gives any other value a silently odd loss."""
    if not ((y == 1) | (y == -1)).all():
        raise UsageError(f"{option} must hold 1 or -1 ({what}); torch gives other values an odd loss")


@loss_command("hinge-embedding", SIMILARITY, "hinge_embedding_loss", broadcast=True)
def hinge_embedding(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Distances between the pairs (e.g. L1): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="1 (similar) or -1 (dissimilar), same shape as --pred.")],
    margin: Annotated[float, typer.Option(help="Dissimilar pairs cost nothing beyond this distance.")] = 1.0,
):
    """Hinge embedding: the distance for similar pairs, max(0, margin - distance) for dissimilar ones."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    _signs("--target", y, "similar or dissimilar")
    value = F.hinge_embedding_loss(x, y, margin=margin, reduction=run.reduction)
    return run.result(value, x, {"margin": margin}, pred=x, target=y)


@loss_command("margin-ranking", RANKING, "margin_ranking_loss", broadcast=True)
def margin_ranking(
    run: Run,
    input1: Annotated[str, typer.Option("--input1", metavar=SOURCE, show_default=False,
                                        help=f"First scores (N) or (): {SOURCE_HELP}.")],
    input2: Annotated[str, typer.Option("--input2", metavar=SOURCE, show_default=False,
                                        help="Second scores, same shape as --input1.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="1 where --input1 should rank higher, -1 where lower.")],
    margin: Annotated[float, typer.Option(help="The higher score must lead by this much.")] = 0.0,
):
    """Margin ranking max(0, -target (input1 - input2) + margin): learning to rank pairs."""
    a, b, y = run.array("--input1", input1), run.array("--input2", input2), run.array("--target", target)
    run.same_shape(("--input1", a), ("--input2", b), ("--target", y))
    _signs("--target", y, "which input should rank higher")
    value = F.margin_ranking_loss(a, b, y, margin=margin, reduction=run.reduction)
    return run.result(value, a, {"margin": margin}, input1=a, input2=b, target=y)


AnchorOpt = Annotated[str, typer.Option("--anchor", metavar=SOURCE, show_default=False,
                                        help=f"Anchor embeddings (N,D) or (D): {SOURCE_HELP}.")]
PositiveOpt = Annotated[str, typer.Option("--positive", metavar=SOURCE, show_default=False,
                                          help="Embeddings of the anchors' class, same shape as --anchor.")]
NegativeOpt = Annotated[str, typer.Option("--negative", metavar=SOURCE, show_default=False,
                                          help="Embeddings of another class, same shape as --anchor.")]
TripletMarginOpt = Annotated[float, typer.Option(help="How much nearer the positive must be than the negative (> 0).")]
SwapOpt = Annotated[bool, typer.Option("--swap", help="Use the nearer of anchor and positive to the negative.")]


def _triplet(run: Run, anchor: str, positive: str, negative: str):
    a, p, n = (run.array(o, s) for o, s in (("--anchor", anchor), ("--positive", positive), ("--negative", negative)))
    run.same_shape(("--anchor", a), ("--positive", p), ("--negative", n))
    return a, p, n


@loss_command("triplet-margin", METRIC, "triplet_margin_loss", broadcast=True)
def triplet_margin(
    run: Run,
    anchor: AnchorOpt,
    positive: PositiveOpt,
    negative: NegativeOpt,
    margin: TripletMarginOpt = 1.0,
    p: Annotated[float, typer.Option("--p", help="Norm of the distance ||a - b + eps||_p (inf for the max).")] = 2.0,
    eps: Annotated[float, typer.Option(help="Added to every component of a - b, as torch.pairwise_distance.")] = 1e-6,
    swap: SwapOpt = False,
):
    """Triplet margin max(0, margin + d(anchor, positive) - d(anchor, negative)) with p-norms: metric learning."""
    a, pos, neg = _triplet(run, anchor, positive, negative)
    value = F.triplet_margin_loss(a, pos, neg, margin=margin, p=p, eps=eps, swap=swap, reduction=run.reduction)
    return run.result(value, a, {"margin": margin, "p": p, "eps": eps, "swap": swap})


class Distance(str, Enum):
    pairwise = "pairwise"
    cosine = "cosine"
    l1 = "l1"


@loss_command("triplet-margin-with-distance", METRIC, "triplet_margin_with_distance_loss", broadcast=True)
def triplet_margin_with_distance(
    run: Run,
    anchor: AnchorOpt,
    positive: PositiveOpt,
    negative: NegativeOpt,
    distance: Annotated[Distance, typer.Option(
        help="pairwise: torch.pairwise_distance (L2, eps 1e-6); cosine: 1 - cosine similarity; l1: sum |a - b|.")
    ] = Distance.pairwise,
    margin: TripletMarginOpt = 1.0,
    swap: SwapOpt = False,
):
    """Triplet margin with a named distance (pairwise L2, cosine or L1): metric learning on other geometries."""
    a, pos, neg = _triplet(run, anchor, positive, negative)
    value = F.triplet_margin_with_distance_loss(a, pos, neg, distance=distance.value, margin=margin, swap=swap,
                                                reduction=run.reduction)
    return run.result(value, a, {"distance": distance.value, "margin": margin, "swap": swap})
