"""Summaries for scripts/bench-peers.sh.

    python report.py ergon-totals DIR            # an Ergon run's end-of-run totals
    python report.py table RESULTS ERGON_BIN     # the Markdown tables of a benchmark

RESULTS holds one JSON object a line, one for each timed run: ``model`` (``exact``, ``numpy``,
``ergon``, or ``ergon-startup`` for the 1-epoch run that measures Ergon's fixed costs),
``epochs`` and ``seconds``; the radCAD runs also carry the Python, radCAD and numpy versions.
"""

import json
import os
import platform
import statistics
import subprocess
import sys

WAYS = (
    ("exact", "radCAD {radcad}", "exact Python integers (wei, noz)"),
    ("numpy", "radCAD {radcad}", "numpy {numpy} float64"),
    ("ergon", "Ergon {ergon}", "exact integers (u128 wei, noz)"),
)


def ergon_totals(out_dir: str) -> None:
    """Print the totals of an Ergon run that the radCAD models also report."""
    with open(os.path.join(out_dir, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    final = summary["points"][0]["final"]
    print(f"ergon: {summary['epochs']} epochs, complete: {summary['complete']}")
    for key in ("total_mined_stos", "p_stos", "l_oz", "s_stos"):
        print(f"  {key:20} {final[key]['mean']!r}")


def _command(*args: str) -> str:
    """The first line a command prints, or 'unknown' when it cannot run."""
    try:
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def table(results_path: str, ergon_bin: str) -> None:
    """Print the machine and the results as Markdown tables."""
    with open(results_path, encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if line.strip()]
    by_way = {
        way: [r["seconds"] / r["epochs"] * 1e6 for r in runs if r["model"] == way]
        for way, _, _ in WAYS
    }
    for way, times in by_way.items():
        if not times:
            raise SystemExit(f"report: no timed run of {way} in {results_path}")
    radcad_run = next(r for r in runs if r["model"] in ("exact", "numpy"))
    ergon_version = _command(ergon_bin, "--version").removeprefix("ergon ")
    versions = {
        "radcad": radcad_run["radcad"],
        "numpy": radcad_run["numpy"],
        "ergon": ergon_version.split(" ")[0],
    }
    epochs = {way: sorted({r["epochs"] for r in runs if r["model"] == way}) for way, _, _ in WAYS}

    print("### Machine\n")
    print("| | |\n|---|---|")
    print(f"| CPU | {_cpu_model()} (`lscpu`) |")
    print(f"| Cores | {_command('nproc')} (`nproc`) |")
    print(f"| Python | {radcad_run['python']} ({platform.python_implementation()}) |")
    print(f"| radCAD | {versions['radcad']}, numpy {versions['numpy']} |")
    print(f"| Ergon | {ergon_version} |")
    print(f"| Compiler | {_command('rustc', '--version')} |")

    ergon_min = min(by_way["ergon"])
    print("\n### Stratos, 1,000 nodes, 500 downloads and one PREPAY an epoch\n")
    print("| Simulator | Arithmetic | Epochs per run | Runs | Min µs/epoch | Median µs/epoch "
          "| Epochs/s (min) | Min ÷ Ergon's min |")
    print("|---|---|---|---|---|---|---|---|")
    for way, name, arithmetic in WAYS:
        times = by_way[way]
        low, median = min(times), statistics.median(times)
        print(
            f"| {name.format(**versions)} | {arithmetic.format(**versions)} "
            f"| {', '.join(f'{e:,}' for e in epochs[way])} | {len(times)} "
            f"| {low:,.1f} | {median:,.1f} | {1e6 / low:,.0f} | {low / ergon_min:,.2f} × |"
        )

    print(
        f"\nRatios of the minima: radCAD exact / Ergon = {min(by_way['exact']) / ergon_min:.2f} ×, "
        f"radCAD numpy / Ergon = {min(by_way['numpy']) / ergon_min:.2f} ×."
    )
    print(
        "\nradCAD: wall time of `Simulation.run()` alone (no interpreter start, imports or "
        "genesis), `Engine(backend=Backend.SINGLE_PROCESS, deepcopy=False, drop_substeps=True)`, "
        "one run, one timestep an epoch. Ergon: wall time of the whole `ergon run` process "
        "(start-up, genesis, a metrics row a simulated day, invariant checks, the Parquet/CSV "
        "output) divided by the epochs, `--runs 1 --threads 1`."
    )
    startup = [r["seconds"] for r in runs if r["model"] == "ergon-startup"]
    if startup:
        share = min(startup) / (ergon_min * 1e-6 * max(epochs["ergon"]))
        verdict = "negligible" if share < 0.01 else "not negligible: raise ERGON_EPOCHS"
        print(
            f"A 1-epoch Ergon run (start-up, genesis and output) took {min(startup) * 1e3:.1f} ms, "
            f"{share:.2%} of a timed run: {verdict}."
        )
    print("The runs were interleaved (exact, numpy, Ergon; then again), one process each.")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "ergon-totals":
        ergon_totals(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "table":
        table(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
