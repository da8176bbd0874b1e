//! The epoch's node rewards as lock-queue entries, summed by (owner, source) as they are paid
//! and sorted, so an owner paid as a resource node and a meta node in the same epoch adds at
//! most two chunks (volume pool, mining pool) to [`ergon_core::LockQueue::lock_batch`]; and the
//! close's working memory ([`Scratch`]).

use ergon_core::{AccountId, Amount, PoolId, Released};

use crate::error::StratosError;
use crate::nodes::MetaIndex;

/// Working memory of an epoch's close, kept between epochs so that a close allocates nothing
/// once warm. Not part of the state: clones start empty and every two are equal.
#[derive(Debug, Default)]
pub(in crate::engine) struct Scratch {
    /// The nodes with pending traffic and their traffic ([`super::settle::pending`]).
    pub(super) pending: Vec<(u32, u128)>,
    /// The active meta nodes.
    pub(super) metas: Vec<MetaIndex>,
    /// Rewards by settled node or by meta node.
    pub(super) rewards: Vec<Amount>,
    /// The epoch's rewards to lock.
    pub(super) locks: Locks,
    /// Locked rewards and deposits released.
    pub(super) released: Vec<Released>,
    pub(super) returned: Vec<Released>,
}

impl Clone for Scratch {
    fn clone(&self) -> Scratch {
        Scratch::default()
    }
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

/// The epoch's rewards to lock, summed by owner and source (0 volume pool, 1 mining pool) in
/// O(1) each: `slot[account]` is the account's row in `sums` when that row names the account
/// (so stale slots need no reset).
#[derive(Debug, Default)]
pub(super) struct Locks {
    slot: Vec<u32>,
    sums: Vec<(AccountId, [Amount; 2])>,
    /// (owner, row) packed in a u64, for sorting.
    keys: Vec<u64>,
    sorted: Vec<(AccountId, PoolId, Amount)>,
}

impl Locks {
    /// Starts an epoch with nothing to lock.
    pub(super) fn clear(&mut self) {
        self.sums.clear();
    }

    /// Adds `a` from source `si` to `owner`'s lock.
    pub(super) fn add(
        &mut self,
        si: usize,
        owner: AccountId,
        a: Amount,
    ) -> Result<(), StratosError> {
        let i = owner.0 as usize;
        if self.slot.len() <= i {
            self.slot.resize(i + 1, u32::MAX);
        }
        let s = self.slot[i] as usize;
        let row = if self.sums.get(s).is_some_and(|r| r.0 == owner) {
            s
        } else {
            self.slot[i] = self.sums.len() as u32;
            self.sums.push((owner, [Amount::ZERO; 2]));
            self.sums.len() - 1
        };
        let sum = &mut self.sums[row].1[si];
        *sum = sum.checked_add(a)?;
        Ok(())
    }

    /// The sums as [`ergon_core::LockQueue::lock_batch`] takes them: by owner then source
    /// (`pools`), zero amounts left out. O(owners · log owners).
    pub(super) fn sorted(&mut self, pools: &[PoolId; 2]) -> &[(AccountId, PoolId, Amount)] {
        let Locks { sums, keys, sorted, .. } = self;
        keys.clear();
        keys.extend(sums.iter().enumerate().map(|(r, s)| u64::from(s.0.0) << 32 | r as u64));
        keys.sort_unstable();
        sorted.clear();
        for &key in keys.iter() {
            let (owner, by_source) = sums[key as u32 as usize];
            for (si, a) in by_source.into_iter().enumerate() {
                if !a.is_zero() {
                    sorted.push((owner, pools[si], a));
                }
            }
        }
        sorted
    }
}
