//! The epoch's node rewards as lock-queue entries, summed by (owner, source) as they are paid
//! and sorted, so an owner paid as a resource node and a meta node in the same epoch adds at
//! most two chunks (volume pool, mining pool) to [`ergon_core::LockQueue::lock_batch`]; and the
//! close's working memory ([`Scratch`]).

use ergon_core::{AccountId, Amount, PoolId, Released};

use crate::error::StratosError;
use crate::mainnet::NodeReward;
use crate::nodes::MetaIndex;

/// Working memory of an epoch's close, kept between epochs so that a close allocates nothing
/// once warm. Not part of the state: clones start empty and every two are equal.
#[derive(Debug, Default)]
pub(in crate::engine) struct Scratch {
    /// The nodes with pending traffic and their traffic ([`super::settle::pending`]).
    pub(super) pending: Vec<(u32, u128)>,
    /// The active meta nodes.
    pub(super) metas: Vec<MetaIndex>,
    /// mainnet: each settled resource node's planned reward.
    pub(super) plan_nodes: Vec<(u32, NodeReward)>,
    /// Rewards by active meta node.
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
/// (so stale slots need no reset). The owners are put in order by a two-level bitmap of
/// accounts, O(owners + accounts / 4096), instead of a sort.
#[derive(Debug, Default)]
pub(super) struct Locks {
    slot: Vec<u32>,
    sums: Vec<(AccountId, [Amount; 2])>,
    /// A bit per account with a row; a bit per non-zero word of `owners`. Zero between epochs
    /// ([`Locks::sorted`] clears what it reads).
    owners: Vec<u64>,
    words: Vec<u64>,
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
        let sum = &mut self.row(owner)[si];
        *sum = sum.checked_add(a)?;
        Ok(())
    }

    /// Adds `a[si]` from each source `si` to `owner`'s lock.
    pub(super) fn add_both(
        &mut self,
        owner: AccountId,
        a: [Amount; 2],
    ) -> Result<(), StratosError> {
        let sums = self.row(owner);
        *sums = [sums[0].checked_add(a[0])?, sums[1].checked_add(a[1])?];
        Ok(())
    }

    /// `owner`'s sums by source, a new row of zeros when it has none this epoch.
    fn row(&mut self, owner: AccountId) -> &mut [Amount; 2] {
        let i = owner.0 as usize;
        if self.slot.len() <= i {
            self.slot.resize(i + 1, u32::MAX);
            self.owners.resize(i / 64 + 1, 0);
            self.words.resize(i / 4096 + 1, 0);
        }
        let s = self.slot[i] as usize;
        let row = if self.sums.get(s).is_some_and(|r| r.0 == owner) {
            s
        } else {
            self.slot[i] = self.sums.len() as u32;
            self.sums.push((owner, [Amount::ZERO; 2]));
            self.owners[i / 64] |= 1 << (i % 64);
            self.words[i / 4096] |= 1 << (i / 64 % 64);
            self.sums.len() - 1
        };
        &mut self.sums[row].1
    }

    /// The sums as [`ergon_core::LockQueue::lock_batch`] takes them: by owner then source
    /// (`pools`), zero amounts left out.
    pub(super) fn sorted(&mut self, pools: &[PoolId; 2]) -> &[(AccountId, PoolId, Amount)] {
        let Locks { slot, sums, owners, words, sorted } = self;
        sorted.clear();
        for (wi, word) in words.iter_mut().enumerate() {
            let mut w = std::mem::take(word);
            while w != 0 {
                let oi = wi * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                let mut bits = std::mem::take(&mut owners[oi]);
                while bits != 0 {
                    let i = oi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    // A row of this epoch (a bit left by a failed close names none).
                    let Some(&(owner, by_source)) =
                        sums.get(slot[i] as usize).filter(|r| r.0.0 as usize == i)
                    else {
                        continue;
                    };
                    for (si, a) in by_source.into_iter().enumerate() {
                        if !a.is_zero() {
                            sorted.push((owner, pools[si], a));
                        }
                    }
                }
            }
        }
        sorted
    }
}
