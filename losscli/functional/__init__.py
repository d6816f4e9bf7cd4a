"""The NumPy core: losses named and called like torch.nn.functional, with torch 2.13's numbers.

Functions take NumPy arrays (or anything np.asarray takes) and return a NumPy scalar for
'mean'/'sum' and an array for 'none'; reduction="parts" gives the Parts (elements, summands,
denominator) that every reduction is finished from (finish), which blocks of rows and shards
add up. Errors are losscli.errors.LossCliError (a ValueError).
"""

from ._common import PARTS, PARTS_BATCHMEAN, REDUCTIONS, Parts, cast, finish, strict
from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    class_indices,
    cross_entropy,
    cross_entropy_denominator,
    linear_cross_entropy,
    log_softmax,
    multi_margin_loss,
    nll_loss,
    soft_margin_loss,
)
from .distribution import gaussian_nll_loss, kl_div, log_probabilities, poisson_nll_loss
from .multilabel import multilabel_margin_loss, multilabel_soft_margin_loss
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .sequence import ctc_loss
from .similarity import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)

# Closed-form input gradients of the seed losses, named after torch's ATen backward kernels.
from .gradients import (
    binary_cross_entropy_with_logits_backward,
    cosine_embedding_loss_backward,
    cross_entropy_backward,
    huber_loss_backward,
    kl_div_backward,
    l1_loss_backward,
    mse_loss_backward,
    smooth_l1_loss_backward,
)

GRADIENTS = (
    "binary_cross_entropy_with_logits_backward",
    "cosine_embedding_loss_backward",
    "cross_entropy_backward",
    "huber_loss_backward",
    "kl_div_backward",
    "l1_loss_backward",
    "mse_loss_backward",
    "smooth_l1_loss_backward",
)

# Losses torch lacks, with the numbers of the library users know them from (scikit-learn,
# Keras, torchvision); tests/test_beyond_torch.py checks them against it.
from .binary import hinge_loss, sigmoid_focal_loss, squared_hinge_loss
from .regression import log_cosh_loss, mape_loss, msle_loss, quantile_loss, tweedie_loss

BEYOND_TORCH = (
    "hinge_loss",
    "log_cosh_loss",
    "mape_loss",
    "msle_loss",
    "quantile_loss",
    "sigmoid_focal_loss",
    "squared_hinge_loss",
    "tweedie_loss",
)

# The torch.nn.functional counterparts: tests/make_golden.py and the differential test cover each.
TORCH_LOSSES = (
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "linear_cross_entropy",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
)

# What the losses share: reductions and their parts, log-softmax, class-index checks.
HELPERS = (
    "PARTS",
    "PARTS_BATCHMEAN",
    "Parts",
    "REDUCTIONS",
    "STRICTER_THAN_TORCH",
    "cast",
    "finish",
    "class_indices",
    "cross_entropy_denominator",
    "log_probabilities",
    "log_softmax",
    "strict",
)

# The rules by which the core refuses inputs that torch accepts (with an odd or silent result).
# `with strict(False):` turns them all off, for torch's exact numbers. Messages and README
# name arguments as torch does; the CLI shows its option names.
STRICTER_THAN_TORCH = (
    (binary_cross_entropy_with_logits, "target must lie in [0, 1], as binary_cross_entropy requires"),
    (sigmoid_focal_loss, "target must lie in [0, 1], as binary_cross_entropy requires"),
    (soft_margin_loss, "target must hold 1 or -1"),
    (cosine_embedding_loss, "target must hold 1 or -1 (torch gives other values a loss of 0)"),
    (cosine_embedding_loss, "target must hold one label per pair: shape input1.shape[:-1], not broadcast"),
    (hinge_embedding_loss, "target must hold 1 or -1"),
    (margin_ranking_loss, "target must hold 1 or -1"),
    (multilabel_margin_loss, "a label list (before its first -1) must not name a class twice"),
    (poisson_nll_loss, "target must hold counts >= 0"),
    (kl_div, "input must hold log-probabilities, <= 0 (probabilities: log_probabilities or --pred-probs)"),
    (log_probabilities, "probabilities (kl_div's --pred-probs) must be >= 0"),
)

__all__ = [*TORCH_LOSSES, *BEYOND_TORCH, *GRADIENTS, *HELPERS]

# The losses users know from Keras 3, optax, scikit-learn and torchvision, with those libraries'
# numbers (and argument order input, target); tests/test_library_losses.py checks each against
# its library, losscli/library_specs.py declares their commands.
from .boxes import complete_box_iou_loss, distance_box_iou_loss, generalized_box_iou_loss
from .classification_metrics import brier_score_loss, hamming_loss, log_loss, zero_one_loss
from .cosine import cosine_similarity
from .counts import mean_gamma_deviance, mean_poisson_deviance, poisson
from .divergence import convex_kl_divergence
from .focal import binary_focal_crossentropy, categorical_focal_crossentropy, poly_loss_cross_entropy
from .margins import categorical_hinge, multiclass_hinge_loss, perceptron_loss, sparsemax_loss
from .metric_learning import circle, ntxent
from .ranking import ranking_softmax_loss
from .segmentation import dice, tversky

LIBRARY_LOSSES = (
    "binary_focal_crossentropy",
    "brier_score_loss",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "circle",
    "complete_box_iou_loss",
    "convex_kl_divergence",
    "cosine_similarity",
    "dice",
    "distance_box_iou_loss",
    "generalized_box_iou_loss",
    "hamming_loss",
    "log_loss",
    "mean_gamma_deviance",
    "mean_poisson_deviance",
    "multiclass_hinge_loss",
    "ntxent",
    "perceptron_loss",
    "poisson",
    "poly_loss_cross_entropy",
    "ranking_softmax_loss",
    "sparsemax_loss",
    "tversky",
    "zero_one_loss",
)

__all__ += [*LIBRARY_LOSSES]
