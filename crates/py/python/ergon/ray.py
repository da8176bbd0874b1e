"""A sweep spread over a Ray cluster.

``sweep`` cuts a sweep into tasks — each sweep point's Monte Carlo runs in batches of
``runs_per_task`` — and runs them as Ray tasks. Each task runs the Rust engine on its jobs (with
the seeds they have in the whole sweep: the same rows as ``ergon.sweep``, byte for byte), writes
them as one Parquet shard under ``out_dir`` and returns only a small summary: no trajectory
passes through the driver. The shards, named in job order, form one ``pyarrow.dataset``.

``out_dir`` must be reachable by every worker under the same name: a local directory on one
machine, a shared file system, or a URI that pyarrow's file systems know (``s3://…``).
"""

from __future__ import annotations

import json
import operator
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

import pyarrow.dataset as pads
import pyarrow.fs as pafs

from ergon import _ergon


@dataclass
class RaySweep:
    """What a Ray sweep wrote: the dataset of its shards and the tasks' summaries."""

    out_dir: str
    """Where the shards are."""
    dataset: pads.Dataset
    """The shards as one dataset, in job order (``dataset.to_table()`` is ``ergon.sweep``'s table)."""
    summaries: list = field(default_factory=list)
    """One dict a task, in job order: shard, point, runs, rows, bytes, seconds, final."""

    def to_table(self):
        """The whole sweep as one pyarrow table, in job order."""
        return self.dataset.to_table()


def _filesystem(out_dir: str):
    """The pyarrow file system of ``out_dir`` and the path in it."""
    if "://" in out_dir:
        return pafs.FileSystem.from_uri(out_dir)
    return pafs.LocalFileSystem(), os.path.abspath(out_dir)


def _target(out_dir: str) -> str:
    """``out_dir`` as every worker must name it: a URI as given, a local path made absolute on
    the driver (a worker's working directory is not the driver's)."""
    return out_dir if "://" in out_dir else os.path.abspath(out_dir)


def _task(source, options, jobs, point, runs, out_dir, shard):
    """One Ray task: run ``jobs`` (first, end), write the shard, return its summary."""
    from ergon import _ergon as engine

    started = time.perf_counter()
    data, summary = engine._run(source, jobs=jobs, sweep=True, **options)
    fs, root = _filesystem(out_dir)
    path = f"{root}/{shard}"
    partial = f"{root}/.{shard}.partial"
    with fs.open_output_stream(partial) as f:
        f.write(data)
    fs.move(partial, path)
    final = json.loads(summary)["points"][point]["final"]
    return {
        "shard": shard,
        "point": point,
        "runs": list(runs),
        "rows": json.loads(summary)["rows"],
        "bytes": len(data),
        "seconds": time.perf_counter() - started,
        "final": final,
    }


def _stop(ray, refs) -> None:
    """Cancels the tasks still running and waits for them: a task stopped by its
    ``KeyboardInterrupt`` ends its run and removes its temporary directory; one still running
    after 30 s is killed."""
    for r in refs:
        ray.cancel(r)
    _done, left = ray.wait(refs, num_returns=len(refs), timeout=30)
    for r in left:
        ray.cancel(r, force=True)


def _at_least_one(name, value):
    """``value`` as a Python ``int`` of at least 1: any integer type (NumPy's too, which Ray's
    ``num_cpus`` would refuse after connecting), not a bool or a float."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name}: a whole number, not {value!r}")
    n = operator.index(value)
    if n < 1:
        raise ValueError(f"{name}: at least 1, not {n}")
    return n


def _plain(value):
    """A ``set`` or ``grid`` value with its mappings as dicts, as a task is sent them (a
    ``mappingproxy`` cannot be pickled). ``check`` has refused a value that contains itself or
    nests too deep before this."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def sweep(
    scenario: Union[str, "os.PathLike[str]", Mapping[str, Any]],
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    epochs: Union[int, str, None] = None,
    set: Optional[Mapping[str, Any]] = None,
    runs_per_task: int = 1,
    threads_per_task: int = 1,
    out_dir: str = "ergon-ray-out",
    address: Optional[str] = None,
    force: bool = False,
) -> RaySweep:
    """Run a sweep as Ray tasks; the dataset of the shards they wrote under ``out_dir``.

    ``scenario``, ``grid``, ``runs``, ``seed``, ``epochs`` and ``set`` are those of
    ``ergon.sweep`` (``grid`` None: the scenario's ``[sweep]``). Each task runs
    ``runs_per_task`` Monte Carlo runs of one point on ``threads_per_task`` threads (it asks Ray
    for that many CPUs). ``address`` is that of an existing cluster (``"ray://head:10001"``,
    ``"auto"``); without it, Ray already initialised is used, else a local Ray is started.
    ``out_dir`` must be empty (or missing) unless ``force``, which removes the shards an earlier
    sweep wrote there (``part-*.parquet`` and their ``.partial`` files) once Ray is connected,
    and keeps every other file. An ``address`` while Ray is already initialised is refused
    (``ValueError``): it would be ignored. The scenario is read on the driver and sent as text, so workers need no copy of
    it, only the ``ergon`` package. A local ``out_dir`` is made absolute on the driver. Ctrl-C,
    or a task's error, cancels the other tasks (each ends its run and removes its temporary
    files; one still running 30 s later is killed) and removes the shards this call wrote, then
    raises.
    """
    runs_per_task = _at_least_one("runs_per_task", runs_per_task)
    threads_per_task = _at_least_one("threads_per_task", threads_per_task)
    import ray

    source = _ergon._source(scenario)
    options = {"runs": runs, "seed": seed, "epochs": epochs, "set": set, "grid": grid}
    info = _ergon.check(source, genesis=False, **options)
    options = {k: _plain(v) for k, v in options.items()}
    if not info["sweep_keys"]:
        err = _ergon.InputError(f"{source[0]}: a sweep needs a grid (grid=… or a [sweep] section)")
        err.code, err.exit_code = "no_sweep", 2
        raise err
    fs, root = _filesystem(out_dir)
    existing = fs.get_file_info(pafs.FileSelector(root, allow_not_found=True))
    if existing and not force:
        raise FileExistsError(f"{out_dir} is not empty; choose another out_dir or pass force=True")
    if address is not None and ray.is_initialized():
        raise ValueError(
            f"address={address!r}: Ray is already initialised here, so the address would be "
            "ignored; call ray.shutdown() first, or leave address out to use this Ray"
        )
    if address is not None:
        ray.init(address=address)
    elif not ray.is_initialized():
        ray.init()
    # Only earlier shards go: any other file in out_dir is the user's.
    for entry in existing:
        name = entry.base_name
        shard = name.startswith("part-") and name.endswith(".parquet")
        partial = name.startswith(".part-") and name.endswith(".parquet.partial")
        if entry.type == pafs.FileType.File and (shard or partial):
            fs.delete_file(entry.path)
    fs.create_dir(root, recursive=True)
    remote = ray.remote(num_cpus=threads_per_task)(_task)
    options["threads"] = threads_per_task
    total = info["runs"]
    target = _target(out_dir)
    refs, shards = [], []
    for point in range(len(info["points"])):
        for first in range(0, total, runs_per_task):
            end = min(first + runs_per_task, total)
            jobs = (point * total + first, point * total + end)
            shard = f"part-{jobs[0]:07d}-{jobs[1]:07d}.parquet"
            shards.append(shard)
            refs.append(remote.remote(source, options, jobs, point, (first, end), target, shard))
    try:
        summaries = ray.get(refs)
    except BaseException:
        _stop(ray, refs)
        for shard in shards:
            for path in (f"{root}/{shard}", f"{root}/.{shard}.partial"):
                if fs.get_file_info(path).type == pafs.FileType.File:
                    fs.delete_file(path)
        raise
    paths = [f"{root}/{s['shard']}" for s in summaries]
    dataset = pads.dataset(paths, format="parquet", filesystem=fs)
    return RaySweep(out_dir=out_dir, dataset=dataset, summaries=summaries)
