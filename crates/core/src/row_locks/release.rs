//! [`RowLocks::release_due_into`]: the rows due paid to their owners, bucket by bucket.

use super::{Amount, Epoch, Ledger, ReleasedRow, Result, RowLocks, Undo};

impl<const N: usize> RowLocks<N> {
    /// Pays every live row whose release epoch is ≤ `now` to its owner's account, earliest
    /// first, and lists the rows it paid in `out` (cleared first), in bucket order: one entry a
    /// row, its amounts by source. A bucket the ledger refuses stays, and nothing of it is paid
    /// or listed. One pass lists a bucket's live rows and takes them off their owners' records,
    /// the ledger pays them in one call, and should it refuse, the records are put back from
    /// the list (a cold path: the locks' pool holds what they owe, and their owners are
    /// accounts).
    pub fn release_due_into(
        &mut self,
        ledger: &mut Ledger,
        now: Epoch,
        out: &mut Vec<ReleasedRow<N>>,
    ) -> Result<()> {
        out.clear();
        self.journal(Undo::Total(self.total));
        while let Some(bucket) = self.buckets.front() {
            let release_at = bucket.release_at;
            if release_at > now {
                break;
            }
            let (start, total_before) = (out.len(), self.total);
            let journal = self.depth > 0;
            out.reserve(bucket.rows().len());
            for r in bucket.rows() {
                let i = r.owner.0 as usize;
                let o = self.owners[i];
                if o.generation != r.generation {
                    continue;
                }
                let amounts = bucket.amounts(r);
                let o = &mut self.owners[i];
                let mut sum = 0;
                for (mine, a) in o.amounts.iter_mut().zip(amounts) {
                    mine.0 -= a.0;
                    o.chunks -= u32::from(!a.is_zero());
                    sum += a.0;
                }
                self.total = Amount(self.total.0 - sum);
                out.push(ReleasedRow { owner: r.owner, amounts, release_at });
            }
            let paid = out[start..].iter().map(|r| (r.owner, r.total()));
            if let Err(e) = ledger.pay_from_pool(self.token, self.pool, paid) {
                self.restore(&out[start..], total_before);
                out.truncate(start);
                return Err(e);
            }
            let Some(bucket) = self.buckets.pop_front() else { break };
            if journal {
                self.journal.push(Undo::Released(bucket));
            } else if bucket.capacity() > self.spare.capacity() {
                self.spare = bucket;
            }
        }
        Ok(())
    }

    /// Puts back on their owners' records the rows of a bucket the ledger refused to pay
    /// (listed in `rows`), and the total from before it.
    #[cold]
    #[inline(never)]
    fn restore(&mut self, rows: &[ReleasedRow<N>], total: Amount) {
        for r in rows {
            super::owner_add(&mut self.owners[r.owner.0 as usize], r.amounts, true);
        }
        self.total = total;
    }
}
