//! [`RowLocks`]' invariant checks: the locks' total against their ledger pool, and the live
//! rows, owners' records, total and release order against each other.

use super::{Owner, RowLocks};
use crate::invariants::Violation;
use crate::ledger::Ledger;

impl<const N: usize> RowLocks<N> {
    /// Checks that the total is the ledger pool's balance, O(1).
    pub fn check_pool(&self, ledger: &Ledger) -> std::result::Result<(), Violation> {
        ledger.check_pool_holds((self.token, self.pool), self.total, "row locks total")
    }

    /// Checks that the live rows, the owners' records, the total and the ledger pool agree, and
    /// that the buckets are in release order.
    pub fn check_invariants(&self, ledger: &Ledger) -> std::result::Result<(), Violation> {
        let mut sums = vec![Owner::<N>::default(); self.owners.len()];
        for bucket in &self.buckets {
            for r in bucket.rows() {
                let Some(s) = sums.get_mut(r.owner.0 as usize) else {
                    return Err(Violation::new(
                        "row locks owners",
                        format!(
                            "a row of account {} at {} without a record",
                            r.owner.0, bucket.release_at.0
                        ),
                    ));
                };
                if self.owners[r.owner.0 as usize].generation != r.generation {
                    continue;
                }
                let amounts = bucket.amounts(r);
                for (s, a) in s.amounts.iter_mut().zip(amounts) {
                    s.0 += a.0;
                }
                s.chunks += amounts.iter().filter(|a| !a.is_zero()).count() as u32;
            }
        }
        if self
            .buckets
            .iter()
            .zip(self.buckets.iter().skip(1))
            .any(|(a, b)| a.release_at >= b.release_at)
        {
            return Err(Violation::new("row locks order", "buckets out of release order".into()));
        }
        let mut total = 0u128;
        for (i, (o, s)) in self.owners.iter().zip(&sums).enumerate() {
            if (o.amounts, o.chunks) != (s.amounts, s.chunks) {
                return Err(Violation::new(
                    "row locks owner totals",
                    format!(
                        "account {i}: rows sum {:?} in {} chunk(s), recorded {:?} in {}",
                        s.amounts, s.chunks, o.amounts, o.chunks
                    ),
                ));
            }
            total += o.total();
        }
        if total != self.total.0 {
            return Err(Violation::new(
                "row locks total",
                format!("rows {total}, locks total {}", self.total),
            ));
        }
        self.check_pool(ledger)
    }
}
