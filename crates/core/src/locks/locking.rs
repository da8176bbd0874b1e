//! Locking into a [`LockQueue`]: [`LockQueue::lock`] (one amount, all-or-nothing) and
//! [`LockQueue::lock_batch`] (a whole epoch's rewards into one bucket, one ledger transfer per
//! source pool). Every check runs before the first change; entries of one owner, source and
//! release epoch coalesce into one chunk.

use super::{Chunk, LockQueue, OwnerLocks, Undo};
use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::ledger::{AccountId, Holder, Ledger, PoolId};

impl LockQueue {
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
    /// plus its undo records when a checkpoint is open. Outside a checkpoint, the entries of
    /// one owner in a row share the owner's lookups.
    fn append(&mut self, release_at: Epoch, entries: &[(AccountId, PoolId, Amount)]) {
        let live = entries.iter().filter(|e| !e.2.is_zero()).count();
        if live == 0 {
            return;
        }
        let journal = self.depth > 0;
        let bucket =
            self.buckets.entry(release_at).or_insert_with(|| std::mem::take(&mut self.spare));
        bucket.reserve_exact(live);
        if !journal {
            let mut rest = entries;
            while let Some(&(owner, ..)) = rest.first() {
                let run = rest.iter().take_while(|e| e.0 == owner).count();
                let (group, next) = rest.split_at(run);
                rest = next;
                if group.iter().all(|e| e.2.is_zero()) {
                    continue;
                }
                let generation = self.generations.get(&owner).copied().unwrap_or(0);
                let o = self.owners.or_default(owner);
                for &(_, source, amount) in group.iter().filter(|e| !e.2.is_zero()) {
                    let coalesce = joins(bucket.last(), owner, source, generation);
                    match bucket.last_mut() {
                        Some(c) if coalesce => c.amount = Amount(c.amount.0 + amount.0),
                        _ => bucket.push(Chunk { owner, generation, source, amount }),
                    }
                    add_to_owner(o, source, amount, !coalesce);
                    self.total = Amount(self.total.0 + amount.0);
                }
            }
            return;
        }
        for &(owner, source, amount) in entries.iter().filter(|e| !e.2.is_zero()) {
            let generation = self.generations.get(&owner).copied().unwrap_or(0);
            let coalesce = joins(bucket.last(), owner, source, generation);
            self.journal.push(Undo::Locked { release_at, added: coalesce.then_some(amount) });
            self.journal.push(Undo::Owner { owner, prev: self.owners.get(&owner).cloned() });
            self.journal.push(Undo::Total(self.total));
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
        let mut per_source = std::mem::take(&mut self.per_source);
        per_source.clear();
        let checked = self.check_batch(ledger, release_at, entries, &mut per_source);
        let moved = checked.and_then(|()| {
            ledger.atomic(|l| {
                per_source.iter().try_for_each(|(p, a)| {
                    l.transfer(self.token, Holder::Pool(*p), Holder::Pool(self.pool), *a)
                })
            })
        });
        self.per_source = per_source;
        moved?;
        // Infallible from here on.
        self.append(release_at, entries);
        Ok(())
    }

    /// The checks of [`LockQueue::lock_batch`], before any change; fills `per_source` with the
    /// batch's total by source pool.
    fn check_batch(
        &self,
        ledger: &Ledger,
        release_at: Epoch,
        entries: &[(AccountId, PoolId, Amount)],
        per_source: &mut Vec<(PoolId, Amount)>,
    ) -> Result<()> {
        let mut total = self.total;
        let mut first = true;
        let mut i = 0;
        while i < entries.len() {
            let owner = entries[i].0;
            if i > 0 && entries[i - 1].0 > owner {
                return Err(unsorted(owner));
            }
            // An account (the full check, with its error, for the first owner and any unknown).
            if i == 0 || owner.0 >= ledger.account_count() {
                ledger.balance(self.token, Holder::Account(owner))?;
            }
            let (chunks, locked) =
                self.owners.get(&owner).map_or((0, Amount::ZERO), |o| (o.chunks, o.total));
            let (mut new_chunks, mut owner_total) = (0u32, locked);
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
            if new_chunks > 0 && chunks + new_chunks > self.max_chunks_per_owner {
                return Err(self.chunk_limit(owner));
            }
            i = j;
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

/// The rejection of a lock batch not sorted by owner, or with an (owner, source) pair twice.
fn unsorted(owner: AccountId) -> Error {
    Error::InvalidParameter {
        name: "entries".into(),
        value: format!("account {}", owner.0),
        reason: "a lock batch must be sorted by owner, with no (owner, source) pair twice".into(),
    }
}
