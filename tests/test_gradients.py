"""--grad: the closed-form gradients against torch autograd (rtol 1e-9), in the core and the CLI."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import losscli.functional as F
from losscli.cli import app

torch = pytest.importorskip("torch")
TF = torch.nn.functional
runner = CliRunner()
RED = ("mean", "sum", "none")


def autograd(fn, args, kwargs, wrt=(0,)):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=i in wrt) if np.asarray(a).dtype.kind == "f"
          else torch.tensor(a) for i, a in enumerate(args)]
    kw = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    fn(*ts, **kw).sum().backward()  # an upstream gradient of ones, as for 'none'
    return [ts[i].grad.numpy() for i in wrt]


def _cases(rng):
    x, y = rng.normal(size=(5, 4)) * 2, rng.normal(size=(5, 4)) * 2
    for red in RED:
        yield "mse_loss_backward", TF.mse_loss, [x, y], {"reduction": red}
        yield "l1_loss_backward", TF.l1_loss, [x, y], {"reduction": red}
        yield "smooth_l1_loss_backward", TF.smooth_l1_loss, [x, y], {"reduction": red, "beta": 0.7}
        yield "smooth_l1_loss_backward", TF.smooth_l1_loss, [x, y], {"reduction": red, "beta": 0.0}
        yield "huber_loss_backward", TF.huber_loss, [x, y], {"reduction": red, "delta": 1.3}
        yield "binary_cross_entropy_with_logits_backward", TF.binary_cross_entropy_with_logits, \
            [x, rng.uniform(size=(5, 4))], {"reduction": red, "weight": rng.uniform(size=4),
                                            "pos_weight": rng.uniform(0.5, 3, size=4)}
        labels = np.array([0, 3, 1, 1, 2])
        for kw in ({}, {"weight": rng.uniform(0.5, 2, size=4)}, {"label_smoothing": 0.15, "ignore_index": 1},
                   {"weight": rng.uniform(0.5, 2, size=4), "label_smoothing": 0.3, "ignore_index": 0}):
            yield "cross_entropy_backward", TF.cross_entropy, [x, labels], {"reduction": red, **kw}
        probs = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        yield "cross_entropy_backward", TF.cross_entropy, [x, probs], {"reduction": red, "label_smoothing": 0.2,
                                                                        "weight": rng.uniform(0.5, 2, size=4)}
        yield "cosine_embedding_loss_backward", TF.cosine_embedding_loss, \
            [x, y, np.array([1.0, -1.0, -1.0, 1.0, -1.0])], {"reduction": red, "margin": -0.2}
    for red in RED + ("batchmean",):
        logp = np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True))
        q = np.exp(y) / np.exp(y).sum(1, keepdims=True)
        yield "kl_div_backward", TF.kl_div, [logp, q], {"reduction": red}
        yield "kl_div_backward", TF.kl_div, [logp, np.log(q)], {"reduction": red, "log_target": True}


@pytest.mark.parametrize("seed", range(5))
def test_backward_matches_torch_autograd(seed):
    for name, torch_fn, args, kwargs in _cases(np.random.default_rng(seed)):
        wrt = (0, 1) if name == "cosine_embedding_loss_backward" else (0,)
        expected = autograd(torch_fn, args, kwargs, wrt)
        got = getattr(F, name)(*args, **kwargs)
        got = list(got) if isinstance(got, tuple) else [got]
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-15, err_msg=f"{name} {kwargs}")


def test_broadcast_gradient_sums_back_to_the_prediction_shape():
    x, y = np.array([[1.0], [2.0]]), np.array([0.5, -1.0, 3.0])
    (expected,) = autograd(TF.mse_loss, [x, y], {})
    np.testing.assert_allclose(F.mse_loss_backward(x, y), expected, rtol=1e-12)


def _inline(text: str) -> np.ndarray:
    rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
    return np.array(rows if len(rows) > 1 else rows[0])


SEED_COMMANDS = [
    (["mse", "--pred", "0.5,-1,2;1,0,3", "--target", "1,1,1;0,0,0"], TF.mse_loss, {}),
    (["smooth-l1", "--pred", "0.5,-1,2;1,0,3", "--target", "1,1,1;0,0,0", "--beta", "0.7"], TF.smooth_l1_loss,
     {"beta": 0.7}),
    (["bce-with-logits", "--pred", "0.5,-1,2;1,0,3", "--target", "1,0,1;0,0,1", "--pos-weight", "1,2,3", "-r", "sum"],
     TF.binary_cross_entropy_with_logits, {"pos_weight": np.array([1.0, 2.0, 3.0]), "reduction": "sum"}),
    (["cross-entropy", "--pred", "0.5,-1,2;1,0,3", "--target", "2,0", "--label-smoothing", "0.1"], TF.cross_entropy,
     {"label_smoothing": 0.1}),
    (["kl-div", "--pred", "-0.5,-1;-2,-0.1", "--target", "0.6,0.4;0.1,0.9", "-r", "batchmean"], TF.kl_div,
     {"reduction": "batchmean"}),
]


@pytest.mark.parametrize("args,torch_fn,kwargs", SEED_COMMANDS, ids=[a[0][0] for a in SEED_COMMANDS])
def test_cli_grad_matches_torch_autograd(args, torch_fn, kwargs):
    out = json.loads(runner.invoke(app, [*args, "--grad", "-f", "json"]).stdout)
    pred, target = _inline(args[2]), _inline(args[4])
    if torch_fn is TF.cross_entropy:
        target = target.astype(np.int64)
    (expected,) = autograd(torch_fn, [pred, target], kwargs)
    np.testing.assert_allclose(np.array(out["grad"]["pred"]), expected, rtol=1e-9)


def test_cli_grad_of_cosine_embedding_and_pred_probs():
    out = json.loads(runner.invoke(app, ["cosine-embedding", "--input1", "1,2;3,-1", "--input2", "0,1;2,2",
                                         "--target", "1,-1", "--margin", "-0.5", "--grad", "-f", "json"]).stdout)
    x1, x2 = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[0.0, 1.0], [2.0, 2.0]])
    g1, g2 = autograd(TF.cosine_embedding_loss, [x1, x2, np.array([1.0, -1.0])], {"margin": -0.5}, wrt=(0, 1))
    np.testing.assert_allclose(out["grad"]["input1"], g1, rtol=1e-9)
    np.testing.assert_allclose(out["grad"]["input2"], g2, rtol=1e-9)
    # --pred-probs: the gradient is w.r.t. the probabilities given, through the log
    p, q = np.array([[0.4, 0.6], [0.3, 0.7]]), np.array([[0.5, 0.5], [0.4, 0.6]])
    out = json.loads(runner.invoke(app, ["kl-div", "--pred", "0.4,0.6;0.3,0.7", "--pred-probs", "--target",
                                         "0.5,0.5;0.4,0.6", "-r", "batchmean", "--grad", "-f", "json"]).stdout)
    (expected,) = autograd(lambda a, b, **k: TF.kl_div(torch.log(a), b, **k), [p, q], {"reduction": "batchmean"})
    np.testing.assert_allclose(out["grad"]["pred"], expected, rtol=1e-9)


def test_grad_in_every_format():
    base = ["cross-entropy", "--pred", "1,2,3;1,2,3", "--target", "2,0", "--grad"]
    csv = runner.invoke(app, [*base, "-f", "csv"]).stdout.splitlines()
    assert csv[0] == "index0,index1,grad" and len(csv) == 7
    assert runner.invoke(app, [*base, "-f", "tsv"]).stdout.splitlines()[0] == "index0\tindex1\tgrad"
    assert len(runner.invoke(app, [*base, "-f", "jsonl"]).stdout.splitlines()) == 6
    assert len(runner.invoke(app, [*base, "-q"]).stdout.splitlines()) == 6
    assert runner.invoke(app, [*base, "-f", "md"]).stdout.startswith("| index0 | index1 | grad |")
    text = runner.invoke(app, base).stdout.splitlines()
    assert text[0].startswith("cross-entropy: 1.4076") and text[1] == "gradient of cross-entropy w.r.t. --pred"
