//! Taking tokens out of a [`LockQueue`]: [`LockQueue::release_due`] pays what is due, oldest
//! first; [`LockQueue::forfeit`] returns an owner's locks to their source pools at once (stale
//! chunks are skipped later by generation); [`LockQueue::deduct`] takes part of an owner's locks,
//! newest first.

use super::{Chunk, LockQueue, Released, Undo};
use crate::Epoch;
use crate::amount::Amount;
use crate::error::{Error, Result};
use crate::ledger::{AccountId, Holder, Ledger, PoolId};

impl LockQueue {
    /// Pays every chunk whose release epoch is ≤ `now` to its owner's account, oldest first.
    pub fn release_due(&mut self, ledger: &mut Ledger, now: Epoch) -> Result<Vec<Released>> {
        let mut out = Vec::new();
        self.release_due_into(ledger, now, &mut out)?;
        Ok(out)
    }

    /// [`LockQueue::release_due`] into `out` (cleared first), so that a caller keeping `out`
    /// allocates nothing once warm. Each bucket is paid with one ledger call (the pool debited
    /// once, each owner credited), then its owners' records change in one pass; a bucket the
    /// ledger refuses stays in the queue, and nothing of it is paid.
    pub fn release_due_into(
        &mut self,
        ledger: &mut Ledger,
        now: Epoch,
        out: &mut Vec<Released>,
    ) -> Result<()> {
        out.clear();
        self.record_total();
        while let Some((&release_at, chunks)) = self.buckets.first_key_value() {
            if release_at > now {
                break;
            }
            // Deducted chunks and those forfeited earlier have nothing left to pay.
            let start = out.len();
            out.extend(chunks.iter().filter(|c| self.live(c)).map(|c| Released {
                owner: c.owner,
                source: c.source,
                amount: c.amount,
                release_at,
            }));
            let paid = &out[start..];
            if let Err(e) = ledger.pay_from_pool(
                self.token,
                self.pool,
                paid.iter().map(|r| (r.owner, r.amount)),
            ) {
                out.truncate(start);
                return Err(e);
            }
            for r in &out[start..] {
                self.record_owner(r.owner);
                if let Some(o) = self.owners.get_mut(&r.owner) {
                    o.chunks -= 1;
                    o.take(r.source, r.amount);
                    if o.is_empty() {
                        self.owners.remove(&r.owner);
                    }
                }
                self.total = self.total.saturating_sub(r.amount);
            }
            let chunks = self.buckets.pop_first().map(|(_, c)| c).unwrap_or_default();
            if self.depth > 0 {
                self.journal.push(Undo::Bucket { release_at, chunks });
            } else {
                self.keep_spare(chunks);
            }
        }
        Ok(())
    }

    /// Whether chunk `c` still holds tokens to pay: not emptied by a deduction, of its owner's
    /// current generation (not forfeited), and its owner has a record.
    fn live(&self, c: &Chunk) -> bool {
        !c.amount.is_zero()
            && self.generation(c.owner) == c.generation
            && self.owners.get(&c.owner).is_some()
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
        let back = o.to_vec();
        ledger.atomic(|l| {
            back.iter().try_for_each(|(p, a)| {
                l.transfer(self.token, Holder::Pool(self.pool), Holder::Pool(*p), *a)
            })
        })?;
        self.record_owner(owner);
        self.record(|q| Undo::Generation { owner, prev: q.generations.get(&owner).copied() });
        self.record_total();
        let forfeited = self.owners.remove(&owner).map_or(Amount::ZERO, |o| o.total());
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
        let take = amount.min(o.total());
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
        o.chunks -= emptied;
        for (p, t) in by_source {
            o.take(p, Amount(t));
        }
        if o.is_empty() {
            self.owners.remove(&owner);
        }
        self.total = self.total.saturating_sub(take);
        Ok(take)
    }
}
