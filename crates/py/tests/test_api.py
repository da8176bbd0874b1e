"""The API: run, sweep, check, scenarios, replay; the tables equal the command's files."""

import decimal
import json
import os
import signal
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ergon
from ergon import _ergon

from conftest import ipc

# stratos-small (seed 3, 2 runs, a row a day): 10 days are 11 rows a run (the genesis and one a
# day), 22 in all.
SHORT = {"epochs": "10d"}


def test_run_is_the_metrics_parquet_of_the_command(cli, tmp_path):
    t = ergon.run("stratos-small", **SHORT)
    out = tmp_path / "out"
    p = cli("run", "stratos-small", "--epochs", "10d", "--out", out, "-q")
    assert p.returncode == 0, p.stderr
    f = pq.read_table(out / "metrics.parquet")
    assert t.num_rows == 22
    assert t.column_names == f.column_names
    assert t.schema.equals(f.schema, check_metadata=True)
    assert ipc(t) == ipc(f)
    # The bytes the module reads its table from are those of the file.
    data, _ = _ergon._run("stratos-small", **SHORT)
    assert data == (out / "metrics.parquet").read_bytes()
    meta = t.schema.metadata
    assert meta[b"ergon.scenario"] == b"stratos-small"
    assert meta[b"ergon.seed"] == b"3"
    assert meta[b"ergon.complete"] == b"true"
    assert meta[b"ergon.version"] == ergon.VERSION.encode()
    summary = json.loads((out / "summary.json").read_text())
    assert meta[b"ergon.parameter_hash"] == summary["parameter_hash"].encode()
    # Rows: run 0's 11 days, then run 1's; the day column is epoch / 144.
    assert t.column("run").to_pylist() == [0] * 11 + [1] * 11
    assert t.column("epoch").to_pylist()[:3] == [0, 144, 288]
    assert t.column("day").to_pylist()[:3] == [0.0, 1.0, 2.0]


def test_options_override_as_the_command_flags_do(cli, tmp_path):
    t = ergon.run("stratos-small", runs=1, seed=9, epochs=288, set={"agents.users.count": 300})
    out = tmp_path / "out"
    args = ["--runs", 1, "--seed", 9, "--epochs", 288, "--set", "agents.users.count=300"]
    p = cli("run", "stratos-small", *args, "--out", out, "-q")
    assert p.returncode == 0, p.stderr
    assert ipc(t) == ipc(pq.read_table(out / "metrics.parquet"))
    # 288 epochs of 10 minutes are 2 days: the genesis and 2 rows, one run.
    assert t.num_rows == 3
    assert t.schema.metadata[b"ergon.seed"] == b"9"


def test_threads_do_not_change_the_results():
    a = ergon.run("stratos-small", threads=1, **SHORT)
    b = ergon.run("stratos-small", threads=2, **SHORT)
    assert ipc(a) == ipc(b)


def test_numpy_integers_are_whole_numbers():
    np = pytest.importorskip("numpy")
    a = ergon.run("stratos-small", epochs=2, runs=np.int64(1), seed=np.uint64(3), threads=np.int32(1))
    b = ergon.run("stratos-small", epochs=2, runs=1, seed=3, threads=1)
    assert ipc(a) == ipc(b)
    # epochs too (it was refused: "give a number of steps or text like "90d"").
    c = ergon.run("stratos-small", epochs=np.int64(2), runs=1, seed=3)
    assert ipc(c) == ipc(b)


def test_any_mapping_serves_as_a_dict(repo):
    import collections
    import tomllib
    import types

    class Paths(collections.abc.Mapping):
        """A mapping that is no dict."""

        def __init__(self, d):
            self.d = d

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return len(self.d)

    # set= and grid= are typed Mapping: any mapping is taken as its dict (a TypeError before).
    sets = {"agents.users.count": 40, "agents.users.balance": {"dist": "uniform", "low": 1, "high": 2}}
    grid = {"economy.params.settle_threshold_bps": [6000, 9000]}
    want = ipc(ergon.sweep("stratos-small", grid=grid, set=sets, **SHORT))
    for wrap in (types.MappingProxyType, Paths):
        inner = dict(sets, **{"agents.users.balance": wrap(sets["agents.users.balance"])})
        got = ergon.sweep("stratos-small", grid=wrap(grid), set=wrap(inner), **SHORT)
        assert ipc(got) == want
    # So is a scenario.
    d = tomllib.loads((repo / "scenarios" / "stratos-small.toml").read_text())
    assert ipc(ergon.run(Paths(d), **SHORT)) == ipc(ergon.run(d, **SHORT))


def test_a_dict_scenario_is_the_file(repo):
    import tomllib

    d = tomllib.loads((repo / "scenarios" / "stratos-small.toml").read_text())
    a = ergon.run(d, **SHORT)
    b = ergon.run(repo / "scenarios" / "stratos-small.toml", **SHORT)
    assert ipc(a) == ipc(b)


def test_sweep_with_a_grid_has_the_point_columns():
    grid = {"economy.params.settle_threshold_bps": [6000, 9000], "agents.users.count": [300, 600]}
    t = ergon.sweep("stratos-small", grid=grid, runs=1, epochs="2d")
    # 2 × 2 points, 1 run, 3 rows (genesis, day 1, day 2): 12 rows.
    assert t.num_rows == 12
    assert t.column_names[:5] == [
        "point",
        "sweep_agents_users_count",
        "sweep_economy_params_settle_threshold_bps",
        "run",
        "epoch",
    ]
    # Paths in sorted order, the first slowest: users (300, 600) × threshold (6000, 9000).
    firsts = t.filter(pa.compute.equal(t.column("epoch"), 0))
    assert firsts.column("point").to_pylist() == [0, 1, 2, 3]
    assert firsts.column("sweep_agents_users_count").to_pylist() == [300, 300, 600, 600]
    assert firsts.column("sweep_economy_params_settle_threshold_bps").to_pylist() == [
        6000,
        9000,
        6000,
        9000,
    ]


def test_sweep_of_a_shipped_grid_is_the_command_sweep(cli, tmp_path):
    t = ergon.sweep("stratos-sweep", runs=1, epochs="1d")
    out = tmp_path / "out"
    p = cli("sweep", "stratos-sweep", "--runs", 1, "--epochs", "1d", "--out", out, "-q")
    assert p.returncode == 0, p.stderr
    f = pq.read_table(out / "metrics.parquet")
    assert ipc(t) == ipc(f)
    # 3 × 2 points, 1 run, 2 rows each.
    assert t.num_rows == 12


def test_pandas_conversion_keeps_exact_amounts():
    df = ergon.run("stratos-small", **SHORT).to_pandas()
    assert len(df) == 22
    assert str(df["epoch"].dtype) == "uint64"
    assert str(df["day"].dtype) == "float64"
    assert isinstance(df["p_stos"].iloc[-1], decimal.Decimal)
    # A Decimal128(38, 18) column carries 18 fraction digits.
    assert df["p_stos"].iloc[-1].as_tuple().exponent == -18
    assert df.groupby("run")["epoch"].max().to_list() == [1440, 1440]


def test_check_returns_the_plan_figures():
    info = ergon.check("stratos-sweep")
    # 90 days of 144 epochs; a row a day; 3 thresholds × 2 user counts; 4 runs a point.
    assert info["epochs"] == 12960
    assert info["epochs_per_day"] == 144
    assert info["record_every"] == 144
    assert info["runs"] == 4 and info["seed"] == 7
    assert info["sweep_keys"] == ["agents.users.count", "economy.params.settle_threshold_bps"]
    assert len(info["points"]) == 6
    assert info["points"][1] == {
        "agents.users.count": "1000",
        "economy.params.settle_threshold_bps": "8000",
    }
    assert len(info["parameter_hash"]) == 64


def test_scenarios_and_economies_are_the_registry(cli):
    names = [s["name"] for s in ergon.scenarios()]
    assert names[0] == "stratos-paper"
    listed = cli("scenarios").stdout
    for s in ergon.scenarios():
        assert s["name"] in listed and s["description"] in listed
    assert {"stratos", "marlin", "phala", "trias"} <= {e["name"] for e in ergon.economies()}
    assert {s["economy"] for s in ergon.scenarios()} <= {e["name"] for e in ergon.economies()}


def test_replay_gives_the_expected_lines_and_state(cli, repo, tmp_path):
    vector = repo / "tests" / "vectors" / "stratos" / "deposit-return.jsonl"
    expected = vector.with_name("deposit-return.expected.jsonl").read_text().splitlines()
    got = ergon.replay(vector)
    assert got == [json.loads(line) for line in expected if line.strip()]
    # Line 14: node a deposits 1000 STOS (the vector's working).
    assert got[1]["events"][0]["deposit"] == "1000"
    state = tmp_path / "state.json"
    p = cli("replay", vector, "--state", state, "--out", tmp_path / "out.jsonl")
    assert p.returncode == 0, p.stderr
    assert ergon.replay_state(vector) == json.loads(state.read_text())
    assert ergon.replay(vector, check=False) == got == ergon.replay(vector, full_check=True)


def test_the_gil_is_released_while_the_engine_runs():
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    started = time.perf_counter()
    ergon.run("stratos-small", runs=2, epochs="30d", threads=1)
    elapsed = time.perf_counter() - started
    done.set()
    t.join()
    during = [x for x in ticks if started <= x <= started + elapsed]
    # A thread holding the GIL for the whole run would leave the other no tick at all.
    assert elapsed > 0.05
    assert len(during) >= 5, (elapsed, len(during))


def test_ctrl_c_stops_a_run():
    # Python's own handler, even where SIGINT came ignored (a shell's background job).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # stratos-paper for 10 years would take minutes in a debug build.
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        started = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            ergon.run("stratos-paper", runs=2, epochs="10y", threads=1)
        assert time.perf_counter() - started < 10
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
