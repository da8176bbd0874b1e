//! [`LockQueue`]: amounts locked until an epoch, released in time order.
//!
//! Used for reward lock-ups (Stratos: rewards vest 14 days), deposit locks and any other
//! "locked until" balance. The queue owns one ledger pool: every locked amount sits in it, and
//! the queue's records always sum to that pool's balance ([`LockQueue::check_invariants`]).
//!
//! Entries live in buckets keyed by release epoch (a `BTreeMap`), so locking is O(log n),
//! releasing what is due is O(log n + released), and entries of one owner, source and release
//! epoch coalesce into one chunk. [`LockQueue::lock_batch`] locks a whole epoch's rewards into one
//! bucket with one ledger transfer per source pool; [`LockQueue::lock_rows`] does the same for
//! rewards given as one row per owner (an amount from each source), checking and locking each
//! row in one pass. A bucket that falls due is paid with one ledger call
//! ([`Ledger::pay_from_pool`]). An owner's locks can be forfeited at once
//! (Stratos `paper`: a node that leaves without unregistering loses its locked rewards to the
//! pools they came from): the owner's totals return to their source pools immediately, and the
//! stale entries are skipped when their epoch comes (a generation counter tells them apart), so
//! forfeiture is O(sources of that owner), not O(entries).
//!
//! Like the ledger, the queue keeps an undo journal while a checkpoint is open
//! ([`LockQueue::checkpoint`], [`LockQueue::commit`], [`LockQueue::revert`]): an operation that
//! fails after locking, forfeiting or deducting rolls the queue back in O(changes), without a
//! copy of the queue. Chunks emptied by [`LockQueue::deduct`] stay in their bucket with a zero
//! amount (so the journal can restore them in place) and are dropped when their epoch comes.
//!
//! Bounds: at most `max_chunks_per_owner` live chunks per owner, and at most 65,535 forfeits per
//! owner ([`Error::LimitReached`](crate::Error::LimitReached)). A chunk takes 24 bytes, an
//! owner's record 64 (with two sources inline).
//!
//! Submodules: `journal` (checkpoint, commit, revert), `locking` (lock, lock_batch), `rows`
//! (lock_rows), `owner` (an owner's record by source) and `release` (release_due, forfeit,
//! deduct).

mod journal;
mod locking;
mod owner;
mod release;
mod rows;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Epoch;
use crate::amount::Amount;
use crate::invariants::Violation;
use crate::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};

pub use journal::LockCheckpoint;
use journal::Undo;
use owner::OwnerLocks;

/// One chunk of locked tokens: 24 bytes (packed to 8-byte alignment, so the 16-byte amount
/// does not pad it to 32; a queue can hold millions). Fields are read by copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(C, packed(8))]
struct Chunk {
    owner: AccountId,
    generation: u16,
    source: PoolId,
    amount: Amount,
}

const _: () = assert!(std::mem::size_of::<Chunk>() == 24);

/// Tokens released to an owner by [`LockQueue::release_due`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Released {
    /// Who receives them.
    pub owner: AccountId,
    /// The pool the tokens originally came from.
    pub source: PoolId,
    /// How much.
    pub amount: Amount,
    /// The epoch the lock ended.
    pub release_at: Epoch,
}

/// Per-account values in a vector indexed by the (dense) account id: O(1) where a map would
/// search. Iterates, compares and serializes like a map of the present entries, by id.
#[derive(Clone, Debug)]
struct ById<T>(Vec<Option<T>>);

impl<T> Default for ById<T> {
    fn default() -> ById<T> {
        ById(Vec::new())
    }
}

impl<T> ById<T> {
    fn get(&self, a: &AccountId) -> Option<&T> {
        self.0.get(a.0 as usize).and_then(Option::as_ref)
    }
    fn get_mut(&mut self, a: &AccountId) -> Option<&mut T> {
        self.0.get_mut(a.0 as usize).and_then(Option::as_mut)
    }
    fn remove(&mut self, a: &AccountId) -> Option<T> {
        self.0.get_mut(a.0 as usize).and_then(Option::take)
    }
    fn or_default(&mut self, a: AccountId) -> &mut T
    where
        T: Default,
    {
        let i = a.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i].get_or_insert_with(T::default)
    }
    /// The place of `a`'s value, the vector grown to hold it (a place without a value is
    /// the same as none).
    fn slot(&mut self, a: AccountId) -> &mut Option<T> {
        let i = a.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        &mut self.0[i]
    }
    fn iter(&self) -> impl Iterator<Item = (AccountId, &T)> {
        self.0.iter().enumerate().filter_map(|(i, v)| v.as_ref().map(|v| (AccountId(i as u32), v)))
    }
}

impl<T: PartialEq> PartialEq for ById<T> {
    fn eq(&self, other: &ById<T>) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for ById<T> {}

/// A map of the present entries; in a binary format (a saved state) the vector itself.
impl<T: Serialize> Serialize for ById<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() { s.collect_map(self.iter()) } else { self.0.serialize(s) }
    }
}

/// Reads back a saved state only (the map form is a view).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for ById<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom(
                "per-account values read back from a saved state only",
            ));
        }
        Vec::deserialize(d).map(ById)
    }
}
/// Locked amounts of one token, released in order of their release epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LockQueue {
    token: TokenId,
    pool: PoolId,
    max_chunks_per_owner: u32,
    buckets: BTreeMap<Epoch, Vec<Chunk>>,
    owners: ById<OwnerLocks>,
    /// Forfeit generation of every owner that ever forfeited (absent = 0). Kept even when the
    /// owner holds nothing, so its pre-forfeit chunks stay dead.
    generations: ById<u16>,
    total: Amount,
    #[serde(skip)]
    journal: Vec<Undo>,
    #[serde(skip)]
    depth: u32,
    /// The emptied chunk list of the last bucket released, reused by the next new bucket (not
    /// part of the state).
    #[serde(skip)]
    spare: Vec<Chunk>,
    /// Working memory of [`LockQueue::lock_batch`]: the batch's total by source pool.
    #[serde(skip)]
    per_source: Vec<(PoolId, Amount)>,
}

/// Two queues are equal when they hold the same locks (open checkpoints aside).
impl PartialEq for LockQueue {
    fn eq(&self, other: &LockQueue) -> bool {
        (self.token, self.pool, self.max_chunks_per_owner, self.total)
            == (other.token, other.pool, other.max_chunks_per_owner, other.total)
            && self.buckets == other.buckets
            && self.owners == other.owners
            && self.generations == other.generations
    }
}

impl Eq for LockQueue {}

impl LockQueue {
    /// A queue for `token` that keeps its tokens in the ledger pool `pool` (which it must own
    /// alone), with at most `max_chunks_per_owner` chunks per owner.
    #[must_use]
    pub fn new(token: TokenId, pool: PoolId, max_chunks_per_owner: u32) -> LockQueue {
        LockQueue {
            token,
            pool,
            max_chunks_per_owner,
            buckets: BTreeMap::new(),
            owners: ById::default(),
            generations: ById::default(),
            total: Amount::ZERO,
            journal: Vec::new(),
            depth: 0,
            spare: Vec::new(),
            per_source: Vec::new(),
        }
    }

    /// The ledger pool holding the locked tokens.
    #[must_use]
    pub fn pool(&self) -> PoolId {
        self.pool
    }

    /// Keeps the chunk list of a released bucket for the next new bucket, emptied.
    fn keep_spare(&mut self, mut chunks: Vec<Chunk>) {
        if chunks.capacity() > self.spare.capacity() {
            chunks.clear();
            self.spare = chunks;
        }
    }

    fn generation(&self, owner: AccountId) -> u16 {
        self.generations.get(&owner).copied().unwrap_or(0)
    }

    /// Everything locked.
    #[must_use]
    pub fn total(&self) -> Amount {
        self.total
    }

    /// What `owner` has locked.
    #[must_use]
    pub fn locked_of(&self, owner: AccountId) -> Amount {
        self.owners.get(&owner).map_or(Amount::ZERO, OwnerLocks::total)
    }

    /// The earliest epoch with a bucket of locks, if anything is locked. (The bucket may hold
    /// only forfeited or deducted chunks, so nothing may be paid then.)
    #[must_use]
    pub fn next_release(&self) -> Option<Epoch> {
        self.buckets.keys().next().copied()
    }

    /// Checks that the queue's total is its ledger pool's balance: O(1), the part of
    /// [`LockQueue::check_invariants`] a step's check runs (the chunks and the owners' records
    /// are walked by the full check only).
    pub fn check_pool(&self, ledger: &Ledger) -> std::result::Result<(), Violation> {
        ledger.check_pool_holds((self.token, self.pool), self.total, "lock queue total")
    }

    /// Checks that live chunks, owner totals, the queue total and the ledger pool all agree.
    pub fn check_invariants(&self, ledger: &Ledger) -> std::result::Result<(), Violation> {
        let mut per_owner: BTreeMap<AccountId, (u128, u32)> = BTreeMap::new();
        for c in self.buckets.values().flatten() {
            if self.generation(c.owner) == c.generation && !c.amount.is_zero() {
                let e = per_owner.entry(c.owner).or_default();
                e.0 += c.amount.0;
                e.1 += 1;
            }
        }
        let mut sum = 0u128;
        for (owner, o) in self.owners.iter() {
            let (amount, chunks) = per_owner.remove(&owner).unwrap_or_default();
            let total = o.total();
            if amount != total.0 || chunks != o.chunks || o.is_empty() {
                return Err(Violation::new(
                    "lock queue owner totals",
                    format!(
                        "account {}: chunks sum {amount} in {chunks} chunk(s), recorded {total} in {}",
                        owner.0, o.chunks
                    ),
                ));
            }
            sum += amount;
        }
        if let Some((owner, (amount, chunks))) = per_owner.into_iter().next() {
            return Err(Violation::new(
                "lock queue owner totals",
                format!("account {}: {chunks} live chunk(s) of {amount} but no record", owner.0),
            ));
        }
        let pool = ledger
            .balance(self.token, Holder::Pool(self.pool))
            .map_err(|e| Violation::new("lock queue pool", e.to_string()))?;
        if sum != self.total.0 || pool != self.total {
            return Err(Violation::new(
                "lock queue total",
                format!("chunks {sum}, queue total {}, pool {pool}", self.total),
            ));
        }
        Ok(())
    }
}
