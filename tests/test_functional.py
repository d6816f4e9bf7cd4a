"""The NumPy core against torch 2.13: golden values (tests/make_golden.py) and spec examples."""

import warnings

import numpy as np
import pytest
from golden_cases import batch_case, case_id, load_cases
from torch_oracle import integer_args

import losscli.functional as F
from losscli.errors import InputError, LossCliError, LossWarning, UsageError

CASES = load_cases()


def run_core(case, dtype):
    """The case as torch computes it: the stricter-than-torch rules off (test_edges.py has them on)."""
    name, args = case["function"], list(case["args"])
    ints = integer_args(name, args)  # class indices, label lists and lengths stay int64
    cast = [a.astype(np.int64) if i in ints else a.astype(dtype) for i, a in enumerate(args)]
    kwargs = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in case["kwargs"].items()}
    with F.strict(False), warnings.catch_warnings():
        warnings.simplefilter("ignore", LossWarning)  # kl_div 'mean' (tests/test_edges.py checks it)
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
    public = set(F.TORCH_LOSSES)
    assert public <= covered


# The worked examples of ../shared/reference/torch-losses.md (torch 2.13 printed values).
TRIPLET = ([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 3.0]], [[0.0, 1.5], [2.0, 1.0]]),  # (args,): spec 3.19
LINEAR = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]  # the Linear weight of spec 3.22
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
    # 3.5 - 3.22: the spec's inputs are float32, its references float64 of those: rel 1e-7 covers both
    (F.nll_loss, (F.log_softmax(np.array([[1.0, 2.0, 3.0]] * 2), 1), [2, 0]), {}, 1.40760596),
    (F.nll_loss, ([[-0.5, -1.0, -2.0], [-3.0, -0.1, -1.0]], [2, 1]), {"ignore_index": 1, "reduction": "none"}, [2.0, 0.0]),
    (F.nll_loss, ([[-0.5, -1.0, -2.0], [-3.0, -0.1, -1.0]], [1, 1]), {"ignore_index": 1}, np.nan),
    (F.binary_cross_entropy, ([0.2, 0.7, 0.9], [0.0, 1.0, 1.0]), {}, 0.22839302),
    (F.binary_cross_entropy, ([0.0, 1.0, 0.5], [1.0, 0.0, 0.5]), {"reduction": "none"}, [100.0, 100.0, 0.69314718]),
    (F.binary_cross_entropy, ([[0.2, 0.7, 0.9], [0.5, 0.5, 0.5]], [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]),
     {"weight": [1.0, 2.0, 3.0]}, 0.9019097),
    (F.poisson_nll_loss, ([0.5, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0]), {}, 1.9390148),
    (F.poisson_nll_loss, ([0.5, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0]), {"log_input": False, "reduction": "none"},
     [0.5, 0.99999999, 0.61370563, 55.26204223]),
    (F.poisson_nll_loss, ([0.5, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0]), {"full": True, "reduction": "none"},
     [1.64872127, 1.71828183, 4.04086258, 2.76408154]),
    (F.gaussian_nll_loss, ([[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [2.0, 5.0]], [[0.5, 1.0], [2.0, 1.0]]),
     {"reduction": "none"}, [[-0.09657359, 0.0], [0.59657359, 0.5]]),
    (F.gaussian_nll_loss, ([[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [2.0, 5.0]], [1.0, 2.0]), {"full": True}, 1.24847533),
    (F.gaussian_nll_loss, ([0.0, 0.0], [0.001, 1.0], [0.0, 1e-8]), {"reduction": "sum"}, 499986.68448949),
    (F.hinge_embedding_loss, ([0.3, 2.0, -0.5, 0.7], [1.0, -1.0, -1.0, 0.5]), {"reduction": "none"},
     [0.30000001, 0.0, 1.5, 1.0]),
    (F.hinge_embedding_loss, ([0.3, 2.0, -0.5], [-1.0, -1.0, 1.0]), {"margin": 2.0}, 0.4),
    (F.hinge_embedding_loss, ([[0.3, 2.0], [-0.5, 0.7]], [[1.0, -1.0], [-1.0, -1.0]]), {"reduction": "sum"}, 2.10000002),
    (F.margin_ranking_loss, ([1.0, 2.0, 3.0], [2.0, 2.0, 1.0], [1.0, -1.0, 1.0]), {}, 0.33333333),
    (F.margin_ranking_loss, ([1.0, 2.0, 3.0], [2.0, 2.0, 1.0], [1.0, -1.0, 1.0]), {"margin": 0.5, "reduction": "none"},
     [1.5, 0.5, 0.0]),
    (F.margin_ranking_loss, ([0.3, -0.2], [0.1, 0.4], [-1.0, -1.0]), {"margin": 0.1, "reduction": "sum"}, 0.30000001),
    (F.soft_margin_loss, ([0.5, -1.0, 2.0], [1.0, 1.0, -1.0]), {}, 1.30475556),
    (F.soft_margin_loss, ([[0.5, -1.0], [2.0, 0.0]], [[1.0, -1.0], [1.0, 0.5]]), {"reduction": "none"},
     [[0.47407698, 0.31326169], [0.12692801, 0.69314718]]),
    (F.multilabel_margin_loss, ([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]), {}, 0.85),
    (F.multilabel_margin_loss, ([[0.1, 0.2, 0.4, 0.8]] * 2, [[3, 3, -1, 1], [0, 1, 2, 3]]), {"reduction": "none"},
     [0.64999999, 0.0]),
    (F.multilabel_margin_loss, ([0.1, 0.2, 0.4, 0.8], [1, -1, 0, 0]), {"reduction": "none"}, 0.925),
    (F.multilabel_soft_margin_loss, ([[0.5, -1.0, 2.0], [0.0, 1.0, -2.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), {},
     0.67460059),
    (F.multilabel_soft_margin_loss, ([[0.5, -1.0, 2.0], [0.0, 1.0, -2.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
     {"weight": [1.0, 2.0, 3.0], "reduction": "none"}, [0.4937948, 2.5668182]),
    (F.multilabel_soft_margin_loss, ([0.5, -1.0, 2.0], [1.0, 0.0, 1.0]), {"reduction": "sum"}, 0.30475556),
    (F.multi_margin_loss, ([[0.1, 0.2, 0.4, 0.8]], [3]), {}, 0.32499999),
    (F.multi_margin_loss, ([[0.1, 0.2, 0.4, 0.8], [0.5, 0.1, -0.3, 0.2]], [3, 0]),
     {"p": 2, "margin": 0.5, "reduction": "none"}, [0.0025, 0.0125]),
    (F.multi_margin_loss, ([[0.1, 0.2, 0.4, 0.8], [0.5, 0.1, -0.3, 0.2]], [3, 0]), {"weight": [1.0, 2.0, 3.0, 4.0]},
     0.83749999),
    (F.triplet_margin_loss, *TRIPLET, {"reduction": "none"}, [0.5, 2.0]),
    (F.triplet_margin_loss, *TRIPLET, {"margin": 0.5, "p": 1.0, "swap": True}, 0.75),
    (F.triplet_margin_loss, ([0.0, 0.0], [0.0, 0.0], [0.0, 0.0]), {}, 1.0),
    (F.triplet_margin_with_distance_loss, *TRIPLET, {"reduction": "none"}, [0.5, 2.0]),
    (F.triplet_margin_with_distance_loss, *TRIPLET, {"distance": "l1", "margin": 2.0}, 2.25),
    (F.triplet_margin_with_distance_loss, *TRIPLET,
     {"distance": lambda a, b: np.abs(a - b).sum(-1), "margin": 2.0}, 2.25),  # a callable, as in torch
    (F.triplet_margin_with_distance_loss, *TRIPLET, {"swap": True, "reduction": "sum"}, 2.5),
    (F.ctc_loss, (np.log(np.full((2, 1, 2), 0.5)), [[1]], [2], [1]), {}, 0.28768207),
    (F.ctc_loss, (np.log(np.full((3, 2, 3), 1 / 3)), [[1, 2], [1, 1]], [3, 3], [2, 2]), {"reduction": "none"},
     [1.68639901, 3.29583693]),
    (F.ctc_loss, (np.log(np.full((2, 2, 2), 0.5)), [1, 1, 1], [2, 2], [2, 1]), {"zero_infinity": True}, 0.14384104),
    (F.linear_cross_entropy, ([[1.0, 2.0], [1.0, 2.0]], LINEAR, [2, 0]), {}, 1.40760596),
    (F.linear_cross_entropy, ([[1.0, 2.0], [0.0, -1.0]], LINEAR, [1, 1]),
     {"linear_bias": [0.5, 0.0, -0.5], "label_smoothing": 0.2, "reduction": "none"}, [1.18026967, 1.73968905]),
    (F.linear_cross_entropy, ([[1.0, 2.0], [1.0, 2.0]], LINEAR, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
     {"weight": [1.0, 2.0, 3.0]}, 1.81521193),
]


@pytest.mark.parametrize("fn,args,kwargs,expected", SPEC_EXAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_spec_worked_examples(fn, args, kwargs, expected):
    with F.strict(False):  # torch's examples include targets the strict rules refuse
        got = np.asarray(fn(*args, **kwargs))
    assert got.shape == np.shape(expected)
    assert got == pytest.approx(np.asarray(expected), rel=1e-7, abs=1e-12, nan_ok=True)


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


CTC_LP = np.log(np.full((3, 1, 3), 1 / 3))  # T=3 frames, N=1, C=3 classes


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
    (lambda: F.nll_loss([[-1.0, -2.0]], [3]), InputError, "class index 3"),
    (lambda: F.binary_cross_entropy([0.5, 1.5], [0.0, 1.0]), InputError, "input must hold probabilities in [0, 1]"),
    (lambda: F.binary_cross_entropy([0.5, np.nan], [0.0, 1.0]), InputError, "got nan at position 1"),
    (lambda: F.binary_cross_entropy([0.5], [2.0]), InputError, "target must hold probabilities"),
    (lambda: F.binary_cross_entropy([0.5, 0.5], [[0.0, 1.0]]), InputError, "must be the same"),
    (lambda: F.binary_cross_entropy([0.5, 0.5], [0.0, 1.0], weight=[1.0, 2.0, 3.0]), InputError, "does not broadcast"),
    (lambda: F.soft_margin_loss([1.0, 2.0], [[1.0], [1.0]]), InputError, "does not broadcast"),
    (lambda: F.margin_ranking_loss([1.0, 2.0], [1.0], [[1.0]]), InputError, "same number of dims"),
    (lambda: F.multilabel_soft_margin_loss(3.0, 1.0), InputError, "class dimension"),
    (lambda: F.multilabel_margin_loss([[0.1, 0.2]], [[2, -1]]), InputError, "holds 2 at row 0, position 0"),
    (lambda: F.multilabel_margin_loss([[0.1, 0.2]], [[0, -2]]), InputError, "padded with -1"),
    (lambda: F.multilabel_margin_loss([[0.1, 0.2]], [0, 1]), InputError, "must have input's shape (1, 2)"),
    (lambda: F.multilabel_margin_loss(np.zeros((1, 2, 2)), np.zeros((1, 2, 2))), InputError, "(C,) or (N, C)"),
    (lambda: F.multilabel_margin_loss(np.zeros((2, 0)), np.zeros((2, 0))), InputError, "C > 0"),
    (lambda: F.multi_margin_loss([[1.0, 2.0]], [0], p=3), UsageError, "p must be 1 or 2"),
    (lambda: F.multi_margin_loss([[1.0, 2.0]], [2]), InputError, "class index 2 at position 0, outside [0, 2)"),
    (lambda: F.multi_margin_loss([[1.0, 2.0]], [0, 1]), InputError, "one class index per sample"),
    (lambda: F.multi_margin_loss([[1.0, 2.0]], [0], weight=[1.0, 2.0, 3.0]), InputError, "one value per class (2)"),
    (lambda: F.triplet_margin_loss([1.0], [2.0], [3.0], margin=0.0), UsageError, "margin must be greater than 0"),
    (lambda: F.triplet_margin_loss([[1.0, 2.0]], [1.0, 2.0], [1.0, 2.0]), InputError, "same number of dims"),
    (lambda: F.triplet_margin_loss([[1.0, 2.0]], [[1.0, 2.0, 3.0]], [[1.0, 2.0]]), InputError, "do not broadcast"),
    (lambda: F.triplet_margin_with_distance_loss([1.0], [2.0], [3.0], distance="l3"), UsageError,
     "distance must be one of pairwise, cosine, l1"),
    (lambda: F.triplet_margin_with_distance_loss([1.0], [2.0], [3.0], margin=-1.0), UsageError, "greater than 0"),
    (lambda: F.poisson_nll_loss([1.0, 2.0], [1.0, 2.0, 3.0]), InputError, "do not broadcast"),
    (lambda: F.gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], [-1.0, 1.0]), InputError, "var has a negative entry"),
    (lambda: F.gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], -0.5), InputError, "var has a negative entry"),
    (lambda: F.gaussian_nll_loss([[1.0, 2.0]] * 2, [[1.0, 2.0]] * 2, [1.0, 2.0, 3.0]), InputError,
     "var has shape (3,); for input of shape (2, 2)"),
    (lambda: F.gaussian_nll_loss([[1.0, 2.0]] * 2, [[1.0, 2.0]] * 2, np.array(1.0)), InputError, "var has shape ()"),
    (lambda: F.gaussian_nll_loss([1.0], [1.0], 1.0, reduction="avg"), UsageError, "not a valid value"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [3], [2], blank=3), UsageError, "blank must be a class index in [0, 3)"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [4], [2]), InputError, "input_lengths holds 4, more than the 3 frames"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 0]], [3], [2]), InputError, "label 0 for sample 0, position 1"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 3]], [3], [2]), InputError, "must lie in [0, 3) and differ from blank (0)"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [3], [-1]), InputError, "target_lengths holds a negative length"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [3, 3], [2]), InputError, "one length per sample (1), got 2"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [3], [2.5]), InputError, "target_lengths must hold whole lengths"),
    (lambda: F.ctc_loss(CTC_LP, [[1, 2]], [3], [3]), InputError, "S >= the longest target (3)"),
    (lambda: F.ctc_loss(CTC_LP, [1, 2, 1], [3], [2]), InputError, "sum(target_lengths) = 2 labels, got 3"),
    (lambda: F.ctc_loss(np.zeros((0, 1, 3)), [[1]], [0], [1]), InputError, "must not be empty"),
    (lambda: F.ctc_loss(CTC_LP[None], [[1]], [3], [1]), InputError, "(T, N, C) or (T, C)"),
    (lambda: F.ctc_loss(CTC_LP, [[1.5]], [3], [1]), InputError, "targets must hold whole labels"),
    (lambda: F.linear_cross_entropy([[1.0, 2.0]], [[1.0, 2.0, 3.0]], [0]), InputError,
     "linear_weight has 3 input features (its last dim) but input has 2"),
    (lambda: F.linear_cross_entropy([[1.0, 2.0]], [[1.0, 2.0]] * 3, [0], linear_bias=[1.0]), InputError,
     "linear_bias must have shape (3,)"),
    (lambda: F.linear_cross_entropy([[1.0, 2.0]], [[1.0, 2.0]] * 3, [[0.2, 0.3, 0.5]], ignore_index=-100), UsageError,
     "ignore_index cannot be given with class-probability targets"),
    (lambda: F.linear_cross_entropy([1.0, 2.0], np.ones((3, 2, 2)), [0]), InputError, "needs batched (N, D) input"),
    (lambda: F.linear_cross_entropy(np.ones((1, 1, 2)), [[1.0, 2.0]], [0]), InputError, "(D,) or (N, D) features"),
    (lambda: F.linear_cross_entropy([[1.0, 2.0]], [[1.0, 2.0]] * 3, [3]), InputError, "class index 3"),
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

    assert all(getattr(losscli, name) is getattr(F, name) for name in F.__all__)
    assert set(F.__all__) <= set(dir(losscli))
    assert len(F.__all__) == len(
        set(F.TORCH_LOSSES) | set(F.BEYOND_TORCH) | set(F.GRADIENTS) | set(F.HELPERS) | set(F.LIBRARY_LOSSES)
    )
    with pytest.raises(AttributeError):
        losscli.no_such_loss


def test_error_messages_name_the_new_arguments():
    with pytest.raises(InputError) as info:
        F.gaussian_nll_loss([1.0, 2.0], [1.0, 2.0], [-1.0, 1.0])
    assert info.value.render({"var": "--var"}).startswith("--var has a negative entry")
    with pytest.raises(UsageError) as info:
        F.multi_margin_loss([[1.0, 2.0]], [0], p=3)
    assert info.value.render({"p": "--p"}) == "--p must be 1 or 2 (torch supports only these), got 3"


@pytest.mark.parametrize("fn,args", [
    (F.multi_margin_loss, (np.zeros((0, 3)), np.zeros(0, dtype=np.int64))),
    (F.multilabel_margin_loss, (np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64))),
])
def test_empty_batch_where_torch_is_undefined_gives_nan_mean_and_zero_sum(fn, args):
    # torch returns uninitialised memory here (spec 2.1); losscli returns what an empty mean and sum are
    for dtype in (np.float64, np.float32):
        x = args[0].astype(dtype)
        assert np.isnan(fn(x, args[1])) and fn(x, args[1]).dtype == dtype
        assert fn(x, args[1], reduction="sum") == 0
        assert fn(x, args[1], reduction="none").shape == (0,)


def test_ctc_mean_divides_each_loss_by_its_target_length():
    rng = np.random.default_rng(3)
    lp = F.log_softmax(rng.normal(size=(6, 3, 4)), 2)
    targets, il, tl = [[1, 2, 3], [2, 2, 0], [3, 0, 0]], [6, 5, 6], [3, 2, 0]
    none = F.ctc_loss(lp, targets, il, tl, reduction="none")
    assert F.ctc_loss(lp, targets, il, tl) == pytest.approx(np.mean(none / np.maximum(tl, 1)), rel=1e-14)
    assert F.ctc_loss(lp, targets, il, tl, reduction="sum") == pytest.approx(none.sum(), rel=1e-14)
    # padding after each target's length is never read, whatever it holds (here the blank)
    assert F.ctc_loss(lp, [1, 2, 3, 2, 2], il, tl, reduction="none") == pytest.approx(none, rel=1e-15)


def test_ctc_is_finite_on_long_sequences_in_float32():
    # the recursion is in log space: 2,000 frames of probability ~1/20 do not underflow
    rng = np.random.default_rng(4)
    lp = F.log_softmax(rng.normal(size=(2000, 1, 20)).astype(np.float32), 2)
    value = F.ctc_loss(lp, rng.integers(1, 20, size=(1, 300)), [2000], [300], reduction="sum")
    assert value.dtype == np.float32 and np.isfinite(value) and value > 0


def test_multilabel_margin_bounded_memory_gives_the_same_rows():
    # each row is computed alone (sorted scores, a binary search per label): a batch changes nothing
    rng = np.random.default_rng(5)
    x = rng.normal(size=(700, 90))
    labels = np.where(rng.random((700, 90)) < 0.1, -1, rng.integers(0, 90, size=(700, 90)))
    with F.strict(False):  # repeated labels count once per occurrence, as in torch
        none = F.multilabel_margin_loss(x, labels, reduction="none")
        one_by_one = [F.multilabel_margin_loss(x[i], labels[i], reduction="none") for i in (0, 350, 699)]
    assert none[[0, 350, 699]] == pytest.approx(np.array(one_by_one), rel=1e-15)


# --- every loss gives its reduction's parts ---------------------------------------------------


ALL_LOSSES = sorted(F.TORCH_LOSSES + F.BEYOND_TORCH)


def _same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.filterwarnings("ignore::losscli.errors.LossWarning")  # kl_div 'mean' (test_edges.py)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL_LOSSES)
def test_every_reduction_is_finished_from_the_parts(name, dtype):
    fn = getattr(F, name)
    rng = np.random.default_rng([7, ALL_LOSSES.index(name)])
    args, kwargs, _ = batch_case(name, rng, 6)
    args = [a.astype(dtype) if a.dtype.kind == "f" else a for a in args]
    kwargs = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    parts = fn(*args, **kwargs, reduction="parts")
    assert isinstance(parts, F.Parts) and parts.elements.dtype == dtype
    for reduction in ("mean", "sum", "none"):
        _same(F.finish(parts, reduction), fn(*args, **kwargs, reduction=reduction))
    if name == "kl_div":
        batch = fn(*args, **kwargs, reduction="parts:batchmean")
        assert batch.denominator == 6
        _same(F.finish(batch, "batchmean"), fn(*args, **kwargs, reduction="batchmean"))


@pytest.mark.parametrize("name", [n for n in ALL_LOSSES if n != "ctc_loss"])  # ctc's first dim is time
def test_the_parts_of_two_halves_add_up_to_the_whole(name):
    fn = getattr(F, name)
    rng = np.random.default_rng([8, ALL_LOSSES.index(name)])
    args, kwargs, split = batch_case(name, rng, 7)
    whole = fn(*args, **kwargs, reduction="parts")
    halves = [fn(*[a[s] if i in split else a for i, a in enumerate(args)], **kwargs, reduction="parts")
              for s in (slice(0, 3), slice(3, None))]
    np.testing.assert_allclose(np.concatenate([h.elements for h in halves]), whole.elements, rtol=1e-13)
    assert sum(h.summands.sum() for h in halves) == pytest.approx(whole.summands.sum(), rel=1e-13)
    assert sum(h.denominator for h in halves) == pytest.approx(whole.denominator, rel=1e-13)


def test_the_denominators_are_torchs():
    x, t, w = np.zeros((4, 3)), np.array([0, 1, 2, 2]), np.array([0.5, 2.0, 3.0])
    assert F.cross_entropy(x, t, weight=w, ignore_index=1, reduction="parts").denominator == 6.5
    assert F.nll_loss(x, t, ignore_index=2, reduction="parts").denominator == 2
    assert F.cross_entropy(x, np.full((4, 3), 1 / 3), reduction="parts").denominator == 4  # probabilities
    assert F.kl_div(np.zeros((4, 3)), np.zeros((4, 3)), reduction="parts:batchmean").denominator == 4
    assert F.kl_div(np.array(0.0), np.array(0.5), reduction="parts:batchmean").denominator == 1
    assert F.hinge_loss(np.zeros((4, 3)), np.ones((4, 3)), reduction="parts").denominator == 4  # per sample
    assert F.multi_margin_loss(np.zeros((0, 3)), np.zeros(0, int), reduction="parts").denominator == 0
    lp = np.log(np.full((3, 2, 3), 1 / 3))
    ctc = F.ctc_loss(lp, [[1, 2], [1, 1]], [3, 3], [2, 0], reduction="parts")
    assert ctc.denominator == 2
    np.testing.assert_allclose(ctc.summands, ctc.elements / [2, 1])  # each over max(length, 1)
