//! The end of an epoch (seed §2, §3.3, §5): Proof-of-Traffic settlement (`settle`), the
//! payout of each profile (`paper`, `chain` for mainnet), gas fees, and the releases that
//! fall due; [`EpochReport`] says what it did.
//!
//! Cost: O(nodes with pending traffic) expected for the settlement, O(paid owners · log) for the
//! locks, O(active meta nodes + validators) for the split, O(1) for the deposits' share
//! ([`crate::deposits`]) — never O(all accounts). The close keeps its lists in [`Scratch`], so
//! it allocates nothing once warm.

mod chain;
mod locking;
mod paper;
mod report;
mod settle;

use ergon_core::Amount;
use ergon_core::invariants::Violation;
use serde::Serialize;

pub(in crate::engine) use locking::Scratch;
pub use report::EpochReport;
pub use settle::settled_prefix;

use crate::Stratos;
use crate::error::StratosError;
use crate::nodes::NodeIndex;
use crate::params::Profile;

/// Figures of the last epoch, kept for metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// The last epoch's report (replay's view; a saved state leaves it out, and the next
    /// close writes it again).
    #[serde(skip)]
    pub last: Option<EpochReport>,
}

/// Closes the epoch.
pub fn end_epoch(st: &mut Stratos) -> Result<EpochReport, Violation> {
    let bps = st.params.settle_threshold_bps;
    // mainnet: with no traffic pending there is no volume report to make (the chain refuses an
    // empty or all-zero one): the epoch closes as one without a report.
    let closed = if st.params.profile == Profile::Mainnet && st.nodes.with_traffic().is_empty() {
        close_without_report(st)
    } else {
        close_committed(st, bps)
    };
    closed.map_err(|e| Violation::new("stratos epoch", e.to_string()))
}

/// mainnet: closes the epoch with a volume report (stratos-chain `x/pot` `VolumeReport`): the
/// epoch settles exactly `volumes` (node, noz; each node once), all of them — the chain settles
/// what the meta nodes report, bought or not — through the close of every epoch (the supply
/// guard, the payout, L += Y). The traffic pending from requests is set aside first and put
/// back after: the report neither settles nor drops it, and it waits for the next close. A
/// report the chain would refuse (the report says why) settles nothing and its volumes are
/// dropped. The caller has checked the nodes and that L + Σ volumes fits in 128 bits. An error
/// is a broken invariant, as for [`end_epoch`].
pub(in crate::engine) fn close_with_report(
    st: &mut Stratos,
    volumes: &[(NodeIndex, Amount)],
) -> Result<EpochReport, StratosError> {
    let aside = st.nodes.take_all_pending();
    for &(i, v) in volumes {
        st.nodes.serve_one(i, v)?;
    }
    let mut rep = close_committed(st, 10_000)?;
    if rep.refused.is_some() {
        st.nodes.take_all_pending();
        rep.carried = Amount::ZERO;
    } else {
        st.market.add_reported(rep.settled)?;
    }
    for (i, t) in aside {
        st.nodes.serve_one(i, t)?;
    }
    st.stats.last = Some(rep.clone());
    Ok(rep)
}

/// mainnet: closes an epoch without a volume report (stratos-chain `x/pot`: rewards are
/// distributed, and earlier ones mature, only when a volume report is processed). Nothing
/// settles (the pending traffic carries), no traffic or mining reward is paid, the total mined
/// stays, and no locked reward matures: rewards due by now mature with the next report, as the
/// chain's `RewardMatureAndSubSlashing` matures every epoch up to the last one distributed.
/// What runs on time, not on reports, still does: gas fees (Cosmos `x/distribution`, every
/// block), meta votes expiring, deposits returning (with the slashing they owe), unbonding.
/// An error is a broken invariant, as for [`end_epoch`].
pub(in crate::engine) fn close_without_report(
    st: &mut Stratos,
) -> Result<EpochReport, StratosError> {
    let cp = st.ledger.checkpoint();
    let mut scratch = std::mem::take(&mut st.scratch);
    let closed = (|| {
        let mut rep = EpochReport { epoch: st.epoch.0, ..EpochReport::default() };
        let mut pending = std::mem::take(&mut scratch.pending);
        let (total, _) = settle::pending(st, &mut pending);
        let carried = settle::settle(st, &mut rep, &pending, total, 0);
        scratch.pending = pending;
        carried?;
        rep.tier = chain::mainnet_mining(st)?.1;
        let totals = Totals { delegated: st.staking.total_voting_power(), ..Totals::default() };
        finish(st, rep, totals, &mut scratch, false)
    })();
    st.scratch = scratch;
    keep_if_closed(st, cp, closed)
}

/// Closes the epoch settling the shortest prefix that reaches `bps` of the pending traffic;
/// all-or-nothing on the ledger.
fn close_committed(st: &mut Stratos, bps: u32) -> Result<EpochReport, StratosError> {
    let cp = st.ledger.checkpoint();
    let closed = close(st, bps);
    keep_if_closed(st, cp, closed)
}

/// The ledger's side of a close begun at `cp`: kept, and the report kept as the last, when the
/// close succeeded; rolled back when it failed.
fn keep_if_closed(
    st: &mut Stratos,
    cp: ergon_core::ledger::Checkpoint,
    closed: Result<EpochReport, StratosError>,
) -> Result<EpochReport, StratosError> {
    match closed {
        Ok(r) => {
            st.ledger.commit(cp);
            st.stats.last = Some(r.clone());
            Ok(r)
        }
        Err(e) => {
            st.ledger.revert(cp);
            Err(e)
        }
    }
}

fn close(st: &mut Stratos, bps: u32) -> Result<EpochReport, StratosError> {
    let mut scratch = std::mem::take(&mut st.scratch);
    let closed = close_with(st, &mut scratch, bps);
    st.scratch = scratch;
    closed
}

fn close_with(
    st: &mut Stratos,
    scratch: &mut Scratch,
    bps: u32,
) -> Result<EpochReport, StratosError> {
    let mut rep = EpochReport { epoch: st.epoch.0, ..EpochReport::default() };
    // paper: the rewards of epoch e, issued as it closes, are withdrawable a whole lock later,
    // when epoch e + lock + 1 begins (released as the close of epoch e + lock moves time to
    // it). mainnet: they are stored for epoch e + mature_epoch and mature when that epoch's
    // report is processed, one close later. Either way `lock_until` is e + lock + 1.
    let lock_until = st.epoch.plus(st.params.reward_lock_epochs.saturating_add(1));
    // paper: the traffic of nodes that shut down is dropped, never settled to them.
    if st.params.profile == Profile::Paper {
        rep.dropped = Amount(st.nodes.drop_offline_pending());
        st.market.add_dropped(rep.dropped)?;
    }
    // 1. Settlement: the shortest prefix reaching the threshold, by traffic then node id.
    let mut pending = std::mem::take(&mut scratch.pending);
    let (total, bits) = settle::pending(st, &mut pending);
    let k = settle::select_settled(&mut pending, total, bits, bps);
    if st.report_detail {
        settle::sort_settled(&mut pending[..k]);
    }
    let totals = pay(st, &mut rep, (&pending, total), k, lock_until, scratch);
    scratch.pending = pending;
    // mainnet: a refused report matures nothing (the chain reverts it whole, its maturing pass
    // included); its rewards mature with the next report the chain accepts.
    let mature = rep.refused.is_none();
    finish(st, rep, totals?, scratch, mature)
}

/// Settles the first `k` of `pending` (the settled prefix, in any order; with their `total`
/// traffic) and pays the rewards of the profile: steps 1 to 5.
fn pay(
    st: &mut Stratos,
    rep: &mut EpochReport,
    (pending, total): (&[(u32, u128)], u128),
    k: usize,
    lock_until: ergon_core::Epoch,
    scratch: &mut Scratch,
) -> Result<Totals, StratosError> {
    // mainnet: the whole distribution is planned before anything changes, since the chain
    // refuses a volume report as a whole (nothing settled, nothing paid); the report says why.
    let plan = match st.params.profile {
        Profile::Mainnet => Some(chain::plan_mainnet(st, &pending[..k], scratch)?),
        Profile::Paper => None,
    };
    let k = match &plan {
        Some(Err(reason)) => {
            rep.refused = Some(reason.clone());
            0
        }
        _ => k,
    };
    settle::settle(st, rep, pending, total, k)?;
    // 2–5. The rewards of each profile.
    Ok(match plan {
        Some(Ok(plan)) => chain::pay_mainnet(st, rep, plan, lock_until, scratch)?,
        Some(Err(_)) => {
            rep.tier = chain::mainnet_mining(st)?.1;
            Totals { delegated: st.staking.total_voting_power(), ..Totals::default() }
        }
        None => paper::pay(st, rep, &pending[..k], lock_until, scratch)?,
    })
}

/// What the reward steps of an epoch leave for [`finish`].
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Totals {
    /// Rounding remainders moved to the dust pool so far.
    dust: Amount,
    /// Community tax paid.
    community_tax: Amount,
    /// Rewards left in their pools.
    unissued: Amount,
    /// Mining rewards issued (counted as mined).
    mined: Amount,
    /// Total voting power of the validators.
    delegated: Amount,
}

/// Steps 6 and 7 of both profiles: gas fees, the totals of the report, then time moves on;
/// locked rewards fall due only when `mature` (not in a mainnet epoch without a report).
fn finish(
    st: &mut Stratos,
    mut rep: EpochReport,
    t: Totals,
    scratch: &mut Scratch,
    mature: bool,
) -> Result<EpochReport, StratosError> {
    let stos = st.stos;
    let Totals { mut dust, community_tax, unissued, mined: issued_m, delegated } = t;
    // 6. Gas fees: validators and delegators only; mainnet, with none bonded, the community
    // pool (Cosmos `x/distribution` `AllocateTokens` while the total voting power is zero).
    let gas = st.ledger.balance(stos, st.pools.gas.into())?;
    if !gas.is_zero() && !delegated.is_zero() {
        let got = st.staking.distribute_by_power_total(
            &mut st.ledger,
            st.pools.gas.into(),
            gas,
            st.pools.dust.into(),
        )?;
        dust = dust.checked_add(Amount(gas.0 - got.0))?;
        rep.gas_fees = got;
    } else if !gas.is_zero() && st.params.profile == Profile::Mainnet {
        st.ledger.transfer(stos, st.pools.gas.into(), st.pools.community.into(), gas)?;
        rep.to_community_pool = rep.to_community_pool.checked_add(gas)?;
    }
    st.total_mined = st.total_mined.checked_add(issued_m)?;
    rep.community_tax = community_tax;
    rep.dust = dust;
    rep.unissued = unissued;

    // 7. Time moves on: meta votes expire, locks and deposits fall due, unbonding completes.
    st.deposit_rewards.close_epoch();
    st.epoch = st.epoch.plus(1);
    st.expire_votes()?;
    let Scratch { released, returned, stake_released, .. } = scratch;
    if mature {
        st.reward_locks.release_due_into(&mut st.ledger, st.epoch, released)?;
    } else {
        released.clear();
    }
    rep.rewards_released = Amount(released.iter().map(|r| r.total().0).sum());
    // paper: the validators' stake rewards due now reach commission and delegations.
    let (stake_paid, stake_dust) = st.release_stake_rewards(stake_released)?;
    rep.stake_rewards_released = stake_paid.checked_add(stake_dust)?;
    rep.stake_rewards_dust = stake_dust;
    st.deposit_returns.release_due_into(&mut st.ledger, st.epoch, returned)?;
    rep.deposits_returned = Amount(returned.iter().map(|r| r.amount.0).sum());
    // mainnet: slashing is taken from rewards as they mature, then from returned deposits.
    let slashed = st.deduct_slashing(released.iter().map(|r| (r.owner, r.total())))?;
    let from_deposits = st.deduct_slashing(returned.iter().map(|r| (r.owner, r.amount)))?;
    rep.slashing_deducted = slashed.checked_add(from_deposits)?;
    // The resource node whose deposit this is: its owner's, due now (the same account may also
    // have been a meta node, whose deposit returns on its own date).
    for r in returned.iter() {
        st.nodes.exit_if_due(r.owner, st.epoch);
    }
    // A node whose migration took its whole deposit has nothing returned: it exits on its
    // return date all the same.
    while let Some((&(at, owner), ())) = st.empty_returns.first().filter(|(k, _)| k.0 <= st.epoch) {
        st.empty_returns.remove(&(at, owner));
        st.nodes.exit_if_due(owner, st.epoch);
    }
    st.staking.complete_unbonding(&mut st.ledger, st.epoch)?;
    rep.price = st.market.price_wei_per_oz(st.volume_pool());
    Ok(rep)
}

/// A tier's split in basis points (resource nodes, meta nodes, stake), zero where it has fewer.
fn split3(split: &[u32]) -> [u32; 3] {
    let bp = |i: usize| split.get(i).copied().unwrap_or(0);
    [bp(0), bp(1), bp(2)]
}

impl Stratos {
    /// The split of the last tier, for the traffic reward after the end of issuance.
    fn last_split(&self) -> [u32; 3] {
        match &self.params.mining {
            ergon_core::EmissionSchedule::Table { tiers, .. } => {
                tiers.last().map_or([6000, 2000, 2000], |t| split3(&t.split))
            }
            ergon_core::EmissionSchedule::Geometric { split, .. } => split3(split),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_settlement_prefix() {
        // Seed §3.3: 500, 300, 200, 80, 20 GB → 80% of 1100 = 880 → the first three settle.
        let p = [(0, 500), (1, 300), (2, 200), (3, 80), (4, 20)];
        assert_eq!(settled_prefix(&p, 8_000), 3);
        assert_eq!(settled_prefix(&p, 10_000), 5);
        assert_eq!(settled_prefix(&p, 4_545), 1); // 500 ≥ 45.45% of 1100 = 499.95
        assert_eq!(settled_prefix(&p, 4_546), 2);
    }
}
