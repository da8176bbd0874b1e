//! MagCarta consensus calls in the state: open (escrow the price, schedule), respond, settle
//! with execution and verification as gas (spec trias.md, "MagCarta consensus calls",
//! "Execution as gas / verification as gas").
//!
//! Settlement on success: `⌊P·1000/10^4⌋` to the program providers in equal floors (none
//! named: it stays with the executers); the rest in equal floors to the agreeing executers,
//! each gross through [`gas_split`]; dissenters lose `⌊b·5000/10^4⌋` of the call's bond `b`
//! (MEDIAN outliers `⌊b·1000/10^4⌋`), non-responders `⌊b·500/10^4⌋`, each at most the node's
//! bond. On failure: a fee `⌊P·100/10^4⌋`, the rest refunded, only non-responders slashed.
//! Every insurance inflow of one settlement (premiums, slashes, the fee, the floors' dust) is
//! split on its own (30 % bounty, 70 % compensation, each floored, the rest to compensation),
//! as the spec's "every inflow"; the covers the premiums buy are
//! priced on the reserve and the liability before the settlement, so the executers' order does
//! not matter. Conservation: `providers + Σ gross + dust = P` (success), `fee + refund = P`.

use ergon_core::ledger::Holder;
use ergon_core::rng::{RngStreams, purpose};
use ergon_core::{Amount, Rounding, mul_div};
use serde::{Deserialize, Serialize};

use super::Trias;
use crate::attest::NodeId;
use crate::error::TriasError;
use crate::gas::{GasSplit, PREMIUM_MIN_BP, gas_split};
use crate::insurance::{cover_for, exposed};
use crate::magcarta::{
    Candidate, Filter, Ranked, Rule, Strategy, Verdict, decide, eligible, in_range, schedule,
};

/// Program providers' share of the price, basis points.
pub const PROVIDERS_BP: u128 = 1000;
/// Slashes of the call's bond, basis points: dissenter, MEDIAN outlier, non-responder.
pub const SLASH_BP: [u128; 3] = [5000, 1000, 500];
/// The failure fee, basis points of the price.
pub const FEE_BP: u128 = 100;
/// The most executers one call may schedule.
pub const MAX_K: u32 = 64;

/// A call's terms, by id (the typed form of the replay's `call`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSpec {
    /// COMPUTE_SET.
    pub filter: Filter,
    /// Executers to schedule (1..=64).
    pub k: u32,
    /// TOP or SAMPLE.
    pub strategy: Strategy,
    /// The consensus rule.
    pub rule: Rule,
    /// K_OF_N's and MEDIAN's quorum: K_OF_N's in `⌊k/2⌋+1 ..= k` (0, none given, is refused);
    /// MEDIAN's in `0 ..= k`, 0 for `⌊k/2⌋+1`. Other rules: 0 (none).
    pub quorum: u32,
    /// MEDIAN's tolerance (other rules: 0, none).
    pub tol: u64,
    /// The price `P`, escrowed from the caller.
    pub price: Amount,
    /// The insurance premium, basis points of each gross (at least 200).
    pub premium_bp: u32,
    /// The bond `b` each executer must hold; the slashes are fractions of it.
    pub bond: Amount,
    /// The last step a response is taken.
    pub deadline: u64,
    /// PROGRAM_SET (ids); slot `s` runs program `s mod len`.
    pub programs: Vec<u32>,
    /// WEIGHTED: each program's weight, one per program (other rules: none).
    pub weights: Vec<u64>,
    /// The program providers.
    pub providers: Vec<NodeId>,
}

/// One call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// Who pays.
    pub caller: NodeId,
    /// Its terms.
    pub spec: CallSpec,
    /// The scheduled executers (slots, ascending).
    pub executers: Vec<NodeId>,
    /// Responses by slot.
    pub responses: Vec<Option<i64>>,
    /// The epoch of each slot's response (`u64::MAX` until it responds): the epoch its
    /// executer ran the call's programs, which dates its exposure to their vulnerabilities.
    #[serde(default)]
    pub responded: Vec<u64>,
    /// The vulnerability reports made before each slot's response: the cover its premium buys
    /// insures against the later ones only, as a policy bought at the answer would (none
    /// recorded: against every report).
    #[serde(default)]
    pub reports_before: Vec<u64>,
    /// Open until settled.
    pub open: bool,
}

/// One agreeing executer's settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecPay {
    /// The executer.
    pub node: NodeId,
    /// Its gross and its parts.
    pub gross: Amount,
    /// The parts.
    pub split: GasSplit,
    /// The cover its premium bought.
    pub cover: Amount,
}

/// A settled call, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The agreed value, or `None` on failure.
    pub value: Option<i64>,
    /// Each provider's share.
    pub providers: Vec<(NodeId, Amount)>,
    /// Each agreeing executer.
    pub executers: Vec<ExecPay>,
    /// Each slash.
    pub slashes: Vec<(NodeId, Amount)>,
    /// Refunded to the caller (failure).
    pub refund: Amount,
    /// The failure fee.
    pub fee: Amount,
    /// The floors' dust of the providers' and executers' shares.
    pub dust: Amount,
    /// The insurance inflow, split: bounty, compensation.
    pub insurance: (Amount, Amount),
}

/// A node and an amount, in a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct Paid {
    pub node: String,
    pub amount: String,
}

/// The replay form of a [`Settlement`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct SettledReport {
    pub call: String,
    pub success: bool,
    pub value: Option<i64>,
    pub providers: Vec<Paid>,
    pub executers: Vec<serde_json::Value>,
    pub slashes: Vec<Paid>,
    pub refund: String,
    pub fee: String,
    pub dust: String,
    pub bounty: String,
    pub compensation: String,
}

fn bp(a: Amount, bp: u128) -> Result<Amount, TriasError> {
    Ok(Amount(mul_div(a.0, bp, 10_000, Rounding::Down)?))
}

impl Trias {
    /// Call `id` (its terms, executers, responses, whether open).
    #[must_use]
    pub fn call(&self, id: u32) -> Option<&Call> {
        self.extra.calls.get(id as usize)
    }

    /// Declares node `n`'s software stacks and data sets (bit masks).
    pub fn declare(&mut self, n: NodeId, software: u64, data: u64) -> Result<(), TriasError> {
        self.book.node(n)?;
        self.extra.grow(self.names.len());
        self.extra.software[n as usize] = software;
        self.extra.data[n as usize] = data;
        Ok(())
    }

    /// Opens a call: checks the terms, schedules `k` executers from the last snapshot and
    /// escrows the price; the call's id.
    pub fn open_call(&mut self, caller: NodeId, spec: CallSpec) -> Result<u32, TriasError> {
        let bad = |name, value: u64, min, max| TriasError::BadParam { name, value, min, max };
        let k = spec.k;
        if !(1..=MAX_K).contains(&k) {
            return Err(bad("k", k.into(), 1, MAX_K.into()));
        }
        // A parameter the rule does not use would be silently ignored: the caller meant
        // something the call would not do.
        let unused = |name, users| TriasError::UnusedParam { name, rule: spec.rule.name(), users };
        if spec.quorum != 0 && !matches!(spec.rule, Rule::KOfN | Rule::Median) {
            return Err(unused("quorum", "k_of_n and median"));
        }
        if spec.tol != 0 && spec.rule != Rule::Median {
            return Err(unused("tol", "median"));
        }
        if !spec.weights.is_empty() && spec.rule != Rule::Weighted {
            return Err(unused("weights", "weighted"));
        }
        let majority = k / 2 + 1;
        if spec.rule == Rule::KOfN && !(majority..=k).contains(&spec.quorum) {
            return Err(bad("quorum", spec.quorum.into(), majority.into(), k.into()));
        }
        if spec.quorum > k {
            return Err(bad("quorum", spec.quorum.into(), 0, k.into()));
        }
        if !(PREMIUM_MIN_BP..=10_000 - 1500).contains(&spec.premium_bp) {
            return Err(bad("insurance_bp", spec.premium_bp.into(), PREMIUM_MIN_BP.into(), 8500));
        }
        // A trust filter no node can meet: more snapshots than are kept, or an empty range
        // (refused without `trust_epochs` too: the caller meant a range).
        let f = &spec.filter;
        if f.trust_epochs > super::extra::HISTORY {
            let max = super::extra::HISTORY as u64;
            return Err(bad("trust_epochs", f.trust_epochs as u64, 0, max));
        }
        if f.trust_min_ppm > f.trust_max_ppm {
            return Err(bad("trust_min_ppm", f.trust_min_ppm, 0, f.trust_max_ppm));
        }
        if spec.rule == Rule::Weighted && spec.weights.len() != spec.programs.len().max(1) {
            let (given, programs) = (spec.weights.len() as u64, spec.programs.len() as u64);
            return Err(TriasError::WeightsCount { given, programs });
        }
        // WEIGHTED decides by more than half the k slots' weight: with none, no answer can win
        // and the caller would pay the failure's fee for a call that cannot succeed.
        if spec.rule == Rule::Weighted {
            let n = spec.weights.len().max(1);
            let total: u128 = (0..spec.k as usize)
                .map(|s| u128::from(spec.weights.get(s % n).copied().unwrap_or(1)))
                .sum();
            if total == 0 {
                return Err(bad("weights (the k slots' sum)", 0, 1, u64::MAX));
            }
        }
        if spec.deadline < self.book.now() {
            return Err(TriasError::PastDeadline { deadline: spec.deadline, now: self.book.now() });
        }
        // A deadline in an epoch already closed (after a close the clock stands on that
        // epoch's last step): its close settled the calls due then.
        let start = self.epoch.0.saturating_mul(self.steps_per_epoch);
        if spec.deadline < start {
            return Err(TriasError::DeadlineClosed { deadline: spec.deadline, start });
        }
        if self.book.node(caller)?.quarantined {
            return Err(TriasError::Quarantined { node: caller });
        }
        for (k, &p) in spec.providers.iter().enumerate() {
            // A quarantined node earns nothing (spec "Attestations and direct trust").
            if self.book.node(p)?.quarantined {
                return Err(TriasError::Quarantined { node: p });
            }
            // The providers share equally: one named twice would take two shares.
            if spec.providers[..k].contains(&p) {
                return Err(TriasError::DuplicateProvider { node: p });
            }
        }
        let from = Holder::Account(self.accounts[caller as usize]);
        self.extra.grow(self.names.len());
        let executers = self.schedule_for(&spec).ok_or(TriasError::TooFewExecuters { k })?;
        self.ledger.transfer(self.token, from, Holder::Pool(self.extra.escrow), spec.price)?;
        let id = self.extra.calls.len() as u32;
        let (responses, responded) = (vec![None; executers.len()], vec![u64::MAX; executers.len()]);
        let reports_before = vec![0; executers.len()];
        self.extra.calls.push(Call {
            caller,
            spec,
            executers,
            responses,
            responded,
            reports_before,
            open: true,
        });
        self.extra.open.push(id); // ids rise: the list stays ascending
        Ok(id)
    }

    /// The executers `spec` would schedule now (the SAMPLE stream: beacon, epoch, call id).
    fn schedule_for(&self, spec: &CallSpec) -> Option<Vec<NodeId>> {
        let x = &self.extra;
        let pool: Vec<Ranked> = (0..self.names.len())
            .filter_map(|j| {
                let node = self.book.nodes()[j];
                // Newest first, up to the first snapshot taken before the node registered:
                // a snapshot without it is none of its own (fewer than T: not eligible).
                let recent = x.history.iter().rev().map_while(|h| h.get(j).copied());
                let c = Candidate {
                    node: j as NodeId,
                    tee: node.tee,
                    quarantined: node.quarantined,
                    software: x.software[j],
                    data: x.data[j],
                    bond: self.bonds[j].0,
                    trust_ok: in_range(&spec.filter, recent),
                };
                let enough = self.bonds[j] >= spec.bond;
                (enough && eligible(&spec.filter, &c)).then(|| Ranked {
                    node: j as NodeId,
                    tee: node.tee,
                    cb: x.cb[j],
                    relative_ppm: x.history.back().map_or(0, |h| h.get(j).copied().unwrap_or(0)),
                    gate: x.gate[j],
                })
            })
            .collect();
        let path = [self.epoch.0, purpose::TASKS, 1 << 32 | x.calls.len() as u64];
        let mut rng = RngStreams::new(x.beacon).stream(&path);
        schedule(&pool, spec.k as usize, spec.strategy, &mut rng)
    }

    /// Executer `e` returns `value` for call `id` (once, by the deadline).
    pub fn respond(&mut self, id: u32, e: NodeId, value: i64) -> Result<(), TriasError> {
        let now = self.book.now();
        let call =
            self.extra.calls.get_mut(id as usize).ok_or(TriasError::UnknownCall { call: id })?;
        let slot = call
            .executers
            .iter()
            .position(|&x| x == e)
            .ok_or(TriasError::NotScheduled { call: id, node: e })?;
        if !call.open || now > call.spec.deadline {
            return Err(TriasError::CallClosed { call: id, deadline: call.spec.deadline, now });
        }
        if call.responses[slot].is_some() {
            return Err(TriasError::AlreadyResponded { call: id, node: e });
        }
        // Quarantined: no rewards, so no part in a call (the call counts it silent).
        if self.book.node(e)?.quarantined {
            return Err(TriasError::Quarantined { node: e });
        }
        let (epoch, reports) = (self.epoch.0, self.extra.insurance.reports());
        let call = &mut self.extra.calls[id as usize];
        call.responses[slot] = Some(value);
        call.responded.resize(call.responses.len(), u64::MAX);
        call.responded[slot] = epoch;
        call.reports_before.resize(call.responses.len(), 0);
        call.reports_before[slot] = reports;
        Ok(())
    }

    /// Settles call `id`: every executer responded, or the clock is past the deadline.
    pub fn settle_call(&mut self, id: u32) -> Result<Settlement, TriasError> {
        let now = self.book.now();
        let call = self.extra.calls.get(id as usize).ok_or(TriasError::UnknownCall { call: id })?;
        let all = call.responses.iter().all(Option::is_some);
        if !call.open || (!all && now <= call.spec.deadline) {
            return Err(TriasError::NotSettleable { call: id, deadline: call.spec.deadline, now });
        }
        self.settle_due_one(id)
    }

    /// Works a settlement out without moving anything.
    fn settlement(&self, call: &Call) -> Result<Settlement, TriasError> {
        let spec = &call.spec;
        let weights: Vec<u64> = (0..call.executers.len())
            .map(|s| spec.weights.get(s % spec.weights.len().max(1)).copied().unwrap_or(1))
            .collect();
        let q = if spec.quorum == 0 { call.executers.len() / 2 + 1 } else { spec.quorum as usize };
        // An executer quarantined since it responded earns nothing: its response counts as
        // none (spec "Attestations and direct trust": no rewards).
        let quarantined = |n: NodeId| self.book.nodes()[n as usize].quarantined;
        let responses: Vec<Option<i64>> = (call.executers.iter().zip(&call.responses))
            .map(|(&n, &r)| r.filter(|_| !quarantined(n)))
            .collect();
        let verdict = decide(spec.rule, &responses, q, spec.tol, &weights);
        let mut s = Settlement {
            value: None,
            providers: Vec::new(),
            executers: Vec::new(),
            slashes: Vec::new(),
            refund: Amount::ZERO,
            fee: Amount::ZERO,
            dust: Amount::ZERO,
            insurance: (Amount::ZERO, Amount::ZERO),
        };
        let p = spec.price;
        let mut slash = |node: NodeId, bps: u128| -> Result<(), TriasError> {
            let x = bp(spec.bond, bps)?.min(self.bonds[node as usize]);
            if x.0 > 0 {
                s.slashes.push((node, x));
            }
            Ok(())
        };
        let agree = match &verdict {
            Verdict::Success { agree, .. } => agree.clone(),
            Verdict::Failure => vec![false; call.executers.len()],
        };
        for (slot, &node) in call.executers.iter().enumerate() {
            match (responses[slot], &verdict) {
                (None, _) => slash(node, SLASH_BP[2])?,
                (Some(_), Verdict::Success { .. }) if !agree[slot] => {
                    slash(node, if spec.rule == Rule::Median { SLASH_BP[1] } else { SLASH_BP[0] })?;
                }
                _ => {}
            }
        }
        // Spec "Insurance": every inflow (premiums, slashes, fees, dust) splits 30/70 on its own.
        let mut reserves = (Amount::ZERO, Amount::ZERO);
        let mut inflow = |x: Amount| {
            let (parts, dust) =
                ergon_core::emission::split_amount(x, &super::bonds::INSURANCE_SPLIT);
            reserves.0 = Amount(reserves.0.0 + parts[0].0);
            reserves.1 = Amount(reserves.1.0 + parts[1].0 + dust.0);
        };
        for &(_, a) in &s.slashes {
            inflow(a);
        }
        match verdict {
            Verdict::Failure => {
                s.fee = bp(p, FEE_BP)?;
                s.refund = Amount(p.0 - s.fee.0);
                inflow(s.fee);
            }
            Verdict::Success { agree, value } => {
                s.value = Some(value);
                let np = spec.providers.len() as u128;
                let prov = if np == 0 { Amount::ZERO } else { bp(p, PROVIDERS_BP)? };
                let each = prov.0.checked_div(np).unwrap_or(0);
                // A provider quarantined since the call opened earns nothing: its part is
                // dust, to insurance.
                s.providers = spec
                    .providers
                    .iter()
                    .filter(|&&n| !quarantined(n))
                    .map(|&n| (n, Amount(each)))
                    .collect();
                let unpaid = each * (np - s.providers.len() as u128);
                let winners: Vec<NodeId> =
                    call.executers.iter().zip(&agree).filter(|x| *x.1).map(|x| *x.0).collect();
                let rest = p.0 - prov.0;
                let gross = rest / winners.len() as u128;
                s.dust = Amount(prov.0 - each * np + unpaid + rest - gross * winners.len() as u128);
                inflow(s.dust);
                let reserve = self.ledger.balance(self.token, Holder::Pool(self.reserves[2]))?;
                let outstanding = self.extra.insurance.outstanding();
                for x in winners {
                    let att = self.attesters_of(x);
                    let split = gas_split(Amount(gross), spec.premium_bp, &att)?;
                    inflow(split.premium);
                    let cover = cover_for(split.premium, reserve, outstanding)?;
                    s.executers.push(ExecPay { node: x, gross: Amount(gross), split, cover });
                }
            }
        }
        s.insurance = reserves;
        Ok(s)
    }

    /// `(verifier, D_vx)` with `D_vx > 0` now, verifiers not quarantined, ascending.
    pub(super) fn attesters_of(&self, x: NodeId) -> Vec<(NodeId, u64)> {
        let now = self.book.now();
        self.extra
            .attesters
            .of(x)
            .iter()
            .filter(|&&i| !self.book.nodes()[i as usize].quarantined)
            .map(|&i| (i, self.book.direct(i, x, now)))
            .filter(|a| a.1 > 0)
            .collect()
    }

    /// Moves a worked settlement's tokens (checked beforehand: cannot fail but on a bug).
    fn pay_settlement(&mut self, call: &Call, s: &Settlement) -> Result<(), &'static str> {
        let t = self.token;
        let escrow = Holder::Pool(self.extra.escrow);
        let bonds = Holder::Pool(self.reserves[0]);
        let [pv, pr, _] = self.pools.map(Holder::Pool);
        let [_, rb, rc] = self.reserves.map(Holder::Pool);
        let acc = |n: NodeId| Holder::Account(self.accounts[n as usize]);
        let mut moves: Vec<(Holder, Holder, Amount)> = Vec::new();
        for &(_, a) in &s.slashes {
            moves.push((bonds, escrow, a)); // slashes join the inflow, which leaves from escrow
        }
        moves.push((escrow, acc(call.caller), s.refund));
        for &(n, a) in &s.providers {
            moves.push((escrow, acc(n), a));
        }
        for e in &s.executers {
            for &(v, a) in &e.split.verifiers {
                moves.push((escrow, acc(v), a));
            }
            moves.push((escrow, pv, e.split.verifier_dust));
            moves.push((escrow, pr, e.split.routers));
            moves.push((escrow, acc(e.node), e.split.executer));
        }
        moves.push((escrow, rb, s.insurance.0));
        moves.push((escrow, rc, s.insurance.1));
        for (from, to, a) in moves {
            self.ledger.transfer(t, from, to, a).map_err(|_| "call settlement")?;
        }
        for &(n, a) in &s.slashes {
            self.bonds[n as usize].0 -= a.0;
        }
        let epoch = self.epoch.0;
        for e in &s.executers {
            // The premium's cover dates from the answer: it insures against later reports.
            let slot = call.executers.iter().position(|&n| n == e.node);
            let after = slot.and_then(|k| call.reports_before.get(k)).copied().unwrap_or(0);
            self.extra.insurance.buy(e.node, e.cover, epoch, after);
        }
        for (slot, &n) in call.executers.iter().enumerate() {
            // A response the settlement counted as none (its executer quarantined since) ran
            // nothing that insurance could cover. A run is dated by its response, not by the
            // settlement: the executer ran the programs then.
            if call.responses[slot].is_some() && !self.book.nodes()[n as usize].quarantined {
                let at = call.responded.get(slot).copied().filter(|&e| e <= epoch).unwrap_or(epoch);
                let (ran, reported) = (&mut self.extra.ran[n as usize], &self.extra.reported);
                // WEIGHTED: slot s runs program s mod |PROGRAM_SET| alone; the other rules run
                // every program of the call on every slot.
                let programs = &call.spec.programs;
                let ran_here = match (call.spec.rule, programs.len()) {
                    (Rule::Weighted, len) if len > 0 => &programs[slot % len..slot % len + 1],
                    _ => &programs[..],
                };
                for &p in ran_here {
                    match ran.iter_mut().find(|r| r.0 == p) {
                        // A run that exposed the node to the program's reported vulnerability
                        // is kept: a later run must not take the node's claim away.
                        // Else the latest run, or this one when it is exposed now.
                        Some(r) if !exposed(reported, p, r.1) => {
                            r.1 = if exposed(reported, p, at) { at } else { r.1.max(at) };
                        }
                        Some(_) => {}
                        None => ran.push((p, at)),
                    }
                }
            }
        }
        Ok(())
    }

    /// The replay form of a settlement.
    pub(super) fn settled_report(&self, call: &str, s: &Settlement) -> SettledReport {
        let name = |n: NodeId| self.names[n as usize].clone();
        let paid = |v: &[(NodeId, Amount)]| -> Vec<Paid> {
            v.iter().map(|&(n, a)| Paid { node: name(n), amount: self.fmt(a) }).collect()
        };
        let executers = s
            .executers
            .iter()
            .map(|e| {
                serde_json::json!({"node": name(e.node), "gross": self.fmt(e.gross),
                    "premium": self.fmt(e.split.premium), "cover": self.fmt(e.cover),
                    "verifiers": paid(&e.split.verifiers), "verifier_dust": self.fmt(e.split.verifier_dust),
                    "routers": self.fmt(e.split.routers), "net": self.fmt(e.split.executer)})
            })
            .collect();
        SettledReport {
            call: call.into(),
            success: s.value.is_some(),
            value: s.value,
            providers: paid(&s.providers),
            executers,
            slashes: paid(&s.slashes),
            refund: self.fmt(s.refund),
            fee: self.fmt(s.fee),
            dust: self.fmt(s.dust),
            bounty: self.fmt(s.insurance.0),
            compensation: self.fmt(s.insurance.1),
        }
    }

    /// Settles every open call whose deadline is at or before the clock (the epoch's close);
    /// each call's id and settlement, ascending ids.
    pub(super) fn settle_due(&mut self) -> Result<Vec<(u32, Settlement)>, TriasError> {
        let now = self.book.now();
        let calls = &self.extra.calls;
        let due: Vec<u32> = (self.extra.open.iter().copied())
            .filter(|&id| calls[id as usize].spec.deadline <= now)
            .collect();
        let mut out = Vec::with_capacity(due.len());
        for id in due {
            out.push((id, self.settle_due_one(id)?));
        }
        Ok(out)
    }

    fn settle_due_one(&mut self, id: u32) -> Result<Settlement, TriasError> {
        let call = self.extra.calls[id as usize].clone();
        self.extra.attesters.merge();
        let s = self.settlement(&call)?;
        self.pay_settlement(&call, &s)
            .map_err(|e| TriasError::Core(ergon_core::Error::Overflow { op: e }))?;
        self.extra.calls[id as usize].open = false;
        if let Ok(at) = self.extra.open.binary_search(&id) {
            self.extra.open.remove(at);
        }
        Ok(s)
    }
}
