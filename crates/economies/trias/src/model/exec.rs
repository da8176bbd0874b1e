//! The executers' side of the Trias agents (docs/economies/trias.md, "Simulation"; spec
//! trias.md, "MagCarta consensus calls", "Execution as gas", "Insurance", "Prometh early-stage
//! mining"): developers opening calls, the scheduled executers answering them, analysts earning
//! Prometh points and reporting vulnerabilities, and the executers exposed to a reported
//! program claiming on their cover; and the flows the close's typed [`CloseExtra`] adds.
//!
//! Each epoch, after the routers (the clock at `end − 21`): every developer, ascending, opens a
//! call with probability `call_rate` when its balance covers the price (one program drawn
//! uniformly, `k` executers by `strategy`, deadline `end − 12`); a call asks the bond `b` and,
//! when fewer than `k` executers hold it, none. Each scheduled executer, by slot, stays silent
//! with probability `silence_rate`, else returns the call's id as its result, or with
//! probability `dissent_rate` the id plus one plus its slot (dissenters never agree). After the
//! fraud proofs (`end − 12`): every analyst, ascending, submits `runs` analysis runs (a new
//! subject each), a test adding `test_lines` to program `(epoch + its rank) mod programs`
//! while it is not fully covered, and from epoch `vuln_from` on, with probability `vuln_rate`, a
//! vulnerability in a program drawn uniformly; after the first report of a program, each executer that ever answered a
//! call of it claims `loss` with probability `claims.rate`. The calls settle at the close.
//!
//! Nothing draws when the populations are empty, so a scenario without them draws as before.
//! Scratch and the per-program lists are kept; an epoch allocates only inside the economy.

use ergon_core::Amount;
use ergon_core::amount::{Qty, TokenMeta};
use ergon_core::economy::Rejection;

use super::config::Agents;
use super::{NONE, TriasModel};
use crate::attest::NodeId;
use crate::error::TriasError;
use crate::gas::PREMIUM_BP;
use crate::magcarta::{Filter, Rule};
use crate::state::CloseExtra;
use crate::state::calls::CallSpec;

/// The software-stack bit every executer declares and every call asks for, so only executers
/// are scheduled.
pub(super) const EXECUTER_STACK: u64 = 1;

/// Flows of calls, Prometh and claims since the last record.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct ExecFlows {
    pub calls_opened: u64,
    pub calls_unfunded: u64,
    pub calls_succeeded: u64,
    pub calls_failed: u64,
    /// Agreeing executers' net gas.
    pub gas_executers: u128,
    /// Verification as gas: the attesting verifiers' shares with their floors' dust.
    pub gas_verifiers: u128,
    /// Execution as gas: the routers' pool's share.
    pub gas_routers: u128,
    pub premiums: u128,
    /// Dissenters' and non-responders' slashes.
    pub call_slashes: u128,
    pub call_fees: u128,
    pub call_refunds: u128,
    /// The floors' dust of the settled calls' shares, paid into insurance.
    #[serde(default)]
    pub call_dust: u128,
    pub analysis_runs: u64,
    pub tests: u64,
    pub vulnerabilities: u64,
    pub bounties: u128,
    pub prometh_points: u64,
    pub prometh_paid: u128,
    pub claims_filed: u64,
    /// Queued at filing (each loss capped by its claimant's cover).
    pub claims_owed: u128,
    pub claims_paid: u128,
    pub claims_expired: u128,
}

/// The developers', analysts' and claimants' state.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Exec {
    developers: Vec<NodeId>,
    analysts: Vec<NodeId>,
    price: Amount,
    bond: Amount,
    loss: Amount,
    /// `call_rate`, `dissent_rate`, `silence_rate`, `vuln_rate`, `claims.rate` as thresholds.
    call: u64,
    dissent: u64,
    silence: u64,
    vuln: u64,
    claim: u64,
    /// Executers that answered a call of each program, ascending, by program.
    ran: Vec<Vec<NodeId>>,
    /// Whether each program's first vulnerability has been reported.
    exploited: Vec<bool>,
    /// Each program's covered lines so far.
    coverage: Vec<u64>,
    next_vuln: u32,
    next_subject: u64,
    /// Programs first reported this epoch (scratch, cleared before use: not saved).
    #[serde(skip)]
    fresh: Vec<u32>,
}

fn amount(path: &str, text: &str) -> Result<Amount, Rejection> {
    let meta = TokenMeta::new("TRY", 18);
    Qty::parse(text)
        .and_then(|q| q.to_amount(&meta))
        .map_err(|e| Rejection { code: "E_SCENARIO", message: format!("{path}: {e}") })
}

impl Exec {
    /// The state for `a`: developers are the last `developers.count` honest verifiers of
    /// `honest_verifiers` (ascending), analysts the nodes given.
    pub(super) fn new(
        a: &Agents,
        honest_verifiers: &[NodeId],
        analysts: Vec<NodeId>,
        threshold: impl Fn(f64) -> u64,
    ) -> Result<Exec, Rejection> {
        let d = &a.developers;
        let from = honest_verifiers.len() - (d.count as usize).min(honest_verifiers.len());
        let programs = d.programs as usize;
        Ok(Exec {
            developers: honest_verifiers[from..].to_vec(),
            analysts,
            price: amount("agents.developers.price", &d.price)?,
            bond: amount("agents.developers.bond", &d.bond)?,
            loss: amount("agents.claims.loss", &a.claims.loss)?,
            call: threshold(d.call_rate),
            dissent: threshold(a.executers.dissent_rate),
            silence: threshold(a.executers.silence_rate),
            vuln: threshold(a.analysts.vuln_rate),
            claim: threshold(a.claims.rate),
            ran: vec![Vec::new(); programs],
            exploited: vec![false; programs],
            coverage: vec![0; programs],
            next_vuln: 0,
            next_subject: 0,
            fresh: Vec::new(),
        })
    }

    /// Whether anybody develops (executers then declare the executers' stack).
    pub(super) fn has_developers(&self) -> bool {
        !self.developers.is_empty()
    }
}

impl TriasModel {
    /// The developers' calls with `deadline`, answered at once (module doc).
    pub(super) fn calls(&mut self, deadline: u64) {
        let d = &self.agents.developers;
        let (k, rule, strategy, programs) = (d.k, d.rule, d.strategy, u64::from(d.programs));
        for x in 0..self.exec.developers.len() {
            let dev = self.exec.developers[x];
            if self.quarantined[dev as usize] || !self.chance(self.exec.call) {
                continue;
            }
            if self.econ.balance_of(dev) < self.exec.price {
                self.flows.x.calls_unfunded += 1;
                continue;
            }
            let program = self.rng.below(programs) as u32;
            let spec = |bond| CallSpec {
                filter: Filter {
                    software: EXECUTER_STACK,
                    trust_max_ppm: u64::MAX,
                    ..Filter::default()
                },
                k,
                strategy,
                rule,
                quorum: if rule == Rule::KOfN { k / 2 + 1 } else { 0 },
                tol: 0,
                price: self.exec.price,
                premium_bp: PREMIUM_BP,
                bond,
                deadline,
                programs: vec![program],
                weights: if rule == Rule::Weighted { vec![1] } else { Vec::new() },
                providers: Vec::new(),
            };
            let (with, without) = (spec(self.exec.bond), spec(Amount::ZERO));
            let opened = match self.econ.open_call(dev, with) {
                Err(TriasError::TooFewExecuters { .. }) => self.econ.open_call(dev, without),
                r => r,
            };
            match opened {
                Ok(id) => {
                    self.flows.x.calls_opened += 1;
                    self.answer(id, program);
                }
                Err(_) => self.flows.refused += 1,
            }
        }
    }

    /// The scheduled executers of call `id` answer it.
    fn answer(&mut self, id: u32, program: u32) {
        let n = self.econ.call(id).map_or(0, |c| c.executers.len());
        let right = i64::from(id);
        for slot in 0..n {
            let e = self.econ.call(id).map_or(NONE, |c| c.executers[slot]);
            if self.chance(self.exec.silence) {
                continue;
            }
            let value =
                if self.chance(self.exec.dissent) { right + 1 + slot as i64 } else { right };
            match self.econ.respond(id, e, value) {
                Ok(()) => {
                    let ran = &mut self.exec.ran[program as usize];
                    if let Err(at) = ran.binary_search(&e) {
                        ran.insert(at, e);
                    }
                }
                Err(_) => self.flows.refused += 1,
            }
        }
    }

    /// The analysts' submissions, then the claims on the programs first reported (module doc).
    pub(super) fn analyse_and_claim(&mut self) {
        let an = &self.agents.analysts;
        let (runs, test, lines, severity) = (an.runs, an.test_lines, an.lines, an.severity);
        let vuln_from = an.vuln_from;
        let programs = self.exec.coverage.len();
        self.exec.fresh.clear();
        for x in 0..self.exec.analysts.len() {
            let a = self.exec.analysts[x];
            for _ in 0..runs {
                let subject = self.exec.next_subject;
                self.exec.next_subject += 1;
                match self.econ.analysis_run(a, subject) {
                    Ok(_) => self.flows.x.analysis_runs += 1,
                    Err(_) => self.flows.refused += 1,
                }
            }
            let p = ((self.epochs + x as u64) % programs as u64) as usize;
            let best = self.exec.coverage[p];
            if test > 0 && best < lines {
                let covered = (best + test).min(lines);
                match self.econ.test_coverage(a, p as u32, covered, lines) {
                    Ok(_) => {
                        self.exec.coverage[p] = covered;
                        self.flows.x.tests += 1;
                    }
                    Err(_) => self.flows.refused += 1,
                }
            }
            if self.epochs >= vuln_from && self.chance(self.exec.vuln) {
                let p = self.rng.below(programs as u64) as u32;
                let v = self.exec.next_vuln;
                self.exec.next_vuln += 1;
                match self.econ.report_vulnerability(a, v, p, severity) {
                    Ok((bounty, _)) => {
                        self.flows.x.vulnerabilities += 1;
                        self.flows.x.bounties += bounty.0;
                        if !self.exec.exploited[p as usize] {
                            self.exec.exploited[p as usize] = true;
                            self.exec.fresh.push(p);
                        }
                    }
                    Err(_) => self.flows.refused += 1,
                }
            }
        }
        for f in 0..self.exec.fresh.len() {
            let p = self.exec.fresh[f];
            for i in 0..self.exec.ran[p as usize].len() {
                let e = self.exec.ran[p as usize][i];
                if !self.chance(self.exec.claim) {
                    continue;
                }
                match self.econ.file_claim(e, p, self.exec.loss) {
                    Ok(owed) => {
                        self.flows.x.claims_filed += 1;
                        self.flows.x.claims_owed += owed.0;
                    }
                    Err(_) => self.flows.refused += 1,
                }
            }
        }
    }

    /// Adds the close's calls, Prometh split and claims payment to the flows.
    pub(super) fn tally_exec(&mut self, x: &CloseExtra) {
        let f = &mut self.flows.x;
        for (_, s) in &x.calls {
            if s.value.is_some() {
                f.calls_succeeded += 1;
            } else {
                f.calls_failed += 1;
            }
            for e in &s.executers {
                f.gas_executers += e.split.executer.0;
                let paid: u128 = e.split.verifiers.iter().map(|v| v.1.0).sum();
                f.gas_verifiers += paid + e.split.verifier_dust.0;
                f.gas_routers += e.split.routers.0;
                f.premiums += e.split.premium.0;
            }
            f.call_slashes += s.slashes.iter().map(|v| v.1.0).sum::<u128>();
            f.call_fees += s.fee.0;
            f.call_refunds += s.refund.0;
            f.call_dust += s.dust.0;
        }
        for &(_, points, paid) in &x.prometh {
            f.prometh_points += points;
            f.prometh_paid += paid.0;
        }
        if let Some(c) = &x.claims {
            f.claims_paid += c.paid.iter().map(|v| v.1.0).sum::<u128>();
            f.claims_expired += c.expired.0;
        }
    }

    /// Each agreeing executer bonds `bond_bps` of its net gas (so later calls can ask a bond).
    pub(super) fn bond_gas(&mut self, x: &CloseExtra) {
        let bps = u128::from(self.agents.verifiers.bond_bps);
        for (_, s) in &x.calls {
            for e in &s.executers {
                let b = e.split.executer.0 * bps / 10_000;
                if b > 0 && self.econ.bond_ids(e.node, Amount(b)).is_err() {
                    self.flows.refused += 1;
                }
            }
        }
    }
}
