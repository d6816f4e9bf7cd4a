"""The engine: an Invocation in, one immutable Result out. No Typer here.

    from losscli.engine import Invocation, run
    run(Invocation("mse", {"pred": "p.csv:yhat", "target": "p.csv:y"})).value

Every run goes the same way: the per-sample inputs arrive as blocks of rows (one block when
the input is small, decided from metadata by losscli.stream), each block goes through
--nan-policy, the dtype cast and the core with reduction="parts", and the blocks' partial
results (the reduction's sum and denominator, the running top K, histogram counts, gate
tallies, per-element rows spooled to a temporary file) are merged into one Result. The command
line, `losscli check`, the library and any distributed runner call `run`.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

import numpy as np

from . import registry
from .errors import InputError, LossCliError, LossWarning, UsageError
from .registry import LossSpec

STREAM_BYTES = 4 << 20  # inputs this large are computed a block of rows at a time, in bounded memory
HIST_BINS = 10


@dataclass(frozen=True)
class Invocation:
    """One loss computation: the loss (command or alias), its array SOURCEs by key (the option
    without dashes: "pred", "linear-weight"), its hyperparameters by core name, and settings."""

    loss: str
    sources: Mapping[str, str]
    params: Mapping[str, object] = field(default_factory=dict)
    reduction: str = "mean"
    dtype: str = "float64"
    nan_policy: str = "propagate"
    delimiter: str | None = None
    broadcast: bool = False
    grad: bool = False
    top: int | None = None  # the K largest per-element losses, with their index and inputs
    hist: bool = False  # a histogram of the per-element losses
    gates: object = None  # checks.Gates: evaluated on every element when reduction is none
    progress: Callable | None = None  # progress(done, total) while a large input is read
    ci: float | None = None  # a confidence interval at this level over the samples (losscli.stats)
    ci_method: str = "analytic"  # "analytic" (t, or delta for ratio means) or "bootstrap"
    resamples: int = 1000  # bootstrap resamples
    seed: int = 0  # the bootstrap's key
    sample_offset: int = 0  # the global index of the first sample (a shard's place in the whole set)
    keep_samples: bool = False  # keep each sample's (loss, weight) in the Result (losscli compare pairs them)
    # each block's (row offset, per-element losses, the inputs beside them) as computed: how a
    # distributed task (losscli.distributed) takes --hist's bounds and counts over a whole dataset
    on_block: Callable | None = None
    by: str | None = None  # --by: group the samples by this SOURCE's keys ("target": the target's values)
    # the part of every per-sample file read: a distributed task's rows of one large file
    # (stream.row_blocks' WINDOW); stream.WindowRefused where that part cannot be read alone
    window: tuple | None = None


def run(inv: Invocation, sources=None, baseline: str | None = None):
    """Compute `inv`; a LossCliError (exit 2) for anything the user can fix. With `baseline`
    (losscli compare), a second --pred SOURCE read in step with the others, so that the inputs
    both models share are read once: (Result of inv, Result with --pred baseline, and with
    keep_samples each sample's (loss difference, weight) rows)."""
    from .inputs import Sources

    spec = _checked(inv)
    sources = sources or Sources(delimiter=inv.delimiter)
    text_keys = None
    if inv.by is not None and inv.by != "target" and inv.delimiter is None:
        from .slices import text_keys as read_text_keys
        from .slices import words_ahead

        if words_ahead(inv.by, STREAM_BYTES):  # a large file's keys are words: read them as text at once
            text_keys = read_text_keys(sources, inv.by, streamed=True)
    while True:
        try:
            try:
                return _run(spec, inv, sources, in_blocks=True, text_keys=text_keys, baseline=baseline)
            except _BlockError as e:
                if inv.window is not None:  # the positions need the whole file: its caller reads it
                    from .stream import WindowRefused

                    raise WindowRefused(str(e)) from None
                if not _rereadable(inv):  # a pipe is read once: say where its block starts
                    raise e.error from None
            # the core refused a block of a file: the whole input names the position in the whole
            return _run(spec, inv, sources, in_blocks=False, text_keys=text_keys, baseline=baseline)
        except InputError as e:
            # --by's keys are words (a domain, a class name): read them as text, whole, and run again
            words = ("is not a number", "not inline numbers", "not numbers")
            if text_keys is not None or not str(e).startswith("--by: ") or not any(w in str(e) for w in words):
                raise
            from .slices import text_keys as read_text_keys

            text_keys = read_text_keys(sources, inv.by, streamed=_rereadable(inv), refused=e)


class _BlockError(Exception):
    """The core refused a block of rows after the first: its positions count from the block."""

    def __init__(self, error: LossCliError, offset: int) -> None:
        super().__init__(str(error))
        note = f" (positions count from row {offset} of the input)"
        self.error = type(error)(error.template + note)


def _rereadable(inv: Invocation) -> bool:
    import os

    from .inputs import _split_source

    paths = [_split_source(s)[0] for s in inv.sources.values() if s is not None]
    return all(p not in (None, "-") and os.path.isfile(p) for p in paths)


def _run(spec: LossSpec, inv: Invocation, sources, in_blocks: bool, text_keys=None, baseline: str | None = None):
    functional = _functional()
    core = getattr(functional, spec.core)
    given = [a for a in spec.arrays if inv.sources.get(a.key) is not None]
    fixed = {a.arg: _cast(sources.load(a.flag, inv.sources[a.key]), a, inv) for a in given if a.role == "parameter"}
    per_sample = {a.flag: inv.sources[a.key] for a in given if a.role == "sample"}
    slicer = None
    if inv.by is not None:
        from .slices import Slicer

        slicer = Slicer(spec, inv)
        if text_keys is not None:
            slicer.preload(text_keys)
        if slicer.source() is not None:
            per_sample["--by"] = slicer.source()  # read with the other per-sample inputs, in the same blocks
    if baseline is not None:
        per_sample["--baseline"] = baseline
    blocks, streamed = _blocks(spec, inv, per_sample, sources, in_blocks)
    acc = _Accumulator(spec, inv, streamed, slicer)
    if baseline is not None:
        blocks = _paired(spec, inv, blocks)
        acc = _Pair(acc, _Accumulator(spec, inv, streamed))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LossWarning)
        for offset, block in blocks:
            if slicer is not None:
                block = slicer.attach(block, offset, streamed)
            arrays, dropped = _policy(spec, inv, block, offset)
            codes = arrays.pop("--by", None)
            arrays = {a.flag: _cast(arrays[a.flag], a, inv) for a in given if a.flag in arrays}
            raw = dict(arrays)
            _same_shape(spec, inv, arrays)
            inputs = {a.arg: arrays[a.flag] for a in given if a.flag in arrays} | fixed
            try:
                kwargs, params, grad_map = PREPARE.get(spec.prepare, _plain)(dict(inputs), dict(inv.params), inv)
                parts = _parts(functional, core, kwargs, params, inv.reduction)
            except LossCliError as e:
                if offset:
                    raise _BlockError(e, offset) from None
                raise
            grads = None
            if inv.grad and acc.whole:
                grads = _gradient(spec, functional, kwargs, params, inv.reduction, None, grad_map)
            weights = _sample_weights(spec, kwargs, params) if acc.moments is not None or slicer else None
            acc.add(parts, raw, grads, dropped, inputs if inv.grad and not acc.whole else None, weights, codes)
    if slicer is not None:
        slicer.finish()
    messages = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, LossWarning)))

    def gradient_of(inputs: dict, denominator: float) -> dict:  # a spooled block's rows of the gradient
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LossWarning)  # said once already, above
            kwargs, params, grad_map = PREPARE.get(spec.prepare, _plain)(dict(inputs), dict(inv.params), inv)
            return _gradient(spec, functional, kwargs, params, inv.reduction, denominator, grad_map)

    return acc.result(messages, gradient_of)


def _paired(spec: LossSpec, inv: Invocation, blocks: Iterator) -> Iterator:
    """Each block twice, for losscli compare: the model's rows, then the same rows with the
    baseline's as --pred (_Pair's accumulators take them in turn). --nan-policy applies to the
    block first, so that a sample dropped for one model is dropped for both."""
    for offset, block in blocks:
        block, _ = _policy(spec, inv, block, offset)
        if block["--baseline"].shape != block["--pred"].shape:
            raise UsageError(f"--baseline has shape {shape_text(block['--baseline'].shape)} but --pred has "
                             f"{shape_text(block['--pred'].shape)}: the two models must give the same samples")
        baseline = dict(block)
        baseline["--pred"] = baseline.pop("--baseline")
        yield offset, {flag: a for flag, a in block.items() if flag != "--baseline"}
        yield offset, baseline


class _Pair:
    """Two accumulators fed in turn (the model's block, then the baseline's). With keep_samples,
    each block's per-sample values are paired as they come, (model - baseline, weight), and not
    kept twice. result(): (the model's Result, the baseline's, the pairs or None)."""

    def __init__(self, model: "_Accumulator", baseline: "_Accumulator") -> None:
        self.accs, self.turn, self.pairs = (model, baseline), 0, []

    def __getattr__(self, name):  # whole, moments: the same for both
        return getattr(self.accs[0], name)

    def add(self, *args, **kwargs) -> None:
        self.accs[self.turn].add(*args, **kwargs)
        self.turn = 1 - self.turn
        model, baseline = (a.kept for a in self.accs)
        if self.turn == 0 and model:  # both blocks are in
            a, b = model.pop(), baseline.pop()
            if a.shape[1] == 2 and not np.array_equal(a[:, 1], b[:, 1]):
                raise UsageError("the two models' samples weigh differently; compare needs the same targets")
            a[:, 0] -= b[:, 0]
            self.pairs.append(a)

    def result(self, messages, gradient_of):
        new, old = (a.result(messages, gradient_of) for a in self.accs)
        return new, old, np.concatenate(self.pairs) if self.pairs else None


def _parts(functional, core, kwargs: dict, params: dict, reduction: str):
    """The block's Parts; kl-div's batchmean asks for its own denominator (the batch size)."""
    kind = functional.PARTS_BATCHMEAN if reduction == "batchmean" else functional.PARTS
    return core(**kwargs, **params, reduction=kind)


def _functional():
    import importlib

    return importlib.import_module("losscli.functional")


def _checked(inv: Invocation) -> LossSpec:
    try:
        spec = registry.spec(inv.loss)
    except KeyError:
        raise UsageError(f"no loss named {inv.loss!r} (losscli list shows them)") from None
    if inv.reduction not in spec.reductions:
        raise UsageError(f"--reduction {inv.reduction} is not one of {spec.name}'s: {', '.join(spec.reductions)}")
    if inv.grad and spec.grad is None:
        have = ", ".join(s.name for s in registry.SPECS if s.grad)
        raise UsageError(f"{spec.name} has no --grad; the losses with a closed-form gradient are: {have}")
    if inv.broadcast and not spec.broadcast:
        raise UsageError(f"{spec.name} takes no --broadcast (torch does not broadcast its inputs)")
    if inv.nan_policy == "omit" and not spec.row_wise:
        first = spec.arrays[0].flag
        raise UsageError(f"{spec.name} does not take --nan-policy omit: the first dim of {first} is not the samples")
    known = {a.key for a in spec.arrays}
    for key in inv.sources:
        if key not in known:
            raise UsageError(f"{spec.name} has no option --{key}")
    for a in spec.arrays:
        if a.required and inv.sources.get(a.key) is None:
            raise UsageError(f"{spec.name} needs {a.flag}")
    names = {p.name for p in spec.params}
    for name in inv.params:
        if name not in names:
            raise UsageError(f"{spec.name} has no option --{name.replace('_', '-')}")
    _checked_ci(spec, inv)
    if inv.by is not None and inv.reduction == "none":
        raise UsageError("--by reports each group's reduced loss; -r none has none (use -r mean or -r sum, or "
                         "drop --by: -r none gives each sample's loss)")
    return spec


def _checked_ci(spec: LossSpec, inv: Invocation) -> None:
    """--ci and its options: one clear line where they do not apply."""
    if inv.ci is None:
        given = [flag for flag, on in (("--ci-method bootstrap", inv.ci_method != "analytic"),
                                      ("--sample-offset", inv.sample_offset != 0)) if on]
        if given:
            raise UsageError(f"{given[0]} applies to a confidence interval: add --ci (e.g. --ci 0.95)")
        return
    if not 0 < inv.ci < 1:
        raise UsageError(f"--ci is a confidence level between 0 and 1 (e.g. 0.95), got {inv.ci}")
    if inv.reduction not in ("mean", "batchmean"):
        raise UsageError(f"--ci is an interval of a mean over samples; --reduction {inv.reduction} has none "
                         "(use -r mean)")
    if inv.ci_method not in ("analytic", "bootstrap", "bca"):
        raise UsageError(f"--ci-method is analytic, bootstrap or bca, got {inv.ci_method!r}")
    if inv.resamples < 2:
        raise UsageError(f"--resamples must be at least 2, got {inv.resamples}")
    if inv.sample_offset < 0:
        raise UsageError(f"--sample-offset is the index of the shard's first sample, >= 0, got {inv.sample_offset}")


def _sample_weights(spec: LossSpec, kwargs: dict, params: dict) -> np.ndarray | None:
    """Each sample's share of a ratio mean's denominator (nll, cross-entropy with index targets:
    the weight of its kept targets), or None where the mean is over elements or samples."""
    if spec.core not in ("nll_loss", "cross_entropy"):
        return None
    x, t = kwargs["input"], np.asarray(kwargs["target"])
    if t.shape == x.shape:  # probability targets: a plain mean over samples
        return None
    ignore = params.get("ignore_index", -100)
    keep = t != ignore
    safe = np.where(keep, t, 0).astype(np.int64)
    w = kwargs.get("weight")
    wt = np.ones(t.shape) if w is None else np.asarray(w, dtype=np.float64)[safe]
    wt = np.where(keep, wt, 0.0)
    return wt.reshape(t.shape[0], -1).sum(axis=1) if t.ndim else wt.reshape(1)


def block_rows(block: dict) -> int:
    first = next(iter(block.values()), None)
    return 0 if first is None or first.ndim == 0 else first.shape[0]


def _blocks(spec: LossSpec, inv: Invocation, per_sample: dict, sources, in_blocks: bool) -> tuple[Iterator, bool]:
    """(offset, {flag: rows}) blocks and whether there is more than one possible: losscli.stream
    decides from metadata; a small, inline, broadcast or not row-wise input is one block."""
    from .inputs import _split_source

    files = any(_split_source(source)[0] is not None for source in per_sample.values())
    if inv.window is not None:
        from .stream import WindowRefused, row_blocks

        if not (spec.row_wise and not inv.broadcast and files):
            raise WindowRefused("the inputs are not read in rows")
        return _offsets(row_blocks(per_sample, sources, STREAM_BYTES, inv.progress, inv.window)), True
    if in_blocks and spec.row_wise and not inv.broadcast and files:  # inline numbers: one block
        from .stream import row_blocks

        stream = row_blocks(per_sample, sources, STREAM_BYTES, inv.progress)
        if stream is not None:
            return _offsets(stream), True
    whole = {flag: sources.load(flag, source) for flag, source in per_sample.items()}
    from .datasets import agree

    agree(sources, per_sample)  # two datasets: shard by shard
    return iter([(0, whole)]), False


def _offsets(stream) -> Iterator:
    offset = 0
    for block in stream:
        yield offset, block
        offset += block_rows(block)


def _cast(a: np.ndarray, array: registry.Array, inv: Invocation) -> np.ndarray:
    """Floats in the run's dtype; labels (class indices, lengths) as loaded."""
    if array.labels:
        return a
    return _functional().cast(a, inv.dtype, array.arg)  # refuses a value beyond float32's range


def _policy(spec: LossSpec, inv: Invocation, block: dict, offset: int) -> tuple[dict, int]:
    """--nan-policy on one block: raise names the first NaN's position; omit drops the samples
    (first dim) that hold one in any per-sample input."""
    if inv.nan_policy == "raise":
        for flag, a in block.items():
            if a.dtype.kind == "f" and np.isnan(a).any():
                position = np.argwhere(np.isnan(a))[0]
                if position.size:
                    position[0] += offset
                where = ",".join(map(str, position)) or "the only position"
                raise InputError(f"{flag} holds NaN at position {where} (--nan-policy raise)")
    if inv.nan_policy != "omit" or not block:
        return block, 0
    rows = {flag: a for flag, a in block.items() if a.ndim > 0}
    n = block_rows(rows)
    for flag, a in rows.items():
        if a.shape[0] != n:
            first = next(iter(rows))
            raise UsageError(f"--nan-policy omit drops samples along the first dimension, but {flag} has "
                             f"{a.shape[0]} rows and {first} has {n}")
    keep = np.ones(n, dtype=bool)
    for a in rows.values():
        if a.dtype.kind == "f":
            keep &= ~np.isnan(a.reshape(n, -1)).any(axis=1)
    return {flag: a[keep] if a.ndim > 0 else a for flag, a in block.items()}, int(n - keep.sum())


def _same_shape(spec: LossSpec, inv: Invocation, arrays: dict) -> None:
    """Elementwise inputs must have one shape; torch's silent broadcasting needs --broadcast,
    which is suggested only when the shapes do broadcast."""
    if not spec.broadcast or inv.broadcast:
        return
    named = [(flag, arrays[flag]) for flag in _elementwise(spec) if flag in arrays]
    if not named:
        return
    (first, a), *rest = named
    for flag, b in rest:
        if b.shape != a.shape:
            try:
                np.broadcast_shapes(a.shape, b.shape)
                hint = " (or pass --broadcast to broadcast them as torch does)"
            except ValueError:
                hint = ""
            raise UsageError(f"{flag} has shape {shape_text(b.shape)} but {first} has {shape_text(a.shape)}; "
                             f"they must match{hint}")


def _elementwise(spec: LossSpec) -> tuple[str, ...]:
    """The inputs that go element by element together (declared where not all of them:
    cosine's target is one per pair; gaussian's --var may have one dim fewer)."""
    if spec.same_shape is not None:
        return tuple(f"--{key}" for key in spec.same_shape)
    return tuple(a.flag for a in spec.per_sample)


def shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _gradient(spec, functional, kwargs, params, reduction: str, denominator, grad_map) -> dict:
    """d loss / d input by array key. A block of a larger input passes the whole run's
    denominator, so that its rows are those of the whole input's gradient, bit for bit."""
    backward = getattr(functional, spec.grad)
    extra = {} if denominator is None or reduction in ("sum", "none") else {"denominator": denominator}
    out = backward(**kwargs, **params, reduction=reduction, **extra)
    grads = out if isinstance(out, tuple) else (out,)
    result = dict(zip(spec.grad_of, grads))
    return grad_map(result) if grad_map else result


# --- per-loss hooks: arrays and parameters before the core ------------------------------------


def _plain(kwargs: dict, params: dict, inv: Invocation):
    return kwargs, params, None


def _class_target(kwargs: dict, params: dict, inv: Invocation):
    """Index targets stay integers; probability targets (--pred's shape) take the dtype."""
    if kwargs["target"].shape == kwargs["input"].shape:
        kwargs["target"] = kwargs["target"].astype(inv.dtype, copy=False)
    return kwargs, params, None


def _linear_target(kwargs: dict, params: dict, inv: Invocation):
    """Probability targets (the logits' shape) take the dtype, and no ignore_index (torch
    refuses one with them): the default -100 is dropped."""
    x, lw, t = kwargs["input"], kwargs["linear_weight"], kwargs["target"]
    if lw.ndim >= 2 and t.shape == (*x.shape[:-1], lw.shape[0], *lw.shape[1:-1]):
        kwargs["target"] = t.astype(inv.dtype, copy=False)
        if params.get("ignore_index") == -100:
            params["ignore_index"] = None
    return kwargs, params, None


def _multilabel_weight(kwargs: dict, params: dict, inv: Invocation):
    w, x = kwargs.get("weight"), kwargs["input"]
    if w is not None and not inv.broadcast:
        try:
            fits = np.broadcast_shapes(w.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise UsageError(f"--weight has shape {shape_text(w.shape)}; it needs one value per class, "
                             f"{shape_text(x.shape[-1:])}, or per element, {shape_text(x.shape)} (or pass --broadcast)")
    return kwargs, params, None


def _kl_div(kwargs: dict, params: dict, inv: Invocation):
    """kl-div --pred-probs: the core takes log-probabilities; the gradient is w.r.t. --pred as
    given, through the log. And torch's warning for 'mean', which the core gives for 'mean' only."""
    if inv.reduction == "mean":
        from .functional.distribution import warn_kl_div_mean

        warn_kl_div_mean()
    probs = params.pop("pred_probs", False)
    if not probs:
        return kwargs, params, None
    from .functional.gradients import log_backward

    functional = _functional()
    p = kwargs["input"]
    kwargs["input"] = functional.log_probabilities(p)
    return kwargs, params, lambda g: {"pred": log_backward(g["pred"], p)}


def _pair_target(kwargs: dict, params: dict, inv: Invocation):
    """cosine-embedding --broadcast: the target broadcast to one label per pair first (the core
    wants exactly that shape)."""
    if inv.broadcast:
        pairs = np.broadcast_shapes(kwargs["input1"].shape, kwargs["input2"].shape)[:-1]
        try:
            kwargs["target"] = np.broadcast_to(kwargs["target"], pairs)
        except ValueError:
            pass  # the core names the shapes
    return kwargs, params, None


def _scalar_var(kwargs: dict, params: dict, inv: Invocation):
    v = kwargs["var"]
    if v.ndim == 0:
        kwargs["var"] = float(v)
    return kwargs, params, None


PREPARE = {
    "class_target": _class_target,
    "linear_target": _linear_target,
    "multilabel_weight": _multilabel_weight,
    "kl_div": _kl_div,
    "pair_target": _pair_target,
    "scalar_var": _scalar_var,
}


# --- merging the blocks ------------------------------------------------------------------------


class _Accumulator:
    """The partial results of the blocks seen so far, and the Result they make."""

    def __init__(self, spec: LossSpec, inv: Invocation, streamed: bool, slicer=None) -> None:
        from .checks import GateTally
        from .partials import BlockedSum

        self.spec, self.inv, self.streamed = spec, inv, streamed
        self.slicer, self.groups = slicer, None
        if slicer is not None:  # --by: each group's partial sums (losscli.slices)
            from .slices import Groups

            self.groups = Groups(spec, inv, 2 if spec.core in ("nll_loss", "cross_entropy") else 1)
        self.whole = not streamed
        # 'sum' adds the elements; 'mean' and 'batchmean' add the summands (ctc: each loss over
        # its target length) and divide by the denominator
        self.mean = inv.reduction in ("mean", "batchmean")
        self.total = BlockedSum(dtype=inv.dtype)
        self.denominator, self.rows, self.omitted = 0.0, 0, 0
        self.first: tuple | None = None  # (parts, raw arrays, grads) of the first block
        self.element_tail: tuple[int, ...] | None = None
        self.sample_shape: tuple[int, ...] = ()
        self.top = TopK(inv.top) if inv.top else None
        self.tally = GateTally(spec.name, inv.gates) if inv.gates and inv.reduction == "none" else None
        per_element = inv.reduction == "none" or inv.grad
        self.spool = Spool() if streamed and (per_element or inv.hist) else None
        self.lo, self.hi, self.nonfinite = math.inf, -math.inf, 0  # finite losses' bounds, for --hist
        # --ci: the streamed moments of the per-sample losses (k=1), or of each sample's
        # numerator and denominator of a ratio mean (k=2, the delta method)
        self.moments = None
        self.unit_weights = True  # a ratio mean whose every sample weighs 1 is a plain mean
        if inv.ci is not None:
            from .stats import Moments

            self.moments = Moments(2 if spec.core in ("nll_loss", "cross_entropy") else 1, third=inv.ci_method == "bca")
        self.kept = [] if inv.keep_samples and inv.ci is not None else None
        self.boot = None
        if inv.ci is not None and inv.ci_method in ("bootstrap", "bca"):
            from .stats import Bootstrap

            self.boot = Bootstrap(self.moments.k, inv.resamples, inv.seed, inv.sample_offset)

    def add(self, parts, raw: dict, grads: dict | None, dropped: int, grad_inputs: dict | None,
            weights: np.ndarray | None = None, codes: np.ndarray | None = None) -> None:
        elements = np.asarray(parts.elements)
        if self.moments is not None:
            self._add_samples(parts, weights)
        if self.groups is not None:
            self._add_groups(parts, weights, codes)
        self.total.add(np.asarray(parts.summands if self.mean else elements))
        self.denominator += float(parts.denominator)
        self.omitted += dropped
        first_input = next(iter(raw.values()), None)
        if self.first is None:
            self.first = (parts, raw, grads)
            self.sample_shape = first_input.shape if first_input is not None else ()
            self.element_tail = elements.shape[1:]
        offset = self.rows
        self.rows += first_input.shape[0] if first_input is not None and first_input.ndim else 0
        columns = self._columns(raw, elements)
        if self.inv.on_block is not None:
            self.inv.on_block(offset, elements, columns)
        if self.top is not None:
            flat_offset = offset * math.prod(elements.shape[1:]) if elements.ndim else 0
            self.top.add(elements.ravel(), flat_offset, columns)
        if self.tally is not None:
            self.tally.add(elements, offset)
        if self.inv.hist:
            v = elements.astype(np.float64, copy=False).ravel()
            finite = v[np.isfinite(v)]
            self.nonfinite += v.size - finite.size
            if finite.size:
                self.lo, self.hi = min(self.lo, float(finite.min())), max(self.hi, float(finite.max()))
        if self.spool is not None:
            keep = self.inv.reduction == "none" or self.inv.hist
            self.spool.append(offset, elements if keep else None,
                              columns if self.inv.reduction == "none" else {}, grad_inputs or {})

    def _add_groups(self, parts, weights: np.ndarray | None, codes: np.ndarray) -> None:
        from .slices import sample_parts

        values = sample_parts(self.spec, self.inv.reduction, parts, weights, self.inv.ci is not None)
        if codes.size != values.numerator.size:
            raise UsageError(f"--by has {codes.size:,} keys but {self.spec.name} has {values.numerator.size:,} "
                             "samples (the first dim of its per-sample losses); give one key per sample")
        self.groups.add(codes, values, len(self.slicer.coder.names))

    def _add_samples(self, parts, weights: np.ndarray | None) -> None:
        """The block's per-sample losses into the moments: a sample's loss is the mean of its
        summands (the sum for 'batchmean' and ctc, whose mean divides by the samples)."""
        s = np.asarray(parts.summands, dtype=np.float64)
        s = s.reshape(s.shape[0] if s.ndim else 1, -1)
        n, denominator = s.shape[0], float(parts.denominator)
        if weights is not None:
            if not math.isclose(float(weights.sum()), denominator, rel_tol=1e-9, abs_tol=1e-12):
                raise UsageError(f"--ci: {self.spec.name}'s mean here is not a per-sample ratio; no interval")
            self.unit_weights = self.unit_weights and bool(np.all(weights == 1.0))
            self._fold(np.stack([s.sum(axis=1), weights], axis=1))
            return
        if denominator == s.size:
            per_sample = s.mean(axis=1)
        elif denominator == n:
            per_sample = s.sum(axis=1)
        else:
            raise UsageError(f"--ci: {self.spec.name}'s mean divides by {denominator:g}, neither its elements "
                             f"({s.size}) nor its samples ({n}): no per-sample interval for it yet")
        if self.moments.k == 2:
            per_sample = np.stack([per_sample, np.ones(n)], axis=1)
        self._fold(per_sample)

    def _fold(self, values: np.ndarray) -> None:
        self.moments.add(values)
        if self.kept is not None:
            self.kept.append(np.asarray(values, dtype=np.float64).reshape(len(values), -1))
        if self.boot is not None:
            self.boot.add(values)

    def ci(self) -> dict | None:
        from . import stats

        if self.moments is None:
            return None
        m = self.moments.flush()
        if m.k == 2 and self.unit_weights:  # every weight 1: the plain t interval of the x's
            m = m.first()
        if self.boot is not None:
            bootstrap = stats.bca_interval if self.inv.ci_method == "bca" else stats.bootstrap_interval
            return bootstrap(m, self.boot, self.inv.ci)
        return stats.interval(m, self.inv.ci)

    def _columns(self, raw: dict, elements: np.ndarray) -> dict:
        """The inputs shown beside each per-element loss: those with the elements' shape."""
        out = {}
        by_flag = {a.flag: a for a in self.spec.arrays}
        if self.spec.columns is not None:
            pairs = [(f"--{key}", name) for key, name in self.spec.columns]
        else:
            pairs = [(flag, by_flag[flag].key.replace("-", "_")) for flag in raw]
        for flag, name in pairs:
            a = raw.get(flag)
            if a is None:
                continue
            if a.shape != elements.shape:
                if not (self.inv.broadcast and a.ndim == elements.ndim and a.ndim > 0
                        and _broadcasts(a.shape, elements.shape)):
                    continue
                a = np.broadcast_to(a, elements.shape)
            if by_flag[flag].labels and a.dtype.kind == "f":
                with np.errstate(invalid="ignore"):
                    a = a.astype(np.int64)
            out[name] = a
        return out

    def result(self, messages: tuple[str, ...], gradient_of: Callable):
        from .partials import combine
        from .render import Result

        inv, spec = self.inv, self.spec
        if self.first is None:
            raise InputError("the input holds no rows")
        first_parts, first_raw, first_grads = self.first
        total = float(self.total.total())
        if self.whole:
            value = np.asarray(_functional().finish(first_parts, inv.reduction))
        elif inv.reduction == "none":
            value = np.empty((0, *(self.element_tail or ())), dtype=inv.dtype)
        else:
            value = np.asarray(combine(inv.reduction, total, self.denominator)).astype(inv.dtype)
        shape = self.sample_shape if self.whole or not self.sample_shape else (self.rows, *self.sample_shape[1:])
        params = _shown_params(spec, inv)
        whole_none = self.whole and inv.reduction == "none"
        blocks = None
        if self.spool is not None and (inv.reduction == "none" or inv.grad):
            blocks = self.spool.replayer(spec.name, inv, shape, params, lambda inputs: gradient_of(inputs, self.denominator))
        return Result(
            spec.name, inv.reduction, value=value, dtype=inv.dtype, shape=tuple(shape), params=params,
            columns=self._columns(first_raw, np.asarray(first_parts.elements)) if whole_none else {},
            grad=(first_grads or {}) if self.whole else {},
            omitted=self.omitted if inv.nan_policy == "omit" else None,
            parts=None if inv.reduction == "none" else {"sum": total, "denominator": self.denominator},
            streamed=self.streamed,
            top=self.top.rows(spec.name, self._element_shape(), self._unit(shape)) if self.top else None,
            histogram=self._histogram() if inv.hist else None,
            element_failures=tuple(self.tally.lines()) if self.tally is not None else None,
            blocks=blocks, warnings=messages,
            elements_shape=self._element_shape(),
            ci=self.ci(), moments=self.moments, bootstrap=self.boot,
            sample_values=np.concatenate(self.kept) if self.kept else None,
            groups=self.groups.result(self.slicer.coder.names, inv.reduction, inv.dtype) if self.groups else None,
            by=inv.by,
        )

    def _unit(self, shape) -> str:
        """What one per-element loss is: a sample's (cross-entropy over (N, C)) or an element's."""
        e = self._element_shape()
        return "sample" if len(e) == 1 and math.prod(e) != math.prod(shape) else "element"

    def _element_shape(self) -> tuple[int, ...]:
        if self.whole:
            return np.asarray(self.first[0].elements).shape
        return (self.rows, *self.element_tail)

    def _histogram(self) -> dict:
        """HIST_BINS equal bins between the smallest and largest finite loss, as np.histogram;
        in blocks, the bounds come from the first pass and the counts from the spooled losses."""
        if self.whole:
            return histogram_of([np.asarray(self.first[0].elements, dtype=np.float64).ravel()])
        return histogram_of((b.elements for b in self.spool.replay()), (self.lo, self.hi), self.nonfinite)


def _broadcasts(a: tuple, b: tuple) -> bool:
    try:
        return np.broadcast_shapes(a, b) == tuple(b)
    except ValueError:
        return False


def _shown_params(spec: LossSpec, inv: Invocation) -> dict:
    """The loss's options as given, to reproduce the number: its parameters (declared order),
    then the parameter arrays' SOURCEs."""
    params = {p.name: inv.params.get(p.name, p.default) for p in spec.params}
    params = {k: v for k, v in params.items() if v is not None}
    params.update((a.arg, inv.sources[a.key]) for a in spec.arrays
                  if a.role == "parameter" and not a.required and inv.sources.get(a.key) is not None)
    return params


def histogram_of(chunks, bounds: tuple[float, float] | None = None, nonfinite: int | None = None) -> dict:
    """{"edges", "counts", "nonfinite"} of the finite values in `chunks`: HIST_BINS equal bins
    from their min to their max (np.histogram's rule, so a blocked run counts as a whole one)."""
    if bounds is None:
        values = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in chunks])
        finite = values[np.isfinite(values)]
        if not finite.size:
            return {"edges": [0.0], "counts": [], "nonfinite": int(values.size)}
        counts, edges = np.histogram(finite, bins=HIST_BINS)
        return {"edges": edges.tolist(), "counts": counts.tolist(), "nonfinite": int(values.size - finite.size)}
    lo, hi = bounds
    if not math.isfinite(lo):
        for _ in chunks:
            pass
        return {"edges": [0.0], "counts": [], "nonfinite": int(nonfinite)}
    counts = np.zeros(HIST_BINS, dtype=np.int64)
    edges = None
    for c in chunks:
        v = np.asarray(c, dtype=np.float64).ravel()
        block_counts, edges = np.histogram(v[np.isfinite(v)], bins=HIST_BINS, range=(lo, hi))
        counts += block_counts
    return {"edges": edges.tolist(), "counts": counts.tolist(), "nonfinite": int(nonfinite)}


class TopK:
    """The K largest per-element losses over all blocks, largest first; NaN counts as the
    largest, and ties keep the earlier element."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.key = np.empty(0)
        self.index = np.empty(0, dtype=np.int64)
        self.values = np.empty(0)
        self.columns: dict[str, np.ndarray] | None = None

    def add(self, values: np.ndarray, flat_offset: int, columns: dict) -> None:
        key = np.where(np.isnan(values), np.inf, values)
        k = min(self.k, values.size)
        pick = np.argpartition(-key, k - 1)[:k] if k < values.size else np.arange(values.size)
        flat_columns = {name: np.ravel(c)[pick] for name, c in columns.items()}
        if self.columns is None:
            self.columns = {name: c[:0] for name, c in flat_columns.items()}
        key = np.concatenate([self.key, key[pick]])
        index = np.concatenate([self.index, pick.astype(np.int64) + flat_offset])
        vals = np.concatenate([self.values, values[pick]]) if self.values.size else values[pick]
        cols = {name: np.concatenate([self.columns[name], flat_columns[name]]) for name in flat_columns}
        order = np.lexsort((index, -key))[: self.k]
        self.key, self.index, self.values = key[order], index[order], vals[order]
        self.columns = {name: c[order] for name, c in cols.items()}

    def rows(self, loss: str, shape: tuple[int, ...], unit: str):
        from .render import Rows, index_names

        names = list(self.columns or {})
        header = index_names(len(shape)) + names + ["loss"]
        title = f"{loss}: the {self.index.size} largest of {math.prod(shape)} {unit}s"
        columns = [self.columns[n] for n in names] + [self.values]
        return Rows(title, header, tuple(shape), self.index, columns, int(self.index.size))


class Spool:
    """Per-element blocks (losses, the inputs beside them, a gradient's inputs) written to a
    temporary file as they are computed and read back, block by block, as often as needed:
    bounded memory, one read of the input, nothing on stdout until the whole input has been
    computed, and a gradient whose rows are computed with the whole run's denominator."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="losscli-")
        self.index: list[tuple] = []

    def append(self, offset: int, elements, columns: dict, inputs: dict) -> None:
        position = self.file.tell()
        arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
        other = {k: v for k, v in inputs.items() if k not in arrays}
        saved = ([np.asarray(elements)] if elements is not None else []) + list(columns.values()) + list(arrays.values())
        for a in saved:
            np.save(self.file, np.ascontiguousarray(a), allow_pickle=False)
        self.index.append((position, offset, elements is not None, tuple(columns), tuple(arrays), other))

    def replay(self) -> Iterator["_Block"]:
        for position, offset, has_elements, columns, arrays, other in self.index:
            self.file.seek(position)
            load = lambda: np.load(self.file, allow_pickle=False)  # noqa: E731
            elements = load() if has_elements else None
            cols = {name: load() for name in columns}
            inputs = {name: load() for name in arrays} | other
            yield _Block(offset, elements, cols, inputs)

    def replayer(self, loss: str, inv: Invocation, shape, params: dict, gradient_of: Callable) -> Callable:
        """A function that yields the per-element Results afresh on each call (each with the
        .offset of its first row), for the renderer."""
        from .render import Result

        def results():
            for b in self.replay():
                grad = gradient_of(b.inputs) if inv.grad else {}
                value = b.elements if b.elements is not None else np.empty(0, inv.dtype)
                yield Result(loss, inv.reduction, value=value, dtype=inv.dtype, shape=shape, params=params,
                             columns=b.columns, grad=grad, offset=b.offset)

        return results


@dataclass(frozen=True)
class _Block:
    offset: int
    elements: np.ndarray | None
    columns: dict
    inputs: dict


__all__ = ["Invocation", "Spool", "TopK", "histogram_of", "run"]
