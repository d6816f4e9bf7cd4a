"""Sharded datasets: a glob ('preds/part-*.parquet'), a folder of shards, a Hive-partitioned
folder (preds/split=test/part-0.parquet), read as one array along the first axis.

The shards are the files the glob matches (a folder: every file under it), in sorted path
order; files whose name starts with '_' or '.' (Spark's _SUCCESS, .crc checksums) are not
shards. Every shard is read as a file of its own would be, so its messages name it (its path,
line and column). Two options that read two datasets must agree shard by shard on row counts.
"""

from __future__ import annotations

import glob
import os
import typing

import numpy as np

from . import remote
from .errors import InputError, LossCliError, escape


def is_dataset(path: str | None) -> bool:
    """A glob or a folder (not stdin, not inline numbers)."""
    if remote.is_url(path):  # a glob or a folder on s3:// or gs://
        return remote.is_dataset(path)
    return path not in (None, "-") and (os.path.isdir(path) or (glob.has_magic(path) and not os.path.exists(path)))


def matches(path: str) -> bool:
    """Whether PATH is a glob (inputs._split_source: the path part of a SOURCE): one with '*' in
    an existing folder (no file there is then refused by shards(), as such), or one that matches
    a file; never inline JSON ('[1, 2]')."""
    if not glob.has_magic(path) or path.lstrip().startswith("["):
        return False
    if "*" in path:
        parts = path.split(os.sep)
        fixed = parts[: next(i for i, part in enumerate(parts) if glob.has_magic(part))]
        if os.path.isdir(os.sep.join(fixed) or "."):
            return True
    return any(_is_shard(p) for p in glob.iglob(path, recursive=True))


def _is_shard(path: str) -> bool:
    return os.path.isfile(path) and not os.path.basename(path).startswith(("_", "."))


def shards(path: str) -> list[str]:
    """The shards of a dataset, in sorted path order."""
    label = path if path.isprintable() else repr(path)
    if remote.is_url(path):
        return remote.shards(path)
    if os.path.isdir(path):
        found = sorted(os.path.join(root, name) for root, dirs, names in os.walk(path) for name in names
                       if not any(part.startswith(("_", ".")) for part in
                                  os.path.relpath(os.path.join(root, name), path).split(os.sep)))
        found = [p for p in found if os.path.isfile(p)]
        if not found:
            raise InputError(f"{label} is a folder without data files (a dataset's shards: files not "
                             "starting with '_' or '.')")
        return found
    found = sorted(p for p in glob.glob(path, recursive=True) if _is_shard(p))
    if not found:
        raise InputError(f"no file matches {label}")
    return found


def _source(shard: str, selector: str | None) -> str:
    return shard if selector is None else f"{shard}:{selector}"


def load(sources, option: str, path: str, selector: str | None) -> np.ndarray:
    """The whole reader of a (small) dataset: each shard read as its own file, concatenated."""
    arrays = [sources._load(option, _source(shard, selector)) for shard in shards(path)]
    counts = [(shard, 0 if a.ndim == 0 else a.shape[0]) for shard, a in zip(shards(path), arrays)]
    _agree(sources, option, path, counts)
    try:
        return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    except ValueError:
        first = arrays[0].shape[1:]
        shard, array = next((s, a) for s, a in zip(shards(path), arrays) if a.shape[1:] != first)
        raise InputError(f"{shard} holds rows of shape {array.shape[1:]} but {shards(path)[0]} of the same "
                         f"dataset {path} holds {first}; the shards must have the same columns") from None


def _agree(sources, option: str, path: str, counts: list[tuple[str, int]]) -> None:
    """Record a dataset's shard row counts, for agree() once every input of the run is read."""
    sources.__dict__.setdefault("datasets", {})[(option, path)] = counts


def agree(sources, per_sample: dict[str, str]) -> None:
    """Two datasets read whole by one run agree shard by shard (engine: after reading them)."""
    from .inputs import _split_source

    seen = getattr(sources, "datasets", {})
    read = [(option, path) for option, source in per_sample.items()
            if (path := _split_source(source)[0]) is not None and (option, path) in seen]
    for (option, path) in read[1:]:
        first, first_path = read[0]
        if path != first_path:
            mismatch(option, path, seen[(option, path)], first, first_path, seen[(first, first_path)])


def mismatch(option: str, path: str, counts: list, other: str, other_path: str, other_counts: list) -> None:
    """Raise where two datasets disagree: the number of shards, or a shard's rows."""
    at = f"{option}: "
    if len(counts) != len(other_counts):
        raise InputError(escape(
            f"{at}{path} has {len(counts)} shards but {other_path} ({other}) has {len(other_counts)}; "
            "two datasets must agree shard by shard"))
    for (shard, rows), (other_shard, other_rows) in zip(counts, other_counts):
        if rows != other_rows:
            raise InputError(escape(
                f"{at}shard {shard} has {rows:,} rows but {other_shard} ({other}) has {other_rows:,}; "
                "two datasets must agree shard by shard"))


def source_class():
    """stream.row_blocks' group for a dataset: its shards in blocks, one after another."""
    from . import stream
    from .columnar import ColumnarSource, is_columnar

    class DatasetSource(stream._Source):
        def inspect(self, head_bytes: int) -> None:
            if self.window is not None:  # a window is of one file (a shard)
                raise stream.WindowRefused("a window of a dataset")
            try:
                paths = shards(self.path)
            except LossCliError as e:
                self._fail(e)
            self.parts = []
            for shard in paths:
                kind = ColumnarSource if is_columnar(shard) else stream._Source
                part = kind(shard if remote.is_url(shard) else os.path.realpath(shard), shard, self.sources, self.order)
                part.options = self.options
                part.inspect(head_bytes)
                self.parts.append(part)
            self.kind = stream._WHOLE if any(p.kind is stream._WHOLE for p in self.parts) else "dataset"
            self.size = None if any(p.size is None for p in self.parts) else sum(p.size for p in self.parts)
            self.counts = []

        def small(self, min_bytes: int) -> bool:
            return self.size is not None and self.size < min_bytes and all(p.small(min_bytes) for p in self.parts)

        def start(self) -> None:
            self.parts[0].start()  # errors such as an unknown column show before any reading
            if self.parts[0].kind is stream._WHOLE:
                self.kind = stream._WHOLE

        def blocks(self, pool) -> typing.Iterator[dict[str, np.ndarray]]:
            done = 0
            for i, part in enumerate(self.parts):
                if i:
                    part.start()
                    if part.kind is stream._WHOLE:  # a shard the block reader leaves to the whole reader
                        yield self._whole(part)
                        continue
                rows = 0
                for block in part.blocks(pool):
                    rows += len(next(iter(block.values())))
                    self.done = done + getattr(part, "done", 0)
                    yield block
                self.counts.append((part.path, rows))
                done += part.size or 0

        def _whole(self, part):
            block = {option: self.sources.load(option, _source(part.path, selector))
                     for option, (selector, _) in self.options.items()}
            self.counts.append((part.path, len(next(iter(block.values())))))
            return block

    return DatasetSource


def checked(groups: list, blocks: typing.Iterator) -> typing.Iterator:
    """row_blocks' blocks, then (or at a row-count error) the shard-by-shard check of datasets."""
    datasets = [g for g in groups if getattr(g, "kind", None) == "dataset"]
    if len(datasets) < 2:
        yield from blocks
        return

    def check() -> None:
        first = datasets[0]
        for other in datasets[1:]:
            mismatch(other.first_option, other.path, other.counts, first.first_option, first.path, first.counts)

    try:
        yield from blocks
    except InputError:
        if all(len(d.counts) == len(d.parts) for d in datasets):  # rows counted to the end: no parse error
            check()  # the shard where they differ
        raise
    check()
