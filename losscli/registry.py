"""One declaration per loss: everything else (the commands, `losscli list`, check-file keys,
the README table test, the catalogue tests) is derived from `SPECS`.

Plain data, no NumPy: `losscli --help` and a tiny call import this and nothing heavy. The core
function is named, not imported; losscli.engine resolves it when a loss is computed.
"""

from dataclasses import dataclass

SOURCE = "SOURCE"  # the metavar of every array option
SOURCE_HELP = "inline numbers ('1,2;3,4' or '[[1,2],[3,4]]'), a file (PATH or PATH:COLUMNS), or - for stdin"

# Task groups, in the order `losscli list` and the help show them.
REGRESSION = "Regression"
BINARY = "Binary classification"
MULTICLASS = "Multi-class classification"
MULTILABEL = "Multi-label classification"
SIMILARITY = "Similarity"
RANKING = "Ranking"
METRIC = "Metric learning"
DISTRIBUTIONS = "Distributions"
SEQUENCES = "Sequences"
SEGMENTATION = "Segmentation"
DETECTION = "Object detection"
TASKS = (REGRESSION, BINARY, MULTICLASS, MULTILABEL, SIMILARITY, RANKING, METRIC, DISTRIBUTIONS, SEQUENCES,
         SEGMENTATION, DETECTION)


@dataclass(frozen=True)
class Array:
    """An array input: its option, the core function's argument it feeds, and its role.

    role "sample": one entry per sample along the first dimension (split into blocks of rows,
    dropped by --nan-policy omit); "parameter": whole, whatever the batch (per-class weights).
    labels: integers read as loaded (class indices, lengths); the core checks they are whole.
    """

    flag: str
    arg: str
    help: str
    role: str = "sample"
    required: bool = True
    labels: bool = False
    short: str | None = None

    @property
    def key(self) -> str:
        """The check-file key and the column name: the flag without its dashes."""
        return self.flag[2:]


@dataclass(frozen=True)
class Param:
    """A hyperparameter: the core's keyword `name`, the option --kebab-case(name)."""

    name: str
    type: str  # "float", "int", "bool", "str"
    default: object
    help: str
    choices: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    flag: str | None = None  # when not --kebab-case(name), e.g. "--log-input/--no-log-input"

    @property
    def key(self) -> str:
        return self.name.replace("_", "-")

    @property
    def option(self) -> str:
        return self.flag.split("/")[0] if self.flag else f"--{self.key}"


@dataclass(frozen=True)
class LossSpec:
    name: str  # the command
    task: str
    core: str  # function name in losscli.functional
    reference: str  # the library whose numbers it has
    summary: str  # one line: what it computes, what it is for
    arrays: tuple[Array, ...]
    params: tuple[Param, ...] = ()
    details: str = ""  # more help text
    grad: str | None = None  # closed-form input gradient in losscli.functional
    grad_of: tuple[str, ...] = ("pred",)  # the arrays (keys) it differentiates, in the order it returns them
    reductions: tuple[str, ...] = ("mean", "sum", "none")
    broadcast: bool = False  # takes --broadcast (torch broadcasts these silently)
    row_wise: bool = True  # the first dim is the samples: blocks of rows, --nan-policy omit
    prepare: str | None = None  # a hook in losscli.engine.PREPARE: arrays and params before the core
    columns: tuple[tuple[str, str], ...] | None = None  # (array key, column name) shown per element
    aliases: tuple[str, ...] = ()  # other names that run it (torch's class and function names)
    examples: tuple[str, ...] = ()  # shown at the end of --help; tests/test_cli.py runs each

    @property
    def per_sample(self) -> tuple[Array, ...]:
        return tuple(a for a in self.arrays if a.role == "sample")


def _pt(summary_class: str) -> str:
    return f"torch 2.13 {summary_class}"


PRED = Array("--pred", "input", f"Predictions: {SOURCE_HELP}.", short="-p")
TARGET = Array("--target", "target", "Targets, same forms as --pred.", short="-t")
CLASS_WEIGHT = Array("--weight", "weight", "Per-class weight, one value per class.", role="parameter", required=False)
IGNORE_INDEX = Param("ignore_index", "int", -100, "Target value that is skipped (index targets).")
LABEL_SMOOTHING = Param("label_smoothing", "float", 0.0, "Mix the target with the uniform distribution.", min=0.0, max=1.0)


def _pred(help: str) -> Array:
    return Array("--pred", "input", f"{help}: {SOURCE_HELP}.", short="-p")


def _target(help: str, labels: bool = False) -> Array:
    return Array("--target", "target", help, short="-t", labels=labels)


def _regression(name, core, reference, summary, details="", params=(), grad=None, aliases=(), examples=()):
    return LossSpec(name, REGRESSION, core, reference, summary, (PRED, TARGET), params, details, grad=grad,
                    broadcast=True, aliases=aliases, examples=examples or (
                        f"losscli {name} --pred samples/regression.csv:pred --target samples/regression.csv:target",))


_SCORES = _pred("Scores (decision values, not probabilities)")
_LABELS = _target("Labels -1/1, or 0/1 (converted to -1/1 as Keras does); same shape as --pred.")
_ANCHOR = Array("--anchor", "anchor", f"Anchor embeddings (N,D) or (D): {SOURCE_HELP}.")
_POSITIVE = Array("--positive", "positive", "Embeddings of the anchors' class, same shape as --anchor.")
_NEGATIVE = Array("--negative", "negative", "Embeddings of another class, same shape as --anchor.")
_TRIPLET_MARGIN = Param("margin", "float", 1.0, "How much nearer the positive must be than the negative (> 0).")
_SWAP = Param("swap", "bool", False, "Use the nearer of anchor and positive to the negative.")
_TRIPLET_EXAMPLE = ("losscli {} --anchor samples/triplets.json:anchor --positive samples/triplets.json:positive "
                    "--negative samples/triplets.json:negative")
_SEQUENCE_WISE = "As in Keras, a matrix (N, C) has one loss per sample, the mean over its last axis; a vector (N,) is N samples with one score each."

SPECS: tuple[LossSpec, ...] = (
    # --- regression ---------------------------------------------------------------------------
    _regression("mse", "mse_loss", _pt("nn.MSELoss"),
                "Mean squared error (pred - target)²: regression; punishes large errors most.",
                grad="mse_loss_backward", aliases=("MSELoss", "mse_loss")),
    _regression("l1", "l1_loss", _pt("nn.L1Loss"), "Mean absolute error |pred - target|: regression robust to outliers.",
                grad="l1_loss_backward", aliases=("L1Loss", "l1_loss", "mae")),
    _regression("smooth-l1", "smooth_l1_loss", _pt("nn.SmoothL1Loss"),
                "Smooth L1: quadratic below --beta, linear above; regression with some outliers.",
                params=(Param("beta", "float", 1.0, "Where the loss turns from quadratic to linear (0 = L1)."),),
                grad="smooth_l1_loss_backward", aliases=("SmoothL1Loss", "smooth_l1_loss")),
    _regression("huber", "huber_loss", _pt("nn.HuberLoss"),
                "Huber: quadratic below --delta, linear above (delta x smooth-l1); robust regression.",
                params=(Param("delta", "float", 1.0, "Where the loss turns from quadratic to linear (> 0)."),),
                grad="huber_loss_backward", aliases=("HuberLoss", "huber_loss")),
    _regression("log-cosh", "log_cosh_loss", "Keras 3 keras.losses.log_cosh / optax.losses.log_cosh",
                "Log-cosh log(cosh(pred - target)), as Keras/optax log_cosh: smooth regression robust to outliers.",
                "Quadratic (z²/2) for small errors z, linear (|z| - log 2) for large ones, finite for any error.\n\n"
                "Keras averages over the last axis per sample first; with equal-length rows the mean is the same number.",
                aliases=("log_cosh",)),
    _regression("quantile", "quantile_loss", "scikit-learn sklearn.metrics.mean_pinball_loss",
                "Pinball loss at --quantile, as sklearn mean_pinball_loss: quantile regression, prediction intervals.",
                "With d = target - pred: quantile * d if d >= 0, else (quantile - 1) * d.\n\n"
                "0.5 is half the mean absolute error; 0.9 punishes under-prediction nine times as much as over-prediction.",
                params=(Param("quantile", "float", 0.5, "The quantile --pred estimates, in [0, 1] (scikit-learn's alpha).",
                              min=0.0, max=1.0),),
                aliases=("pinball", "mean_pinball_loss")),
    _regression("mape", "mape_loss", "scikit-learn sklearn.metrics.mean_absolute_percentage_error",
                "Absolute percentage error |pred - target| / |target|, as sklearn mean_absolute_percentage_error: relative error.",
                "A fraction, not a percentage: 0.1 is 10%.\n\n"
                "As in scikit-learn, the denominator is max(|target|, 2.2e-16): a target of 0 gives a huge loss, not an error.",
                aliases=("mean_absolute_percentage_error",)),
    _regression("msle", "msle_loss", "scikit-learn sklearn.metrics.mean_squared_log_error",
                "Squared log error (log1p(pred) - log1p(target))², as sklearn mean_squared_log_error: targets spanning magnitudes.",
                "Penalises relative, not absolute, errors, and under-prediction more than over-prediction.\n\n"
                "Values <= -1 in --pred or --target are refused, as scikit-learn refuses them.",
                aliases=("mean_squared_log_error",)),
    _regression("tweedie", "tweedie_loss", "scikit-learn sklearn.metrics.mean_tweedie_deviance",
                "Tweedie deviance at --power, as sklearn mean_tweedie_deviance: counts (1), positive skewed targets (2).",
                "--pred is the predicted mean.\n\nEach power refuses the inputs scikit-learn refuses: power < 0 needs "
                "pred > 0; 1 <= power < 2 needs target >= 0 and pred > 0; power >= 2 needs both > 0.",
                params=(Param("power", "float", 0.0, "0 normal, 1 Poisson, 2 gamma, 1-2 compound Poisson-gamma; not in (0, 1)."),),
                aliases=("mean_tweedie_deviance",)),
    # --- binary classification ----------------------------------------------------------------
    LossSpec("bce-with-logits", BINARY, "binary_cross_entropy_with_logits", _pt("nn.BCEWithLogitsLoss"),
             "Binary cross entropy on logits (stable sigmoid + BCE): binary and multi-label classification.",
             (_pred("Logits"), _target("Targets in [0, 1], same shape as --pred."),
              Array("--weight", "weight", "Rescaling weight, broadcast to --pred's shape.", role="parameter", required=False),
              Array("--pos-weight", "pos_weight", "Weight of positive examples, per class (last dim).", role="parameter",
                    required=False)),
             grad="binary_cross_entropy_with_logits_backward",
             aliases=("BCEWithLogitsLoss", "binary_cross_entropy_with_logits", "bce_with_logits"),
             examples=("losscli bce-with-logits --pred samples/binary.csv:logit --target samples/binary.csv:label",)),
    LossSpec("focal", BINARY, "sigmoid_focal_loss", "torchvision torchvision.ops.sigmoid_focal_loss",
             "Focal loss on logits, as torchvision sigmoid_focal_loss: detection, heavily imbalanced binary labels.",
             (_pred("Logits"), _target("Targets in [0, 1], same shape as --pred.")),
             (Param("alpha", "float", 0.25, "Weight of positives (negatives get 1 - alpha); < 0 disables the weighting.", max=1.0),
              Param("gamma", "float", 2.0, "Focusing exponent: down-weights easy examples (0 = BCE).", min=0.0)),
             "alpha_t (1 - p_t)^gamma times BCE with logits, where p_t is the probability given to the true label.\n\n"
             "torchvision's default reduction is none; here it is mean, like every loss.",
             aliases=("sigmoid_focal_loss",),
             examples=("losscli focal --pred samples/binary.csv:logit --target samples/binary.csv:label",)),
    LossSpec("hinge", BINARY, "hinge_loss", "Keras 3 keras.losses.hinge",
             "Hinge max(0, 1 - target * pred), as Keras hinge: margin (SVM-style) classifiers on raw scores.",
             (_SCORES, _LABELS), details=_SEQUENCE_WISE + "\n\nmean equals keras.losses.hinge(target, pred).mean().",
             examples=("losscli hinge --pred 0.8,-0.3,1.5 --target 1,-1,-1",)),
    LossSpec("squared-hinge", BINARY, "squared_hinge_loss", "Keras 3 keras.losses.squared_hinge",
             "Squared hinge max(0, 1 - target * pred)², as Keras squared_hinge: smooth margin classifiers.",
             (_SCORES, _LABELS), details=_SEQUENCE_WISE + "\n\nmean equals keras.losses.squared_hinge(target, pred).mean().",
             examples=("losscli squared-hinge --pred 0.8,-0.3,1.5 --target 1,-1,-1",)),
    LossSpec("bce", BINARY, "binary_cross_entropy", _pt("nn.BCELoss"),
             "Binary cross entropy of probabilities (each log clamped at -100): binary classification after a sigmoid.",
             (_pred("Probabilities in [0, 1]"), _target("Targets in [0, 1], same shape as --pred."),
              Array("--weight", "weight", "Rescaling weight, broadcast to --pred's shape.", role="parameter", required=False)),
             details="Prefer bce-with-logits when you have logits: it is stable where the sigmoid saturates.",
             aliases=("BCELoss", "binary_cross_entropy"),
             examples=("losscli bce --pred 0.9,0.2,0.6 --target 1,0,1",)),
    LossSpec("soft-margin", BINARY, "soft_margin_loss", _pt("nn.SoftMarginLoss"),
             "Soft margin log(1 + exp(-target * pred)): binary classification with 1/-1 labels (logistic loss).",
             (_pred("Scores (logits)"), _target("1 or -1 per element, same shape as --pred.")),
             details="Evaluated as torch does, so float32 overflows to inf once -target * pred > 88.7.",
             broadcast=True, aliases=("SoftMarginLoss", "soft_margin_loss"),
             examples=("losscli soft-margin --pred 0.8,-0.3,1.5 --target 1,-1,-1",)),
    # --- multi-class classification -----------------------------------------------------------
    LossSpec("cross-entropy", MULTICLASS, "cross_entropy", _pt("nn.CrossEntropyLoss"),
             "Cross entropy of logits (log-softmax + NLL): multi-class classification.",
             (_pred("Logits (N,C), (N,C,d1,...) or (C)"),
              _target("Class indices (N,...), or class probabilities of --pred's shape.", labels=True), CLASS_WEIGHT),
             (IGNORE_INDEX, LABEL_SMOOTHING), grad="cross_entropy_backward", prepare="class_target",
             aliases=("CrossEntropyLoss", "cross_entropy", "ce"),
             examples=("losscli cross-entropy --pred samples/logits.csv --target samples/labels.csv",
                       "losscli cross-entropy --pred samples/logits.csv --target samples/labels.csv --label-smoothing 0.1")),
    LossSpec("nll", MULTICLASS, "nll_loss", _pt("nn.NLLLoss"),
             "Negative log likelihood of log-probabilities: multi-class classification after a log-softmax.",
             (_pred("Log-probabilities (N,C), (N,C,d1,...) or (C)"),
              _target("Class indices (N,...), or one index for a (C) --pred.", labels=True), CLASS_WEIGHT),
             (IGNORE_INDEX,), aliases=("NLLLoss", "nll_loss"),
             examples=("losscli nll --pred '-0.1,-2.5;-1.9,-0.2' --target 0,1",)),
    LossSpec("multi-margin", MULTICLASS, "multi_margin_loss", _pt("nn.MultiMarginLoss"),
             "Multi-class hinge (SVM) loss, the sum over i != y of max(0, margin - pred_y + pred_i)^p / C: margin classifiers.",
             (_pred("Scores (N,C) or (C)"), _target("Class indices (N), or one index for a (C) --pred.", labels=True),
              CLASS_WEIGHT),
             (Param("p", "int", 1, "Exponent of each hinge term: 1 or 2."),
              Param("margin", "float", 1.0, "Scores must beat the others by this much.")),
             details="Where torch is undefined (an empty batch: uninitialised memory), mean is nan and sum 0.",
             aliases=("MultiMarginLoss", "multi_margin_loss"),
             examples=("losscli multi-margin --pred samples/logits.csv --target samples/labels.csv",)),
    LossSpec("linear-cross-entropy", MULTICLASS, "linear_cross_entropy", _pt("nn.LinearCrossEntropyLoss"),
             "Cross entropy of a linear layer's logits, pred @ W.T + b: a classifier head, from features and its weights.",
             (_pred("Features (N,D) or (D) before the last linear layer"),
              Array("--linear-weight", "linear_weight", "The layer's weight (C,D), or (C,d1,...,D) for (N,C,d1,...) logits.",
                    role="parameter"),
              _target("Class indices (N,...), or class probabilities of the logits' shape.", labels=True),
              Array("--linear-bias", "linear_bias", "The layer's bias (C) or (C,d1,...).", role="parameter", required=False),
              CLASS_WEIGHT),
             (IGNORE_INDEX, LABEL_SMOOTHING),
             prepare="linear_target", aliases=("LinearCrossEntropyLoss", "linear_cross_entropy"),
             examples=("losscli linear-cross-entropy --pred '1,2;3,4' --linear-weight '0.5,-1;1,0.5;0,1' --target 0,2",)),
    # --- multi-label classification -----------------------------------------------------------
    LossSpec("multi-label-soft-margin", MULTILABEL, "multilabel_soft_margin_loss", _pt("nn.MultiLabelSoftMarginLoss"),
             "Multi-label soft margin: per sample, the mean over classes of BCE with logits; multi-label classification.",
             (_pred("Logits (N,C) or (C), classes on the last dim"),
              _target("Multi-hot labels (1 where the class applies, else 0), same shape as --pred."),
              Array("--weight", "weight", "Per-class weight (C), or one per element of --pred.", role="parameter",
                    required=False)),
             broadcast=True, prepare="multilabel_weight",
             aliases=("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss"),
             examples=("losscli multi-label-soft-margin --pred '0.8,-1.2,0.3;-0.5,2.0,0.1' --target '1,0,1;0,1,0'",)),
    LossSpec("multi-label-margin", MULTILABEL, "multilabel_margin_loss", _pt("nn.MultiLabelMarginLoss"),
             "Multi-label hinge: every listed class must outscore every other class by 1; multi-label ranking.",
             (_pred("Scores (N,C) or (C)"),
              _target("Each sample's class indices, padded with -1 to --pred's shape: '3,0,-1,-1'.", labels=True)),
             details="--target rows list class indices, then -1: torch reads each row up to its first -1, so a row "
                     "without -1 must list every class once, and a class listed twice is refused (torch counts it twice)."
                     "\n\nWhere torch is undefined (an empty batch: uninitialised memory), mean is nan and sum 0.",
             aliases=("MultiLabelMarginLoss", "multilabel_margin_loss"),
             examples=("losscli multi-label-margin --pred '0.1,0.2,0.4,0.8' --target '3,0,-1,1'",)),
    # --- similarity, ranking, metric learning --------------------------------------------------
    LossSpec("cosine-embedding", SIMILARITY, "cosine_embedding_loss", _pt("nn.CosineEmbeddingLoss"),
             "Cosine embedding: 1 - cos for similar pairs, max(0, cos - margin) for dissimilar ones.",
             (Array("--input1", "input1", f"First embeddings (N,D) or (D): {SOURCE_HELP}."),
              Array("--input2", "input2", "Second embeddings, same shape as --input1."),
              _target("1 (similar) or -1 (dissimilar), one per pair.")),
             (Param("margin", "float", 0.0, "Dissimilar pairs cost nothing below this cosine."),),
             grad="cosine_embedding_loss_backward", grad_of=("input1", "input2"), broadcast=True, prepare="pair_target",
             aliases=("CosineEmbeddingLoss", "cosine_embedding_loss"),
             examples=("losscli cosine-embedding --input1 samples/pairs.json:input1 --input2 samples/pairs.json:input2 "
                       "--target samples/pairs.json:target",)),
    LossSpec("hinge-embedding", SIMILARITY, "hinge_embedding_loss", _pt("nn.HingeEmbeddingLoss"),
             "Hinge embedding: the distance for similar pairs, max(0, margin - distance) for dissimilar ones.",
             (_pred("Distances between the pairs (e.g. L1)"), _target("1 (similar) or -1 (dissimilar), same shape as --pred.")),
             (Param("margin", "float", 1.0, "Dissimilar pairs cost nothing beyond this distance."),), broadcast=True,
             aliases=("HingeEmbeddingLoss", "hinge_embedding_loss"),
             examples=("losscli hinge-embedding --pred 0.3,1.2,0.5 --target 1,-1,-1",)),
    LossSpec("margin-ranking", RANKING, "margin_ranking_loss", _pt("nn.MarginRankingLoss"),
             "Margin ranking max(0, -target (input1 - input2) + margin): learning to rank pairs.",
             (Array("--input1", "input1", f"First scores (N) or (): {SOURCE_HELP}."),
              Array("--input2", "input2", "Second scores, same shape as --input1."),
              _target("1 where --input1 should rank higher, -1 where lower.")),
             (Param("margin", "float", 0.0, "The higher score must lead by this much."),), broadcast=True,
             aliases=("MarginRankingLoss", "margin_ranking_loss"),
             examples=("losscli margin-ranking --input1 0.8,0.3 --input2 0.5,0.6 --target 1,1",)),
    LossSpec("triplet-margin", METRIC, "triplet_margin_loss", _pt("nn.TripletMarginLoss"),
             "Triplet margin max(0, margin + d(anchor, positive) - d(anchor, negative)) with p-norms: metric learning.",
             (_ANCHOR, _POSITIVE, _NEGATIVE),
             (_TRIPLET_MARGIN, Param("p", "float", 2.0, "Norm of the distance ||a - b + eps||_p (inf for the max)."),
              Param("eps", "float", 1e-6, "Added to every component of a - b, as torch.pairwise_distance."), _SWAP),
             broadcast=True, aliases=("TripletMarginLoss", "triplet_margin_loss"),
             examples=(_TRIPLET_EXAMPLE.format("triplet-margin"),)),
    LossSpec("triplet-margin-with-distance", METRIC, "triplet_margin_with_distance_loss",
             _pt("nn.TripletMarginWithDistanceLoss"),
             "Triplet margin with a named distance (pairwise L2, cosine or L1): metric learning on other geometries.",
             (_ANCHOR, _POSITIVE, _NEGATIVE),
             (Param("distance", "str", "pairwise", "pairwise: torch.pairwise_distance (L2, eps 1e-6); cosine: 1 - "
                    "cosine similarity; l1: sum |a - b|.", choices=("pairwise", "cosine", "l1")),
              _TRIPLET_MARGIN, _SWAP),
             broadcast=True, aliases=("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss"),
             examples=(_TRIPLET_EXAMPLE.format("triplet-margin-with-distance") + " --distance cosine",)),
    # --- distributions ------------------------------------------------------------------------
    LossSpec("kl-div", DISTRIBUTIONS, "kl_div", _pt("nn.KLDivLoss"),
             "KL divergence KL(target || pred): distillation, matching distributions.",
             (_pred("Log-probabilities (or probabilities with --pred-probs)"),
              _target("Probabilities (log-probabilities with --log-target).")),
             (Param("log_target", "bool", False, "--target holds log-probabilities."),
              Param("pred_probs", "bool", False, "--pred holds probabilities: take their log first.")),
             details="mean divides by the number of elements, as torch does; the KL divergence per sample is "
                     "--reduction batchmean.",
             grad="kl_div_backward", reductions=("mean", "batchmean", "sum", "none"), broadcast=True,
             prepare="kl_div", aliases=("KLDivLoss", "kl_div"),
             examples=("losscli kl-div --pred samples/distributions.json:logp --target samples/distributions.json:q "
                       "-r batchmean",)),
    LossSpec("poisson-nll", DISTRIBUTIONS, "poisson_nll_loss", _pt("nn.PoissonNLLLoss"),
             "Poisson negative log likelihood of counts given (log-)rates: count regression (events, clicks, photons).",
             (_pred("Log-rates (rates with --no-log-input)"), _target("Observed counts (>= 0), same shape as --pred.")),
             (Param("log_input", "bool", True, "--pred holds log-rates: loss exp(pred) - target * pred.",
                    flag="--log-input/--no-log-input"),
              Param("full", "bool", False, "Add the Stirling term of log(target!) where target > 1."),
              Param("eps", "float", 1e-8, "Added to the rate before its log (--no-log-input).")),
             broadcast=True, aliases=("PoissonNLLLoss", "poisson_nll_loss"),
             examples=("losscli poisson-nll --pred 0.5,1.2,-0.3 --target 2,3,0",)),
    LossSpec("gaussian-nll", DISTRIBUTIONS, "gaussian_nll_loss", _pt("nn.GaussianNLLLoss"),
             "Gaussian negative log likelihood 0.5 (log var + (pred - target)² / var): regression that predicts its "
             "own uncertainty.",
             (_pred("Predicted means"), _target("Observations, same shape as --pred."),
              Array("--var", "var", "Predicted variances (>= 0): --pred's shape, one fewer dim, a size-1 dim, or one number.")),
             (Param("full", "bool", False, "Add the constant 0.5 log(2 pi)."),
              Param("eps", "float", 1e-6, "Variances are clamped to at least this.")),
             broadcast=True, prepare="scalar_var", aliases=("GaussianNLLLoss", "gaussian_nll_loss"),
             examples=("losscli gaussian-nll --pred 1.0,2.0 --target 1.5,1.8 --var 0.5,0.2",)),
    # --- sequences ----------------------------------------------------------------------------
    LossSpec("ctc", SEQUENCES, "ctc_loss", _pt("nn.CTCLoss"),
             "Connectionist temporal classification: speech and handwriting recognition, sequences without alignments.",
             (Array("--log-probs", "log_probs", f"Log-probabilities (T,N,C), or (T,C) for one sequence: {SOURCE_HELP}."),
              Array("--targets", "targets", "Labels: padded (N,S), concatenated (sum of --target-lengths), or (S).",
                    labels=True),
              Array("--input-lengths", "input_lengths", "Frames used per sequence (N), each <= T.", labels=True),
              Array("--target-lengths", "target_lengths", "Labels per sequence (N).", labels=True)),
             (Param("blank", "int", 0, "Class index of the blank label."),
              Param("zero_infinity", "bool", False, "Impossible alignments cost 0 instead of inf.")),
             details="mean divides each sequence's loss by its target length, then averages, as torch does.\n\n"
                     "Labels must lie in [0, C) and differ from --blank (torch leaves other values undefined); padding "
                     "after a sequence's target length may hold anything.",
             row_wise=False, columns=(("input-lengths", "input_length"), ("target-lengths", "target_length")),
             aliases=("CTCLoss", "ctc_loss"),
             examples=("losscli ctc --log-probs samples/ctc.json:log_probs --targets samples/ctc.json:targets "
                       "--input-lengths samples/ctc.json:input_lengths --target-lengths samples/ctc.json:target_lengths",)),
)


def _library_specs() -> tuple[LossSpec, ...]:
    try:
        from .library_specs import SPECS as more
    except ModuleNotFoundError:
        return ()
    return tuple(more)


SPECS = SPECS + _library_specs()
BY_NAME: dict[str, LossSpec] = {s.name: s for s in SPECS}
ALIASES: dict[str, str] = {alias: s.name for s in SPECS for alias in s.aliases}


def spec(name: str) -> LossSpec:
    """The loss called `name` (a command or one of its aliases)."""
    return BY_NAME[ALIASES.get(name, name)]


# How core error messages name arguments on the command line ({input} -> --pred), derived.
def option_names(s: LossSpec) -> dict[str, str]:
    names = {a.arg: a.flag for a in s.arrays}
    names.update((p.name, p.option) for p in s.params)
    names.update(pred_probs="--pred-probs", reduction="--reduction")
    return names


__all__ = ["ALIASES", "Array", "BY_NAME", "LossSpec", "Param", "SPECS", "TASKS", "option_names", "spec"]
