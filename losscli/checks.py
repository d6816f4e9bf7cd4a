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
    out = []
    if gates.fail_above is not None:
        bad = np.isnan(v) | (v > gates.fail_above)
        out += _report(loss, v, bad, f"> {gates.fail_above!r}", "--fail-above", worst=np.nanargmax)
    if gates.fail_below is not None:
        bad = np.isnan(v) | (v < gates.fail_below)
        out += _report(loss, v, bad, f"< {gates.fail_below!r}", "--fail-below", worst=np.nanargmin)
    if gates.expect is not None:
        # numpy.isclose's rule, |v - expect| <= atol + rtol |expect|; NaN never passes
        tol = gates.atol + gates.rtol * abs(gates.expect)
        with np.errstate(invalid="ignore"):
            err = np.abs(v - gates.expect)
        bad = ~(err <= tol)
        rule = f"is not within {tol:.3g} of {gates.expect!r}"
        out += _report(loss, v, bad, rule, "--expect", worst=lambda a: np.nanargmax(np.abs(a - gates.expect)))
    return out


def _report(loss: str, v: np.ndarray, bad: np.ndarray, rule: str, option: str, worst) -> list[str]:
    if not bad.any():
        return []
    if v.ndim == 0:
        if np.isnan(v):
            return [f"{loss} = nan fails {option} (NaN fails every check)"]
        return [f"{loss} = {float(v)!r} {rule} ({option})"]
    nan = np.isnan(v)
    flat = int(np.argmax(nan)) if nan.any() else int(worst(np.where(bad, v, np.nan)))
    position = ",".join(map(str, np.unravel_index(flat, v.shape)))
    return [
        f"{loss}: {int(bad.sum())} of {v.size} elements {rule} ({option}); "
        f"worst {float(v.ravel()[flat])!r} at index {position}"
    ]
