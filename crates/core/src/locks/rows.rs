//! [`LockQueue::lock_rows`]: a batch given as one row per owner with an amount from each of a
//! fixed list of source pools, the shape of an epoch's rewards (Stratos: the volume pool and
//! the mining pool). It checks, rejects and locks exactly as [`LockQueue::lock_batch`] of the
//! same entries, but the source of an amount is its place in the row, so no entry searches for
//! its source or for an earlier entry with the same one.

use super::locking::unsorted;
use super::{Chunk, LockQueue, OwnerLocks};
use crate::Epoch;
use crate::amount::Amount;
use crate::error::Result;
use crate::ledger::{AccountId, Holder, Ledger, PoolId};

impl LockQueue {
    /// Locks `rows` until `release_at`: the row `(owner, amounts)` moves `amounts[k]` from the
    /// ledger pool `sources[k]` into the queue for `owner`. The same as
    /// [`LockQueue::lock_batch`] of the entries `(owner, sources[k], amounts[k])`, row after
    /// row and `k` in order: the same checks and errors, chunks and ledger transfers. So the
    /// owners must rise strictly from row to row, `sources` must not name a pool twice, and
    /// every owner must be an account (even with zero amounts). All-or-nothing.
    ///
    /// Outside a checkpoint and into a new bucket (an epoch's rewards), one pass over the rows
    /// checks and locks them, and undoes what it did if a check fails; the checks are then
    /// made again one by one, in the order that names the batch's error.
    pub fn lock_rows<const N: usize>(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        sources: &[PoolId; N],
        rows: &[(AccountId, [Amount; N])],
    ) -> Result<()> {
        if self.depth == 0
            && !self.buckets.contains_key(&release_at)
            && self.lock_rows_new(ledger, release_at, sources, rows)
        {
            return Ok(());
        }
        let mut per_source = std::mem::take(&mut self.per_source);
        per_source.clear();
        let checked = self.check_rows(ledger, release_at, sources, rows, &mut per_source);
        let moved = checked.and_then(|c| self.move_in(ledger, &per_source).map(|()| c));
        self.per_source = per_source;
        let (live, join) = moved?;
        // Infallible from here on.
        let groups = rows
            .iter()
            .map(|(owner, amounts)| (*owner, sources.iter().copied().zip(amounts.iter().copied())));
        self.append(release_at, groups, live, join);
        Ok(())
    }

    /// [`LockQueue::lock_rows`] outside a checkpoint into a new bucket, in one pass: each row is
    /// checked (order, account, overflow, chunk budget) and locked; then the sources are
    /// checked and the tokens moved. Returns whether it locked the batch; when a check fails
    /// or the ledger refuses, it undoes the rows it locked (taking their amounts back from
    /// their owners' records) and changes nothing.
    fn lock_rows_new<const N: usize>(
        &mut self,
        ledger: &mut Ledger,
        release_at: Epoch,
        sources: &[PoolId; N],
        rows: &[(AccountId, [Amount; N])],
    ) -> bool {
        let Some(&(first, _)) = rows.first() else { return true }; // no entries at all
        if N == 0
            || (1..N).any(|k| sources[..k].contains(&sources[k]))
            || ledger.balance(self.token, Holder::Account(first)).is_err()
        {
            return false;
        }
        // No sum can overflow while the queue total is below 2^127 and the batch has fewer than
        // 2^31 amounts, each below 2^96 (a larger batch takes the checks one by one).
        if self.total.0 >> 127 != 0 || rows.len().saturating_mul(N) >> 31 != 0 {
            return false;
        }
        let (accounts, max) = (ledger.account_count(), self.max_chunks_per_owner);
        let mut bucket = std::mem::take(&mut self.spare);
        bucket.clear();
        bucket.reserve(rows.len() * N);
        let mut sums = [0u128; N];
        let (mut next, mut done, mut ok) = (0u64, 0, true);
        for (owner, amounts) in rows {
            // The order, the account, the amounts' size and the chunk budget.
            let (mut n, mut high) = (0u32, 0u128);
            for a in amounts {
                n += u32::from(!a.is_zero());
                high |= a.0 >> 96;
            }
            if u64::from(owner.0) < next || owner.0 >= accounts || high != 0 {
                ok = false;
                break;
            }
            next = u64::from(owner.0) + 1;
            if n == 0 {
                done += 1;
                continue;
            }
            let slot = self.owners.slot(*owner);
            if slot.as_ref().is_some_and(|o| o.chunks.saturating_add(n) > max) || n > max {
                ok = false;
                break;
            }
            done += 1;
            let o = slot.get_or_insert_with(OwnerLocks::default);
            let generation = self.generations.get(owner).copied().unwrap_or(0);
            for k in 0..N {
                let (source, amount) = (sources[k], amounts[k]);
                if !amount.is_zero() {
                    bucket.push(Chunk { owner: *owner, generation, source, amount });
                    o.add_at(k, source, amount);
                    sums[k] += amount.0;
                }
            }
            o.chunks += n;
        }
        // The sources that lock something, checked and moved in the order they first do.
        let per_source = &mut self.per_source;
        per_source.clear();
        if ok {
            let mut order: [(usize, usize); N] = std::array::from_fn(|k| {
                let first = if sums[k] == 0 {
                    usize::MAX
                } else {
                    rows.iter().position(|r| !r.1[k].is_zero()).unwrap_or(usize::MAX)
                };
                (first, k)
            });
            order.sort_unstable();
            per_source.extend(
                order
                    .iter()
                    .filter(|o| o.0 != usize::MAX)
                    .map(|&(_, k)| (sources[k], Amount(sums[k]))),
            );
        }
        let per_source = std::mem::take(per_source);
        ok = ok
            && per_source.iter().all(|(p, _)| self.check_source(ledger, *p).is_ok())
            && self.move_in(ledger, &per_source).is_ok();
        self.per_source = per_source;
        if !ok {
            self.unlock_rows(sources, &rows[..done]);
            self.keep_spare(bucket);
            return false;
        }
        self.total = Amount(self.total.0 + sums.iter().sum::<u128>());
        if bucket.is_empty() {
            self.keep_spare(bucket);
        } else {
            self.buckets.insert(release_at, bucket);
        }
        true
    }

    /// Takes the amounts of `rows`, just locked, back from their owners' records: a source or
    /// an owner the rows brought leaves again, the others keep their order.
    fn unlock_rows<const N: usize>(
        &mut self,
        sources: &[PoolId; N],
        rows: &[(AccountId, [Amount; N])],
    ) {
        for (owner, amounts) in rows {
            let Some(o) = self.owners.get_mut(owner) else { continue };
            for (&source, &amount) in sources.iter().zip(amounts).filter(|e| !e.1.is_zero()) {
                o.take(source, amount);
                o.chunks -= 1;
            }
            if o.is_empty() {
                self.owners.remove(owner);
            }
        }
    }

    /// The checks of [`LockQueue::lock_rows`], in the order [`LockQueue::lock_batch`] makes
    /// them on the same entries, before any change. Fills `per_source` with the batch's total
    /// by source pool, in the order the sources first lock something; returns how many
    /// amounts are not zero, and whether the first of them joins the bucket's last chunk.
    /// Only the queue total with the batch so far is checked for overflow (see
    /// [`LockQueue::lock_batch`]'s checks).
    fn check_rows<const N: usize>(
        &self,
        ledger: &Ledger,
        release_at: Epoch,
        sources: &[PoolId; N],
        rows: &[(AccountId, [Amount; N])],
        per_source: &mut Vec<(PoolId, Amount)>,
    ) -> Result<(usize, bool)> {
        if N == 0 {
            return Ok((0, false)); // no entries at all
        }
        // The first source that repeats an earlier one: the batch holds that pair twice in its
        // first row.
        let repeat = (0..N).find(|&k| sources[..k].contains(&sources[k])).unwrap_or(N);
        let accounts = ledger.account_count();
        let mut total = self.total;
        let mut sums = [0u128; N];
        let mut at = [usize::MAX; N];
        let (mut live, mut join) = (0usize, false);
        for (r, (owner, amounts)) in rows.iter().enumerate() {
            let owner = *owner;
            if r > 0 && rows[r - 1].0 > owner {
                return Err(unsorted(owner));
            }
            // An account (the full check, with its error, for the first owner and any unknown).
            if r == 0 || owner.0 >= accounts {
                ledger.balance(self.token, Holder::Account(owner))?;
            }
            let mut new_chunks = 0u32;
            for (k, &amount) in amounts.iter().enumerate() {
                if k == repeat {
                    return Err(unsorted(owner));
                }
                if amount.is_zero() {
                    continue;
                }
                if at[k] == usize::MAX {
                    self.check_source(ledger, sources[k])?;
                }
                total = total.checked_add(amount)?;
                if at[k] == usize::MAX {
                    at[k] = per_source.len();
                    per_source.push((sources[k], Amount::ZERO));
                }
                sums[k] += amount.0;
                // Only the batch's first live entry can join a chunk already in the bucket.
                live += 1;
                if live == 1 {
                    join = self.coalesces(owner, sources[k], release_at);
                }
                new_chunks += u32::from(!(live == 1 && join));
            }
            // The next row of the same owner repeats this row's pairs; the batch finds that
            // before it counts the owner's chunks.
            if rows.get(r + 1).is_some_and(|next| next.0 == owner) {
                return Err(unsorted(owner));
            }
            let chunks = self.owners.get(&owner).map_or(0, |o| o.chunks);
            if new_chunks > 0 && chunks.saturating_add(new_chunks) > self.max_chunks_per_owner {
                return Err(self.chunk_limit(owner));
            }
        }
        for (k, &i) in at.iter().enumerate() {
            if let Some(p) = per_source.get_mut(i) {
                p.1 = Amount(sums[k]);
            }
        }
        Ok((live, join))
    }
}
