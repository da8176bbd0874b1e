"""ergon.ray.sweep on a local Ray (2 CPUs): the same rows as ergon.sweep, byte for byte."""

import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest

import ergon
import ergon.ray
from conftest import ipc

ray = pytest.importorskip("ray")

GRID = {"economy.params.settle_threshold_bps": [6000, 9000]}
OPTIONS = {"runs": 3, "epochs": "2d", "seed": 11}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run_bytes(table, point, run):
    """The IPC stream bytes of one run's rows."""
    mask = pc.and_(pc.equal(table["point"], point), pc.equal(table["run"], run))
    rows = table.filter(mask)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, rows.schema) as w:
        w.write_table(rows)
    return sink.getvalue().to_pybytes()


def test_a_ray_sweep_equals_the_local_sweep(local_ray, tmp_path):
    local = ergon.sweep("stratos-small", grid=GRID, **OPTIONS)
    out = tmp_path / "shards"
    result = ergon.ray.sweep("stratos-small", GRID, runs_per_task=2, out_dir=str(out), **OPTIONS)
    # 2 points × 3 runs in batches of 2: runs 0-1 and 2 of each point, 4 tasks, 4 shards.
    assert [s["runs"] for s in result.summaries] == [[0, 2], [2, 3], [0, 2], [2, 3]]
    assert [s["point"] for s in result.summaries] == [0, 0, 1, 1]
    # Rows a task: its runs × 3 (the genesis and 2 days).
    assert [s["rows"] for s in result.summaries] == [6, 3, 6, 3]
    assert sorted(p.name for p in out.iterdir()) == [s["shard"] for s in result.summaries]
    table = pads.dataset(str(out), format="parquet").to_table()
    assert table.num_rows == local.num_rows == 18
    assert ipc(table) == ipc(local)
    assert ipc(result.to_table()) == ipc(local)
    for point in (0, 1):
        for run in (0, 1, 2):
            assert run_bytes(table, point, run) == run_bytes(local, point, run)


def test_one_run_a_task_and_the_scenarios_grid(local_ray, tmp_path):
    local = ergon.sweep("stratos-sweep", runs=2, epochs="1d")
    result = ergon.ray.sweep("stratos-sweep", runs=2, epochs="1d", out_dir=str(tmp_path / "s"))
    # 6 points × 2 runs, a task a run.
    assert len(result.summaries) == 12
    assert ipc(result.to_table()) == ipc(local)
    # A task's summary holds its final figures, not its rows.
    assert "p_stos" in result.summaries[0]["final"]


def test_a_mapping_grid_and_set_travel_to_the_tasks(local_ray, tmp_path):
    # A mappingproxy cannot be pickled: the tasks are sent dicts.
    from types import MappingProxyType as proxy

    sets = {"agents.users.balance": proxy({"dist": "uniform", "low": 1, "high": 2})}
    local = ergon.sweep("stratos-small", grid=GRID, set=sets, runs=1, epochs=1)
    result = ergon.ray.sweep(
        "stratos-small", proxy(GRID), set=proxy(sets), runs=1, epochs=1, out_dir=str(tmp_path / "p")
    )
    assert ipc(result.to_table()) == ipc(local)


def test_ray_errors(local_ray, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "old.parquet").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        ergon.ray.sweep("stratos-small", GRID, out_dir=str(out), epochs=1)
    with pytest.raises(ergon.InputError) as e:
        ergon.ray.sweep("stratos-small", None, out_dir=str(tmp_path / "n"), epochs=1)
    assert e.value.code == "no_sweep"
    with pytest.raises(ergon.ScenarioError):
        ergon.ray.sweep("stratos-small", {"agents.users.cuont": [1]}, out_dir=str(tmp_path / "m"))
    # A value that contains itself is refused on the driver (it crashed the interpreter).
    loop = []
    loop.append(loop)
    with pytest.raises(ergon.InputError, match="refers to itself"):
        ergon.ray.sweep("stratos-small", {"agents.users.count": loop}, out_dir=str(tmp_path / "l"))
    scenario = {}
    scenario["scenario"] = scenario
    with pytest.raises(ergon.InputError, match="scenario.scenario: refers to itself"):
        ergon.ray.sweep(scenario, GRID, out_dir=str(tmp_path / "l"))
    with pytest.raises(ValueError):
        ergon.ray.sweep("stratos-small", GRID, runs_per_task=0, out_dir=str(tmp_path / "z"))
    # Counts are whole numbers: a bool or a float is refused before anything else.
    with pytest.raises(TypeError):
        ergon.ray.sweep("stratos-small", GRID, threads_per_task=True, out_dir=str(tmp_path / "t"))
    with pytest.raises(TypeError):
        ergon.ray.sweep("stratos-small", GRID, runs_per_task=2.0, out_dir=str(tmp_path / "t"))
    # Ray already up: an address would be ignored, so it is refused.
    with pytest.raises(ValueError, match="already initialised"):
        ergon.ray.sweep("stratos-small", GRID, out_dir=str(tmp_path / "a"), address="auto")


def test_force_removes_earlier_shards_only(local_ray, tmp_path):
    out = tmp_path / "again"
    out.mkdir()
    (out / "part-0000000-0000001.parquet").write_bytes(b"an earlier shard")
    (out / "notes.txt").write_text("the user's")
    result = ergon.ray.sweep("stratos-small", GRID, runs=1, epochs=1, out_dir=str(out), force=True)
    names = sorted(p.name for p in out.iterdir())
    assert "notes.txt" in names and (out / "notes.txt").read_text() == "the user's"
    assert len(result.summaries) == len(names) - 1
    assert all(n.startswith("part-") for n in names if n != "notes.txt")


def test_a_relative_out_dir_is_the_drivers(local_ray, tmp_path, monkeypatch):
    # The driver's working directory moves after ray.init: the tasks still write where the
    # driver named (a worker resolving "rel" itself would write under its own directory).
    monkeypatch.chdir(tmp_path)
    result = ergon.ray.sweep("stratos-small", GRID, runs=1, epochs=1, out_dir="rel")
    assert sorted(p.name for p in (tmp_path / "rel").iterdir()) == [
        "part-0000000-0000001.parquet",
        "part-0000001-0000002.parquet",
    ]
    assert result.to_table().num_rows == 4


def test_a_failed_task_stops_the_sweep_and_leaves_no_shard(local_ray, tmp_path):
    # Point 0's balances pass the STOS cap at genesis (refused in its task), point 1's do not.
    grid = {
        "agents.users.balance": [
            {"dist": "normal", "mean": 1, "sd": 1000000000},
            {"dist": "normal", "mean": 100, "sd": 1},
        ]
    }
    out = tmp_path / "failed"
    with pytest.raises(ergon.InputError) as e:
        ergon.ray.sweep("stratos-small", grid, runs=2, epochs=2, out_dir=str(out))
    assert e.value.code == "genesis_refused"
    # Point 1's task takes well under a second: left running, it would have written its shard
    # by now.
    time.sleep(5)
    assert list(out.iterdir()) == []

