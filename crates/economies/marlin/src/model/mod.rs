//! Marlin as a simulation [`Model`] (issue: the Marlin model; seed 002, "Staking" and
//! "Bridge"): the economy plus its agents — relayers splitting their resources between nodes
//! and stake, delegators chasing returns, receivers handing out tickets by delivered service,
//! spam-deposit producers with a checker, and MPOND holders draining the bridge. One step is one
//! day, the engine's epoch. docs/economies/marlin.md ("Simulation") describes each behaviour.
//!
//! Agents call only the economy's public operations. Cost a day: O(receivers · clusters +
//! relayers · log budget + delegators reviewing + producers · messages + bridge requests).

mod behaviour;
pub mod config;
mod memory;
mod record;
mod refusals;

use ergon_core::economy::Rejection;
use ergon_core::invariants::Violation;
use ergon_core::rng::purpose;
use ergon_core::{
    AccountId, ColumnSpec, Economy, FieldError, Metric, Model, NodeReward, RngStreams, StreamRng,
};
use serde_json::{Map, Value};

use crate::{Genesis, Marlin};
pub use config::{Agents, Config};

/// A relayer: its operator account and cluster, its own stash and its nodes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Relayer {
    operator: AccountId,
    cluster: u32,
    /// Its own stash on its cluster (None until it stakes).
    stash: Option<u64>,
    /// POND in its own stash, base units.
    self_stake: u128,
    /// Nodes it runs.
    nodes: u64,
    /// Its resources at its last decision (wallet + nodes at price + own stake), base units.
    budget: u128,
    /// The share of `budget` the rule asked for in nodes at its last decision.
    target_share: f64,
}

/// A delegator: its stash, the cluster it is on, and a requested move.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Delegator {
    account: AccountId,
    stash: u64,
    /// The day its requested redelegation may be carried out.
    moving_on: Option<u64>,
    /// The cluster it asked to move to (meaningful while `moving_on` is set).
    moving_to: u32,
}

/// An MPOND holder: its account, the days of its open requests, what it has not requested.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Holder {
    account: AccountId,
    requests: Vec<u64>,
    unrequested: u128,
}

/// Flows since the last record (reset by each record).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Flows {
    days: u64,
    tickets: u128,
    subsidy_paid: u128,
    fees_paid: u128,
    commission: u128,
    bridge_requested: u128,
    bridge_converted: u128,
    moves: u64,
    slashes: u64,
    nodes_bought: u64,
    nodes_sold: u64,
    /// deployed: receivers' same-day withdrawals and re-deposits.
    dips: u64,
    /// deployed: claims and delegation changes refused because the reward contract (the
    /// `rewards` pool) held less POND than they pay.
    payments_refused: u64,
    /// paper: tickets of clusters not eligible at the close (unpaid).
    tickets_unpaid: u128,
}

/// Days over which the delegators' estimate of the rewards paid a day is smoothed (an
/// exponential average with weight 1/30: the month-end fee payouts count spread over the month).
const PAID_SMOOTHING: f64 = 30.0;

/// A Marlin network with its agents.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct MarlinModel {
    econ: Marlin,
    agents: Agents,
    rng: StreamRng,
    hardware: AccountId,
    checker: Option<AccountId>,
    relayers: Vec<Relayer>,
    delegators: Vec<Delegator>,
    receivers: Vec<AccountId>,
    producers: Vec<AccountId>,
    holders: Vec<Holder>,
    /// α as a float (the delegators' return estimates).
    alpha: f64,
    /// POND a node costs, base units.
    node_price: u128,
    /// Yesterday's tickets per cluster.
    tickets: Vec<u128>,
    /// Each cluster's expected return per POND staked (scratch, by cluster). Working memory,
    /// sized and written before each use: a saved state leaves it out.
    #[serde(skip)]
    returns: Vec<f64>,
    /// Each cluster's `(t/T)^α` of the day (scratch for the delegators' reviews, by cluster).
    /// Working memory, sized and written before each use: a saved state leaves it out.
    #[serde(skip)]
    ticket_part: Vec<f64>,
    /// Today's tickets from one receiver per cluster (scratch, by cluster). Working memory,
    /// sized and written before each use: a saved state leaves it out.
    #[serde(skip)]
    share: Vec<u64>,
    /// The rewards paid a day, smoothed over about a month (`PAID_SMOOTHING` days), POND base
    /// units as a float: the delegators' APR estimates.
    paid_per_day: f64,
    /// deployed: today's ticket credits out of the `rewards` pool, base units.
    issued: u128,
    flows: Flows,
    epochs: u64,
}

impl MarlinModel {
    /// The economy.
    #[must_use]
    pub fn economy(&self) -> &Marlin {
        &self.econ
    }
}

impl Model for MarlinModel {
    const NAME: &'static str = "marlin";
    const REWARD_TOKEN: (&'static str, u8) = ("POND", 18);
    const STEP_SECONDS: u64 = ergon_core::model::SECONDS_PER_DAY;
    const KEY_METRICS: &'static [&'static str] = &[
        "nodes",
        "tickets",
        "stake_mean_pond",
        "stake_gini",
        "tickets_gini",
        "stake_tickets_corr",
        "share_gap_mean",
        "optimum_gap_mean",
        "rewards_paid_pond",
        "bridge_requested_mpond",
        "bridge_converted_mpond",
        "bridge_pending_mpond",
    ];
    const KEY_FLOWS: &'static [&'static str] =
        &["tickets", "rewards_paid_pond", "bridge_requested_mpond", "bridge_converted_mpond"];
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
        behaviour::build(config, agents, streams.stream(&[purpose::AGENTS]))
    }

    fn columns(_config: &Config, _agents: &Agents) -> Vec<ColumnSpec> {
        record::COLUMNS.to_vec()
    }

    /// The parameters in force (the profile's own), the token amounts in whole POND or MPOND
    /// and the tokens' weights by token, as a genesis override writes them.
    fn parameters(config: &Config) -> Vec<(String, String)> {
        const AMOUNTS: [&str; 8] = [
            "pond_cap",
            "mpond_cap",
            "proposal_threshold",
            "quorum",
            "eligibility_mpond",
            "subsidy_per_epoch",
            "reward_per_epoch",
            "stake_per_byte",
        ];
        let params =
            genesis_value(config, &[], &[]).ok().and_then(|g| crate::genesis::params(&g).ok());
        let mut pairs = params.map(|p| ergon_core::parameter_pairs(&p)).unwrap_or_default();
        // Those a scenario sets (custody and cancellation follow from the profile); not the
        // other profile's, which are not in force (and a scenario may not set them).
        let other = crate::genesis::other_profile_params(config.profile);
        pairs.retain(|(k, _)| {
            let k = k.as_str();
            k == "profile" || (crate::genesis::PARAMS.contains(&k) && !other.contains(&k))
        });
        for (k, v) in &mut pairs {
            if AMOUNTS.contains(&k.as_str())
                && let Ok(raw) = v.parse::<u128>()
            {
                *v = crate::units::fmt(ergon_core::Amount(raw));
            }
            // The weights are held in the tokens' order (POND, MPOND) and written by name.
            if k == "token_weights"
                && let Ok(serde_json::Value::Array(w)) = serde_json::from_str(v)
                && let [pond, mpond] = w.as_slice()
            {
                *v = serde_json::json!({ "pond": pond, "mpond": mpond }).to_string();
            }
        }
        pairs
    }

    /// Every cluster (one a relayer), by id: the rewards it received since genesis, its
    /// operator's commission and its delegators' shares together (paper: with what it holds for
    /// its accumulators; deployed: the ticket rewards claimed so far, what a cluster has accrued
    /// but not yet claimed left out).
    fn node_rewards(&self) -> Vec<NodeReward> {
        let clusters = self.econ.stakes().clusters().len() as u32;
        (0..clusters)
            .map(|c| NodeReward {
                node: u64::from(c),
                kind: "cluster",
                reward: self.econ.relay().pool(c).received().0
                    + self.econ.relay().held(c).received.0,
            })
            .collect()
    }

    fn step(&mut self) -> Result<(), Violation> {
        // The operators' commission of the day, whenever it is cut (paper: at the close;
        // deployed: as the delegators' rewards are claimed): the difference of its books.
        let commission = self.econ.relay().books().commission.0;
        self.act().map_err(|r| Violation::new("marlin agents", r.to_string()))?;
        let report = self.econ.end_epoch()?;
        let r = report.rewards;
        self.flows.subsidy_paid += r.subsidy.paid.0;
        self.flows.fees_paid += r.fees.paid.0;
        self.flows.tickets_unpaid += r.tickets_unpaid.0;
        self.flows.commission += self.econ.relay().books().commission.0 - commission;
        // deployed: the ticket credits are the day's payout from the `rewards` pool.
        let issued = std::mem::take(&mut self.issued);
        self.flows.subsidy_paid += issued;
        let paid = (r.subsidy.paid.0 + r.fees.paid.0 + issued) as f64;
        self.paid_per_day = if self.epochs == 0 {
            paid
        } else {
            self.paid_per_day + (paid - self.paid_per_day) / PAID_SMOOTHING
        };
        self.flows.days += 1;
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
        Some(memory::memory_estimate(agents, steps))
    }
}

/// The genesis of a run: `[economy]`'s overrides with the profile, the subsidy pool and the
/// agents' `holdings` (name, POND, MPOND). Under `deployed`, the bridge pays converted MPOND
/// from its POND reserve, so the genesis puts in it the POND of the MPOND its holders will
/// convert (`bridge_mpond`, 10^6 each). Errors name the field at fault.
pub(crate) fn genesis_value(
    c: &Config,
    bridge_mpond: &[f64],
    holdings: &[(String, f64, f64)],
) -> Result<Genesis, FieldError> {
    const RESERVED: [&str; 4] = ["profile", "accounts", "rewards_pool", "bridge"];
    let mut g: Map<String, Value> = Map::new();
    for (k, v) in &c.params {
        if RESERVED.contains(&k.as_str()) {
            return Err(FieldError::new(
                format!("economy.params.{k}"),
                "set by the scenario's other fields, not as a parameter",
            ));
        }
        if !crate::engine::genesis::PARAMS.contains(&k.as_str()) {
            let known = crate::engine::genesis::PARAMS.join(", ");
            return Err(FieldError::new(
                format!("economy.params.{k}"),
                format!("unknown parameter {k:?}; known: {known}"),
            ));
        }
        g.insert(k.clone(), v.clone());
    }
    let profile = serde_json::to_value(c.profile).unwrap_or(Value::Null);
    g.insert("profile".into(), profile);
    let mut accounts = Map::new();
    for (name, pond, mpond) in holdings {
        let mut h = Map::new();
        if *pond > 0.0 {
            h.insert("pond".into(), Value::String(format!("{pond:.6}")));
        }
        if *mpond > 0.0 {
            h.insert("mpond".into(), Value::String(format!("{mpond:.6}")));
        }
        accounts.insert(name.clone(), Value::Object(h));
    }
    g.insert("accounts".into(), Value::Object(accounts));
    if c.profile == crate::Profile::Deployed {
        // Each holding as the genesis reads it (six decimals), in millionths of an MPOND: as
        // many whole POND at 10^6 POND an MPOND.
        let micro = ergon_core::amount::TokenMeta::new("MPOND", 6);
        let mut reserve = 0u128;
        for m in bridge_mpond {
            let held = micro.parse(&format!("{m:.6}"));
            reserve += held.map_err(|e| FieldError::new("agents.bridge.mpond", e.to_string()))?.0;
        }
        if reserve > 0 {
            let mut b = Map::new();
            b.insert("pond".into(), Value::String(reserve.to_string()));
            g.insert("bridge".into(), Value::Object(b));
        }
    }
    // Exact, as written (validated); zero mints nothing.
    if c.subsidy_pool.qty().is_ok_and(|q| q.to_integer().map_or(true, |n| n > 0)) {
        g.insert("rewards_pool".into(), Value::String(c.subsidy_pool.0.clone()));
    }
    let genesis: Genesis = serde_json::from_value(Value::Object(g)).map_err(|e| {
        // The first override that fails on its own is the one to name.
        let alone = |k: &String, v: &Value| {
            let one = Map::from_iter([(k.clone(), v.clone())]);
            serde_json::from_value::<Genesis>(Value::Object(one)).is_err()
        };
        let key = c.params.iter().find(|(k, v)| alone(k, v)).map(|(k, _)| k);
        let path = key.map_or("economy.params".to_owned(), |k| format!("economy.params.{k}"));
        FieldError::new(path, e.to_string())
    })?;
    if let Err(e) = crate::genesis::params(&genesis) {
        return Err(FieldError::of_params(c.params.keys(), &e.to_string()));
    }
    Ok(genesis)
}

/// `⌊amount · share⌋` exactly, the share taken to 9 decimals (in floats, 200,000 POND × ½ came
/// 8,388,608 base units short of 100,000: a node short at 5,000 a node).
pub(super) fn share_of(amount: u128, share: f64) -> u128 {
    let parts = (share.clamp(0.0, 1.0) * 1e9).round() as u128;
    ergon_core::mul_div(amount, parts, 1_000_000_000, ergon_core::Rounding::Down).unwrap_or(amount)
}
