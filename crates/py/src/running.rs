//! Planning and running a scenario for Python, as `ergon run` does: the registry's model of the
//! scenario's economy, its jobs on a rayon pool, the output crate's merge — into a temporary
//! directory whose `metrics.parquet` bytes and `summary.json` text are handed back.
//!
//! The engine runs on a thread of its own with the interpreter released (other Python threads
//! go on); the calling thread wakes every [`SIGNAL_CHECK`] to let Python handle its signals.
//! Ctrl-C raises `KeyboardInterrupt` there, which sets the runner's stop flag: every job stops
//! after its current chunk, and the exception propagates.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use ergon_output::{OutDir, PARQUET_FILE};
use ergon_registry::Simulation;
use ergon_sim::{Control, Source, Sweep};
use pyo3::prelude::*;

use crate::convert::Overrides;
use crate::errors::{Failure, Result};

/// How often the calling thread lets Python handle signals while the engine runs.
pub(crate) const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// Validates scenario `text` (named `name`) with `overrides` and `sweep` (the call's `grid`)
/// under the model of the economy it names; a problem of an override or of the grid is named as
/// the call gave it.
pub(crate) fn plan(
    name: &str,
    text: &str,
    overrides: &Overrides,
    sweep: Option<&Sweep>,
) -> Result<Box<dyn Simulation>> {
    let source = Source { name, text };
    let entry = ergon_registry::for_scenario(source)?;
    (entry.plan)(source, &overrides.list, sweep).map_err(|mut d| {
        overrides.name_in(&mut d);
        if let Some(grid) = sweep {
            crate::convert::name_grid(&mut d, grid);
        }
        Failure::Scenario("invalid_scenario", d)
    })
}

/// What a run hands back.
pub(crate) struct Ran {
    /// The bytes of its `metrics.parquet`.
    pub parquet: Vec<u8>,
    /// The text of its `summary.json`.
    pub summary: String,
}

/// How to run.
pub(crate) struct Options {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Only the jobs with these indexes (point-major), or every job.
    pub jobs: Option<Range<usize>>,
    /// Check every invariant after every step.
    pub paranoid: bool,
}

/// Runs `sim` and returns its metrics file and summary.
pub(crate) fn run(py: Python<'_>, sim: &dyn Simulation, options: &Options) -> Result<Ran> {
    let threads = options.threads;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| {
        Failure::Input("bad_input", format!("cannot start {threads} worker threads: {e}"))
    })?;
    let tmp = tempfile::Builder::new()
        .prefix("ergon-run-")
        .tempdir()
        .map_err(|e| Failure::Output(format!("cannot create a temporary directory: {e}"), 2))?;
    let out = OutDir::prepare(Some(&tmp.path().join("out")), &sim.info().name, false)?;
    let sink = sim.sink(&out)?;
    let stop = AtomicBool::new(false);
    let done = (Mutex::new(false), Condvar::new());
    let mut interrupt = None;
    let joined = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let progress = |_: u64| {};
            let control = Control {
                progress: &progress,
                stop: &stop,
                paranoid: options.paranoid,
                checkpoints: None,
            };
            let result = pool.install(|| match &options.jobs {
                Some(range) => sim.run_jobs(&sink, &control, range.clone()),
                None => sim.run(&sink, &control),
            });
            *done.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
            done.1.notify_all();
            result
        });
        while !py.detach(|| wait(&done)) {
            if interrupt.is_none()
                && let Err(e) = py.check_signals()
            {
                stop.store(true, Ordering::SeqCst);
                interrupt = Some(e);
            }
        }
        worker.join()
    });
    let outcome = match (interrupt, joined) {
        (Some(e), _) => Err(Failure::Python(e)),
        (None, Err(_)) => Err(Failure::Output("the engine's thread panicked".to_owned(), 1)),
        (None, Ok(r)) => r.map_err(Failure::from),
    };
    let results = match outcome {
        Ok(r) => r,
        Err(e) => {
            out.abandon();
            return Err(e);
        }
    };
    let complete = results.iter().all(|r| r.complete);
    let version = ergon_registry::VERSION;
    py.detach(|| pool.install(|| sim.finish(&sink, &out, &results, complete, version)))?;
    let read = |file: &str| {
        let path = out.dir.join(file);
        std::fs::read(&path)
            .map_err(|e| Failure::Output(format!("cannot read {}: {e}", path.display()), 2))
    };
    let parquet = read(PARQUET_FILE)?;
    let summary = String::from_utf8_lossy(&read("summary.json")?).into_owned();
    Ok(Ran { parquet, summary })
}

/// Waits up to [`SIGNAL_CHECK`] for the engine to finish; whether it has.
fn wait(done: &(Mutex<bool>, Condvar)) -> bool {
    let guard = done.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (guard, _) = done
        .1
        .wait_timeout_while(guard, SIGNAL_CHECK, |finished| !*finished)
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *guard
}
