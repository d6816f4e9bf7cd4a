"""The rest of torch.nn's losses on the command line: each command prints torch's value, and
refuses the inputs its loss cannot take (exit 2, one line naming the option)."""

import json
import math

import numpy as np
import pytest
from helpers import ROOT, assert_one_error_line, run

from losscli import registry
from losscli.registry import METRIC, MULTILABEL, RANKING, SEQUENCES

S = str(ROOT / "samples")




def values(*args) -> np.ndarray:
    """The -q output: one number, or one per line for --reduction none."""
    result = run(*args, "-q")
    assert result.exit_code == 0, result.stderr
    return np.array([float(line) for line in result.stdout.split()])




def J(a) -> str:
    return json.dumps(a)


LOGP = [[-0.5, -1.0, -2.0], [-3.0, -0.1, -1.0]]
SCORES = [[0.1, 0.2, 0.4, 0.8], [0.5, 0.1, -0.3, 0.2]]
MULTIHOT = ([[0.5, -1.0, 2.0], [0.0, 1.0, -2.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
TRIPLET = ([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 3.0]], [[0.0, 1.5], [2.0, 1.0]])
TRIPLET_OPTS = ["--anchor", J(TRIPLET[0]), "--positive", J(TRIPLET[1]), "--negative", J(TRIPLET[2])]
POISSON = ([0.5, 1.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0])
GAUSS = ([[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [2.0, 5.0]])
LINEAR = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
CTC_2 = np.log(np.full((2, 1, 2), 0.5)).tolist()
CTC_3 = np.log(np.full((3, 2, 3), 1 / 3)).tolist()
CTC_22 = np.log(np.full((2, 2, 2), 0.5)).tolist()

# (command line, the value torch 2.13 prints (spec 3.5-3.21's worked examples, whose float32
# inputs differ from these float64 ones by < 1e-7 relative), the same case for torch_call)
CATALOGUE = {
    "nll": (["nll", "--pred", J(LOGP), "--target", "2,1", "--weight", "1,2,3"], 1.24,
            ("nll_loss", [LOGP, [2, 1]], {"weight": [1.0, 2.0, 3.0]})),
    "nll ignore-index": (["nll", "--pred", J(LOGP), "--target", "2,1", "--ignore-index", "1", "-r", "none"], [2.0, 0.0],
                         ("nll_loss", [LOGP, [2, 1]], {"ignore_index": 1, "reduction": "none"})),
    "nll all ignored": (["nll", "--pred", J(LOGP), "--target", "1,1", "--ignore-index", "1"], math.nan,
                        ("nll_loss", [LOGP, [1, 1]], {"ignore_index": 1})),
    "bce": (["bce", "--pred", "0.2,0.7,0.9", "--target", "0,1,1"], 0.22839302,
            ("binary_cross_entropy", [[0.2, 0.7, 0.9], [0.0, 1.0, 1.0]], {})),
    "bce clamp": (["bce", "--pred", "0,1,0.5", "--target", "1,0,0.5", "-r", "none"], [100.0, 100.0, 0.69314718],
                  ("binary_cross_entropy", [[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]], {"reduction": "none"})),
    "bce weight": (["bce", "--pred", "0.2,0.7,0.9;0.5,0.5,0.5", "--target", "0,1,1;1,0,1", "--weight", "1,2,3"], 0.9019097,
                   ("binary_cross_entropy", [[[0.2, 0.7, 0.9], [0.5, 0.5, 0.5]], [[0, 1, 1], [1, 0, 1]]],
                    {"weight": [1.0, 2.0, 3.0]})),
    "soft-margin": (["soft-margin", "--pred", "0.5,-1,2", "--target", "1,1,-1"], 1.30475556,
                    ("soft_margin_loss", [[0.5, -1.0, 2.0], [1.0, 1.0, -1.0]], {})),
    "margin-ranking": (["margin-ranking", "--input1", "1,2,3", "--input2", "2,2,1", "--target", "1,-1,1"], 0.33333333,
                       ("margin_ranking_loss", [[1.0, 2.0, 3.0], [2.0, 2.0, 1.0], [1.0, -1.0, 1.0]], {})),
    "margin-ranking margin": (["margin-ranking", "--input1", "1,2,3", "--input2", "2,2,1", "--target", "1,-1,1",
                               "--margin", "0.5", "-r", "none"], [1.5, 0.5, 0.0],
                              ("margin_ranking_loss", [[1.0, 2.0, 3.0], [2.0, 2.0, 1.0], [1.0, -1.0, 1.0]],
                               {"margin": 0.5, "reduction": "none"})),
    "hinge-embedding": (["hinge-embedding", "--pred", "0.3,2,-0.5", "--target", "-1,-1,1", "--margin", "2"], 0.4,
                        ("hinge_embedding_loss", [[0.3, 2.0, -0.5], [-1.0, -1.0, 1.0]], {"margin": 2.0})),
    "hinge-embedding default": (["hinge-embedding", "--pred", "0.3,2;-0.5,0.7", "--target", "1,-1;-1,-1", "-r", "sum"],
                                2.10000002, ("hinge_embedding_loss", [[[0.3, 2.0], [-0.5, 0.7]], [[1, -1], [-1, -1]]],
                                             {"reduction": "sum"})),
    "multi-label-soft-margin": (["multi-label-soft-margin", "--pred", J(MULTIHOT[0]), "--target", J(MULTIHOT[1])],
                                0.67460059, ("multilabel_soft_margin_loss", list(MULTIHOT), {})),
    "multi-label-soft-margin weight": (["multi-label-soft-margin", "--pred", J(MULTIHOT[0]), "--target", J(MULTIHOT[1]),
                                        "--weight", "1,2,3", "-r", "none"], [0.4937948, 2.5668182],
                                       ("multilabel_soft_margin_loss", list(MULTIHOT),
                                        {"weight": [1.0, 2.0, 3.0], "reduction": "none"})),
    "multi-label-margin": (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,0,-1,1"], 0.85,
                           ("multilabel_margin_loss", [[0.1, 0.2, 0.4, 0.8], [3, 0, -1, 1]], {})),
    "multi-label-margin rows": (["multi-label-margin", "--pred", J(SCORES), "--target", "3,-1,-1,-1;0,1,2,3",
                                 "-r", "none"], None,
                                ("multilabel_margin_loss", [SCORES, [[3, -1, -1, -1], [0, 1, 2, 3]]], {"reduction": "none"})),
    "multi-margin": (["multi-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3"], 0.32499999,
                     ("multi_margin_loss", [[0.1, 0.2, 0.4, 0.8], 3], {})),
    "multi-margin p2": (["multi-margin", "--pred", J(SCORES), "--target", "3,0", "--p", "2", "--margin", "0.5",
                         "-r", "none"], [0.0025, 0.0125],
                        ("multi_margin_loss", [SCORES, [3, 0]], {"p": 2, "margin": 0.5, "reduction": "none"})),
    "multi-margin weight": (["multi-margin", "--pred", J(SCORES), "--target", "3,0", "--weight", "1,2,3,4"], 0.83749999,
                            ("multi_margin_loss", [SCORES, [3, 0]], {"weight": [1.0, 2.0, 3.0, 4.0]})),
    "triplet-margin": (["triplet-margin", *TRIPLET_OPTS, "-r", "none"], [0.5, 2.0],
                       ("triplet_margin_loss", list(TRIPLET), {"reduction": "none"})),
    "triplet-margin p1 swap": (["triplet-margin", *TRIPLET_OPTS, "--margin", "0.5", "--p", "1", "--swap"], 0.75,
                               ("triplet_margin_loss", list(TRIPLET), {"margin": 0.5, "p": 1.0, "swap": True})),
    "triplet-margin p inf eps": (["triplet-margin", *TRIPLET_OPTS, "--p", "inf", "--eps", "0.01"], None,
                                 ("triplet_margin_loss", list(TRIPLET), {"p": math.inf, "eps": 0.01})),
    "triplet-margin-with-distance": (["triplet-margin-with-distance", *TRIPLET_OPTS, "--distance", "l1",
                                      "--margin", "2"], 2.25,
                                     ("triplet_margin_with_distance_loss", list(TRIPLET), {"distance": "l1", "margin": 2.0})),
    "triplet-margin-with-distance swap": (["triplet-margin-with-distance", *TRIPLET_OPTS, "--swap", "-r", "sum"], 2.5,
                                          ("triplet_margin_with_distance_loss", list(TRIPLET),
                                           {"swap": True, "reduction": "sum"})),
    "triplet-margin-with-distance cosine": (["triplet-margin-with-distance", *TRIPLET_OPTS, "--distance", "cosine",
                                             "-r", "none"], None,
                                            ("triplet_margin_with_distance_loss", list(TRIPLET),
                                             {"distance": "cosine", "reduction": "none"})),
    "poisson-nll": (["poisson-nll", "--pred", "0.5,1,2,0", "--target", "0,1,2,3"], 1.9390148,
                    ("poisson_nll_loss", list(POISSON), {})),
    "poisson-nll rates": (["poisson-nll", "--pred", "0.5,1,2,0", "--target", "0,1,2,3", "--no-log-input", "-r", "none"],
                          [0.5, 0.99999999, 0.61370563, 55.26204223],
                          ("poisson_nll_loss", list(POISSON), {"log_input": False, "reduction": "none"})),
    "poisson-nll full": (["poisson-nll", "--pred", "0.5,1,2,0", "--target", "0,1,2,3", "--full", "-r", "none"],
                         [1.64872127, 1.71828183, 4.04086258, 2.76408154],
                         ("poisson_nll_loss", list(POISSON), {"full": True, "reduction": "none"})),
    "poisson-nll eps": (["poisson-nll", "--pred", "0.5,1,2,0", "--target", "0,1,2,3", "--no-log-input", "--eps", "0.5"],
                        None, ("poisson_nll_loss", list(POISSON), {"log_input": False, "eps": 0.5})),
    "gaussian-nll": (["gaussian-nll", "--pred", J(GAUSS[0]), "--target", J(GAUSS[1]), "--var", "0.5,1;2,1", "-r", "none"],
                     [-0.09657359, 0.0, 0.59657359, 0.5],
                     ("gaussian_nll_loss", [*GAUSS, [[0.5, 1.0], [2.0, 1.0]]], {"reduction": "none"})),
    "gaussian-nll one fewer dim": (["gaussian-nll", "--pred", J(GAUSS[0]), "--target", J(GAUSS[1]), "--var", "1,2",
                                    "--full"], 1.24847533, ("gaussian_nll_loss", [*GAUSS, [1.0, 2.0]], {"full": True})),
    "gaussian-nll number": (["gaussian-nll", "--pred", J(GAUSS[0]), "--target", J(GAUSS[1]), "--var", "0.7",
                             "--eps", "0.8"], None, ("gaussian_nll_loss", list(GAUSS), {"var": 0.7, "eps": 0.8})),
    "gaussian-nll size-1 dim": (["gaussian-nll", "--pred", J(GAUSS[0]), "--target", J(GAUSS[1]), "--var", "[[0.5, 2]]",
                                 "-r", "sum"], None, ("gaussian_nll_loss", [*GAUSS, [[0.5, 2.0]]], {"reduction": "sum"})),
    "ctc": (["ctc", "--log-probs", J(CTC_2), "--targets", "[[1]]", "--input-lengths", "2", "--target-lengths", "1"],
            0.28768207, ("ctc_loss", [CTC_2, [[1]], [2], [1]], {})),
    "ctc none": (["ctc", "--log-probs", J(CTC_3), "--targets", "1,2;1,1", "--input-lengths", "3,3",
                  "--target-lengths", "2,2", "-r", "none"], [1.68639901, 3.29583693],
                 ("ctc_loss", [CTC_3, [[1, 2], [1, 1]], [3, 3], [2, 2]], {"reduction": "none"})),
    "ctc zero-infinity concatenated": (["ctc", "--log-probs", J(CTC_22), "--targets", "1,1,1", "--input-lengths", "2,2",
                                        "--target-lengths", "2,1", "--zero-infinity"], 0.14384104,
                                       ("ctc_loss", [CTC_22, [1, 1, 1], [2, 2], [2, 1]], {"zero_infinity": True})),
    "ctc inf": (["ctc", "--log-probs", J(CTC_22), "--targets", "1,1,1", "--input-lengths", "2,2",
                 "--target-lengths", "2,1", "-r", "sum"], math.inf,
                ("ctc_loss", [CTC_22, [1, 1, 1], [2, 2], [2, 1]], {"reduction": "sum"})),
    "ctc blank": (["ctc", "--log-probs", J(CTC_3), "--targets", "0,1;1,1", "--input-lengths", "3,2",
                   "--target-lengths", "2,1", "--blank", "2"], None,
                  ("ctc_loss", [CTC_3, [[0, 1], [1, 1]], [3, 2], [2, 1]], {"blank": 2})),
    "ctc sample": (["ctc", "--log-probs", f"{S}/ctc.json:log_probs", "--targets", f"{S}/ctc.json:targets",
                    "--input-lengths", f"{S}/ctc.json:input_lengths", "--target-lengths", f"{S}/ctc.json:target_lengths"],
                   None, None),
    "linear-cross-entropy": (["linear-cross-entropy", "--pred", "1,2;1,2", "--linear-weight", J(LINEAR), "--target", "2,0"],
                             1.40760596, ("linear_cross_entropy", [[[1.0, 2.0]] * 2, LINEAR, [2, 0]], {})),
    "linear-cross-entropy bias smoothing": (["linear-cross-entropy", "--pred", "1,2;0,-1", "--linear-weight", J(LINEAR),
                                             "--linear-bias", "0.5,0,-0.5", "--target", "1,1", "--label-smoothing", "0.2",
                                             "-r", "none"], [1.18026967, 1.73968905],
                                            ("linear_cross_entropy", [[[1.0, 2.0], [0.0, -1.0]], LINEAR, [1, 1]],
                                             {"linear_bias": [0.5, 0.0, -0.5], "label_smoothing": 0.2,
                                              "reduction": "none"})),
    "linear-cross-entropy probabilities": (["linear-cross-entropy", "--pred", "1,2;1,2", "--linear-weight", J(LINEAR),
                                            "--target", "0,0,1;1,0,0", "--weight", "1,2,3"], 1.81521193,
                                           ("linear_cross_entropy", [[[1.0, 2.0]] * 2, LINEAR, [[0, 0, 1.0], [1.0, 0, 0]]],
                                            {"weight": [1.0, 2.0, 3.0]})),
    "linear-cross-entropy ignore-index": (["linear-cross-entropy", "--pred", "1,2;1,2;0,1", "--linear-weight", J(LINEAR),
                                           "--target", "2,0,1", "--ignore-index", "0"], None,
                                          ("linear_cross_entropy", [[[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], LINEAR, [2, 0, 1]],
                                           {"ignore_index": 0})),
}
NAMES = list(CATALOGUE)


@pytest.mark.parametrize("name", [name for name in NAMES if CATALOGUE[name][1] is not None])
def test_command_prints_the_spec_value(name):
    args, expected, _ = CATALOGUE[name]
    got = values(*args)
    assert got == pytest.approx(np.atleast_1d(expected), rel=1e-7, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMES)
def test_command_prints_torch_value(name, dtype):
    pytest.importorskip("torch")
    from torch_oracle import torch_call

    args, _, oracle = CATALOGUE[name]
    if oracle is None:
        oracle = _sample_oracle(args)
    function, arrays, kwargs = oracle
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    kwargs = {k: np.asarray(v, dtype=np.float64) if isinstance(v, list) else v for k, v in kwargs.items()}
    expected = np.atleast_1d(torch_call(function, arrays, kwargs, dtype)).ravel()
    got = values(*args, "--dtype", dtype)
    if dtype == "float64":
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    else:  # spec 5.3.2; printed at float32's shortest round-trip precision
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def _sample_oracle(args):
    data = json.loads((ROOT / "samples" / "ctc.json").read_text())
    return "ctc_loss", [data[k] for k in ("log_probs", "targets", "input_lengths", "target_lengths")], {}


def test_every_new_command_is_in_the_catalogue_and_its_task():
    tasks = {
        "nll": "Multi-class classification", "bce": "Binary classification", "soft-margin": "Binary classification",
        "multi-margin": "Multi-class classification", "linear-cross-entropy": "Multi-class classification",
        "multi-label-soft-margin": MULTILABEL, "multi-label-margin": MULTILABEL, "margin-ranking": RANKING,
        "hinge-embedding": "Similarity", "triplet-margin": METRIC, "triplet-margin-with-distance": METRIC,
        "poisson-nll": "Distributions", "gaussian-nll": "Distributions", "ctc": SEQUENCES,
    }
    assert {name: registry.BY_NAME[name].task for name in tasks} == tasks
    assert {args[0] for args, _, _ in CATALOGUE.values()} == set(tasks)
    listing = run("list").stdout
    for task in (MULTILABEL, RANKING, METRIC, SEQUENCES):
        assert f"\n{task}:\n" in listing


def test_none_lists_the_inputs_that_align_with_each_loss():
    out = run("margin-ranking", "--input1", "1,2", "--input2", "2,2", "--target", "1,-1", "-r", "none", "-f", "csv")
    assert out.stdout == "index,input1,input2,target,loss\n0,1.0,2.0,1.0,1.0\n1,2.0,2.0,-1.0,0.0\n"
    out = run("multi-margin", "--pred", J(SCORES), "--target", "3,0", "-r", "none", "-f", "csv")
    assert out.stdout.splitlines()[0] == "index,target,loss"
    out = run("ctc", "--log-probs", J(CTC_3), "--targets", "1,2;1,1", "--input-lengths", "3,2",
              "--target-lengths", "2,1", "-r", "none", "-f", "csv")
    assert out.stdout.splitlines()[:2] == ["index,input_length,target_length,loss", "0,3,2,1.686398953570229"]


def test_params_are_printed_for_reproduction():
    out = run("triplet-margin", *TRIPLET_OPTS, "--p", "1", "--swap", "-f", "json").stdout
    assert json.loads(out)["params"] == {"margin": 1.0, "p": 1.0, "eps": 1e-06, "swap": True}
    out = run("linear-cross-entropy", "--pred", "1,2", "--linear-weight", J(LINEAR), "--target", "2", "-f", "json").stdout
    assert json.loads(out)["params"] == {"ignore_index": -100, "label_smoothing": 0.0}
    out = run("ctc", "--log-probs", J(CTC_2), "--targets", "[[1]]", "--input-lengths", "2", "--target-lengths", "1",
              "-f", "json").stdout
    assert json.loads(out)["params"] == {"blank": 0, "zero_infinity": False}


def test_broadcast_only_when_asked():
    assert run("poisson-nll", "--pred", "1,2,3", "--target", "[[1],[2]]").exit_code == 2
    assert values("poisson-nll", "--pred", "1,2,3", "--target", "[[1],[2]]", "--broadcast").shape == (1,)
    assert run("triplet-margin", "--anchor", "0,0;1,1", "--positive", "[[1,0]]", "--negative", "0,1;2,1").exit_code == 2
    assert values("triplet-margin", "--anchor", "0,0;1,1", "--positive", "[[1,0]]", "--negative", "0,1;2,1",
                  "--broadcast").shape == (1,)


def test_unbatched_inputs():
    lp = np.log(np.full((3, 3), 1 / 3)).tolist()
    # (T, C) log-probabilities with (S) targets and one-number lengths: a 0-d loss, as torch's unbatched CTC
    assert values("ctc", "--log-probs", J(lp), "--targets", "1,2", "--input-lengths", "3", "--target-lengths", "2",
                  "-r", "none") == pytest.approx([1.68639901], rel=1e-7)
    assert values("multi-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3", "-r", "none") == \
        pytest.approx([0.325], rel=1e-12)
    assert values("multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "1,-1,0,0", "-r", "none") == \
        pytest.approx([0.925], rel=1e-12)


# --- loss-specific invalid inputs: exit 2, one line on stderr naming the option, nothing on stdout ------

LP3 = J(np.log(np.full((3, 1, 3), 1 / 3)).tolist())  # T=3, N=1, C=3
CTC = ["ctc", "--log-probs", LP3]
ERRORS = [
    (["nll", "--pred", J(LOGP), "--target", "2,3"], ["--target", "class index 3"]),
    (["nll", "--pred", J(LOGP), "--target", "2,1", "--weight", "1,2"], ["--weight", "one value per class (3)"]),
    (["bce", "--pred", "0.5,1.5", "--target", "0,1"], ["--pred must hold probabilities in [0, 1], got 1.5"]),
    (["bce", "--pred", "0.5,0.5", "--target", "0,2"], ["--target must hold probabilities in [0, 1], got 2.0"]),
    (["bce", "--pred", "0.5,0.5", "--target", "0,1,1"], ["--target has shape (3,) but --pred has (2,)"]),
    (["bce", "--pred", "0.5,0.5", "--target", "0,1", "--weight", "1,2,3"], ["--weight has shape (3,)"]),
    (["soft-margin", "--pred", "0.5,0.5", "--target", "1,0"], ["--target must hold 1 or -1"]),
    (["margin-ranking", "--input1", "1,2", "--input2", "2,2", "--target", "1,0"], ["--target must hold 1 or -1"]),
    (["margin-ranking", "--input1", "1,2", "--input2", "2,2,3", "--target", "1,-1"], ["--input2 has shape (3,)"]),
    (["hinge-embedding", "--pred", "0.3,2", "--target", "1,0.5"], ["--target must hold 1 or -1"]),
    (["multi-label-soft-margin", "--pred", J(MULTIHOT[0]), "--target", J(MULTIHOT[1]), "--weight", "1,2"],
     ["--weight has shape (2,)", "(3,)"]),
    (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,0,0,0"], ["--target row 0 repeats class 0",
                                                                                  "no -1"]),
    (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,3,-1,1"], ["--target row 0 lists class 3 twice"]),
    (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,4,-1,-1"], ["--target holds 4", "[0, 4)"]),
    (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,-2,-1,-1"], ["--target holds -2"]),
    (["multi-label-margin", "--pred", "0.1,0.2,0.4,0.8", "--target", "3,-1"], ["--target must have --pred's shape"]),
    (["multi-margin", "--pred", J(SCORES), "--target", "3,0", "--p", "3"], ["--p must be 1 or 2"]),
    (["multi-margin", "--pred", J(SCORES), "--target", "3,4"], ["--target holds class index 4", "[0, 4)"]),
    (["multi-margin", "--pred", J(SCORES), "--target", "3,0", "--weight", "1,2"], ["--weight", "(4)"]),
    (["triplet-margin", *TRIPLET_OPTS, "--margin", "0"], ["--margin must be greater than 0"]),
    (["triplet-margin", *TRIPLET_OPTS, "--margin", "-1"], ["--margin must be greater than 0, got -1.0"]),
    (["triplet-margin", "--anchor", "0,0;1,1", "--positive", "1,0", "--negative", "0,1;2,1"], ["--positive has shape (2,)"]),
    (["triplet-margin-with-distance", *TRIPLET_OPTS, "--margin", "0"], ["--margin must be greater than 0"]),
    (["triplet-margin-with-distance", *TRIPLET_OPTS, "--distance", "l3"], ["--distance", "l3"]),
    (["poisson-nll", "--pred", "1,2", "--target", "1,-1"], ["--target holds a negative count"]),
    (["gaussian-nll", "--pred", "1,2", "--target", "1,2", "--var", "1,-1"], ["--var has a negative entry"]),
    (["gaussian-nll", "--pred", "1,2", "--target", "1,2", "--var", "-0.5"], ["--var has a negative entry"]),
    (["gaussian-nll", "--pred", "1,2;3,4", "--target", "1,2;3,4", "--var", "1,2,3"], ["--var has shape (3,)", "(2, 2)"]),
    ([*CTC, "--targets", "[[1,3]]", "--input-lengths", "3", "--target-lengths", "2"],
     ["--targets holds label 3", "[0, 3)", "--blank (0)"]),
    ([*CTC, "--targets", "[[1,0]]", "--input-lengths", "3", "--target-lengths", "2"], ["--targets holds label 0"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "3", "--target-lengths", "2", "--blank", "3"],
     ["--blank must be a class index in [0, 3)"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "4", "--target-lengths", "2"],
     ["--input-lengths holds 4, more than the 3 frames of --log-probs"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "3", "--target-lengths", "3"], ["--targets", "S >= the longest"]),
    ([*CTC, "--targets", "1,2,1", "--input-lengths", "3", "--target-lengths", "2"],
     ["concatenated --targets must hold sum(--target-lengths) = 2 labels, got 3"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "3", "--target-lengths", "-1"], ["--target-lengths", "negative"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "3,3", "--target-lengths", "2"],
     ["--input-lengths must hold one length per sample (1)"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "2.5", "--target-lengths", "2"], ["--input-lengths", "whole"]),
    ([*CTC, "--targets", "[[1,2]]", "--input-lengths", "3", "--target-lengths", "2", "--nan-policy", "omit"],
     ["--nan-policy omit"]),
    (["linear-cross-entropy", "--pred", "1,2", "--linear-weight", "1,2,3;4,5,6", "--target", "0"],
     ["--linear-weight has 3 input features", "--pred has 2"]),
    (["linear-cross-entropy", "--pred", "1,2", "--linear-weight", J(LINEAR), "--linear-bias", "1,2", "--target", "0"],
     ["--linear-bias must have shape (3,)"]),
    (["linear-cross-entropy", "--pred", "1,2", "--linear-weight", J(LINEAR), "--target", "0.2,0.3,0.5",
      "--ignore-index", "1"], ["--ignore-index cannot be given with class-probability targets"]),
    (["linear-cross-entropy", "--pred", "1,2", "--linear-weight", J(LINEAR), "--target", "0", "--label-smoothing", "1.5"],
     ["--label-smoothing", "1.5"]),
]


@pytest.mark.parametrize("args,words", ERRORS, ids=[" ".join(a[:1] + a[-2:]) for a, _ in ERRORS])
def test_invalid_input_exits_2_with_one_line_naming_the_option(entry, args, words):
    result = entry(*args)
    assert_one_error_line(result, words)
