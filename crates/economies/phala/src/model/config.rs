//! The scenario sections of a Phala simulation (docs/economies/phala.md, "Simulation"):
//! `[economy]` (profile, parameter set and overrides, the subsidy pool) and `[agents]` (groups
//! of workers in stake pools, heartbeat challenges, outages, delegators, vault owners and
//! their depositors, and under paper developers deploying contracts), with their defaults
//! and limits. Amounts are whole PHA; distributions follow `ergon_core::dist`.

use std::collections::BTreeMap;

use ergon_core::FieldError;
use ergon_core::amount::DecimalText;
use ergon_core::dist::{self, Dist};
use serde::{Deserialize, Serialize};

use crate::params::{MIN_P, ParamSet, Params, Profile};

/// Most worker groups a scenario may have (each has its own columns `g0_…` to `g3_…`).
pub const GROUPS_MAX: usize = 4;
/// Most workers in all groups together.
pub const WORKERS_MAX: u64 = 200_000;
/// Most stake pools in all groups together.
pub const POOLS_MAX: u64 = 10_000;
/// Most delegators.
pub const DELEGATORS_MAX: u64 = 100_000;

/// `[economy]`: the rules.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `paper` (default) or `khala`.
    #[serde(default)]
    pub profile: Profile,
    /// The parameter values: `khala`, `genesis` or `gk_test` (default: `khala` under khala,
    /// `genesis` under paper).
    #[serde(default)]
    pub param_set: Option<ParamSet>,
    /// Parameter overrides, as in a replay genesis (`budget_per_block = "100"`,
    /// `halving_interval_blocks = "216000"`); docs/economies/phala.md lists them.
    #[serde(default, deserialize_with = "crate::params::de_overrides")]
    pub params: BTreeMap<String, String>,
    /// PHA in the subsidy pool at genesis, exactly (a string, or a whole number).
    #[serde(default = "default_subsidy")]
    pub subsidy_pool: DecimalText,
    /// paper only: close blocks lazily, Σshare recounted every this many blocks
    /// (docs/economies/phala.md, "Lazy close"); absent: every worker every block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lazy_refresh_blocks: Option<u32>,
}

fn default_subsidy() -> DecimalText {
    DecimalText("100000000".into())
}

impl Config {
    /// The parameters in force at genesis, or the error naming the field at fault.
    pub fn parameters(&self) -> Result<Params, FieldError> {
        let set = self.param_set.unwrap_or(match self.profile {
            Profile::Khala => ParamSet::Khala,
            Profile::Paper => ParamSet::Genesis,
        });
        Params::of(self.profile, set).with_overrides(&self.params).map_err(|e| {
            let field = match &e {
                crate::PhalaError::BadParam { field, .. }
                | crate::PhalaError::UnknownParam { field } => field.clone(),
                _ => String::new(),
            };
            let path = if field.is_empty() {
                "economy.params".to_owned()
            } else {
                format!("economy.params.{field}")
            };
            FieldError::new(path, e.to_string())
        })
    }
}

/// `[agents]`: who is in the network and what they do.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Agents {
    /// `[[agents.groups]]`: groups of workers, each in its own stake pools.
    pub groups: Vec<Group>,
    /// `[agents.heartbeats]`: how the gatekeeper challenges and workers answer.
    pub heartbeats: Heartbeats,
    /// `[agents.outages]`: workers going offline and coming back.
    pub outages: Outages,
    /// `[agents.delegators]`: delegators moving between pools on APR.
    pub delegators: Delegators,
    /// `[agents.developers]` (paper only): developers deploying confidential contracts. Left
    /// out of the scenario as run while there are none, so a run without contracts keeps its
    /// parameter hash.
    #[serde(skip_serializing_if = "Developers::is_off")]
    pub developers: Developers,
    /// `[agents.vaults]`: vault owners pooling depositors' PHA into the best stake pools.
    /// Left out of the scenario as run while there are none, so a run without vaults keeps
    /// its parameter hash.
    #[serde(skip_serializing_if = "VaultAgents::is_off")]
    pub vaults: VaultAgents,
}

/// One group of workers: its hardware and its pools.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Group {
    /// A name for the docs (the columns are `g0_…` in group order).
    pub label: String,
    /// Workers in the group, spread round-robin over its pools.
    pub workers: u64,
    /// Stake pools of the group, each with its own owner.
    pub pools: u64,
    /// Relative weights of the confidence tiers 1 to 5.
    pub tiers: [f64; 5],
    /// The benchmark score P, rounded down and kept within 50..=6000.
    #[serde(deserialize_with = "dist::deserialize")]
    pub score: Dist,
    /// A worker's true performance as a multiple of its benchmark (heartbeats measure it).
    #[serde(deserialize_with = "dist::deserialize")]
    pub performance: Dist,
    /// Each pool's owner commission, parts per million.
    pub commission_permill: u32,
    /// PHA each pool's owner contributes at genesis.
    pub owner_stake: f64,
    /// The most PHA a worker is started with (the Ve ≤ v_max cap applies too).
    pub max_worker_stake: f64,
}

impl Default for Group {
    fn default() -> Group {
        Group {
            label: String::new(),
            workers: 100,
            pools: 10,
            tiers: [0.5, 0.2, 0.1, 0.1, 0.1],
            score: Dist::Uniform { low: 500.0, high: 3000.0 },
            performance: Dist::Normal { mean: 1.0, sd: 0.03 },
            commission_permill: 100_000,
            owner_stake: 50_000.0,
            max_worker_stake: 20_000.0,
        }
    }
}

/// `[agents.heartbeats]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Heartbeats {
    /// Challenges drawn each block (a draw of a worker already challenged twice in the last
    /// hour, or not computing, sends none).
    pub challenges_per_block: u64,
    /// Blocks an online worker takes to answer (below the heartbeat window keeps it responsive).
    pub answer_delay_blocks: u64,
}

impl Default for Heartbeats {
    fn default() -> Heartbeats {
        Heartbeats { challenges_per_block: 20, answer_delay_blocks: 1 }
    }
}

/// `[agents.outages]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outages {
    /// The chance, each day, that a worker goes offline (at a uniform block of the day).
    pub per_day: f64,
    /// How long it stays offline, hours.
    #[serde(deserialize_with = "dist::deserialize")]
    pub hours: Dist,
}

impl Default for Outages {
    fn default() -> Outages {
        Outages { per_day: 0.02, hours: Dist::Exponential { mean: 3.0 } }
    }
}

/// `[agents.delegators]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delegators {
    /// Delegators, each in one pool drawn uniformly at genesis.
    pub count: u64,
    /// PHA each delegates.
    #[serde(deserialize_with = "dist::deserialize")]
    pub amount: Dist,
    /// Days between a delegator's reviews (each on its own day of the cycle).
    pub review_every_days: u64,
    /// A reviewing delegator moves when the best pool's APR is above its own × (1 + min_gain).
    pub min_gain: f64,
    /// The chance that a delegator who would gain by moving does move.
    pub switch_share: f64,
}

impl Default for Delegators {
    fn default() -> Delegators {
        Delegators {
            count: 0,
            amount: Dist::Lognormal { median: 5_000.0, sigma: 1.0 },
            review_every_days: 7,
            min_gain: 0.2,
            switch_share: 0.5,
        }
    }
}

/// `[agents.developers]`: developers deploying contracts (the paper profile's Active state).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Developers {
    /// Developer accounts (0: no contracts).
    pub count: u64,
    /// PHA each developer holds at genesis.
    pub funds: f64,
    /// Contracts deployed a day, all developers together (the fraction is a chance of one
    /// more), each at a uniform block of the day by a uniform developer.
    pub contracts_per_day: f64,
    /// The share of contracts that accept only the tiers 1–3 (the rest accept 1–5).
    pub strict_share: f64,
    /// A contract's gas budget, PHA.
    #[serde(deserialize_with = "dist::deserialize")]
    pub gas_budget: Dist,
    /// A contract's gas fee a block, PHA.
    #[serde(deserialize_with = "dist::deserialize")]
    pub gas_per_block: Dist,
    /// The chance, each day, that a running contract's developer stops it.
    pub stop_per_day: f64,
}

impl Default for Developers {
    fn default() -> Developers {
        Developers {
            count: 0,
            funds: 1_000_000.0,
            contracts_per_day: 10.0,
            strict_share: 0.5,
            gas_budget: Dist::Lognormal { median: 2_000.0, sigma: 0.5 },
            gas_per_block: Dist::Uniform { low: 0.1, high: 0.5 },
            stop_per_day: 0.05,
        }
    }
}

impl Developers {
    /// No developers: no contracts.
    #[must_use]
    pub fn is_off(&self) -> bool {
        self.count == 0
    }
}

/// Most developers.
pub const DEVELOPERS_MAX: u64 = 10_000;

/// `[agents.vaults]`: vaults, their owners and depositors (docs/scenarios.md, "Phala").
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VaultAgents {
    /// Vaults, each with its own owner (0: none).
    pub count: u64,
    /// PHA each vault's owner puts in its own vault at genesis.
    pub owner_funds: f64,
    /// Depositors of each vault.
    pub depositors: u64,
    /// PHA each depositor puts in at genesis.
    #[serde(deserialize_with = "dist::deserialize")]
    pub deposit: Dist,
    /// The owner's commission on the share price's rise, parts per million.
    pub commission_permill: u32,
    /// The share of the vault's value its owner keeps invested in stake pools.
    pub invest_share: f64,
    /// How many pools (the best by recent return) a vault invests in.
    pub pools: u64,
    /// Days between an owner's reviews (each vault on its own day of the cycle).
    pub review_every_days: u64,
    /// The chance, each day, that a depositor withdraws all its shares.
    pub withdraw_per_day: f64,
}

impl Default for VaultAgents {
    fn default() -> VaultAgents {
        VaultAgents {
            count: 0,
            owner_funds: 50_000.0,
            depositors: 10,
            deposit: Dist::Lognormal { median: 5_000.0, sigma: 1.0 },
            commission_permill: 100_000,
            invest_share: 0.9,
            pools: 3,
            review_every_days: 7,
            withdraw_per_day: 0.01,
        }
    }
}

impl VaultAgents {
    /// No vaults.
    #[must_use]
    pub fn is_off(&self) -> bool {
        self.count == 0
    }
}

/// Most vaults.
pub const VAULTS_MAX: u64 = 1_000;
/// Most depositors of a vault.
pub const VAULT_DEPOSITORS_MAX: u64 = 10_000;

/// The agents' whole numbers with a range of their own, as (path, value, least, most), a
/// group's by its index: what `validate` checks, and the ranges a value of another kind is
/// refused with.
pub fn whole_ranges(a: &Agents) -> Vec<(String, u64, u64, u64)> {
    let (hb, va) = (&a.heartbeats, &a.vaults);
    let mut counts = vec![
        ("agents.heartbeats.challenges_per_block".into(), hb.challenges_per_block, 0, 10_000),
        ("agents.heartbeats.answer_delay_blocks".into(), hb.answer_delay_blocks, 1, 7_200),
        ("agents.delegators.count".into(), a.delegators.count, 0, DELEGATORS_MAX),
        ("agents.delegators.review_every_days".into(), a.delegators.review_every_days, 1, 3_650),
        ("agents.developers.count".into(), a.developers.count, 0, DEVELOPERS_MAX),
        ("agents.vaults.count".into(), va.count, 0, VAULTS_MAX),
        ("agents.vaults.depositors".into(), va.depositors, 0, VAULT_DEPOSITORS_MAX),
        ("agents.vaults.commission_permill".into(), u64::from(va.commission_permill), 0, 1_000_000),
        ("agents.vaults.pools".into(), va.pools, 1, POOLS_MAX),
        ("agents.vaults.review_every_days".into(), va.review_every_days, 1, 3_650),
    ];
    for (i, g) in a.groups.iter().enumerate() {
        let permill = u64::from(g.commission_permill);
        counts.push((format!("agents.groups[{i}].workers"), g.workers, 1, WORKERS_MAX));
        counts.push((format!("agents.groups[{i}].pools"), g.pools, 1, g.workers.max(1)));
        counts.push((format!("agents.groups[{i}].commission_permill"), permill, 0, 1_000_000));
    }
    counts
}

/// Every check beyond the types; each error names its field and value.
#[must_use]
pub fn validate(c: &Config, a: &Agents) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Err(e) = c.parameters() {
        errs.push(e);
    }
    match c.lazy_refresh_blocks {
        Some(_) if c.profile != Profile::Paper => errs.push(FieldError::new(
            "economy.lazy_refresh_blocks",
            "the lazy close is paper's only (khala closes every worker every block)",
        )),
        Some(0) => errs.push(FieldError::new(
            "economy.lazy_refresh_blocks",
            "must be at least 1 block, not 0",
        )),
        _ => {}
    }
    // Exact: read as the genesis reads it (PHA, 12 decimals), at most 5·10^8.
    let pha = ergon_core::TokenMeta::new("PHA", 12);
    match c.subsidy_pool.qty().and_then(|q| q.to_amount(&pha)) {
        Ok(x) if x.0 <= 500_000_000 * 10u128.pow(12) => {}
        Ok(_) => errs.push(FieldError::new(
            "economy.subsidy_pool",
            format!("must be 0 to 500000000 PHA, not {}", c.subsidy_pool.0),
        )),
        Err(e) => errs.push(FieldError::new("economy.subsidy_pool", e.to_string())),
    }
    let mut num = |path: String, x: f64, lo: f64, hi: f64| {
        if !(x.is_finite() && x >= lo && x <= hi) {
            errs.push(FieldError::new(path, format!("must be {lo} to {hi}, not {x}")));
        }
    };
    num("agents.outages.per_day".into(), a.outages.per_day, 0.0, 1.0);
    num("agents.delegators.min_gain".into(), a.delegators.min_gain, 0.0, 100.0);
    num("agents.delegators.switch_share".into(), a.delegators.switch_share, 0.0, 1.0);
    let dv = &a.developers;
    num("agents.developers.funds".into(), dv.funds, 0.0, 1e8);
    num("agents.developers.contracts_per_day".into(), dv.contracts_per_day, 0.0, 1e5);
    num("agents.developers.strict_share".into(), dv.strict_share, 0.0, 1.0);
    num("agents.developers.stop_per_day".into(), dv.stop_per_day, 0.0, 1.0);
    let va = &a.vaults;
    num("agents.vaults.owner_funds".into(), va.owner_funds, 0.0, 1e8);
    num("agents.vaults.invest_share".into(), va.invest_share, 0.0, 1.0);
    num("agents.vaults.withdraw_per_day".into(), va.withdraw_per_day, 0.0, 1.0);
    for (i, g) in a.groups.iter().enumerate() {
        num(format!("agents.groups[{i}].owner_stake"), g.owner_stake, 0.0, 1e8);
        num(format!("agents.groups[{i}].max_worker_stake"), g.max_worker_stake, 1.0, 1e8);
        for (t, &w) in g.tiers.iter().enumerate() {
            num(format!("agents.groups[{i}].tiers[{t}]"), w, 0.0, 1e6);
        }
    }
    if a.developers.count > 0 && c.profile == Profile::Khala {
        errs.push(FieldError::new(
            "agents.developers.count",
            format!(
                "contracts exist only under the paper profile (khala has no Active state), not {}",
                a.developers.count
            ),
        ));
    }
    for (i, g) in a.groups.iter().enumerate() {
        if g.pools > g.workers.max(1) {
            let why = format!(
                "{} pools for {} workers: at most one pool a worker (agents.groups[{i}].workers)",
                g.pools, g.workers
            );
            errs.push(FieldError::new(format!("agents.groups[{i}].pools"), why));
        }
    }
    let workers: u64 = a.groups.iter().map(|g| g.workers).sum();
    let pools: u64 = a.groups.iter().map(|g| g.pools).sum();
    let mut counts = whole_ranges(a);
    // Said above, with the workers.
    counts.retain(|(path, n, _, max)| !(path.ends_with("].pools") && n > max));
    counts.insert(0, ("agents.groups".to_owned(), a.groups.len() as u64, 1, GROUPS_MAX as u64));
    // The totals only when each group is within its own bounds: a group past them is its
    // own problem, not a second one of the sum it swells.
    let each_in_bounds = a.groups.iter().all(|g| g.workers <= WORKERS_MAX && g.pools <= g.workers);
    if !a.groups.is_empty() && each_in_bounds {
        counts.push(("agents.groups[].workers (total)".into(), workers, 0, WORKERS_MAX));
        counts.push(("agents.groups[].pools (total)".into(), pools, 0, POOLS_MAX));
    }
    for (path, n, min, max) in counts {
        if n < min || n > max {
            errs.push(FieldError::new(path, format!("must be {min} to {max}, not {n}")));
        }
    }
    for (i, g) in a.groups.iter().enumerate() {
        if g.tiers.iter().sum::<f64>() <= 0.0 {
            let path = format!("agents.groups[{i}].tiers");
            errs.push(FieldError::new(path, format!("needs a positive weight, not {:?}", g.tiers)));
        }
        let dists = [("score", &g.score, f64::from(MIN_P)), ("performance", &g.performance, 0.0)];
        for (name, d, min) in dists {
            if let Err(e) = d.validate(Some(min)).and_then(|()| d.check_range(0.0, f64::INFINITY)) {
                errs.push(FieldError::new(format!("agents.groups[{i}].{name}"), e));
            }
        }
    }
    for (path, d) in [
        ("agents.outages.hours", &a.outages.hours),
        ("agents.delegators.amount", &a.delegators.amount),
        ("agents.developers.gas_budget", &a.developers.gas_budget),
        ("agents.developers.gas_per_block", &a.developers.gas_per_block),
        ("agents.vaults.deposit", &a.vaults.deposit),
    ] {
        if let Err(e) = d.validate(Some(1e-6)).and_then(|()| d.check_range(0.0, f64::INFINITY)) {
            errs.push(FieldError::new(path, e));
        }
    }
    errs
}

/// `params` as (name, value) pairs in field order, the fixed-point figures (serialized as strings
/// of raw bits) as decimals of 20 places, trailing zeros dropped.
pub(crate) fn readable(params: &Params) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(params) else {
        return Vec::new();
    };
    let fixed = |bits: &str| {
        let text = ergon_core::U64F64::from_bits(bits.parse().ok()?).to_decimal_string(20);
        Some(text.trim_end_matches('0').trim_end_matches('.').to_owned())
    };
    fields
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                let v = fixed(&s).unwrap_or(s);
                (k, v)
            }
            serde_json::Value::String(s) => (k, s),
            v => (k, v.to_string()),
        })
        .collect()
}
