"""Read tests/golden/torch_2.13.json (written by tests/make_golden.py from torch 2.13.0)."""

import json
import pathlib

import numpy as np

GOLDEN = pathlib.Path(__file__).parent / "golden" / "torch_2.13.json"
_NONFINITE = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}


def decode(enc) -> np.ndarray:
    def walk(v):
        return [walk(e) for e in v] if isinstance(v, list) else _NONFINITE.get(v, v)

    return np.array(walk(enc["values"]), dtype=np.float64).reshape(enc["shape"])


def load_cases() -> list[dict]:
    out = []
    for rec in json.loads(GOLDEN.read_text())["cases"]:
        out.append({
            "function": rec["function"],
            "args": [decode(a) for a in rec["args"]],
            "kwargs": {k: decode(v) if isinstance(v, dict) else v for k, v in rec["kwargs"].items()},
            "float64": decode(rec["float64"]),
            "float32": decode(rec["float32"]),
        })
    return out


def case_id(case: dict) -> str:
    kw = ",".join(f"{k}={'array' if isinstance(v, np.ndarray) else v}" for k, v in case["kwargs"].items())
    shapes = "x".join(str(a.shape) for a in case["args"])
    return f"{case['function']}[{shapes}]({kw})"
