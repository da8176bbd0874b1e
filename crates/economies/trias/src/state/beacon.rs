//! The epoch beacon's targets (spec trias.md, "Verification as mining": "Each verifier gets
//! a = 8 random targets per epoch from the epoch beacon").
//!
//! Epoch `e`'s targets of verifier `v` come from the stream at path `[e, TASKS, v]` under the
//! genesis `beacon` seed; with at most 8 other nodes among the `n`, every other node is a target;
//! otherwise 8 distinct draws `below(n)` skipping `v` and repeats, listed ascending (a verifier
//! registered after `n` was fixed has all `n` as others: at `n = 9` it draws 8 of them). An
//! `assigned` record must name one of them. `n` is the number of nodes registered when the
//! epoch's first assigned record is accepted or its targets are asked for (kept in the state;
//! before that, the nodes registered now): a node registered later
//! in the epoch is nobody's target and changes nobody's targets until the next epoch, so a
//! verifier gets its 8 targets an epoch and cannot draw again by registering nodes.
//!
//! [`BeaconCache`] keeps, for the epoch and the node count it was filled at, the seed at
//! `[e, TASKS]` (a derivation is a chain, so the stream at `[e, TASKS, v]` is the one at `[v]`
//! under it) and each verifier's targets once drawn: the first assigned record of a verifier
//! draws them, its others look them up. A different epoch or node count starts it afresh, so
//! every answer is the one drawn from scratch.

use ergon_core::rng::{RngStreams, Seed, purpose};

use super::Trias;
use crate::attest::NodeId;

/// Beacon targets per verifier per epoch.
pub const TARGETS: usize = 8;

/// Values derived from the beacon seed, the epoch and the node count (module doc). Not state:
/// two economies are equal whatever their caches hold, and a saved state leaves it out (read
/// back empty, it refills on first use with the same draws).
#[derive(Clone, Debug, Default)]
pub struct BeaconCache {
    /// The epoch and node count the cache holds (`None`: empty).
    key: Option<(u64, usize)>,
    /// The seed at `[epoch, TASKS]`.
    seed: Seed,
    /// The fill each verifier's entry belongs to (entries of older fills are stale).
    stamp: Vec<u32>,
    /// The current fill.
    fill: u32,
    /// Each verifier's targets, ascending.
    targets: Vec<[NodeId; TARGETS]>,
}

impl PartialEq for BeaconCache {
    fn eq(&self, _: &BeaconCache) -> bool {
        true
    }
}

/// The 8 distinct targets of `v` among `n` nodes drawn from the epoch's seed, ascending.
fn draw(epoch_seed: Seed, v: NodeId, n: u64) -> [NodeId; TARGETS] {
    let mut rng = RngStreams::new(epoch_seed).stream(&[v.into()]);
    let mut out = [0 as NodeId; TARGETS];
    let mut len = 0;
    while len < TARGETS {
        let j = rng.below(n) as NodeId;
        if j != v && !out[..len].contains(&j) {
            out[len] = j;
            len += 1;
        }
    }
    out.sort_unstable();
    out
}

/// Whether `v`'s targets are every other node of the `n`: at most [`TARGETS`] of them (`v` is
/// one of the `n` only when registered before `n` was fixed).
fn all_others(v: NodeId, n: NodeId) -> bool {
    n - NodeId::from(v < n) <= TARGETS as NodeId
}

impl Trias {
    /// The number of nodes the epoch's targets are drawn among: the count kept at the epoch's
    /// first draw, or, before it, the nodes registered now.
    fn beacon_nodes(&self) -> usize {
        match self.extra.beacon_nodes {
            Some((e, n)) if e == self.epoch.0 => n as usize,
            _ => self.names.len(),
        }
    }

    /// Keeps the number of nodes the epoch's targets are drawn among, at its first draw.
    pub(super) fn fix_beacon_nodes(&mut self) {
        if !matches!(self.extra.beacon_nodes, Some((e, _)) if e == self.epoch.0) {
            self.extra.beacon_nodes = Some((self.epoch.0, self.names.len() as u64));
        }
    }

    /// Verifier `v`'s beacon targets this epoch, ascending (module doc).
    #[must_use]
    pub fn beacon_targets(&self, v: NodeId) -> Vec<NodeId> {
        let n = self.beacon_nodes() as NodeId;
        if all_others(v, n) {
            return (0..n).filter(|&j| j != v).collect();
        }
        self.drawn_targets(v).to_vec()
    }

    /// Whether `j` is one of `v`'s beacon targets this epoch (no allocation).
    #[must_use]
    pub fn is_target(&self, v: NodeId, j: NodeId) -> bool {
        let n = self.beacon_nodes() as NodeId;
        if all_others(v, n) {
            return j != v && j < n;
        }
        self.drawn_targets(v).contains(&j)
    }

    /// [`Trias::beacon_targets`] into `out` (cleared first), through the cache.
    pub fn beacon_targets_into(&mut self, v: NodeId, out: &mut Vec<NodeId>) {
        out.clear();
        self.fix_beacon_nodes();
        let n = self.beacon_nodes() as NodeId;
        if all_others(v, n) {
            out.extend((0..n).filter(|&j| j != v));
        } else {
            out.extend_from_slice(&self.cached_targets(v));
        }
    }

    /// [`Trias::is_target`] through the cache.
    pub(super) fn is_target_cached(&mut self, v: NodeId, j: NodeId) -> bool {
        let n = self.beacon_nodes() as NodeId;
        if all_others(v, n) {
            return j != v && j < n;
        }
        self.cached_targets(v).contains(&j)
    }

    /// The seed at `[epoch, TASKS]`.
    fn epoch_seed(&self) -> Seed {
        match self.beacon_cache.key {
            Some((e, _)) if e == self.epoch.0 => self.beacon_cache.seed,
            _ => RngStreams::new(self.extra.beacon).derive(&[self.epoch.0, purpose::TASKS]),
        }
    }

    /// The 8 drawn targets when there are more than 8 other nodes, ascending.
    fn drawn_targets(&self, v: NodeId) -> [NodeId; TARGETS] {
        draw(self.epoch_seed(), v, self.beacon_nodes() as u64)
    }

    /// The drawn targets of `v`, drawn once per epoch and node count.
    fn cached_targets(&mut self, v: NodeId) -> [NodeId; TARGETS] {
        let key = (self.epoch.0, self.beacon_nodes());
        if self.beacon_cache.key != Some(key) {
            let seed = self.epoch_seed();
            let c = &mut self.beacon_cache;
            c.seed = seed;
            c.key = Some(key);
            c.fill = c.fill.wrapping_add(1);
            if c.fill == 0 {
                // A wrapped counter could meet a stale stamp: start the stamps afresh.
                c.stamp.iter_mut().for_each(|s| *s = 0);
                c.fill = 1;
            }
        }
        let n = key.1;
        let c = &mut self.beacon_cache;
        if c.stamp.len() < n {
            c.stamp.resize(n, 0);
            c.targets.resize(n, [0; TARGETS]);
        }
        let i = v as usize;
        if i >= n {
            return draw(c.seed, v, n as u64); // not a node: nothing to keep
        }
        if c.stamp[i] != c.fill {
            c.targets[i] = draw(c.seed, v, n as u64);
            c.stamp[i] = c.fill;
        }
        c.targets[i]
    }
}
