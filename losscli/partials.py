"""Reductions as partial sums: what streaming, JSON output and `losscli merge` share.

Every reduction of every loss is `sum / denominator` ('mean', 'batchmean') or `sum` ('sum'),
where the denominator counts elements, samples, or the weight of the kept targets (cross
entropy with class weights). Shards of a dataset reduce to (sum, denominator) pairs, and the
pairs add up to the loss of the whole.
"""

import math

import numpy as np

BLOCK = 1 << 14  # elements per block; blocks are aligned to the global element index


class BlockedSum:
    """A float64 sum whose bits do not depend on how the values arrive in chunks.

    Values are cut into fixed blocks by their global position; each block is summed by NumPy
    (pairwise), and the block sums are added exactly (math.fsum), so any chunking of the same
    values gives the same result, to the last bit.
    """

    def __init__(self) -> None:
        self._blocks: list[float] = []
        self._carry = np.empty(0)

    def add(self, values) -> None:
        v = np.asarray(values, dtype=np.float64).ravel()
        if self._carry.size:
            v = np.concatenate([self._carry, v])
        full = v.size - v.size % BLOCK
        if full:
            self._blocks.extend(v[:full].reshape(-1, BLOCK).sum(axis=1).tolist())
        self._carry = v[full:].copy()

    def total(self) -> float:
        return math.fsum(self._blocks + [float(self._carry.sum())])


def combine(reduction: str, total: float, denominator: float) -> float:
    """The loss from its parts: sum for 'sum', sum / denominator otherwise (nan when 0/0)."""
    if reduction == "sum":
        return total
    if denominator == 0:
        return math.nan if total == 0 or math.isnan(total) else math.copysign(math.inf, total)
    return total / denominator
