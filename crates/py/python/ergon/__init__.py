"""Ergon from Python: run, sweep, replay and check token-economy scenarios.

Results come back as ``pyarrow.Table`` objects holding exactly what ``ergon run`` writes to
``metrics.parquet``: the same columns, values and types (amounts as exact ``Decimal128``), and
the run's metadata (scenario, seed, parameter hash, version, completeness) in the schema's
metadata. ``table.to_pandas()`` gives a pandas DataFrame. ``ergon.ray.sweep`` spreads a sweep
over a Ray cluster. See docs/python.md.
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.parquet as pq

from ergon import _ergon
from ergon._ergon import (
    VERSION,
    ErgonError,
    InputError,
    InvariantError,
    ScenarioError,
    check,
    economies,
    scenarios,
)

__all__ = [
    "VERSION",
    "ErgonError",
    "InputError",
    "InvariantError",
    "ScenarioError",
    "check",
    "economies",
    "replay",
    "replay_state",
    "run",
    "scenarios",
    "sweep",
]

Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _table(parquet: bytes) -> pa.Table:
    """The table of a metrics.parquet file's bytes.

    The bytes are copied into a buffer Arrow owns first: ``read_table``'s dataset scanner can
    drop its last reference to the buffer on an Arrow thread after the call returned, and
    dropping a Python-owned one there takes the interpreter's lock, which aborts the process when
    that happens while the interpreter exits (apache/arrow#34314).
    """
    sink = pa.BufferOutputStream()
    sink.write(parquet)
    return pq.read_table(pa.BufferReader(sink.getvalue()))


def run(
    scenario: Scenario,
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    epochs: Union[int, str, None] = None,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    paranoid: bool = False,
) -> pa.Table:
    """Run a scenario; its metrics as ``ergon run`` writes them to metrics.parquet."""
    data, _summary = _ergon._run(
        scenario, runs=runs, seed=seed, epochs=epochs, set=set, threads=threads, paranoid=paranoid
    )
    return _table(data)


def sweep(
    scenario: Scenario,
    *,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    epochs: Union[int, str, None] = None,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    paranoid: bool = False,
) -> pa.Table:
    """Run a sweep (``grid``, else the scenario's ``[sweep]``); its metrics with the point columns."""
    data, _summary = _ergon._run(
        scenario,
        runs=runs,
        seed=seed,
        epochs=epochs,
        set=set,
        threads=threads,
        grid=grid,
        sweep=True,
        paranoid=paranoid,
    )
    return _table(data)


def replay(
    path: Union[str, "os.PathLike[str]"], *, check: bool = True, full_check: bool = False
) -> list:
    """Replay a JSON Lines file of actions (``ergon replay``): one result dict per output line."""
    lines, _state = _ergon._replay(path, check=check, full_check=full_check)
    return [json.loads(line) for line in lines]


def replay_state(
    path: Union[str, "os.PathLike[str]"], *, check: bool = True, full_check: bool = False
) -> dict:
    """Replay a JSON Lines file of actions; the economy's final state (``ergon replay --state``)."""
    _lines, state = _ergon._replay(path, check=check, full_check=full_check, state=True)
    return json.loads(state)
