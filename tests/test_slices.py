"""--by SOURCE (issue 13, item 3): each group's loss equals torch's loss on that group's rows
alone (golden values computed here by torch 2.13 on the filtered rows: weighted cross-entropy
and ignore_index included), its interval scipy's on those rows; keys normalised; sorted; every
format; gates per group; refusals; the same bits in blocks; merged shards; check files.
Oracles: torch and scipy, test dependencies only."""

import json

import numpy as np
import pytest

from helpers import assert_one_error_line, run
from losscli import engine, stats, stream
from losscli.engine import Invocation

torch = pytest.importorskip("torch")
scipy_stats = pytest.importorskip("scipy.stats")
F = torch.nn.functional

DOMAINS = np.array(["news", "web", "books", "code", "law"])


def _csv(path, **columns):
    names = list(columns)
    cells = [[v if isinstance(v, str) else repr(v) for v in np.asarray(c).tolist()] for c in columns.values()]
    path.write_text(",".join(names) + "\n" + "".join(",".join(r) + "\n" for r in zip(*cells)))
    return path


def _groups(r) -> dict:
    return {g["group"]: g for g in r.groups}


@pytest.fixture
def data(tmp_path):
    """600 samples: regression pairs of 3 elements, 4-class logits with weighted labels (some
    ignored), a text domain and a numeric bucket per sample."""
    rng = np.random.default_rng(21)
    n = 600
    pred, target = rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    logits, labels = rng.normal(size=(n, 4)) * 2, rng.integers(0, 4, size=n)
    labels[::13] = -100
    domain = DOMAINS[rng.integers(0, 5, size=n)]
    bucket = rng.integers(0, 7, size=n).astype(float)
    columns = {f"p{j}": pred[:, j] for j in range(3)} | {f"t{j}": target[:, j] for j in range(3)}
    columns |= {f"c{j}": logits[:, j] for j in range(4)}
    path = _csv(tmp_path / "d.csv", **columns, y=labels, domain=domain, bucket=bucket)
    return {"path": path, "pred": pred, "target": target, "logits": logits, "labels": labels, "domain": domain,
            "bucket": bucket}


def _mse(d, **kw):
    p = d["path"]
    return Invocation("mse", {"pred": f"{p}:p0,p1,p2", "target": f"{p}:t0,t1,t2"}, **kw)


def _ce(d, **kw):
    p = d["path"]
    return Invocation("cross-entropy", {"pred": f"{p}:c0,c1,c2,c3", "target": f"{p}:y", "weight": "1,2,0.5,3"},
                      **kw)


# --- each group's loss is torch's on its rows -------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_of_each_domain_is_torchs_on_its_rows(data, reduction):
    r = engine.run(_mse(data, by=f"{data['path']}:domain", reduction=reduction))
    groups = _groups(r)
    assert set(groups) == set(DOMAINS)
    for name in DOMAINS:
        rows = data["domain"] == name
        expected = F.mse_loss(torch.tensor(data["pred"][rows]), torch.tensor(data["target"][rows]),
                              reduction=reduction).item()
        assert float(groups[name]["value"]) == pytest.approx(expected, rel=1e-12)
        assert groups[name]["n"] == rows.sum()


def test_weighted_cross_entropy_with_ignored_targets_is_the_ratio_within_each_group(data):
    r = engine.run(_ce(data, by=f"{data['path']}:domain"))
    weight = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)
    for name, g in _groups(r).items():
        rows = data["domain"] == name
        expected = F.cross_entropy(torch.tensor(data["logits"][rows]), torch.tensor(data["labels"][rows]),
                                   weight=weight).item()
        assert float(g["value"]) == pytest.approx(expected, rel=1e-12)


def test_nll_by_a_numeric_bucket_and_kl_div_batchmean(data):
    logp = F.log_softmax(torch.tensor(data["logits"]), dim=1)
    path = data["path"]
    np.save(path.parent / "logp.npy", logp.numpy())
    np.save(path.parent / "y.npy", data["labels"])
    r = engine.run(Invocation("nll", {"pred": str(path.parent / "logp.npy"), "target": str(path.parent / "y.npy")},
                              by=f"{path}:bucket"))
    for name, g in _groups(r).items():
        rows = data["bucket"] == float(name)
        assert float(g["value"]) == pytest.approx(F.nll_loss(logp[rows], torch.tensor(data["labels"][rows])).item(),
                                                  rel=1e-12)
    q = F.softmax(torch.tensor(data["pred"]), dim=1)
    np.save(path.parent / "q.npy", q.numpy())
    np.save(path.parent / "lp.npy", F.log_softmax(torch.tensor(data["target"]), dim=1).numpy())
    r = engine.run(Invocation("kl-div", {"pred": str(path.parent / "lp.npy"), "target": str(path.parent / "q.npy")},
                              reduction="batchmean", by=f"{path}:domain"))
    lp = F.log_softmax(torch.tensor(data["target"]), dim=1)
    for name, g in _groups(r).items():
        rows = torch.tensor(data["domain"] == name)
        assert float(g["value"]) == pytest.approx(F.kl_div(lp[rows], q[rows], reduction="batchmean").item(), rel=1e-12)


def test_by_target_groups_by_class(data):
    p = data["path"]
    r = engine.run(Invocation("cross-entropy", {"pred": f"{p}:c0,c1,c2,c3", "target": f"{p}:y"}, by="target"))
    groups = _groups(r)
    assert set(groups) == {"-100", "0", "1", "2", "3"}
    assert float(groups["-100"]["value"]) != float(groups["-100"]["value"])  # only ignored targets: 0/0, torch's nan
    for c in range(4):
        rows = data["labels"] == c
        expected = F.cross_entropy(torch.tensor(data["logits"][rows]), torch.tensor(data["labels"][rows])).item()
        assert float(groups[str(c)]["value"]) == pytest.approx(expected, rel=1e-12)


def test_the_whole_value_is_unchanged_by_by(data):
    assert engine.run(_ce(data, by="target")).value == engine.run(_ce(data)).value
    assert engine.run(_mse(data, by=f"{data['path']}:domain")).value == engine.run(_mse(data)).value


# --- intervals per group -------------------------------------------------------------------------


def test_each_groups_interval_is_scipys_t_interval_of_its_samples(data):
    r = engine.run(_mse(data, by=f"{data['path']}:domain", ci=0.9))
    for name, g in _groups(r).items():
        rows = data["domain"] == name
        per_sample = ((data["pred"][rows] - data["target"][rows]) ** 2).mean(axis=1)
        low, high = scipy_stats.t.interval(0.9, rows.sum() - 1, per_sample.mean(), scipy_stats.sem(per_sample))
        assert (g["ci"]["low"], g["ci"]["high"]) == pytest.approx((low, high), rel=1e-10)
        assert g["ci"]["n"] == rows.sum() and g["ci"]["method"] == "t"


def test_weighted_cross_entropy_groups_take_the_delta_method(data):
    r = engine.run(_ce(data, by=f"{data['path']}:domain", ci=0.95))
    weight = np.array([1.0, 2.0, 0.5, 3.0])
    for name, g in _groups(r).items():
        rows = data["domain"] == name
        labels = data["labels"][rows]
        x = F.cross_entropy(torch.tensor(data["logits"][rows]), torch.tensor(labels), weight=torch.tensor(weight),
                            reduction="none").numpy()
        w = np.where(labels == -100, 0.0, weight[np.where(labels == -100, 0, labels)])
        ratio = x.sum() / w.sum()
        se = np.sqrt(np.var(x - ratio * w, ddof=1) / x.size) / w.mean()
        assert g["ci"]["method"] == "delta"
        assert g["ci"]["se"] == pytest.approx(se, rel=1e-9)


# --- keys ----------------------------------------------------------------------------------------


def test_numbers_are_normalised_and_missing_keys_are_the_group_nan(tmp_path):
    path = tmp_path / "k.jsonl"
    keys = [2, 2.0, "2", "2.0", " news ", "news", None, "", 0.5]
    path.write_text("".join(json.dumps({"p": float(i), "t": 0.0, "k": k}) + "\n" for i, k in enumerate(keys)))
    r = engine.run(Invocation("l1", {"pred": f"{path}:p", "target": f"{path}:t"}, by=f"{path}:k"))
    groups = _groups(r)
    assert set(groups) == {"2", "news", "NaN", "0.5"}
    assert [groups[k]["n"] for k in ("2", "news", "NaN", "0.5")] == [4, 2, 2, 1]
    assert float(groups["2"]["value"]) == pytest.approx((0 + 1 + 2 + 3) / 4)
    csv = _csv(tmp_path / "k.csv", p=np.arange(4.0), t=np.zeros(4), k=np.array(["2", "2.0", "", "3"]))
    r = engine.run(Invocation("l1", {"pred": f"{csv}:p", "target": f"{csv}:t"}, by=f"{csv}:k"))  # numeric column
    assert {g["group"]: g["n"] for g in r.groups} == {"2": 2, "NaN": 1, "3": 1}


def test_groups_are_sorted_by_value_largest_first_nan_first():
    r = run("l1", "-p", "1,5,3,0,9", "-t", "0,0,0,0,0", "--by", "1,2,3,3,nan", "-f", "json")
    obj = json.loads(r.stdout)
    assert [g["group"] for g in obj["groups"]] == ["NaN", "2", "3", "1"]  # the NaN key's loss is 9, not NaN
    r = run("mse", "-p", "nan,1,2", "-t", "0,0,0", "--by", "a,b,c", "-f", "json")
    assert [g["group"] for g in json.loads(r.stdout)["groups"]] == ["a", "c", "b"]  # a NaN loss first


# --- formats -------------------------------------------------------------------------------------

ARGS = ["mse", "-p", "0.1,0.9,0.4,0.8,0.3,0.7", "-t", "0,1,0,1,1,1", "--by", "news,web,news,web,books,news"]


def test_json_contract():
    obj = json.loads(run(*ARGS, "-f", "json").stdout)
    assert obj["value"] == pytest.approx(0.8 / 6)
    assert [list(g)[:3] for g in obj["groups"]] == [["group", "value", "n"]] * 3
    assert [(g["group"], g["n"]) for g in obj["groups"]] == [("books", 1), ("news", 3), ("web", 2)]
    assert obj["groups"][0]["value"] == pytest.approx(0.49, rel=1e-12)
    assert all("ci" not in g for g in obj["groups"])  # only under --ci
    ci = json.loads(run(*ARGS, "--ci", "0.95", "-f", "json").stdout)
    assert list(ci["groups"][1]["ci"]) == ["level", "low", "high", "se", "method", "unit", "n"]
    assert "groups" not in json.loads(run(*ARGS[:-2], "-f", "json").stdout)  # keys only added with --by


def test_text_csv_tsv_jsonl_md_and_quiet():
    text = run(*ARGS).stdout
    assert text.splitlines()[1:] == ["mse by --by: 3 groups, largest first",
                                     "  --by     loss  samples",
                                     "  books  0.4900        1",
                                     "  news   0.0867        3",
                                     "  web    0.0250        2"]
    csv = run(*ARGS, "-f", "csv").stdout.splitlines()
    assert csv[0] == "loss,reduction,dtype,by,group,samples,value"
    assert csv[1:] == ["mse,mean,float64,--by,books,1,0.48999999999999994",
                       "mse,mean,float64,--by,news,3,0.08666666666666668",
                       "mse,mean,float64,--by,web,2,0.024999999999999988"]
    assert run(*ARGS, "-f", "tsv").stdout.splitlines()[1] == "mse\tmean\tfloat64\t--by\tbooks\t1\t0.48999999999999994"
    lines = [json.loads(line) for line in run(*ARGS, "-f", "jsonl").stdout.splitlines()]
    assert [(o["group"], o["n"]) for o in lines] == [("books", 1), ("news", 3), ("web", 2)]
    md = run(*ARGS, "--ci", "0.95", "-f", "md").stdout
    assert ("| --by | loss | samples | 95% CI | se |\n|---|---|---|---|---|\n"
            "| books | 0.4900 | 1 | [nan, nan] | nan |") in md
    assert run(*ARGS, "-q").stdout == "0.13333333333333333\n"


def test_text_names_the_column(data):
    p = data["path"]
    out = run("mse", "--pred", f"{p}:p0", "--target", f"{p}:t0", "--by", f"{p}:domain").stdout
    assert "mse by domain: 5 groups, largest first" in out and "  domain " in out


def test_a_key_holding_the_delimiter_is_quoted_in_csv():
    out = run("l1", "-p", "[1, 2]", "-t", "[0, 0]", "--by", '["a,b", "c"]', "-f", "csv").stdout
    assert out.splitlines()[1] == "l1,mean,float64,--by,c,1,2.0"
    assert out.splitlines()[2].startswith('l1,mean,float64,--by,"a,b",1,')


# --- gates ---------------------------------------------------------------------------------------


def test_gates_fail_when_any_group_fails_and_name_them(entry):
    r = entry(*ARGS, "--fail-above", "0.05")
    assert r.returncode == 1
    assert r.stderr == ("losscli: check failed: mse: 2 of 3 groups > 0.05 (--fail-above): "
                        "'books' = 0.48999999999999994, 'news' = 0.08666666666666668\n")
    assert entry(*ARGS, "--fail-above", "0.5").returncode == 0
    low = entry(*ARGS, "--fail-below", "0.05")
    assert low.returncode == 1 and "1 of 3 groups < 0.05 (--fail-below): 'web'" in low.stderr


# --- refusals ------------------------------------------------------------------------------------


def test_reduction_none_is_refused(entry):
    assert_one_error_line(entry(*ARGS, "-r", "none"), ["--by", "-r none"])


def test_a_length_mismatch_names_both_lengths(entry, data, tmp_path):
    assert_one_error_line(entry("mse", "-p", "1,2,3", "-t", "0,0,0", "--by", "a,b"), ["--by has 2 keys", "3 rows"])
    assert_one_error_line(entry("mse", "-p", "1,2,3", "-t", "0,0,0", "--by", "1,2,3,4"), ["4 keys", "3 rows"])
    keys = _csv(tmp_path / "keys.csv", k=data["domain"][:-1])
    p = data["path"]
    assert_one_error_line(entry("mse", "--pred", f"{p}:p0", "--target", f"{p}:t0", "--by", f"{keys}:k"),
                          ["599", "600"])
    assert_one_error_line(entry("cross-entropy", "-p", "1,2;3,4", "-t", "0.5,0.5;1,0", "--by", "target"),
                          ["--by target", "(2, 2)"])


def test_a_key_column_must_be_one_column(entry, data):
    p = data["path"]
    assert_one_error_line(entry("mse", "--pred", f"{p}:p0", "--target", f"{p}:t0", "--by", f"{p}:p1,p2"),
                          ["--by", "one key per sample"])


# --- blocks, streams, shards ----------------------------------------------------------------------


@pytest.mark.parametrize("by", ["domain", "bucket", "words met in blocks"])
@pytest.mark.parametrize("extra", [[], ["--ci", "0.95"],
                                   ["--ci", "0.9", "--ci-method", "bootstrap", "--resamples", "50"]])
def test_blocks_give_the_bits_of_the_whole(data, monkeypatch, by, extra):
    from losscli import slices

    p = data["path"]
    if by == "words met in blocks":  # not seen ahead: the numeric block reader meets them, then they are read as text
        monkeypatch.setattr(slices, "words_ahead", lambda *a: False)
        by = "domain"
    command = ["mse", "--pred", f"{p}:p0,p1,p2", "--target", f"{p}:t0,t1,t2", "--by", f"{p}:{by}", "-f", "json",
               *extra]
    monkeypatch.setattr(stats, "CHUNK", 64)  # many chunk boundaries inside every block
    monkeypatch.setattr(slices, "SUM_CHUNK", 48)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    blocked = json.loads(run(*command).stdout)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    whole = json.loads(run(*command).stdout)
    assert blocked["groups"] == whole["groups"]


def test_nan_policy_omit_drops_the_samples_keys_too():
    out = json.loads(run("l1", "-p", "1,nan,3,4", "-t", "0,0,0,0", "--by", "a,a,b,b", "--nan-policy", "omit",
                         "-f", "json").stdout)
    assert [(g["group"], g["value"], g["n"]) for g in out["groups"]] == [("b", 3.5, 2), ("a", 1.0, 1)]


def test_stdin_keys_with_the_other_columns():
    text = "p,t,k\n1,0,x\n2,0,y\n3,0,x\n"
    out = json.loads(run("l1", "-p", "-:p", "-t", "-:t", "--by", "-:k", "-f", "json", input=text).stdout)
    assert [(g["group"], g["value"]) for g in out["groups"]] == [("x", 2.0), ("y", 2.0)]  # ties: by name


@pytest.mark.parametrize("extra", [[], ["--ci", "0.95"],
                                   ["--ci", "0.95", "--ci-method", "bootstrap", "--resamples", "200"]])
def test_merged_shards_give_the_groups_of_the_whole(data, tmp_path, extra):
    whole_file = _csv(tmp_path / "w.csv", p0=data["pred"][:, 0], t0=data["target"][:, 0], domain=data["domain"])
    shards = []
    for i, (lo, hi) in enumerate([(0, 250), (250, 600)]):
        shard = _csv(tmp_path / f"s{i}.csv", p0=data["pred"][lo:hi, 0], t0=data["target"][lo:hi, 0],
                     domain=data["domain"][lo:hi])
        out = run("mse", "--pred", f"{shard}:p0", "--target", f"{shard}:t0", "--by", f"{shard}:domain", "-f", "json",
                  *extra, *(["--sample-offset", str(lo)] if "bootstrap" in extra else []))
        (tmp_path / f"s{i}.json").write_text(out.stdout)
        shards.append(tmp_path / f"s{i}.json")
    merged = json.loads(run("merge", *shards, "-f", "json").stdout)
    whole = json.loads(run("mse", "--pred", f"{whole_file}:p0", "--target", f"{whole_file}:t0", "--by",
                           f"{whole_file}:domain", "-f", "json", *extra).stdout)
    assert [g["group"] for g in merged["groups"]] == [g["group"] for g in whole["groups"]]
    for m, w in zip(merged["groups"], whole["groups"]):
        assert m["n"] == w["n"] and m["value"] == pytest.approx(w["value"], rel=1e-13)
        if extra:
            for key in ("low", "high", "se"):
                assert m["ci"][key] == pytest.approx(w["ci"][key], rel=1e-9)
            assert m["ci"]["method"] == w["ci"]["method"]


def test_merge_refuses_shards_with_and_without_groups(entry, tmp_path):
    a = run(*ARGS, "-f", "json").stdout
    b = run(*ARGS[:-2], "-f", "json").stdout
    (tmp_path / "a.json").write_text(a)
    (tmp_path / "b.json").write_text(b)
    assert_one_error_line(entry("merge", tmp_path / "a.json", tmp_path / "b.json"), ["no --by groups"])


# --- check files -------------------------------------------------------------------------------


def test_check_files_take_by_and_name_the_failing_group(entry, tmp_path):
    _csv(tmp_path / "d.csv", p=np.array([0.1, 0.9, 0.4, 0.8]), t=np.array([0.0, 1, 1, 1]),
         domain=np.array(["news", "web", "news", "web"]))
    (tmp_path / "c.toml").write_text('[[check]]\nname = "slices"\nloss = "mse"\npred = "d.csv:p"\n'
                                     'target = "d.csv:t"\nby = "d.csv:domain"\nfail-above = 0.1\n')
    r = entry("check", tmp_path / "c.toml")
    assert r.returncode == 1
    assert r.stderr.startswith("losscli: check failed: slices: mse: 1 of 2 groups > 0.1 (--fail-above): 'news' = 0.18")
    out = json.loads(run("check", tmp_path / "c.toml", "-f", "json").stdout)
    assert [g["group"] for g in out["checks"][0]["groups"]] == ["news", "web"]


def test_parquet_words_and_numbers(tmp_path):
    pl = pytest.importorskip("polars")
    path = tmp_path / "x.parquet"
    pl.DataFrame({"p": [0.1, 0.5, 0.9, 0.2], "t": [0.0, 1, 1, 0], "d": ["a", "b", "a", None],
                  "k": [1, 2, 1, 2]}).write_parquet(path)
    for by, expected in (("d", {"a": 2, "b": 1, "NaN": 1}), ("k", {"1": 2, "2": 2})):
        r = engine.run(Invocation("mse", {"pred": f"{path}:p", "target": f"{path}:t"}, by=f"{path}:{by}"))
        assert {g["group"]: g["n"] for g in r.groups} == expected
    r = engine.run(Invocation("mse", {"pred": f"{path}:p", "target": f"{path}:t"}, by=f"{path}:d"))
    assert float(_groups(r)["a"]["value"]) == pytest.approx((0.01 + 0.01) / 2, rel=1e-12)


def test_stdin_in_blocks_numeric_keys_and_words_refused(monkeypatch):
    rng = np.random.default_rng(5)
    p, k = rng.normal(size=3000), rng.integers(0, 4, size=3000)
    text = "p,t,k\n" + "".join(f"{a!r},0,{b}\n" for a, b in zip(p.tolist(), k.tolist()))
    command = ["l1", "-p", "-:p", "-t", "-:t", "--by", "-:k", "-f", "json"]
    whole = json.loads(run(*command, input=text).stdout)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    blocked = json.loads(run(*command, input=text).stdout)
    assert blocked["groups"] == whole["groups"]
    for g in whole["groups"]:
        assert g["value"] == pytest.approx(np.abs(p[k == int(g["group"])]).mean(), rel=1e-12)
    words = run(*command, input=text.replace(",0,1\n", ",0,x\n"))
    assert words.exit_code == 2 and "text group keys on stdin" in words.output
