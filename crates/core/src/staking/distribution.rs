//! Rewards in and out of [`Staking`]: distribution to one validator (commission, then the
//! delegators' accumulator), distribution by voting power (Stratos's blockchain share: "evenly
//! per unit of voting power, then per validator"), withdrawals of rewards and commission, and
//! the sweep of reward dust. Every operation is all-or-nothing: accumulator changes are planned,
//! the ledger moves inside a checkpoint, then the plans are applied.

use serde::Serialize;

use super::{Staking, Validator, ValidatorId, unknown_validator};
use crate::amount::Amount;
use crate::arith::{ProRata, ppm_floor};
use crate::error::Result;
use crate::ledger::{AccountId, Holder, Ledger};
use crate::rewards::DistributionPlan;

/// How a reward to one validator was split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ValidatorReward {
    /// floor(amount·commission), credited to the operator's commission balance.
    pub commission: Amount,
    /// Distributed over the delegation shares (self-bond included).
    pub delegators: Amount,
    /// Not distributed because the validator has no shares; left with the payer (or sent to
    /// the dust holder by [`Staking::distribute_by_power`]).
    pub returned: Amount,
}

impl ValidatorReward {
    /// What entered the rewards pool: commission + delegators.
    #[must_use]
    pub fn received(&self) -> Amount {
        Amount(self.commission.0.saturating_add(self.delegators.0))
    }
}

impl Staking {
    /// Pays a reward of `amount` from `from` to `validator`: the commission goes to the
    /// operator's commission balance, the rest to the delegators' accumulator (O(1)), and the
    /// received part moves from `from` to the rewards pool. A part that cannot be distributed
    /// (no shares) stays with `from` and is reported as `returned`. A jailed validator is paid
    /// too (the caller decides who earned the reward: a reward vesting now was earned while it
    /// was bonded; Cosmos's `AllocateTokensToValidator` checks no jail either). Rejects a `from`
    /// that is one of Staking's pools ([`crate::Error::InvalidParameter`]).
    pub fn distribute_to_validator(
        &mut self,
        ledger: &mut Ledger,
        from: Holder,
        validator: ValidatorId,
        amount: Amount,
    ) -> Result<ValidatorReward> {
        self.check_outside(from, "from")?;
        let (split, plan) = self.plan_reward(validator, amount)?;
        let (token, rewards) = (self.token, self.rewards_pool);
        ledger.transfer(token, from, rewards.into(), split.received())?;
        self.apply_reward(validator, split, plan);
        Ok(split)
    }

    /// Splits `amount` from `from` among the validators that are not jailed, in proportion to
    /// voting power: validator v gets floor(amount·tokens_v/Σ tokens), then splits it as
    /// [`Staking::distribute_to_validator`] does. Every rounding remainder and undistributable
    /// part moves to `dust`, so Σ parts received + dust moved == amount exactly. Returns each
    /// active validator's part. O(validators).
    pub fn distribute_by_power(
        &mut self,
        ledger: &mut Ledger,
        from: Holder,
        amount: Amount,
        dust: Holder,
    ) -> Result<Vec<(ValidatorId, Amount)>> {
        self.distribute_by_power_total(ledger, from, amount, dust)?;
        Ok(self.planned.0.iter().map(|(id, split, _)| (*id, split.received())).collect())
    }

    /// [`Staking::distribute_by_power`], returning only what the validators received together
    /// (`amount` less what went to `dust`); allocates nothing once warm.
    pub fn distribute_by_power_total(
        &mut self,
        ledger: &mut Ledger,
        from: Holder,
        amount: Amount,
        dust: Holder,
    ) -> Result<Amount> {
        Ok(self.distribute_sources_by_power(ledger, [(from, amount)], dust)?[0])
    }

    /// [`Staking::distribute_by_power_total`] of `N` sources at once (each `(from, amount)`):
    /// the same parts, commissions, transfers and dust as one call a source in order, with one
    /// accumulator step a validator for all of them. Each source's part of a validator is
    /// floor(amount·tokens_v/Σ tokens) and its commission is floored on its own; the rests go
    /// to the delegators' accumulator together, which is the same as one after the other: the
    /// accumulator keeps the remainder of each division, so two steps add
    /// ⌊(a·S + c)/T⌋ + ⌊(b·S + c')/T⌋ = ⌊((a + b)·S + c)/T⌋ and leave the same remainder.
    /// Returns what the validators received from each source. All or nothing.
    pub fn distribute_sources_by_power<const N: usize>(
        &mut self,
        ledger: &mut Ledger,
        sources: [(Holder, Amount); N],
        dust: Holder,
    ) -> Result<[Amount; N]> {
        for (from, _) in sources {
            self.check_outside(from, "from")?;
        }
        self.check_outside(dust, "dust")?;
        let mut planned = std::mem::take(&mut self.planned.0);
        planned.clear();
        let (total, powers) = self.powers_with_total();
        let mut received = [Amount::ZERO; N];
        let planning = (|| -> Result<()> {
            if total.is_zero() {
                return Ok(());
            }
            let mut shares = [None; N];
            for (k, (_, amount)) in sources.iter().enumerate() {
                shares[k] = Some(ProRata::new(amount.0, total.0)?);
            }
            for (id, v, power) in powers {
                // Zero while jailed or out of the bonded set.
                if power.is_zero() {
                    continue;
                }
                let mut parts = [Amount::ZERO; N];
                for (part, s) in parts.iter_mut().zip(&shares) {
                    *part = Amount(s.as_ref().map_or(Ok(0), |s| s.floor(power.0))?);
                }
                let (split, plan, kept) = v.plan_rewards(parts)?;
                for k in 0..N {
                    received[k] = received[k].checked_add(kept[k])?;
                }
                planned.push((id, split, plan));
            }
            Ok(())
        })();
        let moved = planning.and_then(|()| {
            let (token, rewards) = (self.token, self.rewards_pool);
            ledger.atomic(|l| -> Result<()> {
                for ((from, amount), got) in sources.iter().zip(received) {
                    let remainder = amount.checked_sub(got)?;
                    l.transfer(token, *from, rewards.into(), got)?;
                    l.transfer(token, *from, dust, remainder)?;
                }
                Ok(())
            })
        });
        if moved.is_ok() {
            for &(id, split, plan) in &planned {
                self.apply_reward(id, split, plan);
            }
        } else {
            planned.clear();
        }
        self.planned.0 = planned;
        moved.map(|()| received)
    }

    /// Settles `delegator`'s rewards at `validator` and pays them from the rewards pool to its
    /// account. Returns the amount paid (allowed while jailed).
    pub fn withdraw_rewards(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        validator: ValidatorId,
    ) -> Result<Amount> {
        let (token, rewards) = (self.token, self.rewards_pool);
        let v = self.validator_mut(validator)?;
        let paid = v.delegations.pending(delegator);
        ledger.atomic(|l| -> Result<()> {
            l.transfer(token, rewards.into(), delegator.into(), paid)?;
            v.delegations.settle(delegator)?;
            Ok(())
        })?;
        Ok(paid)
    }

    /// Pays `validator`'s commission balance from the rewards pool to its operator. Returns it.
    pub fn withdraw_commission(
        &mut self,
        ledger: &mut Ledger,
        validator: ValidatorId,
    ) -> Result<Amount> {
        let (token, rewards) = (self.token, self.rewards_pool);
        let v = self.validator_mut(validator)?;
        let amount = v.commission;
        ledger.transfer(token, rewards.into(), v.operator.into(), amount)?;
        v.commission = Amount::ZERO;
        Ok(amount)
    }

    /// Moves every validator's sweepable reward dust (fractions cut off at settlements, which
    /// no one can claim) from the rewards pool to `to`. Returns the amount. O(validators).
    pub fn sweep_reward_dust(&mut self, ledger: &mut Ledger, to: Holder) -> Result<Amount> {
        self.check_outside(to, "to")?;
        let total = self
            .validators
            .iter()
            .try_fold(Amount::ZERO, |s, v| s.checked_add(v.delegations.sweepable_dust()))?;
        ledger.transfer(self.token, self.rewards_pool.into(), to, total)?;
        for i in 0..self.validators.len() {
            self.validators.get_mut(i).delegations.sweep_dust();
        }
        Ok(total)
    }

    // ---- internals ------------------------------------------------------------------------

    /// Computes the split of a reward to `validator` without changing anything.
    fn plan_reward(
        &self,
        validator: ValidatorId,
        amount: Amount,
    ) -> Result<(ValidatorReward, DistributionPlan)> {
        self.validator(validator)?.plan_reward(amount)
    }

    /// Applies a split planned by [`Self::plan_reward`] (nothing changed in between).
    fn apply_reward(
        &mut self,
        validator: ValidatorId,
        split: ValidatorReward,
        plan: DistributionPlan,
    ) {
        if let Some(v) = self.validators.try_get_mut(validator.0 as usize) {
            v.delegations.apply_distribution(plan);
            v.commission = Amount(v.commission.0.saturating_add(split.commission.0));
        } else {
            debug_assert!(false, "{}", unknown_validator(validator));
        }
    }
}

impl Validator {
    /// The split of a reward of `amount` to this validator, without changing
    /// anything: the commission, then the rest over the delegation shares.
    #[inline]
    fn plan_reward(&self, amount: Amount) -> Result<(ValidatorReward, DistributionPlan)> {
        self.plan_rewards([amount]).map(|(split, plan, _)| (split, plan))
    }

    /// [`Validator::plan_reward`] of the sum of `parts` (one a source), each part's commission
    /// floored on its own; also what of each part the validator keeps (all of it, or its
    /// commission alone when no shares take the rest).
    #[inline]
    fn plan_rewards<const N: usize>(
        &self,
        parts: [Amount; N],
    ) -> Result<(ValidatorReward, DistributionPlan, [Amount; N])> {
        let (mut commission, mut rest) = (Amount::ZERO, Amount::ZERO);
        let mut commissions = [Amount::ZERO; N];
        for (c, part) in commissions.iter_mut().zip(parts) {
            *c = Amount(ppm_floor(part.0, self.commission_ppm)?);
            commission = commission.checked_add(*c)?;
            rest = rest.checked_add(part.checked_sub(*c)?)?;
        }
        let plan = self.delegations.plan_distribute(rest)?;
        let returned = plan.undistributable();
        self.commission.checked_add(commission)?;
        // All or nothing: with no shares, every part's rest is returned.
        let kept = if returned.is_zero() { parts } else { commissions };
        Ok((
            ValidatorReward { commission, delegators: rest.checked_sub(returned)?, returned },
            plan,
            kept,
        ))
    }
}

/// The splits [`Staking::distribute_by_power`] planned, kept between calls so that a
/// distribution allocates nothing (not part of the state).
pub(super) type Planned = crate::Transient<Vec<(ValidatorId, ValidatorReward, DistributionPlan)>>;
