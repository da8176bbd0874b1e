//! The scenario sections of a Marlin simulation (docs/economies/marlin.md, "Simulation"):
//! `[economy]` (profile, genesis parameter overrides, the subsidy pool) and `[agents]` (relayers,
//! delegators, receivers, producers and bridge users), with their defaults and limits. Amounts
//! are whole POND or MPOND, as numbers or distributions (ergon_core::dist); counts are integers.

use ergon_core::FieldError;
use ergon_core::amount::DecimalText;
use ergon_core::dist::{self, Dist, to_base_units};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Profile;

/// Most relayers (clusters) a scenario may have.
pub const RELAYERS_MAX: u64 = 10_000;
/// Most delegators, receivers, producers or bridge users.
pub const POPULATION_MAX: u64 = 100_000;

/// `[economy]`: the rules.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `paper` (default): the agents need the paper's tickets, fee pool and spam deposits.
    #[serde(default)]
    pub profile: Profile,
    /// Parameter overrides, as in a replay genesis (docs/economies/marlin.md, "Genesis"), e.g.
    /// `alpha = "0.5"`, `subsidy_per_epoch = "20000"`, `subsidy_epochs = 3650`.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// POND minted into the `rewards` pool (paper: the subsidy pool) at genesis, exactly (a
    /// string, or a whole number).
    #[serde(default)]
    pub subsidy_pool: DecimalText,
}

/// `[agents]`: who is in the network and what they do.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Agents {
    /// Relayers, each running one cluster.
    pub relayers: Relayers,
    /// Delegators of POND to clusters.
    pub delegators: Delegators,
    /// Receivers (paper: subscribers of the fee pool who hand out tickets).
    pub receivers: Receivers,
    /// Producers posting spam deposits, and one spam checker.
    pub producers: Producers,
    /// Holders of MPOND converting it to POND through the bridge.
    pub bridge: BridgeUsers,
}

/// How a relayer picks its split between nodes and stake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The exact optimum against the others (`rewards::solver::optimal_split`).
    #[default]
    Solver,
    /// The small-relayer rule: a fraction α to nodes (`small_relayer_split`).
    Small,
    /// Keeps its genesis split.
    Fixed,
}

/// `[agents.relayers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Relayers {
    /// Relayers (clusters) at genesis.
    pub count: u64,
    /// Each relayer's resources at genesis, POND.
    #[serde(deserialize_with = "dist::deserialize")]
    pub budget: Dist,
    /// The share of its resources a relayer puts in nodes at genesis (the rest is staked).
    pub node_share: f64,
    /// POND a node costs (bought from and sold back to the `hardware` account).
    pub node_price: f64,
    /// Commission, whole percent.
    pub commission_percent: u8,
    /// The split rule.
    pub rule: Rule,
    /// The fraction of the gap to its target node count a relayer closes each day.
    pub adjust: f64,
    /// MPOND each relayer stakes on its own cluster at genesis: what a cluster needs to be paid
    /// (paper: more than `eligibility_mpond`, 0.5 MPOND by default; deployed: a cluster is drawn
    /// only with at least the selection threshold, 0.5 MPOND by default). Default 1.
    pub mpond: f64,
}

impl Default for Relayers {
    fn default() -> Relayers {
        Relayers {
            count: 20,
            budget: Dist::Lognormal { median: 200_000.0, sigma: 0.5 },
            node_share: 0.2,
            node_price: 5_000.0,
            commission_percent: 10,
            rule: Rule::Solver,
            adjust: 0.2,
            mpond: 1.0,
        }
    }
}

/// `[agents.delegators]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delegators {
    /// Delegators at genesis, each with one stash on a cluster drawn uniformly.
    pub count: u64,
    /// POND each delegates.
    #[serde(deserialize_with = "dist::deserialize")]
    pub amount: Dist,
    /// Days between a delegator's reviews (each on its own day of the cycle).
    pub review_every_days: u64,
    /// The chance a reviewing delegator moves when a cluster pays more than `min_apr_gap` more.
    pub switch_share: f64,
    /// The APR gap (a fraction a year: 0.02 = 2 points) a better cluster must exceed before a
    /// delegator moves: inside this band it stays (hysteresis).
    pub min_apr_gap: f64,
    /// The clusters a reviewing delegator compares with its own: 0 (default) every cluster;
    /// `n > 0`, `n` drawn uniformly at random (with replacement) at each review, so that a
    /// review costs O(n) rather than O(clusters) in a large network.
    pub candidates: u64,
}

impl Default for Delegators {
    fn default() -> Delegators {
        Delegators {
            count: 500,
            amount: Dist::Lognormal { median: 20_000.0, sigma: 1.0 },
            review_every_days: 7,
            switch_share: 0.3,
            min_apr_gap: 0.02,
            candidates: 0,
        }
    }
}

/// `[agents.receivers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Receivers {
    /// Receivers.
    pub count: u64,
    /// POND each holds at genesis.
    pub balance: f64,
    /// The monthly fee each pays into the fee pool, POND.
    pub fee: f64,
    /// Months each subscription buys (renewed when it ends).
    pub months: u64,
    /// Tickets each wants to hand out a day (its messages to deliver), over the clusters by
    /// their nodes.
    pub tickets_per_day: u64,
    /// Tickets a node can deliver a day; receivers share what the nodes deliver equally, each
    /// up to `tickets_per_day` (0: no limit, every receiver's demand is met).
    pub node_capacity: u64,
    /// deployed: the chance, each day, that a receiver withdraws half its stake and deposits it
    /// back the same day (its stake for that epoch is the minimum, half).
    pub dip_share: f64,
}

impl Default for Receivers {
    fn default() -> Receivers {
        Receivers {
            count: 50,
            balance: 100_000.0,
            fee: 1_000.0,
            months: 12,
            tickets_per_day: 1_000,
            node_capacity: 0,
            dip_share: 0.0,
        }
    }
}

/// `[agents.producers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Producers {
    /// Producers (paper only).
    pub count: u64,
    /// The spam deposit each posts at genesis, POND.
    pub deposit: f64,
    /// Messages each sends a day.
    pub messages_per_day: u64,
    /// Bytes a message.
    pub message_size: u64,
    /// The chance, each day, that a producer reuses a range (spam the checker proves).
    pub cheat_share: f64,
}

impl Default for Producers {
    fn default() -> Producers {
        Producers {
            count: 0,
            deposit: 1_000.0,
            messages_per_day: 20,
            message_size: 1_000,
            cheat_share: 0.01,
        }
    }
}

/// `[agents.bridge]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgeUsers {
    /// Holders of MPOND.
    pub count: u64,
    /// MPOND each holds at genesis.
    #[serde(deserialize_with = "dist::deserialize")]
    pub mpond: Dist,
    /// The day of the first requests.
    pub start_day: u64,
    /// Days between one holder's requests.
    pub every_days: u64,
    /// The share of its MPOND not yet requested a holder requests each time.
    pub share: f64,
}

impl Default for BridgeUsers {
    fn default() -> BridgeUsers {
        BridgeUsers {
            count: 0,
            mpond: Dist::Uniform { low: 1.0, high: 10.0 },
            start_day: 0,
            every_days: 90,
            share: 0.5,
        }
    }
}

/// The agents' whole numbers with a range of their own, as (path, value, least, most): what
/// `validate` checks, and the ranges a value of another kind is refused with.
pub fn whole_ranges(a: &Agents) -> Vec<(&'static str, u64, u64, u64)> {
    let (r, d) = (&a.relayers, &a.delegators);
    vec![
        ("agents.relayers.count", r.count, 1, RELAYERS_MAX),
        ("agents.delegators.count", d.count, 0, POPULATION_MAX),
        ("agents.receivers.count", a.receivers.count, 0, POPULATION_MAX),
        ("agents.producers.count", a.producers.count, 0, POPULATION_MAX),
        ("agents.bridge.count", a.bridge.count, 0, POPULATION_MAX),
        ("agents.delegators.review_every_days", d.review_every_days, 1, 3_650),
        ("agents.delegators.candidates", d.candidates, 0, RELAYERS_MAX),
        ("agents.receivers.months", a.receivers.months, 1, 120),
        ("agents.receivers.tickets_per_day", a.receivers.tickets_per_day, 0, 1_000_000_000),
        ("agents.receivers.node_capacity", a.receivers.node_capacity, 0, 1_000_000_000),
        ("agents.producers.messages_per_day", a.producers.messages_per_day, 0, 10_000),
        ("agents.producers.message_size", a.producers.message_size, 1, 1_000_000_000),
        ("agents.bridge.every_days", a.bridge.every_days, 1, 3_650),
        ("agents.bridge.start_day", a.bridge.start_day, 0, 36_500),
        ("agents.relayers.commission_percent", u64::from(r.commission_percent), 0, 100),
    ]
}

/// Every check of both sections; each error names its field.
pub fn validate(c: &Config, a: &Agents) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Err(e) = super::genesis_value(c, &[], &[]) {
        errs.push(e);
    }
    // Exact: read as the genesis reads it (POND, 18 decimals), at most the cap of 10^10.
    let pond = ergon_core::TokenMeta::new("POND", 18);
    match c.subsidy_pool.qty().and_then(|q| q.to_amount(&pond)) {
        Ok(x) if x.0 <= 10u128.pow(28) => {}
        Ok(_) => errs.push(FieldError::new(
            "economy.subsidy_pool",
            format!("must be in [0, 10000000000], not {}", c.subsidy_pool.0),
        )),
        Err(e) => errs.push(FieldError::new("economy.subsidy_pool", e.to_string())),
    }
    let mut num = |path: &str, v: f64, lo: f64, hi: f64| {
        if !(v.is_finite() && v >= lo && v <= hi) {
            errs.push(FieldError::new(path, format!("must be in [{lo}, {hi}], not {v}")));
        }
    };
    let r = &a.relayers;
    num("agents.relayers.node_share", r.node_share, 0.0, 1.0);
    num("agents.relayers.node_price", r.node_price, 1e-6, 1e9);
    num("agents.relayers.adjust", r.adjust, 0.0, 1.0);
    num("agents.relayers.mpond", r.mpond, 0.0, 10_000.0);
    num("agents.receivers.dip_share", a.receivers.dip_share, 0.0, 1.0);
    let d = &a.delegators;
    num("agents.delegators.switch_share", d.switch_share, 0.0, 1.0);
    num("agents.delegators.min_apr_gap", d.min_apr_gap, 0.0, 100.0);
    num("agents.receivers.balance", a.receivers.balance, 0.0, 1e10);
    num("agents.receivers.fee", a.receivers.fee, 0.0, 1e9);
    num("agents.producers.deposit", a.producers.deposit, 1e-6, 1e9);
    num("agents.producers.cheat_share", a.producers.cheat_share, 0.0, 1.0);
    num("agents.bridge.share", a.bridge.share, 1e-6, 1.0);
    for (path, n, min, max) in whole_ranges(a) {
        if n < min || n > max {
            errs.push(FieldError::new(path, format!("must be {min} to {max}, not {n}")));
        }
    }
    let dists = [
        ("agents.relayers.budget", &r.budget),
        ("agents.delegators.amount", &d.amount),
        ("agents.bridge.mpond", &a.bridge.mpond),
    ];
    for (path, dist) in dists {
        if let Err(e) =
            dist.validate(Some(1e-6)).and_then(|()| dist.check_range(0.0, f64::INFINITY))
        {
            errs.push(FieldError::new(path, e));
        }
    }
    let rc = &a.receivers;
    if c.profile == Profile::Paper && rc.count > 0 {
        let (fee, balance) = (to_base_units(rc.fee, 18), to_base_units(rc.balance, 18));
        if fee == 0 {
            errs.push(FieldError::new(
                "agents.receivers.fee",
                format!(
                    "a paper receiver subscribes: the monthly fee must be positive, not {}",
                    rc.fee
                ),
            ));
        } else if balance < fee.saturating_mul(u128::from(rc.months)) {
            errs.push(FieldError::new(
                "agents.receivers.balance",
                format!(
                    "{} POND cannot prepay agents.receivers.months = {} months at \
                     agents.receivers.fee = {} POND",
                    rc.balance, rc.months, rc.fee
                ),
            ));
        }
    }
    if c.profile != Profile::Paper && a.producers.count > 0 {
        errs.push(FieldError::new(
            "agents.producers.count",
            "spam deposits are paper only (the contracts have none): profile = \"paper\"",
        ));
    }
    errs
}
