//! Deployed delegator rewards (spec marlin.md, "Staking": "the cluster's commission (whole
//! percent) is cut when rewards are distributed; the rest goes to delegators through a
//! reward-per-share accumulator (deployed: split equally between the POND and MPOND delegations,
//! whatever their value)"; Marlin's `RewardDelegators` contract, `_updateRewards` and
//! `_updateTokens`).
//!
//! # The contract's arithmetic, in its order (every `/` floors)
//! A cluster's reward `A` (what `ClusterRewards.claimReward` pays: the accrued balance less one
//! base unit, [`super::tickets::claim`]) is distributed ([`ClusterPool::distribute`]):
//! 1. `commission = A·c / 100` (`c` whole percent) to the operator; `D = A − commission`.
//! 2. `k` = the number of staked tokens the cluster has any delegation of. Each such token `t`,
//!    with total delegation `d_t`, gets `acc_t += (D·10^30 / k) / d_t` — equal parts per token,
//!    whatever the tokens' values (the contract's `rewardFactor` no longer enters). The two
//!    floors are one: `⌊⌊x/k⌋/d⌋ = ⌊x/(k·d)⌋` for positive integers.
//! 3. With `k = 0` nobody is owed `D`: it is [`Distribution::unallocated`], returned to the pool.
//!
//! A delegator's change of its delegation of token `t` from `old` to `new` (a delegation, an
//! undelegation, or a withdrawal with amount 0; always after the cluster's distribution) pays
//! `⌊acc_t·old / 10^30⌋ − debt_t` and, unless nothing changed and nothing was paid, sets
//! `debt_t = ⌊acc_t·new / 10^30⌋` ([`ClusterPool::apply`]). Rewards stop at once on undelegation:
//! the undelegated amount earns nothing from later distributions.
//!
//! # Remainders
//! What the floors of step 2 leave, and the fractions below one unit of each delegator's
//! `acc·balance/10^30`, stay in the pool: [`ClusterPool::allocated`] − [`ClusterPool::paid`] is
//! the pool's liability bound. The debt form (a difference of two floors) can pay one base unit
//! more per settlement than the exact share; the contract pays it from its balance (all
//! clusters' rewards), and so must the caller's pool.
//!
//! The accumulator is a u128 (the contract's is 256 bits): it holds `Σ D·10^30/(k·d_t)` up to
//! 3.4·10^38, i.e. `Σ D/d_t` up to 3.4·10^8 per token — beyond, [`RewardsError::Overflow`].

use ergon_core::Amount;

use super::{Result, RewardsError, mul_div_floor};

/// The accumulator's scale, 10^30.
pub const ACC_SCALE: u128 = 1_000_000_000_000_000_000_000_000_000_000;

/// A cluster's commission cut, both profiles: `(⌊reward·percent/100⌋, the rest)`. Errors: a
/// commission above 100%.
pub fn commission_cut(reward: Amount, percent: u8) -> Result<(Amount, Amount)> {
    if percent > 100 {
        return Err(RewardsError::CommissionAbove100 { percent });
    }
    let commission = mul_div_floor(reward.0, u128::from(percent), 100)?;
    Ok((Amount(commission), Amount(reward.0 - commission)))
}

/// One cluster's delegations of `N` staked tokens and their per-share accumulators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterPool<const N: usize> {
    /// Total delegation per token.
    totals: [Amount; N],
    /// Reward per delegated base unit, scaled by [`ACC_SCALE`], per token.
    acc: [u128; N],
    /// `Σ D` over distributions with `k > 0`.
    allocated: Amount,
    /// Σ paid to delegators.
    paid: Amount,
}

/// One delegator's delegations to one cluster and its debts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position<const N: usize> {
    /// Delegation per token.
    balances: [Amount; N],
    /// `⌊acc·balance/10^30⌋` at the last settlement, per token.
    debts: [u128; N],
}

impl<const N: usize> Default for Position<N> {
    fn default() -> Self {
        Position { balances: [Amount::ZERO; N], debts: [0; N] }
    }
}

impl<const N: usize> Position<N> {
    /// The delegation of token `t` (0 outside).
    pub fn balance(&self, t: usize) -> Amount {
        self.balances.get(t).copied().unwrap_or(Amount::ZERO)
    }
}

/// One distribution's parts: `commission + delegators + unallocated = A`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Distribution {
    /// To the cluster's operator.
    pub commission: Amount,
    /// `D`, given to the delegated tokens' accumulators (0 when `k = 0`).
    pub delegators: Amount,
    /// `D` when no token is delegated: returned to the pool.
    pub unallocated: Amount,
}

impl<const N: usize> Default for ClusterPool<N> {
    fn default() -> Self {
        ClusterPool {
            totals: [Amount::ZERO; N],
            acc: [0; N],
            allocated: Amount::ZERO,
            paid: Amount::ZERO,
        }
    }
}

impl<const N: usize> ClusterPool<N> {
    /// The total delegation of token `t` (0 outside).
    pub fn total(&self, t: usize) -> Amount {
        self.totals.get(t).copied().unwrap_or(Amount::ZERO)
    }

    /// The accumulator of token `t`, scaled by [`ACC_SCALE`] (0 outside).
    pub fn acc(&self, t: usize) -> u128 {
        self.acc.get(t).copied().unwrap_or(0)
    }

    /// `Σ D` given to delegators.
    pub fn allocated(&self) -> Amount {
        self.allocated
    }

    /// Σ paid to delegators.
    pub fn paid(&self) -> Amount {
        self.paid
    }

    /// Distributes the cluster's reward `reward` with a commission of `percent` (module doc).
    /// Errors: a commission above 100%; an accumulator above u128. On error nothing changed.
    pub fn distribute(&mut self, reward: Amount, percent: u8) -> Result<Distribution> {
        let (commission, d) = commission_cut(reward, percent)?;
        let (commission, d) = (commission.0, d.0);
        let k = self.totals.iter().filter(|t| !t.is_zero()).count() as u128;
        if k == 0 {
            let unallocated = Amount(d);
            return Ok(Distribution {
                commission: Amount(commission),
                delegators: Amount::ZERO,
                unallocated,
            });
        }
        let overflow = || RewardsError::Overflow { op: "accRewardPerShare" };
        let mut next = self.acc;
        for (a, total) in next.iter_mut().zip(&self.totals) {
            if !total.is_zero() {
                let denom = total.0.checked_mul(k).ok_or_else(overflow)?;
                let inc = mul_div_floor(d, ACC_SCALE, denom).map_err(|_| overflow())?;
                *a = a.checked_add(inc).ok_or_else(overflow)?;
            }
        }
        self.allocated = self.allocated.checked_add(Amount(d))?;
        self.acc = next;
        Ok(Distribution {
            commission: Amount(commission),
            delegators: Amount(d),
            unallocated: Amount::ZERO,
        })
    }

    /// What `pos` would be paid now for all its tokens (the contract's pending rewards).
    pub fn pending(&self, pos: &Position<N>) -> Result<Amount> {
        let mut sum = Amount::ZERO;
        for t in 0..N {
            let owed = mul_div_floor(self.acc[t], pos.balances[t].0, ACC_SCALE)?;
            sum = sum.checked_add(Amount(owed.saturating_sub(pos.debts[t])))?;
        }
        Ok(sum)
    }

    /// A delegation (`delegate`) or undelegation of `amounts[t]` of each token `t` by `pos`, in
    /// token order, after the cluster's distribution; returns the rewards paid (module doc). A
    /// withdrawal of rewards is `amounts` all zero. Errors: `amounts.len() ≠ N`; an undelegation
    /// above the position; overflow. On error nothing changed.
    pub fn apply(
        &mut self,
        pos: &mut Position<N>,
        amounts: &[Amount],
        delegate: bool,
    ) -> Result<Amount> {
        if amounts.len() != N {
            return Err(RewardsError::Length { what: "amounts", expected: N, got: amounts.len() });
        }
        let (mut totals, mut next) = (self.totals, *pos);
        let mut reward = Amount::ZERO;
        for t in 0..N {
            let old = pos.balances[t];
            let new = if amounts[t].is_zero() {
                old
            } else if delegate {
                totals[t] = totals[t].checked_add(amounts[t])?;
                old.checked_add(amounts[t])?
            } else {
                if amounts[t] > old {
                    return Err(RewardsError::InsufficientBalance {
                        balance: old,
                        amount: amounts[t],
                    });
                }
                totals[t] = totals[t].checked_sub(amounts[t])?;
                Amount(old.0 - amounts[t].0)
            };
            next.balances[t] = new;
            let owed = mul_div_floor(self.acc[t], old.0, ACC_SCALE)?;
            // The contract's checked subtraction: owed ≥ debt, as acc only grows.
            let r = owed
                .checked_sub(pos.debts[t])
                .ok_or(RewardsError::Overflow { op: "rewardDebt" })?;
            if !(old == new && r == 0) {
                next.debts[t] = mul_div_floor(self.acc[t], new.0, ACC_SCALE)?;
            }
            reward = reward.checked_add(Amount(r))?;
        }
        let paid = self.paid.checked_add(reward)?;
        self.totals = totals;
        self.paid = paid;
        *pos = next;
        Ok(reward)
    }
}
