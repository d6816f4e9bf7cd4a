"""Remote SOURCEs (losscli.remote): https:// from a real HTTP server on 127.0.0.1 (with Range
requests, which http.server lacks) and s3:// from a real moto server on 127.0.0.1, every format
read whole and in blocks, to the same bits as the local files; globs and folders on S3; the
errors as one line naming the URL; nothing of fsspec imported without a URL; the missing extra."""

import functools
import gzip
import http.server
import json
import os
import re
import subprocess
import sys
import threading

import numpy as np
import polars as pl
import pytest

from losscli import engine, remote, stream
from losscli.inputs import _split_source
from tests.helpers import ROOT, assert_one_error_line, npy_bytes, run
from torch_oracle import F, torch

pytest.importorskip("fsspec")
pytest.importorskip("s3fs")
pytest.importorskip("aiohttp")
moto_server = pytest.importorskip("moto.server")

ROWS = 1500
FORMATS = ["csv", "tsv", "csv.gz", "json", "jsonl", "parquet", "arrow", "npy", "npz"]


# --- servers -----------------------------------------------------------------------------------


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """http.server's static files, plus `Range: bytes=A-B` (polars' object store reads Parquet so)."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if not match or not os.path.isfile(path):
            self.range = None
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        start, end = (max(0, size - int(last)), size - 1) if first == "" else (int(first), min(size - 1, int(last or size - 1)))
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        f = open(path, "rb")
        f.seek(start)
        self.range = end - start + 1
        return f

    def copyfile(self, source, outputfile) -> None:
        if self.range is None:
            return super().copyfile(source, outputfile)
        left = self.range
        while left > 0 and (chunk := source.read(min(left, 1 << 16))):
            outputfile.write(chunk)
            left -= len(chunk)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that closed its stream early (a selector error after the head): not the test's concern


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The same table in every format, in a local folder: pred, target, three logits, a label."""
    folder = tmp_path_factory.mktemp("served")
    rng = np.random.default_rng(11)
    frame = pl.DataFrame({"pred": rng.normal(size=ROWS), "target": rng.normal(size=ROWS),
                          **{f"l{j}": rng.normal(size=ROWS) * 3 for j in range(3)},
                          "label": rng.integers(0, 3, ROWS).astype(np.float64)})
    frame.write_csv(folder / "t.csv")
    frame.write_csv(folder / "t.tsv", separator="\t")
    (folder / "t.csv.gz").write_bytes(gzip.compress((folder / "t.csv").read_bytes()))
    frame.write_ndjson(folder / "t.jsonl")
    frame.write_json(folder / "t.json")  # a list of records
    np.savez(folder / "t.npz", pred=frame["pred"].to_numpy(), target=frame["target"].to_numpy(),
             logits=frame.select("l0", "l1", "l2").to_numpy(), label=frame["label"].to_numpy())
    frame.write_parquet(folder / "t.parquet", row_group_size=256)
    frame.write_ipc(folder / "t.arrow")
    for name in ("pred", "target", "label"):
        (folder / f"{name}.npy").write_bytes(npy_bytes(frame[name].to_numpy()))
    # C order: polars' to_numpy gives a Fortran-order matrix, whose rows a stream cannot give in blocks
    (folder / "logits.npy").write_bytes(npy_bytes(np.ascontiguousarray(frame.select("l0", "l1", "l2").to_numpy())))
    # shards: a glob, and a Hive-partitioned folder with Spark's _SUCCESS beside them
    for i, start in enumerate(range(0, ROWS, 400)):
        part = frame.slice(start, 400)
        (folder / "preds").mkdir(exist_ok=True)
        part.write_parquet(folder / "preds" / f"part-{i}.parquet")
        (folder / "hive" / f"split={'test' if i < 2 else 'val'}").mkdir(parents=True, exist_ok=True)
        part.write_csv(folder / "hive" / f"split={'test' if i < 2 else 'val'}" / f"part-{i}.csv")
    (folder / "hive" / "_SUCCESS").write_bytes(b"")
    return folder, frame


@pytest.fixture(scope="module")
def http_url(data):
    folder, _ = data
    server = Server(("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def plain_url(data):
    """http.server as it is: no Range requests (python -m http.server)."""
    folder, _ = data
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = Server(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
          "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def s3(data):
    """A moto S3 server on 127.0.0.1 holding the files under s3://losscli-test/, and its environment."""
    folder, _ = data
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {**S3_ENV, "AWS_ENDPOINT_URL": f"http://{host}:{port}"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        import s3fs

        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir("losscli-test")
        fs.put(str(folder) + "/", "losscli-test/", recursive=True)
        yield env
    server.stop()


@pytest.fixture(params=["http", "s3"])
def base(request, http_url, s3):
    """The URL of the served folder: https:// (plain http here) or s3://."""
    return http_url if request.param == "http" else "s3://losscli-test"


def result(*args) -> dict:
    out = run(*args, "-f", "json")
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def sources(fmt: str, root: str) -> tuple[list[str], list[str]]:
    """(mse's --pred/--target, cross-entropy's --pred/--target) for the table in FMT under ROOT."""
    if fmt == "npy":
        return [f"{root}/pred.npy", f"{root}/target.npy"], [f"{root}/logits.npy", f"{root}/label.npy"]
    if fmt == "npz":
        return [f"{root}/t.npz:pred", f"{root}/t.npz:target"], [f"{root}/t.npz:logits", f"{root}/t.npz:label"]
    path = f"{root}/t.{fmt}"
    return [f"{path}:pred", f"{path}:target"], [f"{path}:l0,l1,l2", f"{path}:label"]


# --- the SOURCE grammar ------------------------------------------------------------------------


@pytest.mark.parametrize("source, expected", [
    ("https://host:8080/x.csv:pred", ("https://host:8080/x.csv", "pred")),
    ("https://host:8080/x.csv", ("https://host:8080/x.csv", None)),
    ("https://host/runs/a:b/x.csv:p0,p1", ("https://host/runs/a:b/x.csv", "p0,p1")),
    ("https://host/x.csv?token=a:b", ("https://host/x.csv?token=a", "b")),  # a ':' in a query: %3A
    ("https://host:8080", ("https://host:8080", None)),
    ("s3://bucket/preds/part-*.parquet:score", ("s3://bucket/preds/part-*.parquet", "score")),
    ("s3://bucket/preds:score", ("s3://bucket/preds", "score")),
    ("s3://bucket:score", ("s3://bucket", "score")),
    ("gs://bucket/eval.parquet:logits", ("gs://bucket/eval.parquet", "logits")),
])
def test_a_url_splits_at_the_last_colon_of_its_last_segment(source, expected):
    assert _split_source(source) == expected


def test_a_query_string_is_no_extension():
    from losscli.inputs import file_format

    assert file_format("https://host/x.csv.gz?sig=abc.def") == (".csv", "gzip")
    assert file_format("s3://b/x.parquet") == (".parquet", None)


# --- the same bits as the local files ----------------------------------------------------------


@pytest.fixture
def streamed(monkeypatch):
    """The remote SOURCEs that stream.row_blocks read in blocks (not left to the whole reader)."""
    found = []
    real = stream.row_blocks

    def row_blocks(per_sample, *args, **kwargs):
        blocks = real(per_sample, *args, **kwargs)
        if blocks is not None:
            found.extend(source for source in per_sample.values() if remote.is_url(source))
        return blocks

    monkeypatch.setattr(stream, "row_blocks", row_blocks)
    return found


@pytest.fixture
def reads(monkeypatch):
    """The sizes asked of every remote.File.read: -1 is a whole file read at once."""
    sizes = []
    real = remote.File.read
    monkeypatch.setattr(remote.File, "read", lambda self, n=-1: (sizes.append(n), real(self, n))[1])
    return sizes


WHOLE = ("json", "npz")  # a JSON document, an .npz archive: read whole, local or remote


@pytest.mark.parametrize("fmt, mode", [(fmt, mode) for fmt in FORMATS for mode in ("whole", "blocks")
                                       if not (mode == "blocks" and fmt in WHOLE)], indirect=["mode"])
def test_every_format_gives_the_local_bits(fmt, base, mode, data, reads, streamed):
    folder, frame = data
    (pred, target), (logits, label) = sources(fmt, base)
    (local_pred, local_target), (local_logits, local_label) = sources(fmt, str(folder))
    remote_mse = result("mse", "--pred", pred, "--target", target)
    local_mse = result("mse", "--pred", local_pred, "--target", local_target)
    assert remote_mse["value"] == local_mse["value"] and remote_mse["partials"] == local_mse["partials"]
    assert remote_mse["samples"] == ROWS
    # and torch 2.13's number (float64), as losscli's local reading is tested to give
    p, t = (torch.from_numpy(frame[c].to_numpy().copy()) for c in ("pred", "target"))
    assert remote_mse["value"] == pytest.approx(F.mse_loss(p, t).item(), rel=1e-12)

    remote_ce = result("cross-entropy", "--pred", logits, "--target", label, "--label-smoothing", "0.1")
    local_ce = result("cross-entropy", "--pred", local_logits, "--target", local_label, "--label-smoothing", "0.1")
    assert remote_ce["value"] == local_ce["value"] and remote_ce["partials"] == local_ce["partials"]
    x = torch.from_numpy(frame.select("l0", "l1", "l2").to_numpy())
    y = torch.from_numpy(frame["label"].to_numpy().copy()).long()
    assert remote_ce["value"] == pytest.approx(F.cross_entropy(x, y, label_smoothing=0.1).item(), rel=1e-12)
    if mode == "blocks":
        assert streamed == [pred, target, logits, label]
        assert -1 not in reads and max(reads, default=0) <= 8 << 20  # streamed, never read whole


def test_per_element_losses_of_a_url_are_the_local_ones(http_url, data):
    folder, _ = data
    remote_rows = run("l1", "--pred", f"{http_url}/t.csv:pred", "--target", f"{http_url}/t.csv:target", "-r", "none",
                      "-f", "csv").stdout
    local_rows = run("l1", "--pred", f"{folder}/t.csv:pred", "--target", f"{folder}/t.csv:target", "-r", "none",
                     "-f", "csv").stdout
    assert remote_rows == local_rows and len(remote_rows.splitlines()) == ROWS + 1


def test_a_url_with_a_port_and_a_parameter_input(http_url, data):
    """A URL for a parameter input too (cross-entropy's --weight), read whole."""
    folder, _ = data
    (folder / "w.csv").write_text("0.2\n0.5\n0.3\n")
    args = ["--label-smoothing", "0.0", "--weight"]
    remote_ce = result("cross-entropy", "--pred", f"{http_url}/logits.npy", "--target", f"{http_url}/label.npy",
                       *args, f"{http_url}/w.csv")
    local_ce = result("cross-entropy", "--pred", folder / "logits.npy", "--target", folder / "label.npy",
                      *args, folder / "w.csv")
    assert remote_ce["value"] == local_ce["value"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_server_without_range_requests_serves_every_small_file(fmt, plain_url, data):
    """One GET per file: Parquet and Arrow too, read whole from their bytes."""
    folder, _ = data
    (pred, target), (logits, label) = sources(fmt, plain_url)
    (local_pred, local_target), _ = sources(fmt, str(folder))
    assert result("mse", "--pred", pred, "--target", target) == result("mse", "--pred", local_pred, "--target",
                                                                      local_target)


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_a_large_columnar_file_needs_range_requests(fmt, plain_url, monkeypatch):
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    out = run("mse", "--pred", f"{plain_url}/t.{fmt}:pred", "--target", f"{plain_url}/t.{fmt}:target")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.strip() == (
        f"losscli: error: --pred: cannot read {plain_url}/t.{fmt} in blocks: its server does not answer HTTP Range "
        f"requests, which a large {'Parquet' if fmt == 'parquet' else 'Arrow'} file over http(s) needs; download "
        "it first (curl -O)")


def _npy_cases() -> dict:
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(900, 3))
    truncated = npy_bytes(matrix)[:-100]
    return {
        "big-endian.npy": npy_bytes(matrix.astype(">f8")),
        "fortran.npy": npy_bytes(np.asfortranarray(matrix)),
        "int32.npy": npy_bytes(rng.integers(-5, 5, size=(900, 3)).astype(np.int32)),
        "float32.npy": npy_bytes(matrix.astype(np.float32)),
        "truncated.npy": truncated,
        "trailing.npy": npy_bytes(matrix) + b"\0" * 8,
        "strings.npy": npy_bytes(np.array(["a"] * 900)),
    }


@pytest.mark.parametrize("name", list(_npy_cases()))
@pytest.mark.parametrize("selector", ["", ":2", ":1,3", ":4"])
def test_a_remote_npy_in_blocks_reads_and_refuses_as_the_local_file(name, selector, http_url, data, monkeypatch):
    """Row blocks of a remote .npy (its header from the first bytes): the local bits, or the local message."""
    folder, _ = data
    (folder / name).write_bytes(_npy_cases()[name])
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    outs = []
    for root in (http_url, str(folder)):
        source = f"{root}/{name}{selector}"  # the values read, each row of them: -r none -f csv
        out = run("l1", "--pred", source, "--target", source, "-r", "none", "-f", "csv")
        outs.append((out.exit_code, out.stdout, out.stderr.replace(root, "ROOT")))
    assert outs[0] == outs[1]
    assert outs[0][0] == 2 or len(outs[0][1].splitlines()) > 900


def test_range_support_is_asked_before_polars_reads(plain_url, http_url, s3):
    assert remote.ranges(f"{http_url}/t.parquet") is True
    assert remote.ranges(f"{plain_url}/t.parquet") is False  # polars is never given this server's URL
    assert remote.ranges("s3://losscli-test/t.parquet") is True


# --- datasets on S3 ----------------------------------------------------------------------------


def test_a_glob_on_s3_is_the_local_glob(s3, mode, data):
    folder, _ = data
    remote_mse = result("mse", "--pred", "s3://losscli-test/preds/part-*.parquet:pred",
                        "--target", "s3://losscli-test/preds/part-*.parquet:target")
    local_mse = result("mse", "--pred", f"{folder}/preds/part-*.parquet:pred",
                       "--target", f"{folder}/preds/part-*.parquet:target")
    assert remote_mse == local_mse and remote_mse["samples"] == ROWS


def test_a_hive_folder_on_s3_is_the_local_folder(s3, mode, data):
    folder, _ = data
    remote_rows = run("mse", "--pred", "s3://losscli-test/hive:pred", "--target", "s3://losscli-test/hive/:target",
                      "-r", "none", "-f", "csv").stdout
    local_rows = run("mse", "--pred", f"{folder}/hive:pred", "--target", f"{folder}/hive:target",
                     "-r", "none", "-f", "csv").stdout
    assert remote_rows == local_rows and len(remote_rows.splitlines()) == ROWS + 1


def test_shards_are_listed_in_sorted_order_without_spark_markers(s3):
    assert remote.shards("s3://losscli-test/hive") == [
        "s3://losscli-test/hive/split=test/part-0.csv", "s3://losscli-test/hive/split=test/part-1.csv",
        "s3://losscli-test/hive/split=val/part-2.csv", "s3://losscli-test/hive/split=val/part-3.csv"]


# --- errors: exit 2, one line, the URL named ---------------------------------------------------


def cli(*args, env):
    """losscli in a real process with exactly ENV's AWS settings (none of this process's)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run([sys.executable, "-m", "losscli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**clean, **env}, check=False, timeout=60)


def test_http_404(http_url):
    line = assert_one_error_line(cli("mse", "--pred", f"{http_url}/missing.csv:pred", "--target", "1", env={}))
    assert line == f"losscli: error: --pred: cannot read {http_url}/missing.csv: not found (HTTP 404)"


def test_a_password_in_a_url_is_not_printed(http_url):
    secret = http_url.replace("http://", "http://ann:s3cret@")
    line = assert_one_error_line(cli("mse", "--pred", f"{secret}/missing.csv:pred", "--target", "1", env={}))
    expected = http_url.replace("http://", "http://ann:***@")
    assert line == f"losscli: error: --pred: cannot read {expected}/missing.csv: not found (HTTP 404)"


@pytest.mark.parametrize("name", ["missing.parquet", "missing.npy"])
def test_http_404_of_other_formats(http_url, name):
    line = assert_one_error_line(cli("mse", "--pred", "1", "--target", f"{http_url}/{name}", env={}))
    assert line == f"losscli: error: --target: cannot read {http_url}/{name}: not found (HTTP 404)"


def test_connection_refused():
    with __import__("socket").socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        line = assert_one_error_line(cli("mse", "--pred", f"http://127.0.0.1:{port}/p.csv:pred", "--target", "1",
                                         env={}))
    assert line == (f"losscli: error: --pred: cannot read http://127.0.0.1:{port}/p.csv: "
                    f"cannot connect to 127.0.0.1:{port} (connection refused)")


@pytest.mark.parametrize("url, reason", [
    ("s3://losscli-test/missing.csv", "not found"),
    ("s3://losscli-test/missing.parquet", "not found"),
    ("s3://no-such-bucket/t.csv", "no such bucket"),
])
def test_a_missing_s3_key_or_bucket(s3, url, reason):
    line = assert_one_error_line(cli("mse", "--pred", f"{url}:pred", "--target", "1", env=s3))
    assert line == f"losscli: error: --pred: cannot read {url}: {reason}"


def test_no_credentials(s3, tmp_path):
    env = {"AWS_ENDPOINT_URL": s3["AWS_ENDPOINT_URL"], "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    line = assert_one_error_line(cli("mse", "--pred", "s3://losscli-test/t.csv:pred", "--target", "1", env=env))
    assert line.startswith("losscli: error: --pred: cannot read s3://losscli-test/t.csv: no credentials: set ")


def test_an_unknown_column_of_a_url_names_it(http_url):
    line = assert_one_error_line(cli("mse", "--pred", f"{http_url}/t.csv:score", "--target", "1", env={}))
    assert line == f"losscli: error: --pred: no column 'score' in {http_url}/t.csv (columns: pred, target, l0, l1, l2, label)"


# --- imports and the extra ---------------------------------------------------------------------

_MAIN = "import sys; {setup}; sys.argv = ['losscli', *{args!r}]\nfrom losscli.cli import main\ntry:\n    main()\n" \
        "finally:\n    print(sorted(m for m in ('fsspec', 's3fs', 'aiohttp', 'botocore') if sys.modules.get(m)), " \
        "file=sys.stderr)"


def test_nothing_of_fsspec_is_imported_without_a_url(data):
    folder, _ = data
    for fmt in ("csv", "parquet", "npy"):
        (pred, target), _ = sources(fmt, str(folder))
        code = _MAIN.format(setup="pass", args=["mse", "--pred", pred, "--target", target, "-q"])
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == "[]"


@pytest.mark.parametrize("url", ["https://example.com/preds.csv", "s3://bucket/preds/part-*.parquet",
                                 "s3://bucket/preds"])
def test_without_the_extra_a_url_is_one_line(url):
    code = _MAIN.format(setup="sys.modules['fsspec'] = None", args=["mse", "--pred", f"{url}:pred", "--target", "1"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"losscli: error: --pred: {url} needs the remote extra: pip install 'losscli[remote]'", "[]"]


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_a_remote_columnar_file_splits_into_windows_of_rows(fmt, base, data, monkeypatch):
    """--scheduler: a Parquet/Arrow URL's rows are counted from its metadata and read in windows
    (polars reads the row groups under each); the cluster's value is the local file's."""
    pytest.importorskip("distributed")
    from losscli import distributed
    from losscli.engine import Invocation

    folder, frame = data
    (pred, target), _ = sources(fmt, base)
    inv = Invocation("mse", {"pred": pred, "target": target}, reduction="sum")
    assert distributed._extent(inv.sources) == ("rows", ROWS)
    cuts = [0, 1, 700, ROWS]
    total = sum(float(engine.run(Invocation("mse", inv.sources, reduction="sum", window=("rows", a, b))).value)
                for a, b in zip(cuts, cuts[1:]))
    want = float(((frame["pred"] - frame["target"]) ** 2).sum())
    assert total == pytest.approx(want, rel=1e-13)
    monkeypatch.setattr(distributed, "ROWS_PER_TASK", 400)
    monkeypatch.setattr(distributed, "_SPLIT_ROWS", 0)
    tasks = distributed.plan(engine._checked(inv), inv, 2)
    assert len(tasks) == 4 and all(t.window is not None for t in tasks)
    local = [f"{folder}/t.{fmt}:pred", f"{folder}/t.{fmt}:target"]
    one = engine.run(Invocation("mse", {"pred": local[0], "target": local[1]}, top=2))
    many = distributed.run(Invocation("mse", inv.sources, top=2), "local:2")
    assert float(many.value) == pytest.approx(float(one.value), rel=1e-12, abs=0)
    np.testing.assert_array_equal(many.top.positions(), one.top.positions())


def test_a_dataset_on_s3_runs_on_a_cluster(s3, data):
    """--scheduler with an s3:// glob: the workers read the shards' URLs as given (they were made
    into local paths before), and the value is the local glob's."""
    pytest.importorskip("distributed")
    from losscli import distributed
    from losscli.engine import Invocation

    folder, _ = data
    remote_glob, local_glob = "s3://losscli-test/preds/part-*.parquet", f"{folder}/preds/part-*.parquet"
    one = engine.run(Invocation("mse", {"pred": f"{local_glob}:pred", "target": f"{local_glob}:target"}, top=3))
    many = distributed.run(Invocation("mse", {"pred": f"{remote_glob}:pred", "target": f"{remote_glob}:target"},
                                      top=3), "local:2")
    assert float(many.value) == pytest.approx(float(one.value), rel=1e-12, abs=0)
    np.testing.assert_array_equal(many.top.positions(), one.top.positions())
