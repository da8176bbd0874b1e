//! The scenario sections of a Trias simulation (docs/economies/trias.md, "Simulation"):
//! `[economy]` (profile, emission, whether to run the compatibility PageRank beside it) and
//! `[agents]` (verifiers honest and faulty, routers, executers, faults, a Sybil ring,
//! developers making MagCarta calls, Prometh analysts, claims after an exploit), with their
//! defaults and limits (docs/scenarios.md, "Trias agents"). Amounts are whole TRY as decimal strings; counts are integers.

use ergon_core::FieldError;
use ergon_core::amount::{Qty, TokenMeta};
use serde::{Deserialize, Serialize};

use crate::Profile;
use crate::insurance::Severity;
use crate::magcarta::{Rule, Strategy};
use crate::state::beacon::TARGETS;

/// Most nodes a scenario may have (every population together).
pub const NODES_MAX: u64 = 1_000_000;
/// Most members of a Sybil ring (it attests as a complete graph).
pub const RING_MAX: u64 = 256;

/// `[economy]`: the rules.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `spec` (default): rewards gated by EigenTrust and CB; `compat`: by the compatibility
    /// PageRank.
    pub profile: Profile,
    /// `E_0`, whole TRY an epoch (an hour).
    #[serde(deserialize_with = "ergon_core::amount::decimal_text")]
    pub epoch_reward: String,
    /// The mining pool's cap, whole TRY.
    #[serde(deserialize_with = "ergon_core::amount::decimal_text")]
    pub cap: String,
    /// `H`, epochs per halving.
    pub halving_epochs: u64,
    /// Epochs of the bootstrap split (Prometh testers' 20 %).
    pub bootstrap_epochs: u64,
    /// Runs a second economy under the other profile on the same actions, for the "what the
    /// other trust rule would have paid" metrics (`*_compat`).
    pub compare: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            profile: Profile::Spec,
            epoch_reward: "1000".into(),
            cap: "1000000000".into(),
            halving_epochs: 8760,
            bootstrap_epochs: 0,
            compare: true,
        }
    }
}

/// `[agents]`: who is in the network and what they do.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Agents {
    /// Verifiers (the seeds among them), honest and faulty.
    pub verifiers: Verifiers,
    /// Routers and their receivers.
    pub routers: Routers,
    /// Executers: attested, attesting nobody.
    pub executers: Executers,
    /// Compromised nodes and fraud proofs.
    pub faults: Faults,
    /// A Sybil ring.
    pub sybil: Sybil,
    /// Developers making MagCarta calls (none by default).
    pub developers: Developers,
    /// Security analysts earning Prometh points (none by default).
    pub analysts: Analysts,
    /// Insurance claims after an exploit.
    pub claims: Claims,
}

/// `[agents.verifiers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Verifiers {
    /// Honest verifiers, the seeds included.
    pub count: u64,
    /// The first `seeds` of them are pre-trusted.
    pub seeds: u64,
    /// Faulty verifiers besides: they post PASS for every target without checking it.
    pub faulty: u64,
    /// Fixed peers each verifier attests every epoch (free attestations): the web of trust.
    pub neighbours: u64,
    /// `a`: targets the epoch beacon assigns each verifier an epoch.
    pub assigned: u64,
    /// Share of each reward a node adds to its bond, basis points.
    pub bond_bps: u32,
}

impl Default for Verifiers {
    fn default() -> Verifiers {
        Verifiers { count: 200, seeds: 8, faulty: 10, neighbours: 6, assigned: 8, bond_bps: 1000 }
    }
}

/// `[agents.routers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Routers {
    /// Routers.
    pub count: u64,
    /// Fixed receivers each serves.
    pub receivers: u64,
    /// Fresh records each delivers to each receiver an epoch.
    pub receipts: u64,
    /// Property queries each answers for each receiver an epoch (5 receipts each).
    pub queries: u64,
}

impl Default for Routers {
    fn default() -> Routers {
        Routers { count: 30, receivers: 8, receipts: 10, queries: 1 }
    }
}

/// `[agents.executers]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Executers {
    /// Executers.
    pub count: u64,
    /// The chance that a scheduled executer returns a wrong value (a dissenter).
    pub dissent_rate: f64,
    /// The chance that a scheduled executer does not respond.
    pub silence_rate: f64,
}

impl Default for Executers {
    fn default() -> Executers {
        Executers { count: 200, dissent_rate: 0.05, silence_rate: 0.02 }
    }
}

/// `[agents.developers]`: the last `count` honest verifiers (the seeds last of all) also
/// develop: each epoch each opens a MagCarta call with probability `call_rate`, paid from its
/// rewards, scheduling `k` executers among the executers by `strategy`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Developers {
    /// Developers among the honest verifiers (0: no calls).
    pub count: u64,
    /// The chance, each epoch, that a developer opens a call (skipped, and counted, when its
    /// balance is short of the price).
    pub call_rate: f64,
    /// Executers a call schedules.
    pub k: u32,
    /// `top` (CB, then relative trust) or `sample` (weighted by gate; needs executers with a
    /// gate, so CB computed for them: below 4,096 nodes every node's is).
    pub strategy: Strategy,
    /// The consensus rule (`majority`, `unanimous`, `k_of_n`, `weighted`, `median`).
    pub rule: Rule,
    /// The price `P`, whole TRY.
    #[serde(deserialize_with = "ergon_core::amount::decimal_text")]
    pub price: String,
    /// The bond `b` a call asks of each executer, whole TRY (the slashes are fractions of it);
    /// a call asks none when fewer than `k` executers hold it.
    #[serde(deserialize_with = "ergon_core::amount::decimal_text")]
    pub bond: String,
    /// Programs: each call runs one, drawn uniformly.
    pub programs: u32,
}

impl Default for Developers {
    fn default() -> Developers {
        Developers {
            count: 0,
            call_rate: 0.5,
            k: 3,
            strategy: Strategy::Top,
            rule: Rule::Majority,
            price: "5".into(),
            bond: "0.1".into(),
            programs: 8,
        }
    }
}

/// `[agents.analysts]`: Prometh's testers and security analysts (nodes that attest nobody).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Analysts {
    /// Analysts (0: none).
    pub count: u64,
    /// Automated analysis runs each submits an epoch, each of its own subject (10 points each).
    pub runs: u64,
    /// Lines each analyst's test adds to a program's coverage an epoch (0: no tests).
    pub test_lines: u64,
    /// Lines of each program.
    pub lines: u64,
    /// The chance, each epoch, that an analyst finds a vulnerability in a program (drawn among
    /// `developers.programs`).
    pub vuln_rate: f64,
    /// The first epoch in which analysts look for vulnerabilities (the programs run before
    /// it are the ones a first report exposes).
    pub vuln_from: u64,
    /// Severity of what they find.
    pub severity: Severity,
}

impl Default for Analysts {
    fn default() -> Analysts {
        Analysts {
            count: 0,
            runs: 2,
            test_lines: 10,
            lines: 10_000,
            vuln_rate: 0.01,
            vuln_from: 0,
            severity: Severity::High,
        }
    }
}

/// `[agents.claims]`: after the first report of a vulnerability in a program, each executer
/// that ran it claims its loss with probability `rate`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Claims {
    /// The chance that an exposed executer claims.
    pub rate: f64,
    /// Its loss, whole TRY.
    #[serde(deserialize_with = "ergon_core::amount::decimal_text")]
    pub loss: String,
}

impl Default for Claims {
    fn default() -> Claims {
        Claims { rate: 1.0, loss: "10".into() }
    }
}

/// `[agents.faults]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// The chance, each epoch, that an honest non-seed node is compromised (its next honest
    /// attestation is FAIL_EVIDENCE and quarantines it).
    pub fail_rate: f64,
    /// The chance that a faulty verifier's standing PASS on a node just quarantined is proven
    /// false by the node that quarantined it.
    pub proof_rate: f64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults { fail_rate: 0.0002, proof_rate: 0.5 }
    }
}

/// `[agents.sybil]`: a ring of `count` identities attesting one another every epoch, joined
/// to the honest region by `attack_edges` honest verifiers bought to attest a ring member each
/// epoch. Ring members ignore honest attesters (NO_RESPONSE), PASS their assigned targets
/// unchecked, and one of them routes the ring's records to the others when `router`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sybil {
    /// Ring members (0: no ring).
    pub count: u64,
    /// `g`: honest non-seed verifiers bought, each attesting one ring member.
    pub attack_edges: u64,
    /// One member routes the ring's records to the others.
    pub router: bool,
}

/// The count of each kind of node.
fn nodes_counts(a: &Agents) -> [u64; 6] {
    let v = &a.verifiers;
    let (r, e) = (a.routers.count, a.executers.count);
    [v.count, r, e, v.faulty, a.sybil.count, a.analysts.count]
}

/// The nodes of every kind, summed without wrapping (each count is bounded, but refused only
/// after).
fn nodes_total(a: &Agents) -> u64 {
    nodes_counts(a).iter().fold(0, |t, &n| t.saturating_add(n))
}

/// The agents' whole numbers with a range of their own, as (path, value, least, most), some
/// ranges following other counts: what `validate` checks, and the ranges a value of another
/// kind is refused with.
pub fn whole_ranges(a: &Agents) -> Vec<(&'static str, u64, u64, u64)> {
    let v = &a.verifiers;
    let honest = v.count.saturating_add(a.routers.count).saturating_add(a.executers.count);
    let total = nodes_total(a);
    let (d, an) = (&a.developers, &a.analysts);
    // Calls need `k` executers (moot without developers).
    let k_max = if d.count == 0 { 64 } else { a.executers.count.min(64) };
    // Receivers are drawn among the other honest nodes (moot without routers).
    let receivers_max = if a.routers.count == 0 { 64 } else { honest.saturating_sub(1).min(64) };
    vec![
        ("agents.verifiers.count", v.count, 1, NODES_MAX),
        ("agents.verifiers.seeds", v.seeds, 1, v.count.max(1)),
        ("agents.verifiers.faulty", v.faulty, 0, NODES_MAX),
        ("agents.verifiers.neighbours", v.neighbours, 0, honest.saturating_sub(1).min(64)),
        // The epoch beacon assigns each verifier at most `TARGETS` (8) targets.
        ("agents.verifiers.assigned", v.assigned, 0, total.saturating_sub(1).min(TARGETS as u64)),
        ("agents.verifiers.bond_bps", u64::from(v.bond_bps), 0, 10_000),
        ("agents.routers.count", a.routers.count, 0, NODES_MAX),
        ("agents.routers.receivers", a.routers.receivers, 0, receivers_max),
        ("agents.routers.receipts", a.routers.receipts, 0, 50),
        ("agents.routers.queries", a.routers.queries, 0, 10),
        ("agents.executers.count", a.executers.count, 0, NODES_MAX),
        ("agents.sybil.count", a.sybil.count, 0, RING_MAX),
        ("agents.sybil.attack_edges", a.sybil.attack_edges, 0, v.count - v.seeds.min(v.count)),
        ("agents.developers.count", d.count, 0, v.count),
        ("agents.developers.k", u64::from(d.k), 1, k_max),
        ("agents.developers.programs", u64::from(d.programs), 1, 1024),
        ("agents.analysts.count", an.count, 0, NODES_MAX),
        ("agents.analysts.runs", an.runs, 0, 100),
        ("agents.analysts.lines", an.lines, 1, 1_000_000_000),
        ("agents.analysts.test_lines", an.test_lines, 0, an.lines),
    ]
}

/// The fields a range of [`whole_ranges`] follows: a range is not checked when one of them is
/// refused (the problem is that field's, not a second one of a field its bound moved).
fn follows(path: &str) -> &'static [&'static str] {
    const V: &str = "agents.verifiers.count";
    const ALL: &[&str] = &[
        V,
        "agents.verifiers.faulty",
        "agents.routers.count",
        "agents.executers.count",
        "agents.sybil.count",
        "agents.analysts.count",
    ];
    match path {
        "agents.verifiers.seeds" | "agents.developers.count" => &[V],
        "agents.verifiers.neighbours" | "agents.routers.receivers" => {
            &[V, "agents.routers.count", "agents.executers.count"]
        }
        "agents.verifiers.assigned" => ALL,
        "agents.sybil.attack_edges" => &[V, "agents.verifiers.seeds"],
        "agents.developers.k" => &["agents.executers.count"],
        "agents.analysts.test_lines" => &["agents.analysts.lines"],
        _ => &[],
    }
}

/// Every check of both sections; each error names its field.
pub fn validate(c: &Config, a: &Agents) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let meta = TokenMeta::new("TRY", 18);
    let amounts = [
        ("economy.epoch_reward", &c.epoch_reward),
        ("economy.cap", &c.cap),
        ("agents.developers.price", &a.developers.price),
        ("agents.developers.bond", &a.developers.bond),
        ("agents.claims.loss", &a.claims.loss),
    ];
    // The outputs' amount columns hold 38 digits, 18 of them decimals: below 10^20 TRY. The cap
    // bounds every TRY emitted (so each column's), and the reward an epoch is within it.
    const COLUMN_MAX: u128 = 10u128.pow(38);
    for (path, text) in amounts {
        match Qty::parse(text).and_then(|q| q.to_amount(&meta)) {
            Err(e) => errs.push(FieldError::new(path, e.to_string())),
            Ok(x) if x.0 >= COLUMN_MAX && path.starts_with("economy.") => {
                errs.push(FieldError::new(
                    path,
                    format!(
                        "{text} TRY: must be below 10^20 TRY (100000000000000000000), the most \
                         the outputs' amount columns hold (38 digits, 18 decimals)"
                    ),
                ));
            }
            // A claim of no loss is refused by the economy ("a claim needs a loss"): every
            // claim of the run would be.
            Ok(x) if x.is_zero() && path == "agents.claims.loss" => {
                let why = "must be above 0 TRY, not 0: the economy refuses a claim of no loss";
                errs.push(FieldError::new(path, why));
            }
            Ok(_) => {}
        }
    }
    if c.halving_epochs == 0 {
        errs.push(FieldError::new("economy.halving_epochs", "must be at least 1, not 0"));
    }
    let mut share = |path: &str, v: f64| {
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            errs.push(FieldError::new(path, format!("must be in [0, 1], not {v}")));
        }
    };
    share("agents.faults.fail_rate", a.faults.fail_rate);
    share("agents.faults.proof_rate", a.faults.proof_rate);
    share("agents.executers.dissent_rate", a.executers.dissent_rate);
    share("agents.executers.silence_rate", a.executers.silence_rate);
    share("agents.developers.call_rate", a.developers.call_rate);
    share("agents.analysts.vuln_rate", a.analysts.vuln_rate);
    share("agents.claims.rate", a.claims.rate);
    let d = &a.developers;
    let total = nodes_total(a);
    let counts = whole_ranges(a);
    let refused: Vec<&str> =
        counts.iter().filter(|&&(_, n, min, max)| n < min || n > max).map(|c| c.0).collect();
    let moved = |path| follows(path).iter().any(|p| refused.contains(p));
    for (path, n, min, max) in counts {
        if moved(path) {
            continue;
        }
        if path == "agents.developers.k" && max == 0 {
            // No executer to call: the count at fault is the executers'.
            let why = format!("{} developers call executers, and there are none", d.count);
            errs.push(FieldError::new("agents.executers.count", why));
        } else if n < min || n > max {
            errs.push(FieldError::new(path, format!("must be {min} to {max}, not {n}")));
        }
    }
    // The total only when each count is within its own bound: a count past it is its own
    // problem, not a second one of the total it swells.
    let each_in_bounds = nodes_counts(a).iter().all(|&n| n <= NODES_MAX);
    if total > NODES_MAX && each_in_bounds {
        errs.push(FieldError::new("agents", format!("{total} nodes in all; at most {NODES_MAX}")));
    }
    if a.sybil.count == 0 && a.sybil.attack_edges > 0 {
        errs.push(FieldError::new("agents.sybil.attack_edges", "needs agents.sybil.count ≥ 1"));
    }
    errs
}
