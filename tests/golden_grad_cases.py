"""Regenerate tests/golden/torch_2.13_grad.json: input gradients from torch 2.13.0 autograd (CPU build).

    pip install torch==2.13.0 && python tests/golden_grad_cases.py    (tests/make_golden.py runs it too)

Each case names a closed-form backward of losscli.functional, the loss's arguments, and, for
float64 and float32, the gradient torch autograd gives of loss.sum() (an upstream gradient of
ones, as for 'none') w.r.t. the loss's first input, or both inputs of cosine_embedding_loss.
The tests read it without torch (load_grad_cases).
"""

import json
import pathlib
import sys
import warnings

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from golden_cases import decode  # noqa: E402
from torch_oracle import integer_args  # noqa: E402

OUT = pathlib.Path(__file__).parent / "golden" / "torch_2.13_grad.json"
REDUCTIONS = ("mean", "sum", "none")
INF, NAN = float("inf"), float("nan")


def loss_of(backward: str) -> str:
    """The torch.nn.functional loss a backward differentiates: mse_loss_backward -> mse_loss."""
    return backward.removesuffix("_backward")


def wrt(backward: str) -> tuple[int, ...]:
    """The positions of the inputs the backward returns gradients for."""
    return (0, 1) if backward == "cosine_embedding_loss_backward" else (0,)


def cases():
    rng = np.random.default_rng(20261130)

    def r(*shape, scale=1.0):
        return np.round(rng.normal(size=shape) * scale, 4)

    def probs(*shape, axis=-1):
        e = np.exp(rng.normal(size=shape))
        return np.round(e / e.sum(axis=axis, keepdims=True), 4)

    x, y = r(4, 3, scale=2), r(4, 3, scale=2)
    y[0, 0] = x[0, 0]  # a zero difference: sign(0) = 0
    for red in REDUCTIONS:
        yield "mse_loss_backward", [x, y], {"reduction": red}
        yield "mse_loss_backward", [np.array([[1.0], [2.0]]), np.array([0.5, -1.0, 3.0])], {"reduction": red}
        yield "l1_loss_backward", [x, y], {"reduction": red}
        yield "l1_loss_backward", [x, r(3)], {"reduction": red}
        for beta in (1.0, 0.5, 0.0):
            yield "smooth_l1_loss_backward", [x, y], {"reduction": red, "beta": beta}
        for delta in (1.0, 0.5, 2.5):
            yield "huber_loss_backward", [x, y], {"reduction": red, "delta": delta}
    # near the top of the range: torch scales by 2/n before multiplying (no overflow)
    yield "mse_loss_backward", [np.array([1e308, 0.0]), np.array([-1e307, 0.0])], {}
    yield "mse_loss_backward", [np.array([2e38, 0.0]), np.array([-1e38, 0.0])], {}
    yield "mse_loss_backward", [np.array([1e308, 0.0]), np.array([-1e307, 0.0])], {"reduction": "sum"}
    # nan and inf differences: torch's sign(nan) is 0 (l1, smooth l1 with beta 0); nan otherwise
    special_x, special_y = np.array([NAN, 1.0, INF, -INF, 2.0]), np.array([0.0, 0.0, INF, 0.0, 2.0])
    for red in REDUCTIONS:
        yield "l1_loss_backward", [special_x, special_y], {"reduction": red}
        yield "smooth_l1_loss_backward", [special_x, special_y], {"reduction": red, "beta": 0.0}
        yield "smooth_l1_loss_backward", [special_x, special_y], {"reduction": red, "beta": 1.0}
        yield "huber_loss_backward", [special_x, special_y], {"reduction": red}
        yield "mse_loss_backward", [special_x, special_y], {"reduction": red}

    # binary_cross_entropy_with_logits: weight, pos_weight, both, saturated logits
    y01 = np.round(rng.uniform(size=(4, 3)), 3)
    for red in REDUCTIONS:
        yield "binary_cross_entropy_with_logits_backward", [x, y01], {"reduction": red}
        yield "binary_cross_entropy_with_logits_backward", [x, y01], {
            "reduction": red, "weight": np.array([0.5, 2.0, 1.0])}
        yield "binary_cross_entropy_with_logits_backward", [x, y01], {
            "reduction": red, "pos_weight": np.array([1.0, 3.0, 0.5])}
        yield "binary_cross_entropy_with_logits_backward", [x, y01], {
            "reduction": red, "weight": np.abs(r(4, 3)), "pos_weight": np.array([2.0, 0.25, 4.0])}
    yield "binary_cross_entropy_with_logits_backward", [np.array([40.0, -40.0, 800.0, -800.0]),
                                                        np.array([0.0, 1.0, 0.5, 1.0])], {"reduction": "sum"}

    # kl_div: probabilities with zeros, log targets, batchmean, a target that broadcasts
    logp, q = np.log(probs(4, 3)), probs(4, 3)
    q[1, 2] = 0.0
    for red in REDUCTIONS + ("batchmean",):
        yield "kl_div_backward", [logp, q], {"reduction": red}
        yield "kl_div_backward", [logp, np.log(probs(4, 3))], {"reduction": red, "log_target": True}
        yield "kl_div_backward", [logp, probs(3)], {"reduction": red}
        yield "kl_div_backward", [np.array([-np.inf, -0.5, -1.0]), np.array([0.0, 0.5, 0.5])], {"reduction": red}

    yield from _cross_entropy_cases(r, probs)
    yield from _cosine_cases(r)


def _cross_entropy_cases(r, probs):
    x, labels = r(5, 4, scale=2), np.array([0, 3, 1, 1, 2])
    w = np.array([0.5, 2.0, 1.0, 3.0])
    for red in REDUCTIONS:
        yield "cross_entropy_backward", [x, labels], {"reduction": red}
        yield "cross_entropy_backward", [x, labels], {"reduction": red, "weight": w}
        yield "cross_entropy_backward", [x, labels], {"reduction": red, "ignore_index": 1, "label_smoothing": 0.15}
        yield "cross_entropy_backward", [x, labels], {
            "reduction": red, "weight": w, "ignore_index": 0, "label_smoothing": 0.3}
        yield "cross_entropy_backward", [x, probs(5, 4)], {"reduction": red}
        yield "cross_entropy_backward", [x, probs(5, 4)], {"reduction": red, "weight": w, "label_smoothing": 0.2}
        yield "cross_entropy_backward", [r(2, 3, 4), np.array([[0, 1, 2, 1], [2, 2, 0, 1]])], {
            "reduction": red, "weight": w[:3], "label_smoothing": 0.1}
        yield "cross_entropy_backward", [r(2, 3, 4), probs(2, 3, 4, axis=1)], {"reduction": red}
        yield "cross_entropy_backward", [r(4), np.array(2)], {"reduction": red, "weight": w}
        yield "cross_entropy_backward", [r(4), np.array(2)], {"reduction": red, "label_smoothing": 0.4}
        # every target ignored: torch's gradient is 0 (its loss is nan for 'mean')
        yield "cross_entropy_backward", [x, np.full(5, -100)], {"reduction": red}
        yield "cross_entropy_backward", [x, np.full(5, -100)], {"reduction": red, "label_smoothing": 0.2}
        # a zero total weight: the kept row is nan for 'mean', the ignored row 0
        yield "cross_entropy_backward", [x[:2, :3], np.array([0, -100])], {
            "reduction": red, "weight": np.array([0.0, 1.0, 1.0])}
        # an inf (or huge) class weight: finite where torch is, no 0 * inf from an unused term
        yield "cross_entropy_backward", [x[:2, :3], np.array([1, 2])], {
            "reduction": red, "weight": np.array([INF, 1.0, 1.0])}
        yield "cross_entropy_backward", [x[:2, :3], np.array([1, 0])], {
            "reduction": red, "weight": np.array([1e308, 1e308, 1.0])}
        yield "cross_entropy_backward", [np.array([[1000.0, 0.0, -1000.0], [-INF, 0.0, 1.0]]), np.array([2, 1])], {
            "reduction": red}


def _cosine_cases(r):
    x1, x2 = r(5, 3), r(5, 3)
    y = np.array([1.0, -1.0, -1.0, 1.0, -1.0])
    for red in REDUCTIONS:
        for margin in (0.0, -0.2, 0.5):
            yield "cosine_embedding_loss_backward", [x1, x2, y], {"reduction": red, "margin": margin}
        # input2 broadcasts against input1: its gradient is summed back to (1, 2)
        yield "cosine_embedding_loss_backward", [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.5]]),
                                                 np.array([1.0, -1.0])], {"reduction": red}
        yield "cosine_embedding_loss_backward", [r(4), r(4), np.array(-1.0)], {"reduction": red, "margin": -0.5}
    # cos == margin: clamp_min's backward passes the gradient at equality; zero vectors
    yield "cosine_embedding_loss_backward", [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array(-1.0)], {}
    yield "cosine_embedding_loss_backward", [np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]),
                                             np.array([[0.0, 0.0], [2.0, 1.0], [0.0, 0.0]]),
                                             np.array([-1.0, -1.0, 1.0])], {"reduction": "none"}
    # targets other than +-1 give 0
    yield "cosine_embedding_loss_backward", [x1[:3], x2[:3], np.array([0.0, 2.0, 1.0])], {"reduction": "sum"}


def torch_grad(backward: str, args: list, kwargs: dict, dtype: str) -> list[np.ndarray]:
    """torch autograd's gradient of F.<loss>(*args, **kwargs).sum() w.r.t. the wrt() inputs."""
    import torch

    name = loss_of(backward)
    tdt = getattr(torch, dtype)
    ints = integer_args(name, args)
    tensors = [
        torch.tensor(np.asarray(a), dtype=torch.int64) if i in ints
        else torch.tensor(np.asarray(a, dtype=np.float64), dtype=tdt, requires_grad=i in wrt(backward))
        for i, a in enumerate(args)
    ]
    kw = {k: torch.tensor(v, dtype=tdt) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on broadcasting and on kl_div 'mean'
        getattr(torch.nn.functional, name)(*tensors, **kw).sum().backward()
    return [tensors[i].grad.double().numpy() for i in wrt(backward)]


def load_grad_cases() -> list[dict]:
    """The golden gradients, decoded: function, args, kwargs, and float64/float32 lists of arrays."""
    out = []
    for rec in json.loads(OUT.read_text())["cases"]:
        out.append({
            "function": rec["function"],
            "args": [decode(a) for a in rec["args"]],
            "kwargs": {k: decode(v) if isinstance(v, dict) else v for k, v in rec["kwargs"].items()},
            "float64": [decode(g) for g in rec["float64"]],
            "float32": [decode(g) for g in rec["float32"]],
        })
    return out


def main():
    import torch
    from make_golden import encode

    records = []
    for backward, args, kwargs in cases():
        rec = {"function": backward, "args": [encode(a) for a in args],
               "kwargs": {k: encode(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}}
        for dtype in ("float64", "float32"):
            rec[dtype] = [encode(g) for g in torch_grad(backward, args, kwargs, dtype)]
        records.append(rec)
    OUT.write_text(json.dumps({"generator": "tests/golden_grad_cases.py", "torch": torch.__version__,
                               "autograd": "gradient of loss.sum() w.r.t. the float inputs", "cases": records},
                              indent=1) + "\n")
    print(f"wrote {len(records)} gradient cases to {OUT} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
