"""The notebook-style example runs and draws its figure."""

import os
import subprocess
import sys


def test_the_sweep_example_plots_a_figure(repo, tmp_path):
    out = tmp_path / "sweep.png"
    env = dict(os.environ, ERGON_EXAMPLE_EPOCHS="3d", ERGON_EXAMPLE_OUT=str(out), MPLBACKEND="Agg")
    script = repo / "examples" / "python" / "sweep_plot.py"
    p = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    # 3 thresholds × 2 runs × 4 rows (the genesis and 3 days).
    assert p.stdout.startswith("24 rows;"), p.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
