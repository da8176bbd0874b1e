"""Every ```python block of README.md and docs/*.md runs, so the docs cannot drift from the
module: each block is executed as it is written, in a directory holding a short run of the
default scenario where the blocks read one (`ergon-out/stratos-paper-TIME`).

A few blocks are adapted to run here, by the exact replacements of ADAPT (each must still match
its block, so an edited block is noticed): runs kept short for a debug build, and the Ray
cluster's address and shared directory replaced by a local Ray and a local directory.
"""

import os
import re
import shutil

import pytest

from conftest import REPO, ergon_bin

os.environ.setdefault("MPLBACKEND", "Agg")

# The run the blocks read, as docs/python.md names it.
RUN_DIR = "ergon-out/stratos-paper-TIME"

# block's first line (stripped) -> [(text in the block, replacement)]
ADAPT = {
    'import ergon                                                  # pip install ./crates/py pandas matplotlib': [
        ('epochs="90d"', 'epochs="10d"'),
    ],
    "import ergon": [('epochs="90d"', 'epochs="10d"')],
    "import ergon.ray": [
        ("runs=64, runs_per_task=8", 'runs=2, runs_per_task=1, epochs="2d"'),
        ('"/shared/ergon/sweep-1"', '"sweep-1"'),
        ('address="ray://head-node:10001"', "address=None"),
    ],
}

FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks():
    """(file:line, code) of every ```python block, in file order."""
    files = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    out = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 2
            out.append((f"{path.relative_to(REPO)}:{line}", m.group(1)))
    return out


def adapted(where, code):
    """`code` with its ADAPT replacements made; each must be found."""
    first = code.splitlines()[0].strip()
    for old, new in ADAPT.get(first, []):
        assert old in code, f"{where}: the block no longer holds {old!r}: update ADAPT"
        code = code.replace(old, new)
    return code


@pytest.fixture(scope="session")
def workdir(tmp_path_factory, cli):
    """A directory with a 3-day run of the default scenario where the docs' examples read it."""
    root = tmp_path_factory.mktemp("docs-python")
    p = cli("run", "-q", "--epochs", "3d", "--runs", "2", "--out", root / RUN_DIR)
    assert p.returncode == 0, p.stderr
    return root


def test_the_docs_have_python_blocks():
    found = blocks()
    where = [w for w, _ in found]
    assert len(found) >= 5, where
    assert any(w.startswith("README.md") for w in where), where
    assert any(w.startswith("docs/python.md") for w in where), where


@pytest.mark.parametrize("where,code", blocks(), ids=[w for w, _ in blocks()])
def test_python_block_runs(where, code, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    source = adapted(where, code)
    ray = None
    if "import ergon.ray" in code:
        ray = pytest.importorskip("ray")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        shutil.rmtree(workdir / "sweep-1", ignore_errors=True)
    try:
        exec(compile(source, where, "exec"), {"__name__": "__docs__"})
    finally:
        if ray is not None:
            ray.shutdown()
    import matplotlib.pyplot as plt

    plt.close("all")
