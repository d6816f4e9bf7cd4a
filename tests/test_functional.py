"""The NumPy core against torch 2.13: golden values (tests/make_golden.py) and spec examples."""

import numpy as np
import pytest
from golden_cases import case_id, load_cases

import losscli.functional as F
from losscli.errors import InputError, LossCliError, UsageError

CASES = load_cases()
INDEX_TARGET = {"cross_entropy", "nll_loss"}


def run_core(case, dtype):
    name, args = case["function"], list(case["args"])
    cast = [a.astype(dtype) for a in args]
    if name in INDEX_TARGET and args[1].shape != args[0].shape:
        cast[1] = args[1].astype(np.int64)
    kwargs = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in case["kwargs"].items()}
    return np.asarray(getattr(F, name)(*cast, **kwargs))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float64_matches_torch(case):
    got = run_core(case, np.float64)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, case["float64"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float32_matches_torch(case):
    # spec 5.3.2: |t - r| <= atol + rtol |r|, atol = 1e-6 max(1, S) with S the largest term
    got = run_core(case, np.float32)
    assert got.dtype == np.float32
    scale = max(1.0, max(float(np.nanmax(np.abs(a), initial=0)) for a in case["args"]) ** 2)
    np.testing.assert_allclose(got, case["float32"], rtol=1e-5, atol=1e-6 * scale)


def test_golden_file_covers_every_core_function():
    covered = {c["function"] for c in CASES}
    public = set(F.__all__) - {"REDUCTIONS", "log_softmax", "class_indices"}
    assert public <= covered


# The worked examples of ../shared/reference/torch-losses.md (torch 2.13 printed values).
SPEC_EXAMPLES = [
    (F.l1_loss, ([2.0, 3.0, 4.0], [2.5, 3.5, 4.5]), {}, 0.5),
    (F.mse_loss, ([2.0, 3.0, 4.0], [2.5, 3.5, 4.5]), {}, 0.25),
    (F.mse_loss, ([2.0, 3.0, 4.0], [[2.5], [3.5]]), {}, 0.91666667),
    (F.smooth_l1_loss, ([0.0, 0.2, 1.5, -3.0], [0.0] * 4), {"beta": 0.0}, 1.175),
    (F.huber_loss, ([0.0, 0.2, 1.5, -3.0], [0.0] * 4), {"delta": 0.5, "reduction": "sum"}, 2.02),
    (F.cross_entropy, ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [2, 0]), {}, 1.40760596),
    (F.cross_entropy, ([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [2, 0]), {"weight": [1.0, 2.0, 3.0]}, 0.90760596),
    (F.cross_entropy, ([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]], [0, 2]), {"label_smoothing": 0.1}, 0.36391199),
    (F.cross_entropy, ([[1.0, 2.0, 3.0]] * 2, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), {"weight": [1.0, 2.0, 3.0]}, 1.81521193),
    (F.nll_loss, ([[-0.5, -1.0, -2.0], [-3.0, -0.1, -1.0]], [2, 1]), {"weight": [1.0, 2.0, 3.0]}, 1.24),
    (F.binary_cross_entropy_with_logits, ([0.5, -1.5, 2.0], [1.0, 0.0, 1.0]), {}, 0.26747276),
    (F.binary_cross_entropy_with_logits, ([[0.5, -1.5], [30.0, -30.0]], [[1.0, 0.3], [0.0, 1.0]]),
     {"weight": [1.0, 2.0], "pos_weight": [1.0, 4.0], "reduction": "sum"}, 274.8394476),
    (F.cosine_embedding_loss, ([[1.0, 0.0]], [[0.0, 1.0]], [1]), {}, 1.0),
    (F.cosine_embedding_loss, ([3.0, 4.0], [4.0, 3.0], -1), {"reduction": "none"}, 0.96),
    (F.kl_div, (np.log([[0.4, 0.6], [0.3, 0.7]]), [[0.5, 0.5], [0.4, 0.6]]), {"reduction": "batchmean"}, 0.02149671),
    (F.kl_div, ([-1.0, -2.0], [-0.5, -1.5]), {"reduction": "sum", "log_target": True}, 0.41483041),
]


@pytest.mark.parametrize("fn,args,kwargs,expected", SPEC_EXAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_spec_worked_examples(fn, args, kwargs, expected):
    assert float(fn(*args, **kwargs)) == pytest.approx(expected, rel=1e-7)


def test_reductions_relate():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    for fn in (F.l1_loss, F.mse_loss, F.smooth_l1_loss, F.huber_loss):
        none = fn(x, y, reduction="none")
        assert none.shape == (6, 2)
        assert fn(x, y, reduction="sum") == pytest.approx(none.sum(), rel=1e-14)
        assert fn(x, y, reduction="mean") == pytest.approx(none.mean(), rel=1e-14)


def test_empty_inputs_give_nan_mean_and_zero_sum():
    assert np.isnan(F.mse_loss(np.zeros(0), np.zeros(0)))
    assert F.mse_loss(np.zeros(0), np.zeros(0), reduction="sum") == 0


def test_cosine_epsilon_is_torch_float32_constant():
    # A zero vector gives cos = 0 (not nan) because eps is added to the squared norms.
    assert F.cosine_embedding_loss([0.0, 0.0], [1.0, 0.0], 1) == 1.0
    assert float(F.similarity.COSINE_EPSILON.astype(np.float64)) == 9.999999960041972e-13


@pytest.mark.parametrize("call,error,words", [
    (lambda: F.mse_loss([1.0, 2.0], [1.0, 2.0, 3.0]), InputError, "do not broadcast"),
    (lambda: F.smooth_l1_loss([1.0], [2.0], beta=-1), UsageError, "negative values for beta"),
    (lambda: F.huber_loss([1.0], [2.0], delta=0), UsageError, "non-positive"),
    (lambda: F.mse_loss([1.0], [2.0], reduction="avg"), UsageError, "not a valid value for reduction"),
    (lambda: F.kl_div([1.0], [2.0], reduction="batch"), UsageError, "batchmean"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [2]), InputError, "class index 2"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [-1]), InputError, "outside [0, 2)"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [0.5]), InputError, "whole class indices"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [0, 1]), InputError, "2 samples but input has 1"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [0], weight=[1.0]), InputError, "one value per class (2)"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [0], label_smoothing=1.5), UsageError, "between 0.0 and 1.0"),
    (lambda: F.cross_entropy([[1.0, 2.0]], [[0.5, 0.5]], ignore_index=1), UsageError, "probability"),
    (lambda: F.cross_entropy(3.0, [0]), InputError, "1 or more dimensions"),
    (lambda: F.binary_cross_entropy_with_logits([1.0, 2.0], [[1.0, 0.0]]), InputError, "must be the same"),
    (lambda: F.binary_cross_entropy_with_logits([1.0, 2.0], [1.0, 0.0], pos_weight=[1.0, 2.0, 3.0]),
     InputError, "does not broadcast"),
    (lambda: F.cosine_embedding_loss([[1.0, 0.0]], [[0.0, 1.0]], 1.0), InputError, "needs 1-d inputs"),
    (lambda: F.cosine_embedding_loss([[1.0, 0.0]], [[0.0, 1.0]], [[1.0]]), InputError, "0-d or 1-d"),
])
def test_errors_name_the_problem(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
    assert isinstance(info.value, LossCliError) and isinstance(info.value, ValueError)


def test_error_messages_render_cli_option_names():
    with pytest.raises(InputError) as info:
        F.binary_cross_entropy_with_logits([1.0, 2.0], [[1.0, 0.0]])
    msg = info.value.render({"input": "--pred", "target": "--target"})
    assert msg == "--target has shape (1, 2) but --pred has (2,); they must be the same"


def test_ignored_targets_are_not_range_checked():
    assert F.cross_entropy([[1.0, 2.0]], [7], ignore_index=7, reduction="sum") == 0


def test_package_reexports_exactly_the_core():
    import losscli

    # F.__all__ is the torch counterparts; F.BEYOND_TORCH the rest (tests/test_beyond_torch.py)
    assert set(losscli._CORE) == set(F.__all__) | set(F.BEYOND_TORCH)
    assert losscli.mse_loss is F.mse_loss
