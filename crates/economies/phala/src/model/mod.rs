//! Phala as a simulation [`Model`] (issue 14, item 6; seed 003, the AMA's workers, shares and
//! pools): the economy plus its agents — workers of several hardware groups (confidence tiers,
//! benchmark P, true performance) in stake pools, the gatekeeper's heartbeat challenges,
//! workers going offline and coming back, pool owners staking, stopping and reclaiming their
//! workers, delegators moving between pools on APR, vault owners investing their depositors'
//! PHA in the best pools, and (paper) developers deploying contracts that make workers
//! Active. One step is one 12-second block.
//! docs/economies/phala.md ("Simulation") describes each behaviour.
//!
//! Agents call only the economy's public operations. Cost a block: O(workers) for the block
//! close plus O(challenges + answers + outages); a day adds O(workers + delegators).

mod behaviour;
pub mod config;
mod developers;
mod memory;
mod record;
mod vaults;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use ergon_core::economy::Rejection;
use ergon_core::invariants::Violation;
use ergon_core::{
    ColumnSpec, Economy, FieldError, Metric, Model, NodeReward, RngStreams, StreamRng,
};

use crate::{Phala, PoolIndex, WorkerIndex};
pub use config::{Agents, Config};
use ergon_core::AccountId;

/// A worker as its operator runs it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Worker {
    index: WorkerIndex,
    /// Its pool (model index = engine index).
    pool: u32,
    /// Its group.
    group: u8,
    /// Its true performance: benchmark iterations per 6 s it really runs.
    p_true: u64,
    /// Online now.
    online: bool,
    /// Its iteration counter at `since` (reset at each start).
    iters_base: u64,
    /// The block its counter last rebased (a start, going offline, coming back).
    since: u64,
    /// Its answers waiting in the model's `deferred` list (they fell due while it was offline).
    backlog: u32,
    /// The blocks of its last two challenges (at most two an hour).
    recent: [u64; 2],
    /// Its heartbeat payouts since genesis, base units.
    earned: u128,
}

impl Worker {
    /// Its benchmark counter at block `b` (online since `since`): two rounds of `p_true` a
    /// block.
    fn iterations(&self, b: u64) -> u64 {
        self.iters_base + 2 * self.p_true * (b - self.since)
    }
}

/// A stake pool and its owner.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Pool {
    index: PoolIndex,
    owner: AccountId,
    /// Its workers (model indices).
    workers: Vec<u32>,
    /// PHA the stakers got today, base units.
    income_today: u128,
    /// The smoothed daily return on the pool's value (see `behaviour::end_day`).
    daily_rate: f64,
    /// Whether `daily_rate` has a value yet.
    rated: bool,
}

/// A delegator: its account, its pool and the pool it is moving to.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Delegator {
    account: AccountId,
    pool: u32,
    moving_to: Option<u32>,
}

/// Flows since the last record (reset by each record).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Flows {
    blocks: u64,
    paid: u128,
    treasury: u128,
    commission: u128,
    group_paid: [u128; config::GROUPS_MAX],
    challenges: u64,
    heartbeats: u64,
    outages: u64,
    redelegations: u64,
    stops: u64,
    starts: u64,
    /// paper: gas paid to workers, base units.
    gas: u128,
    contracts_deployed: u64,
    contracts_unassigned: u64,
    contracts_spent: u64,
    contracts_stopped: u64,
    /// PHA paid to vault depositors, base units.
    vault_withdrawn: u128,
    /// PHA vaults invested in pools, base units.
    vault_invested: u128,
    /// Vault divestments.
    vault_divests: u64,
    /// Vault shutdowns.
    vault_shutdowns: u64,
}

/// A Phala network with its agents.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct PhalaModel {
    econ: Phala,
    agents: Agents,
    /// Genesis draws and delegators' choices.
    rng: StreamRng,
    /// Heartbeat challenges.
    net: StreamRng,
    /// Outages.
    faults: StreamRng,
    /// paper: contract deployments and their draws.
    tasks: StreamRng,
    /// paper: the developers' accounts.
    developers: Vec<AccountId>,
    /// The vaults' deposits and depositors' choices (their own stream).
    vault_rng: StreamRng,
    /// The vaults.
    vaults: Vec<vaults::VaultAgent>,
    /// paper: today's deployments, by block.
    deploys: Vec<u64>,
    /// The next of `deploys` to happen.
    next_deploy: usize,
    workers: Vec<Worker>,
    pools: Vec<Pool>,
    delegators: Vec<Delegator>,
    /// This block's challenge targets (working memory, empty between blocks).
    #[serde(skip)]
    targets: Vec<u32>,
    /// Answers due: (block, worker, the benchmark counter the heartbeat carries, read in the
    /// challenge's block when the worker was online then), in due order (one answer delay for
    /// all).
    answers: VecDeque<(u64, u32, Option<u64>)>,
    /// Answers that fell due while their worker was offline, in due order: (worker, the
    /// counter it read handling the challenge, if online then).
    deferred: Vec<(u32, Option<u64>)>,
    /// Today's outages: (block, worker, blocks offline), by block.
    outages: Vec<(u64, u32, u64)>,
    /// The next of `outages` to happen.
    next_outage: usize,
    /// Workers coming back: (block, worker). Saved in its heap order, which reads back
    /// unchanged (each entry pushed in that order is already below its parent).
    returns: BinaryHeap<Reverse<(u64, u32)>>,
    /// The subsidy pool's balance at the last record, base units.
    subsidy_at_record: u128,
    groups: usize,
    flows: Flows,
    blocks: u64,
}

impl PhalaModel {
    /// The economy.
    #[must_use]
    pub fn economy(&self) -> &Phala {
        &self.econ
    }
}

impl Model for PhalaModel {
    const NAME: &'static str = "phala";
    const REWARD_TOKEN: (&'static str, u8) = ("PHA", crate::events::PHA_DECIMALS);
    const STEP_SECONDS: u64 = 12;
    const STEP_NAME: &'static str = "block";
    const KEY_METRICS: &'static [&'static str] = &[
        "workers_idle",
        "workers_unresponsive",
        "budget_per_block_pha",
        "share_mean",
        "v_mean",
        "subsidy_paid_pha",
        "treasury_paid_pha",
        "pool_apr_median",
        "g0_apr",
        "g1_apr",
    ];
    const KEY_FLOWS: &'static [&'static str] =
        &["subsidy_paid_pha", "treasury_paid_pha", "g0_apr", "g1_apr"];
    type Config = Config;
    type Agents = Agents;

    fn validate(config: &Config, agents: &Agents) -> Result<(), Vec<FieldError>> {
        let errs = config::validate(config, agents);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    fn whole_ranges(_config: &Config, agents: &Agents) -> Vec<(String, u64, u64)> {
        let ranges = config::whole_ranges(agents).into_iter();
        ranges.map(|(path, _, least, most)| (path, least, most)).collect()
    }

    fn build(config: &Config, agents: &Agents, streams: &RngStreams) -> Result<Self, Rejection> {
        behaviour::build(config, agents, streams)
    }

    fn columns(config: &Config, agents: &Agents) -> Vec<ColumnSpec> {
        let paper = config.profile == crate::Profile::Paper;
        record::columns(agents.groups.len(), paper, agents.vaults.count > 0)
    }

    /// The profile and the parameters in force a scenario sets (not the figures derived from
    /// them, such as the payout ratio; not khala's switches under paper), as an override writes
    /// them.
    fn parameters(config: &Config) -> Vec<(String, String)> {
        use crate::engine::params::{KHALA_SWITCHES, PARAM_NAMES};
        let mut pairs = config.parameters().map(|p| config::readable(&p)).unwrap_or_default();
        let paper = config.profile == crate::Profile::Paper;
        pairs.retain(|(k, _)| {
            let k = k.as_str();
            k == "profile" || (PARAM_NAMES.contains(&k) && !(paper && KHALA_SWITCHES.contains(&k)))
        });
        pairs
    }

    /// Every worker, in registration order: its heartbeat payouts since genesis (what the
    /// computation pallet pays the worker, before its pool's commission and stakers' split).
    fn node_rewards(&self) -> Vec<NodeReward> {
        let workers = self.workers.iter().enumerate();
        workers
            .map(|(i, w)| NodeReward { node: i as u64, kind: "worker", reward: w.earned })
            .collect()
    }

    fn step(&mut self) -> Result<(), Violation> {
        self.act().map_err(|r| Violation::new("phala agents", r.to_string()))?;
        self.econ.end_epoch()?;
        self.flows.blocks += 1;
        self.blocks += 1;
        Ok(())
    }

    fn epochs_done(&self) -> u64 {
        self.blocks
    }

    fn record(&mut self) -> Vec<Metric> {
        record::record(self)
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        self.econ.check_invariants()
    }

    fn memory_estimate(_config: &Config, agents: &Agents, _steps: u64) -> Option<u64> {
        Some(memory::memory_estimate(agents))
    }
}
