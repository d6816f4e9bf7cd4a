"""The losses torch lacks, against the library each one comes from.

log-cosh: Keras / optax log_cosh; quantile, mape, msle, tweedie: scikit-learn 1.9.1's
mean_pinball_loss, mean_absolute_percentage_error, mean_squared_log_error and
mean_tweedie_deviance; focal: torchvision.ops.sigmoid_focal_loss; hinge, squared-hinge:
keras.losses.hinge / squared_hinge. Golden tables first (each says where its value came
from), then differential tests against the libraries where they are installed (CI installs
scikit-learn, keras and torch), then the command line.
"""

import json
import math
import os
import pathlib

import numpy as np
import pytest
from helpers import assert_one_error_line
from typer.testing import CliRunner

import losscli.functional as F
from losscli import registry
from losscli.cli import app
from losscli.errors import InputError, LossCliError, UsageError

ROOT = pathlib.Path(__file__).resolve().parent.parent
runner = CliRunner()
LOG2 = math.log(2.0)

COMMANDS = {  # command -> (task, core function)
    "log-cosh": ("Regression", "log_cosh_loss"),
    "quantile": ("Regression", "quantile_loss"),
    "mape": ("Regression", "mape_loss"),
    "msle": ("Regression", "msle_loss"),
    "tweedie": ("Regression", "tweedie_loss"),
    "focal": ("Binary classification", "sigmoid_focal_loss"),
    "hinge": ("Binary classification", "hinge_loss"),
    "squared-hinge": ("Binary classification", "squared_hinge_loss"),
}


# --- golden tables: small hand-checkable cases ------------------------------------------------

# (function, pred, target, kwargs, expected, where the value came from)
GOLDEN = [
    (F.log_cosh_loss, [0.0, 1.0, -2.0], [0.0, 0.0, 0.0], {}, (0.0 + math.log(math.cosh(1)) + math.log(math.cosh(2))) / 3,
     "log(cosh(x)) in float64, by hand"),
    (F.log_cosh_loss, [1e4], [0.0], {}, 1e4 - LOG2, "|x| - log 2 for large |x| (log cosh 1e4 overflows cosh), by hand"),
    (F.log_cosh_loss, [[1.0, 3.0]], [1.0, 3.0 - 800.0], {"reduction": "sum"}, 800.0 - LOG2, "by hand: 0 + (800 - log 2)"),
    (F.quantile_loss, [2.0, 2.0, 1.0], [1.0, 2.0, 3.0], {"quantile": 0.1}, 0.3666666666666667,
     "scikit-learn 1.9.1 mean_pinball_loss(alpha=0.1); by hand (0.9 + 0 + 0.2) / 3"),
    (F.quantile_loss, [2.0, 2.0, 1.0], [1.0, 2.0, 3.0], {"quantile": 0.9}, 0.6333333333333333,
     "scikit-learn 1.9.1 mean_pinball_loss(alpha=0.9); by hand (0.1 + 0 + 1.8) / 3"),
    (F.quantile_loss, [2.0, 2.0, 1.0], [1.0, 2.0, 3.0], {}, 0.5, "scikit-learn 1.9.1 mean_pinball_loss: half the MAE"),
    (F.quantile_loss, [2.0, 2.0, 1.0], [1.0, 2.0, 3.0], {"quantile": 0.0, "reduction": "sum"}, 1.0,
     "by hand: quantile 0 is max(pred - target, 0)"),
    (F.mape_loss, [1.5, 1.0, 4.0], [1.0, 2.0, 4.0], {}, 1 / 3, "scikit-learn 1.9.1 mean_absolute_percentage_error"),
    (F.mape_loss, [1.0, 2.0], [0.0, 2.0], {}, 2.0**51,
     "scikit-learn 1.9.1 mean_absolute_percentage_error: (1 / eps + 0) / 2 with eps = 2^-52"),
    (F.msle_loss, [1.0], [3.0], {}, LOG2**2, "scikit-learn 1.9.1 mean_squared_log_error; by hand (log 4 - log 2)^2"),
    (F.msle_loss, [1.0, 1.0, 3.0], [0.0, 3.0, 7.0], {"reduction": "sum"}, 3 * LOG2**2, "by hand: three (log 2)^2"),
    (F.tweedie_loss, [2.0, 4.0], [1.0, 2.0], {"power": 0.0}, 2.5, "scikit-learn 1.9.1 mean_tweedie_deviance(power=0)"),
    (F.tweedie_loss, [1.0, 1.0], [0.0, 2.0], {"power": 1.0}, 2 * LOG2,
     "scikit-learn 1.9.1 mean_tweedie_deviance(power=1); by hand (2 + 4 log 2 - 2) / 2"),
    (F.tweedie_loss, [2.0, 1.0], [1.0, 2.0], {"power": 2.0}, 0.5,
     "scikit-learn 1.9.1 mean_tweedie_deviance(power=2); by hand (2 log 2 - 1 + 2 - 2 log 2) / 2"),
    (F.tweedie_loss, [2.0, 1.0], [1.0, 2.0], {"power": 3.0}, 0.375,
     "scikit-learn 1.9.1 mean_tweedie_deviance(power=3); by hand 1/y + y/p^2 - 2/p"),
    (F.tweedie_loss, [2.0, 1.0], [-1.0, 2.0], {"power": -1.0}, 5.333333333333332,
     "scikit-learn 1.9.1 mean_tweedie_deviance(power=-1); by hand (28/3 + 4/3) / 2"),
    (F.tweedie_loss, [2.0, 1.0], [0.0, 2.0], {"power": 1.5}, 3.1715728752538097,
     "scikit-learn 1.9.1 mean_tweedie_deviance(power=1.5); by hand (4 sqrt 2 + 12 - 8 sqrt 2) / 2"),
    (F.sigmoid_focal_loss, [0.0, 0.0], [1.0, 0.0], {}, LOG2 / 8,
     "torchvision formula by hand: p_t = 1/2, (1/4) log 2 times alpha_t 0.25 and 0.75"),
    (F.sigmoid_focal_loss, [0.0], [1.0], {"alpha": -1.0, "gamma": 0.0}, LOG2, "alpha < 0, gamma 0: BCE with logits"),
    (F.sigmoid_focal_loss, [0.0, 0.0], [1.0, 0.0], {"alpha": 0.5, "gamma": 1.0, "reduction": "sum"}, LOG2 / 2,
     "torchvision formula by hand: 2 x 0.5 x 0.5 x log 2"),
    (F.hinge_loss, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [1.0, 0.0]], {}, 1.1,
     "keras 3.15.1 keras.losses.hinge(...).mean() (the Keras docs' example); by hand (1.6 + 0.6) / 2"),
    (F.hinge_loss, [0.5, -2.0, 0.3], [1.0, -1.0, 1.0], {"reduction": "sum"}, 1.2, "Keras formula by hand: 0.5 + 0 + 0.7"),
    (F.squared_hinge_loss, [[0.6, 0.4], [0.4, 0.6]], [[0.0, 1.0], [1.0, 0.0]], {}, 1.46,
     "keras 3.15.1 keras.losses.squared_hinge(...).mean(); by hand (2.56 + 0.36) / 2"),
    (F.squared_hinge_loss, [[0.6, 0.4], [0.4, 0.6]], [[-1.0, 1.0], [1.0, -1.0]], {"reduction": "sum"}, 2.92,
     "Keras formula by hand: two samples of 1.46"),
]


@pytest.mark.parametrize("fn,pred,target,kwargs,expected,source", GOLDEN,
                         ids=[f"{g[0].__name__}-{i}" for i, g in enumerate(GOLDEN)])
def test_golden_float64(fn, pred, target, kwargs, expected, source):
    got = fn(np.array(pred), np.array(target), **kwargs)
    assert got.dtype == np.float64
    assert float(got) == pytest.approx(expected, rel=1e-9, abs=1e-300), source


@pytest.mark.parametrize("fn,pred,target,kwargs,expected,source", GOLDEN,
                         ids=[f"{g[0].__name__}-{i}" for i, g in enumerate(GOLDEN)])
def test_golden_float32(fn, pred, target, kwargs, expected, source):
    got = fn(np.array(pred, dtype=np.float32), np.array(target, dtype=np.float32), **kwargs)
    assert got.dtype == np.float32
    assert float(got) == pytest.approx(expected, rel=1e-5), source


def test_every_loss_has_golden_values_and_is_exported():
    import losscli

    assert {g[0].__name__ for g in GOLDEN} == set(F.BEYOND_TORCH) == {core for _, core in COMMANDS.values()}
    for name in F.BEYOND_TORCH:
        assert getattr(losscli, name) is getattr(F, name)


# --- reductions and shapes ---------------------------------------------------------------------

ELEMENTWISE = [
    (F.log_cosh_loss, {}),
    (F.quantile_loss, {"quantile": 0.3}),
    (F.mape_loss, {}),
    (F.msle_loss, {}),
    (F.tweedie_loss, {"power": 1.5}),
    (F.sigmoid_focal_loss, {}),
]


@pytest.mark.parametrize("fn,kwargs", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_reductions_relate(fn, kwargs):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.1, 3, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    none = fn(x, y, reduction="none", **kwargs)
    assert none.shape == (4, 3)
    assert fn(x, y, reduction="sum", **kwargs) == pytest.approx(none.sum(), rel=1e-14)
    assert fn(x, y, reduction="mean", **kwargs) == pytest.approx(none.mean(), rel=1e-14)


@pytest.mark.parametrize("fn", [F.hinge_loss, F.squared_hinge_loss])
def test_hinge_is_per_sample_over_the_last_axis(fn):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, 2, 3)), rng.choice([-1.0, 1.0], size=(4, 2, 3))
    none = fn(x, y, reduction="none")
    assert none.shape == (4, 2)
    assert fn(x, y, reduction="sum") == pytest.approx(none.sum(), rel=1e-14)
    assert fn(x, y, reduction="mean") == pytest.approx(none.mean(), rel=1e-14)
    # a vector is N samples of one score each, like Keras's (N, 1): its losses are per element
    v, t = x[:, 0, 0], y[:, 0, 0]
    np.testing.assert_allclose(fn(v, t, reduction="none"), fn(v[:, None], t[:, None], reduction="none"), rtol=1e-15)
    assert fn(np.float64(0.5), np.float64(1.0), reduction="none").shape == ()


def test_regression_losses_broadcast_and_mean_over_the_broadcast_size():
    x, y = np.array([[1.0], [2.0]]), np.array([1.0, 2.0, 4.0])
    for fn in (F.log_cosh_loss, F.quantile_loss, F.mape_loss, F.msle_loss, F.tweedie_loss):
        bx, by = np.broadcast_arrays(x, y)
        assert fn(x, y) == pytest.approx(fn(bx.copy(), by.copy()), rel=1e-15), fn.__name__
        assert fn(x, y, reduction="none").shape == (2, 3)


# --- log-cosh: a direct float64 log(cosh(x)), and the large errors where cosh overflows ---------

def test_log_cosh_matches_log_cosh_where_cosh_is_finite():
    x = np.concatenate([-np.logspace(-6, 2.8, 200), np.logspace(-6, 2.8, 200), [0.0, 1.0, -1.0]])
    got = F.log_cosh_loss(x, np.zeros_like(x), reduction="none")
    # log(cosh(x)) itself loses cosh(x) - 1 to rounding near 0: an absolute error up to ~2.2e-16
    np.testing.assert_allclose(got, np.log(np.cosh(x)), rtol=1e-9, atol=4e-16)
    # tiny errors: log(cosh(x)) = x^2/2 - x^4/12 + ..., where the log1p(exp) identity alone cancels
    tiny = np.array([1e-9, 3e-6, -2e-4])
    np.testing.assert_allclose(F.log_cosh_loss(tiny, 0 * tiny, reduction="none"), tiny**2 / 2 - tiny**4 / 12, rtol=1e-12)


def test_log_cosh_is_finite_and_exact_for_huge_errors():
    x = np.array([711.0, 1e4, -1e6, 1e300])
    with np.errstate(over="ignore"):
        assert np.isinf(np.cosh(x)).all()
    got = F.log_cosh_loss(x, np.zeros_like(x), reduction="none")
    np.testing.assert_allclose(got, np.abs(x) - LOG2, rtol=1e-15)
    assert float(F.log_cosh_loss(np.float32(1e4), np.float32(0))) == pytest.approx(1e4 - LOG2, rel=1e-7)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")  # keras 3 defaults to tensorflow
    pytest.importorskip("torch")
    return pytest.importorskip("keras")


def test_log_cosh_against_keras():
    keras = _keras()
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4)) * 3, rng.normal(size=(5, 4))
    expected = np.asarray(keras.losses.log_cosh(y, x)).mean()
    # keras 3.15.1 subtracts log(2) rounded to float32 (ops.log(2.0)): absolute errors of ~2e-9
    assert float(F.log_cosh_loss(x, y)) == pytest.approx(expected, rel=1e-12, abs=1e-8)
    assert float(F.log_cosh_loss(x, y)) == pytest.approx(np.log(np.cosh(x - y)).mean(), rel=1e-13)


# --- scikit-learn: the differential test on random inputs -------------------------------------

def _sklearn_case(name, rng):
    """(pred, target, our kwargs, sklearn function, its kwargs) on inputs in the loss's domain."""
    from sklearn import metrics

    n = int(rng.integers(1, 30))
    shape = (n,) if rng.random() < 0.6 else (n, int(rng.integers(1, 4)))
    scale = float(rng.choice([0.01, 1.0, 100.0]))
    if name == "quantile":
        q = float(rng.choice([0.0, 0.05, 0.5, 0.9, 1.0, rng.uniform()]))
        x, y = rng.normal(size=shape) * scale, rng.normal(size=shape) * scale
        return x, y, {"quantile": q}, metrics.mean_pinball_loss, {"alpha": q}
    if name == "mape":
        x, y = rng.normal(size=shape) * scale, rng.normal(size=shape) * scale
        y[rng.random(shape) < 0.1] = 0.0
        return x, y, {}, metrics.mean_absolute_percentage_error, {}
    if name == "msle":
        x, y = rng.uniform(-0.999, 3, size=shape) * scale, rng.uniform(-0.999, 3, size=shape) * scale
        x, y = np.maximum(x, -0.999), np.maximum(y, -0.999)
        return x, y, {}, metrics.mean_squared_log_error, {}
    power = float(rng.choice([-2.0, -0.5, 0.0, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0]))
    shape = (n,)  # scikit-learn's tweedie refuses multi-output
    x = rng.uniform(0.05, 4, size=shape) * scale
    if power < 0 or power == 0:
        y = rng.normal(size=shape) * scale
    elif power < 2:
        y = rng.uniform(0, 4, size=shape) * scale
        y[rng.random(shape) < 0.2] = 0.0
    else:
        y = rng.uniform(0.05, 4, size=shape) * scale
    return x, y, {"power": power}, metrics.mean_tweedie_deviance, {"power": power}


SKLEARN_LOSSES = {"quantile": "quantile_loss", "mape": "mape_loss", "msle": "msle_loss", "tweedie": "tweedie_loss"}


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("name", list(SKLEARN_LOSSES))
def test_agrees_with_sklearn(name, seed):
    pytest.importorskip("sklearn")
    rng = np.random.default_rng([seed, list(SKLEARN_LOSSES).index(name)])
    x, y, kwargs, reference, ref_kwargs = _sklearn_case(name, rng)
    fn = getattr(F, SKLEARN_LOSSES[name])
    expected = reference(y, x, **ref_kwargs)  # scikit-learn's order: (y_true, y_pred)
    assert float(fn(x, y, **kwargs)) == pytest.approx(expected, rel=1e-9, abs=1e-300), kwargs
    none = fn(x, y, reduction="none", **kwargs)
    assert float(fn(x, y, reduction="sum", **kwargs)) == pytest.approx(none.sum(), rel=1e-12)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    got32 = fn(x32, y32, **kwargs)
    assert got32.dtype == np.float32
    # float32 rounds the inputs: compare with scikit-learn on the same rounded inputs, within the
    # spec's float32 tolerance, atol = 1e-6 max(1, S) with S the largest term the loss adds up
    expected32 = reference(y32.astype(np.float64), x32.astype(np.float64), **ref_kwargs)
    scale = _largest_term(name, x32.astype(np.float64), y32.astype(np.float64), kwargs)
    assert float(got32) == pytest.approx(expected32, rel=1e-5, abs=1e-6 * max(1.0, scale)), kwargs


def _largest_term(name, x, y, kwargs):
    """The largest magnitude among the terms a loss combines (Tweedie's cancel one another)."""
    if name != "tweedie" or kwargs["power"] in (0.0, 1.0, 2.0):
        return float(np.max(np.abs(getattr(F, SKLEARN_LOSSES[name])(x, y, reduction="none", **kwargs))))
    p = kwargs["power"]
    y_pos = np.maximum(y, 0)
    terms = [y_pos ** (2 - p) / ((1 - p) * (2 - p)), y * x ** (1 - p) / (1 - p), x ** (2 - p) / (2 - p)]
    return float(max(np.max(np.abs(t)) for t in terms))


def test_sklearn_refuses_what_we_refuse():
    metrics = pytest.importorskip("sklearn.metrics")
    cases = [
        (F.msle_loss, metrics.mean_squared_log_error, [0.5, -1.0], [1.0, 2.0], {}, {}),
        (F.msle_loss, metrics.mean_squared_log_error, [0.5, 1.0], [1.0, -1.5], {}, {}),
        (F.tweedie_loss, metrics.mean_tweedie_deviance, [1.0, 2.0], [-1.0, 2.0], {"power": 1.0}, {"power": 1}),
        (F.tweedie_loss, metrics.mean_tweedie_deviance, [0.0, 2.0], [1.0, 2.0], {"power": 1.5}, {"power": 1.5}),
        (F.tweedie_loss, metrics.mean_tweedie_deviance, [1.0, 2.0], [0.0, 2.0], {"power": 2.0}, {"power": 2}),
        (F.tweedie_loss, metrics.mean_tweedie_deviance, [1.0, -2.0], [1.0, 2.0], {"power": -1.0}, {"power": -1}),
        (F.tweedie_loss, metrics.mean_tweedie_deviance, [1.0, 2.0], [1.0, 2.0], {"power": 0.5}, {"power": 0.5}),
        (F.quantile_loss, metrics.mean_pinball_loss, [1.0], [2.0], {"quantile": 1.5}, {"alpha": 1.5}),
        (F.quantile_loss, metrics.mean_pinball_loss, [1.0], [2.0], {"quantile": -0.1}, {"alpha": -0.1}),
    ]
    for ours, theirs, x, y, kw, ref_kw in cases:
        with pytest.raises(ValueError):
            theirs(y, x, **ref_kw)
        with pytest.raises(LossCliError):
            ours(np.array(x), np.array(y), **kw)
    # and accepts what they accept: msle just above -1, tweedie power 1 with zero targets
    assert np.isfinite(F.msle_loss([-0.999], [0.0]))
    assert float(F.tweedie_loss([1.0], [0.0], power=1.0)) == metrics.mean_tweedie_deviance([0.0], [1.0], power=1)


# --- focal: torchvision's sigmoid_focal_loss, transcribed in torch -------------------------------

def _torchvision_focal(x, t, alpha, gamma):
    """torchvision/ops/focal_loss.py sigmoid_focal_loss with reduction 'none', written out in torch:
    torchvision cannot be installed beside torch 2.13, so its formula is restated here."""
    import torch

    bce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    prob = torch.sigmoid(x)
    prob_true = prob * t + (1 - prob) * (1 - t)
    out = bce * (1 - prob_true) ** gamma
    if alpha >= 0:
        out = (alpha * t + (1 - alpha) * (1 - t)) * out
    return out


@pytest.mark.parametrize("seed", range(20))
def test_focal_agrees_with_torchvision_formula(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng([seed, 99])
    shape = tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(1, 4)))
    x = rng.normal(size=shape) * float(rng.choice([0.5, 3.0, 40.0]))
    t = rng.choice([0.0, 1.0], size=shape) if rng.random() < 0.7 else rng.uniform(size=shape)
    alpha = float(rng.choice([0.25, 0.5, 0.9, 0.0, 1.0, -1.0]))
    gamma = float(rng.choice([0.0, 0.5, 1.0, 2.0, 5.0]))
    for dtype, rtol in ((torch.float64, 1e-10), (torch.float32, 1e-5)):
        ref = _torchvision_focal(torch.tensor(x, dtype=dtype), torch.tensor(t, dtype=dtype), alpha, gamma)
        npd = np.float64 if dtype == torch.float64 else np.float32
        xs, ts = x.astype(npd), t.astype(npd)
        got = F.sigmoid_focal_loss(xs, ts, reduction="none", alpha=alpha, gamma=gamma)
        np.testing.assert_allclose(got, ref.double().numpy(), rtol=rtol, atol=1e-12 if npd is np.float64 else 1e-6)
        for reduction, torch_reduce in (("mean", torch.mean), ("sum", torch.sum)):
            got = F.sigmoid_focal_loss(xs, ts, reduction=reduction, alpha=alpha, gamma=gamma)
            assert float(got) == pytest.approx(float(torch_reduce(ref)), rel=rtol, abs=1e-12), (dtype, reduction)


def test_focal_stable_for_huge_logits():
    got = F.sigmoid_focal_loss([1000.0, -1000.0, 1000.0], [1.0, 0.0, 0.0], reduction="none")
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.75 * 1000.0])


# --- hinge: the Keras formula, and Keras itself where installed ---------------------------------

def _keras_hinge(y_pred, y_true, squared=False):
    """keras.losses.hinge / squared_hinge (keras/src/losses/losses.py), in NumPy: 0/1 labels
    become -1/1 when every label is 0 or 1, then the mean over the last axis."""
    y_true = np.asarray(y_true, dtype=np.float64)
    if np.isin(y_true, (0.0, 1.0)).all():
        y_true = 2.0 * y_true - 1.0
    m = np.maximum(1.0 - y_true * np.asarray(y_pred), 0.0)
    return np.mean(m * m if squared else m, axis=-1)


@pytest.mark.parametrize("labels", [(-1.0, 1.0), (0.0, 1.0)])
@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_hinge_agrees_with_keras_formula(labels, squared, seed):
    rng = np.random.default_rng([seed, int(squared), int(labels[0] == 0)])
    shape = tuple(int(d) for d in rng.integers(1, 5, size=rng.integers(2, 4)))
    x, y = rng.normal(size=shape) * 2, rng.choice(labels, size=shape)
    fn = F.squared_hinge_loss if squared else F.hinge_loss
    per_sample = _keras_hinge(x, y, squared)
    np.testing.assert_allclose(fn(x, y, reduction="none"), per_sample, rtol=1e-12)
    assert float(fn(x, y)) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert float(fn(x, y, reduction="sum")) == pytest.approx(per_sample.sum(), rel=1e-12)
    got32 = fn(x.astype(np.float32), y.astype(np.float32))
    assert got32.dtype == np.float32 and float(got32) == pytest.approx(per_sample.mean(), rel=1e-5)


def test_hinge_against_keras():
    keras = _keras()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 3))
    for labels in ((-1.0, 1.0), (0.0, 1.0)):
        y = rng.choice(labels, size=(6, 3))
        # keras 3.15.1 on the torch backend computes the max(…, 0.0) in float32: compare at that precision
        for fn, ref in ((F.hinge_loss, keras.losses.hinge), (F.squared_hinge_loss, keras.losses.squared_hinge)):
            expected = np.asarray(ref(y, x), dtype=np.float64)
            np.testing.assert_allclose(fn(x, y, reduction="none"), expected, rtol=1e-6)
            assert float(fn(x, y)) == pytest.approx(expected.mean(), rel=1e-6)


# --- errors ------------------------------------------------------------------------------------

LIBRARY_ERRORS = [
    (lambda: F.msle_loss([0.5, -1.0], [1.0, 2.0]), InputError, "input holds -1.0 at position 1"),
    (lambda: F.tweedie_loss([1.0], [-1.0], power=1), InputError, "target >= 0 and input > 0"),
    (lambda: F.tweedie_loss([1.0], [1.0], power=0.5), UsageError, "0 < power < 1"),
    (lambda: F.quantile_loss([1.0], [1.0], quantile=2.0), UsageError, "[0, 1]"),
    (lambda: F.sigmoid_focal_loss([1.0], [1.0], gamma=-0.5), UsageError, "gamma >= 0"),
    (lambda: F.sigmoid_focal_loss([1.0], [1.0], alpha=1.5), UsageError, "alpha <= 1"),
    (lambda: F.sigmoid_focal_loss([1.0, 2.0], [1.0]), InputError, "target has shape (1,) but input has (2,)"),
    (lambda: F.hinge_loss([1.0, 2.0], [1.0, 0.5]), InputError, "got 0.5 at position 1"),
    (lambda: F.hinge_loss([1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]), InputError, "got 0.0 at position 1"),
    (lambda: F.squared_hinge_loss([[1.0, 2.0]], [1.0, 1.0]), InputError, "must be the same"),
    (lambda: F.mape_loss([1.0, 2.0], [1.0, 2.0, 3.0]), InputError, "do not broadcast"),
    (lambda: F.log_cosh_loss([1.0], [1.0], reduction="avg"), UsageError, "'avg'"),
]


@pytest.mark.parametrize("call,error,words", LIBRARY_ERRORS)
def test_library_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)




CLI_ERRORS = [
    (["msle", "--pred", "1,-1", "--target", "1,2"], ["--pred", "<= -1", "-1.0 at position 1"]),
    (["msle", "--pred", "1,2", "--target", "-3,2"], ["--target", "-3.0 at position 0"]),
    (["tweedie", "--pred", "1,2", "--target", "-1,2", "--power", "1"], ["power=1.0", "--target >= 0", "--pred > 0"]),
    (["tweedie", "--pred", "1,0", "--target", "1,2", "--power", "1.5"], ["--pred > 0", "0.0 at position 1"]),
    (["tweedie", "--pred", "1,2", "--target", "0,2", "--power", "2"], ["--target > 0", "0.0 at position 0"]),
    (["tweedie", "--pred", "1,-2", "--target", "1,2", "--power", "-1"], ["--pred > 0", "-2.0"]),
    (["tweedie", "--pred", "1", "--target", "1", "--power", "0.5"], ["power", "0.5"]),
    (["mape", "--pred", "1,2", "--target", "1,2,3"], ["--target", "(3,)", "--pred", "(2,)"]),
    (["mape", "--pred", "1,x", "--target", "1,2"], ["--pred", "'x'"]),
    (["quantile", "--pred", "1", "--target", "2", "--quantile", "1.5"], ["--quantile", "1.5"]),
    (["quantile", "--pred", "1", "--target", "2", "--quantile", "-0.1"], ["--quantile", "-0.1"]),
    (["focal", "--pred", "1", "--target", "1", "--gamma", "-1"], ["--gamma", "-1"]),
    (["focal", "--pred", "1", "--target", "1", "--alpha", "1.5"], ["--alpha", "1.5"]),
    (["focal", "--pred", "1,2", "--target", "1,2,3"], ["--target", "(3,)", "--pred", "(2,)"]),
    (["hinge", "--pred", "1,2", "--target", "1,0.5"], ["--target", "-1 and 1", "0.5"]),
    (["squared-hinge", "--pred", "1,2;3,4", "--target", "1,0"], ["--target", "(2,)", "--pred", "(2, 2)"]),
    (["log-cosh", "--pred", "1,2,3", "--target", "[[1],[2]]"], ["--broadcast"]),
]


@pytest.mark.parametrize("args,words", CLI_ERRORS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in CLI_ERRORS])
def test_cli_errors_exit_2_with_one_line(entry, args, words):
    result = entry(*args)
    assert_one_error_line(result, words)


# --- the command line ----------------------------------------------------------------------------

def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.stdout


def test_commands_are_registered_under_their_task():
    for name, (task, core) in COMMANDS.items():
        assert (registry.BY_NAME[name].task, registry.BY_NAME[name].core) == (task, core)
    rows = {row["name"]: row for row in json.loads(run("list", "-f", "json"))}
    for name, (task, core) in COMMANDS.items():
        assert rows[name]["task"] == task and rows[name]["function"] == core
        summary = rows[name]["summary"]
        assert any(lib in summary for lib in ("Keras", "sklearn", "torchvision")), summary
    listing = run("list")
    assert listing.index("Regression:") < listing.index("  tweedie") < listing.index("Binary classification:")
    assert listing.index("Binary classification:") < listing.index("  focal") < listing.index("Multi-class")


def test_help_names_the_reference_library():
    refs = {"log-cosh": "Keras", "quantile": "mean_pinball_loss", "mape": "mean_absolute_percentage_error",
            "msle": "mean_squared_log_error", "tweedie": "mean_tweedie_deviance", "focal": "torchvision",
            "hinge": "keras.losses.hinge", "squared-hinge": "keras.losses.squared_hinge"}
    for name, ref in refs.items():
        out = run(name, "--help")
        assert ref in out and "--reduction" in out, name
    assert "--broadcast" in run("log-cosh", "--help") and "--broadcast" not in run("hinge", "--help")


# (command and its options, the value printed with -q, where it came from)
CLI_VALUES = [
    (["log-cosh", "--pred", "0,1,-2", "--target", "0,0,0"], (math.log(math.cosh(1)) + math.log(math.cosh(2))) / 3,
     "log(cosh(x))"),
    (["log-cosh", "--pred", "10000", "--target", "0"], 1e4 - LOG2, "|x| - log 2"),
    (["quantile", "--pred", "2,2,1", "--target", "1,2,3", "--quantile", "0.1"], 0.3666666666666667,
     "scikit-learn 1.9.1 mean_pinball_loss"),
    (["mape", "--pred", "1.5,1,4", "--target", "1,2,4"], 1 / 3, "scikit-learn 1.9.1 mean_absolute_percentage_error"),
    (["msle", "--pred", "1", "--target", "3"], LOG2**2, "scikit-learn 1.9.1 mean_squared_log_error"),
    (["tweedie", "--pred", "1,1", "--target", "0,2", "--power", "1"], 2 * LOG2, "scikit-learn 1.9.1 mean_tweedie_deviance"),
    (["tweedie", "--pred", "2,4", "--target", "1,2"], 2.5, "power 0 is the squared error"),
    (["focal", "--pred", "0,0", "--target", "1,0"], LOG2 / 8, "torchvision formula by hand"),
    (["focal", "--pred", "0", "--target", "1", "--alpha", "-1", "--gamma", "0"], LOG2, "plain BCE with logits"),
    (["hinge", "--pred", "0.6,0.4;0.4,0.6", "--target", "0,1;1,0"], 1.1, "keras 3.15.1 keras.losses.hinge"),
    (["squared-hinge", "--pred", "0.6,0.4;0.4,0.6", "--target", "0,1;1,0"], 1.46,
     "keras 3.15.1 keras.losses.squared_hinge"),
]


@pytest.mark.parametrize("args,expected,source", CLI_VALUES, ids=[" ".join(a[:1]) for a, _, _ in CLI_VALUES])
def test_cli_prints_the_reference_value(args, expected, source):
    assert float(run(*args, "-q")) == pytest.approx(expected, rel=1e-12), source


def test_cli_reduction_none_shapes():
    def values(*args):
        return json.loads(run(*args, "-r", "none", "-f", "json"))["value"]

    assert len(values("log-cosh", "--pred", "1,2;3,4", "--target", "0,0;0,0")) == 2
    assert np.shape(values("quantile", "--pred", "1,2;3,4;5,6", "--target", "0,0;0,0;0,0")) == (3, 2)
    assert np.shape(values("tweedie", "--pred", "[[1],[2]]", "--target", "1,2,3", "--broadcast", "--power", "1")) == (2, 3)
    assert np.shape(values("focal", "--pred", "1,2;3,4", "--target", "0,1;1,0")) == (2, 2)
    # hinge: one loss per sample (the mean over the last axis); a vector is one score per sample
    assert values("hinge", "--pred", "0.6,0.4;0.4,0.6", "--target", "0,1;1,0") == pytest.approx([1.1, 1.1])
    assert values("hinge", "--pred", "0.5,-2,0.3", "--target", "1,-1,1") == pytest.approx([0.5, 0.0, 0.7])
    assert values("squared-hinge", "--pred", "[[[1,2],[0,0]]]", "--target", "[[[1,1],[-1,1]]]") == [[0.0, 1.0]]
    assert run("hinge", "--pred", "0.5,-2,0.3", "--target", "1,-1,1", "-r", "sum", "-q") == "1.2\n"
    assert run("hinge", "--pred", "0.5,-2,0.3", "--target", "1,-1,1", "-r", "none", "-f", "csv") == (
        "index,pred,target,loss\n0,0.5,1.0,0.5\n1,-2.0,-1.0,0.0\n2,0.3,1.0,0.7\n")
    assert run("hinge", "--pred", "0.6,0.4;0.4,0.6", "--target", "0,1;1,0", "-r", "none", "-f", "csv") == (
        "index,loss\n0,1.1\n1,1.1\n")


@pytest.mark.parametrize("args", [a for a, _, _ in CLI_VALUES], ids=[a[0] for a, _, _ in CLI_VALUES])
def test_cli_float32_computes_in_float32(args):
    out = json.loads(run(*args, "--dtype", "float32", "-f", "json"))
    assert out["dtype"] == "float32"
    pred = np.array(json.loads(run(*args, "-f", "json"))["value"])
    assert out["value"] == pytest.approx(float(pred), rel=1e-5)
    quiet = run(*args, "--dtype", "float32", "-q").strip()
    assert quiet == str(np.float32(quiet))  # printed at float32's shortest round-trip precision


def test_cli_params_are_printed_for_reproduction():
    out = json.loads(run("focal", "--pred", "0", "--target", "1", "--gamma", "1", "-f", "json"))
    assert out["params"] == {"alpha": 0.25, "gamma": 1.0} and out["loss"] == "focal"
    assert json.loads(run("tweedie", "--pred", "1", "--target", "1", "--power", "1.5", "-f", "json"))["params"] == {"power": 1.5}
    assert json.loads(run("quantile", "--pred", "1", "--target", "1", "-f", "json"))["params"] == {"quantile": 0.5}
