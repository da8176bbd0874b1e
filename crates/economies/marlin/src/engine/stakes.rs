//! Staking stashes and clusters (spec marlin.md, "Staking"; seed 002, "Staking" and "MPOND":
//! "every cluster is cumulatively required to have at least 0.5 MPOND staked or delegated";
//! deployed: `StakeManager.sol`'s stashes and `ClusterRegistry.sol`).
//!
//! A stash holds one staker's POND and MPOND in the `stakes` pool. It is delegated to one
//! cluster at a time; a redelegation is requested, then carried out once `redelegation_lock_days`
//! have passed (or cancelled); an undelegation takes the stash out of its cluster at once (its
//! stake stops counting at once) and its tokens may be withdrawn once `undelegation_lock_days`
//! have passed, unless cancelled while they run. Stashes split (part of a stash into a new one
//! with its cluster and undelegation lock, not its pending redelegation), merge (two of the same
//! staker, in the same cluster, neither with a redelegation pending nor an undelegation lock
//! running) and grow (`add_to_stash`). A cluster has a whole-percent commission; it is eligible
//! (paper) while more than `eligibility_mpond` (0.5 MPOND) is delegated to it, (deployed) while
//! the selector can draw it; only eligible clusters are paid. Staked MPOND (in stashes) counts toward what a bridge request may ask, and votes for its
//! staker. Every change of a staker's delegation to a cluster settles its reward position there
//! first (`payout`): the rewards earned so far are paid to the staker.

use ergon_core::txn::{Keyed, Snapshot, Table};
use ergon_core::{AccountId, Amount, Holder};
use serde::Serialize;

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::Profile;

/// The most stashes and clusters the economy holds (a bound on every table).
pub const STASHES_MAX: usize = 1_000_000;

/// A stash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stash {
    /// Its owner (left out of the JSON view).
    pub staker: AccountId,
    /// POND in it, base units.
    pub pond: Amount,
    /// MPOND in it, base units.
    pub mpond: Amount,
    /// The cluster it is delegated to.
    pub cluster: Option<u32>,
    /// The day its undelegated tokens may be withdrawn (0: never undelegated).
    pub withdrawable_day: u64,
    /// A requested redelegation: (cluster, the day it may be carried out).
    pub redelegation: Option<(u32, u64)>,
    /// Merged into another stash: empty for good.
    pub closed: bool,
    /// The cluster it left at its last undelegation, where a cancellation returns it while the
    /// lock runs (left out of the JSON view).
    pub undelegated_from: Option<u32>,
}

/// A cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Who runs it (left out of the JSON view).
    pub operator: AccountId,
    /// Commission, whole percent (0–100).
    pub commission_percent: u8,
    /// POND delegated to it, base units.
    pub pond: Amount,
    /// MPOND delegated to it, base units.
    pub mpond: Amount,
}

/// Stashes, clusters and the running totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stakes {
    stashes: Table<Stash>,
    clusters: Table<Cluster>,
    cluster_of: Keyed<AccountId, u32>,
    staked_mpond: Keyed<AccountId, Amount>,
    /// POND and MPOND delegated to all the clusters together (the sums of their rows).
    delegated: Snapshot<[Amount; 2]>,
    /// Clusters unregistered (`ClusterRegistry.unregister`): nothing more delegated to them.
    unregistered: Keyed<u32, ()>,
    /// deployed: unregistered clusters a delegator's settlement put back in the selector's tree
    /// (`RewardDelegators._updateTokens` ends with `_updateClusterSelector`, which upserts the
    /// cluster by its delegation without asking whether it is registered).
    #[serde(default)]
    reselected: Keyed<u32, ()>,
}

ergon_core::transactional!(Stakes {
    stashes: Table<Stash>,
    clusters: Table<Cluster>,
    cluster_of: Keyed<AccountId, u32>,
    staked_mpond: Keyed<AccountId, Amount>,
    delegated: Snapshot<[Amount; 2]>,
    unregistered: Keyed<u32, ()>,
    reselected: Keyed<u32, ()>,
});

impl Default for Stakes {
    fn default() -> Stakes {
        Stakes {
            stashes: Table::new(),
            clusters: Table::new(),
            cluster_of: Keyed::new(),
            staked_mpond: Keyed::new(),
            delegated: Snapshot::new([Amount::ZERO; 2]),
            unregistered: Keyed::new(),
            reselected: Keyed::new(),
        }
    }
}

impl Stakes {
    /// The stashes, by id.
    #[must_use]
    pub fn stashes(&self) -> &[Stash] {
        self.stashes.rows()
    }

    /// The clusters, by id.
    #[must_use]
    pub fn clusters(&self) -> &[Cluster] {
        self.clusters.rows()
    }

    /// The cluster `operator` runs.
    #[must_use]
    pub fn cluster_of(&self, operator: AccountId) -> Option<u32> {
        self.cluster_of.get(&operator).copied()
    }

    /// MPOND `a` holds in stashes, base units.
    #[must_use]
    pub fn staked_mpond(&self, a: AccountId) -> Amount {
        self.staked_mpond.get(&a).copied().unwrap_or_default()
    }

    /// Sets `a`'s staked MPOND (a pool member's join or leave).
    pub(crate) fn set_staked_mpond(&mut self, a: AccountId, x: Amount) {
        self.staked_mpond.insert(a, x);
    }

    /// Per staker, the MPOND in its stashes (for the checks).
    pub(crate) fn staked_totals(&self) -> impl Iterator<Item = (&AccountId, &Amount)> {
        self.staked_mpond.iter()
    }

    /// POND and MPOND delegated to all the clusters together.
    #[must_use]
    pub fn delegated(&self) -> [Amount; 2] {
        *self.delegated.get()
    }

    /// Whether cluster `c` exists and is not unregistered.
    #[must_use]
    pub fn is_registered(&self, c: u32) -> bool {
        (c as usize) < self.clusters.len() && !self.unregistered.contains_key(&c)
    }

    /// Sets cluster `c`'s commission (`ClusterRegistry.updateCommission`).
    pub(crate) fn set_commission(&mut self, c: u32, percent: u8) {
        self.clusters.update(c as usize, |row| row.commission_percent = percent);
    }

    /// Marks cluster `c` unregistered (`ClusterRegistry.unregister`): out of the selector's
    /// tree (`removeClusterDelegation`).
    pub(crate) fn unregister(&mut self, c: u32) {
        self.unregistered.insert(c, ());
        self.reselected.remove(&c);
    }

    /// Whether cluster `c` is in the selector's tree, weighed by its delegation (a weight of
    /// zero, below the threshold, draws nothing): registered, or (deployed) unregistered and
    /// put back by a delegator's settlement since.
    #[must_use]
    pub fn in_selector(&self, c: u32) -> bool {
        self.is_registered(c) || self.reselected.contains_key(&c)
    }

    /// deployed: a delegator's settlement in cluster `c` (`_updateTokens`): an unregistered
    /// cluster goes back in the selector's tree, by whatever its delegation weighs.
    pub(crate) fn settled_in(&mut self, c: u32) {
        if self.unregistered.contains_key(&c) && !self.reselected.contains_key(&c) {
            self.reselected.insert(c, ());
        }
    }

    fn add_to_cluster(&mut self, c: u32, pond: Amount, mpond: Amount, add: bool) -> Result<()> {
        let mut row =
            self.clusters.get(c as usize).copied().ok_or(MarlinError::NoCluster { cluster: c })?;
        if add && self.unregistered.contains_key(&c) {
            return Err(MarlinError::ClusterUnregistered { operator: row.operator });
        }
        let [mut all_pond, mut all_mpond] = *self.delegated.get();
        if add {
            row.pond = row.pond.checked_add(pond)?;
            row.mpond = row.mpond.checked_add(mpond)?;
            all_pond = all_pond.checked_add(pond)?;
            all_mpond = all_mpond.checked_add(mpond)?;
        } else {
            row.pond = row.pond.checked_sub(pond)?;
            row.mpond = row.mpond.checked_sub(mpond)?;
            all_pond = all_pond.checked_sub(pond)?;
            all_mpond = all_mpond.checked_sub(mpond)?;
        }
        *self.clusters.get_mut(c as usize) = row;
        *self.delegated.get_mut() = [all_pond, all_mpond];
        Ok(())
    }
}

/// The staking operations.
impl Marlin {
    /// Registers a cluster run by `operator` with a whole-percent commission (again, after an
    /// unregistration: the same cluster, back in play).
    pub fn register_cluster(&mut self, operator: AccountId, percent: u8) -> Result<u32> {
        if percent > 100 {
            return Err(MarlinError::InvalidParameter {
                name: "commission_percent",
                value: percent.to_string(),
            });
        }
        if let Some(c) = self.stakes.cluster_of(operator) {
            if self.stakes.is_registered(c) {
                let name = self.name(operator).to_owned();
                return Err(ergon_core::Error::Duplicate { kind: "cluster", name }.into());
            }
            // Registered again after an unregistration (`ClusterRegistry.register` needs only
            // that the cluster is not valid): the same cluster, its new commission.
            return ergon_core::txn::atomic(self, |st| {
                st.stakes.set_commission(c, percent);
                st.stakes.unregistered.remove(&c);
                st.stakes.reselected.remove(&c);
                Ok(c)
            });
        }
        if self.stakes.clusters.len() >= STASHES_MAX {
            return Err(MarlinError::Core(ergon_core::Error::LimitReached {
                what: "clusters".into(),
                limit: STASHES_MAX as u64,
            }));
        }
        let row = Cluster {
            operator,
            commission_percent: percent,
            pond: Amount::ZERO,
            mpond: Amount::ZERO,
        };
        let id = self.stakes.clusters.len() as u32;
        ergon_core::txn::atomic(self, |st| {
            st.stakes.clusters.push(row);
            st.stakes.cluster_of.insert(operator, id);
            Ok(id)
        })
    }

    /// The cluster run by `operator`.
    pub fn cluster(&self, operator: AccountId) -> Result<u32> {
        self.stakes.cluster_of(operator).ok_or(MarlinError::UnknownCluster { operator })
    }

    /// Stash `id`, owned by `staker` and open.
    pub fn stash(&self, staker: AccountId, id: u64) -> Result<Stash> {
        let s = usize::try_from(id)
            .ok()
            .and_then(|i| self.stakes.stashes.get(i))
            .copied()
            .ok_or(MarlinError::UnknownStash { stash: id })?;
        if s.staker != staker || s.closed {
            return Err(MarlinError::StashState {
                stash: id,
                state: "not an open stash of this staker",
            });
        }
        Ok(s)
    }

    /// Creates a stash of `staker`'s POND and MPOND, delegated to `cluster` when given. paper
    /// refuses a stash of nothing; deployed accepts it (`createStash` needs a token named, not
    /// an amount: the replay's `create_stash` names at least one).
    pub fn create_stash(
        &mut self,
        staker: AccountId,
        pond: Amount,
        mpond: Amount,
        cluster: Option<u32>,
    ) -> Result<u64> {
        self.refuse_zero(pond, mpond, "stash")?;
        if self.stakes.stashes.len() >= STASHES_MAX {
            return Err(MarlinError::Core(ergon_core::Error::LimitReached {
                what: "stashes".into(),
                limit: STASHES_MAX as u64,
            }));
        }
        self.check_free_mpond(staker, mpond)?;
        let id = self.stakes.stashes.len() as u64;
        let stash = Stash {
            staker,
            pond,
            mpond,
            cluster,
            withdrawable_day: 0,
            redelegation: None,
            closed: false,
            undelegated_from: None,
        };
        ergon_core::txn::atomic(self, |st| {
            st.stakes.stashes.push(stash);
            st.stake_into(stash, pond, mpond)?;
            Ok(id)
        })
    }

    /// Adds `pond` and `mpond` of the staker's to its stash `id` (`StakeManager.addToStash`,
    /// the tokens given being those that are `Some`); a delegated stash delegates them to its
    /// cluster at once, its staker's position there settled as by a delegation of those tokens
    /// alone (deployed: the tokens not given keep their pending rewards; a call of no token
    /// brings the cluster's rewards in and settles nothing). paper refuses an addition of
    /// nothing; deployed accepts it.
    pub fn add_to_stash(
        &mut self,
        staker: AccountId,
        id: u64,
        pond: Option<Amount>,
        mpond: Option<Amount>,
    ) -> Result<()> {
        let mut s = self.stash(staker, id)?;
        let tokens = [pond.is_some(), mpond.is_some()];
        let (pond, mpond) = (pond.unwrap_or_default(), mpond.unwrap_or_default());
        self.refuse_zero(pond, mpond, "addition")?;
        self.check_free_mpond(staker, mpond)?;
        s.pond = s.pond.checked_add(pond)?;
        s.mpond = s.mpond.checked_add(mpond)?;
        ergon_core::txn::atomic(self, |st| {
            *st.stakes.stashes.get_mut(id as usize) = s;
            st.stake_tokens_into(s, [pond, mpond], tokens)
        })
    }

    /// paper: refuses `pond` and `mpond` both zero (an operation that moves nothing) as
    /// `what`; deployed accepts it, as `StakeManager` does.
    fn refuse_zero(&self, pond: Amount, mpond: Amount, what: &'static str) -> Result<()> {
        if self.params.profile == Profile::Paper && pond.is_zero() && mpond.is_zero() {
            return Err(MarlinError::ZeroAmount { what });
        }
        Ok(())
    }

    /// `pond` and `mpond` of stash `id`'s staker into the stakes pool for the stash (`s`, already
    /// written with them): the staker's staked MPOND and votes count them, and a delegated stash
    /// delegates them to its cluster, settling the staker's position there. Inside a
    /// transaction.
    fn stake_into(&mut self, s: Stash, pond: Amount, mpond: Amount) -> Result<()> {
        self.stake_tokens_into(s, [pond, mpond], [true; 2])
    }

    /// [`Marlin::stake_into`] settling the tokens `tokens` marks alone ([`Marlin::add_to_stash`]).
    fn stake_tokens_into(
        &mut self,
        s: Stash,
        [pond, mpond]: [Amount; 2],
        tokens: [bool; 2],
    ) -> Result<()> {
        let (staker, pool) = (s.staker, Holder::Pool(self.stakes_pool));
        self.check_pool_stake(staker, pond)?;
        self.ledger.transfer(self.pond, staker.into(), pool, pond)?;
        self.ledger.transfer(self.mpond, staker.into(), pool, mpond)?;
        // A pool's stashes stake its members' MPOND, which counts for them already.
        if self.pools.of_account(staker).is_none() {
            let staked = self.stakes.staked_mpond(staker).checked_add(mpond)?;
            self.stakes.staked_mpond.insert(staker, staked);
            self.gov.stake_votes(staker, mpond, true, self.epoch.0)?;
        }
        if let Some(c) = s.cluster {
            self.stakes.add_to_cluster(c, pond, mpond, true)?;
            self.settle_tokens(staker, c, [pond, mpond], true, tokens)?;
        }
        Ok(())
    }

    /// Delegates an undelegated stash whose lock has passed to `cluster`.
    pub fn delegate_stash(&mut self, staker: AccountId, id: u64, cluster: u32) -> Result<()> {
        let mut s = self.stash(staker, id)?;
        if s.cluster.is_some() {
            return Err(MarlinError::StashState { stash: id, state: "already delegated" });
        }
        self.check_unlocked(id, s.withdrawable_day)?;
        s.undelegated_from = None;
        self.delegate_whole(id, s, cluster)
    }

    /// Stash `id` (`s`, undelegated) delegated whole to `cluster`, its staker's position there
    /// settled first.
    fn delegate_whole(&mut self, id: u64, mut s: Stash, cluster: u32) -> Result<()> {
        s.cluster = Some(cluster);
        ergon_core::txn::atomic(self, |st| {
            st.stakes.add_to_cluster(cluster, s.pond, s.mpond, true)?;
            *st.stakes.stashes.get_mut(id as usize) = s;
            st.settle(id, cluster, s.pond, s.mpond, true)?;
            Ok(())
        })
    }

    /// Requests the stash's move to `cluster`, possible once the redelegation lock has passed.
    /// Returns the day.
    pub fn request_redelegation(
        &mut self,
        staker: AccountId,
        id: u64,
        cluster: u32,
    ) -> Result<u64> {
        let mut s = self.stash(staker, id)?;
        if s.cluster.is_none() || s.redelegation.is_some() {
            return Err(MarlinError::StashState {
                stash: id,
                state: "not delegated, or a redelegation is pending",
            });
        }
        let day = self.epoch.0.saturating_add(self.params.redelegation_lock_days);
        s.redelegation = Some((cluster, day));
        *self.stakes.stashes.get_mut(id as usize) = s;
        Ok(day)
    }

    /// Carries out the stash's requested redelegation. Returns (from, to).
    pub fn redelegate(&mut self, staker: AccountId, id: u64) -> Result<(u32, u32)> {
        let mut s = self.stash(staker, id)?;
        let (Some(from), Some((to, day))) = (s.cluster, s.redelegation) else {
            return Err(MarlinError::StashState { stash: id, state: "no redelegation requested" });
        };
        self.check_unlocked(id, day)?;
        s.cluster = Some(to);
        s.redelegation = None;
        ergon_core::txn::atomic(self, |st| {
            st.stakes.add_to_cluster(from, s.pond, s.mpond, false)?;
            st.stakes.add_to_cluster(to, s.pond, s.mpond, true)?;
            *st.stakes.stashes.get_mut(id as usize) = s;
            st.settle(id, from, s.pond, s.mpond, false)?;
            st.settle(id, to, s.pond, s.mpond, true)?;
            Ok((from, to))
        })
    }

    /// Cancels the stash's requested redelegation.
    pub fn cancel_redelegation(&mut self, staker: AccountId, id: u64) -> Result<()> {
        let mut s = self.stash(staker, id)?;
        if s.redelegation.take().is_none() {
            return Err(MarlinError::StashState { stash: id, state: "no redelegation requested" });
        }
        *self.stakes.stashes.get_mut(id as usize) = s;
        Ok(())
    }

    /// Cancels the stash's undelegation while its lock runs (`StakeManager.cancelUndelegation`):
    /// the lock goes and the stash is delegated again to the cluster it left, its position
    /// settled as by a delegation. Returns the cluster.
    pub fn cancel_undelegation(&mut self, staker: AccountId, id: u64) -> Result<u32> {
        let mut s = self.stash(staker, id)?;
        let (None, Some(c)) = (s.cluster, s.undelegated_from) else {
            return Err(MarlinError::StashState { stash: id, state: "no undelegation to cancel" });
        };
        if self.epoch.0 >= s.withdrawable_day {
            return Err(MarlinError::StashState {
                stash: id,
                state: "its undelegation lock ended",
            });
        }
        s.undelegated_from = None;
        s.withdrawable_day = 0;
        self.delegate_whole(id, s, c)?;
        Ok(c)
    }

    /// Undelegates the stash at once (its stake stops counting); its tokens may be withdrawn
    /// after the undelegation lock. Returns (cluster, withdrawable day).
    pub fn undelegate_stash(&mut self, staker: AccountId, id: u64) -> Result<(u32, u64)> {
        let mut s = self.stash(staker, id)?;
        let Some(c) = s.cluster else {
            return Err(MarlinError::StashState { stash: id, state: "not delegated" });
        };
        let day = self.epoch.0.saturating_add(self.params.undelegation_lock_days);
        s.cluster = None;
        s.redelegation = None;
        s.withdrawable_day = day;
        s.undelegated_from = Some(c);
        ergon_core::txn::atomic(self, |st| {
            st.stakes.add_to_cluster(c, s.pond, s.mpond, false)?;
            *st.stakes.stashes.get_mut(id as usize) = s;
            st.settle(id, c, s.pond, s.mpond, false)?;
            Ok((c, day))
        })
    }

    /// Withdraws tokens of an undelegated stash whose lock has passed.
    pub fn withdraw_stash(
        &mut self,
        staker: AccountId,
        id: u64,
        pond: Amount,
        mpond: Amount,
    ) -> Result<()> {
        let mut s = self.stash(staker, id)?;
        if s.cluster.is_some() {
            return Err(MarlinError::StashState { stash: id, state: "delegated" });
        }
        self.check_unlocked(id, s.withdrawable_day)?;
        self.refuse_zero(pond, mpond, "withdrawal")?;
        s.pond = s.pond.checked_sub(pond).map_err(|_| self.short(id, "pond"))?;
        s.mpond = s.mpond.checked_sub(mpond).map_err(|_| self.short(id, "mpond"))?;
        let (p, m, pool) = (self.pond, self.mpond, Holder::Pool(self.stakes_pool));
        let pooled = self.pools.of_account(staker).is_some();
        let staked = self.stakes.staked_mpond(staker).checked_sub(if pooled {
            Amount::ZERO
        } else {
            mpond
        })?;
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(p, pool, staker.into(), pond)?;
            st.ledger.transfer(m, pool, staker.into(), mpond)?;
            if !pooled {
                st.stakes.staked_mpond.insert(staker, staked);
                st.gov.stake_votes(staker, mpond, false, st.epoch.0)?;
            }
            *st.stakes.stashes.get_mut(id as usize) = s;
            Ok(())
        })
    }

    /// Splits `pond` and `mpond` off a stash into a new stash with its cluster and undelegation
    /// lock; a pending redelegation stays with the old stash alone (`splitStash` copies the
    /// undelegation lock, not the redelegation). Returns the new stash's id.
    pub fn split_stash(
        &mut self,
        staker: AccountId,
        id: u64,
        pond: Amount,
        mpond: Amount,
    ) -> Result<u64> {
        let mut s = self.stash(staker, id)?;
        self.refuse_zero(pond, mpond, "split")?;
        s.pond = s.pond.checked_sub(pond).map_err(|_| self.short(id, "pond"))?;
        s.mpond = s.mpond.checked_sub(mpond).map_err(|_| self.short(id, "mpond"))?;
        let new = Stash { pond, mpond, redelegation: None, ..s };
        let nid = self.stakes.stashes.len() as u64;
        // The staker's delegation to the cluster does not change: its position (one for all
        // its stashes there) and the rewards are untouched, as `splitStash` leaves them.
        ergon_core::txn::atomic(self, |st| {
            *st.stakes.stashes.get_mut(id as usize) = s;
            st.stakes.stashes.push(new);
            Ok(nid)
        })
    }

    /// Merges stash `from` into `into`: same staker, same cluster, neither with a redelegation
    /// pending nor an undelegation lock running (`mergeStash`'s checks).
    pub fn merge_stashes(&mut self, staker: AccountId, into: u64, from: u64) -> Result<()> {
        let (mut a, mut b) = (self.stash(staker, into)?, self.stash(staker, from)?);
        if into == from
            || a.cluster != b.cluster
            || a.redelegation.is_some()
            || b.redelegation.is_some()
        {
            return Err(MarlinError::StashState {
                stash: from,
                state: "not mergeable (same stash, other cluster or a redelegation pending)",
            });
        }
        for (id, s) in [(into, a), (from, b)] {
            self.check_unlocked(id, s.withdrawable_day)?;
        }
        a.pond = a.pond.checked_add(b.pond)?;
        a.mpond = a.mpond.checked_add(b.mpond)?;
        a.withdrawable_day = a.withdrawable_day.max(b.withdrawable_day);
        b = Stash { pond: Amount::ZERO, mpond: Amount::ZERO, closed: true, ..b };
        // As a split: the staker's position in the cluster and the rewards are untouched.
        ergon_core::txn::atomic(self, |st| {
            *st.stakes.stashes.get_mut(into as usize) = a;
            *st.stakes.stashes.get_mut(from as usize) = b;
            Ok(())
        })
    }

    fn check_unlocked(&self, id: u64, day: u64) -> Result<()> {
        if self.epoch.0 < day {
            return Err(MarlinError::StashLocked { stash: id, until: day, today: self.epoch.0 });
        }
        Ok(())
    }

    fn short(&self, id: u64, token: &'static str) -> MarlinError {
        let state = if token == "pond" {
            "holds less POND than asked"
        } else {
            "holds less MPOND than asked"
        };
        let _ = self;
        MarlinError::StashState { stash: id, state }
    }
}
