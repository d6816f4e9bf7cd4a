"""One declaration per loss users know from Keras 3, optax, scikit-learn and torchvision: the
command, its task group, its core function in losscli.functional, its arrays and
hyperparameters, and examples on the files in samples/. The registry reads SPECS; nothing
heavy is imported here."""

from .registry import Array, LossSpec, Param

_SAMPLE_WEIGHT_KERAS = Array(
    "--sample-weight", "sample_weight", "One weight per sample (N,); the mean is sum(w * loss) / N, as Keras's.",
    role="sample", required=False,
)
_SAMPLE_WEIGHT_SKLEARN = Array(
    "--sample-weight", "sample_weight", "One weight per sample (N,); the mean is sum(w * loss) / sum(w), as scikit-learn's.",
    role="sample", required=False,
)
_CLASS_LABELS = Array(
    "--labels", "labels", "All the class labels, when --target does not show every one (scikit-learn's labels).",
    role="parameter", required=False, labels=True,
)
_ARGS_ORDER = "Arrays go in as --pred and --target; the reference takes (y_true, y_pred)."
_BOX_PRED = Array("--pred", "input", "Predicted boxes (N, 4) as x1, y1, x2, y2 with x1 <= x2 and y1 <= y2.")
_BOX_TARGET = Array("--target", "target", "True boxes (N, 4), the same layout (the loss is symmetric).")
_BOX_EPS = Param("eps", "float", 1e-7, "The small number in the denominators (torchvision's 1e-7).", min=0.0)
_BOX_DETAILS = (
    "torchvision's default reduction is 'none', losscli's 'mean'; as torchvision, the mean of no boxes is 0. "
    "Boxes with x2 < x1 or y2 < y1 are refused."
)


def _boxes(name: str, core: str, function: str, summary: str, details: str) -> LossSpec:
    return LossSpec(
        name=name,
        task="Object detection",
        core=core,
        reference=f"torchvision torchvision.ops.{function}",
        summary=summary,
        details=f"{details} {_BOX_DETAILS}",
        arrays=(_BOX_PRED, _BOX_TARGET),
        params=(_BOX_EPS,),
        row_wise=True,
        examples=(
            f"losscli {name} --pred samples/boxes.csv:px1,py1,px2,py2 --target samples/boxes.csv:tx1,ty1,tx2,ty2",
        ),
    )


SPECS = (
    # --- Keras 3 -------------------------------------------------------------------------------
    LossSpec(
        name="categorical-hinge",
        task="Multi-class classification",
        core="categorical_hinge",
        reference="Keras 3 keras.losses.CategoricalHinge",
        summary="Categorical hinge max(0, 1 + max_c (1 - y_c) x_c - sum_c y_c x_c) on one-hot targets.",
        details=f"One loss per sample (per row of --pred). {_ARGS_ORDER}",
        arrays=(
            Array("--pred", "input", "Class scores (N, C)."),
            Array("--target", "target", "One-hot targets (N, C), 0/1 (or -1/1)."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(),
        row_wise=True,
        examples=("losscli categorical-hinge --pred samples/classes.json:scores --target samples/classes.json:onehot",),
    ),
    LossSpec(
        name="cosine-similarity",
        task="Similarity",
        core="cosine_similarity",
        reference="Keras 3 keras.losses.CosineSimilarity",
        summary="Minus the cosine between prediction and target: -1 when they point the same way.",
        details=(
            "Keras's loss is -cos, not torch's 1 - cos, and a zero vector gives 0; norms are bounded below by 1e-7. "
            f"--axis may not be 0 (the samples). {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted vectors (N, D)."),
            Array("--target", "target", "Target vectors, the same shape."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(Param("axis", "int", -1, "The axis of the vectors (Keras's axis); not 0, the samples."),),
        row_wise=True,
        examples=("losscli cosine-similarity --pred samples/vectors.json:pred --target samples/vectors.json:target",),
    ),
    LossSpec(
        name="poisson",
        task="Regression",
        core="poisson",
        reference="Keras 3 keras.losses.Poisson",
        summary="Keras's Poisson loss pred - target * log(pred + 1e-7), averaged over the last axis.",
        details=(
            "Unlike torch's poisson-nll (log_input false), the epsilon is Keras's 1e-7 and no Stirling term is added; "
            f"the loss can be negative. A 1-D --pred is N samples of one output. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted rates (>= 0), (N,) or (N, D)."),
            Array("--target", "target", "Observed counts, the same shape."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli poisson --pred samples/counts.csv:rate --target samples/counts.csv:count",
            "losscli poisson --pred samples/counts.csv:rate --target samples/counts.csv:count --sample-weight samples/counts.csv:weight",
        ),
    ),
    LossSpec(
        name="binary-focal-crossentropy",
        task="Binary classification",
        core="binary_focal_crossentropy",
        reference="Keras 3 keras.losses.BinaryFocalCrossentropy",
        summary="Keras's focal loss (1 - p_t)^gamma BCE on probabilities (or logits), for class imbalance.",
        details=(
            "BCE clips p to [1e-7, 1 - 1e-7] (Keras's epsilon), the focal factor uses p unclipped; labels are smoothed "
            "toward 0.5. Unlike the focal command (torchvision, logits, alpha always applied), alpha applies only with "
            f"--apply-class-balancing. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted probabilities (logits with --from-logits), (N,) or (N, D)."),
            Array("--target", "target", "Labels in [0, 1], the same shape."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(
            Param("apply_class_balancing", "bool", False, "Weigh by alpha for class 1 and 1 - alpha for class 0."),
            Param("alpha", "float", 0.25, "The class-1 weight with --apply-class-balancing.", min=0.0, max=1.0),
            Param("gamma", "float", 2.0, "The focusing exponent; 0 is plain BCE.", min=0.0),
            Param("from_logits", "bool", False, "--pred holds logits (a sigmoid is applied)."),
            Param("label_smoothing", "float", 0.0, "Squeeze labels toward 0.5: y (1 - s) + s / 2.", min=0.0, max=1.0),
        ),
        row_wise=True,
        examples=(
            "losscli binary-focal-crossentropy --pred samples/binary_scores.csv:prob --target samples/binary_scores.csv:label",
            "losscli binary-focal-crossentropy --pred samples/binary_scores.csv:logit --target samples/binary_scores.csv:label "
            "--from-logits --apply-class-balancing",
        ),
    ),
    LossSpec(
        name="categorical-focal-crossentropy",
        task="Multi-class classification",
        core="categorical_focal_crossentropy",
        reference="Keras 3 keras.losses.CategoricalFocalCrossentropy",
        summary="Keras's multi-class focal loss sum_c -alpha (1 - p_c)^gamma y_c log p_c.",
        details=(
            "Keras's surprise, followed: each row of --pred is divided by its sum first, so unnormalised scores are "
            "silently rescaled (use --from-logits for logits); probabilities are clipped to [1e-7, 1 - 1e-7]. "
            f"alpha is one number. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Class probabilities (N, C) (logits with --from-logits)."),
            Array("--target", "target", "One-hot or soft targets (N, C)."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(
            Param("alpha", "float", 0.25, "The weight of every class."),
            Param("gamma", "float", 2.0, "The focusing exponent; 0 is alpha times cross-entropy.", min=0.0),
            Param("from_logits", "bool", False, "--pred holds logits (a softmax is applied)."),
            Param("label_smoothing", "float", 0.0, "Smooth targets to y (1 - s) + s / C.", min=0.0, max=1.0),
        ),
        row_wise=True,
        examples=("losscli categorical-focal-crossentropy --pred samples/classes.json:probs --target samples/classes.json:onehot",),
    ),
    LossSpec(
        name="dice",
        task="Segmentation",
        core="dice",
        reference="Keras 3 keras.losses.Dice",
        summary="Dice loss 1 - 2|A∩B| / (|A| + |B|): segmentation overlap.",
        details=(
            "Without --axis the sums run over every element: one number for the batch. With --axis (one integer; Keras "
            "takes a tuple) one loss per remaining position, averaged; --sample-weight needs an --axis other than 0. "
            f"1e-7 is added to the denominator. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted probabilities, any shape."),
            Array("--target", "target", "Ground truth in [0, 1], same shape as --pred."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(Param("axis", "int", None, "Axis of the per-sample reduction (Keras's axis)."),),
        row_wise=False,
        examples=(
            "losscli dice --pred samples/masks.json:pred --target samples/masks.json:target",
            "losscli dice --pred samples/masks.json:pred --target samples/masks.json:target --axis 2",
        ),
    ),
    LossSpec(
        name="tversky",
        task="Segmentation",
        core="tversky",
        reference="Keras 3 keras.losses.Tversky",
        summary="Tversky loss 1 - TP / (TP + alpha FN + beta FP): Dice with weighted misses.",
        details=(
            "Keras's surprise, followed: its docs say alpha weighs false positives, but alpha multiplies "
            "sum((1 - pred) target), the missed positives, and beta sum(pred (1 - target)). alpha = beta = 0.5 is Dice. "
            f"--axis as dice's. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted probabilities, any shape."),
            Array("--target", "target", "Ground truth in [0, 1], same shape as --pred."),
            _SAMPLE_WEIGHT_KERAS,
        ),
        params=(
            Param("alpha", "float", 0.5, "Weight of sum((1 - pred) target), the missed positives (Keras's 'fp')."),
            Param("beta", "float", 0.5, "Weight of sum(pred (1 - target)), the false positives (Keras's 'fn')."),
            Param("axis", "int", None, "Axis of the per-sample reduction (Keras's axis)."),
        ),
        row_wise=False,
        examples=("losscli tversky --pred samples/masks.json:pred --target samples/masks.json:target --alpha 0.7 --beta 0.3",),
    ),
    LossSpec(
        name="circle",
        task="Metric learning",
        core="circle",
        reference="Keras 3 keras.losses.Circle",
        summary="Circle loss over a batch of L2-normalised embeddings and their integer labels.",
        details=(
            "As Keras, the embeddings are not normalised here (normalise them first); every pair of the batch enters; "
            "rows without a positive (or a negative) have loss 0 and the mean divides by the rows with a loss > 0."
        ),
        arrays=(
            Array("--pred", "input", "L2-normalised embeddings (N, D)."),
            Array("--target", "target", "Integer labels (N,); equal labels are positives.", labels=True),
            Array("--sample-weight", "sample_weight", "One weight per embedding (N,).", role="sample", required=False),
        ),
        params=(
            Param("gamma", "float", 80.0, "The scale of the similarities (Keras's 80).", min=0.0),
            Param("margin", "float", 0.4, "The relaxation margin (Keras's 0.4)."),
            Param("remove_diagonal", "bool", True, "Leave each embedding's pair with itself out of its positives."),
        ),
        row_wise=False,
        examples=("losscli circle --pred samples/embeddings.json:embeddings --target samples/embeddings.json:labels",),
    ),
    # --- optax ---------------------------------------------------------------------------------
    LossSpec(
        name="poly-loss",
        task="Multi-class classification",
        core="poly_loss_cross_entropy",
        reference="optax optax.losses.poly_loss_cross_entropy",
        summary="Poly-1 loss: softmax cross-entropy + epsilon * (1 - p_target).",
        details="optax returns per-sample losses; --reduction mean is their mean. Arrays go in as logits (--pred) and labels.",
        arrays=(
            Array("--pred", "input", "Logits (N, C)."),
            Array("--target", "target", "Target distributions (N, C): one-hot or soft."),
        ),
        params=(Param("epsilon", "float", 2.0, "The first polynomial coefficient (2 for ImageNet, -1 for detection)."),),
        row_wise=True,
        examples=("losscli poly-loss --pred samples/classes.json:scores --target samples/classes.json:onehot",),
    ),
    LossSpec(
        name="ntxent",
        task="Metric learning",
        core="ntxent",
        reference="optax optax.losses.ntxent",
        summary="NT-Xent (SimCLR): a softmax over cosine similarities, averaged over positive pairs.",
        details="Embeddings with equal labels are positive pairs; without any pair the loss is NaN (0 / 0), as optax's.",
        arrays=(
            Array("--pred", "input", "Embeddings (N, D), normalised inside."),
            Array("--target", "target", "Labels (N,); equal labels are positive pairs.", labels=True),
        ),
        params=(Param("temperature", "float", 0.07, "The temperature dividing the similarities.", min=0.0),),
        row_wise=False,
        examples=("losscli ntxent --pred samples/embeddings.json:embeddings --target samples/embeddings.json:labels --temperature 0.5",),
    ),
    LossSpec(
        name="sparsemax",
        task="Multi-class classification",
        core="sparsemax_loss",
        reference="optax optax.losses.sparsemax_loss / multiclass_sparsemax_loss",
        summary="Sparsemax loss: the Fenchel-Young loss whose prediction is sparsemax, binary or multiclass.",
        details=(
            "Binary (optax's sparsemax_loss) when --pred and --target have one shape, target 0/1; multiclass "
            "(multiclass_sparsemax_loss) for (N, C) scores with (N,) class indices."
        ),
        arrays=(
            Array("--pred", "input", "Scores: any shape (binary) or (N, C) (multiclass)."),
            Array("--target", "target", "0/1 labels of --pred's shape, or (N,) class indices.", labels=True),
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli sparsemax --pred samples/classes.json:scores --target samples/classes.json:labels",
            "losscli sparsemax --pred samples/binary_scores.csv:logit --target samples/binary_scores.csv:label",
        ),
    ),
    LossSpec(
        name="perceptron",
        task="Multi-class classification",
        core="perceptron_loss",
        reference="optax optax.losses.perceptron_loss / multiclass_perceptron_loss",
        summary="Perceptron loss max(0, -x y), or max_c x_c - x_label for class scores.",
        details=(
            "Binary (optax's perceptron_loss) when --pred and --target have one shape, target -1/1; multiclass "
            "(multiclass_perceptron_loss) for (N, C) scores with (N,) class indices."
        ),
        arrays=(
            Array("--pred", "input", "Scores: any shape (binary) or (N, C) (multiclass)."),
            Array("--target", "target", "-1/1 labels of --pred's shape, or (N,) class indices.", labels=True),
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli perceptron --pred samples/classes.json:scores --target samples/classes.json:labels",
            "losscli perceptron --pred samples/binary_scores.csv:logit --target samples/binary_scores.csv:sign",
        ),
    ),
    LossSpec(
        name="multiclass-hinge",
        task="Multi-class classification",
        core="multiclass_hinge_loss",
        reference="optax optax.losses.multiclass_hinge_loss",
        summary="Crammer-Singer hinge max_c (x_c + 1 - [c = label]) - x_label on class scores.",
        details="torch's multi-margin averages the margins over classes; this takes their maximum.",
        arrays=(
            Array("--pred", "input", "Class scores (N, C)."),
            Array("--target", "target", "Class indices (N,) in [0, C).", labels=True),
        ),
        params=(),
        row_wise=True,
        examples=("losscli multiclass-hinge --pred samples/classes.json:scores --target samples/classes.json:labels",),
    ),
    LossSpec(
        name="convex-kl-div",
        task="Distributions",
        core="convex_kl_divergence",
        reference="optax optax.losses.convex_kl_divergence",
        summary="Generalised KL sum y (log y - x) + exp(x) - y for unnormalised distributions.",
        details=(
            "--pred holds log-predictions (as kl-div's input); y log y is 0 where y = 0. optax 0.2.8 deprecates the "
            "name for generalized_kl_divergence, the same function."
        ),
        arrays=(
            Array("--pred", "input", "Log-predictions (N, C)."),
            Array("--target", "target", "Target probabilities (N, C), >= 0."),
        ),
        params=(),
        row_wise=True,
        examples=("losscli convex-kl-div --pred samples/classes.json:log_pred --target samples/classes.json:dist",),
    ),
    LossSpec(
        name="ranking-softmax",
        task="Ranking",
        core="ranking_softmax_loss",
        reference="optax optax.losses.ranking_softmax_loss",
        summary="Listwise softmax cross-entropy -sum_i y_i log softmax(s)_i over each list of items.",
        details=(
            "Each row is one list. Items where --where is 0 are left out; a list with no item left has loss 0 and is "
            "not counted by the mean (0 when no list is left, as optax's). --weights multiply the labels."
        ),
        arrays=(
            Array("--pred", "input", "Item scores (N, L): one list per row."),
            Array("--target", "target", "Relevance labels (N, L)."),
            Array("--where", "where", "Which items count (N, L), 1/0 or true/false.", role="sample", required=False),
            Array("--weights", "weights", "Per-item weights (N, L).", role="sample", required=False),
        ),
        params=(),
        row_wise=False,
        examples=(
            "losscli ranking-softmax --pred samples/ranking.json:scores --target samples/ranking.json:relevance",
            "losscli ranking-softmax --pred samples/ranking.json:scores --target samples/ranking.json:relevance "
            "--where samples/ranking.json:where",
        ),
    ),
    # --- scikit-learn --------------------------------------------------------------------------
    LossSpec(
        name="log-loss",
        task="Multi-class classification",
        core="log_loss",
        reference="scikit-learn sklearn.metrics.log_loss",
        summary="Log loss -log p_true on predicted probabilities and class labels.",
        details=(
            "Classes are the sorted --labels or the sorted values of --target; an (N,) --pred is the probability of "
            "the greater of two classes. Probabilities are clipped to [eps, 1 - eps] with the dtype's machine "
            f"epsilon (torch's BCE clamps the log at -100 instead); rows not summing to 1 are used as given. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Probabilities (N, C), or (N,) for the greater of two classes."),
            Array("--target", "target", "True class labels (N,).", labels=True),
            _CLASS_LABELS,
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(Param("normalize", "bool", True, "False: the (weighted) sum instead of the mean (scikit-learn's normalize)."),),
        row_wise=False,
        examples=(
            "losscli log-loss --pred samples/classes.json:probs --target samples/classes.json:labels",
            "losscli log-loss --pred samples/binary_scores.csv:prob --target samples/binary_scores.csv:label "
            "--sample-weight samples/binary_scores.csv:weight",
        ),
    ),
    LossSpec(
        name="brier",
        task="Binary classification",
        core="brier_score_loss",
        reference="scikit-learn sklearn.metrics.brier_score_loss",
        summary="Brier score: the mean squared difference between predicted probabilities and outcomes.",
        details=(
            "Binary for an (N,) --pred (the probability of --pos-label, which defaults to 1 for 0/1 and -1/1 targets, "
            "else to the greater label); multiclass for (N, C), summing over classes (range [0, 2]). "
            f"--scale-by-half auto halves it for fewer than 3 classes, as scikit-learn 1.7+. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Probabilities of the positive class (N,), or class probabilities (N, C)."),
            Array("--target", "target", "True class labels (N,).", labels=True),
            _CLASS_LABELS,
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(
            Param("pos_label", "float", None, "The positive class of a binary target."),
            Param("scale_by_half", "str", "auto", "Halve the score: auto (for < 3 classes), true or false.",
                  choices=("auto", "true", "false")),
        ),
        row_wise=False,
        examples=(
            "losscli brier --pred samples/binary_scores.csv:prob --target samples/binary_scores.csv:label",
            "losscli brier --pred samples/classes.json:probs --target samples/classes.json:labels",
        ),
    ),
    LossSpec(
        name="poisson-deviance",
        task="Regression",
        core="mean_poisson_deviance",
        reference="scikit-learn sklearn.metrics.mean_poisson_deviance",
        summary="Mean Poisson deviance 2 (y log(y / p) - y + p) for counts.",
        details=f"Needs predictions > 0 and targets >= 0; one output per sample. {_ARGS_ORDER}",
        arrays=(
            Array("--pred", "input", "Predicted means (N,), > 0."),
            Array("--target", "target", "Observed counts (N,), >= 0."),
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli poisson-deviance --pred samples/counts.csv:rate --target samples/counts.csv:count "
            "--sample-weight samples/counts.csv:weight",
        ),
    ),
    LossSpec(
        name="gamma-deviance",
        task="Regression",
        core="mean_gamma_deviance",
        reference="scikit-learn sklearn.metrics.mean_gamma_deviance",
        summary="Mean Gamma deviance 2 (log(p / y) + y / p - 1) for positive amounts.",
        details=f"Needs predictions and targets > 0; scale-free: p and y scaled together keep it. {_ARGS_ORDER}",
        arrays=(
            Array("--pred", "input", "Predicted means (N,), > 0."),
            Array("--target", "target", "Observed amounts (N,), > 0."),
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(),
        row_wise=True,
        examples=("losscli gamma-deviance --pred samples/counts.csv:rate --target samples/counts.csv:amount",),
    ),
    LossSpec(
        name="zero-one",
        task="Multi-class classification",
        core="zero_one_loss",
        reference="scikit-learn sklearn.metrics.zero_one_loss",
        summary="Zero-one loss: the fraction of samples predicted wrong (1 - accuracy) from predicted labels.",
        details=(
            "--pred holds predicted labels, not scores. For an (N, L) multilabel indicator a sample is wrong unless all "
            f"its labels are right. scikit-learn's normalize=False is --reduction sum. {_ARGS_ORDER}"
        ),
        arrays=(
            Array("--pred", "input", "Predicted labels (N,) or a 0/1 indicator (N, L).", labels=True),
            Array("--target", "target", "True labels, the same shape.", labels=True),
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli zero-one --pred samples/predicted_labels.csv:predicted --target samples/predicted_labels.csv:true",
            "losscli zero-one --pred samples/predicted_labels.csv:tag_a,tag_b,tag_c "
            "--target samples/predicted_labels.csv:true_a,true_b,true_c",
        ),
    ),
    LossSpec(
        name="hamming",
        task="Multi-label classification",
        core="hamming_loss",
        reference="scikit-learn sklearn.metrics.hamming_loss",
        summary="Hamming loss: the fraction of labels predicted wrong, from predicted labels.",
        details=f"For (N,) labels it equals zero-one; for an (N, L) indicator it averages over the L labels too. {_ARGS_ORDER}",
        arrays=(
            Array("--pred", "input", "Predicted labels (N,) or a 0/1 indicator (N, L).", labels=True),
            Array("--target", "target", "True labels, the same shape.", labels=True),
            _SAMPLE_WEIGHT_SKLEARN,
        ),
        params=(),
        row_wise=True,
        examples=(
            "losscli hamming --pred samples/predicted_labels.csv:tag_a,tag_b,tag_c "
            "--target samples/predicted_labels.csv:true_a,true_b,true_c --sample-weight samples/predicted_labels.csv:weight",
        ),
    ),
    # --- torchvision ---------------------------------------------------------------------------
    _boxes("giou", "generalized_box_iou_loss", "generalized_box_iou_loss",
           "Generalized IoU loss 1 - IoU + (|C| - |A∪B|) / |C| for (x1, y1, x2, y2) boxes.",
           "C is the smallest box enclosing both; the loss is 1 for boxes that touch, up to 2 for far ones."),
    _boxes("diou", "distance_box_iou_loss", "distance_box_iou_loss",
           "Distance IoU loss 1 - IoU + d^2 / c^2: IoU plus the normalised distance of the centers.",
           "d is the distance between the centers, c the diagonal of the smallest enclosing box."),
    _boxes("ciou", "complete_box_iou_loss", "complete_box_iou_loss",
           "Complete IoU loss: DIoU plus an aspect-ratio term alpha v.",
           "v = 4 / pi^2 (atan(w_t / h_t) - atan(w_p / h_p))^2, alpha = v / (1 - IoU + v + eps); eps enters where "
           "torchvision's does (the union, the diagonal, alpha), not the aspect ratios."),
)
