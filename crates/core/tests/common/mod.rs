//! Shared parts of the ledger and lock-queue property tests: the fixed world (two tokens, a few
//! accounts and pools, one `LockQueue` with a small chunk limit), the reference [`Model`], the
//! proptest runner and the [`Tally`] of accepted and rejected steps.
//!
//! - `steps`: the generated steps (`Op`) and their strategies.
//! - `world`: the ledger, the queue and the model side by side, stepped and checked together.

#![allow(dead_code)] // each test crate uses part of it

pub mod steps;
pub mod world;

use std::cell::RefCell;
use std::collections::BTreeMap;

use ergon_core::{AccountId, Holder, PoolId};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Two tokens with different caps and decimals; `TokenId(2)` is unknown.
pub const CAPS: [u128; 2] = [1_000_000 * 10u128.pow(18), 1_000_000];
pub const DECIMALS: [u8; 2] = [18, 0];
/// Account ids are drawn from `0..ACCOUNT_SLOTS`; those not opened yet are unknown.
pub const ACCOUNT_SLOTS: u32 = 7;
pub const INITIAL_ACCOUNTS: u32 = 4;
/// Pools `0..POOLS` are free for transfers; the queue's own pool comes after them.
pub const POOLS: u16 = 3;
pub const LOCK_POOL: PoolId = PoolId(POOLS);
pub const UNKNOWN_POOL: PoolId = PoolId(9);
/// The queue locks token 0 (18 decimals).
pub const LOCK_TOKEN: u16 = 0;
/// Small, so `LimitReached` is hit often.
pub const MAX_CHUNKS: u32 = 3;

fn config() -> Config {
    Config { cases: 256, failure_persistence: None, ..Config::default() }
}

// ---- the reference model ----------------------------------------------------------------------

/// Balances by (token, holder), minted and burned by token, and every live lock as it was made.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub accounts: u32,
    pub balances: BTreeMap<(u16, Holder), u128>,
    pub minted: [u128; 2],
    pub burned: [u128; 2],
    /// Live locks by owner: (release epoch, source, amount), one per accepted lock.
    pub locks: BTreeMap<AccountId, Vec<(u64, PoolId, u128)>>,
}

impl Model {
    pub fn known(&self, h: Holder) -> bool {
        match h {
            Holder::Account(a) => a.0 < self.accounts,
            Holder::Pool(p) => p.0 <= LOCK_POOL.0,
        }
    }

    pub fn bal(&self, t: u16, h: Holder) -> u128 {
        self.balances.get(&(t, h)).copied().unwrap_or(0)
    }

    pub fn add(&mut self, t: u16, h: Holder, x: u128) {
        *self.balances.entry((t, h)).or_insert(0) += x;
    }

    pub fn sub(&mut self, t: u16, h: Holder, x: u128) {
        let b = self.balances.entry((t, h)).or_insert(0);
        *b = b.checked_sub(x).expect("the model never goes negative");
    }

    pub fn locked_of(&self, owner: AccountId) -> u128 {
        self.locks.get(&owner).map_or(0, |v| v.iter().map(|e| e.2).sum())
    }

    pub fn transfer_ok(&self, t: u16, from: Holder, to: Holder, x: u128) -> bool {
        t < 2 && self.known(from) && self.known(to) && self.bal(t, from) >= x
    }
}

// ---- running ---------------------------------------------------------------------------------

/// Accepted and rejected steps by kind, across every case of a run.
#[derive(Default)]
pub struct Tally(RefCell<BTreeMap<&'static str, [usize; 2]>>);

impl Tally {
    pub fn count(&self, kind: &'static str, ok: bool) {
        self.0.borrow_mut().entry(kind).or_default()[usize::from(!ok)] += 1;
    }

    pub fn get(&self, kind: &str) -> [usize; 2] {
        self.0.borrow().get(kind).copied().unwrap_or_default()
    }
}

/// Runs `test` on 256 cases of `strategy`, panicking with the failure proptest reports.
pub fn run_property<S: Strategy>(
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config());
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}
