//! [`LockQueue`]: amounts locked until an epoch, released in time order.
//!
//! Used for reward lock-ups (Stratos: rewards vest 14 days), deposit locks and any other
//! "locked until" balance. The queue owns one ledger pool: every locked amount sits in it, and
//! the queue's records always sum to that pool's balance ([`LockQueue::check_invariants`]).
//!
//! Entries live in buckets keyed by release epoch (a `BTreeMap`), so locking is O(log n),
//! releasing what is due is O(log n + released), and entries of one owner, source and release
//! epoch coalesce into one chunk. [`LockQueue::lock_batch`] locks a whole epoch's rewards into one
//! bucket with one ledger transfer per source pool. An owner's locks can be forfeited at once
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
//! owner ([`Error::LimitReached`]). A chunk takes 24 bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::invariants::Violation;
use crate::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};

/// One chunk of locked tokens: 24 bytes (packed to 8-byte alignment, so the 16-byte amount
/// does not pad it to 32; a queue can hold millions). Fields are read by copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[repr(C, packed(8))]
struct Chunk {
    owner: AccountId,
    generation: u16,
    source: PoolId,
    amount: Amount,
}

const _: () = assert!(std::mem::size_of::<Chunk>() == 24);

/// What an owner has locked, by source pool.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
struct OwnerLocks {
    total: Amount,
    chunks: u32,
    /// Locked amounts by the pool they came from (few sources per owner).
    by_source: Vec<(PoolId, Amount)>,
}

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

impl<T: Serialize> Serialize for ById<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// An undo record of the queue's journal: what a change replaced.
#[derive(Clone, Debug)]
enum Undo {
    /// A chunk was appended to bucket `release_at` (`added: None`), or `added` was coalesced
    /// into the bucket's last chunk.
    Locked { release_at: Epoch, added: Option<Amount> },
    /// Chunk `index` of bucket `release_at` had amount `prev`.
    ChunkAmount { release_at: Epoch, index: usize, prev: Amount },
    /// The owner's record before the change.
    Owner { owner: AccountId, prev: Option<OwnerLocks> },
    /// The owner's forfeit generation before the change.
    Generation { owner: AccountId, prev: Option<u16> },
    /// The queue total before the change.
    Total(Amount),
    /// Bucket `release_at`, removed when its epoch came.
    Bucket { release_at: Epoch, chunks: Vec<Chunk> },
}

/// A position in the queue's journal, returned by [`LockQueue::checkpoint`].
#[derive(Debug)]
#[must_use = "a checkpoint must be committed or reverted"]
pub struct LockCheckpoint {
    journal_len: usize,
    depth: u32,
}

/// Locked amounts of one token, released in order of their release epoch.
#[derive(Clone, Debug, Serialize)]
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
        }
    }

    /// The ledger pool holding the locked tokens.
    #[must_use]
    pub fn pool(&self) -> PoolId {
        self.pool
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
        self.owners.get(&owner).map_or(Amount::ZERO, |o| o.total)
    }

    /// The earliest epoch with a bucket of locks, if anything is locked. (The bucket may hold
    /// only forfeited or deducted chunks, so nothing may be paid then.)
    #[must_use]
    pub fn next_release(&self) -> Option<Epoch> {
        self.buckets.keys().next().copied()
    }

    // ---- journal ------------------------------------------------------------------------------

    /// Starts recording undo information; checkpoints nest like the ledger's.
    pub fn checkpoint(&mut self) -> LockCheckpoint {
        self.depth += 1;
        LockCheckpoint { journal_len: self.journal.len(), depth: self.depth }
    }

    /// Keeps every change since `cp`.
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn commit(&mut self, cp: LockCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    /// Undoes every change since `cp`, newest first. The ledger side is the caller's to revert
    /// (with the ledger checkpoint taken at the same time).
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn revert(&mut self, cp: LockCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        while self.journal.len() > cp.journal_len {
            let Some(undo) = self.journal.pop() else { break };
            match undo {
                Undo::Locked { release_at, added } => {
                    let Some(bucket) = self.buckets.get_mut(&release_at) else { continue };
                    match (added, bucket.last_mut()) {
                        (Some(a), Some(c)) => c.amount = Amount(c.amount.0 - a.0),
                        _ => {
                            bucket.pop();
                        }
                    }
                    if bucket.is_empty() {
                        self.buckets.remove(&release_at);
                    }
                }
                Undo::ChunkAmount { release_at, index, prev } => {
                    if let Some(c) =
                        self.buckets.get_mut(&release_at).and_then(|b| b.get_mut(index))
                    {
                        c.amount = prev;
                    }
                }
                Undo::Owner { owner, prev } => match prev {
                    Some(o) => *self.owners.or_default(owner) = o,
                    None => {
                        self.owners.remove(&owner);
                    }
                },
                Undo::Generation { owner, prev } => match prev {
                    Some(g) => *self.generations.or_default(owner) = g,
                    None => {
                        self.generations.remove(&owner);
                    }
                },
                Undo::Total(t) => self.total = t,
                Undo::Bucket { release_at, chunks } => {
                    self.buckets.insert(release_at, chunks);
                }
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    fn record(&mut self, undo: impl FnOnce(&LockQueue) -> Undo) {
        if self.depth > 0 {
            let u = undo(self);
            self.journal.push(u);
        }
    }

    fn record_owner(&mut self, owner: AccountId) {
        self.record(|q| Undo::Owner { owner, prev: q.owners.get(&owner).cloned() });
    }

    fn record_total(&mut self) {
        self.record(|q| Undo::Total(q.total));
    }

    // ---- locking ------------------------------------------------------------------------------

    fn check_source(&self, ledger: &Ledger, source: PoolId) -> Result<()> {
        ledger.pool_name(source)?;
        if source == self.pool {
            return Err(Error::InvalidParameter {
                name: "source".into(),
                value: format!("pool:{}", source.0),
                reason: "a lock cannot come from the lock queue's own pool".into(),
            });
        }
        Ok(())
    }

    /// Whether a lock of (`owner`, `source`) until `release_at` joins the bucket's last chunk.
    fn coalesces(&self, owner: AccountId, source: PoolId, release_at: Epoch) -> bool {
        let last = self.buckets.get(&release_at).and_then(|b| b.last());
        joins(last, owner, source, self.generation(owner))
    }

    fn chunk_limit(&self, owner: AccountId) -> Error {
        Error::LimitReached {
            what: format!("lock chunks of account {}", owner.0),
            limit: u64::from(self.max_chunks_per_owner),
        }
    }

    /// Adds checked locks until `release_at` whose tokens are already in the queue's pool, in
    /// order (zero amounts skipped). The bucket is looked up once; each entry then costs O(1),
    /// plus its undo records when a checkpoint is open.
    fn append(&mut self, release_at: Epoch, entries: &[(AccountId, PoolId, Amount)]) {
        let live = entries.iter().filter(|e| !e.2.is_zero()).count();
        if live == 0 {
            return;
        }
        let journal = self.depth > 0;
        let bucket = self.buckets.entry(release_at).or_default();
        bucket.reserve_exact(live);
        for &(owner, source, amount) in entries.iter().filter(|e| !e.2.is_zero()) {
            let generation = self.generations.get(&owner).copied().unwrap_or(0);
            let coalesce = joins(bucket.last(), owner, source, generation);
            if journal {
                self.journal.push(Undo::Locked { release_at, added: coalesce.then_some(amount) });
                self.journal.push(Undo::Owner { owner, prev: self.owners.get(&owner).cloned() });
                self.journal.push(Undo::Total(self.total));
            }
            match bucket.last_mut() {
                Some(c) if coalesce => c.amount = Amount(c.amount.0 + amount.0),
                _ => bucket.push(Chunk { owner, generation, source, amount }),
            }
            add_to_owner(self.owners.or_default(owner), source, amount, !coalesce);
            self.total = Amount(self.total.0 + amount.0);
        }
    }

    /// Moves `amount` from `from` into the queue for `owner` until `release_at`, remembering that
    /// it came from `source` (where a forfeit returns it). All-or-nothing.
    pub fn lock(
        &mut self,
        ledger: &mut Ledger,
        from: Holder,
        owner: AccountId,
        amount: Amount,
        release_at: Epoch,
        source: PoolId,
    ) -> Result<()> {
        if amount.is_zero() {
            return Ok(());
        }
        // The owner must be an account and the source a pool other than the queue's own, or
        // the tokens could never be paid or returned.
        ledger.balance(self.token, Holder::Account(owner))?;
        self.check_source(ledger, source)?;
        self.total.checked_add(amount)?;
        self.locked_of(owner).checked_add(amount)?;
        let chunks = self.owners.get(&owner).map_or(0, |o| o.chunks);
        if !self.coalesces(owner, source, release_at) && chunks >= self.max_chunks_per_owner {
            return Err(self.chunk_limit(owner));
        }
        ledger.transfer(self.token, from, Holder::Pool(self.pool), amount)?;
        self.append(release_at, &[(owner, source, amount)]);
        Ok(())
    }

    /// Locks a batch until `release_at`: each `(owner, source, amount)` moves `amount` from the
    /// ledger pool `source` into the queue for `owner`, with one ledger transfer per source. The
    /// entries must be sorted by owner, with no (owner, source) pair twice, and every owner must
    /// be an account (even with a zero amount). All-or-nothing; an accepted batch leaves the queue
    /// and the ledger as locking its entries one by one, in order, would.
    pub fn lock_batch(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        entries: &[(AccountId, PoolId, Amount)],
    ) -> Result<()> {
        // Check everything first: order, owners, sources, totals and each owner's chunk budget.
        // Only the batch's first non-zero entry can join a chunk already in the bucket: the
        // entries after it follow a chunk of another (owner, source).
        let mut per_source: Vec<(PoolId, Amount)> = Vec::new();
        let mut total = self.total;
        let mut first = true;
        let mut i = 0;
        while i < entries.len() {
            let owner = entries[i].0;
            if i > 0 && entries[i - 1].0 > owner {
                return Err(unsorted(owner));
            }
            ledger.balance(self.token, Holder::Account(owner))?;
            let (mut new_chunks, mut owner_total) = (0u32, self.locked_of(owner));
            let mut j = i;
            while j < entries.len() && entries[j].0 == owner {
                let (_, source, amount) = entries[j];
                if entries[i..j].iter().any(|e| e.1 == source) {
                    return Err(unsorted(owner));
                }
                if !amount.is_zero() {
                    match per_source.iter_mut().find(|(p, _)| *p == source) {
                        Some((_, a)) => *a = a.checked_add(amount)?,
                        None => {
                            self.check_source(ledger, source)?;
                            per_source.push((source, amount));
                        }
                    }
                    total = total.checked_add(amount)?;
                    owner_total = owner_total.checked_add(amount)?;
                    new_chunks += u32::from(!(first && self.coalesces(owner, source, release_at)));
                    first = false;
                }
                j += 1;
            }
            let chunks = self.owners.get(&owner).map_or(0, |o| o.chunks);
            if new_chunks > 0 && chunks + new_chunks > self.max_chunks_per_owner {
                return Err(self.chunk_limit(owner));
            }
            i = j;
        }
        ledger.atomic(|l| {
            per_source.iter().try_for_each(|(p, a)| {
                l.transfer(self.token, Holder::Pool(*p), Holder::Pool(self.pool), *a)
            })
        })?;
        // Infallible from here on.
        self.append(release_at, entries);
        Ok(())
    }

    // ---- releasing, forfeiting, deducting -----------------------------------------------------

    /// Pays every chunk whose release epoch is ≤ `now` to its owner's account, oldest first.
    pub fn release_due(&mut self, ledger: &mut Ledger, now: Epoch) -> Result<Vec<Released>> {
        let mut out = Vec::new();
        self.record_total();
        while let Some(entry) = self.buckets.first_entry() {
            if *entry.key() > now {
                break;
            }
            let release_at = *entry.key();
            let chunks = entry.remove();
            for c in &chunks {
                if c.amount.is_zero() || self.generation(c.owner) != c.generation {
                    continue; // deducted, or forfeited earlier: nothing left to pay
                }
                self.record_owner(c.owner);
                let Some(o) = self.owners.get_mut(&c.owner) else { continue };
                ledger.transfer(
                    self.token,
                    Holder::Pool(self.pool),
                    Holder::Account(c.owner),
                    c.amount,
                )?;
                o.total = o.total.saturating_sub(c.amount);
                o.chunks -= 1;
                if let Some((_, a)) = o.by_source.iter_mut().find(|(p, _)| *p == c.source) {
                    *a = a.saturating_sub(c.amount);
                }
                o.by_source.retain(|(_, a)| !a.is_zero());
                if o.total.is_zero() {
                    self.owners.remove(&c.owner);
                }
                self.total = self.total.saturating_sub(c.amount);
                out.push(Released {
                    owner: c.owner,
                    source: c.source,
                    amount: c.amount,
                    release_at,
                });
            }
            if self.depth > 0 {
                self.journal.push(Undo::Bucket { release_at, chunks });
            }
        }
        Ok(out)
    }

    /// Returns every amount `owner` has locked to the pool it came from, at once. Returns what
    /// went back, by source pool.
    pub fn forfeit(
        &mut self,
        ledger: &mut Ledger,
        owner: AccountId,
    ) -> Result<Vec<(PoolId, Amount)>> {
        let Some(o) = self.owners.get(&owner) else { return Ok(Vec::new()) };
        // The generation tells the owner's dead chunks from its live ones; it never wraps.
        if self.generation(owner) == u16::MAX {
            return Err(Error::LimitReached {
                what: format!("forfeits of account {}", owner.0),
                limit: u64::from(u16::MAX),
            });
        }
        let back = o.by_source.clone();
        ledger.atomic(|l| {
            back.iter().try_for_each(|(p, a)| {
                l.transfer(self.token, Holder::Pool(self.pool), Holder::Pool(*p), *a)
            })
        })?;
        self.record_owner(owner);
        self.record(|q| Undo::Generation { owner, prev: q.generations.get(&owner).copied() });
        self.record_total();
        let forfeited = self.owners.remove(&owner).map_or(Amount::ZERO, |o| o.total);
        let g = self.generations.or_default(owner);
        *g += 1;
        self.total = self.total.saturating_sub(forfeited);
        Ok(back)
    }

    /// Takes up to `amount` of what `owner` has locked, newest chunks first, and moves it to
    /// `to`. Returns what was taken (less than `amount` when the owner has less locked).
    /// O(chunks in the queue): for rare events such as a node paying its exit costs.
    pub fn deduct(
        &mut self,
        ledger: &mut Ledger,
        owner: AccountId,
        amount: Amount,
        to: Holder,
    ) -> Result<Amount> {
        let Some(o) = self.owners.get(&owner) else { return Ok(Amount::ZERO) };
        let take = amount.min(o.total);
        if take.is_zero() {
            return Ok(Amount::ZERO);
        }
        ledger.transfer(self.token, Holder::Pool(self.pool), to, take)?;
        // Infallible from here on.
        self.record_owner(owner);
        self.record_total();
        let generation = self.generation(owner);
        let journal = self.depth > 0;
        let mut left = take.0;
        let mut emptied = 0;
        let mut by_source: Vec<(PoolId, u128)> = Vec::new();
        'buckets: for (&release_at, bucket) in self.buckets.iter_mut().rev() {
            for (index, c) in bucket.iter_mut().enumerate().rev() {
                if c.owner != owner || c.generation != generation || c.amount.is_zero() {
                    continue;
                }
                if journal {
                    self.journal.push(Undo::ChunkAmount { release_at, index, prev: c.amount });
                }
                let t = left.min(c.amount.0);
                c.amount.0 -= t;
                left -= t;
                emptied += u32::from(c.amount.is_zero());
                match by_source.iter_mut().find(|(p, _)| *p == c.source) {
                    Some((_, a)) => *a += t,
                    None => by_source.push((c.source, t)),
                }
                if left == 0 {
                    break 'buckets;
                }
            }
        }
        let o = self.owners.get_mut(&owner).expect("checked above");
        o.total = o.total.saturating_sub(take);
        o.chunks -= emptied;
        for (p, t) in by_source {
            if let Some((_, a)) = o.by_source.iter_mut().find(|(q, _)| *q == p) {
                *a = a.saturating_sub(Amount(t));
            }
        }
        o.by_source.retain(|(_, a)| !a.is_zero());
        if o.total.is_zero() {
            self.owners.remove(&owner);
        }
        self.total = self.total.saturating_sub(take);
        Ok(take)
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
            let by_source: u128 = o.by_source.iter().map(|(_, a)| a.0).sum();
            if amount != o.total.0 || chunks != o.chunks || by_source != o.total.0 {
                return Err(Violation::new(
                    "lock queue owner totals",
                    format!(
                        "account {}: chunks sum {amount} in {chunks} chunk(s), recorded {} in {} (by source {by_source})",
                        owner.0, o.total, o.chunks
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

/// Whether a lock of (`owner`, `source`) by an owner of forfeit generation `generation` joins
/// the bucket's `last` chunk rather than starting a new one (an emptied chunk is never revived).
fn joins(last: Option<&Chunk>, owner: AccountId, source: PoolId, generation: u16) -> bool {
    last.is_some_and(|c| {
        c.owner == owner && c.source == source && c.generation == generation && !c.amount.is_zero()
    })
}

/// Adds a checked lock to its owner's record (`new_chunk`: it did not coalesce).
fn add_to_owner(o: &mut OwnerLocks, source: PoolId, amount: Amount, new_chunk: bool) {
    o.total = Amount(o.total.0 + amount.0);
    o.chunks += u32::from(new_chunk);
    match o.by_source.iter_mut().find(|(p, _)| *p == source) {
        Some((_, a)) => a.0 += amount.0,
        None => o.by_source.push((source, amount)),
    }
}

fn unsorted(owner: AccountId) -> Error {
    Error::InvalidParameter {
        name: "entries".into(),
        value: format!("account {}", owner.0),
        reason: "a lock batch must be sorted by owner, with no (owner, source) pair twice".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::TokenMeta;

    fn setup() -> (Ledger, LockQueue, TokenId, PoolId, AccountId, AccountId) {
        let mut l = Ledger::new();
        let t = l.add_token(TokenMeta::new("T", 0), Amount(1_000_000)).unwrap();
        let mining = l.add_pool("mining").unwrap();
        let lockp = l.add_pool("locked").unwrap();
        let a = l.open_account().unwrap();
        let b = l.open_account().unwrap();
        l.mint(t, mining.into(), Amount(10_000)).unwrap();
        (l, LockQueue::new(t, lockp, 4), t, mining, a, b)
    }

    #[test]
    fn releases_in_order_when_due() {
        let (mut l, mut q, t, mining, a, b) = setup();
        q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
        q.lock(&mut l, mining.into(), b, Amount(50), Epoch(5), mining).unwrap();
        q.lock(&mut l, mining.into(), a, Amount(7), Epoch(10), mining).unwrap(); // coalesces
        q.check_invariants(&l).unwrap();
        assert_eq!(q.locked_of(a), Amount(107));
        assert_eq!(q.next_release(), Some(Epoch(5)));
        assert!(q.release_due(&mut l, Epoch(4)).unwrap().is_empty());
        let r = q.release_due(&mut l, Epoch(9)).unwrap();
        assert_eq!(
            r,
            vec![Released { owner: b, source: mining, amount: Amount(50), release_at: Epoch(5) }]
        );
        let r = q.release_due(&mut l, Epoch(10)).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(l.balance(t, a.into()).unwrap(), Amount(107));
        assert_eq!(q.total(), Amount::ZERO);
        q.check_invariants(&l).unwrap();
        l.check_conservation().unwrap();
    }

    #[test]
    fn forfeit_returns_to_source_and_skips_stale_chunks() {
        let (mut l, mut q, t, mining, a, _) = setup();
        let volume = l.add_pool("volume").unwrap();
        l.mint(t, volume.into(), Amount(500)).unwrap();
        q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
        q.lock(&mut l, volume.into(), a, Amount(30), Epoch(11), volume).unwrap();
        let back = q.forfeit(&mut l, a).unwrap();
        assert_eq!(back, vec![(mining, Amount(100)), (volume, Amount(30))]);
        assert_eq!(l.balance(t, volume.into()).unwrap(), Amount(500));
        assert_eq!(l.balance(t, mining.into()).unwrap(), Amount(10_000));
        q.check_invariants(&l).unwrap();
        // A new lock after forfeiture is live; the stale ones are skipped.
        q.lock(&mut l, mining.into(), a, Amount(5), Epoch(11), mining).unwrap();
        let r = q.release_due(&mut l, Epoch(20)).unwrap();
        assert_eq!(r.iter().map(|x| x.amount).collect::<Vec<_>>(), vec![Amount(5)]);
        assert_eq!(l.balance(t, a.into()).unwrap(), Amount(5));
        q.check_invariants(&l).unwrap();
        l.check_conservation().unwrap();
    }

    #[test]
    fn deduct_takes_newest_first() {
        let (mut l, mut q, t, mining, a, b) = setup();
        q.lock(&mut l, mining.into(), a, Amount(100), Epoch(10), mining).unwrap();
        q.lock(&mut l, mining.into(), a, Amount(30), Epoch(12), mining).unwrap();
        q.lock(&mut l, mining.into(), b, Amount(5), Epoch(12), mining).unwrap();
        assert_eq!(q.deduct(&mut l, a, Amount(50), b.into()).unwrap(), Amount(50));
        q.check_invariants(&l).unwrap();
        assert_eq!(q.locked_of(a), Amount(80));
        assert_eq!(l.balance(t, b.into()).unwrap(), Amount(50));
        assert_eq!(q.deduct(&mut l, a, Amount(500), b.into()).unwrap(), Amount(80));
        assert_eq!(q.locked_of(a), Amount::ZERO);
        q.check_invariants(&l).unwrap();
        let r = q.release_due(&mut l, Epoch(20)).unwrap();
        assert_eq!(r.iter().map(|x| (x.owner, x.amount)).collect::<Vec<_>>(), vec![(b, Amount(5))]);
        l.check_conservation().unwrap();
    }

    #[test]
    fn forfeits_stop_before_the_generation_would_wrap() {
        let (mut l, mut q, _, mining, a, _) = setup();
        *q.generations.or_default(a) = u16::MAX - 1;
        q.lock(&mut l, mining.into(), a, Amount(3), Epoch(5), mining).unwrap();
        assert_eq!(q.forfeit(&mut l, a).unwrap(), vec![(mining, Amount(3))]);
        q.lock(&mut l, mining.into(), a, Amount(4), Epoch(5), mining).unwrap();
        let (ql, ll) = (q.clone(), l.clone());
        let e = q.forfeit(&mut l, a).unwrap_err();
        assert_eq!(e.to_string(), "limit reached: forfeits of account 0 (at most 65535)");
        assert_eq!((&q, &l), (&ql, &ll));
        // The dead chunk (generation u16::MAX − 1) is skipped, the live one paid.
        let r = q.release_due(&mut l, Epoch(5)).unwrap();
        assert_eq!(r.iter().map(|x| x.amount).collect::<Vec<_>>(), vec![Amount(4)]);
        q.check_invariants(&l).unwrap();
        l.check_conservation().unwrap();
    }

    #[test]
    fn chunk_limit_and_failed_lock_change_nothing() {
        let (mut l, mut q, _, mining, a, _) = setup();
        for e in 1..=4 {
            q.lock(&mut l, mining.into(), a, Amount(1), Epoch(e), mining).unwrap();
        }
        let (ql, ll) = (q.clone(), l.clone());
        let e = q.lock(&mut l, mining.into(), a, Amount(1), Epoch(9), mining).unwrap_err();
        assert_eq!(e.to_string(), "limit reached: lock chunks of account 0 (at most 4)");
        let e = q.lock(&mut l, Holder::Account(a), a, Amount(1), Epoch(4), mining).unwrap_err();
        assert!(matches!(e, Error::InsufficientBalance { .. }));
        assert_eq!((q, l), (ql, ll));
    }
}
