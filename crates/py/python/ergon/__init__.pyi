"""Type stubs of the ``ergon`` package (docs/python.md)."""

import os
from typing import Any, Mapping, Optional, Sequence, TypedDict, Union

import pyarrow as pa

Scenario = Union[str, os.PathLike[str], Mapping[str, Any]]
"""A shipped scenario's name (``"stratos-small"``), a path to a TOML file, or a dict with the
same shape as the TOML file (``{"scenario": {...}, "economy": {...}, "agents": {...}}``)."""

VERSION: str
"""The version of this build and the git commit it comes from, as in ``ergon --version`` and
the ``ergon.version`` metadata of every table."""

class Problem(TypedDict):
    """One problem of a scenario, as ``ergon check`` prints it."""

    file: str
    """The file (or ``<dict>``, or the call's argument a value came from, such as
    ``set["agents.users.count"]=5``, ``epochs="9x"``, ``grid["agents.users.count"][1]="x"`` (a
    value of the grid), ``grid["scenario.duration"]`` (a key of it) or ``grid``)."""
    line: Optional[int]
    """The 1-based line in the file, when the problem is a place in it."""
    column: Optional[int]
    """The 1-based column in the line."""
    field: Optional[str]
    """The field's dotted path (``agents.users.count``), when known."""
    message: str
    """What is wrong, with the bad value and the nearest valid name when one is misspelt."""
    location: str
    """``file:line:column`` as printed, or the origin."""
    snippet: Optional[str]
    """The line of the file."""

class ErgonError(Exception):
    """Base of every Ergon error."""

    code: str
    """A stable name of the failure: ``invalid_scenario``, ``genesis_refused``, ``bad_input``,
    ``no_sweep``, ``invariant_broken``, ``output_failed``."""
    exit_code: int
    """The exit code of the ``ergon`` command for the same failure: 2 bad input or I/O, 1 a
    broken invariant."""

class ScenarioError(ErgonError):
    """An invalid scenario (exit code 2); ``problems`` lists the problems found, the first 50
    (the message says how many more there were)."""

    problems: list[Problem]

class InputError(ErgonError):
    """Bad input or I/O (exit code 2): an unreadable file, a bad replay line, an option out of
    range or of another type, a value with no TOML form (one that contains itself, or lies in
    more than 64 lists and dicts), a genesis the economy refuses, a sweep without a grid."""

class InvariantError(ErgonError):
    """A broken invariant (exit code 1): a bug in Ergon or an economy, never bad input."""

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
    """Run a scenario; its metrics, the same table as the ``metrics.parquet`` that ``ergon run``
    writes: the same columns and values (amounts exact, as ``Decimal128(38, d)``), the run's
    metadata (``ergon.scenario``, ``ergon.seed``, ``ergon.parameter_hash``, ``ergon.version``,
    ``ergon.complete``) in ``table.schema.metadata``.

    ``runs``, ``seed`` and ``epochs`` (steps, or ``"90d"``, ``"2w"``, ``"10y"``) override the
    scenario's, as ``--runs``, ``--seed`` and ``--epochs`` do; ``set`` maps dotted paths to
    values, as ``--set`` does (``{"agents.users.count": 5000}``). A dict may be any mapping; a
    value may lie in at most 64 lists and dicts and must not contain itself. ``threads`` (default: one per
    core) does not change the results. A scenario with a ``[sweep]`` runs its grid.

    The engine runs with the GIL released; Ctrl-C (``KeyboardInterrupt``) stops its jobs within
    a fraction of a second (once they have ended, the merge of their rows runs to its end
    first). Raises ``ScenarioError``, ``InputError`` or ``InvariantError``."""

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
    """Run a sweep: every combination of the ``grid`` values (dotted path → list; it replaces
    the scenario's ``[sweep]``), or the scenario's own ``[sweep]``. The table is that of
    ``run`` with the ``point`` column and one ``sweep_…`` column a swept path, before ``run``.
    Points are numbered with the paths in sorted order, the first varying slowest. Raises
    ``InputError`` (code ``no_sweep``) when there is no grid."""

def replay(
    path: Union[str, os.PathLike[str]], *, check: bool = True, full_check: bool = False
) -> list[dict[str, Any]]:
    """Replay a JSON Lines file of actions (docs/replay.md), as ``ergon replay``: one result
    dict per output line. ``check=False`` skips the invariant checks, ``full_check=True`` runs
    the full check after every line. Raises ``InputError`` for bad input (naming the line) and
    ``InvariantError`` when an invariant breaks."""

def replay_state(
    path: Union[str, os.PathLike[str]], *, check: bool = True, full_check: bool = False
) -> dict[str, Any]:
    """Replay a JSON Lines file of actions; the economy's final state, as
    ``ergon replay --state`` writes it."""

def check(
    scenario: Scenario,
    *,
    runs: Optional[int] = None,
    seed: Optional[int] = None,
    epochs: Union[int, str, None] = None,
    set: Optional[Mapping[str, Any]] = None,
    grid: Optional[Mapping[str, Sequence[Any]]] = None,
    genesis: bool = True,
) -> dict[str, Any]:
    """Validate a scenario with the options of ``run`` and (with ``genesis``) build every run's
    genesis, running nothing, as ``ergon check``. Returns its figures: name, economy, epochs,
    epochs_per_day, step_name, record_every, runs, seed, parameter_hash, sweep_keys, points
    (each point's swept values by key, as TOML text: ``'"0.3"'``, ``'1000'``), memory_per_run.
    ``set`` and ``grid`` take any mapping. Raises ``ScenarioError`` whose ``problems`` hold the
    problems found (the first 50)."""

def scenarios() -> list[dict[str, str]]:
    """The shipped scenarios (``ergon scenarios``): name, economy and description of each."""

def economies() -> list[dict[str, str]]:
    """The economies of this build: name and description of each."""
