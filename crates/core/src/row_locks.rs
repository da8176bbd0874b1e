//! [`RowLocks`]: rewards locked by rows — an owner's amounts from each of `N` fixed source pools
//! until one release epoch — released in order of their release epoch.
//!
//! The shape of an epoch's rewards (Stratos: the volume pool and the mining pool, a row per
//! paid owner, all locked until the same epoch). It keeps the locks, checks, errors and release
//! order of a [`crate::LockQueue`] fed by [`crate::LockQueue::lock_rows`] — a row's live
//! amounts are that queue's chunks, in the same order — with less work per row: a row is one
//! record (not one chunk per source), an owner's record is a fixed array indexed by the account
//! (not a list of sources searched by pool), buckets sit in release order in a ring (not a
//! tree), a row's amounts are held in 64-bit words when they fit (`bucket.rs`), and a bucket is
//! paid with one ledger call and one credit per row. A property test
//! runs both side by side (`tests/row_locks_props.rs`). One difference: rows locked into a
//! bucket that already holds a row of the same owner stay two rows (the queue joins a batch's
//! first chunk to the bucket's last one when they match), which counts against the chunk budget
//! — an epoch's close locks into its own release epoch, where the two agree.
//!
//! Forfeits are O(N) (the owner's generation moves on; its older rows are skipped when they
//! fall due) and deductions O(rows locked), newest first, as the queue's. While a checkpoint
//! is open ([`RowLocks::checkpoint`]), every change records what it replaced, so a failed
//! operation rolls back in O(changes).

use std::collections::VecDeque;

use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
use bucket::Bucket;

mod bucket;
mod check;
mod release;
#[cfg(test)]
mod tests;

/// A row [`RowLocks::release_due_into`] paid: its owner, its amounts by source (in the order of
/// the locks' sources) and the epoch it was locked until.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleasedRow<const N: usize> {
    /// Who received it.
    pub owner: AccountId,
    /// How much from each source.
    pub amounts: [Amount; N],
    /// The epoch the lock ended.
    pub release_at: Epoch,
}

impl<const N: usize> ReleasedRow<N> {
    /// The row's amounts together (below the locks' total, which fits).
    #[must_use]
    pub fn total(&self) -> Amount {
        Amount(self.amounts.iter().map(|a| a.0).sum())
    }
}

/// What an owner has locked, by source; its live chunks (non-zero amounts in live rows, the
/// unit of the chunk budget); its forfeit generation.
#[serde_with::serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Owner<const N: usize> {
    #[serde_as(as = "[_; N]")]
    amounts: [Amount; N],
    chunks: u32,
    generation: u16,
}

impl<const N: usize> Default for Owner<N> {
    fn default() -> Owner<N> {
        Owner { amounts: [Amount::ZERO; N], chunks: 0, generation: 0 }
    }
}

impl<const N: usize> Owner<N> {
    fn total(&self) -> u128 {
        self.amounts.iter().map(|a| a.0).sum()
    }
}

/// An undo record: what a change replaced.
#[derive(Clone, Debug)]
enum Undo<const N: usize> {
    /// Bucket `release_at` had `len` rows and wide rows (no rows: it did not exist); the rows
    /// after them were added to their owners' records, and are taken off again.
    Appended { release_at: Epoch, len: (usize, usize) },
    /// Row `index` of bucket `release_at` had `prev`.
    Row { release_at: Epoch, index: usize, prev: [Amount; N] },
    /// The owner's record before the change.
    Owner { owner: AccountId, prev: Owner<N> },
    /// The total before the change.
    Total(Amount),
    /// The first bucket, released: its live rows were taken off their owners' records, and are
    /// put back.
    Released(Bucket<N>),
}

/// A position in the journal, returned by [`RowLocks::checkpoint`].
#[derive(Debug)]
#[must_use = "a checkpoint must be committed or reverted"]
pub struct RowCheckpoint {
    journal_len: usize,
    depth: u32,
}

/// Rows of locked amounts of one token from `N` source pools, released in order of their
/// release epoch. The tokens sit in one ledger pool the locks own alone.
#[serde_with::serde_as]
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RowLocks<const N: usize> {
    token: TokenId,
    pool: PoolId,
    #[serde_as(as = "[_; N]")]
    sources: [PoolId; N],
    max_chunks_per_owner: u32,
    /// Buckets by release epoch, earliest first.
    buckets: VecDeque<Bucket<N>>,
    /// Owners' records by account index (an absent record is the default).
    owners: Vec<Owner<N>>,
    total: Amount,
    #[serde(skip)]
    journal: Vec<Undo<N>>,
    #[serde(skip)]
    depth: u32,
    /// The row list of the last bucket released, reused by the next new bucket.
    #[serde(skip)]
    spare: Bucket<N>,
    /// By account, the last batch of [`RowLocks::lock_distinct_rows`] that named it; the
    /// number of the last batch.
    #[serde(skip)]
    seen: (Vec<u32>, u32),
}

/// Two lock sets are equal when they hold the same locks (open checkpoints aside).
impl<const N: usize> PartialEq for RowLocks<N> {
    fn eq(&self, other: &RowLocks<N>) -> bool {
        let len = self.owners.len().max(other.owners.len());
        (self.token, self.pool, self.sources, self.max_chunks_per_owner, self.total)
            == (other.token, other.pool, other.sources, other.max_chunks_per_owner, other.total)
            && self.buckets == other.buckets
            && (0..len).all(|i| self.record(i) == other.record(i))
    }
}

impl<const N: usize> Eq for RowLocks<N> {}

impl<const N: usize> RowLocks<N> {
    /// Locks of `token` kept in the ledger pool `pool` (which they must own alone), taken from
    /// `sources` (distinct pools other than `pool`), with at most `max_chunks_per_owner` live
    /// amounts per owner.
    pub fn new(
        token: TokenId,
        pool: PoolId,
        sources: [PoolId; N],
        max_chunks_per_owner: u32,
    ) -> Result<RowLocks<N>> {
        for (k, s) in sources.iter().enumerate() {
            if *s == pool || sources[..k].contains(s) {
                return Err(Error::InvalidParameter {
                    name: "sources".into(),
                    value: format!("pool:{}", s.0),
                    reason: "sources must be distinct pools other than the locks' own".into(),
                });
            }
        }
        Ok(RowLocks {
            token,
            pool,
            sources,
            max_chunks_per_owner,
            buckets: VecDeque::new(),
            owners: Vec::new(),
            total: Amount::ZERO,
            journal: Vec::new(),
            depth: 0,
            spare: Bucket::default(),
            seen: (Vec::new(), 0),
        })
    }

    fn record(&self, i: usize) -> Owner<N> {
        self.owners.get(i).copied().unwrap_or_default()
    }

    /// The ledger pool holding the locked tokens.
    #[must_use]
    pub fn pool(&self) -> PoolId {
        self.pool
    }

    /// Everything locked.
    #[must_use]
    pub fn total(&self) -> Amount {
        self.total
    }

    /// What `owner` has locked.
    #[must_use]
    pub fn locked_of(&self, owner: AccountId) -> Amount {
        Amount(self.record(owner.0 as usize).total())
    }

    /// The earliest epoch with a bucket of locks, if any.
    #[must_use]
    pub fn next_release(&self) -> Option<Epoch> {
        self.buckets.front().map(|b| b.release_at)
    }

    fn journal(&mut self, undo: Undo<N>) {
        if self.depth > 0 {
            self.journal.push(undo);
        }
    }

    fn save_owner(&mut self, owner: AccountId) {
        if self.depth > 0 {
            let prev = self.record(owner.0 as usize);
            self.journal.push(Undo::Owner { owner, prev });
        }
    }

    /// The record of `owner`, the table grown to hold it.
    fn owner_mut(&mut self, owner: AccountId) -> &mut Owner<N> {
        let i = owner.0 as usize;
        if self.owners.len() <= i {
            self.owners.resize(i + 1, Owner::default());
        }
        &mut self.owners[i]
    }

    /// Locks `rows` until `release_at`: the row `(owner, amounts)` moves `amounts[k]` from the
    /// source pool `k` into the locks for `owner`. Owners must rise strictly from row to row and
    /// be accounts; an owner's live amounts may not exceed the chunk budget. All-or-nothing,
    /// refusing the batches [`crate::LockQueue::lock_rows`] refuses: an error names the first
    /// bad row, or says the total would overflow (found when a source's sum or the total does).
    pub fn lock_rows(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        rows: &[(AccountId, [Amount; N])],
    ) -> Result<()> {
        self.lock_checked::<true>(ledger, release_at, rows)
    }

    /// [`RowLocks::lock_rows`] of rows in any order, each owner at most once: the same locks,
    /// checks and errors (an error names the first bad row in the order given; a repeated owner
    /// is refused after the rows' other checks), the bucket's new rows in the order given,
    /// without sorting the batch first. The order changes no amount, release or deduction (an
    /// owner has one row a batch); it is part of the saved state, so a caller that wants the
    /// same state from the same locks gives them in the same order.
    pub fn lock_distinct_rows(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        rows: &[(AccountId, [Amount; N])],
    ) -> Result<()> {
        self.lock_checked::<false>(ledger, release_at, rows)
    }

    /// [`RowLocks::lock_rows`] (`SORTED`) or [`RowLocks::lock_distinct_rows`].
    fn lock_checked<const SORTED: bool>(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        rows: &[(AccountId, [Amount; N])],
    ) -> Result<()> {
        let accounts = ledger.account_count();
        let mut sums = [Amount::ZERO; N];
        let (mut prev, mut top): (Option<AccountId>, Option<AccountId>) = (None, None);
        for &(owner, amounts) in rows {
            if SORTED {
                if prev.is_some_and(|p| p >= owner) {
                    return Err(unsorted(owner));
                }
                prev = Some(owner);
            }
            if owner.0 >= accounts {
                ledger.balance(self.token, Holder::Account(owner))?;
            }
            let mut n = 0u32;
            for (sum, a) in sums.iter_mut().zip(amounts) {
                *sum = sum.checked_add(a)?;
                n += u32::from(!a.is_zero());
            }
            if n > 0 {
                let chunks = self.owners.get(owner.0 as usize).map_or(0, |o| o.chunks);
                if chunks.saturating_add(n) > self.max_chunks_per_owner {
                    return Err(Error::LimitReached {
                        what: format!("lock chunks of account {}", owner.0),
                        limit: u64::from(self.max_chunks_per_owner),
                    });
                }
            }
            // The owners' records reach the last owner of a sorted batch, as they always did,
            // and the last owner locking anything of an unsorted one (a row of zeros locks
            // nothing and makes no record).
            if SORTED || n > 0 {
                top = top.max(Some(owner));
            }
        }
        // Each sum is at most the new total: the total overflows when any of them would.
        let mut total = self.total;
        for sum in sums {
            total = total.checked_add(sum)?;
        }
        // After the accounts are known to exist (the check sizes a table by account).
        if !SORTED {
            self.check_distinct(rows)?;
        }
        let (token, pool, sources) = (self.token, self.pool, self.sources);
        ledger.atomic(|l| {
            sources.iter().zip(sums).filter(|(_, s)| !s.is_zero()).try_for_each(|(src, s)| {
                l.transfer(token, Holder::Pool(*src), Holder::Pool(pool), s)
            })
        })?;
        // Infallible from here on.
        let at = match self.buckets.iter().rposition(|b| b.release_at <= release_at) {
            Some(i) if self.buckets[i].release_at == release_at => i,
            found => {
                let i = found.map_or(0, |i| i + 1);
                let spare = std::mem::take(&mut self.spare);
                self.buckets.insert(i, Bucket::reuse(spare, release_at));
                i
            }
        };
        let mut bucket = std::mem::take(&mut self.buckets[at]);
        self.journal(Undo::Appended { release_at, len: bucket.len() });
        self.journal(Undo::Total(self.total));
        self.total = total;
        if let Some(last) = top
            && self.owners.len() <= last.0 as usize
        {
            self.owners.resize(last.0 as usize + 1, Owner::default());
        }
        bucket.reserve(rows.len());
        for &(owner, amounts) in rows {
            let n = amounts.iter().map(|a| u32::from(!a.is_zero())).sum::<u32>();
            if n == 0 {
                continue;
            }
            // No undo record an owner: the batch's `Appended` takes its rows off again.
            let o = &mut self.owners[owner.0 as usize];
            owner_add(o, amounts, true);
            bucket.push(owner, o.generation, amounts);
        }
        if bucket.is_empty() {
            self.buckets.remove(at);
            self.spare = bucket;
        } else {
            self.buckets[at] = bucket;
        }
        Ok(())
    }

    /// Refuses a batch that names an owner twice, in O(rows): each account's entry in `seen`
    /// holds the number of the last batch that named it (batches numbered from 1; the entries
    /// are cleared when the numbers wrap).
    fn check_distinct(&mut self, rows: &[(AccountId, [Amount; N])]) -> Result<()> {
        let (seen, batch) = &mut self.seen;
        *batch = batch.wrapping_add(1);
        if *batch == 0 {
            seen.fill(0);
            *batch = 1;
        }
        for &(owner, _) in rows {
            let i = owner.0 as usize;
            if seen.len() <= i {
                seen.resize(i + 1, 0);
            }
            if seen[i] == *batch {
                return Err(unsorted(owner));
            }
            seen[i] = *batch;
        }
        Ok(())
    }

    /// Returns everything `owner` has locked to the pools it came from, at once; its locked
    /// rows are dead from now on. Returns what went back, by source (none when nothing was
    /// locked). At most 65,535 forfeits per owner.
    pub fn forfeit(
        &mut self,
        ledger: &mut Ledger,
        owner: AccountId,
    ) -> Result<Vec<(PoolId, Amount)>> {
        let o = self.record(owner.0 as usize);
        if o.total() == 0 {
            return Ok(Vec::new());
        }
        if o.generation == u16::MAX {
            return Err(Error::LimitReached {
                what: format!("forfeits of account {}", owner.0),
                limit: u64::from(u16::MAX),
            });
        }
        let back: Vec<(PoolId, Amount)> =
            self.sources.iter().copied().zip(o.amounts).filter(|(_, a)| !a.is_zero()).collect();
        let (token, pool) = (self.token, self.pool);
        ledger.atomic(|l| {
            back.iter()
                .try_for_each(|(p, a)| l.transfer(token, Holder::Pool(pool), Holder::Pool(*p), *a))
        })?;
        self.save_owner(owner);
        self.journal(Undo::Total(self.total));
        self.total = Amount(self.total.0 - o.total());
        *self.owner_mut(owner) = Owner { generation: o.generation + 1, ..Owner::default() };
        Ok(back)
    }

    /// Takes up to `amount` of what `owner` has locked, newest rows first (within a row, the
    /// last source first), and moves it to `to`. Returns what was taken.
    pub fn deduct(
        &mut self,
        ledger: &mut Ledger,
        owner: AccountId,
        amount: Amount,
        to: Holder,
    ) -> Result<Amount> {
        let o = self.record(owner.0 as usize);
        let take = amount.min(Amount(o.total()));
        if take.is_zero() {
            return Ok(Amount::ZERO);
        }
        ledger.transfer(self.token, Holder::Pool(self.pool), to, take)?;
        // Infallible from here on.
        self.save_owner(owner);
        self.journal(Undo::Total(self.total));
        let (mut left, mut rec) = (take.0, o);
        let journal = self.depth > 0;
        'buckets: for bucket in self.buckets.iter_mut().rev() {
            for index in (0..bucket.rows().len()).rev() {
                let r = bucket.rows()[index];
                if r.owner != owner || r.generation != o.generation {
                    continue;
                }
                let prev = bucket.amounts(&r);
                let mut amounts = prev;
                if journal {
                    let release_at = bucket.release_at;
                    self.journal.push(Undo::Row { release_at, index, prev });
                }
                for k in (0..N).rev() {
                    let t = left.min(amounts[k].0);
                    if t == 0 {
                        continue;
                    }
                    amounts[k].0 -= t;
                    rec.amounts[k].0 -= t;
                    rec.chunks -= u32::from(amounts[k].is_zero());
                    left -= t;
                    if left == 0 {
                        break;
                    }
                }
                bucket.set(index, amounts);
                if left == 0 {
                    break 'buckets;
                }
            }
        }
        *self.owner_mut(owner) = rec;
        self.total = Amount(self.total.0 - take.0);
        Ok(take)
    }

    /// Starts recording undo information; checkpoints nest.
    pub fn checkpoint(&mut self) -> RowCheckpoint {
        self.depth += 1;
        RowCheckpoint { journal_len: self.journal.len(), depth: self.depth }
    }

    /// Keeps every change since `cp`.
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn commit(&mut self, cp: RowCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    /// Undoes every change since `cp`, newest first (the ledger's side is the caller's).
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn revert(&mut self, cp: RowCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        while self.journal.len() > cp.journal_len {
            let Some(undo) = self.journal.pop() else { break };
            match undo {
                Undo::Appended { release_at, len } => {
                    if let Some(i) = self.buckets.iter().position(|b| b.release_at == release_at) {
                        let b = &self.buckets[i];
                        for r in &b.rows()[len.0.min(b.rows().len())..] {
                            owner_add(&mut self.owners[r.owner.0 as usize], b.amounts(r), false);
                        }
                        self.buckets[i].truncate(len);
                        if len.0 == 0 {
                            self.buckets.remove(i);
                        }
                    }
                }
                Undo::Row { release_at, index, prev } => {
                    let bucket = self.buckets.iter_mut().find(|b| b.release_at == release_at);
                    if let Some(b) = bucket.filter(|b| index < b.rows().len()) {
                        b.set(index, prev);
                    }
                }
                Undo::Owner { owner, prev } => *self.owner_mut(owner) = prev,
                Undo::Total(t) => self.total = t,
                Undo::Released(bucket) => {
                    for r in bucket.rows() {
                        let o = &mut self.owners[r.owner.0 as usize];
                        if o.generation == r.generation {
                            owner_add(o, bucket.amounts(r), true);
                        }
                    }
                    self.buckets.push_front(bucket);
                }
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }
}

impl<const N: usize> crate::txn::Transactional for RowLocks<N> {
    type Checkpoint = RowCheckpoint;
    fn checkpoint(&mut self) -> RowCheckpoint {
        RowLocks::checkpoint(self)
    }
    fn commit(&mut self, cp: RowCheckpoint) {
        RowLocks::commit(self, cp);
    }
    fn revert(&mut self, cp: RowCheckpoint) {
        RowLocks::revert(self, cp);
    }
}

/// Adds a row's amounts to its owner's record (`add`) or takes them off, with its chunks.
fn owner_add<const N: usize>(o: &mut Owner<N>, amounts: [Amount; N], add: bool) {
    for (mine, a) in o.amounts.iter_mut().zip(amounts) {
        if add {
            mine.0 += a.0;
            o.chunks += u32::from(!a.is_zero());
        } else {
            mine.0 -= a.0;
            o.chunks -= u32::from(!a.is_zero());
        }
    }
}

fn unsorted(owner: AccountId) -> Error {
    Error::InvalidParameter {
        name: "entries".into(),
        value: format!("account {}", owner.0),
        reason: "a lock batch must be sorted by owner (or, unsorted, name each owner once), with no (owner, source) pair twice".into(),
    }
}
