"""Shared fixtures of the Python tests: the repository, the `ergon` command to compare with,
and a short run of shipped scenarios (debug builds are slow)."""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


def ergon_bin() -> str:
    """The `ergon` command built from this checkout: $ERGON_BIN, else the target directory's."""
    if os.environ.get("ERGON_BIN"):
        return os.environ["ERGON_BIN"]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("debug", "release"):
        candidate = target / profile / "ergon"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("ergon")
    if found is None:
        pytest.fail("no ergon command: build it (cargo build -p ergon-cli) or set ERGON_BIN")
    return found


@pytest.fixture(scope="session")
def cli():
    """Runs the `ergon` command; returns the completed process (never raises on exit codes)."""

    def run(*args, cwd=None):
        return subprocess.run(
            [ergon_bin(), *map(str, args)], capture_output=True, text=True, cwd=cwd
        )

    return run


@pytest.fixture(scope="session")
def repo():
    return REPO


def ipc(table) -> bytes:
    """A table's bytes as an Arrow IPC stream, schema metadata included: equal bytes, equal
    tables (NaN included, which `Table.equals` never finds equal to itself)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table.combine_chunks())
    return sink.getvalue().to_pybytes()
