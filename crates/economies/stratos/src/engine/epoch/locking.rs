//! The epoch's node rewards as lock rows, summed by owner and source as they are paid, so an
//! owner paid as a resource node and a meta node in the same epoch adds at most two chunks
//! (volume pool, mining pool) by [`ergon_core::RowLocks::lock_distinct_rows`]; and the close's
//! working memory ([`Scratch`]).

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
/// (so stale slots need no reset). The rows stay in the order their owners were first paid,
/// one an owner, for [`ergon_core::RowLocks::lock_distinct_rows`]: the close's order, which
/// with a detailed report (replay) is settlement order and without one (simulation) the
/// selection's; a run always gives the same.
#[derive(Debug, Default)]
pub(super) struct Locks {
    slot: Vec<u32>,
    sums: Vec<(AccountId, [Amount; 2])>,
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
    /// new row.
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
            self.slot.resize(i + 1, u32::MAX);
        }
        self.slot[i] = self.sums.len() as u32;
        self.sums.push((owner, a));
        Ok(())
    }

    /// Adds `a[si]` from each source `si` to `owner`'s lock as a new row: the first of `owner`
    /// this epoch (resource nodes, paid first, have an owner each). Nothing is read back, so a
    /// close's pass over its nodes does not wait on each owner's slot. Were `owner` already
    /// listed, the batch would name it twice and [`ergon_core::RowLocks::lock_distinct_rows`]
    /// would refuse it, locking nothing.
    #[inline(always)]
    pub(super) fn add_first(&mut self, owner: AccountId, a: [Amount; 2]) {
        let i = owner.0 as usize;
        if self.slot.len() <= i {
            self.slot.resize(i + 1, u32::MAX);
        }
        self.slot[i] = self.sums.len() as u32;
        self.sums.push((owner, a));
    }

    /// The sums, a row an owner, in the order the owners were first paid (a row of zeros, which
    /// locks nothing, included).
    pub(super) fn rows(&self) -> &[(AccountId, [Amount; 2])] {
        &self.sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(x: u128) -> Amount {
        Amount(x)
    }

    #[test]
    fn sums_by_owner_in_the_order_first_paid() {
        let mut l = Locks::default();
        l.clear();
        l.add_both(AccountId(5), [a(3), a(4)]).unwrap();
        l.add(1, AccountId(2), a(7)).unwrap();
        l.add(0, AccountId(5), a(1)).unwrap();
        l.add_both(AccountId(70), [a(0), a(0)]).unwrap();
        l.add_first(AccountId(4100), [a(2), a(0)]);
        let want = [
            (AccountId(5), [a(4), a(4)]),
            (AccountId(2), [a(0), a(7)]),
            (AccountId(70), [a(0), a(0)]),
            (AccountId(4100), [a(2), a(0)]),
        ];
        assert_eq!(l.rows(), want);
        assert!(matches!(l.add(0, AccountId(5), Amount(u128::MAX)), Err(StratosError::Core(_))));
        // A later amount of an owner first listed by `add_first` joins its row.
        l.add(1, AccountId(4100), a(3)).unwrap();
        assert_eq!(l.rows()[3], (AccountId(4100), [a(2), a(3)]));
    }

    #[test]
    fn a_failed_close_leaves_nothing_for_the_next() {
        let mut l = Locks::default();
        l.clear();
        l.add_both(AccountId(9), [a(1), a(1)]).unwrap();
        l.add_both(AccountId(3), [a(2), a(2)]).unwrap();
        // The close fails before locking; the next epoch starts over (account 9's slot is stale).
        l.clear();
        l.add_both(AccountId(3), [a(5), a(6)]).unwrap();
        l.add_both(AccountId(9), [a(1), a(0)]).unwrap();
        assert_eq!(l.rows(), [(AccountId(3), [a(5), a(6)]), (AccountId(9), [a(1), a(0)])]);
        l.clear();
        assert_eq!(l.rows(), []);
    }
}
