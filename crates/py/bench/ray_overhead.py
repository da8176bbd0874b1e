"""The cost of the Ray path against the local sweep (docs/PERFORMANCE.md, "Python and Ray").

One sweep, three ways, each timed from the call to the table in hand (the median of REPEATS):
the local sweep (`ergon.sweep`, rayon on every core), Ray with a few large tasks (a task a
sweep point) and Ray with many small ones (a task a run). Ray is started once, before the
timings, on every core of the machine. Build the module optimised first:

    cd crates/py && maturin develop --release && cd ../.. && python crates/py/bench/ray_overhead.py

Options by environment: ERGON_BENCH_SCENARIO (stratos-sweep), ERGON_BENCH_RUNS (8),
ERGON_BENCH_EPOCHS (30d), ERGON_BENCH_REPEATS (3).
"""

import os
import shutil
import statistics
import tempfile
import time

import ray

import ergon
import ergon.ray

SCENARIO = os.environ.get("ERGON_BENCH_SCENARIO", "stratos-sweep")
RUNS = int(os.environ.get("ERGON_BENCH_RUNS", "8"))
EPOCHS = os.environ.get("ERGON_BENCH_EPOCHS", "30d")
REPEATS = int(os.environ.get("ERGON_BENCH_REPEATS", "3"))


def timed(f):
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    cores = os.cpu_count() or 1
    info = ergon.check(SCENARIO, runs=RUNS, epochs=EPOCHS, genesis=False)
    points = len(info["points"])
    jobs = points * RUNS
    print(f"{SCENARIO}: {points} points × {RUNS} runs = {jobs} jobs of {info['epochs']} "
          f"{info['step_name']}s, {cores} cores, median of {REPEATS}")
    local_s, _ = timed(lambda: ergon.sweep(SCENARIO, runs=RUNS, epochs=EPOCHS))
    epochs = jobs * info["epochs"]
    print(f"  local ergon.sweep              {local_s:8.2f} s  {epochs / local_s:10,.0f} epochs/s")
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    tmp = tempfile.mkdtemp(prefix="ergon-bench-")
    try:
        for label, per_task in (("a task a point", RUNS), ("a task a run", 1)):
            out = os.path.join(tmp, f"per-{per_task}")

            def once():
                return ergon.ray.sweep(SCENARIO, None, runs=RUNS, epochs=EPOCHS,
                                       runs_per_task=per_task, out_dir=out, force=True)

            s, result = timed(once)
            tasks = len(result.summaries)
            print(f"  ray, {label:<15} {tasks:4d} tasks {s:8.2f} s  {epochs / s:10,.0f} epochs/s"
                  f"  × {s / local_s:4.2f} local; {s / tasks * 1000:7.1f} ms a task")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        ray.shutdown()


if __name__ == "__main__":
    main()
