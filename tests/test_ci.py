"""--ci: confidence intervals over samples, against scipy.stats.t.interval on the per-sample
losses torch computes (reduction='none'); the same bits in blocks as whole; merged shards; the
refusals; check files. Oracles: scipy and torch, test dependencies only."""

import json
import math

import numpy as np
import pytest

from helpers import assert_one_error_line, run
from losscli import engine, stats
from losscli.engine import Invocation

scipy_stats = pytest.importorskip("scipy.stats")
torch = pytest.importorskip("torch")
F = torch.nn.functional


def _csv(path, **columns):
    names = list(columns)
    rows = zip(*(np.asarray(c).tolist() for c in columns.values()))
    path.write_text(",".join(names) + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows))
    return path


def _scipy_t(per_sample, level=0.95):
    x = np.asarray(per_sample, dtype=np.float64)
    return scipy_stats.t.interval(level, x.size - 1, loc=x.mean(), scale=scipy_stats.sem(x))


@pytest.fixture
def regression(tmp_path):
    rng = np.random.default_rng(11)
    pred = rng.normal(size=9000)
    target = pred + rng.standard_t(3, size=9000)
    return _csv(tmp_path / "r.csv", pred=pred, target=target), pred, target


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_mse_interval_is_scipys_t_interval_of_torchs_per_sample_losses(regression, level):
    path, pred, target = regression
    r = engine.run(Invocation("mse", {"pred": f"{path}:pred", "target": f"{path}:target"}, ci=level))
    per_sample = F.mse_loss(torch.tensor(pred), torch.tensor(target), reduction="none").numpy()
    assert (r.ci["low"], r.ci["high"]) == pytest.approx(_scipy_t(per_sample, level), rel=1e-12)
    assert r.ci["se"] == pytest.approx(scipy_stats.sem(per_sample), rel=1e-12)
    assert r.ci | {"low": 0, "high": 0, "se": 0} == {"level": level, "low": 0, "high": 0, "se": 0, "method": "t",
                                                     "unit": "sample", "n": 9000}


def test_a_sample_is_a_row_its_loss_the_mean_of_its_elements():
    rng = np.random.default_rng(12)
    pred, target = rng.normal(size=(40, 7)), rng.normal(size=(40, 7))
    inline = lambda a: ";".join(",".join(map(repr, row)) for row in a.tolist())  # noqa: E731
    r = engine.run(Invocation("l1", {"pred": inline(pred), "target": inline(target)}, ci=0.95))
    per_sample = F.l1_loss(torch.tensor(pred), torch.tensor(target), reduction="none").mean(dim=1).numpy()
    assert r.ci["n"] == 40 and r.ci["method"] == "t"
    assert (r.ci["low"], r.ci["high"]) == pytest.approx(_scipy_t(per_sample), rel=1e-12)


def _classes(n=300, c=5, seed=13):
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(size=(n, c)) * 2, rng.integers(0, c, size=n)
    labels[::17] = -100  # ignored samples weigh 0
    return logits, labels


def test_weighted_cross_entropy_is_the_delta_method_over_torchs_numbers(tmp_path):
    logits, labels = _classes()
    weight = np.array([1.0, 2.0, 0.5, 3.0, 1.5])
    columns = {f"c{i}": logits[:, i] for i in range(5)}
    path = _csv(tmp_path / "ce.csv", **columns, y=labels)
    r = engine.run(Invocation("cross-entropy", {"pred": f"{path}:c0,c1,c2,c3,c4", "target": f"{path}:y",
                                                "weight": "1,2,0.5,3,1.5"}, ci=0.9))
    x = F.cross_entropy(torch.tensor(logits), torch.tensor(labels), weight=torch.tensor(weight),
                        reduction="none").numpy()  # torch: w[y] * nll, 0 where ignored
    w = np.where(labels == -100, 0.0, weight[np.where(labels == -100, 0, labels)])
    ratio = x.sum() / w.sum()
    assert float(r.value) == pytest.approx(ratio, rel=1e-12)
    se = np.sqrt(np.var(x - ratio * w, ddof=1) / x.size) / w.mean()  # the linearised ratio's standard error
    assert r.ci["method"] == "delta" and r.ci["n"] == 300
    assert r.ci["se"] == pytest.approx(se, rel=1e-10)
    assert (r.ci["low"], r.ci["high"]) == pytest.approx(scipy_stats.t.interval(0.9, 299, ratio, se), rel=1e-10)


def test_unweighted_nll_without_ignored_targets_is_a_plain_t_interval():
    logits, labels = _classes(seed=14)
    labels = np.abs(labels) % 5
    logp = F.log_softmax(torch.tensor(logits), dim=1)
    inline = ";".join(",".join(map(repr, row)) for row in logp.numpy().tolist())
    r = engine.run(Invocation("nll", {"pred": inline, "target": ",".join(map(str, labels))}, ci=0.95))
    per_sample = F.nll_loss(logp, torch.tensor(labels), reduction="none").numpy()
    assert r.ci["method"] == "t"
    assert (r.ci["low"], r.ci["high"]) == pytest.approx(_scipy_t(per_sample), rel=1e-12)


def test_batchmean_is_the_mean_of_each_samples_sum():
    rng = np.random.default_rng(15)
    logp = F.log_softmax(torch.tensor(rng.normal(size=(50, 4))), dim=1)
    q = F.softmax(torch.tensor(rng.normal(size=(50, 4))), dim=1)
    inline = lambda a: ";".join(",".join(map(repr, row)) for row in a.numpy().tolist())  # noqa: E731
    r = engine.run(Invocation("kl-div", {"pred": inline(logp), "target": inline(q)}, reduction="batchmean", ci=0.95))
    per_sample = F.kl_div(logp, q, reduction="none").sum(dim=1).numpy()
    assert float(r.value) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert (r.ci["low"], r.ci["high"]) == pytest.approx(_scipy_t(per_sample), rel=1e-12)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(stats, "CHUNK", 64)  # many chunk boundaries inside every block


@pytest.mark.parametrize("loss,extra", [("mse", []), ("huber", ["--delta", "0.5"])])
def test_blocks_give_the_bits_of_the_whole(regression, monkeypatch, small_chunks, loss, extra):
    path = regression[0]
    command = [loss, "--pred", f"{path}:pred", "--target", f"{path}:target", "--ci", "0.95", "-f", "json", *extra]
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    from losscli import stream

    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    blocked = json.loads(run(*command).stdout)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    whole = json.loads(run(*command).stdout)
    assert blocked["ci"] == whole["ci"]  # bit for bit: the moments fold chunks aligned to the sample index
    assert blocked["partials"]["moments"] == whole["partials"]["moments"]


def test_merged_shards_give_the_interval_of_the_whole(tmp_path, regression):
    path, pred, target = regression
    shards = []
    for i, (lo, hi) in enumerate([(0, 4096), (4096, 7000), (7000, 9000)]):
        shard = _csv(tmp_path / f"s{i}.csv", pred=pred[lo:hi], target=target[lo:hi])
        out = run("mse", "--pred", f"{shard}:pred", "--target", f"{shard}:target", "--ci", "0.95", "-f", "json")
        (tmp_path / f"s{i}.json").write_text(out.stdout)
        shards.append(str(tmp_path / f"s{i}.json"))
    merged = json.loads(run("merge", *shards, "-f", "json").stdout)
    whole = json.loads(run("mse", "--pred", f"{path}:pred", "--target", f"{path}:target", "--ci", "0.95",
                           "-f", "json").stdout)
    assert merged["ci"]["n"] == 9000 and merged["ci"]["method"] == "t" and merged["ci"]["level"] == 0.95
    for key in ("low", "high", "se"):
        assert merged["ci"][key] == pytest.approx(whole["ci"][key], rel=1e-13)


def test_merge_refuses_shards_with_and_without_an_interval(entry, tmp_path):
    a = run("mse", "-p", "1,2,3", "-t", "1,1,1", "--ci", "0.95", "-f", "json").stdout
    b = run("mse", "-p", "1,2,3", "-t", "1,1,1", "-f", "json").stdout
    c = run("mse", "-p", "1,2,3", "-t", "1,1,1", "--ci", "0.9", "-f", "json").stdout
    for i, text in enumerate((a, b, c)):
        (tmp_path / f"{i}.json").write_text(text)
    assert_one_error_line(entry("merge", tmp_path / "0.json", tmp_path / "1.json"), ["--ci 0.95"])
    assert_one_error_line(entry("merge", tmp_path / "0.json", tmp_path / "2.json"), ["0.9", "0.95"])


def test_every_format_shows_the_interval():
    args = ["mse", "-p", "1,2,3,4", "-t", "1.5,2,2,5", "--ci", "0.95"]
    low, high = _scipy_t([0.25, 0, 1, 1])
    text = run(*args).stdout
    assert f"95% CI [{low:.4f}, {high:.4f}] (se 0.2577, t over 4 samples)" in text
    csv = run(*args, "-f", "csv").stdout.splitlines()
    row = dict(zip(csv[0].split(","), csv[1].split(",")))
    assert float(row["ci_low"]) == pytest.approx(low, rel=1e-12) and row["ci_method"] == "t" and row["ci_n"] == "4"
    md = run(*args, "-f", "md").stdout
    assert "| 95% CI | se | method |" in md and f"[{low:.4f}, {high:.4f}]" in md
    obj = json.loads(run(*args, "-f", "json").stdout)
    assert list(obj["ci"]) == ["level", "low", "high", "se", "method", "unit", "n"]
    assert run(*args, "-q").stdout == "0.5625\n"  # -q stays the bare value
    assert "ci" not in json.loads(run(*args[:-2], "-f", "json").stdout)  # keys only added with --ci


def test_ci_alone_is_095_and_a_level_may_follow(entry):
    assert json.loads(entry("mse", "-p", "1,2,3", "-t", "0,0,0", "--ci", "-f", "json").stdout)["ci"]["level"] == 0.95
    assert json.loads(entry("mse", "-p", "1,2,3", "-t", "0,0,0", "-f", "json", "--ci").stdout)["ci"]["level"] == 0.95
    assert json.loads(entry("mse", "-p", "1,2,3", "-t", "0,0,0", "--ci", "0.5", "-f", "json").stdout)["ci"]["level"] == 0.5


@pytest.mark.parametrize("args,words", [
    (["--ci", "-r", "sum"], ["--ci", "--reduction sum"]),
    (["--ci", "-r", "none"], ["--ci", "--reduction none"]),
    (["--ci", "1.5"], ["--ci", "between 0 and 1"]),
    (["--ci-method", "bootstrap"], ["--ci-method bootstrap", "add --ci"]),
    (["--sample-offset", "10"], ["--sample-offset", "add --ci"]),
    (["--ci", "--ci-method", "bootstrap", "--resamples", "1"], ["--resamples", "at least 2"]),
])
def test_refusals_are_one_line(entry, args, words):
    assert_one_error_line(entry("mse", "-p", "1,2,3", "-t", "0,0,0", *args), words)


def test_one_sample_has_no_interval():
    obj = json.loads(run("mse", "-p", "1", "-t", "0", "--ci", "0.95", "-f", "json").stdout)
    assert obj["ci"]["n"] == 1 and obj["ci"]["low"] == "NaN" and obj["ci"]["se"] == "NaN"


def test_check_files_take_ci(tmp_path):
    (tmp_path / "c.toml").write_text('[[check]]\nloss = "mse"\npred = "1,2,3,4"\ntarget = "1.5,2,2,5"\nci = 0.9\n')
    out = json.loads(run("check", tmp_path / "c.toml", "-f", "json").stdout)
    low, high = _scipy_t([0.25, 0, 1, 1], 0.9)
    assert out["checks"][0]["ci"]["level"] == 0.9
    assert (out["checks"][0]["ci"]["low"], out["checks"][0]["ci"]["high"]) == pytest.approx((low, high), rel=1e-12)
    text = run("check", tmp_path / "c.toml").stdout
    assert f"0.5625 [{low:.4f}, {high:.4f}]" in text


@pytest.mark.slow
def test_coverage_table_meets_the_issues_criterion(capsys):
    """benchmarks/coverage.py: 1,000 sets per scenario, each 95% coverage within 93.5-96.5%."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "coverage.py"
    spec = importlib.util.spec_from_file_location("coverage_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--sets", "1000"]) == 0, capsys.readouterr().out


# --- --ci-method bootstrap ---------------------------------------------------------------------


def test_poisson_weights_are_poisson_1():
    w = stats.poisson_weights(5, 0, 1000)
    assert w.shape == (stats.CHUNK, 1000)
    values, counts = np.unique(w, return_counts=True)
    expected = np.array([np.exp(-1) / math.factorial(int(k)) for k in values]) * w.size
    # chi-square goodness of fit over the common values (k <= 5), 4 million draws
    common = values <= 5
    chi2 = (((counts - expected) ** 2) / expected)[common].sum()
    assert scipy_stats.chi2.sf(chi2, common.sum() - 1) > 1e-4


def test_bootstrap_interval_agrees_with_scipys_percentile_bootstrap(regression):
    path, pred, target = regression
    r = engine.run(Invocation("mse", {"pred": f"{path}:pred", "target": f"{path}:target"}, ci=0.95,
                              ci_method="bootstrap", resamples=4000, seed=1))
    per_sample = (pred - target) ** 2
    ref = scipy_stats.bootstrap((per_sample,), np.mean, n_resamples=4000, method="percentile",
                                random_state=np.random.default_rng(1))
    se = ref.standard_error
    # two Monte Carlo estimates of the same quantiles: each is off by ~0.03 se at B = 4000
    assert r.ci["method"] == "bootstrap" and r.ci["n"] == 9000
    assert abs(r.ci["low"] - ref.confidence_interval.low) < 0.2 * se
    assert abs(r.ci["high"] - ref.confidence_interval.high) < 0.2 * se
    assert r.ci["se"] == pytest.approx(se, rel=0.1)


def test_bootstrap_in_blocks_is_the_bits_of_the_whole(regression, monkeypatch, small_chunks):
    path = regression[0]
    command = ["mse", "--pred", f"{path}:pred", "--target", f"{path}:target", "--ci", "0.9", "--ci-method",
               "bootstrap", "--resamples", "200", "--seed", "4", "-f", "json"]
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    from losscli import stream

    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    blocked = json.loads(run(*command).stdout)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    whole = json.loads(run(*command).stdout)
    assert blocked["ci"] == whole["ci"] and blocked["partials"]["bootstrap"] == whole["partials"]["bootstrap"]
    other_seed = json.loads(run(*command[:-3], "5", "-f", "json").stdout)
    assert other_seed["ci"] != whole["ci"]


def test_shards_keyed_by_sample_offset_merge_into_the_whole(tmp_path, regression, small_chunks):
    path, pred, target = regression
    boot = ["--ci", "0.95", "--ci-method", "bootstrap", "--resamples", "300", "--seed", "9", "-f", "json"]
    shards, unkeyed = [], []
    for i, (lo, hi) in enumerate([(0, 1000), (1000, 7001), (7001, 9000)]):
        shard = _csv(tmp_path / f"s{i}.csv", pred=pred[lo:hi], target=target[lo:hi])
        for offset, names in ((lo, shards), (0, unkeyed)):
            out = run("mse", "--pred", f"{shard}:pred", "--target", f"{shard}:target", *boot,
                      "--sample-offset", str(offset))
            name = tmp_path / f"s{i}-{offset}.json"
            name.write_text(out.stdout)
            names.append(str(name))
    whole = json.loads(run("mse", "--pred", f"{path}:pred", "--target", f"{path}:target", *boot).stdout)
    merged = json.loads(run("merge", *shards, "-f", "json").stdout)
    assert merged["ci"]["method"] == "bootstrap" and merged["ci"]["n"] == 9000
    for key in ("low", "high", "se"):
        assert merged["ci"][key] == pytest.approx(whole["ci"][key], rel=1e-12)
    wrong = json.loads(run("merge", *unkeyed, "-f", "json").stdout)  # every shard drew sample 0's weights
    assert wrong["ci"]["low"] != pytest.approx(whole["ci"]["low"], rel=1e-9)
