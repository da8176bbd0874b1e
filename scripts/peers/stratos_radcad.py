"""Run one of the Stratos models under radCAD, time it, and check it.

    python stratos_radcad.py --model exact --epochs 2000            # one JSON line
    python stratos_radcad.py --model exact --epochs 2200 --check    # readable totals

The time is the wall time of radCAD's ``Simulation.run()`` alone: not the interpreter's start,
the imports or building the genesis network, but all of radCAD's own per-timestep machinery
(state copies, policy and state update calls, the history it keeps). The conservation laws are
checked after the timed run; a failed check exits non-zero.

radCAD is used as a performance-aware user would (radCAD 0.14):

- ``Backend.SINGLE_PROCESS``: one run needs no process pool, and none is started;
- ``deepcopy=False``: radCAD hands policies and state update functions shallow copies of the
  state instead of pickled deep copies; the models never change a value in place, so this is
  safe (see the models' docstrings);
- ``drop_substeps=True``: the history keeps one state per timestep, not one per block.

One simulation, one Monte Carlo run, one parameter subset, ``--epochs`` timesteps.
"""

import argparse
import json
import platform
import sys
import time

import numpy
import radcad
from radcad import Backend, Engine, Model, Simulation

import stratos_exact
import stratos_numpy
from stratos_common import genesis

MODELS = {"exact": stratos_exact, "numpy": stratos_numpy}
FLOAT_DRIFT_LIMIT = 1e-9  # the float model's STOS may drift by rounding, this far at most


def run(name: str, epochs: int, seed: int) -> dict:
    """Build the model, run it under radCAD for `epochs` timesteps, check the final state, and
    return the timing and the end-of-run totals."""
    module = MODELS[name]
    g = genesis(seed)
    model = Model(
        initial_state=module.initial_state(g),
        state_update_blocks=module.STATE_UPDATE_BLOCKS,
        params=module.params(g, seed),
    )
    simulation = Simulation(model=model, timesteps=epochs, runs=1)
    # Set as an attribute, as radCAD's documentation does (Simulation(engine=...) is refused).
    simulation.engine = Engine(backend=Backend.SINGLE_PROCESS, deepcopy=False, drop_substeps=True)

    start = time.perf_counter()
    results = simulation.run()
    seconds = time.perf_counter() - start

    if simulation.exceptions and any(e["exception"] for e in simulation.exceptions):
        raise RuntimeError(f"radCAD run failed: {simulation.exceptions}")
    if len(results) != epochs + 1 or results[-1]["timestep"] != epochs:
        raise RuntimeError(f"radCAD returned {len(results)} states for {epochs} timesteps")
    final = results[-1]
    if name == "exact":
        module.check(final, g)  # raises AssertionError if STOS or Ozone is not conserved
        conservation = "exact"
    else:
        drift = module.check(final, g)
        if drift > FLOAT_DRIFT_LIMIT:
            raise AssertionError(f"float model: STOS drifted by {drift:.3e} of the total")
        conservation = f"relative drift {drift:.3e}"
    return {
        "model": name,
        "epochs": epochs,
        "seconds": seconds,
        "us_per_epoch": seconds / epochs * 1e6,
        "conservation": conservation,
        "totals": module.totals(final),
        "python": platform.python_version(),
        "radcad": radcad.__version__,
        "numpy": numpy.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--epochs", type=int, default=2_000, help="radCAD timesteps (10 min each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="print the totals for a reader")
    args = parser.parse_args()
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    report = run(args.model, args.epochs, args.seed)
    if args.check:
        print(f"{args.model}: {args.epochs} epochs, conservation {report['conservation']}")
        for key, value in report["totals"].items():
            print(f"  {key:20} {value}")
    else:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
