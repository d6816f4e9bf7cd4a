"""CI gates on a loss value: --fail-above, --fail-below, --expect with --rtol/--atol.

A NaN fails every gate: a naive `nan > X` is False and would let a broken model pass.
With --reduction none a gate applies to every element, and the failure counts them.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Gates:
    fail_above: float | None = None
    fail_below: float | None = None
    expect: float | None = None
    rtol: float = 1e-5
    atol: float = 1e-8

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.fail_above, self.fail_below, self.expect))

    def rules(self) -> list[str]:
        """The gates in force, as text (for check tables)."""
        out = []
        if self.fail_above is not None:
            out.append(f"<= {self.fail_above!r}")
        if self.fail_below is not None:
            out.append(f">= {self.fail_below!r}")
        if self.expect is not None:
            out.append(f"~= {self.expect!r} (rtol {self.rtol:.3g}, atol {self.atol:.3g})")
        return out


def failures(loss: str, value: np.ndarray, gates: Gates) -> list[str]:
    """One line per failed gate and the rule that failed: the value, the threshold and the
    expected value exact (repr), a tolerance to 3 significant digits (atol + rtol |expect| is
    computed, so its repr shows float noise like 9.400000000000001e-07)."""
    v = np.asarray(value, dtype=np.float64)
    if v.ndim == 0:
        return _scalar_failures(loss, float(v), gates)
    tally = GateTally(loss, gates)
    tally.add(v, 0)
    return tally.lines()


def group_failures(loss: str, groups, gates: Gates) -> list[str]:
    """--by: one line per failed gate, naming the groups that fail it, worst first (as sorted)."""
    out = []
    for option, rule, bad in _rules(gates):
        failed = [g for g in groups if bad(np.asarray(float(g["value"])))]
        if failed:
            shown = ", ".join(f"{g['group']!r} = {float(g['value'])!r}" for g in failed[:10])
            more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
            out.append(f"{loss}: {len(failed)} of {len(groups)} groups {rule} ({option}): {shown}{more}")
    return out


def _scalar_failures(loss: str, v: float, gates: Gates) -> list[str]:
    out = []
    for option, rule, bad in _rules(gates):
        if bad(np.asarray(v)):
            if np.isnan(v):
                out.append(f"{loss} = nan fails {option} (NaN fails every check)")
            else:
                out.append(f"{loss} = {v!r} {rule} ({option})")
    return out


def _rules(gates: Gates):
    """(option, rule text, elements -> bool mask of failures) for each gate in force."""
    if gates.fail_above is not None:
        yield "--fail-above", f"> {gates.fail_above!r}", lambda v: np.isnan(v) | (v > gates.fail_above)
    if gates.fail_below is not None:
        yield "--fail-below", f"< {gates.fail_below!r}", lambda v: np.isnan(v) | (v < gates.fail_below)
    if gates.expect is not None:
        # numpy.isclose's rule, |v - expect| <= atol + rtol |expect|; NaN never passes
        tol = gates.atol + gates.rtol * abs(gates.expect)

        def bad(v):
            with np.errstate(invalid="ignore"):
                return ~(np.abs(v - gates.expect) <= tol)

        yield "--expect", f"is not within {tol:.3g} of {gates.expect!r}", bad


class GateTally:
    """The gates over every element of a per-element result, a block of rows at a time: how
    many fail each gate, and the worst (the first NaN, else the largest miss, the earliest on
    ties) with its index."""

    def __init__(self, loss: str, gates: Gates) -> None:
        self.loss = loss
        self.rules = list(_rules(gates))
        self.expect = gates.expect
        self.size, self.shape = 0, None
        # per gate: [failures, worst score, worst value, worst flat index, a NaN was seen]
        self.state = [[0, -np.inf, None, None, False] for _ in self.rules]

    def add(self, v: np.ndarray, row_offset: int) -> None:
        v = np.asarray(v, dtype=np.float64)
        flat_offset = row_offset * (int(np.prod(v.shape[1:])) if v.ndim > 1 else 1)
        self.size += v.size
        self.shape = v.shape[1:]
        flat = v.ravel()
        for (option, _, bad), state in zip(self.rules, self.state):
            mask = bad(flat)
            count = int(mask.sum())
            if not count:
                continue
            state[0] += count
            if state[4]:
                continue
            nan = np.isnan(flat) & mask
            if nan.any():
                i = int(np.argmax(nan))
                state[1:5] = [np.inf, float("nan"), flat_offset + i, True]
                continue
            score = self._score(option, flat)
            i = int(np.argmax(np.where(mask, score, -np.inf)))
            if score[i] > state[1]:
                state[1:4] = [float(score[i]), float(flat[i]), flat_offset + i]

    def _score(self, option: str, v: np.ndarray) -> np.ndarray:
        if option == "--fail-above":
            return v
        if option == "--fail-below":
            return -v
        return np.abs(v - self.expect)

    def lines(self) -> list[str]:
        out = []
        rows = self.size // max(int(np.prod(self.shape or ())), 1) if self.shape is not None else 0
        for (option, rule, _), (count, _, worst, index, _) in zip(self.rules, self.state):
            if count:
                position = ",".join(map(str, np.unravel_index(index, (rows, *self.shape)))) if self.shape else str(index)
                out.append(f"{self.loss}: {count} of {self.size} elements {rule} ({option}); "
                           f"worst {worst!r} at index {position}")
        return out
