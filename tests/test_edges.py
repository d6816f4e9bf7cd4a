"""Edge cases an adversarial run found, and the stricter-than-torch rules with their switch.

Golden values come from torch 2.13.0 (tests/make_golden.py, tags "strict" and "empty"), so
every check runs without torch; where torch is installed, a counterpart asks it directly.
"""

import math
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from golden_cases import batch_case, case_id, load_cases
from torch_oracle import integer_args, torch_call

import losscli.functional as F
from losscli.errors import InputError, LossCliError, LossWarning, UsageError
from losscli.partials import BlockedSum, combine, exact_sum

CASES = load_cases()
STRICT = [c for c in CASES if c["tag"] == "strict"]
EMPTY = [c for c in CASES if c["tag"] == "empty"]


def call(case, dtype=np.float64):
    name, args = case["function"], case["args"]
    ints = integer_args(name, args)
    cast = [a.astype(np.int64) if i in ints else a.astype(dtype) for i, a in enumerate(args)]
    return getattr(F, name)(*cast, **case["kwargs"])


def torch_or_skip():
    return pytest.importorskip("torch")


# --- the stricter-than-torch rules ----------------------------------------------------------

# What each strict rule says (the CLI's words), by the function whose golden case breaks it.
RULE_WORDS = {
    "binary_cross_entropy_with_logits": "target must hold probabilities in [0, 1], got 2.0 at position 0,0",
    "soft_margin_loss": "target must hold 1 or -1 (the class of each element); torch gives other values an odd loss",
    "cosine_embedding_loss": "target",
    "hinge_embedding_loss": "target must hold 1 or -1 (similar or dissimilar)",
    "margin_ranking_loss": "target must hold 1 or -1 (which input should rank higher)",
    "multilabel_margin_loss": "target row 0",
    "poisson_nll_loss": "target holds a negative count, -2.0; Poisson targets are counts >= 0",
    "kl_div": "input must hold log-probabilities (<= 0), got 0.4 at position 0,0; if it holds probabilities, "
              "pass pred_probs",
}


@pytest.mark.parametrize("case", STRICT, ids=case_id)
def test_strict_rule_refuses_and_strict_off_gives_torchs_number(case):
    with pytest.raises(InputError) as info:
        call(case)
    assert RULE_WORDS[case["function"]] in str(info.value)
    with F.strict(False):
        got = np.asarray(call(case))
    np.testing.assert_allclose(got, case["float64"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", STRICT, ids=case_id)
def test_strict_off_agrees_with_torch_live(case):
    torch_or_skip()
    with F.strict(False):
        got = np.asarray(call(case))
    np.testing.assert_allclose(got, torch_call(case["function"], case["args"], case["kwargs"]), rtol=1e-10, atol=1e-12)


def test_every_rule_is_documented_and_tested():
    exported = {getattr(F, n) for n in F.__all__ if callable(getattr(F, n))}
    for fn, rule in F.STRICTER_THAN_TORCH:
        assert fn in exported and isinstance(rule, str) and rule and "\n" not in rule
    tested = {getattr(F, c["function"]) for c in STRICT} | {F.sigmoid_focal_loss, F.log_probabilities}
    assert {fn for fn, _ in F.STRICTER_THAN_TORCH} == tested
    assert "strict" in F.__all__ and "STRICTER_THAN_TORCH" in F.__all__


def test_the_cosine_rules_and_the_multilabel_messages_word_for_word():
    a, b = np.ones((3, 2)), np.ones((3, 2))
    with pytest.raises(InputError) as info:
        F.cosine_embedding_loss(a, b, np.array([-1.0]))
    assert info.value.render({"target": "--target"}) == (
        "--target has shape (1,); it needs one label per pair, shape (3,)")
    with pytest.raises(InputError) as info:
        F.cosine_embedding_loss(a, b, np.array([1.0, 0.0, 1.0]))
    assert str(info.value) == "target must hold 1 (similar) or -1 (dissimilar); torch gives other values a loss of 0"
    with pytest.raises(InputError) as info:
        F.multilabel_margin_loss([[0.1, 0.2, 0.4, 0.8]], [[3, 3, -1, 1]])
    assert str(info.value) == "target row 0 lists class 3 twice before its first -1 (torch would count it twice)"
    with pytest.raises(InputError) as info:
        F.multilabel_margin_loss([[0.1, 0.2, 0.4], [0.1, 0.2, 0.4]], [[0, 1, 2], [0, 0, 1]])
    assert str(info.value) == ("target row 1 repeats class 0 and has no -1: end each label list with -1 padding "
                               "(torch reads a row up to its first -1)")


def test_strict_is_a_switch_that_restores_itself():
    y = np.array([0.5, 1.0])
    with pytest.raises(InputError):
        F.soft_margin_loss([1.0, 2.0], y)
    with F.strict(False):
        F.soft_margin_loss([1.0, 2.0], y)
        with F.strict(True):
            with pytest.raises(InputError):
                F.soft_margin_loss([1.0, 2.0], y)
        F.soft_margin_loss([1.0, 2.0], y)
    with pytest.raises(InputError):
        F.soft_margin_loss([1.0, 2.0], y)


def test_probability_input_for_kl_div():
    # the CLI's --pred-probs: log of probabilities; a negative one is refused (strict), nan when off
    np.testing.assert_allclose(F.log_probabilities([0.25, 1.0]), np.log([0.25, 1.0]))
    assert F.log_probabilities([0.0])[0] == -np.inf  # log(0), with no warning
    with pytest.raises(InputError) as info:
        F.log_probabilities([0.5, -0.1])
    assert info.value.render({"pred_probs": "--pred-probs", "input": "--pred"}) == (
        "--pred-probs needs probabilities >= 0 in --pred, got -0.1 at position 1")
    with F.strict(False):
        assert np.isnan(F.log_probabilities([-0.1])[0])


def test_kl_div_refuses_probabilities_naming_the_flag():
    with pytest.raises(InputError) as info:
        F.kl_div([[0.4, 0.6]], [[0.5, 0.5]], reduction="batchmean")
    assert info.value.render({"input": "--pred", "pred_probs": "--pred-probs"}) == (
        "--pred must hold log-probabilities (<= 0), got 0.4 at position 0,0; if it holds probabilities, "
        "pass --pred-probs")


def test_kl_div_mean_warns_as_torch_does():
    x, y = np.log([[0.4, 0.6]]), np.array([[0.5, 0.5]])
    with pytest.warns(LossWarning, match="batchmean"):
        F.kl_div(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("batchmean", "sum", "none", "parts"):
            F.kl_div(x, y, reduction=reduction)
    assert issubclass(LossWarning, UserWarning)


def test_torch_warns_on_kl_div_mean_too():
    torch = torch_or_skip()
    with pytest.warns(UserWarning, match="batchmean"):
        torch.nn.functional.kl_div(torch.zeros(2, 2), torch.full((2, 2), 0.5))


@pytest.mark.parametrize("fn", [F.binary_cross_entropy_with_logits, F.sigmoid_focal_loss])
def test_bce_family_targets_lie_in_the_unit_interval(fn):
    with pytest.raises(InputError) as info:
        fn(np.array([0.5, 1.0]), np.array([1.0, 1.5]))
    assert str(info.value) == "target must hold probabilities in [0, 1], got 1.5 at position 1"
    with pytest.raises(InputError) as info:  # the same words as binary_cross_entropy's own rule
        F.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 1.5]))
    assert str(info.value) == "target must hold probabilities in [0, 1], got 1.5 at position 1"
    with pytest.raises(InputError):
        fn(np.array([0.5]), np.array([np.nan]))


def test_focal_with_strict_off_is_torchvisions_formula():
    # torchvision.ops.sigmoid_focal_loss, written out: alpha_t (1 - p_t)^gamma * BCE-with-logits
    x, y = np.array([0.5, -1.0]), np.array([1.5, -0.5])
    p = 1 / (1 + np.exp(-x))
    ce = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    p_t = p * y + (1 - p) * (1 - y)
    expected = (0.25 * y + 0.75 * (1 - y)) * (1 - p_t) ** 2 * ce
    with F.strict(False):
        np.testing.assert_allclose(F.sigmoid_focal_loss(x, y, reduction="none"), expected, rtol=1e-12)


# --- sums that overflow or meet opposite infinities ----------------------------------------


def test_blocked_sum_overflows_to_inf_like_torch():
    squares = F.mse_loss(np.full(20_000, 1e152), np.zeros(20_000), reduction="none")  # 1e304 each
    total = BlockedSum()
    total.add(squares)
    assert total.total() == np.inf  # the block sums are finite, their exact total is not
    assert F.mse_loss(np.full(20_000, 1e152), np.zeros(20_000), reduction="sum") == np.inf


def test_blocked_sum_of_plus_and_minus_inf_in_two_blocks_is_nan():
    total = BlockedSum()
    total.add(np.r_[np.inf, np.zeros(20_000), -np.inf])
    assert math.isnan(total.total())
    assert math.isnan(exact_sum([np.inf, 1.0, -np.inf])) and exact_sum([np.inf, 1.0]) == np.inf
    assert exact_sum([-np.inf, 2.0]) == -np.inf and math.isnan(exact_sum([1.0, np.nan]))
    assert exact_sum([1e308, 1e308, -1e308]) == 1e308  # an intermediate overflow is not an error


def test_blocked_sum_float32_total_is_cast_once_at_the_end():
    l1 = F.l1_loss(np.full(300_000, 1e36), np.zeros(300_000), reduction="none")
    total = BlockedSum(dtype="float32")
    for chunk in np.array_split(l1, 7):
        total.add(chunk)
    assert total.total() == np.inf and total.total().dtype == np.float32
    assert F.l1_loss(np.full(300_000, 1e36, np.float32), np.zeros(300_000, np.float32), reduction="sum") == np.inf
    whole, chunked = BlockedSum("float32"), BlockedSum("float32")
    values = np.random.default_rng(1).normal(size=50_000)
    whole.add(values)
    for chunk in np.array_split(values, 13):
        chunked.add(chunk)
    assert whole.total() == chunked.total() and whole.total().dtype == np.float32


def test_combine_never_raises():
    assert combine("mean", np.inf, 0) == np.inf and math.isnan(combine("mean", np.nan, 0))
    assert combine("mean", 1e308, 1e-10) == np.inf and math.isnan(combine("mean", 0.0, 0.0))
    assert combine("sum", -np.inf, 3) == -np.inf and combine("mean", -5.0, 0) == -np.inf


# --- multi-label margin in O(N*C) ------------------------------------------------------------


def test_multilabel_margin_is_linear_in_the_classes():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 100_000))
    labels = np.full((1, 100_000), -1)
    labels[0, 0] = 7
    tracemalloc.start()
    start = time.perf_counter()
    value = F.multilabel_margin_loss(x, labels)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 100_000 * 8, peak  # a few arrays of C float64s, not C^2 (80 GB)
    assert seconds < 2.0, seconds
    z = np.maximum(0.0, 1 - x[0, 7] + np.delete(x[0], 7))
    assert value == pytest.approx(z.sum() / 100_000, rel=1e-12)


def test_multilabel_margin_matches_the_naive_double_sum():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 300)) * 3
    x[0, 5], x[1, 9], x[2, 3] = np.inf, -np.inf, np.nan
    labels = np.full((5, 300), -1)
    for row in range(5):
        labels[row, :row * 40] = rng.permutation(300)[:row * 40]
    labels[0, 0], labels[1, 0], labels[2, 0] = 5, 9, 4  # infinite and nan scores, listed and not
    got = F.multilabel_margin_loss(x, labels, reduction="none")
    for row in range(5):
        listed = labels[row][: np.argmax(np.r_[labels[row], -1] < 0)]
        others = np.setdiff1d(np.arange(300), listed)
        with np.errstate(all="ignore"):
            z = (1 - x[row, listed][:, None]) + x[row, others][None, :]
        assert got[row] == pytest.approx(np.where(z > 0, z, 0).sum() / 300, rel=1e-12, nan_ok=True), row


def test_multilabel_margin_agrees_with_torch_on_many_classes():
    torch_or_skip()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 20_000))
    labels = np.full((3, 20_000), -1)
    labels[:, :5] = rng.permutation(20_000)[:15].reshape(3, 5)
    for reduction in ("none", "mean"):
        expected = torch_call("multilabel_margin_loss", [x, labels], {"reduction": reduction})
        np.testing.assert_allclose(F.multilabel_margin_loss(x, labels, reduction=reduction), expected, rtol=1e-10)


# --- empty batches -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", EMPTY, ids=case_id)
def test_empty_batch_gives_torchs_answer(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LossWarning)
        for dtype in ("float64", "float32"):
            got = np.asarray(call(case, np.dtype(dtype)))
            assert got.shape == case[dtype].shape and got.dtype == dtype
            np.testing.assert_array_equal(got, case[dtype])  # nan, 0, or []


def test_empty_goldens_say_nan_zero_and_nothing():
    batches = [c for c in EMPTY if c["function"] != "ctc_loss"]  # ctc's are empty targets, not batches
    by_reduction = {r: {repr(c["float64"].tolist()) for c in batches if c["kwargs"]["reduction"] == r}
                    for r in ("mean", "sum", "none")}
    assert by_reduction["mean"] == {"nan"} and by_reduction["sum"] <= {"0.0", "-0.0"}  # torch: -0.0 at times
    assert by_reduction["none"] == {"[]"}


@pytest.mark.parametrize("case", EMPTY, ids=case_id)
def test_empty_batch_agrees_with_torch_live(case):
    torch_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LossWarning)
        got = np.asarray(call(case))
    np.testing.assert_array_equal(got, torch_call(case["function"], case["args"], case["kwargs"]))


# --- parameters torch refuses ------------------------------------------------------------------


PARAMETERS = [
    (lambda dt: F.smooth_l1_loss(np.ones(2, dt), np.zeros(2, dt), beta=math.nan),
     "smooth_l1_loss does not support nan for beta, a number >= 0 (got nan)"),
    (lambda dt: F.multi_margin_loss(np.ones((1, 3), dt), [0], margin=1e300),
     "margin is 1e+300, beyond float32's range (±3.4e38): torch cannot convert it to float32; "
     "use float64 inputs (--dtype float64)"),
    (lambda dt: F.hinge_embedding_loss(np.ones(2, dt), np.array([1.0, -1.0], dt), margin=-1e300),
     "margin is -1e+300, beyond float32's range"),
    (lambda dt: F.gaussian_nll_loss(np.ones(2, dt), np.zeros(2, dt), np.ones(2, dt), eps=1e300),
     "eps is 1e+300, beyond float32's range"),
]


@pytest.mark.parametrize("call_with,words", PARAMETERS)
def test_parameters_torch_refuses(call_with, words):
    with pytest.raises(UsageError) as info:
        call_with(np.float32)
    assert words in str(info.value)
    if "nan" not in words:  # in float64 the parameter fits: a number comes out
        assert np.ndim(call_with(np.float64)) == 0


def test_torch_refuses_the_same_parameters():
    torch = torch_or_skip()
    import torch.nn.functional as TF

    t = torch.tensor
    for f in (lambda: TF.smooth_l1_loss(t([1.0]), t([0.0]), beta=math.nan),
              lambda: TF.multi_margin_loss(t([[1.0, 1.0, 1.0]]), t([0]), margin=1e300),
              lambda: TF.hinge_embedding_loss(t([1.0, 1.0]), t([1.0, -1.0]), margin=-1e300),
              lambda: TF.gaussian_nll_loss(t([1.0, 1.0]), t([0.0, 0.0]), t([1.0, 1.0]), eps=1e300)):
        with pytest.raises(RuntimeError):
            f()


def test_float64_takes_the_huge_parameters():
    assert F.multi_margin_loss(np.ones((1, 3)), [0], margin=1e300) == pytest.approx(2e300 / 3)
    assert F.hinge_embedding_loss(np.ones(2), np.array([1.0, -1.0]), margin=-1e300) == 0.5


# --- no NumPy warning ever reaches stderr ------------------------------------------------------

EXTREMES = np.array([np.inf, np.nan, 1e308, 5e-324, -0.0, -np.inf, -1e308])
ALL_LOSSES = sorted(F.TORCH_LOSSES + F.BEYOND_TORCH)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ALL_LOSSES)
def test_extreme_inputs_raise_no_numpy_warning(name, dtype):
    rng = np.random.default_rng([9, ALL_LOSSES.index(name)])
    args, kwargs, _ = batch_case(name, rng, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", LossWarning)
        for i in range(len(args)):
            if args[i].dtype.kind != "f":
                continue
            bent = [a.copy() for a in args]
            flat = bent[i].reshape(-1)
            flat[: min(flat.size, EXTREMES.size)] = EXTREMES[: flat.size]
            with np.errstate(over="ignore"):  # 1e308 is inf in float32
                bent = [a.astype(dtype) if a.dtype.kind == "f" else a for a in bent]
            for strict in (True, False):
                with F.strict(strict):
                    for reduction in ("mean", "sum", "none"):
                        try:
                            getattr(F, name)(*bent, **kwargs, reduction=reduction)
                        except LossCliError:
                            pass  # a refusal is a message, not a warning


# --- the float32 cast and the messages ---------------------------------------------------------


def test_cast_refuses_float32_overflow_naming_the_position():
    with pytest.raises(InputError) as info:
        F.cast(np.array([1.0, 2.0, 1e39]), np.float32, "input")
    assert info.value.render({"input": "--pred"}) == (
        "--pred holds 1e+39 at position 2, beyond float32's range (±3.4e38); use --dtype float64")
    assert F.cast(np.array([np.inf, 3.0]), np.float32, "input").tolist() == [np.inf, 3.0]  # inf stays inf
    assert F.cast(np.array([1e39]), np.float64, "input")[0] == 1e39


def test_cast_keeps_an_underflow_and_a_later_domain_error_says_so():
    x = F.cast(np.array([5e-324, 1.0]), np.float32, "input")
    assert x.dtype == np.float32 and x.tolist() == [0.0, 1.0]  # torch keeps it too
    with pytest.raises(InputError) as info:
        F.tweedie_loss(x, np.array([1.0, 1.0], np.float32), power=1)
    assert info.value.render({"input": "--pred", "target": "--target"}) == (
        "tweedie deviance with power=1 needs --target >= 0 and --pred > 0: "
        "--pred holds 0.0 (5e-324 underflowed to 0 in the float32 cast) at position 0")
    with pytest.raises(InputError) as info:  # a 0 the user wrote gets no note
        F.tweedie_loss(np.array([0.0, 1.0], np.float32), np.array([1.0, 1.0], np.float32), power=1)
    assert str(info.value).endswith("input holds 0.0 at position 0")


@pytest.mark.parametrize("make_error,message", [
    (lambda: F.cross_entropy([[1.0, 2.0], [3.0, 4.0]], np.array([1.0, 2.5])),
     "target must hold whole class indices, got 2.5 at position 1"),
    (lambda: F.cross_entropy([[1.0, 2.0]], np.array([np.nan])),
     "target must hold whole class indices, got nan at position 0"),
    (lambda: F.nll_loss([[1.0, 2.0]], np.array([0.1], np.float32)),
     "target must hold whole class indices, got 0.1 at position 0"),
    (lambda: F.ctc_loss(np.log(np.full((3, 1, 3), 1 / 3)), [[1]], np.array([1.5]), [1]),
     "input_lengths must hold whole lengths, got 1.5 at position 0"),
    (lambda: F.multi_margin_loss([[1.0, 2.0]], np.array([5])),
     "target holds class index 5 at position 0, outside [0, 2)"),
    (lambda: F.hinge_loss(np.zeros(2), np.array([1.0, 0.5])),
     "target must hold labels -1 and 1, or 0 and 1 (converted to -1 and 1 as Keras does); got 0.5 at position 1"),
    (lambda: F.msle_loss(np.array([1.0, -2.0], np.float32), np.zeros(2, np.float32)),
     "msle cannot be used when target or input hold values <= -1 (log1p is undefined there): "
     "input holds -2.0 at position 1"),
    (lambda: F.binary_cross_entropy(np.array([0.5, 1.25]), np.zeros(2)),
     "input must hold probabilities in [0, 1], got 1.25 at position 1"),
])
def test_messages_show_numbers_as_written(make_error, message):
    with pytest.raises(LossCliError) as info:
        make_error()
    assert str(info.value) == message
    assert "np." not in str(info.value)
