//! The [`Model`] trait: an economy together with its agents, as the simulator drives it.
//!
//! An economy crate implements it next to its [`Economy`](crate::Economy): the scenario's
//! `[economy]` section becomes [`Model::Config`] (profile, parameters, genesis sizes) and its
//! `[agents]` section [`Model::Agents`] (populations, behaviours, distributions). The simulator
//! knows only this trait: it validates the sections, builds one model per (sweep point, run)
//! from its seed, advances it and records its metrics. [`Model::columns`] names the metrics and
//! their kinds up front, so writers can lay out their columns before any run.
//!
//! # Time units
//!
//! A model's step is its economy's natural unit of time, declared as [`Model::STEP_SECONDS`]: a
//! 10-minute epoch (Stratos, 600 s), a 12-second block (Phala, 12 s), an hour (Trias, 3,600 s).
//! Durations in scenario files (`"90d"`, `"12h"`) convert to steps through it, and
//! [`Model::EPOCHS_PER_DAY`] derives from it. A year of 12-second blocks is 2,628,000 steps, so
//! the simulator never touches a model per step: it calls [`Model::advance`] for a chunk of
//! steps up to the next recorded row, and [`Model::record`] only there.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::economy::{Metric, MetricValue, Rejection};
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

    /// An economy's refusal of its parameter overrides (`economy.params`, the keys given) at
    /// the parameter it names: one whose message starts with `NAME: ` or with a path inside it,
    /// `NAME.field: ` or `NAME[0].field: ` (said after its path, `economy.params.NAME.field`), else
    /// one the message mentions as a whole word (`mining` is not mentioned by `mining_pool`), else
    /// the table.
    pub fn of_params<'a>(
        keys: impl IntoIterator<Item = &'a String> + Clone,
        message: &str,
    ) -> FieldError {
        let starts = keys.clone().into_iter().find_map(|k| {
            let (inside, why) = message.strip_prefix(k.as_str())?.split_once(": ")?;
            let nested = inside.is_empty()
                || (inside.starts_with(['.', '[']) && !inside.contains(char::is_whitespace));
            nested.then(|| (format!("{k}{inside}"), why))
        });
        let (path, why) = match starts {
            Some((path, why)) => (Some(path), why),
            None => (keys.into_iter().find(|k| mentions(message, k)).cloned(), message),
        };
        let path = path.map_or("economy.params".to_owned(), |p| format!("economy.params.{p}"));
        FieldError::new(path, why)
    }
}

/// Whether `message` holds `word` with no letter, digit or `_` right before or after it.
fn mentions(message: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_';
    message.match_indices(word).any(|(at, _)| {
        !message[..at].ends_with(part) && !message[at + word.len()..].starts_with(part)
    })
}

/// The kind of a metric's values, as a column of results holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricKind {
    /// A count ([`MetricValue::Count`]).
    Count,
    /// A token amount in base units ([`MetricValue::Amount`]) with the token's decimals.
    Amount {
        /// The token's decimals.
        decimals: u8,
    },
    /// A derived, inexact figure ([`MetricValue::Float`]).
    Float,
}

impl MetricValue {
    /// The kind of this value: the column it belongs in.
    #[must_use]
    pub fn kind(&self) -> MetricKind {
        match *self {
            MetricValue::Count(_) => MetricKind::Count,
            MetricValue::Amount { decimals, .. } => MetricKind::Amount { decimals },
            MetricValue::Float(_) => MetricKind::Float,
        }
    }
}

/// One column of a model's records: a metric's name and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSpec {
    /// The metric's name ([`Metric::name`]).
    pub name: &'static str,
    /// The kind of its values.
    pub kind: MetricKind,
}

impl ColumnSpec {
    /// A column named `name` of kind `kind`.
    #[must_use]
    pub const fn new(name: &'static str, kind: MetricKind) -> ColumnSpec {
        ColumnSpec { name, kind }
    }

    /// The columns of a record, in its order: each metric's name and kind.
    #[must_use]
    pub fn of_record(metrics: &[Metric]) -> Vec<ColumnSpec> {
        metrics.iter().map(|m| ColumnSpec::new(m.name, m.value.kind())).collect()
    }
}

/// Seconds in a simulated day.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// Steps of `step_seconds` in a day. Evaluated at compile time for every model, so a step
/// length that is zero or does not divide a day fails the build.
#[must_use]
pub const fn steps_per_day(step_seconds: u64) -> u64 {
    assert!(
        step_seconds > 0 && SECONDS_PER_DAY.is_multiple_of(step_seconds),
        "a model's STEP_SECONDS must divide a day (86,400 s)"
    );
    SECONDS_PER_DAY / step_seconds
}

/// One node's rewards since genesis, as [`Model::node_rewards`] lists them at a run's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeReward {
    /// The node's number in the economy's node order (stable within a run).
    pub node: u64,
    /// Its kind or role, as the economy's docs name it (`"resource"`, `"relayer"`, …).
    pub kind: &'static str,
    /// Rewards it earned since genesis, in base units of [`Model::REWARD_TOKEN`].
    pub reward: u128,
}

/// The fields of a serializable parameter set as (name, value) pairs, in its field order: a
/// string as it is, any other value as its JSON text. For [`Model::parameters`]. Empty when
/// `params` does not serialize to a JSON object.
pub fn parameter_pairs<P: Serialize>(params: &P) -> Vec<(String, String)> {
    match serde_json::to_value(params) {
        Ok(serde_json::Value::Object(fields)) => fields
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                v => (k, v.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// An economy and its agents, advanced step by step by the simulator.
///
/// A model's whole state serializes ([`serde`], in a binary format: a checkpoint), and a model
/// read back runs on exactly as the original would have (`ergon run --resume`).
pub trait Model: Sized + Send + serde::Serialize + serde::de::DeserializeOwned {
    /// The economy's name in scenario files (`economy = "stratos"`).
    const NAME: &'static str;
    /// The length of one step in simulated seconds: 600 for Stratos' 10-minute epochs, 12 for
    /// Phala's blocks, 3,600 for Trias' hours. It must divide a day.
    const STEP_SECONDS: u64;
    /// Steps in a simulated day, derived from [`Model::STEP_SECONDS`] (do not override).
    const EPOCHS_PER_DAY: u64 = steps_per_day(Self::STEP_SECONDS);
    /// What one step is called in messages and progress bars (`"epoch"`, `"block"`, `"hour"`).
    const STEP_NAME: &'static str = "epoch";
    /// The metrics a run's closing table shows, in order.
    const KEY_METRICS: &'static [&'static str] = &[];
    /// Those of [`Model::KEY_METRICS`] measured over the interval since the previous row (flows,
    /// and rates of the interval such as an annualised return) rather than the state at the row:
    /// the closing table shows them apart, as the last interval's.
    const KEY_FLOWS: &'static [&'static str] = &[];
    /// The token [`Model::node_rewards`] counts in: its symbol and decimals.
    const REWARD_TOKEN: (&'static str, u8) = ("", 0);
    /// The `[economy]` section: profile, parameter overrides, genesis.
    type Config: DeserializeOwned + Serialize + Clone + Default + std::fmt::Debug + Send + Sync;
    /// The `[agents]` section: populations and behaviours.
    type Agents: DeserializeOwned + Serialize + Clone + Default + std::fmt::Debug + Send + Sync;

    /// Checks both sections beyond their types: limits, consistency, parameter names and
    /// values. Every error names its field.
    fn validate(config: &Self::Config, agents: &Self::Agents) -> Result<(), Vec<FieldError>>;

    /// The whole-number fields that have a range of their own under `config` and `agents` (the
    /// ranges [`Model::validate`] checks), as (dotted path, least, most): a value the field's
    /// type cannot hold (`-1`, `"x"`, a date-time) is refused with this range, not the type's.
    /// A list's entries are named by index (`agents.groups[0].workers`).
    fn whole_ranges(_config: &Self::Config, _agents: &Self::Agents) -> Vec<(String, u64, u64)> {
        Vec::new()
    }

    /// Builds a run's economy and agents; every random draw comes from `streams`.
    fn build(
        config: &Self::Config,
        agents: &Self::Agents,
        streams: &RngStreams,
    ) -> Result<Self, Rejection>;

    /// The columns every [`Model::record`] of a model built from `config` and `agents` has: the
    /// metrics' names and kinds, in record order. Known without building a model.
    fn columns(config: &Self::Config, agents: &Self::Agents) -> Vec<ColumnSpec>;

    /// Runs one step (an epoch, a block): the agents act, then the economy closes it.
    fn step(&mut self) -> Result<(), Violation>;

    /// Runs `steps` steps, exactly as that many calls of [`Model::step`] would, stopping at the
    /// first violation (then [`Model::epochs_done`] counts the steps completed before it).
    ///
    /// This is the hot path of a run: the simulator calls it with chunks of up to thousands of
    /// steps between two recorded rows. It records nothing, builds no JSON and should allocate
    /// nothing per step; flows accumulate until the next [`Model::record`]. A model whose steps
    /// are mostly alike (blocks with no event) may override it to skip through them faster,
    /// with the same result as stepping one by one.
    fn advance(&mut self, steps: u64) -> Result<(), Violation> {
        for _ in 0..steps {
            self.step()?;
        }
        Ok(())
    }

    /// Steps run so far.
    fn epochs_done(&self) -> u64;

    /// The metrics now, and the flows since the previous record (then reset). The names and
    /// kinds are the same at every call.
    fn record(&mut self) -> Vec<Metric>;

    /// Each node's rewards since genesis, in node order: what a run keeps of its nodes at its
    /// end (`nodes.csv`, the report's distribution across nodes). Called once a run, so it may
    /// allocate; the model keeps the running totals (O(1) a payout). Empty when the model
    /// does not track rewards per node.
    fn node_rewards(&self) -> Vec<NodeReward> {
        Vec::new()
    }

    /// Checks every invariant of the economy and the agents' books.
    fn check_invariants(&self) -> Result<(), Violation>;

    /// The expected peak memory of one run of `steps` steps, in bytes, from the populations
    /// (measured bytes per agent, docs/PERFORMANCE.md): what `ergon check` prints and `ergon run`
    /// compares with the machine's memory. `None` when the model has no estimate.
    fn memory_estimate(_config: &Self::Config, _agents: &Self::Agents, _steps: u64) -> Option<u64> {
        None
    }

    /// Every parameter in force under `config`: the profile's defaults with the scenario's
    /// overrides, as (name, value) pairs in the economy's order, each value as the economy's
    /// genesis files write it. The report lists them; empty when the model does not.
    fn parameters(_config: &Self::Config) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Checks the invariants a step can break at a cost that follows what changed since the
    /// previous call (`--paranoid` calls it after every step, with [`Model::check_invariants`]
    /// now and then). The default is the full check.
    fn check_step(&mut self) -> Result<(), Violation> {
        self.check_invariants()
    }
}

#[cfg(test)]
mod tests {
    use super::FieldError;

    #[test]
    fn a_refusal_of_the_parameters_is_placed_at_the_path_it_names() {
        let keys = ["mining".to_owned(), "mining_pool".to_owned()];
        let at = |message: &str| {
            let e = FieldError::of_params(&keys, message);
            (e.path, e.message)
        };
        assert_eq!(
            at("mining_pool: too large"),
            ("economy.params.mining_pool".into(), "too large".into())
        );
        assert_eq!(
            at("mining.tiers[0].reward: 19 decimals"),
            ("economy.params.mining.tiers[0].reward".into(), "19 decimals".into())
        );
        // A message mentioning `mining_pool` does not mention `mining`.
        let m = "parameter mining_pool = \"x\": invalid amount";
        assert_eq!(at(m), ("economy.params.mining_pool".into(), m.into()));
        let m = "invalid parameter mining.end = 5: must be above the last tier's threshold 7";
        assert_eq!(at(m), ("economy.params.mining".into(), m.into()));
        assert_eq!(at("no key: here").0, "economy.params");
    }
}
