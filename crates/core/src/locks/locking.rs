//! Locking into a [`LockQueue`]: [`LockQueue::lock`] (one amount, all-or-nothing) and
//! [`LockQueue::lock_batch`] (a whole epoch's rewards into one bucket, one ledger transfer per
//! source pool), and the appending both share with [`LockQueue::lock_rows`]. Every check runs
//! before the first change; entries of one owner, source and release epoch coalesce into one
//! chunk.

use super::{Chunk, LockQueue, Undo};
use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::ledger::{AccountId, Holder, Ledger, PoolId};

impl LockQueue {
    pub(super) fn check_source(&self, ledger: &Ledger, source: PoolId) -> Result<()> {
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
    pub(super) fn coalesces(&self, owner: AccountId, source: PoolId, release_at: Epoch) -> bool {
        let last = self.buckets.get(&release_at).and_then(|b| b.last());
        joins(last, owner, source, self.generation(owner))
    }

    pub(super) fn chunk_limit(&self, owner: AccountId) -> Error {
        Error::LimitReached {
            what: format!("lock chunks of account {}", owner.0),
            limit: u64::from(self.max_chunks_per_owner),
        }
    }

    /// Adds checked locks until `release_at` whose tokens are already in the queue's pool:
    /// `groups` gives each owner in turn with its `(source, amount)`s, in order (zero amounts
    /// skipped; `live` of them are not zero; `join_first`: the first live one joins the
    /// bucket's last chunk, which no later one can, as each follows a chunk of another (owner,
    /// source)). The bucket is looked up once and each owner once. With a checkpoint open, the
    /// journal saves the queue total once, each owner's record once and one record per entry.
    pub(super) fn append<G>(
        &mut self,
        release_at: Epoch,
        groups: impl Iterator<Item = (AccountId, G)>,
        live: usize,
        join_first: bool,
    ) where
        G: Iterator<Item = (PoolId, Amount)> + Clone,
    {
        if live == 0 {
            return;
        }
        let journal = self.depth > 0;
        if journal {
            self.journal.push(Undo::Total(self.total));
        }
        let bucket =
            self.buckets.entry(release_at).or_insert_with(|| std::mem::take(&mut self.spare));
        bucket.reserve(live);
        let mut join = join_first;
        let mut added = 0u128;
        for (owner, group) in groups {
            if group.clone().all(|e| e.1.is_zero()) {
                continue;
            }
            if journal {
                self.journal.push(Undo::Owner { owner, prev: self.owners.get(&owner).cloned() });
            }
            let generation = self.generations.get(&owner).copied().unwrap_or(0);
            let o = self.owners.or_default(owner);
            for (source, amount) in group.filter(|e| !e.1.is_zero()) {
                let joined = std::mem::take(&mut join);
                if journal {
                    self.journal.push(Undo::Locked { release_at, added: joined.then_some(amount) });
                }
                match bucket.last_mut() {
                    Some(c) if joined => c.amount = Amount(c.amount.0 + amount.0),
                    _ => bucket.push(Chunk { owner, generation, source, amount }),
                }
                o.chunks += u32::from(!joined);
                o.add(source, amount);
                added += amount.0;
            }
        }
        self.total = Amount(self.total.0 + added);
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
        let join = self.coalesces(owner, source, release_at);
        if !join && chunks >= self.max_chunks_per_owner {
            return Err(self.chunk_limit(owner));
        }
        ledger.transfer(self.token, from, Holder::Pool(self.pool), amount)?;
        self.append(
            release_at,
            std::iter::once((owner, std::iter::once((source, amount)))),
            1,
            join,
        );
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
        let mut per_source = std::mem::take(&mut self.per_source);
        per_source.clear();
        let checked = self.check_batch(ledger, release_at, entries, &mut per_source);
        let moved = checked.and_then(|c| self.move_in(ledger, &per_source).map(|()| c));
        self.per_source = per_source;
        let (live, join) = moved?;
        // Infallible from here on.
        self.append(release_at, runs(entries), live, join);
        Ok(())
    }

    /// Moves a checked batch's total by source pool into the queue's pool, all-or-nothing.
    pub(super) fn move_in(
        &self,
        ledger: &mut Ledger,
        per_source: &[(PoolId, Amount)],
    ) -> Result<()> {
        ledger.atomic(|l| {
            per_source.iter().try_for_each(|(p, a)| {
                l.transfer(self.token, Holder::Pool(*p), Holder::Pool(self.pool), *a)
            })
        })
    }

    /// The checks of [`LockQueue::lock_batch`], before any change: order, owners, sources, the
    /// totals and each owner's chunk budget. Fills `per_source` with the batch's total by source
    /// pool; returns how many entries are not zero, and whether the first of them joins the
    /// bucket's last chunk.
    ///
    /// One sum is checked for overflow, the queue total with the batch so far: every source's
    /// part of the batch and every owner's total (at most the queue total, which is the sum of
    /// the owners' totals) are no larger, so they cannot overflow when it does not, and an
    /// overflow is reported at the same entry as if each were checked.
    fn check_batch(
        &self,
        ledger: &Ledger,
        release_at: Epoch,
        entries: &[(AccountId, PoolId, Amount)],
        per_source: &mut Vec<(PoolId, Amount)>,
    ) -> Result<(usize, bool)> {
        let accounts = ledger.account_count();
        let mut total = self.total;
        let (mut live, mut join) = (0usize, false);
        let mut i = 0;
        while i < entries.len() {
            let owner = entries[i].0;
            if i > 0 && entries[i - 1].0 > owner {
                return Err(unsorted(owner));
            }
            // An account (the full check, with its error, for the first owner and any unknown).
            if i == 0 || owner.0 >= accounts {
                ledger.balance(self.token, Holder::Account(owner))?;
            }
            let chunks = self.owners.get(&owner).map_or(0, |o| o.chunks);
            let mut new_chunks = 0u32;
            let mut j = i;
            while j < entries.len() && entries[j].0 == owner {
                let (_, source, amount) = entries[j];
                if entries[i..j].iter().any(|e| e.1 == source) {
                    return Err(unsorted(owner));
                }
                if !amount.is_zero() {
                    let k = per_source.iter().position(|(p, _)| *p == source);
                    if k.is_none() {
                        self.check_source(ledger, source)?;
                    }
                    total = total.checked_add(amount)?;
                    match k {
                        Some(k) => per_source[k].1.0 += amount.0,
                        None => per_source.push((source, amount)),
                    }
                    // Only the batch's first live entry can join a chunk already in the bucket.
                    live += 1;
                    if live == 1 {
                        join = self.coalesces(owner, source, release_at);
                    }
                    new_chunks += u32::from(!(live == 1 && join));
                }
                j += 1;
            }
            if new_chunks > 0 && chunks.saturating_add(new_chunks) > self.max_chunks_per_owner {
                return Err(self.chunk_limit(owner));
            }
            i = j;
        }
        Ok((live, join))
    }
}

/// The entries of a batch sorted by owner, as each owner's run of `(source, amount)`s.
fn runs(
    entries: &[(AccountId, PoolId, Amount)],
) -> impl Iterator<Item = (AccountId, impl Iterator<Item = (PoolId, Amount)> + Clone + '_)> {
    let mut rest = entries;
    std::iter::from_fn(move || {
        let &(owner, ..) = rest.first()?;
        let run = rest.iter().position(|e| e.0 != owner).unwrap_or(rest.len());
        let (group, next) = rest.split_at(run);
        rest = next;
        Some((owner, group.iter().map(|e| (e.1, e.2))))
    })
}

/// Whether a lock of (`owner`, `source`) by an owner of forfeit generation `generation` joins
/// the bucket's `last` chunk rather than starting a new one (an emptied chunk is never revived).
fn joins(last: Option<&Chunk>, owner: AccountId, source: PoolId, generation: u16) -> bool {
    last.is_some_and(|c| {
        c.owner == owner && c.source == source && c.generation == generation && !c.amount.is_zero()
    })
}

/// The rejection of a lock batch not sorted by owner, or with an (owner, source) pair twice.
pub(super) fn unsorted(owner: AccountId) -> Error {
    Error::InvalidParameter {
        name: "entries".into(),
        value: format!("account {}", owner.0),
        reason: "a lock batch must be sorted by owner, with no (owner, source) pair twice".into(),
    }
}
