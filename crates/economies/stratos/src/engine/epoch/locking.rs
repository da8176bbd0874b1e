//! The epoch's node rewards as lock-queue rows, summed by owner and source as they are paid and
//! sorted by owner, so an owner paid as a resource node and a meta node in the same epoch adds
//! at most two chunks (volume pool, mining pool) by [`ergon_core::LockQueue::lock_rows`]; and
//! the close's working memory ([`Scratch`]).

use ergon_core::{AccountId, Amount, Released, ReleasedRow};

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
    /// Locked rewards (by row: owner, by source) and deposits released.
    pub(super) released: Vec<ReleasedRow<2>>,
    pub(super) returned: Vec<Released>,
    /// paper: the epoch's stake rewards by validator (operator, by source), and those released.
    pub(super) stake_rows: Vec<(AccountId, [Amount; 2])>,
    pub(super) stake_released: Vec<Released>,
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
    sorted: Vec<(AccountId, [Amount; 2])>,
}

impl Locks {
    /// Starts an epoch with nothing to lock.
    pub(super) fn clear(&mut self) {
        self.sums.clear();
    }

    /// Adds `a` from source `si` to `owner`'s lock.
    #[inline(always)]
    pub(super) fn add(
        &mut self,
        si: usize,
        owner: AccountId,
        a: Amount,
    ) -> Result<(), StratosError> {
        let mut both = [Amount::ZERO; 2];
        both[si] = a;
        self.add_both(owner, both)
    }

    /// Adds `a[si]` from each source `si` to `owner`'s lock: to its row of this epoch, or as a
    /// new row (its bit set in the bitmaps).
    #[inline(always)]
    pub(super) fn add_both(
        &mut self,
        owner: AccountId,
        a: [Amount; 2],
    ) -> Result<(), StratosError> {
        let i = owner.0 as usize;
        if let Some(&s) = self.slot.get(i)
            && let Some((o, sums)) = self.sums.get_mut(s as usize)
            && *o == owner
        {
            *sums = [sums[0].checked_add(a[0])?, sums[1].checked_add(a[1])?];
            return Ok(());
        }
        if self.slot.len() <= i {
            self.grow(i);
        }
        self.slot[i] = self.sums.len() as u32;
        self.sums.push((owner, a));
        self.owners[i / 64] |= 1 << (i % 64);
        self.words[i / 4096] |= 1 << (i / 64 % 64);
        Ok(())
    }

    /// Room for account `i` in the slots and the bitmaps.
    #[inline(never)]
    fn grow(&mut self, i: usize) {
        self.slot.resize(i + 1, u32::MAX);
        self.owners.resize(i / 64 + 1, 0);
        self.words.resize(i / 4096 + 1, 0);
    }

    /// The sums as [`ergon_core::LockQueue::lock_rows`] takes them: a row per owner, by owner,
    /// owners with nothing to lock left out.
    pub(super) fn sorted(&mut self) -> &[(AccountId, [Amount; 2])] {
        let Locks { slot, sums, owners, words, sorted } = self;
        sorted.clear();
        sorted.reserve(sums.len());
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
                    if let Some(row) = sums.get(slot[i] as usize).filter(|r| r.0.0 as usize == i)
                        && row.1.iter().any(|a| !a.is_zero())
                    {
                        sorted.push(*row);
                    }
                }
            }
        }
        sorted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(x: u128) -> Amount {
        Amount(x)
    }

    #[test]
    fn sums_by_owner_and_sorts_leaving_out_empty_rows() {
        let mut l = Locks::default();
        l.clear();
        l.add_both(AccountId(5), [a(3), a(4)]).unwrap();
        l.add(1, AccountId(2), a(7)).unwrap();
        l.add(0, AccountId(5), a(1)).unwrap();
        l.add_both(AccountId(70), [a(0), a(0)]).unwrap();
        l.add_both(AccountId(4100), [a(2), a(0)]).unwrap();
        let want = [
            (AccountId(2), [a(0), a(7)]),
            (AccountId(5), [a(4), a(4)]),
            (AccountId(4100), [a(2), a(0)]),
        ];
        assert_eq!(l.sorted(), want);
        // Every bit read is cleared.
        assert!(l.owners.iter().chain(&l.words).all(|w| *w == 0));
        assert!(matches!(l.add(0, AccountId(5), Amount(u128::MAX)), Err(StratosError::Core(_))));
    }

    #[test]
    fn a_failed_close_leaves_nothing_for_the_next() {
        let mut l = Locks::default();
        l.clear();
        l.add_both(AccountId(9), [a(1), a(1)]).unwrap();
        l.add_both(AccountId(3), [a(2), a(2)]).unwrap();
        // The close fails before sorting; the next epoch starts over.
        l.clear();
        l.add_both(AccountId(3), [a(5), a(6)]).unwrap();
        assert_eq!(l.sorted(), [(AccountId(3), [a(5), a(6)])]);
        l.clear();
        assert_eq!(l.sorted(), []);
    }
}
