//! The Trias agents' behaviour (docs/economies/trias.md, "Simulation"): the genesis of a run
//! and each epoch's actions, in a fixed order inside the epoch's last `K` steps, so every
//! edge of the epoch is in its snapshot:
//!
//! 1. faults: each honest non-seed node is compromised with probability `fail_rate`;
//! 2. step `end − 24`: every verifier, ascending, attests its assigned targets (drawn from the
//!    beacon stream, distinct, active, not itself) and then its fixed peers; the bought honest
//!    verifiers attest their ring member;
//! 3. step `end − 21`: routers deliver fresh records and answer queries; developers open
//!    calls (deadline `end − 12`) and the scheduled executers answer them (`exec.rs`);
//! 4. step `end − 12`: honest FAIL_EVIDENCE on compromised targets (the first quarantines),
//!    then fraud proofs against the false PASSes on them, each with probability `proof_rate`;
//!    then the analysts' submissions and the claims after a first report (`exec.rs`);
//! 5. the epoch closes (the calls settle); each paid node bonds `bond_bps` of its reward and
//!    each agreeing executer of its net gas.
//!
//! Every change goes through the economy's typed operations, mirrored to the comparison
//! economy (bonds excepted).

use ergon_core::amount::Qty;
use ergon_core::economy::Rejection;
use ergon_core::invariants::Violation;
use ergon_core::{Amount, Coded, Economy, StreamRng};

use super::config::{Agents, Config};
use super::exec::{EXECUTER_STACK, Exec};
use super::{Class, Flows, Latest, NONE, TriasModel};
use crate::attest::{Attestation, NodeId, Outcome, Recorded, Tee};
use crate::error::TriasError;
use crate::state::{EpochOutcome, Genesis};
use crate::{Profile, Trias};

/// Steps before the epoch's end of the attestations, the receipts and the failures.
const AT_ATTEST: u64 = 24;
const AT_ROUTE: u64 = 21;
const AT_FAIL: u64 = 12;

fn bad(path: &str, e: impl std::fmt::Display) -> Rejection {
    Rejection { code: "E_SCENARIO", message: format!("{path}: {e}") }
}

/// A probability as a threshold on a uniform `u64`.
fn threshold(p: f64) -> u64 {
    if p >= 1.0 { u64::MAX } else { (p * 18_446_744_073_709_551_616.0) as u64 }
}

fn genesis(c: &Config, profile: Profile) -> Result<Genesis, Rejection> {
    let q = |path, t: &str| Qty::parse(t).map_err(|e| bad(path, e));
    Ok(Genesis {
        profile,
        symbol: "TRY".into(),
        decimals: 18,
        cap: q("economy.cap", &c.cap)?,
        epoch_reward: q("economy.epoch_reward", &c.epoch_reward)?,
        halving_epochs: c.halving_epochs,
        bootstrap_epochs: c.bootstrap_epochs,
        steps_per_epoch: 360,
        window: 32,
        beacon: ergon_core::rng::Seed::default(),
        bounty_cap: None,
        claim_expiry: crate::insurance::default_expiry(),
    })
}

/// Draws `k` distinct members of `pool` (ascending, without repeats) other than `me` into
/// `out` (all of them when fewer).
fn draw_distinct(rng: &mut StreamRng, pool: &[NodeId], me: NodeId, k: u64, out: &mut Vec<NodeId>) {
    let others = (pool.len() - usize::from(pool.binary_search(&me).is_ok())) as u64;
    let k = k.min(others) as usize;
    let start = out.len();
    while out.len() - start < k {
        let x = pool[rng.below(pool.len() as u64) as usize];
        if x != me && !out[start..].contains(&x) {
            out.push(x);
        }
    }
}

/// Builds the run: nodes registered in class order (seeds, honest verifiers, faulty
/// verifiers, routers, executers, the ring), TEE families drawn uniformly (the ring's all
/// SGX), then each verifier's peers, the bought edges and each router's receivers.
pub(super) fn build(c: &Config, a: &Agents, mut rng: StreamRng) -> Result<TriasModel, Rejection> {
    let mut econ = Trias::from_genesis(genesis(c, c.profile)?)?;
    let other = if c.profile == Profile::Spec { Profile::Compat } else { Profile::Spec };
    let mut shadow = if c.compare { Some(Trias::from_genesis(genesis(c, other)?)?) } else { None };
    // The model reads the gates and CB, never CB_het: one flow a candidate, not five.
    econ.set_cb_het(false);
    if let Some(s) = shadow.as_mut() {
        s.set_cb_het(false);
    }
    let v = &a.verifiers;
    let plan = [
        (Class::Seed, v.seeds),
        (Class::Verifier, v.count - v.seeds),
        (Class::Faulty, v.faulty),
        (Class::Router, a.routers.count),
        (Class::Executer, a.executers.count),
        (Class::Sybil, a.sybil.count),
        (Class::Analyst, a.analysts.count),
    ];
    let (mut class, mut tee) = (Vec::new(), Vec::new());
    for (k, n) in plan {
        for _ in 0..n {
            let t = if k == Class::Sybil { Tee::Sgx } else { Tee::ALL[rng.below(4) as usize] };
            let id = class.len();
            let name = format!("n{id}");
            let seed = k == Class::Seed;
            let ok = |e: TriasError| Rejection { code: e.code(), message: e.to_string() };
            econ.add_node(&name, t, seed).map_err(ok)?;
            if let Some(s) = shadow.as_mut() {
                s.add_node(&name, t, seed).map_err(ok)?;
            }
            class.push(k);
            tee.push(t);
        }
    }
    let n = class.len();
    let ids = |f: &dyn Fn(Class) -> bool| -> Vec<NodeId> {
        (0..n as NodeId).filter(|&i| f(class[i as usize])).collect()
    };
    let honest = ids(&|k| !matches!(k, Class::Faulty | Class::Sybil | Class::Analyst));
    let ring = ids(&|k| k == Class::Sybil);
    let verifiers =
        ids(&|k| matches!(k, Class::Seed | Class::Verifier | Class::Faulty | Class::Sybil));
    let (mut peer_start, mut peers) = (vec![0u32], Vec::new());
    for &x in &verifiers {
        if class[x as usize] == Class::Sybil {
            peers.extend(ring.iter().filter(|&&y| y != x));
        } else {
            draw_distinct(&mut rng, &honest, x, v.neighbours, &mut peers);
        }
        peer_start.push(peers.len() as u32);
    }
    let plain = ids(&|k| k == Class::Verifier);
    let mut buyers = Vec::new();
    draw_distinct(&mut rng, &plain, NONE, a.sybil.attack_edges, &mut buyers);
    let bought = buyers.iter().enumerate().map(|(k, &b)| (b, ring[k % ring.len()])).collect();
    let mut routers = ids(&|k| k == Class::Router);
    let (mut receiver_start, mut receivers) = (vec![0u32], Vec::new());
    for &r in &routers {
        draw_distinct(&mut rng, &honest, r, a.routers.receivers, &mut receivers);
        receiver_start.push(receivers.len() as u32);
    }
    if a.sybil.router && ring.len() > 1 {
        routers.push(ring[0]);
        receivers.extend(&ring[1..]);
        receiver_start.push(receivers.len() as u32);
    }
    let exec = Exec::new(
        a,
        &ids(&|k| matches!(k, Class::Seed | Class::Verifier)),
        ids(&|k| k == Class::Analyst),
        threshold,
    )?;
    if exec.has_developers() {
        for e in ids(&|k| k == Class::Executer) {
            let ok = |e: TriasError| Rejection { code: e.code(), message: e.to_string() };
            econ.declare(e, EXECUTER_STACK, 0).map_err(ok)?;
        }
    }
    Ok(TriasModel {
        econ,
        shadow,
        agents: a.clone(),
        fail_threshold: threshold(a.faults.fail_rate),
        proof_threshold: threshold(a.faults.proof_rate),
        failing: vec![false; n],
        quarantined: vec![false; n],
        challenger: vec![NONE; n],
        class,
        tee,
        verifiers,
        peer_start,
        peers,
        bought,
        routers,
        receiver_start,
        receivers,
        targets: Vec::new(),
        beacon: Vec::new(),
        records: Vec::new(),
        ring_records: Vec::new(),
        deliveries: Vec::new(),
        fails: Vec::new(),
        false_passes: Vec::new(),
        latest: Latest::default(),
        flows: Flows::default(),
        earned: vec![0; n],
        exec,
        epochs: 0,
        rng,
    })
}

impl TriasModel {
    /// `f` on the economy, then (when it succeeded) on the comparison economy.
    fn both<T>(
        &mut self,
        f: impl Fn(&mut Trias) -> Result<T, TriasError>,
    ) -> Result<T, TriasError> {
        let r = f(&mut self.econ)?;
        if let Some(s) = self.shadow.as_mut() {
            f(s)?;
        }
        Ok(r)
    }

    pub(super) fn chance(&mut self, threshold: u64) -> bool {
        threshold > 0 && self.rng.next_u64() < threshold
    }

    /// `v` attests `t` at `step` by its class's behaviour (or with `forced`).
    fn attest_one(&mut self, v: NodeId, t: NodeId, assigned: bool, step: u64, forced: bool) {
        let (cv, ct) = (self.class[v as usize], self.class[t as usize]);
        let outcome = if forced || matches!(cv, Class::Faulty | Class::Sybil) {
            if self.failing[t as usize] {
                self.false_passes.push((v, t));
                self.flows.false_passes += 1;
            }
            Outcome::Pass
        } else if ct == Class::Sybil {
            Outcome::NoResponse
        } else if self.failing[t as usize] {
            self.fails.push((v, t, assigned));
            return;
        } else {
            Outcome::Pass
        };
        let a = Attestation { attester: v, attestee: t, step, outcome, tee: self.tee[t as usize] };
        match self.both(|e| e.record(&a, assigned)) {
            Ok(Recorded::Pass { .. }) => {
                self.flows.attestations += 1;
                if cv == Class::Sybil && ct == Class::Sybil {
                    self.ring_records.push((v, t));
                } else {
                    self.records.push((v, t));
                }
            }
            Ok(_) => self.flows.attestations += 1,
            Err(_) => self.flows.refused += 1,
        }
    }

    /// One epoch (module doc): the agents act, then the economy closes it.
    pub(super) fn epoch(&mut self) -> Result<(), Violation> {
        self.act();
        self.close()
    }

    /// The agents' actions of the next epoch (steps 1–4 of the module doc), without closing it.
    pub fn act(&mut self) {
        let s = self.econ.steps_per_epoch();
        let end = (self.epochs + 1) * s - 1;
        let n = self.class.len();
        for j in 0..n {
            let k = self.class[j];
            let exposed = matches!(k, Class::Verifier | Class::Router | Class::Executer);
            if exposed && !self.quarantined[j] && !self.failing[j] {
                let hit = self.chance(self.fail_threshold);
                self.failing[j] = hit;
            }
        }
        self.records.clear();
        self.ring_records.clear();
        self.fails.clear();
        self.false_passes.clear();
        let step = end - AT_ATTEST;
        for x in 0..self.verifiers.len() {
            let v = self.verifiers[x];
            if self.quarantined[v as usize] {
                continue;
            }
            // The epoch beacon's targets (the engine refuses an assigned record off them), the
            // first `assigned` of them that are not quarantined.
            self.targets.clear();
            let want = (self.agents.verifiers.assigned as usize).min(n - 1);
            self.econ.beacon_targets_into(v, &mut self.beacon);
            for &t in &self.beacon {
                if self.targets.len() < want && !self.quarantined[t as usize] {
                    self.targets.push(t);
                }
            }
            for k in 0..self.targets.len() {
                self.attest_one(v, self.targets[k], true, step, false);
            }
            for p in self.peer_start[x] as usize..self.peer_start[x + 1] as usize {
                let t = self.peers[p];
                if !self.quarantined[t as usize] && !self.targets.contains(&t) {
                    self.attest_one(v, t, false, step, false);
                }
            }
        }
        for k in 0..self.bought.len() {
            let (b, y) = self.bought[k];
            if !self.quarantined[b as usize] && !self.quarantined[y as usize] {
                self.attest_one(b, y, false, step, true);
            }
        }
        self.route(end - AT_ATTEST, end - AT_ROUTE);
        self.calls(end - AT_FAIL);
        self.fail_and_prove(end - AT_FAIL);
        self.analyse_and_claim();
    }

    /// Closes the epoch the agents acted in (step 5 of the module doc).
    pub fn close(&mut self) -> Result<(), Violation> {
        let o = self.econ.close_epoch()?;
        let shadow = match self.shadow.as_mut() {
            Some(s) => Some(s.close_epoch()?),
            None => None,
        };
        self.tally(&o, shadow.as_ref());
        self.tally_exec(&o.extra);
        self.bond(&o);
        self.bond_gas(&o.extra);
        self.epochs += 1;
        Ok(())
    }

    /// Routers deliver this epoch's records (made at `record_step`) at `step`.
    ///
    /// Every receipt of the step is drawn first (router by router, receiver by receiver, as
    /// the stream gives them) and then signed in the records' order: each check reads the
    /// record's pair, and in that order the pairs are read as they lie in memory instead of
    /// at random. Nothing observable depends on the order of one step's receipts (each is
    /// checked against the records alone, a duplicate is refused whichever comes first, the
    /// counts are sums), so the results are those of signing them as drawn.
    fn route(&mut self, record_step: u64, step: u64) {
        let (per, queries) = (self.agents.routers.receipts, self.agents.routers.queries);
        self.deliveries.clear();
        for x in 0..self.routers.len() {
            let r = self.routers[x];
            let ring = self.class[r as usize] == Class::Sybil;
            let len = if ring { self.ring_records.len() } else { self.records.len() };
            if self.quarantined[r as usize] || len == 0 {
                continue;
            }
            for q in self.receiver_start[x] as usize..self.receiver_start[x + 1] as usize {
                let k = self.receivers[q];
                if self.quarantined[k as usize] {
                    continue;
                }
                for _ in 0..per {
                    let i = self.rng.below(len as u64) as usize;
                    let (a, b) = if ring { self.ring_records[i] } else { self.records[i] };
                    self.deliveries.push((a, b, r, k));
                }
                for _ in 0..queries {
                    if self.both(|e| e.answer_ids(r, k)).is_ok() {
                        self.flows.receipts += 5;
                    } else {
                        self.flows.refused += 1;
                    }
                }
            }
        }
        radsort::sort_by_key(&mut self.deliveries, |d| (d.0, d.1));
        for x in 0..self.deliveries.len() {
            let (a, b, r, k) = self.deliveries[x];
            match self.both(|e| e.receipt_ids(r, k, (a, b, record_step), step)) {
                Ok(_) => self.flows.receipts += 1,
                Err(_) => self.flows.refused += 1,
            }
        }
    }

    /// Honest FAIL_EVIDENCE at `step`, then the fraud proofs.
    fn fail_and_prove(&mut self, step: u64) {
        for x in 0..self.fails.len() {
            let (v, t, assigned) = self.fails[x];
            if self.quarantined[t as usize] || self.quarantined[v as usize] {
                continue;
            }
            let tee = self.tee[t as usize];
            let outcome = Outcome::FailEvidence;
            let a = Attestation { attester: v, attestee: t, step, outcome, tee };
            let bond = self.econ.bond_of(t).0;
            match self.both(|e| e.record(&a, assigned)) {
                Ok(_) => {
                    // The record quarantined `t`: its whole bond went to insurance.
                    self.flows.quarantine_slashes += bond;
                    self.quarantined[t as usize] = true;
                    self.failing[t as usize] = false;
                    self.challenger[t as usize] = v;
                    self.flows.quarantines += 1;
                    self.flows.attestations += 1; // a record accepted, as a PASS is
                }
                Err(_) => self.flows.refused += 1,
            }
        }
        for x in 0..self.false_passes.len() {
            let (f, t) = self.false_passes[x];
            let c = self.challenger[t as usize];
            if !self.quarantined[t as usize] || self.quarantined[f as usize] || c == NONE {
                continue;
            }
            if !self.chance(self.proof_threshold) {
                continue;
            }
            match self.both(|e| e.fraud_ids(c, f, t)) {
                Ok(out) => {
                    self.flows.fraud_proofs += 1;
                    self.flows.forfeited += out.bond.0;
                }
                Err(_) => self.flows.refused += 1,
            }
        }
    }

    /// Adds an epoch's outcomes to the flows and the latest figures.
    fn tally(&mut self, o: &EpochOutcome, shadow: Option<&EpochOutcome>) {
        self.flows.emitted += o.emitted.0;
        for p in &o.verifiers {
            self.flows.verifiers[self.class[p.node as usize].tally()] += p.amount.0;
            self.earned[p.node as usize] += p.amount.0;
        }
        for p in &o.routers {
            self.flows.routers[self.class[p.node as usize].tally()] += p.amount.0;
            self.earned[p.node as usize] += p.amount.0;
        }
        let main = usize::from(self.econ.profile() == Profile::Compat);
        for (rule, out) in [(main, Some(o)), (1 - main, shadow)] {
            let Some(out) = out else { continue };
            for p in out.verifiers.iter().chain(&out.routers) {
                self.flows.by_rule[rule][0] += p.amount.0;
                if self.class[p.node as usize] == Class::Sybil {
                    self.flows.by_rule[rule][1] += p.amount.0;
                }
            }
        }
        let l = &mut self.latest;
        l.trust.clear();
        l.sybil_trust = [f64::NAN; 2];
        let spec = if main == 0 { Some(o) } else { shadow };
        if let Some(t) = spec.and_then(|x| x.snapshot.as_ref()) {
            let mut ring = 0.0;
            for (j, &x) in t.trust.trust.iter().enumerate() {
                if !self.quarantined[j] {
                    l.trust.push(x);
                }
                if self.class[j] == Class::Sybil {
                    ring += x;
                }
            }
            l.sybil_trust[0] = ring;
        }
        let compat = if main == 1 { Some(o) } else { shadow };
        if let Some(c) = compat.and_then(|x| x.compat.as_ref()) {
            let ring = (0..self.class.len())
                .filter(|&j| self.class[j] == Class::Sybil)
                .fold(0.0, |s, j| s + c.trust[j]);
            l.sybil_trust[1] = ring;
        }
        let (mut sum, mut cnt) = ([0u64; 2], [0u64; 2]);
        for (j, &g) in o.gates.iter().enumerate() {
            let k = match self.class[j] {
                Class::Seed | Class::Verifier if !self.quarantined[j] => 0,
                Class::Sybil => 1,
                _ => continue,
            };
            sum[k] += g;
            cnt[k] += 1;
        }
        for k in 0..2 {
            l.gate_mean[k] =
                if cnt[k] == 0 { f64::NAN } else { sum[k] as f64 / cnt[k] as f64 / 1e6 };
        }
    }

    /// Each paid node bonds `bond_bps` of its reward (the token-moving economy only).
    fn bond(&mut self, o: &EpochOutcome) {
        let bps = u128::from(self.agents.verifiers.bond_bps);
        for p in o.verifiers.iter().chain(&o.routers) {
            let x = p.amount.0 * bps / 10_000;
            if x > 0 && self.econ.bond_ids(p.node, Amount(x)).is_err() {
                self.flows.refused += 1;
            }
        }
    }
}
