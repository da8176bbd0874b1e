//! [`Contracts`]: the paper profile's confidential contracts and their gas escrow (spec:
//! shared/spec/phala.md, "Contracts (paper profile)"; seed 003, the AMA's Active state: "the
//! developer can choose what kind of the miner to deploy the dapps … the better the hardware
//! (in both the performance and confidence level), the higher chance they can become active").
//!
//! A developer deploys a contract naming the confidence tiers it accepts, a gas budget (moved
//! into the `gas_escrow` ledger pool) and a gas fee per block. The scheduler assigns it to one
//! eligible worker — Idle, of an accepted tier — drawn with weight `conf × P` ([`weight`],
//! [`pick`]); the worker becomes Active. At each of its heartbeats the Active worker earns the
//! gas of the blocks since the contract's last gas payment, at most what the escrow holds
//! ([`ContractRow::gas_due`]), on top of its budget share. The contract ends when the escrow is
//! spent, when the developer stops it, or when the worker stops; the worker is Idle again and
//! what the escrow still holds returns to the developer.
//!
//! This module holds the state and the pure rules; the operations are in
//! [`crate::contract_ops`].

use ergon_core::Names;
use ergon_core::txn::{Snapshot, Table};
use serde::{Deserialize, Serialize};

/// A contract's index: its deployment order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContractIndex(pub u32);

/// Why a contract ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractEnd {
    /// Its gas escrow was spent.
    Spent,
    /// Its developer stopped it.
    Stopped,
    /// Its worker stopped computing.
    WorkerStopped,
}

/// One contract's figures. PHA amounts in base units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRow {
    /// The developer's account.
    pub developer: u32,
    /// The accepted confidence tiers: bit `l` set for tier `l` (1–5).
    pub tiers: u8,
    /// The gas fee per block of execution.
    pub gas_per_block: u128,
    /// What the escrow still holds for it.
    pub escrow: u128,
    /// The worker running it.
    pub worker: u32,
    /// The block gas was last paid up to (or the deployment's block).
    pub last_gas_block: u32,
    /// Gas paid to its worker so far.
    pub paid: u128,
    /// `None` while it runs.
    pub ended: Option<ContractEnd>,
}

impl ContractRow {
    /// The gas owed at `block`: `gas_per_block × (block − last_gas_block)`, at most the escrow.
    #[must_use]
    pub fn gas_due(&self, block: u32) -> u128 {
        let blocks = u128::from(block.saturating_sub(self.last_gas_block));
        self.gas_per_block.saturating_mul(blocks).min(self.escrow)
    }

    /// Whether tier `level` is accepted.
    #[must_use]
    pub fn accepts(&self, level: u8) -> bool {
        accepts(self.tiers, level)
    }
}

/// Running gas totals, PHA base units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GasTotals {
    /// Deposited into the escrow by deployments.
    pub deposited: u128,
    /// Paid to workers.
    pub paid: u128,
    /// Returned to developers when their contracts ended.
    pub refunded: u128,
}

/// Every contract. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contracts {
    /// Contract names, by index.
    pub names: Names,
    /// Contract figures, by index.
    pub rows: Table<ContractRow>,
    /// Gas totals.
    pub totals: Snapshot<GasTotals>,
}

ergon_core::transactional!(Contracts {
    names: Names,
    rows: Table<ContractRow>,
    totals: Snapshot<GasTotals>,
});

impl Default for Contracts {
    fn default() -> Contracts {
        Contracts {
            names: Names::new(),
            rows: Table::new(),
            totals: Snapshot::new(GasTotals::default()),
        }
    }
}

impl Contracts {
    /// How many contracts run now.
    #[must_use]
    pub fn running(&self) -> usize {
        self.rows.iter().filter(|r| r.ended.is_none()).count()
    }
}

/// The tier set `tiers` as a bit mask; `None` when it is empty or names a tier outside 1–5.
#[must_use]
pub fn tier_mask(tiers: &[u8]) -> Option<u8> {
    if tiers.is_empty() {
        return None;
    }
    let mut mask = 0u8;
    for &t in tiers {
        if !(1..=5).contains(&t) {
            return None;
        }
        mask |= 1 << t;
    }
    Some(mask)
}

/// The tiers of `mask`, ascending.
#[must_use]
pub fn tiers_of(mask: u8) -> Vec<u8> {
    (1..=5).filter(|&t| accepts(mask, t)).collect()
}

/// Whether `mask` accepts tier `level`.
#[must_use]
pub fn accepts(mask: u8, level: u8) -> bool {
    (1..=5).contains(&level) && mask & (1 << level) != 0
}

/// The confidence score in tenths: tiers 1–3 → 10, 4 → 8, 5 → 7 (the spec's 1.0, 0.8, 0.7).
#[must_use]
pub fn conf_tenths(level: u8) -> u64 {
    match level {
        4 => 8,
        5 => 7,
        _ => 10,
    }
}

/// A worker's weight in the assignment: `conf × P` in tenths, `conf_tenths(level) × P` with P
/// the benchmark score its session started with. Exact integers.
#[must_use]
pub fn weight(level: u8, p: u64) -> u64 {
    conf_tenths(level) * p
}

/// The weighted draw: with `total = Σ weights`, the point `⌊draw × total / 2^64⌋` (in
/// `0..total`) falls in the `i`-th candidate's interval of the weights laid end to end in
/// order; returns `(i, point)`. A candidate of weight `w` is picked for `w / total` of the
/// draws (to within one part in 2^64). `None` when the total is zero.
#[must_use]
pub fn pick(draw: u64, weights: &[u64]) -> Option<(usize, u64)> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 || total >> 64 != 0 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, reason = "below total < 2^64")]
    let point = ((u128::from(draw) * total) >> 64) as u64;
    let mut end = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        end += w;
        if point < end {
            return Some((i, point));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_tier_and_score() {
        // conf × P in tenths: tier 1 at P 1000 → 10 000, tier 4 at 1000 → 8 000, tier 5 → 7 000.
        assert_eq!(weight(1, 1000), 10_000);
        assert_eq!(weight(3, 2000), 20_000);
        assert_eq!(weight(4, 1000), 8_000);
        assert_eq!(weight(5, 1000), 7_000);
    }

    #[test]
    fn pick_lays_the_weights_end_to_end() {
        // Weights 10 000, 8 000, 7 000: total 25 000; intervals [0, 10 000), [10 000, 18 000),
        // [18 000, 25 000).
        let w = [10_000, 8_000, 7_000];
        assert_eq!(pick(0, &w), Some((0, 0)));
        // draw = 2^63: point = 12 500 → the second.
        assert_eq!(pick(1 << 63, &w), Some((1, 12_500)));
        // draw = 2^64 − 1: point = ⌊(2^64 − 1)·25 000 / 2^64⌋ = 24 999 → the third.
        assert_eq!(pick(u64::MAX, &w), Some((2, 24_999)));
        // draw = 0.4 · 2^64 = 7378697629483820646 (floor): point = ⌊… × 25 000 / 2^64⌋ = 9 999.
        assert_eq!(pick(7_378_697_629_483_820_646, &w), Some((0, 9_999)));
        assert_eq!(pick(7_378_697_629_483_820_647, &w), Some((1, 10_000)));
        assert_eq!(pick(5, &[0, 0]), None);
        assert_eq!(pick(5, &[]), None);
    }

    #[test]
    fn tier_masks() {
        assert_eq!(tier_mask(&[1, 2, 3]), Some(0b1110));
        assert_eq!(tiers_of(0b1110), vec![1, 2, 3]);
        assert_eq!(tier_mask(&[]), None);
        assert_eq!(tier_mask(&[0]), None);
        assert_eq!(tier_mask(&[6]), None);
        assert!(accepts(0b11_1110, 5));
        assert!(!accepts(0b1110, 4));
    }

    #[test]
    fn gas_due_is_capped_by_the_escrow() {
        let row = ContractRow {
            developer: 0,
            tiers: 0b1110,
            gas_per_block: 3,
            escrow: 10,
            worker: 0,
            last_gas_block: 5,
            paid: 0,
            ended: None,
        };
        assert_eq!(row.gas_due(5), 0);
        assert_eq!(row.gas_due(7), 6);
        assert_eq!(row.gas_due(9), 10);
    }
}
