"""Reductions as partial sums: what streaming, JSON output and `losscli merge` share.

Every reduction of every loss is `sum / denominator` ('mean', 'batchmean') or `sum` ('sum'),
where the denominator counts elements, samples, or the weight of the kept targets (cross
entropy with class weights). Shards of a dataset reduce to (sum, denominator) pairs, and the
pairs add up to the loss of the whole.
"""

import math

import numpy as np

BLOCK = 1 << 14  # elements per block; blocks are aligned to the global element index
_SCALE = 2.0**-64  # exact for every float64 above 2**-1010: sums that overflow are taken scaled


def exact_sum(values) -> float:
    """The correctly rounded float64 sum of `values`, as torch's sum ends: nan if any is nan or
    +inf meets -inf, ±inf if an infinity is present or the exact total overflows float64.
    Never raises (math.fsum raises on both)."""
    values = [float(v) for v in values]
    if not all(math.isfinite(v) for v in values):
        if any(math.isnan(v) for v in values) or (math.inf in values and -math.inf in values):
            return math.nan
        return math.inf if math.inf in values else -math.inf
    try:
        return math.fsum(values)
    except OverflowError:  # an intermediate overflow: the scaled values' exact sum, scaled back
        return math.fsum(v * _SCALE for v in values) / _SCALE  # float division overflows to ±inf


class BlockedSum:
    """A sum whose bits do not depend on how the values arrive in chunks.

    Values are cut into fixed blocks by their global position; each block is summed by NumPy
    (pairwise) in float64, and the block sums are added exactly (exact_sum), so any chunking of
    the same values gives the same result, to the last bit. The total is cast to `dtype` only
    at the end: a float32 running sum would round differently for every chunking, and this
    way a float32 total beyond 3.4e38 is inf, as torch's float32 sum is.
    """

    def __init__(self, dtype="float64") -> None:
        self.dtype = np.dtype(dtype)
        self._blocks: list[float] = []
        self._carry = np.empty(0)

    def add(self, values) -> None:
        v = np.asarray(values, dtype=np.float64).ravel()
        if self._carry.size:
            v = np.concatenate([self._carry, v])
        full = v.size - v.size % BLOCK
        if full:
            with np.errstate(all="ignore"):  # a block may overflow to inf, as torch's sum does
                self._blocks.extend(v[:full].reshape(-1, BLOCK).sum(axis=1).tolist())
        self._carry = v[full:].copy()

    def total(self):
        with np.errstate(all="ignore"):
            last = float(self._carry.sum())
            return self.dtype.type(exact_sum(self._blocks + [last]))


def combine(reduction: str, total: float, denominator: float) -> float:
    """The loss from its parts: sum for 'sum', sum / denominator otherwise (nan when 0/0).
    Never raises: nan and ±inf pass through as in torch."""
    total, denominator = float(total), float(denominator)
    if reduction == "sum":
        return total
    if denominator == 0:
        return math.nan if total == 0 or math.isnan(total) else math.copysign(math.inf, total)
    return total / denominator
