//! The typed face of [`Trias`]: every operation by node index with typed results, the one path
//! both replay (which resolves names, then calls these) and the simulation model take (spec
//! trias.md, "Attestations and direct trust", "Verification as mining", "Routing as mining").
//! Nothing here formats or builds JSON; [`Trias::close_epoch`] is the epoch, and
//! `Economy::end_epoch` only renders its [`EpochOutcome`].

use std::collections::BTreeMap;

use ergon_core::invariants::Violation;
use ergon_core::ledger::Holder;
use ergon_core::{Amount, Epoch};

use super::calls::Settlement;
use super::{Event, LastSplit, Profile, Trias, UPHELD_CREDIT};
use crate::attest::{Attestation, NodeId, Recorded, Tee};
use crate::error::TriasError;
use crate::gate::{GATE_SCALE, Snapshot, compat, relative_ppm, snapshot};
use crate::mining::{Pools, emission, gated_split, pair_credit, pool_split};
use crate::routing::FRESH_STEPS;
use crate::trust::{TrustGraph, TrustVector};

/// One node's share of a split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paid {
    /// The node.
    pub node: NodeId,
    /// Its credit (verifiers) or capped receipts (routers).
    pub base: u64,
    /// Its weight in the split.
    pub weight: u128,
    /// What it was paid.
    pub amount: Amount,
}

/// What one epoch did (see [`Trias::close_epoch`]).
#[derive(Clone, Debug, PartialEq)]
pub struct EpochOutcome {
    /// The epoch closed.
    pub epoch: Epoch,
    /// `E_e` minted.
    pub emitted: Amount,
    /// Its split into the pools.
    pub pools: Pools,
    /// The snapshot (None without an active seed: nobody is trusted).
    pub snapshot: Option<Snapshot>,
    /// The compatibility PageRank (profile `compat` only).
    pub compat: Option<TrustVector>,
    /// The gate each node's rewards used (by the profile's rule).
    pub gates: Vec<u64>,
    /// The verifiers' pool with its carry, split.
    pub verifier_pool: Amount,
    /// The verifiers paid, ascending.
    pub verifiers: Vec<Paid>,
    /// What the verifiers' split carries to the next epoch.
    pub verifier_carry: Amount,
    /// The routers' pool with its carry, split.
    pub router_pool: Amount,
    /// The routers paid, ascending.
    pub routers: Vec<Paid>,
    /// What the routers' split carries.
    pub router_carry: Amount,
    /// The calls settled at the close, the Prometh payouts and the insurance claims.
    pub extra: CloseExtra,
}

/// The executers' part of an epoch's close, typed (replay renders it; the model counts it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloseExtra {
    /// The calls whose deadline had come, settled before the snapshot: (call id, settlement),
    /// ascending ids.
    pub calls: Vec<(u32, Settlement)>,
    /// The Prometh split: (analyst, points, amount), ascending analysts (empty without points).
    pub prometh: Vec<(NodeId, u64, Amount)>,
    /// The Prometh pool split (this epoch's share with the carry).
    pub prometh_pool: Amount,
    /// What the Prometh split carries.
    pub prometh_carry: Amount,
    /// The claims payment (`None` when nothing was queued and nothing expired).
    pub claims: Option<ClaimsPaid>,
}

/// One close's claims payment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimsPaid {
    /// The budget: half the compensation reserve.
    pub budget: Amount,
    /// Each queued claim's payment, in queue order.
    pub paid: Vec<(NodeId, Amount)>,
    /// Still queued after the payment.
    pub queued: Amount,
    /// Owed by the claims that expired at this close.
    pub expired: Amount,
}

/// What a fraud proof moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FraudOutcome {
    /// The attester's credits forfeited this epoch.
    pub credits: u64,
    /// Its bond forfeited.
    pub bond: Amount,
    /// `⌊bond/2⌋` to the challenger.
    pub to_challenger: Amount,
    /// The rest's part in the bounty reserve.
    pub bounty: Amount,
    /// The rest's part in the compensation reserve.
    pub compensation: Amount,
}

/// The balances outside the nodes' accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reserves {
    /// Verifiers', routers' and Prometh pools (with their carries).
    pub pools: [Amount; 3],
    /// The `calls` escrow: the open calls' prices.
    pub escrow: Amount,
    /// Bonds held.
    pub bonds: Amount,
    /// Insurance: bounty reserve.
    pub bounty: Amount,
    /// Insurance: compensation reserve.
    pub compensation: Amount,
}

impl Trias {
    /// Registers node `name` (unique) with its TEE family; `seed` makes it pre-trusted.
    pub fn add_node(&mut self, name: &str, tee: Tee, seed: bool) -> Result<NodeId, TriasError> {
        match self.register(name, tee, seed)? {
            Event::NodeRegistered { index, .. } => Ok(index),
            _ => unreachable!("register reports the registration"),
        }
    }

    /// Records an attestation; `assigned` when its target came from the epoch beacon. A
    /// FAIL_EVIDENCE quarantines the attestee and slashes its bond.
    pub fn record(&mut self, a: &Attestation, assigned: bool) -> Result<Recorded, TriasError> {
        self.record_slashing(a, assigned).map(|r| r.0)
    }

    /// [`Trias::record`] with the slash's event, for replay.
    pub(super) fn record_slashing(
        &mut self,
        a: &Attestation,
        assigned: bool,
    ) -> Result<(Recorded, Option<Event>), TriasError> {
        let end = self.epoch_end();
        if a.step > end {
            return Err(TriasError::FutureStep { step: a.step, now: end });
        }
        // A record dated in a closed epoch is stale: its epoch's credits, cap and beacon
        // assignment were settled at that close.
        let start = self.epoch.0.saturating_mul(self.steps_per_epoch);
        if a.step < start {
            return Err(TriasError::ClosedEpoch { step: a.step, start });
        }
        if assigned && !self.is_target_cached(a.attester, a.attestee) {
            return Err(TriasError::NotAssigned { attester: a.attester, attestee: a.attestee });
        }
        let (done, previous) = self.book.record_advancing(a)?;
        if let Some(p) = previous
            && p.saturating_add(FRESH_STEPS) >= start
        {
            // A copy of the superseded record received this epoch may still be fresh.
            self.receipts.supersede(a.attester, a.attestee, p, a.step);
        }
        let first = previous.is_none();
        if assigned {
            // The epoch's targets stand from this first accepted draw on.
            self.fix_beacon_nodes();
        }
        if first {
            self.extra.attesters.note(a.attester, a.attestee);
        }
        let (c, _) = self.credits.entry_or(a.attester, a.attestee, Default::default);
        if assigned {
            c.0 += 1
        } else {
            c.1 += 1
        }
        let slashed = match done {
            Recorded::Quarantined { node } => {
                *self.upheld.entry(a.attester).or_default() += 1;
                self.slash(node)?
            }
            _ => None,
        };
        Ok((done, slashed))
    }

    /// `receiver` signs a receipt for `router`'s copy, received at `step`, of the record
    /// `(attester, attestee, record step)`; the pair's receipts this epoch (uncapped). Every
    /// node it names is judged at `step`: one quarantined by a record dated after it is not
    /// quarantined yet, whichever line comes first.
    pub fn receipt_ids(
        &mut self,
        router: NodeId,
        receiver: NodeId,
        record: (NodeId, NodeId, u64),
        step: u64,
    ) -> Result<u32, TriasError> {
        let (r, k) = (router, receiver);
        if r == k {
            return Err(TriasError::SelfReceipt { node: r });
        }
        let (i, j, record_step) = record;
        for n in [r, k, i, j] {
            self.book.node(n)?;
        }
        self.quarantined_by(&[r, k], step)?;
        let end = self.epoch_end();
        if step > end {
            return Err(TriasError::FutureStep { step, now: end });
        }
        // A copy received in a closed epoch was counted (or not) at that close.
        let start = self.epoch.0.saturating_mul(self.steps_per_epoch);
        if step < start {
            return Err(TriasError::ClosedEpoch { step, start });
        }
        // The record must have been the pair's latest at the copy's own step: the latest
        // now, or one superseded by a record dated after that step.
        let unknown = TriasError::UnknownRecord { attester: i, attestee: j, step: record_step };
        let latest = self.book.last_record(i, j) == Some(record_step);
        let superseded_by = self.receipts.superseded_by(i, j, record_step);
        if !latest && superseded_by.is_none() {
            return Err(unknown);
        }
        self.quarantined_by(&[i, j], step)?;
        if step < record_step || step - record_step > FRESH_STEPS {
            return Err(TriasError::StaleCopy { record_step, step });
        }
        if superseded_by.is_some_and(|by| by <= step) {
            return Err(unknown);
        }
        if !self.receipts.receipt(r, k, record) {
            return Err(TriasError::DuplicateReceipt { receiver: k });
        }
        self.book.advance_to(self.book.now().max(step))?;
        Ok(self.receipts.count(r, k))
    }

    /// The first of `nodes` quarantined at or before `step` ([`TriasError::QuarantinedAt`]).
    fn quarantined_by(&self, nodes: &[NodeId], step: u64) -> Result<(), TriasError> {
        for &node in nodes {
            if let Some(since) = self.book.quarantined_since(node)
                && since <= step
            {
                return Err(TriasError::QuarantinedAt { node, since, step });
            }
        }
        Ok(())
    }

    /// `router` answered a property query of `receiver`; the pair's receipts this epoch.
    pub fn answer_ids(&mut self, router: NodeId, receiver: NodeId) -> Result<u32, TriasError> {
        let (r, k) = self.route_ids(router, receiver)?;
        self.receipts.answer(r, k);
        Ok(self.receipts.count(r, k))
    }

    /// `node` bonds `amount` of its balance; its bond after it.
    pub fn bond_ids(&mut self, node: NodeId, amount: Amount) -> Result<Amount, TriasError> {
        self.bond_core(node, amount)
    }

    /// `challenger` proves `attester`'s standing PASS on the quarantined `attestee` false.
    pub fn fraud_ids(
        &mut self,
        challenger: NodeId,
        attester: NodeId,
        attestee: NodeId,
    ) -> Result<FraudOutcome, TriasError> {
        self.fraud_core(challenger, attester, attestee)
    }

    /// Both ends of a query answer: registered, distinct, neither quarantined (an answer
    /// carries no step: judged now).
    fn route_ids(&self, r: NodeId, k: NodeId) -> Result<(NodeId, NodeId), TriasError> {
        if r == k {
            return Err(TriasError::SelfReceipt { node: r });
        }
        for n in [r, k] {
            if self.book.node(n)?.quarantined {
                return Err(TriasError::Quarantined { node: n });
            }
        }
        Ok((r, k))
    }

    /// The attestation book (nodes, bitmaps, clock).
    #[must_use]
    pub fn book(&self) -> &crate::attest::AttestationBook {
        &self.book
    }

    /// Whether the snapshot computes `CB_het` (on by default; replay reports it). The gate
    /// reads `CB` alone, so a caller that reads no `CB_het` — the simulation model — turns it
    /// off: the same gates and `CB`, one flow a candidate instead of five.
    pub fn set_cb_het(&mut self, on: bool) {
        self.trust.cb_het = on;
    }

    /// The rule profile.
    #[must_use]
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The step the clock stands at.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.book.now()
    }

    /// Steps per epoch.
    #[must_use]
    pub fn steps_per_epoch(&self) -> u64 {
        self.steps_per_epoch
    }

    /// Nodes registered.
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.names.len()
    }

    /// Whether `node` is quarantined (false for an unknown node).
    #[must_use]
    pub fn is_quarantined(&self, node: NodeId) -> bool {
        self.book.node(node).is_ok_and(|s| s.quarantined)
    }

    /// `node`'s balance (zero for an unknown node).
    #[must_use]
    pub fn balance_of(&self, node: NodeId) -> Amount {
        let Some(&a) = self.accounts.get(node as usize) else { return Amount::ZERO };
        self.ledger.balance(self.token, Holder::Account(a)).unwrap_or_default()
    }

    /// `node`'s bond now (zero for an unknown node).
    #[must_use]
    pub fn bond_of(&self, node: NodeId) -> Amount {
        self.bonds.get(node as usize).copied().unwrap_or_default()
    }

    /// Everything emitted so far.
    #[must_use]
    pub fn emitted(&self) -> Amount {
        self.emitted
    }

    /// The pools, bonds and insurance reserves now.
    #[must_use]
    pub fn reserves(&self) -> Reserves {
        let b = |p| self.ledger.balance(self.token, Holder::Pool(p)).unwrap_or_default();
        Reserves {
            pools: self.pools.map(b),
            escrow: b(self.extra.escrow),
            bonds: b(self.reserves[0]),
            bounty: b(self.reserves[1]),
            compensation: b(self.reserves[2]),
        }
    }

    /// Splits `pool`'s balance by `weights` (ascending nodes) to their accounts.
    fn pay(
        &mut self,
        pool: Holder,
        weights: &[(NodeId, u64, u128)],
    ) -> Result<(Vec<Paid>, LastSplit), Violation> {
        let bug = |e: String| Violation::new("trias split", e);
        let t = self.token;
        let total = self.ledger.balance(t, pool).map_err(|e| bug(e.to_string()))?;
        let w: Vec<u128> = weights.iter().map(|x| x.2).collect();
        let (paid, carry) = gated_split(total, &w).map_err(|e| bug(e.to_string()))?;
        let mut out = Vec::with_capacity(paid.len());
        let mut sum = 0u128;
        for (&(node, base, weight), &amount) in weights.iter().zip(&paid) {
            let to = Holder::Account(self.accounts[node as usize]);
            self.ledger.transfer(t, pool, to, amount).map_err(|e| bug(e.to_string()))?;
            sum += amount.0;
            out.push(Paid { node, base, weight, amount });
        }
        Ok((out, LastSplit { pool: total, paid: Amount(sum), carry }))
    }

    /// Each node's gate at the epoch's end by the profile, the snapshot and, under `compat`,
    /// the PageRank; the snapshot's CB, relative trust and gates are kept for the calls' filters.
    fn gates(&mut self) -> (Vec<u64>, Option<Snapshot>, Option<TrustVector>) {
        let n = self.names.len();
        let Ok(g) = TrustGraph::new(self.book.nodes(), self.book.edges()) else {
            return (self.untrusted(), None, None); // no active seed: nobody is trusted
        };
        // The nodes with rewards at stake: verifiers, routers and their receivers, and the
        // executers a call can schedule — the nodes that declared a software stack or a data
        // set, or hold a bond (TOP ranks them by CB, SAMPLE draws them by gate).
        let x = &self.extra;
        let executers = (0..n).filter(|&j| {
            x.software.get(j).is_some_and(|&s| s != 0)
                || x.data.get(j).is_some_and(|&d| d != 0)
                || self.bonds.get(j).is_some_and(|b| !b.is_zero())
        });
        let candidates: Vec<NodeId> = self
            .credits
            .firsts()
            .chain(self.receipts.nodes())
            .chain(executers.map(|j| j as NodeId))
            .collect();
        let Ok(s) = snapshot(&g, &self.trust, &candidates) else {
            return (self.untrusted(), None, None);
        };
        let (gates, compat) = match self.profile {
            Profile::Spec => (s.gate.clone(), None),
            Profile::Compat => {
                let c = compat(&g, &self.trust);
                let gates = (0..n)
                    .map(|j| {
                        let r = relative_ppm(c.trust[j], g.active).min(GATE_SCALE);
                        if g.nodes[j].quarantined { 0 } else { r }
                    })
                    .collect();
                (gates, Some(c))
            }
        };
        let cb = s.cb.iter().map(|c| c.unwrap_or(0)).collect();
        self.extra.record_snapshot(cb, s.relative_ppm.clone(), gates.clone());
        (gates, Some(s), compat)
    }

    /// Closes the epoch: the clock to its last step, the snapshot, `E_e` minted (clamped to
    /// the cap) into the pools, the verifiers' pool split by `credit × gate` and the routers'
    /// by their weights, each split's remainder carried.
    pub fn close_epoch(&mut self) -> Result<EpochOutcome, Violation> {
        let bug = |e: ergon_core::Error| Violation::new("trias epoch", e.to_string());
        let to = self.epoch_end().max(self.book.now());
        self.book.advance_to(to).map_err(|e| Violation::new("trias clock", e.to_string()))?;
        let close = |e: TriasError| Violation::new("trias close", e.to_string());
        self.extra.attesters.merge();
        let calls = self.settle_due().map_err(close)?;
        let (gates, snapshot, compat) = self.gates();
        let t = self.token;
        let e = emission(&self.emission, self.epoch.0, self.emitted);
        let e = e.min(self.ledger.reserve(t).map_err(bug)?);
        let pools = pool_split(e, self.epoch.0, self.emission.bootstrap_epochs);
        let [pv, pr, pp] = self.pools.map(Holder::Pool);
        let v_in = pools.verifiers.checked_add(pools.dust).map_err(bug)?;
        self.ledger.mint(t, pv, v_in).map_err(bug)?;
        self.ledger.mint(t, pr, pools.routers).map_err(bug)?;
        self.ledger.mint(t, pp, pools.prometh).map_err(bug)?;
        self.emitted = self.emitted.checked_add(e).map_err(bug)?;
        // Credits by verifier, ascending (the rows walk by attester): min(4, 2·assigned + free)
        // per pair, + upheld.
        let mut credit: Vec<(NodeId, u64)> = self
            .credits
            .rows()
            .map(|(i, _, pairs)| (i, pairs.iter().map(|&(a, f)| pair_credit(a, f)).sum()))
            .collect();
        if !self.upheld.is_empty() {
            let mut all: BTreeMap<NodeId, u64> = credit.into_iter().collect();
            for (&i, &u) in &self.upheld {
                *all.entry(i).or_default() += UPHELD_CREDIT * u;
            }
            credit = all.into_iter().collect();
        }
        // A verifier proven fraudulent this epoch forfeits every credit of it, those it earned
        // after the proof too (the proof took the ones before).
        if !self.forfeited.is_empty() {
            credit.retain(|(i, _)| !self.forfeited.contains(i));
        }
        let verifiers: Vec<(NodeId, u64, u128)> = credit
            .into_iter()
            .map(|(i, c)| (i, c, u128::from(c) * u128::from(gates[i as usize])))
            .collect();
        let (verifiers, lv) = self.pay(pv, &verifiers)?;
        let routers = self.receipts.weights(&gates);
        let (routers, lr) = self.pay(pr, &routers)?;
        self.last = [lv, lr];
        self.credits.clear();
        self.upheld.clear();
        self.forfeited.clear();
        self.receipts.roll(self.epoch_end().saturating_add(1));
        let extra = self.close_extra(calls).map_err(close)?;
        let epoch = self.epoch;
        self.epoch = self.epoch.plus(1);
        Ok(EpochOutcome {
            epoch,
            emitted: e,
            pools,
            snapshot,
            compat,
            gates,
            verifier_pool: lv.pool,
            verifiers,
            verifier_carry: lv.carry,
            router_pool: lr.pool,
            routers,
            router_carry: lr.carry,
            extra,
        })
    }
}
