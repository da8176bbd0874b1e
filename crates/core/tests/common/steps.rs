//! The generated steps of the ledger and lock-queue properties: [`Op`] (transfers, mints,
//! burns, account openings, checkpoints, locks, releases, forfeits, deductions), the holders and
//! amounts they draw ([`H`], [`Amt`]), and the strategies that weight them.

use ergon_core::{AccountId, Holder, PoolId};
use proptest::prelude::*;

use super::{ACCOUNT_SLOTS, POOLS, UNKNOWN_POOL};

/// A holder as drawn: an account slot, or a pool (`Pool(POOLS)` stands for an unknown pool).
#[derive(Clone, Copy, Debug)]
pub enum H {
    Acc(u32),
    Pool(u16),
}

impl H {
    pub fn resolve(self) -> Holder {
        match self {
            H::Acc(i) => Holder::Account(AccountId(i)),
            H::Pool(p) if p < POOLS => Holder::Pool(PoolId(p)),
            H::Pool(_) => Holder::Pool(UNKNOWN_POOL),
        }
    }
}

/// An amount as drawn: base units, a percentage of what the step can use (the source's balance,
/// or the reserve for a mint; over 100 is more than that), or `u128::MAX`.
#[derive(Clone, Copy, Debug)]
pub enum Amt {
    Raw(u128),
    Pct(u32),
    Max,
}

impl Amt {
    pub fn resolve(self, base: u128) -> u128 {
        match self {
            Amt::Raw(x) => x,
            Amt::Pct(p) => base / 100 * u128::from(p) + base % 100 * u128::from(p) / 100,
            Amt::Max => u128::MAX,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Op {
    Transfer {
        token: u16,
        from: H,
        to: H,
        amount: Amt,
    },
    /// `Pct` is of the remaining reserve: over 100 exceeds the cap.
    Mint {
        token: u16,
        to: H,
        amount: Amt,
    },
    Burn {
        token: u16,
        from: H,
        amount: Amt,
    },
    Open,
    Checkpoint,
    Commit,
    Revert,
    /// `owner` and `source` are reduced to known ids unless the world is "wild".
    Lock {
        from: H,
        owner: u32,
        amount: Amt,
        release_in: i64,
        source: u16,
    },
    /// Entries of (owner, source, amount as a share of the source pool); sorted by owner with no
    /// (owner, source) pair twice unless `unsorted`.
    LockBatch {
        entries: Vec<(u32, u16, Amt)>,
        release_in: i64,
        unsorted: bool,
    },
    Release {
        advance: u64,
    },
    Forfeit {
        owner: u32,
    },
    /// `Pct` is of what the owner has locked: over 100 is more than that.
    Deduct {
        owner: u32,
        amount: Amt,
        to: H,
    },
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Transfer { .. } => "transfer",
            Op::Mint { .. } => "mint",
            Op::Burn { .. } => "burn",
            Op::Open => "open_account",
            Op::Checkpoint => "checkpoint",
            Op::Commit => "commit",
            Op::Revert => "revert",
            Op::Lock { .. } => "lock",
            Op::LockBatch { .. } => "lock_batch",
            Op::Release { .. } => "release_due",
            Op::Forfeit { .. } => "forfeit",
            Op::Deduct { .. } => "deduct",
        }
    }
}

fn holder() -> impl Strategy<Value = H> {
    prop_oneof![3 => (0..ACCOUNT_SLOTS).prop_map(H::Acc), 2 => (0..=POOLS).prop_map(H::Pool)]
}

fn amt() -> impl Strategy<Value = Amt> {
    prop_oneof![
        4 => (0u128..1_000).prop_map(Amt::Raw),
        2 => (1u128..2_000).prop_map(|x| Amt::Raw(x * 10u128.pow(18))),
        6 => (0u32..=130).prop_map(Amt::Pct),
        1 => Just(Amt::Max),
    ]
}

fn token() -> impl Strategy<Value = u16> {
    prop_oneof![12 => 0u16..2, 1 => Just(2u16)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (token(), holder(), holder(), amt()).prop_map(|(token, from, to, amount)| Op::Transfer { token, from, to, amount }),
        3 => (token(), holder(), amt()).prop_map(|(token, to, amount)| Op::Mint { token, to, amount }),
        3 => (token(), holder(), amt()).prop_map(|(token, from, amount)| Op::Burn { token, from, amount }),
        1 => Just(Op::Open),
        2 => Just(Op::Checkpoint),
        1 => Just(Op::Commit),
        1 => Just(Op::Revert),
        6 => (holder(), 0u32..ACCOUNT_SLOTS + 2, amt(), -3i64..12, 0u16..POOLS + 2)
            .prop_map(|(from, owner, amount, release_in, source)| Op::Lock { from, owner, amount, release_in, source }),
        3 => (proptest::collection::vec((0u32..ACCOUNT_SLOTS + 2, 0u16..POOLS + 2, amt()), 0..6), -3i64..12, prop::bool::weighted(0.1))
            .prop_map(|(entries, release_in, unsorted)| Op::LockBatch { entries, release_in, unsorted }),
        3 => (0u64..4).prop_map(|advance| Op::Release { advance }),
        2 => (0u32..ACCOUNT_SLOTS + 2).prop_map(|owner| Op::Forfeit { owner }),
        2 => (0u32..ACCOUNT_SLOTS + 2, amt(), holder()).prop_map(|(owner, amount, to)| Op::Deduct { owner, amount, to }),
    ]
}

pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(op(), 1..100)
}
