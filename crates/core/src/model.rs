//! The [`Model`] trait: an economy together with its agents, as the simulator drives it.
//!
//! An economy crate implements it next to its [`Economy`](crate::Economy): the scenario's
//! `[economy]` section becomes [`Model::Config`] (profile, parameters, genesis sizes) and its
//! `[agents]` section [`Model::Agents`] (populations, behaviours, distributions). The simulator
//! knows only this trait: it validates the sections, builds one model per (sweep point, run)
//! from its seed, steps it epoch by epoch and records its metrics.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::economy::{Metric, Rejection};
use crate::invariants::Violation;
use crate::rng::RngStreams;

/// A scenario value that failed validation: where (a dotted path in the scenario, e.g.
/// `agents.users.count`) and why (naming the bad value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field in the scenario file.
    pub path: String,
    /// What is wrong, with the value.
    pub message: String,
}

impl FieldError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { path: path.into(), message: message.into() }
    }
}

/// An economy and its agents, stepped epoch by epoch by the simulator.
pub trait Model: Sized + Send {
    /// The economy's name in scenario files (`economy = "stratos"`).
    const NAME: &'static str;
    /// Epochs in a simulated day (durations like `"90d"` and daily behaviours use it).
    const EPOCHS_PER_DAY: u64;
    /// The metrics a run's closing table shows, in order.
    const KEY_METRICS: &'static [&'static str] = &[];
    /// The `[economy]` section: profile, parameter overrides, genesis.
    type Config: DeserializeOwned + Serialize + Clone + Default + std::fmt::Debug + Send + Sync;
    /// The `[agents]` section: populations and behaviours.
    type Agents: DeserializeOwned + Serialize + Clone + Default + std::fmt::Debug + Send + Sync;

    /// Checks both sections beyond their types: limits, consistency, parameter names and
    /// values. Every error names its field.
    fn validate(config: &Self::Config, agents: &Self::Agents) -> Result<(), Vec<FieldError>>;

    /// Builds a run's economy and agents; every random draw comes from `streams`.
    fn build(
        config: &Self::Config,
        agents: &Self::Agents,
        streams: &RngStreams,
    ) -> Result<Self, Rejection>;

    /// Runs one epoch: the agents act, then the economy closes the epoch.
    fn step(&mut self) -> Result<(), Violation>;

    /// Epochs run so far.
    fn epochs_done(&self) -> u64;

    /// The metrics now, and the flows since the previous record (then reset). The names and
    /// kinds are the same at every call.
    fn record(&mut self) -> Vec<Metric>;

    /// Checks every invariant of the economy and the agents' books.
    fn check_invariants(&self) -> Result<(), Violation>;
}
