//! The executers' side of the state and its replay edge: MagCarta calls, gas, insurance cover
//! and claims, vulnerability reports and Prometh points (spec trias.md, "MagCarta consensus
//! calls", "Execution as gas", "Insurance", "Prometh early-stage mining").
//!
//! [`Extra`] holds the columns by node (declared software and data, the last snapshot's CB,
//! relative trust and gate, a short history of relative trust), the calls, the insurance book
//! and the Prometh tallies. [`ExtraAction`] is the replay form of the operations (names and
//! decimal strings), resolved here into the typed operations of `calls.rs` and `cover.rs`;
//! [`ExtraEvent`] is what they report. Names of programs, stacks, data sets, subjects,
//! vulnerabilities and calls are interned here (replay only; the model uses the ids).

use std::collections::{BTreeMap, VecDeque};

use ergon_core::Amount;
use ergon_core::amount::Qty;
use ergon_core::ledger::PoolId;
use ergon_core::rng::Seed;
use serde::{Deserialize, Serialize};

use super::Trias;
use super::calls::Call;
use crate::attest::{NodeId, Tee};
use crate::error::{Label, TriasError};
use crate::insurance::{InsuranceBook, Severity};
use crate::magcarta::{Filter, Rule, Strategy, tee_bit};

/// Snapshots of relative trust kept for the trust-range filter.
pub const HISTORY: usize = 64;
/// Distinct software stacks (and, apart, data sets) the replay can name.
pub const MASK_BITS: usize = 64;

/// The executers' side of the state. See the module doc.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extra {
    /// The `calls` pool: escrowed prices of open calls.
    pub(super) escrow: PoolId,
    /// The beacon's master seed (genesis `beacon`).
    pub(super) beacon: Seed,
    /// The most one bounty pays (genesis `bounty_cap`; none: no cap).
    pub(super) bounty_cap: Amount,
    /// Epochs after filing a queued claim expires (genesis `claim_expiry`, 30).
    pub(super) claim_expiry: u64,
    /// Declared software stacks, by node.
    pub(super) software: Vec<u64>,
    /// Declared data sets, by node.
    pub(super) data: Vec<u64>,
    /// CB at the last snapshot, by node.
    pub(super) cb: Vec<u8>,
    /// Gate at the last snapshot, by node.
    pub(super) gate: Vec<u64>,
    /// Relative trust (ppm) of the recent snapshots, oldest first, each by node.
    pub(super) history: VecDeque<Vec<u64>>,
    /// Every node that ever recorded on each node, ascending, by attestee (the candidates of
    /// verification as gas).
    pub(super) attesters: super::attesters::Attesters,
    /// Every call, by id.
    pub(super) calls: Vec<Call>,
    /// The ids of the open calls, ascending: what the epoch's close settles and the escrow
    /// holds, without a pass over every call ever opened.
    pub(super) open: Vec<u32>,
    /// Programs each node ran and the last epoch it did, by node.
    pub(super) ran: Vec<Vec<(u32, u64)>>,
    /// The epoch each program's first vulnerability was reported, by program.
    pub(super) reported: Vec<Option<u64>>,
    /// The number of each program's first report ([`InsuranceBook::report`]), by program
    /// (`u64::MAX`: not reported, or reported before numbers were kept).
    #[serde(default)]
    pub(super) report_numbers: Vec<u64>,
    /// Vulnerabilities already reported, by id.
    pub(super) vulns: Vec<bool>,
    /// Claims filed, (node, program), kept sorted.
    pub(super) claimed: Vec<(NodeId, u32)>,
    /// Policies and the claims queue.
    pub(super) insurance: InsuranceBook,
    /// Prometh points this epoch, by node.
    pub(super) points: Vec<u64>,
    /// Subjects analysed (ever: a subject's analysis scores once), kept sorted.
    pub(super) analysed: Vec<u64>,
    /// Best covered lines, by program.
    pub(super) coverage: Vec<u64>,
    /// Each program's line count, fixed by its first test (0: not tested yet), by program.
    #[serde(default)]
    pub(super) coverage_lines: Vec<u64>,
    /// The epoch whose beacon targets were last drawn and the number of nodes they were drawn
    /// among (`state/beacon.rs`).
    #[serde(default)]
    pub(super) beacon_nodes: Option<(u64, u64)>,
    /// The last Prometh split and the last claims payment: (pool, paid, carry).
    pub(super) last: [(u128, u128, u128); 2],
    /// Interned names (replay only): programs, stacks, data sets, subjects, vulnerabilities,
    /// calls.
    pub(super) names: Names,
}

impl Extra {
    /// An empty side with the escrow pool and the beacon seed.
    pub(super) fn new(escrow: PoolId, beacon: Seed, cap: Option<Amount>, expiry: u64) -> Extra {
        Extra {
            escrow,
            beacon,
            bounty_cap: cap.unwrap_or(Amount(u128::MAX)),
            claim_expiry: expiry,
            software: Vec::new(),
            data: Vec::new(),
            cb: Vec::new(),
            gate: Vec::new(),
            history: VecDeque::new(),
            attesters: Default::default(),
            calls: Vec::new(),
            open: Vec::new(),
            ran: Vec::new(),
            reported: Vec::new(),
            report_numbers: Vec::new(),
            vulns: Vec::new(),
            claimed: Vec::new(),
            insurance: InsuranceBook::default(),
            points: Vec::new(),
            analysed: Vec::new(),
            coverage: Vec::new(),
            coverage_lines: Vec::new(),
            beacon_nodes: None,
            last: [(0, 0, 0); 2],
            names: Default::default(),
        }
    }

    /// Makes room for `n` nodes in every column.
    pub(super) fn grow(&mut self, n: usize) {
        for c in [&mut self.software, &mut self.data, &mut self.gate, &mut self.points] {
            c.resize(n.max(c.len()), 0);
        }
        self.cb.resize(n.max(self.cb.len()), 0);
        self.ran.resize_with(n.max(self.ran.len()), Vec::new);
        self.attesters.grow(n);
        self.insurance.grow(n);
    }

    /// Records an epoch's snapshot.
    pub(super) fn record_snapshot(&mut self, cb: Vec<u8>, relative: Vec<u64>, gate: Vec<u64>) {
        self.cb = cb;
        self.gate = gate;
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(relative);
    }

    /// The name of call `id` (replay).
    fn call_name(&self, id: u32) -> String {
        self.names[CALLS]
            .iter()
            .find(|(_, v)| **v == id)
            .map_or_else(String::new, |(k, _)| k.clone())
    }
}

/// Interned names: one map per namespace.
type Names = [BTreeMap<String, u32>; 6];

/// The names one op interned, in namespace order: taken out again should the op fail
/// ([`Trias::staged`]), so that a refused op changes nothing without a copy of every name.
#[derive(Default)]
struct Added(Vec<(usize, String)>);

/// The id of `name` in namespace `ns`, interned when new (at most `limit` names; a new one is
/// listed in `added`).
fn intern(
    names: &mut Names,
    added: &mut Added,
    ns: usize,
    name: &str,
    limit: usize,
) -> Result<u32, TriasError> {
    let m = &mut names[ns];
    if let Some(&id) = m.get(name) {
        return Ok(id);
    }
    ergon_core::names::check_name(KINDS[ns], name)?;
    if m.len() >= limit {
        let value = m.len() as u64;
        return Err(TriasError::BadParam { name: "names", value, min: 0, max: limit as u64 - 1 });
    }
    let id = m.len() as u32;
    m.insert(name.into(), id);
    added.0.push((ns, name.into()));
    Ok(id)
}

/// The mask of `list` in namespace `ns` (at most [`MASK_BITS`] names).
fn mask(
    names: &mut Names,
    added: &mut Added,
    ns: usize,
    list: &[String],
) -> Result<u64, TriasError> {
    list.iter().try_fold(0u64, |m, n| Ok(m | 1u64 << intern(names, added, ns, n, MASK_BITS)?))
}

/// What each namespace names, for messages.
const KINDS: [&str; 6] = ["program", "software", "data", "subject", "vulnerability", "call"];

/// Namespaces of [`Extra::names`].
const PROGRAMS: usize = 0;
const STACKS: usize = 1;
const DATA: usize = 2;
const SUBJECTS: usize = 3;
const VULNS: usize = 4;
const CALLS: usize = 5;

/// A call as replay gives it (docs/replay.md, "call").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // every field is described in docs/replay.md
pub struct CallArgs {
    pub call: String,
    pub caller: String,
    pub k: u32,
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default)]
    pub rule: Rule,
    #[serde(default)]
    pub quorum: u32,
    #[serde(default)]
    pub tol: u64,
    pub price: Qty,
    #[serde(default)]
    pub insurance_bp: Option<u32>,
    #[serde(default)]
    pub bond: Option<Qty>,
    pub deadline: u64,
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default)]
    pub weights: Vec<u64>,
    #[serde(default)]
    pub providers: Vec<String>,
    #[serde(default)]
    pub trust_min_ppm: u64,
    #[serde(default)]
    pub trust_max_ppm: Option<u64>,
    #[serde(default)]
    pub trust_epochs: usize,
    #[serde(default)]
    pub software: Vec<String>,
    #[serde(default)]
    pub data: Vec<String>,
    #[serde(default)]
    pub min_bond: Option<Qty>,
    #[serde(default)]
    pub tees: Vec<Tee>,
}

/// The executers' replay ops (docs/replay.md, "The Trias economy").
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum ExtraAction {
    /// `node` declares the software stacks it runs and the data sets it holds.
    Declare {
        node: String,
        #[serde(default)]
        software: Vec<String>,
        #[serde(default)]
        data: Vec<String>,
    },
    /// Opens a MagCarta consensus call.
    Call(Box<CallArgs>),
    /// A scheduled executer returns `value`.
    Respond { call: String, executer: String, value: i64 },
    /// Settles a call (all responded, or its deadline passed).
    Settle { call: String },
    /// `node` buys insurance with `amount` of its balance.
    Insure { node: String, amount: Qty },
    /// The first valid report of `vulnerability` in `program`.
    ReportVulnerability {
        analyst: String,
        vulnerability: String,
        program: String,
        severity: Severity,
    },
    /// `node`'s loss from running `program`, verified by consensus.
    Claim { node: String, program: String, loss: Qty },
    /// An accepted automated analysis run of `subject`.
    AnalysisRun { analyst: String, subject: String },
    /// A test raising `program`'s covered lines to `covered` of `total`.
    TestCoverage { analyst: String, program: String, covered: u64, total: u64 },
    /// The verifier's beacon targets this epoch.
    Targets { verifier: String },
}

/// What the executers' ops report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)] // described in docs/replay.md
pub enum ExtraEvent {
    Declared { node: String, software: u64, data: u64 },
    CallOpened { call: String, caller: String, price: String, executers: Vec<String> },
    Responded { call: String, executer: String, value: i64 },
    CallSettled(Box<super::calls::SettledReport>),
    Insured { node: String, premium: String, cover: String, bounty: String, compensation: String },
    VulnerabilityReported { analyst: String, vulnerability: String, bounty: String, points: u64 },
    ClaimFiled { node: String, loss: String, owed: String },
    Points { analyst: String, points: u64, epoch_points: u64 },
    Targets { verifier: String, targets: Vec<String> },
}

impl Trias {
    /// Resolves and applies one executers' op.
    pub(super) fn apply_extra(&mut self, a: &ExtraAction) -> Result<ExtraEvent, TriasError> {
        Ok(match a {
            ExtraAction::Declare { node, software, data } => {
                let n = self.id(node)?;
                let (s, d) = self.staged(|t, added| {
                    let names = &mut t.extra.names;
                    let s = mask(names, added, STACKS, software)?;
                    let d = mask(names, added, DATA, data)?;
                    t.declare(n, s, d)?;
                    Ok((s, d))
                })?;
                ExtraEvent::Declared { node: node.clone(), software: s, data: d }
            }
            ExtraAction::Call(c) => self.call_op(c)?,
            ExtraAction::Respond { call, executer, value } => {
                let id = self.call_id(call)?;
                self.respond(id, self.id(executer)?, *value)?;
                ExtraEvent::Responded {
                    call: call.clone(),
                    executer: executer.clone(),
                    value: *value,
                }
            }
            ExtraAction::Settle { call } => {
                let id = self.call_id(call)?;
                let s = self.settle_call(id)?;
                ExtraEvent::CallSettled(Box::new(self.settled_report(call, &s)))
            }
            ExtraAction::Insure { node, amount } => {
                let n = self.id(node)?;
                let a = amount.to_amount(self.meta())?;
                let (cover, (b, c)) = self.buy_insurance(n, a)?;
                let f = |x| self.fmt(x);
                ExtraEvent::Insured {
                    node: node.clone(),
                    premium: f(a),
                    cover: f(cover),
                    bounty: f(b),
                    compensation: f(c),
                }
            }
            ExtraAction::ReportVulnerability { analyst, vulnerability, program, severity } => {
                let n = self.id(analyst)?;
                let (bounty, points) = self.staged(|t, added| {
                    let names = &mut t.extra.names;
                    let v = intern(names, added, VULNS, vulnerability, usize::MAX)?;
                    let p = intern(names, added, PROGRAMS, program, usize::MAX)?;
                    t.report_vulnerability(n, v, p, *severity)
                })?;
                ExtraEvent::VulnerabilityReported {
                    analyst: analyst.clone(),
                    vulnerability: vulnerability.clone(),
                    bounty: self.fmt(bounty),
                    points,
                }
            }
            ExtraAction::Claim { node, program, loss } => {
                let n = self.id(node)?;
                let p = self.known(PROGRAMS, program)?;
                let l = loss.to_amount(self.meta())?;
                let owed = self.file_claim(n, p, l)?;
                ExtraEvent::ClaimFiled {
                    node: node.clone(),
                    loss: self.fmt(l),
                    owed: self.fmt(owed),
                }
            }
            ExtraAction::AnalysisRun { analyst, subject } => {
                let n = self.id(analyst)?;
                let points = self.staged(|t, added| {
                    let s = intern(&mut t.extra.names, added, SUBJECTS, subject, usize::MAX)?;
                    t.analysis_run(n, u64::from(s))
                })?;
                ExtraEvent::Points {
                    analyst: analyst.clone(),
                    points,
                    epoch_points: self.extra.points[n as usize],
                }
            }
            ExtraAction::TestCoverage { analyst, program, covered, total } => {
                let n = self.id(analyst)?;
                let points = self.staged(|t, added| {
                    let p = intern(&mut t.extra.names, added, PROGRAMS, program, usize::MAX)?;
                    t.test_coverage(n, p, *covered, *total)
                })?;
                ExtraEvent::Points {
                    analyst: analyst.clone(),
                    points,
                    epoch_points: self.extra.points[n as usize],
                }
            }
            ExtraAction::Targets { verifier } => {
                let v = self.id(verifier)?;
                self.fix_beacon_nodes();
                let targets = self
                    .beacon_targets(v)
                    .iter()
                    .map(|&t| self.names[t as usize].clone())
                    .collect();
                ExtraEvent::Targets { verifier: verifier.clone(), targets }
            }
        })
    }

    /// A snapshot without trust (no active seed): every gate 0, recorded as such.
    pub(super) fn untrusted(&mut self) -> Vec<u64> {
        let n = self.names.len();
        self.extra.record_snapshot(vec![0; n], vec![0; n], vec![0; n]);
        vec![0; n]
    }

    /// Runs `op`, which interns names in place (listing them in its `Added`): when it fails,
    /// the names it added are taken out again, newest first, and the table is as before.
    fn staged<T>(
        &mut self,
        op: impl FnOnce(&mut Trias, &mut Added) -> Result<T, TriasError>,
    ) -> Result<T, TriasError> {
        let mut added = Added::default();
        // Named before the names the op added go.
        let done = op(self, &mut added).map_err(|e| self.named(e));
        if done.is_err() {
            for (ns, name) in added.0.into_iter().rev() {
                self.extra.names[ns].remove(&name);
            }
        }
        done
    }

    /// `e` with the replay name of the program, subject, vulnerability or call it names by
    /// index ([`TriasError::Named`]); as it is without one.
    pub(super) fn named(&self, e: TriasError) -> TriasError {
        let Some((label, id)) = e.label() else { return e };
        let ns = match label {
            Label::Program => PROGRAMS,
            Label::Subject => SUBJECTS,
            Label::Vulnerability => VULNS,
            Label::Call => CALLS,
        };
        let name = self.extra.names[ns].iter().find(|&(_, &v)| u64::from(v) == id);
        let Some((name, _)) = name else { return e };
        let label = format!("{} {id} is {name:?}", label.kind());
        TriasError::Named { error: Box::new(e), label }
    }

    fn known(&self, ns: usize, name: &str) -> Result<u32, TriasError> {
        let kind = if ns == CALLS { "call" } else { "program" };
        let unknown = || TriasError::UnknownLabel { kind, name: name.into() };
        self.extra.names[ns].get(name).copied().ok_or_else(unknown)
    }

    fn call_id(&self, name: &str) -> Result<u32, TriasError> {
        self.known(CALLS, name)
    }

    /// The replay name of call `id`.
    pub(super) fn call_name(&self, id: u32) -> String {
        self.extra.call_name(id)
    }

    fn call_op(&mut self, c: &CallArgs) -> Result<ExtraEvent, TriasError> {
        if self.extra.names[CALLS].contains_key(&c.call) {
            return Err(TriasError::DuplicateCall { name: c.call.clone() });
        }
        ergon_core::names::check_name(KINDS[CALLS], &c.call)?;
        let caller = self.id(&c.caller)?;
        let id = self.staged(|t, added| t.open_named_call(c, caller, added))?;
        self.extra.names[CALLS].insert(c.call.clone(), id);
        let executers = self.extra.calls[id as usize]
            .executers
            .iter()
            .map(|&e| self.names[e as usize].clone())
            .collect();
        let price = self.fmt(self.extra.calls[id as usize].spec.price);
        Ok(ExtraEvent::CallOpened {
            call: c.call.clone(),
            caller: c.caller.clone(),
            price,
            executers,
        })
    }

    /// Opens call `c` of `caller`, its programs, stacks and data interned (listed in `added`).
    fn open_named_call(
        &mut self,
        c: &CallArgs,
        caller: u32,
        added: &mut Added,
    ) -> Result<u32, TriasError> {
        // A trust range applies over the last `trust_epochs` snapshots: given without them, it
        // would be silently ignored (an empty range is refused as such by `open_call`).
        let max = c.trust_max_ppm.unwrap_or(u64::MAX);
        if c.trust_epochs == 0 && c.trust_min_ppm <= max {
            let without = |name| TriasError::RangeWithoutEpochs { name };
            if c.trust_min_ppm != 0 {
                return Err(without("trust_min_ppm"));
            }
            if c.trust_max_ppm.is_some() {
                return Err(without("trust_max_ppm"));
            }
        }
        let meta = self.meta().clone();
        let amount = |q: &Option<Qty>| q.as_ref().map_or(Ok(Amount::ZERO), |q| q.to_amount(&meta));
        let names = &mut self.extra.names;
        let programs = c
            .programs
            .iter()
            .map(|p| intern(names, added, PROGRAMS, p, usize::MAX))
            .collect::<Result<Vec<_>, _>>()?;
        let filter = Filter {
            trust_min_ppm: c.trust_min_ppm,
            trust_max_ppm: max,
            trust_epochs: c.trust_epochs,
            software: mask(names, added, STACKS, &c.software)?,
            data: mask(names, added, DATA, &c.data)?,
            min_bond: amount(&c.min_bond)?.0,
            tees: c.tees.iter().fold(0, |m, &t| m | tee_bit(t)),
        };
        let providers = c.providers.iter().map(|p| self.id(p)).collect::<Result<Vec<_>, _>>()?;
        let spec = super::calls::CallSpec {
            filter,
            k: c.k,
            strategy: c.strategy,
            rule: c.rule,
            quorum: c.quorum,
            tol: c.tol,
            price: c.price.to_amount(&meta)?,
            premium_bp: c.insurance_bp.unwrap_or(crate::gas::PREMIUM_BP),
            bond: amount(&c.bond)?,
            deadline: c.deadline,
            programs,
            weights: c.weights.clone(),
            providers,
        };
        self.open_call(caller, spec)
    }
}
