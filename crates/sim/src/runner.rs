//! The runner: one job per (sweep point, Monte Carlo run), in parallel on rayon's pool. Each
//! job has its own seed, derived from the master seed and (point, run), and writes its rows to
//! its own [`JobSink`]; the caller merges them in job order. So results are the same at any
//! thread count: no job reads anything another one writes.

use std::sync::atomic::{AtomicBool, Ordering};

use ergon_core::{Metric, Model, RngStreams, Seed};
use rayon::prelude::*;

use crate::scenario::Plan;

/// One job: which point, which run, and its seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// Position in the job list (point-major).
    pub index: usize,
    /// Sweep point.
    pub point: usize,
    /// Run within the point.
    pub run: u32,
    /// The job's own seed: `RngStreams(master).derive([point, run])`.
    pub seed: Seed,
}

/// Where a job's rows go (the simulator formats and writes nothing itself).
pub trait Sink: Sync {
    /// One job's writer.
    type Job: JobSink;
    /// Opens the writer of `job`.
    fn open(&self, job: &Job) -> Result<Self::Job, String>;
}

/// A job's rows, in epoch order.
pub trait JobSink: Send {
    /// One recorded row: the epoch and the metrics then.
    fn row(&mut self, epoch: u64, metrics: &[Metric]) -> Result<(), String>;
    /// The job ended (completely or stopped): flush.
    fn close(self) -> Result<(), String>;
}

/// How the runner reports progress and learns it must stop.
pub struct Control<'a> {
    /// Called after every epoch of every job with 1 (from any thread).
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Set (by a Ctrl-C handler) to stop every job after its current epoch.
    pub stop: &'a AtomicBool,
    /// Check every invariant after every epoch (slower).
    pub paranoid: bool,
}

/// What a job did.
#[derive(Clone, Debug)]
pub struct JobResult {
    /// The job.
    pub job: Job,
    /// Epochs it ran.
    pub epochs: u64,
    /// Its last recorded row.
    pub last: Vec<Metric>,
    /// Whether it ran to the end.
    pub complete: bool,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A model could not be built from its scenario (e.g. a genesis beyond the supply).
    #[error("job {job} (point {point}, run {run}): the economy refused its genesis: {message}")]
    Build {
        /// Job index.
        job: usize,
        /// Sweep point.
        point: usize,
        /// Run.
        run: u32,
        /// The refusal.
        message: String,
    },
    /// A broken invariant: a bug in Ergon or an economy.
    #[error("job {job} (point {point}, run {run}) epoch {epoch}: broken invariant: {message}")]
    Violation {
        /// Job index.
        job: usize,
        /// Sweep point.
        point: usize,
        /// Run.
        run: u32,
        /// Epoch.
        epoch: u64,
        /// What broke.
        message: String,
    },
    /// The sink failed (disk full, …).
    #[error("job {job}: cannot write its rows: {message}")]
    Sink {
        /// Job index.
        job: usize,
        /// Why.
        message: String,
    },
}

/// The jobs of `plan`, point-major, with their seeds.
pub fn jobs<M: Model>(plan: &Plan<M>) -> Vec<Job> {
    let master = RngStreams::new(Seed::from_u64(plan.header.seed));
    let mut out = Vec::new();
    for point in 0..plan.points.len() {
        for run in 0..plan.header.runs {
            let seed = master.derive(&[point as u64, u64::from(run)]);
            out.push(Job { index: out.len(), point, run, seed });
        }
    }
    out
}

/// Runs every job of `plan` on the current rayon pool; results in job order.
pub fn run<M: Model, S: Sink>(
    plan: &Plan<M>,
    sink: &S,
    control: &Control<'_>,
) -> Result<Vec<JobResult>, RunError> {
    let jobs = jobs(plan);
    jobs.par_iter().map(|job| run_job(plan, job, sink, control)).collect()
}

fn run_job<M: Model, S: Sink>(
    plan: &Plan<M>,
    job: &Job,
    sink: &S,
    control: &Control<'_>,
) -> Result<JobResult, RunError> {
    let point = &plan.points[job.point];
    let sink_err = |message: String| RunError::Sink { job: job.index, message };
    let violation = |epoch: u64, message: String| RunError::Violation {
        job: job.index,
        point: job.point,
        run: job.run,
        epoch,
        message,
    };
    let mut model =
        M::build(&point.config, &point.agents, &RngStreams::new(job.seed)).map_err(|r| {
            RunError::Build {
                job: job.index,
                point: job.point,
                run: job.run,
                message: r.to_string(),
            }
        })?;
    let mut out = sink.open(job).map_err(sink_err)?;
    let mut last = model.record();
    out.row(0, &last).map_err(sink_err)?;
    let mut complete = true;
    let mut epoch = 0;
    while epoch < plan.epochs {
        if control.stop.load(Ordering::Relaxed) {
            complete = false;
            break;
        }
        model.step().map_err(|v| violation(epoch, v.to_string()))?;
        epoch += 1;
        if control.paranoid {
            model.check_invariants().map_err(|v| violation(epoch, v.to_string()))?;
        }
        if epoch % plan.record_every == 0 || epoch == plan.epochs {
            last = model.record();
            out.row(epoch, &last).map_err(sink_err)?;
        }
        (control.progress)(1);
    }
    if !complete && epoch % plan.record_every != 0 && epoch > 0 {
        last = model.record();
        out.row(epoch, &last).map_err(sink_err)?;
    }
    out.close().map_err(sink_err)?;
    Ok(JobResult { job: *job, epochs: epoch, last, complete })
}
