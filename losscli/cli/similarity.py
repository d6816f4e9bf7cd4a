"""Similarity losses: cosine-embedding."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import SIMILARITY, SOURCE, SOURCE_HELP, Run, _shape, loss_command


@loss_command("cosine-embedding", SIMILARITY, "cosine_embedding_loss", broadcast=True)
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
        raise UsageError(f"--target has shape {_shape(y.shape)}; it needs one label per pair, shape {_shape(a.shape[:-1])}")
    if not ((y == 1) | (y == -1)).all():
        raise UsageError("--target must hold 1 (similar) or -1 (dissimilar); torch gives other values a loss of 0")
    value = F.cosine_embedding_loss(a, b, y, margin=margin, reduction=run.reduction)
    return run.result(value, a, {"margin": margin}, target=y)
