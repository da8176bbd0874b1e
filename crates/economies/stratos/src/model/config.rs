//! The scenario sections of a Stratos simulation: `[economy]` (profile, parameter overrides,
//! initial Ozone limit) and `[agents]` (the populations and how they behave), with defaults and
//! limits. Amounts in whole tokens (STOS, Oz), numbers or distributions; counts are integers.

use ergon_core::amount::DecimalText;
use ergon_core::dist::{self, Dist};
use ergon_core::{Amount, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::genesis::resolve_params;
use crate::params::Profile;

/// Most users a scenario may start with or grow to.
pub const USERS_MAX: u64 = 10_000_000;
/// Most resource nodes a scenario may start with.
pub const RESOURCE_NODES_MAX: u64 = 1_000_000;
/// Most meta nodes.
pub const META_NODES_MAX: u64 = 1_000;
/// Most validators.
pub const VALIDATORS_MAX: u64 = 1_000;
/// Most delegators.
pub const DELEGATORS_MAX: u64 = 10_000_000;
/// The largest initial Ozone limit, Oz.
pub const OZONE_LIMIT_MAX: u128 = 1_000_000_000_000_000_000;
/// Most requests an epoch, when fixed.
pub const REQUESTS_PER_EPOCH_MAX: u64 = 100_000_000;

/// `[economy]`: the rules and the initial market.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `paper` (default) or `mainnet`.
    #[serde(default)]
    pub profile: Profile,
    /// Parameter overrides, as in a replay genesis (docs/economies/stratos.md).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The initial Ozone limit `L`, Oz, exactly (a decimal string of at most 9 decimals, or a
    /// whole number), as a replay genesis writes it (default: 1,000 Oz per STOS of genesis
    /// deposit).
    #[serde(default)]
    pub ozone_limit: Option<DecimalText>,
}

impl Config {
    /// The initial Ozone limit in noz, when the scenario sets it; an error names the value (a
    /// text that is no decimal, more decimals than Ozone's 9, too large).
    pub fn ozone_limit_noz(&self) -> Result<Option<Amount>, ergon_core::Error> {
        let Some(text) = &self.ozone_limit else { return Ok(None) };
        text.qty().and_then(|q| crate::units::oz(&q)).map(Some)
    }
}

/// `[agents]`: who is in the network and what they do.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Agents {
    /// STOS held by the market at genesis, from which joining users and nodes buy theirs.
    pub exchange: f64,
    /// STOS paid as gas by each on-chain transaction of the agents (PREPAY, activation).
    pub gas_per_tx: f64,
    /// Resource-node operators.
    pub resource_nodes: ResourceNodes,
    /// Meta nodes.
    pub meta_nodes: MetaNodes,
    /// Validators.
    pub validators: Validators,
    /// Delegators.
    pub delegators: Delegators,
    /// Users of storage and traffic.
    pub users: Users,
    /// One PREPAY of a large amount on a given day (none by default).
    pub whale: Option<Whale>,
    /// A share of the nodes leaving at once on a given day (none by default).
    pub exodus: Option<Exodus>,
}

/// `[agents.whale]`: on the first epoch of `day`, a new user buys `stos` from the exchange and
/// PREPAYs all of it (less gas).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Whale {
    /// The simulated day (0: the first epoch).
    pub day: u64,
    /// STOS it spends.
    pub stos: f64,
}

/// `[agents.exodus]`: on the first epoch of `day`, each node taking part leaves with
/// probability `share` (unregistering, or shutting down with the nodes' `shutdown_share`).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exodus {
    /// The simulated day (0: the first epoch).
    pub day: u64,
    /// The chance each node leaves, in [0, 1].
    pub share: f64,
}

/// `[agents.resource_nodes]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceNodes {
    /// Nodes at genesis.
    pub count: u64,
    /// Deposit, STOS.
    #[serde(deserialize_with = "dist::deserialize")]
    pub deposit: Dist,
    /// Storage offered, Oz.
    #[serde(deserialize_with = "dist::deserialize")]
    pub capacity: Dist,
    /// Each node's usual performance score (fraction of the KPI met), drawn once per node.
    #[serde(deserialize_with = "dist::deserialize")]
    pub performance: Dist,
    /// Day-to-day standard deviation of a node's measured score around its usual one.
    pub performance_noise: f64,
    /// New nodes a day (Poisson).
    pub joins_per_day: f64,
    /// Exits a node-year (Poisson): 0.05 is about 5% of the nodes leaving in a year.
    pub exits_per_year: f64,
    /// Of the nodes leaving, the fraction that just shut down (paper: forfeiting their
    /// locked rewards) instead of unregistering.
    pub shutdown_share: f64,
    /// Days between withdrawals of matured deposit rewards (paper), by resource-node and
    /// meta-node operators alike, each on its own day of the cycle.
    pub withdraw_every_days: u64,
    /// Outages a node-year (Poisson, drawn daily per node): for `outage_days` the node's
    /// measured score is drawn uniformly below the KPI, so it is suspended, then reinstated
    /// when its usual score returns.
    pub outages_per_year: f64,
    /// Days an outage lasts.
    pub outage_days: u64,
    /// The yearly return on deposit operators require (0: returns do not matter). Each day the
    /// resource nodes' return of the last day, annualised, scales the joins by
    /// `min(apr / target, 4)` and the exits by `min(max(target / apr, 0.25), 4)`.
    pub target_apr: f64,
}

impl Default for ResourceNodes {
    fn default() -> ResourceNodes {
        ResourceNodes {
            count: 100,
            deposit: Dist::Lognormal { median: 1_600.0, sigma: 0.5 },
            capacity: Dist::Lognormal { median: 8_000.0, sigma: 0.5 },
            performance: Dist::Normal { mean: 0.92, sd: 0.06 },
            performance_noise: 0.05,
            joins_per_day: 2.0,
            exits_per_year: 0.1,
            shutdown_share: 0.2,
            withdraw_every_days: 7,
            outages_per_year: 1.0,
            outage_days: 2,
            target_apr: 0.4,
        }
    }
}

/// `[agents.meta_nodes]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetaNodes {
    /// Meta nodes at genesis.
    pub count: u64,
    /// Deposit, STOS.
    #[serde(deserialize_with = "dist::deserialize")]
    pub deposit: Dist,
}

impl Default for MetaNodes {
    fn default() -> MetaNodes {
        MetaNodes { count: 10, deposit: Dist::constant(100_000.0) }
    }
}

/// `[agents.validators]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Validators {
    /// Validators at genesis.
    pub count: u64,
    /// Self-bond, STOS.
    #[serde(deserialize_with = "dist::deserialize")]
    pub self_bond: Dist,
    /// Commission, a fraction in [0, 1].
    #[serde(deserialize_with = "dist::deserialize")]
    pub commission: Dist,
    /// Days between commission withdrawals.
    pub withdraw_every_days: u64,
}

impl Default for Validators {
    fn default() -> Validators {
        Validators {
            count: 21,
            self_bond: Dist::Uniform { low: 50_000.0, high: 200_000.0 },
            commission: Dist::Uniform { low: 0.02, high: 0.10 },
            withdraw_every_days: 7,
        }
    }
}

/// `[agents.delegators]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Delegators {
    /// Delegators at genesis, each delegating to one validator chosen uniformly.
    pub count: u64,
    /// Delegated amount, STOS.
    #[serde(deserialize_with = "dist::deserialize")]
    pub amount: Dist,
    /// Days between reward withdrawals (each delegator on its own day of the cycle).
    pub withdraw_every_days: u64,
    /// Days between a delegator's reviews of its delegation (each on its own day of the cycle).
    pub review_every_days: u64,
    /// Of the delegators reviewing, the share that compares commissions: one whose validator
    /// charges at least `switch_margin` more than the cheapest undelegates, and delegates to
    /// the cheapest once its stake is unbonded.
    pub switch_share: f64,
    /// The commission difference (a fraction) that makes a delegator move.
    pub switch_margin: f64,
    /// Delegators a year who unbond all their stake and leave, as a fraction of those staying.
    pub unbond_per_year: f64,
}

impl Default for Delegators {
    fn default() -> Delegators {
        Delegators {
            count: 1_000,
            amount: Dist::Lognormal { median: 2_000.0, sigma: 1.0 },
            withdraw_every_days: 7,
            review_every_days: 30,
            switch_share: 0.2,
            switch_margin: 0.02,
            unbond_per_year: 0.1,
        }
    }
}

/// `[agents.users]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Users {
    /// Users at genesis.
    pub count: u64,
    /// New users a year, as a fraction of the genesis count (Poisson arrivals).
    pub growth_per_year: f64,
    /// STOS a user holds on joining.
    #[serde(deserialize_with = "dist::deserialize")]
    pub balance: Dist,
    /// Each user's requests a day (drawn once per user; Poisson arrivals).
    #[serde(deserialize_with = "dist::deserialize")]
    pub requests_per_day: Dist,
    /// Shares of uploads, downloads and database queries among requests.
    pub mix: Mix,
    /// Upload size, Oz (1 Oz = 1 GB).
    #[serde(deserialize_with = "dist::deserialize")]
    pub upload_size: Dist,
    /// Download size, Oz.
    #[serde(deserialize_with = "dist::deserialize")]
    pub download_size: Dist,
    /// Database query delivery, Oz.
    #[serde(deserialize_with = "dist::deserialize")]
    pub query_size: Dist,
    /// Record touches of a database query.
    #[serde(deserialize_with = "dist::deserialize")]
    pub query_touches: Dist,
    /// Replicas of each upload.
    pub replicas: u32,
    /// STOS spent at least on each PREPAY, when a request needs more Ozone than the user has
    /// (capped at the user's balance).
    #[serde(deserialize_with = "dist::deserialize")]
    pub prepay: Dist,
    /// Days of its expected use a user buys when it runs short of Ozone (0: only the
    /// shortfall and `prepay`).
    pub prepay_days: f64,
    /// What a user buys above its expected use, as a fraction of it.
    pub prepay_buffer: f64,
    /// Of the users whose STOS runs out, the share that buys a new balance (drawn from
    /// `balance`) from the exchange; the others leave.
    pub topup_share: f64,
    /// Requests every epoch, exactly, instead of a Poisson number with the users' rates as its
    /// mean (each request's user is still drawn by rate). None (the default): Poisson.
    pub requests_per_epoch: Option<u64>,
    /// STOS one user, drawn by rate, spends on a PREPAY at the start of every epoch (capped at
    /// its balance less gas; nothing when that is zero). 0 (the default): users PREPAY only
    /// when a request needs more Ozone than they hold.
    pub prepay_per_epoch: f64,
}

impl Default for Users {
    fn default() -> Users {
        Users {
            count: 1_000,
            growth_per_year: 0.5,
            balance: Dist::Lognormal { median: 2.0, sigma: 1.5 },
            requests_per_day: Dist::Lognormal { median: 3.0, sigma: 1.0 },
            mix: Mix::default(),
            upload_size: Dist::Lognormal { median: 0.05, sigma: 1.5 },
            download_size: Dist::Lognormal { median: 0.05, sigma: 1.5 },
            query_size: Dist::Lognormal { median: 0.001, sigma: 1.0 },
            query_touches: Dist::Exponential { mean: 1_000.0 },
            replicas: 3,
            prepay: Dist::constant(0.0),
            prepay_days: 30.0,
            prepay_buffer: 0.2,
            topup_share: 0.5,
            requests_per_epoch: None,
            prepay_per_epoch: 0.0,
        }
    }
}

/// Request mix: relative weights (they need not sum to 1).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mix {
    /// Uploads.
    pub upload: f64,
    /// Downloads.
    pub download: f64,
    /// Database queries.
    pub query: f64,
}

impl Default for Mix {
    fn default() -> Mix {
        Mix { upload: 0.3, download: 0.6, query: 0.1 }
    }
}

impl Default for Agents {
    fn default() -> Agents {
        Agents {
            exchange: 5_000_000.0,
            gas_per_tx: 0.0001,
            resource_nodes: ResourceNodes::default(),
            meta_nodes: MetaNodes::default(),
            validators: Validators::default(),
            delegators: Delegators::default(),
            users: Users::default(),
            whale: None,
            exodus: None,
        }
    }
}

/// Every check of both sections; each error names its field. The genesis holdings are checked
/// only when everything else is valid.
pub fn validate(c: &Config, a: &Agents) -> Vec<FieldError> {
    let mut errs = Vec::new();
    check_economy(c, a, &mut errs);
    check_rates(a, &mut errs);
    check_counts(a, &mut errs);
    check_dists(a, &mut errs);
    if errs.is_empty() {
        check_genesis_holdings(c, a, &mut errs);
    }
    errs
}

/// `[economy]`: the parameter overrides and the initial Ozone limit.
fn check_economy(c: &Config, a: &Agents, errs: &mut Vec<FieldError>) {
    match resolve_params(c.profile, &c.params) {
        Err(r) => errs.push(FieldError::of_params(c.params.keys(), &r.message)),
        // The genesis's nodes within the economy's limits (past the model's own bound, the
        // count is reported once, by `check_counts`).
        Ok(p) => {
            let (r, m) = (a.resource_nodes.count, a.meta_nodes.count);
            let limits = [
                ("resource_nodes", r, p.max_resource_nodes, RESOURCE_NODES_MAX),
                ("meta_nodes", m, p.max_meta_nodes, META_NODES_MAX),
            ];
            for (kind, n, max, bound) in limits {
                if n > u64::from(max) && n <= bound {
                    let why = format!("{n} is above the economy's max_{kind} ({max})");
                    errs.push(FieldError::new(format!("agents.{kind}.count"), why));
                }
            }
            let (n, least, most) = (a.users.replicas, p.least_replicas(), p.max_replicas);
            if n < least || n > most {
                let why = format!(
                    "must be {least} to {most} (paper: default_replicas at least), not {n}"
                );
                errs.push(FieldError::new("agents.users.replicas", why));
            }
        }
    }
    // At most 10^18 Oz: a million times the limit of the whole STOS cap at the default 1,000 Oz
    // a STOS, and far below what the metrics' 38 digits of noz hold as it grows.
    let most = OZONE_LIMIT_MAX * crate::params::OZ;
    match c.ozone_limit_noz() {
        Ok(Some(l)) if l.is_zero() || l.0 > most => {
            let text = c.ozone_limit.as_ref().map_or("", |t| t.0.as_str());
            let why =
                format!("must be at least 1 noz (0.000000001 Oz) and at most 10^18 Oz, not {text}");
            errs.push(FieldError::new("economy.ozone_limit", why));
        }
        Ok(_) => {}
        Err(e) => errs.push(FieldError::new("economy.ozone_limit", e.to_string())),
    }
}

/// The agents' numbers that are not counts: each in its range, and a request mix with a
/// positive share.
fn check_rates(a: &Agents, errs: &mut Vec<FieldError>) {
    let mut num = |path: &str, v: f64, lo: f64, hi: f64| {
        if !(v.is_finite() && v >= lo && v <= hi) {
            errs.push(FieldError::new(path, format!("must be in [{lo}, {hi}], not {v}")));
        }
    };
    num("agents.exchange", a.exchange, 0.0, 1e8);
    num("agents.gas_per_tx", a.gas_per_tx, 0.0, 1e6);
    let r = &a.resource_nodes;
    num("agents.resource_nodes.performance_noise", r.performance_noise, 0.0, 1.0);
    num("agents.resource_nodes.joins_per_day", r.joins_per_day, 0.0, 1e4);
    num("agents.resource_nodes.exits_per_year", r.exits_per_year, 0.0, 365.0);
    num("agents.resource_nodes.shutdown_share", r.shutdown_share, 0.0, 1.0);
    num("agents.resource_nodes.outages_per_year", r.outages_per_year, 0.0, 365.0);
    num("agents.resource_nodes.target_apr", r.target_apr, 0.0, 100.0);
    let d = &a.delegators;
    num("agents.delegators.switch_share", d.switch_share, 0.0, 1.0);
    num("agents.delegators.switch_margin", d.switch_margin, 0.0, 1.0);
    num("agents.delegators.unbond_per_year", d.unbond_per_year, 0.0, 365.0);
    num("agents.users.prepay_days", a.users.prepay_days, 0.0, 3_650.0);
    num("agents.users.prepay_buffer", a.users.prepay_buffer, 0.0, 100.0);
    num("agents.users.topup_share", a.users.topup_share, 0.0, 1.0);
    if let Some(w) = a.whale {
        // The whale buys from the exchange: no more than it holds at genesis.
        num("agents.whale.stos", w.stos, 0.0, a.exchange.max(0.0));
    }
    if let Some(x) = a.exodus {
        num("agents.exodus.share", x.share, 0.0, 1.0);
    }
    num("agents.users.growth_per_year", a.users.growth_per_year, 0.0, 100.0);
    num("agents.users.prepay_per_epoch", a.users.prepay_per_epoch, 0.0, 1e8);
    let m = a.users.mix;
    num("agents.users.mix.upload", m.upload, 0.0, 1e6);
    num("agents.users.mix.download", m.download, 0.0, 1e6);
    num("agents.users.mix.query", m.query, 0.0, 1e6);
    if m.upload + m.download + m.query <= 0.0 {
        errs.push(FieldError::new("agents.users.mix", "at least one share must be > 0"));
    }
}

/// The agents' whole numbers with a range of their own, as (path, value, least, most): the
/// populations, the withdrawal cycles (in days) and the request cap. What `check_counts`
/// checks, and the ranges a value of another kind is refused with.
pub fn whole_ranges(a: &Agents) -> Vec<(&'static str, u64, u64, u64)> {
    let (r, d) = (&a.resource_nodes, &a.delegators);
    vec![
        ("agents.resource_nodes.count", r.count, 1, RESOURCE_NODES_MAX),
        ("agents.meta_nodes.count", a.meta_nodes.count, 0, META_NODES_MAX),
        ("agents.validators.count", a.validators.count, 0, VALIDATORS_MAX),
        ("agents.delegators.count", d.count, 0, DELEGATORS_MAX),
        ("agents.users.count", a.users.count, 0, USERS_MAX),
        ("agents.resource_nodes.withdraw_every_days", r.withdraw_every_days, 1, 3_650),
        ("agents.validators.withdraw_every_days", a.validators.withdraw_every_days, 1, 3_650),
        ("agents.delegators.withdraw_every_days", d.withdraw_every_days, 1, 3_650),
        ("agents.delegators.review_every_days", d.review_every_days, 1, 3_650),
        // An outage of 0 days would be none: refused while outages happen.
        ("agents.resource_nodes.outage_days", outage_days(r), 1, 3_650),
        (
            "agents.users.requests_per_epoch",
            a.users.requests_per_epoch.unwrap_or(0),
            0,
            REQUESTS_PER_EPOCH_MAX,
        ),
    ]
}

/// The agents' integers: the populations within their limits (delegators only with
/// validators), the withdrawal cycles and the request cap (the replicas are checked against
/// the economy's parameters, in `check_economy`).
fn check_counts(a: &Agents, errs: &mut Vec<FieldError>) {
    for (path, n, min, max) in whole_ranges(a) {
        if n < min || n > max {
            let unit = if path.ends_with("_days") { " days" } else { "" };
            errs.push(FieldError::new(path, format!("must be {min} to {max}{unit}, not {n}")));
        }
    }
    if a.delegators.count > 0 && a.validators.count == 0 {
        errs.push(FieldError::new("agents.delegators.count", "delegators need validators"));
    }
}

/// The outages' length to check: any while no outage happens (the field is moot).
fn outage_days(r: &ResourceNodes) -> u64 {
    if r.outages_per_year > 0.0 { r.outage_days } else { r.outage_days.max(1) }
}

/// The agents' distributions, each valid (with its minimum where a draw must be positive), and
/// a constant commission in [0, 1].
fn check_dists(a: &Agents, errs: &mut Vec<FieldError>) {
    let r = &a.resource_nodes;
    let dists = [
        ("agents.resource_nodes.deposit", &r.deposit, Some(1e-18)),
        ("agents.resource_nodes.capacity", &r.capacity, Some(1e-9)),
        ("agents.resource_nodes.performance", &r.performance, None),
        ("agents.meta_nodes.deposit", &a.meta_nodes.deposit, Some(1e-18)),
        ("agents.validators.self_bond", &a.validators.self_bond, Some(1e-18)),
        ("agents.validators.commission", &a.validators.commission, None),
        ("agents.delegators.amount", &a.delegators.amount, None),
        ("agents.users.balance", &a.users.balance, None),
        ("agents.users.requests_per_day", &a.users.requests_per_day, None),
        ("agents.users.upload_size", &a.users.upload_size, None),
        ("agents.users.download_size", &a.users.download_size, None),
        ("agents.users.query_size", &a.users.query_size, None),
        ("agents.users.query_touches", &a.users.query_touches, None),
        ("agents.users.prepay", &a.users.prepay, None),
    ];
    let mut valid = true;
    for (path, d, min) in dists {
        // Amounts, rates, sizes, counts and the commission are ≥ 0; the commission ≤ 1 (a
        // constant one is named below).
        let commission = path.ends_with("commission");
        let constant_commission = commission && matches!(d, Dist::Constant { .. });
        let hi = if commission { 1.0 } else { f64::INFINITY };
        let in_range = |d: &Dist| if constant_commission { Ok(()) } else { d.check_range(0.0, hi) };
        if let Err(e) = d.validate(min).and_then(|()| in_range(d)) {
            errs.push(FieldError::new(path, e));
            valid = false;
        }
    }
    // Users who draw their own rates: their expected requests an epoch within the cap of a
    // fixed `requests_per_epoch` (else a run would not end).
    let rate = a.users.requests_per_day.mean();
    let per_epoch = a.users.count as f64 * rate / 144.0;
    if valid
        && a.users.requests_per_epoch.is_none()
        && (per_epoch.is_nan() || per_epoch > REQUESTS_PER_EPOCH_MAX as f64)
    {
        let n = a.users.count;
        errs.push(FieldError::new(
            "agents.users.requests_per_day",
            format!(
                "{n} users at its mean of {rate:e} a day make {per_epoch:e} requests an epoch; \
                 at most {REQUESTS_PER_EPOCH_MAX}"
            ),
        ));
    }
    if let Dist::Constant { value } = a.validators.commission
        && !(0.0..=1.0).contains(&value)
    {
        errs.push(FieldError::new(
            "agents.validators.commission",
            format!("must be in [0, 1], not {value}"),
        ));
    }
}

/// STOS at genesis, at the distributions' means: it must fit the supply with the mining pool
/// (the exact total is checked again when a run builds its genesis).
fn check_genesis_holdings(c: &Config, a: &Agents, errs: &mut Vec<FieldError>) {
    // The supply's 100M STOS less what the genesis mints into the mining pool and the testnet's
    // incentives (the parameters are valid here: checked before).
    let stos = |x: ergon_core::Amount| x.0 as f64 / crate::params::STOS as f64;
    let cap = stos(ergon_core::Amount(crate::genesis::STOS_CAP));
    let pools = resolve_params(c.profile, &c.params)
        .map_or(39e6, |p| stos(p.mining_pool) + stos(p.incentive_testnet));
    let room = cap - pools;
    if room < 0.0 {
        let why = format!(
            "the mining pool and incentive_testnet ({pools:.0} STOS together) exceed the supply \
             of {cap:.0} STOS"
        );
        // The parameter given (the mining pool when both or neither are).
        let testnet =
            !c.params.contains_key("mining_pool") && c.params.contains_key("incentive_testnet");
        errs.push(FieldError::new(
            if testnet { "economy.params.incentive_testnet" } else { "economy.params.mining_pool" },
            why,
        ));
        return;
    }
    let r = &a.resource_nodes;
    let genesis_stos = a.exchange
        + r.count as f64 * r.deposit.mean()
        + a.meta_nodes.count as f64 * a.meta_nodes.deposit.mean()
        + a.validators.count as f64 * a.validators.self_bond.mean()
        + a.delegators.count as f64 * a.delegators.amount.mean()
        + a.users.count as f64 * a.users.balance.mean();
    if genesis_stos.is_nan() || genesis_stos > room {
        errs.push(FieldError::new(
            "agents",
            format!(
                "the genesis holdings average {genesis_stos:.4e} STOS (agents.exchange and the \
                 resource nodes', meta nodes', validators', delegators' and users' amounts), more \
                 than the {room:.0} STOS the supply (100M) leaves beside economy.params.mining_pool \
                 and incentive_testnet"
            ),
        ));
    }
}
