"""Run a case through torch.nn.functional: the oracle for golden values and differential tests.

A case is (function name, positional arrays, keyword arguments); the names are the same in
losscli.functional and torch.nn.functional. Only tests and tests/make_golden.py import this.
"""

import warnings

import numpy as np

# Arguments that torch wants as int64 class indices when they are not probabilities.
INDEX_TARGET = {"cross_entropy", "nll_loss"}


def torch_call(name: str, args: list, kwargs: dict, dtype: str = "float64"):
    import torch
    import torch.nn.functional as F

    tdt = getattr(torch, dtype)
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), dtype=tdt) for a in args]
    if name in INDEX_TARGET and tensors[1].shape != tensors[0].shape:
        tensors[1] = tensors[1].to(torch.int64)
    kw = {
        k: torch.tensor(np.asarray(v, dtype=np.float64), dtype=tdt) if isinstance(v, (list, np.ndarray)) else v
        for k, v in kwargs.items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on broadcasting and on kl_div 'mean'
        out = getattr(F, name)(*tensors, **kw)
    return out.double().numpy()
