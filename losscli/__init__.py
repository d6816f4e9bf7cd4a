"""losscli: loss functions of torch.nn from the command line, and as a NumPy library.

    from losscli import mse_loss, cross_entropy
    mse_loss(np.array([2.0, 3.0, 4.0]), np.array([2.5, 3.5, 4.5]))   # 0.25

The core functions live in losscli.functional; they are re-exported here lazily so that the
command line starts without importing NumPy until a loss is computed.
"""

__version__ = "0.1.0"

_CORE = frozenset({
    "REDUCTIONS",
    "binary_cross_entropy_with_logits",
    "class_indices",
    "cross_entropy_denominator",
    "cosine_embedding_loss",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    # the rest of torch.nn's losses
    "binary_cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "linear_cross_entropy",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    # closed-form input gradients (torch's backward kernel names)
    "binary_cross_entropy_with_logits_backward",
    "cosine_embedding_loss_backward",
    "cross_entropy_backward",
    "huber_loss_backward",
    "kl_div_backward",
    "l1_loss_backward",
    "mse_loss_backward",
    "smooth_l1_loss_backward",
    # losses torch lacks (scikit-learn, Keras, torchvision semantics)
    "hinge_loss",
    "log_cosh_loss",
    "mape_loss",
    "msle_loss",
    "quantile_loss",
    "sigmoid_focal_loss",
    "squared_hinge_loss",
    "tweedie_loss",
})

__all__ = ["__version__", *sorted(_CORE)]


def __getattr__(name: str):
    if name in _CORE:
        from . import functional

        return getattr(functional, name)
    raise AttributeError(f"module 'losscli' has no attribute {name!r}")
