//! Stratos as a simulation [`Model`]: the economy plus its agents — users who buy Ozone and
//! send requests, resource-node operators who join, perform and leave, meta nodes, validators
//! and delegators. docs/economies/stratos.md ("Simulation") describes each behaviour.
//!
//! Cost per epoch: O(requests · log users + settled nodes) plus, once a simulated day, O(nodes
//! + delegators on their withdrawal day) — never O(all accounts) per epoch.

mod behaviour;
pub mod config;
mod daily;
mod record;
mod requests;

use ergon_core::dist::Sampler;
use ergon_core::economy::Rejection;
use ergon_core::invariants::Violation;
use ergon_core::rng::purpose;
use ergon_core::{
    AccountId, Amount, ChurnSampler, ColumnSpec, Economy, FieldError, Metric, Model, NodeReward,
    RngStreams, StreamRng,
};

use crate::Stratos;
use crate::params::EPOCHS_PER_DAY;
pub use config::{Agents, Config};

/// A user: its account (its request rate is its weight in `StratosModel::rates`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct User {
    account: AccountId,
}

/// A resource-node operator (by the economy's node index): its usual performance and the day
/// its current outage ends (0 or past: none).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Operator {
    reliability: f64,
    outage_until: u64,
}

/// A delegator: its account, the operator of the validator it delegates to, the validator it
/// is moving to (its stake unbonding meanwhile), and whether it has left.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct Delegator {
    account: AccountId,
    validator: AccountId,
    moving_to: Option<AccountId>,
    gone: bool,
}

/// The draws of every behaviour, ready to sample.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Samplers {
    deposit: Sampler,
    capacity: Sampler,
    performance: Sampler,
    balance: Sampler,
    rate: Sampler,
    upload: Sampler,
    download: Sampler,
    query: Sampler,
    touches: Sampler,
    prepay: Sampler,
    /// The request mix's total weight; none when a request's kind is drawn from nothing.
    mix_total: Option<f64>,
}

/// Downloads of one user collected to go to the economy as one [`Stratos::downloads`]: the
/// same as sending each at once, because nothing between them touches that user's Ozone or the
/// economy's task draws (the model sends the batch before anything else). Its memory is kept
/// from epoch to epoch.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Downloads {
    user: Option<AccountId>,
    /// The user's Ozone less the batch, noz.
    ozone_left: u128,
    sizes: Vec<Amount>,
    /// The stream words of a run of sizes ([`StratosModel::sizes_run`]); not saved.
    #[serde(skip)]
    words: Vec<u64>,
}

/// Flows since the last record (reset by each record).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Flows {
    epochs: u64,
    requests: u64,
    refused_no_ozone: u64,
    refused_no_capacity: u64,
    refused_no_funds: u64,
    refused_other: u64,
    prepays: u64,
    ozone_bought: u128,
    rewards_resource: u128,
    rewards_meta: u128,
    rewards_validators: u128,
    rewards_deposits: u128,
    traffic_reward: u128,
    mining_reward: u128,
    unissued: u128,
    to_community_pool: u128,
    gas: u128,
    community_tax: u128,
    settled: u128,
    carried: u128,
    nodes_joined: u64,
    nodes_left: u64,
    users_joined: u64,
    users_left: u64,
    user_top_ups: u64,
    ozone_used: u128,
    suspensions: u64,
    reinstatements: u64,
    delegations_moved: u64,
    delegators_left: u64,
}

/// A Stratos network with its agents.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct StratosModel {
    econ: Stratos,
    agents: Agents,
    rng: StreamRng,
    samplers: Samplers,
    exchange: AccountId,
    users: Vec<User>,
    /// Users' request rates, requests a day × 10^6, and their draws by rate (O(1) as users
    /// join and leave).
    rates: ChurnSampler,
    /// Downloads of one user not yet sent to the economy.
    batch: Downloads,
    /// One per resource node, by the economy's node index.
    operators: Vec<Operator>,
    delegators: Vec<Delegator>,
    validators: Vec<AccountId>,
    flows: Flows,
    /// Each node's rewards at the previous record, wei.
    rewards_seen: Vec<u128>,
    /// Resource-node rewards since the last daily review, wei.
    day_resource_rewards: u128,
    /// What the network's return scales node joins and exits by (1 without a `target_apr`).
    join_scale: f64,
    exit_scale: f64,
    /// A request's expected charge, Oz, by the mix and the sizes' means.
    mean_charge_oz: f64,
    epochs: u64,
    /// Requests one by one even when [`StratosModel::sole_downloads`] could run them (the
    /// tests' reference; not saved).
    #[serde(skip)]
    one_by_one: bool,
}

impl StratosModel {
    /// The economy.
    #[must_use]
    pub fn economy(&self) -> &Stratos {
        &self.econ
    }
}

impl Model for StratosModel {
    const NAME: &'static str = "stratos";
    const STEP_SECONDS: u64 = ergon_core::model::SECONDS_PER_DAY / EPOCHS_PER_DAY;
    const KEY_METRICS: &'static [&'static str] = &[
        "ozone_price_stos_per_oz",
        "p_stos",
        "total_mined_stos",
        "active_resource_nodes",
        "suspended_resource_nodes",
        "users",
        "requests",
        "requests_refused",
        "traffic_settled_oz",
        "resource_reward_mean_stos",
        "resource_reward_gini",
        "resource_node_apr_median",
        "deposit_apr",
        "stake_apr",
    ];
    const KEY_FLOWS: &'static [&'static str] = &[
        "requests",
        "requests_refused",
        "traffic_settled_oz",
        "resource_reward_mean_stos",
        "resource_reward_gini",
        "resource_node_apr_median",
        "deposit_apr",
        "stake_apr",
    ];
    const REWARD_TOKEN: (&'static str, u8) = ("STOS", 18);
    type Config = Config;
    type Agents = Agents;

    fn validate(config: &Config, agents: &Agents) -> Result<(), Vec<FieldError>> {
        let errs = config::validate(config, agents);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    fn whole_ranges(_config: &Config, agents: &Agents) -> Vec<(String, u64, u64)> {
        let ranges = config::whole_ranges(agents).into_iter();
        ranges.map(|(path, _, least, most)| (path.to_owned(), least, most)).collect()
    }

    fn build(config: &Config, agents: &Agents, streams: &RngStreams) -> Result<Self, Rejection> {
        behaviour::build(config, agents, streams)
    }

    fn columns(_config: &Config, _agents: &Agents) -> Vec<ColumnSpec> {
        record::COLUMNS.to_vec()
    }

    /// Every parameter in force: the profile's defaults with `[economy.params]` over them, as
    /// an override writes them (the STOS amounts, the mining table's among them, in STOS).
    /// Empty when the overrides do not resolve (validation refuses them first).
    fn parameters(config: &Config) -> Vec<(String, String)> {
        crate::genesis::resolve_params(config.profile, &config.params)
            .map_or_else(|_| Vec::new(), |p| ergon_core::parameter_pairs(&p.as_written()))
    }

    /// The resource nodes (numbered first, in registration order), then the meta nodes: each
    /// one's traffic and mining rewards since genesis, as the economy tallies them.
    fn node_rewards(&self) -> Vec<NodeReward> {
        let resource = self.econ.resource_nodes().iter().map(|n| ("resource", n.rewards_total.0));
        let meta = self.econ.meta_nodes().iter().map(|m| ("meta", m.rewards_total.0));
        resource
            .chain(meta)
            .enumerate()
            .map(|(i, (kind, reward))| NodeReward { node: i as u64, kind, reward })
            .collect()
    }

    fn step(&mut self) -> Result<(), Violation> {
        self.act().map_err(|r| Violation::new("stratos agents", r.to_string()))?;
        let report = self.econ.end_epoch()?;
        self.flows.add_report(&report);
        self.day_resource_rewards += report.resource_total.0;
        self.epochs += 1;
        Ok(())
    }

    fn epochs_done(&self) -> u64 {
        self.epochs
    }

    fn record(&mut self) -> Vec<Metric> {
        record::record(self)
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        self.econ.check_invariants()
    }

    fn memory_estimate(_config: &Config, agents: &Agents, steps: u64) -> Option<u64> {
        Some(memory_estimate(agents, steps))
    }

    /// The economy's step check: O(what changed + validators) ([`Economy::check_step`]).
    fn check_step(&mut self) -> Result<(), Violation> {
        Economy::check_step(&mut self.econ)
    }
}

impl Flows {
    fn add_report(&mut self, r: &crate::EpochReport) {
        self.epochs += 1;
        self.rewards_resource += r.resource_total.0;
        self.rewards_meta += r.meta_total.0;
        self.rewards_validators += r.validator_rewards.0;
        self.rewards_deposits += r.deposit_rewards.0;
        self.traffic_reward += r.traffic_reward.0;
        self.mining_reward += r.mining_reward.0;
        self.unissued += r.unissued.0;
        self.to_community_pool += r.to_community_pool.0;
        self.gas += r.gas_fees.0;
        self.community_tax += r.community_tax.0;
        self.settled += r.settled.0;
        self.carried = r.carried.0;
    }
}

/// A fresh stream for the agents of a run.
fn agent_rng(streams: &RngStreams) -> StreamRng {
    streams.stream(&[purpose::AGENTS])
}

/// Peak bytes of a run besides its agents: the program, the pools, the buffers (the lite year
/// of 1,000 nodes peaks at 58 MB).
const MEMORY_BASE: u64 = 64 << 20;
/// Bytes a resource node, a year of reward locks included (docs/PERFORMANCE.md, "Memory": 805
/// measured over 10^6 nodes for a day, 908 for a year).
const MEMORY_PER_NODE: u64 = 910;
/// Bytes a user (81 measured over 10^7 users).
const MEMORY_PER_USER: u64 = 81;
/// Bytes a delegator: a user's, plus its delegation's reward-accumulator entry and
/// unbonding record (computed from the records, not measured).
const MEMORY_PER_DELEGATOR: u64 = 200;

/// The expected peak memory of a run of `steps` epochs: per agent at the populations the run
/// reaches (nodes joining every day; users arriving at `count × growth_per_year` a year, as
/// the model adds them, none leaving), measured bytes per agent.
fn memory_estimate(agents: &Agents, steps: u64) -> u64 {
    let days = steps as f64 / EPOCHS_PER_DAY as f64;
    let nodes = agents.resource_nodes.count as f64 + agents.resource_nodes.joins_per_day * days;
    let users = agents.users.count as f64 * (1.0 + agents.users.growth_per_year * days / 365.0);
    let bytes = nodes * MEMORY_PER_NODE as f64
        + users * MEMORY_PER_USER as f64
        + agents.delegators.count as f64 * MEMORY_PER_DELEGATOR as f64;
    MEMORY_BASE.saturating_add(bytes.min(u64::MAX as f64 / 2.0) as u64)
}
