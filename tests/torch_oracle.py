"""Run a case through torch.nn.functional: the oracle for golden values and differential tests.

A case is (function name, positional arrays, keyword arguments); the names are the same in
losscli.functional and torch.nn.functional. Only tests and tests/make_golden.py import this;
torch itself is imported only inside torch_call, so `integer_args` works without it.

Where losscli's signature differs from torch's, the oracle translates:
- triplet_margin_with_distance_loss takes `distance="pairwise"|"cosine"|"l1"` instead of a
  callable; the oracle passes torch the callable that the name stands for (DISTANCES).
- gaussian_nll_loss's `var` may come as a keyword holding a Python float (torch's float path).
"""

import warnings

import numpy as np

# Arguments that torch wants as int64 class indices when they are not probabilities.
INDEX_TARGET = {"cross_entropy", "nll_loss"}
# Positional arguments that are always integers (class indices, label lists, lengths).
ALWAYS_INT = {"multi_margin_loss": (1,), "multilabel_margin_loss": (1,), "ctc_loss": (1, 2, 3)}


def integer_args(name: str, args: list) -> set[int]:
    """Positions of the arguments that hold integers (int64 for torch and for losscli)."""
    if name in INDEX_TARGET and np.shape(args[1]) != np.shape(args[0]):
        return {1}
    if name == "linear_cross_entropy":
        x, w, target = (np.asarray(a) for a in args)
        logits_shape = (*x.shape[:-1], w.shape[0], *w.shape[1:-1])
        return set() if target.shape == logits_shape else {2}
    return set(ALWAYS_INT.get(name, ()))


def _distances():
    import torch
    import torch.nn.functional as F

    return {
        "pairwise": torch.pairwise_distance,  # torch's default: p=2, eps=1e-6
        "cosine": lambda a, b: 1 - F.cosine_similarity(a, b, dim=-1),
        "l1": lambda a, b: (a - b).abs().sum(-1),
    }


def torch_call(name: str, args: list, kwargs: dict, dtype: str = "float64"):
    import torch
    import torch.nn.functional as F

    tdt = getattr(torch, dtype)
    ints = integer_args(name, args)
    tensors = [
        torch.tensor(np.asarray(a), dtype=torch.int64) if i in ints
        else torch.tensor(np.asarray(a, dtype=np.float64), dtype=tdt)
        for i, a in enumerate(args)
    ]
    kw = {
        k: torch.tensor(np.asarray(v, dtype=np.float64), dtype=tdt) if isinstance(v, (list, np.ndarray)) else v
        for k, v in kwargs.items()
    }
    if name == "triplet_margin_with_distance_loss":
        kw["distance_function"] = _distances()[kw.pop("distance", "pairwise")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on broadcasting and on kl_div 'mean'
        out = getattr(F, name)(*tensors, **kw)
    return out.double().numpy()


class _Lazy:
    """A module imported on first use, for tests whose other checks need no torch: where it is
    not installed (a new clone without the oracles), the test is skipped at that point."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        if attr.startswith("_"):  # pytest's collection looks for __test__ and the like on every name
            raise AttributeError(attr)
        import importlib

        import pytest

        try:
            module = importlib.import_module(self._name)
        except ImportError:
            pytest.skip(f"{self._name} is not installed (a test oracle: pip install torch==2.13.0)")
        return getattr(module, attr)


torch = _Lazy("torch")
F = _Lazy("torch.nn.functional")
