//! The epoch's node rewards as lock-queue entries: summed by (owner, source) and sorted, so an
//! owner paid as a resource node and a meta node in the same epoch adds at most two chunks
//! (volume pool, mining pool) to [`ergon_core::LockQueue::lock_batch`].

use ergon_core::{AccountId, Amount, PoolId};

use crate::error::StratosError;

/// Working memory of the epoch's reward split, kept between epochs so that merging the locks
/// costs O(entries), not O(accounts): `slot[account]` is the account's row in the merge, or
/// `u32::MAX`. Every slot is `u32::MAX` between epochs. Not part of the state: clones start
/// empty and every two are equal.
#[derive(Debug, Default)]
pub(in crate::engine) struct Scratch {
    slot: Vec<u32>,
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

/// The epoch's rewards to lock, summed by (owner, source) and sorted by owner then source index,
/// as [`ergon_core::LockQueue::lock_batch`] takes them. O(entries + owners·log owners).
pub(super) fn merge_locks(
    to_lock: &[(usize, AccountId, Amount)],
    pools: &[PoolId; 2],
    scratch: &mut Scratch,
) -> Result<Vec<(AccountId, PoolId, Amount)>, StratosError> {
    let mut sums: Vec<(AccountId, [Amount; 2])> = Vec::new();
    let mut result = Ok(());
    for &(si, owner, a) in to_lock {
        let i = owner.0 as usize;
        if scratch.slot.len() <= i {
            scratch.slot.resize(i + 1, u32::MAX);
        }
        let s = &mut scratch.slot[i];
        if *s == u32::MAX {
            *s = sums.len() as u32;
            sums.push((owner, [Amount::ZERO; 2]));
        }
        let sum = &mut sums[*s as usize].1[si];
        match sum.checked_add(a) {
            Ok(v) => *sum = v,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    for (owner, _) in &sums {
        scratch.slot[owner.0 as usize] = u32::MAX;
    }
    result?;
    sums.sort_unstable_by_key(|e| e.0);
    let mut out = Vec::with_capacity(2 * sums.len());
    for (owner, by_source) in sums {
        for (si, a) in by_source.into_iter().enumerate() {
            if !a.is_zero() {
                out.push((owner, pools[si], a));
            }
        }
    }
    Ok(out)
}
