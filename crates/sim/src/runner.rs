//! The runner: one job per (sweep point, Monte Carlo run), in parallel on rayon's pool. Each
//! job has its own seed, derived from the master seed and (point, run), and writes its rows to
//! its own [`JobSink`]; the caller merges them in job order. So results are the same at any
//! thread count: no job reads anything another one writes.
//!
//! A job advances its model in chunks ([`Model::advance`]): up to the next recorded row, and at
//! most a simulated hour or [`CHUNK_STEPS_MAX`] steps, so a year of 12-second blocks takes a few
//! thousand calls, not millions, while Ctrl-C and the progress bar stay prompt. Under
//! `--paranoid` a chunk is one step, checked by [`Model::check_step`] (what the step changed),
//! with the full [`Model::check_invariants`] every [`PARANOID_FULL_EVERY`] steps and at the end.
//! The rows are the same either way.

use std::sync::atomic::{AtomicBool, Ordering};

use ergon_core::{Metric, Model, NodeReward, RngStreams, Seed};
use rayon::prelude::*;

use crate::resume::{Checkpoints, PartMark, Saver};
use crate::scenario::Plan;

/// Most steps in one chunk of [`Model::advance`] between two stop checks.
pub const CHUNK_STEPS_MAX: u64 = 4_096;
/// Most simulated seconds in one chunk: a step's cost tends to grow with its length (more
/// events in a 10-minute epoch than in a 12-second block), so this bounds a chunk's wall time.
pub const CHUNK_SECONDS_MAX: u64 = 3_600;

/// Under `--paranoid`, the steps between two full invariant checks (each step in between gets
/// the model's step check).
pub const PARANOID_FULL_EVERY: u64 = 1_000;

/// Steps a chunk may hold for model `M`, `paranoid` or not: at least 1.
#[must_use]
pub fn chunk_steps<M: Model>(paranoid: bool) -> u64 {
    if paranoid {
        return 1;
    }
    (CHUNK_SECONDS_MAX / M::STEP_SECONDS.max(1)).clamp(1, CHUNK_STEPS_MAX)
}

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
    /// Checks that `job`'s rows hold what its checkpoint recorded (`mark`), changing nothing.
    fn check(&self, job: &Job, mark: PartMark) -> Result<(), String>;
    /// Opens the writer of `job` to go on after the rows its checkpoint recorded (`mark`, which
    /// they must match; anything after them is cut off).
    fn reopen(&self, job: &Job, mark: PartMark) -> Result<Self::Job, String>;
}

/// A job's rows, in step order.
pub trait JobSink: Send {
    /// One recorded row: the step (epoch, block) and the metrics then.
    fn row(&mut self, epoch: u64, metrics: &[Metric]) -> Result<(), String>;
    /// Makes every row so far durable and returns how far they reach: what a checkpoint
    /// records, so that a resumed job goes on from exactly there.
    fn sync(&mut self) -> Result<PartMark, String>;
    /// The job ended (completely or stopped): flush.
    fn close(self) -> Result<(), String>;
}

/// How the runner reports progress and learns it must stop.
pub struct Control<'a> {
    /// Called after every chunk of every job with the steps it ran (from any thread).
    pub progress: &'a (dyn Fn(u64) + Sync),
    /// Set (by a Ctrl-C handler) to stop every job after its current chunk.
    pub stop: &'a AtomicBool,
    /// Check the invariants after every step (slower: chunks of one step; see
    /// [`PARANOID_FULL_EVERY`]).
    pub paranoid: bool,
    /// Checkpoints, when the run keeps them.
    pub checkpoints: Option<Checkpoints<'a>>,
}

/// What a job did.
#[derive(Clone, Debug)]
pub struct JobResult {
    /// The job.
    pub job: Job,
    /// Steps it ran.
    pub epochs: u64,
    /// The step a resumed job went on from (its checkpoint's); 0 for a job run from genesis.
    pub resumed_at: u64,
    /// Its last recorded row.
    pub last: Vec<Metric>,
    /// Whether it ran to the end.
    pub complete: bool,
    /// Each node's rewards since genesis where it stopped ([`Model::node_rewards`]).
    pub nodes: Vec<NodeReward>,
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
    #[error("job {job} (point {point}, run {run}) step {epoch}: broken invariant: {message}")]
    Violation {
        /// Job index.
        job: usize,
        /// Sweep point.
        point: usize,
        /// Run.
        run: u32,
        /// The step (epoch, block) that broke it, counted from 0.
        epoch: u64,
        /// What broke.
        message: String,
    },
    /// A checkpoint could not be written or read back.
    #[error("job {job}: checkpoint: {message}")]
    Checkpoint {
        /// Job index.
        job: usize,
        /// Why.
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
    run_jobs(plan, 0..usize::MAX, sink, control)
}

/// Runs the jobs of `plan` whose indexes are in `range` (point-major: point `k`'s runs `r0..r1`
/// are `k × runs + r0 .. k × runs + r1`), each with the seed it has in the whole run, so its rows
/// are those of [`run`]; results in job order. A range past the last job stops at it.
pub fn run_jobs<M: Model, S: Sink>(
    plan: &Plan<M>,
    range: std::ops::Range<usize>,
    sink: &S,
    control: &Control<'_>,
) -> Result<Vec<JobResult>, RunError> {
    let all = jobs(plan);
    let end = range.end.min(all.len());
    let start = range.start.min(end);
    if let Some(c) = control.checkpoints.as_ref().filter(|c| c.resume) {
        // Every checkpoint and the rows it recorded, before any job goes on: a bad one
        // changes nothing.
        for job in &all[start..end] {
            let mark = Saver::new(plan, job.index, job.point, c)
                .verify()
                .map_err(|message| ckpt_err(job, message))?;
            if let Some(mark) = mark {
                sink.check(job, mark).map_err(|m| ckpt_err(job, format!("its part file: {m}")))?;
            }
        }
    }
    all[start..end].par_iter().map(|job| run_job(plan, job, sink, control)).collect()
}

/// Builds the genesis of every job of `plan` (the same draws as a run's) on the current rayon
/// pool, runs nothing and keeps nothing: what `ergon check` does so that a scenario it passes
/// cannot fail at its genesis. The first job that fails, in job order.
pub fn build_all<M: Model>(plan: &Plan<M>) -> Result<(), RunError> {
    let failed: Vec<Option<RunError>> =
        jobs(plan).par_iter().map(|job| build(plan, job).err()).collect();
    failed.into_iter().flatten().next().map_or(Ok(()), Err)
}

/// The model of `job` at its genesis.
fn build<M: Model>(plan: &Plan<M>, job: &Job) -> Result<M, RunError> {
    let point = &plan.points[job.point];
    M::build(&point.config, &point.agents, &RngStreams::new(job.seed)).map_err(|r| {
        RunError::Build { job: job.index, point: job.point, run: job.run, message: r.to_string() }
    })
}

/// A checkpoint's failure, as the run reports it.
fn ckpt_err(job: &Job, message: String) -> RunError {
    RunError::Checkpoint { job: job.index, message }
}

fn run_job<M: Model, S: Sink>(
    plan: &Plan<M>,
    job: &Job,
    sink: &S,
    control: &Control<'_>,
) -> Result<JobResult, RunError> {
    let sink_err = |message: String| RunError::Sink { job: job.index, message };
    let violation = |epoch: u64, message: String| RunError::Violation {
        job: job.index,
        point: job.point,
        run: job.run,
        epoch,
        message,
    };
    let saver = control.checkpoints.as_ref().map(|c| Saver::new(plan, job.index, job.point, c));
    let resumed = match &saver {
        Some(s) if s.resume => s.load::<M>().map_err(|message| ckpt_err(job, message))?,
        _ => None,
    };
    let save = |s: &Saver<'_>, model: &M, out: &mut S::Job, epoch: u64, last: &[Metric], done| {
        let mark = out.sync().map_err(sink_err)?;
        s.save(model, epoch, mark, last, done).map_err(|message| ckpt_err(job, message))
    };
    let resumed_at = resumed.as_ref().map_or(0, |r| r.epoch);
    let (mut model, mut out, mut last, mut epoch) = match resumed {
        Some(r) => {
            // A part file that does not hold what its checkpoint recorded is a checkpoint
            // that does not match its run, like a cut or altered one.
            let out = sink
                .reopen(job, r.part)
                .map_err(|m| ckpt_err(job, format!("its part file: {m}")))?;
            (control.progress)(r.epoch);
            if r.done {
                out.close().map_err(sink_err)?;
                let nodes = r.model.node_rewards();
                return Ok(JobResult {
                    job: *job,
                    epochs: r.epoch,
                    resumed_at: r.epoch,
                    last: r.last,
                    complete: true,
                    nodes,
                });
            }
            (r.model, out, r.last, r.epoch)
        }
        None if control.stop.load(Ordering::Relaxed) => {
            // Stopped before it began: no genesis is built (a stop among thousands of jobs
            // built each), its part holds no row, and a resume starts it from genesis.
            sink.open(job).and_then(JobSink::close).map_err(sink_err)?;
            let (last, nodes) = (Vec::new(), Vec::new());
            return Ok(JobResult {
                job: *job,
                epochs: 0,
                resumed_at: 0,
                last,
                complete: false,
                nodes,
            });
        }
        None => {
            let mut model = build(plan, job)?;
            let mut out = sink.open(job).map_err(sink_err)?;
            let last = model.record();
            out.row(0, &last).map_err(sink_err)?;
            (model, out, last, 0)
        }
    };
    let mut saved_at = epoch;
    let mut complete = true;
    let chunk_max = chunk_steps::<M>(control.paranoid);
    while epoch < plan.epochs {
        if control.stop.load(Ordering::Relaxed) {
            complete = false;
            break;
        }
        let to_row = plan.record_every - epoch % plan.record_every;
        let steps = to_row.min(plan.epochs - epoch).min(chunk_max);
        let before = model.epochs_done();
        model.advance(steps).map_err(|v| {
            violation(epoch + model.epochs_done().saturating_sub(before), v.to_string())
        })?;
        epoch += steps;
        if control.paranoid {
            let checked = if epoch % PARANOID_FULL_EVERY == 0 || epoch == plan.epochs {
                model.check_invariants()
            } else {
                model.check_step()
            };
            checked.map_err(|v| violation(epoch, v.to_string()))?;
        }
        if epoch % plan.record_every == 0 || epoch == plan.epochs {
            last = model.record();
            out.row(epoch, &last).map_err(sink_err)?;
            if let Some(s) = &saver
                && (epoch - saved_at >= s.every || epoch == plan.epochs)
            {
                save(s, &model, &mut out, epoch, &last, epoch == plan.epochs)?;
                saved_at = epoch;
            }
        }
        (control.progress)(steps);
    }
    if !complete {
        // Saved before the stop's own row, which a resumed job leaves out.
        if let Some(s) = &saver
            && epoch > saved_at
        {
            save(s, &model, &mut out, epoch, &last, false)?;
        }
        if epoch % plan.record_every != 0 && epoch > 0 {
            last = model.record();
            out.row(epoch, &last).map_err(sink_err)?;
        }
    }
    out.close().map_err(sink_err)?;
    let nodes = model.node_rewards();
    Ok(JobResult { job: *job, epochs: epoch, resumed_at, last, complete, nodes })
}
