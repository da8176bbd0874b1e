//! A validated scenario of any model behind one object-safe trait, [`Simulation`], so that a
//! program picks the model by the scenario's economy at run time: its figures ([`PlanInfo`]),
//! its sink, its jobs, and the finishing of its output directory.

use ergon_core::Model;
use ergon_output::{OutDir, OutputError, PartSink, Written};
use ergon_sim::{Control, Diagnostics, JobResult, Plan, RunError, Source, Sweep};

/// Validates a scenario (with `--set` overrides: path, TOML value text; and a sweep in place of
/// the file's `[sweep]`, when given) into a [`Simulation`].
pub type PlanFn =
    fn(Source<'_>, &[(String, String)], Option<&Sweep>) -> Result<Box<dyn Simulation>, Diagnostics>;

/// What a validated scenario is, for describing it and printing its results.
#[derive(Clone, Debug)]
pub struct PlanInfo {
    /// The scenario's name.
    pub name: String,
    /// The economy's name.
    pub economy: &'static str,
    /// Epochs of each run.
    pub epochs: u64,
    /// Epochs in a simulated day.
    pub epochs_per_day: u64,
    /// What one step is called ("epoch", "block").
    pub step_name: &'static str,
    /// Epochs between rows.
    pub record_every: u64,
    /// Monte Carlo runs per point.
    pub runs: u32,
    /// The master seed.
    pub seed: u64,
    /// SHA-256 of the resolved scenario, hex.
    pub hash: String,
    /// The sweep's keys (empty without a sweep).
    pub sweep_keys: Vec<String>,
    /// Each point's swept values: path and TOML text (one empty point without a sweep).
    pub points: Vec<Vec<(String, String)>>,
    /// The metrics a closing table shows, in order.
    pub key_metrics: &'static [&'static str],
    /// Those of them measured since the previous row ([`ergon_core::Model::KEY_FLOWS`]).
    pub key_flows: &'static [&'static str],
    /// The expected peak memory of one run, bytes: the largest over the points
    /// ([`ergon_core::Model::memory_estimate`]); none without an estimate.
    pub memory_per_run: Option<u64>,
}

impl PlanInfo {
    /// The number of jobs: points × runs.
    #[must_use]
    pub fn jobs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.runs)
    }
}

/// A validated scenario of some model, ready to run.
pub trait Simulation: Send + Sync {
    /// What it is.
    fn info(&self) -> &PlanInfo;
    /// The sink writing its jobs' part files into `out`.
    fn sink(&self, out: &OutDir) -> Result<PartSink, OutputError>;
    /// Builds every job's genesis without running it (see [`ergon_sim::runner::build_all`]).
    fn build_all(&self) -> Result<(), RunError>;
    /// Runs every job on the current rayon pool; results in job order.
    fn run(&self, sink: &PartSink, control: &Control<'_>) -> Result<Vec<JobResult>, RunError>;
    /// Runs the jobs whose indexes are in `jobs` (see [`ergon_sim::runner::run_jobs`]): a
    /// share of the run, with the rows those jobs have in the whole run.
    fn run_jobs(
        &self,
        sink: &PartSink,
        control: &Control<'_>,
        jobs: std::ops::Range<usize>,
    ) -> Result<Vec<JobResult>, RunError>;
    /// Merges the parts and writes summary.json and scenario.toml (see
    /// [`ergon_output::finish`]).
    fn finish(
        &self,
        sink: &PartSink,
        out: &OutDir,
        results: &[JobResult],
        complete: bool,
        version: &str,
    ) -> Result<Written, OutputError>;
}

/// A plan of model `M` and its figures.
struct Planned<M: Model> {
    plan: Plan<M>,
    info: PlanInfo,
}

/// The [`PlanFn`] of model `M`.
pub fn plan<M: Model + 'static>(
    source: Source<'_>,
    overrides: &[(String, String)],
    sweep: Option<&Sweep>,
) -> Result<Box<dyn Simulation>, Diagnostics> {
    let plan = ergon_sim::scenario::plan_with::<M>(source, overrides, sweep)?;
    let info = PlanInfo {
        name: plan.header.name.clone(),
        economy: M::NAME,
        epochs: plan.epochs,
        epochs_per_day: M::EPOCHS_PER_DAY,
        step_name: M::STEP_NAME,
        record_every: plan.record_every,
        runs: plan.header.runs,
        seed: plan.header.seed,
        hash: plan.hash.clone(),
        sweep_keys: plan.sweep_keys.clone(),
        points: plan
            .points
            .iter()
            .map(|p| p.values.iter().map(|(k, v)| (k.clone(), v.to_string())).collect())
            .collect(),
        key_metrics: M::KEY_METRICS,
        key_flows: M::KEY_FLOWS,
        memory_per_run: plan
            .points
            .iter()
            .map(|p| M::memory_estimate(&p.config, &p.agents, plan.epochs))
            .try_fold(0u64, |max, m| m.map(|m| max.max(m))),
    };
    Ok(Box::new(Planned { plan, info }))
}

impl<M: Model> Simulation for Planned<M> {
    fn info(&self) -> &PlanInfo {
        &self.info
    }

    fn sink(&self, out: &OutDir) -> Result<PartSink, OutputError> {
        PartSink::new(&self.plan, out, crate::VERSION)
    }

    fn build_all(&self) -> Result<(), RunError> {
        ergon_sim::runner::build_all(&self.plan)
    }

    fn run(&self, sink: &PartSink, control: &Control<'_>) -> Result<Vec<JobResult>, RunError> {
        ergon_sim::runner::run(&self.plan, sink, control)
    }

    fn run_jobs(
        &self,
        sink: &PartSink,
        control: &Control<'_>,
        jobs: std::ops::Range<usize>,
    ) -> Result<Vec<JobResult>, RunError> {
        ergon_sim::runner::run_jobs(&self.plan, jobs, sink, control)
    }

    fn finish(
        &self,
        sink: &PartSink,
        out: &OutDir,
        results: &[JobResult],
        complete: bool,
        version: &str,
    ) -> Result<Written, OutputError> {
        ergon_output::finish(&self.plan, sink, out, results, complete, version)
    }
}
