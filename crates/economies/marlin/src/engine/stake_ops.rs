//! The staking operations of the replay ([`Action`]): stashes (a staking pool's account may be
//! their staker: its operator's acts) and staking pools (docs/replay.md, "The Marlin economy").

use crate::engine::Marlin;
use crate::engine::actions::{Action, opt};
use crate::engine::error::{MarlinError, Result};
use crate::engine::events::Event;
use crate::engine::params::Profile;
use crate::engine::tokens::Token;
use crate::engine::units::given;
use ergon_core::{Amount, Qty};

impl Marlin {
    /// The staking and staking-pool actions (the last of [`crate::engine::actions::apply`]'s
    /// handlers). A stash's staker may be a staking pool's account (its operator's acts).
    pub(crate) fn apply_staking(&mut self, action: &Action) -> Result<Event> {
        stake_action(self, action)
    }
}

/// The staking actions.
fn stake_action(m: &mut Marlin, action: &Action) -> Result<Event> {
    let cluster_name =
        |m: &Marlin, c: u32| m.name(m.stakes().clusters()[c as usize].operator).to_owned();
    Ok(match action {
        Action::RegisterCluster { operator, commission_percent } => {
            let o = m.account(operator)?;
            let commission_percent = percent(*commission_percent)?;
            m.register_cluster(o, commission_percent)?;
            Event::ClusterRegistered { operator: operator.clone(), commission_percent }
        }
        Action::CreateStash { staker, pond, mpond, cluster } => {
            let s = m.staker_account(staker)?;
            named_token(pond, mpond)?;
            let (p, x) = both(pond, mpond)?;
            let c = match cluster {
                Some(name) => Some(m.cluster(m.account(name)?)?),
                None => None,
            };
            let stash = m.create_stash(s, p, x, c)?;
            Event::StashCreated {
                stash,
                staker: staker.clone(),
                pond: p,
                mpond: x,
                cluster: cluster.clone(),
            }
        }
        Action::DelegateStash { staker, stash, cluster } => {
            let (s, c) = (m.staker_account(staker)?, m.cluster(m.account(cluster)?)?);
            m.delegate_stash(s, *stash, c)?;
            Event::StashDelegated { stash: *stash, cluster: cluster.clone() }
        }
        Action::RequestRedelegation { staker, stash, cluster } => {
            let (s, c) = (m.staker_account(staker)?, m.cluster(m.account(cluster)?)?);
            let day = m.request_redelegation(s, *stash, c)?;
            Event::RedelegationRequested { stash: *stash, cluster: cluster.clone(), day }
        }
        Action::Redelegate { staker, stash } => {
            let s = m.staker_account(staker)?;
            let (from, to) = m.redelegate(s, *stash)?;
            Event::Redelegated {
                stash: *stash,
                from: cluster_name(m, from),
                to: cluster_name(m, to),
            }
        }
        Action::CancelRedelegation { staker, stash } => {
            let s = m.staker_account(staker)?;
            m.cancel_redelegation(s, *stash)?;
            Event::RedelegationCancelled { stash: *stash }
        }
        Action::CancelUndelegation { staker, stash } => {
            let s = m.staker_account(staker)?;
            let c = m.cancel_undelegation(s, *stash)?;
            Event::UndelegationCancelled { stash: *stash, cluster: cluster_name(m, c) }
        }
        Action::UndelegateStash { staker, stash } => {
            let s = m.staker_account(staker)?;
            let (c, withdrawable_day) = m.undelegate_stash(s, *stash)?;
            Event::StashUndelegated { stash: *stash, cluster: cluster_name(m, c), withdrawable_day }
        }
        Action::WithdrawStash { staker, stash, pond, mpond } => {
            let s = m.staker_account(staker)?;
            let (p, x) = both(pond, mpond)?;
            m.withdraw_stash(s, *stash, p, x)?;
            Event::StashWithdrawn { stash: *stash, pond: p, mpond: x }
        }
        Action::SplitStash { staker, stash, pond, mpond } => {
            let s = m.staker_account(staker)?;
            named_token(pond, mpond)?;
            let (p, x) = both(pond, mpond)?;
            let new_stash = m.split_stash(s, *stash, p, x)?;
            Event::StashSplit { stash: *stash, new_stash, pond: p, mpond: x }
        }
        Action::AddToStash { staker, stash, pond, mpond } => {
            let s = m.staker_account(staker)?;
            let p = given(Token::Pond, "pond", pond.as_ref())?;
            let x = given(Token::Mpond, "mpond", mpond.as_ref())?;
            m.add_to_stash(s, *stash, p, x)?;
            let (pond, mpond) = (p.unwrap_or_default(), x.unwrap_or_default());
            Event::StashAdded { stash: *stash, pond, mpond }
        }
        Action::MergeStashes { staker, into, from } => {
            let s = m.staker_account(staker)?;
            m.merge_stashes(s, *into, *from)?;
            Event::StashesMerged { into: *into, from: *from }
        }
        other => pool_action(m, other)?,
    })
}

/// A stash's creation or split names at least one token (`createStash` and `splitStash`
/// refuse an empty list of tokens; an amount of zero is the profile's to judge).
fn named_token(pond: &Option<Qty>, mpond: &Option<Qty>) -> Result<()> {
    if pond.is_none() && mpond.is_none() {
        return Err(MarlinError::Core(ergon_core::Error::NotAllowed {
            reason: "a stash's creation or split names no token (give pond, mpond or both)".into(),
        }));
    }
    Ok(())
}

/// An op's `pond` and `mpond` fields in base units, zero when not given.
fn both(pond: &Option<Qty>, mpond: &Option<Qty>) -> Result<(Amount, Amount)> {
    Ok((opt(Token::Pond, "pond", pond.as_ref())?, opt(Token::Mpond, "mpond", mpond.as_ref())?))
}

/// The staking pools' actions.
fn pool_action(m: &mut Marlin, action: &Action) -> Result<Event> {
    Ok(match action {
        Action::ClaimRewards { staker, stash } => {
            let s = m.staker_account(staker)?;
            let amount = m.claim_rewards(s, *stash)?;
            Event::RewardsClaimed { stash: *stash, amount }
        }
        Action::UpdateRewards { cluster } => {
            m.profile_only(Profile::Deployed, "update_rewards")?;
            let c = m.cluster(m.account(cluster)?)?;
            let done = ergon_core::txn::atomic(m, |st| st.sync_cluster(c))?;
            let (claimed, d) = done.unwrap_or_default();
            Event::RewardsUpdated {
                cluster: cluster.clone(),
                claimed,
                commission: d.commission,
                delegators: d.delegators,
                unallocated: d.unallocated,
            }
        }
        Action::RequestCommissionUpdate { operator, commission_percent } => {
            let o = m.account(operator)?;
            let commission_percent = percent(*commission_percent)?;
            let day = m.request_commission_update(o, commission_percent)?;
            Event::CommissionUpdateRequested { operator: operator.clone(), commission_percent, day }
        }
        Action::UpdateCommission { operator } => {
            let o = m.account(operator)?;
            let commission_percent = m.update_commission(o)?;
            Event::CommissionUpdated { operator: operator.clone(), commission_percent }
        }
        Action::RequestUnregister { operator } => {
            let o = m.account(operator)?;
            let day = m.request_unregister(o)?;
            Event::UnregisterRequested { operator: operator.clone(), day }
        }
        Action::Unregister { operator } => {
            let o = m.account(operator)?;
            m.unregister(o)?;
            Event::ClusterUnregistered { operator: operator.clone() }
        }
        Action::CreatePool { operator, account, commission_percent } => {
            let o = m.account(operator)?;
            let commission_percent = percent(*commission_percent)?;
            m.create_pool(o, account, commission_percent)?;
            Event::PoolCreated {
                pool: account.clone(),
                operator: operator.clone(),
                commission_percent,
            }
        }
        Action::JoinPool { staker, pool, pond, mpond } => {
            let (s, p) = (m.account(staker)?, m.pool(pool)?);
            let (x, y) = both(pond, mpond)?;
            let rewards = m.join_pool(s, p, x, y)?;
            Event::PoolJoined {
                staker: staker.clone(),
                pool: pool.clone(),
                pond: x,
                mpond: y,
                rewards,
            }
        }
        Action::LeavePool { staker, pool, pond, mpond } => {
            let (s, p) = (m.account(staker)?, m.pool(pool)?);
            let (x, y) = both(pond, mpond)?;
            let rewards = m.leave_pool(s, p, x, y)?;
            Event::PoolLeft {
                staker: staker.clone(),
                pool: pool.clone(),
                pond: x,
                mpond: y,
                rewards,
            }
        }
        Action::ClaimPoolRewards { staker, pool } => {
            let (s, p) = (m.account(staker)?, m.pool(pool)?);
            let amount = m.claim_pool_rewards(s, p)?;
            Event::PoolRewardsClaimed { staker: staker.clone(), pool: pool.clone(), amount }
        }
        _ => unreachable!("the other actions are applied by `actions::apply` and its handlers"),
    })
}

/// A replay's commission as the operations take it: a whole percent of at most 100, larger
/// ones refused on their own line (the contracts' `uint256` reverts above 100).
fn percent(p: u64) -> Result<u8> {
    u8::try_from(p).ok().filter(|&p| p <= 100).ok_or_else(|| MarlinError::InvalidParameter {
        name: "commission_percent",
        value: p.to_string(),
    })
}
