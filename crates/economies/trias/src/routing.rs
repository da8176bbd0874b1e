//! Routing as mining (spec trias.md, "Routing as mining"; seed: routers "collect the
//! verification data from the verifiers and disseminate it to other peers … they should also
//! get rewarded with routing as mining").
//!
//! A receiver signs a receipt for the first fresh copy of a valid record it gets from a router:
//! the record must have been the pair's latest at the copy's own step (no later record of the
//! pair dated at or before it), at most [`FRESH_STEPS`] (6) steps old when received, and the
//! receiver must not have receipted that record before (from any router). The book keeps each
//! pair's latest record only, so the receipts keep the records superseded while still within
//! a fresh copy's reach, with the step of the record that superseded each: a receipt's
//! validity depends on the steps it and the records carry, not on the order the lines come in,
//! save three cases, as a receipt counted is never uncounted (docs/economies/trias.md): a line
//! dated at or before a counted receipt's step read after it, a receipt read before its
//! record's line, and which of two copies to one receiver comes first.
//! An answered property query counts [`QUERY_RECEIPTS`] (5) receipts. At the epoch's end each
//! (router, receiver) pair counts at most [`PAIR_CAP`] (50), and a router's weight is
//! `gate(router) × Σ_k min(receipts_k, 50) × gate(k)`; the routers' pool is `split(Pool_R,
//! weight)`, its dust carried.

use serde::{Deserialize, Serialize};

use crate::attest::NodeId;
use crate::fastmap::{NodeMap, NodeSet, sorted_keys};

/// A copy older than this many steps earns no receipt.
pub const FRESH_STEPS: u64 = 6;
/// Receipts an answered property query counts.
pub const QUERY_RECEIPTS: u32 = 5;
/// Receipts counted per (router, receiver) per epoch.
pub const PAIR_CAP: u32 = 50;

/// One epoch's receipts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipts {
    /// Records each receiver has receipted: (receiver, attester, attestee, record step).
    #[serde(with = "crate::fastmap::sorted_set")]
    seen: NodeSet<(NodeId, NodeId, NodeId, u64)>,
    /// Receipts by (router, receiver), uncapped.
    #[serde(with = "crate::fastmap::sorted_map")]
    counts: NodeMap<(NodeId, NodeId), u32>,
    /// Records superseded that a fresh copy received this epoch could still carry:
    /// (attester, attestee, record step) → the step of the record that superseded it.
    #[serde(with = "crate::fastmap::sorted_map")]
    superseded: NodeMap<(NodeId, NodeId, u64), u64>,
}

impl Receipts {
    /// Counts a receipt unless `receiver` already receipted this record; true when counted.
    pub fn receipt(
        &mut self,
        router: NodeId,
        receiver: NodeId,
        record: (NodeId, NodeId, u64),
    ) -> bool {
        if !self.seen.insert((receiver, record.0, record.1, record.2)) {
            return false;
        }
        let c = self.counts.entry((router, receiver)).or_default();
        *c = c.saturating_add(1);
        true
    }

    /// Notes that the pair's record of step `step` was superseded by its record of step `by`.
    pub fn supersede(&mut self, attester: NodeId, attestee: NodeId, step: u64, by: u64) {
        self.superseded.insert((attester, attestee, step), by);
    }

    /// The step of the record that superseded the pair's record of step `step`, when that
    /// record is one the receipts keep (see [`Receipts::supersede`]).
    #[must_use]
    pub fn superseded_by(&self, attester: NodeId, attestee: NodeId, step: u64) -> Option<u64> {
        self.superseded.get(&(attester, attestee, step)).copied()
    }

    /// Counts an answered property query.
    pub fn answer(&mut self, router: NodeId, receiver: NodeId) {
        let c = self.counts.entry((router, receiver)).or_default();
        *c = c.saturating_add(QUERY_RECEIPTS);
    }

    /// Every router and receiver with receipts this epoch (with repeats), by `(router,
    /// receiver)` ascending.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        sorted_keys(&self.counts).into_iter().flat_map(|(r, k)| [r, k])
    }

    /// The receipts of `(router, receiver)` this epoch, uncapped.
    #[must_use]
    pub fn count(&self, router: NodeId, receiver: NodeId) -> u32 {
        self.counts.get(&(router, receiver)).copied().unwrap_or(0)
    }

    /// Each router's `(receipts counted, weight)` under `gates`, routers ascending.
    #[must_use]
    pub fn weights(&self, gates: &[u64]) -> Vec<(NodeId, u64, u128)> {
        let mut out: Vec<(NodeId, u64, u128)> = Vec::new();
        for (router, receiver) in sorted_keys(&self.counts) {
            let c = self.counts[&(router, receiver)];
            let capped = c.min(PAIR_CAP);
            let w = u128::from(capped) * u128::from(gates[receiver as usize]);
            match out.last_mut() {
                Some(last) if last.0 == router => {
                    last.1 += u64::from(capped);
                    last.2 += w;
                }
                _ => out.push((router, u64::from(capped), w)),
            }
        }
        for r in &mut out {
            r.2 *= u128::from(gates[r.0 as usize]);
        }
        out
    }

    /// Forgets the epoch's receipts, and the records receipted that no copy can carry any
    /// more from step `next` (the next epoch's first) on: a record of the epoch's last
    /// [`FRESH_STEPS`] steps is still fresh then, and its receiver receipts only its first copy.
    /// The superseded records go: each was superseded by a record of this epoch, before
    /// `next`, so no copy received from `next` on finds it the latest.
    pub fn roll(&mut self, next: u64) {
        self.seen.retain(|&(_, _, _, step)| step.saturating_add(FRESH_STEPS) >= next);
        self.superseded.clear();
        self.counts.clear();
    }
}
