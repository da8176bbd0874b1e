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
//! The contract's accumulator is 256 bits; here it is an [`Acc`], its quotient and remainder by
//! 10^30 in two u128, exact: an increment `⌊D·10^30/m⌋` (`m = k·d_t`) is
//! `⌊D/m⌋·10^30 + ⌊(D mod m)·10^30/m⌋`, and `⌊acc·b/10^30⌋ = whole·b + ⌊frac·b/10^30⌋`. So even a
//! delegation of one base unit (which takes a whole token's half of every reward, as on chain)
//! fits. A debt `⌊acc·b/10^30⌋` can pass 2^128 where a large balance sits in a token whose
//! accumulator is large (a delegation of one MPOND to a cluster where a few base units of MPOND
//! have taken half of every reward); it is the contract's uint256 `rewardDebt`, a [`Debt`] of two
//! u128 halves here. [`RewardsError::Overflow`] only when a reward paid itself exceeds u128.

use ergon_core::{Amount, ProRata};
use ruint::aliases::U256;

use super::{Result, RewardsError, mul_div_floor};

/// The accumulator's scale, 10^30.
pub const ACC_SCALE: u128 = 1_000_000_000_000_000_000_000_000_000_000;

/// A cluster's commission cut, both profiles: `(⌊reward·percent/100⌋, the rest)`. Errors: a
/// commission above 100%.
pub fn commission_cut(reward: Amount, percent: u8) -> Result<(Amount, Amount)> {
    if percent > 100 {
        return Err(RewardsError::CommissionAbove100 { percent });
    }
    let commission = ergon_core::percent_floor(reward.0, percent)?;
    Ok((Amount(commission), Amount(reward.0 - commission)))
}

/// A per-share accumulator `whole·10^30 + frac`, `frac < 10^30`: the contract's
/// `accRewardPerShare`, exactly.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Acc {
    /// `⌊acc / 10^30⌋`: whole base units per delegated base unit.
    pub whole: u128,
    /// `acc mod 10^30`.
    pub frac: u128,
}

/// `⌊r·10^30/m⌋` for one divisor `m` and many `r`, with `m` prepared once ([`ProRata`]) and
/// kept while it holds: a cache keyed by `m`'s value, so whatever it holds the quotient is
/// the same (a different `m` is prepared again). Not part of any state.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScaleDivisor(Option<(u128, ProRata)>);

impl ScaleDivisor {
    /// `⌊r·10^30/m⌋`, exactly `mul_div(r, 10^30, m)` rounded down. Errors: `m = 0`; overflow.
    fn floor(&mut self, r: u128, m: u128) -> Result<u128> {
        let shares = match self.0 {
            Some((held, p)) if held == m => p,
            _ => {
                let p = ProRata::new(ACC_SCALE, m)?;
                self.0 = Some((m, p));
                p
            }
        };
        Ok(shares.floor(r)?)
    }
}

impl Acc {
    /// `acc + ⌊amount·10^30/m⌋` (module doc), `m` prepared in `div`. Errors: `m = 0`;
    /// overflow.
    fn add_share(self, amount: u128, m: u128, div: &mut ScaleDivisor) -> Result<Acc> {
        if m == 0 {
            return Err(RewardsError::ZeroTotal { what: "delegation" });
        }
        let overflow = || RewardsError::Overflow { op: "accRewardPerShare" };
        // One division for the quotient and the remainder; the fractions' sum is below
        // 2·10^30 (each part is below 10^30), so its carry is a comparison, not a division
        // (an accumulator read back with a larger fraction takes the division).
        let q = amount / m;
        let frac = self.frac.checked_add(div.floor(amount - q * m, m)?);
        let frac = frac.ok_or_else(overflow)?;
        let (carry, frac) = match frac {
            f if f < ACC_SCALE => (0, f),
            f if f < 2 * ACC_SCALE => (1, f - ACC_SCALE),
            f => (f / ACC_SCALE, f % ACC_SCALE),
        };
        let whole = self.whole.checked_add(q).ok_or_else(overflow)?;
        let whole = whole.checked_add(carry).ok_or_else(overflow)?;
        Ok(Acc { whole, frac })
    }

    /// `⌊acc·b / 10^30⌋ = whole·b + ⌊frac·b/10^30⌋`, exact (below 2^256).
    fn times(self, b: Amount) -> Result<Debt> {
        let part = mul_div_floor(self.frac, b.0, ACC_SCALE)?;
        Ok(Debt::of(U256::from(self.whole) * U256::from(b.0) + U256::from(part)))
    }

    /// The accumulator as one integer, when it fits u128.
    pub fn to_u128(self) -> Option<u128> {
        self.whole.checked_mul(ACC_SCALE)?.checked_add(self.frac)
    }
}

/// One cluster's delegations of `N` staked tokens and their per-share accumulators.
#[serde_with::serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterPool<const N: usize> {
    /// Total delegation per token.
    #[serde_as(as = "[_; N]")]
    totals: [Amount; N],
    /// Reward per delegated base unit, scaled by [`ACC_SCALE`], per token.
    #[serde_as(as = "[_; N]")]
    acc: [Acc; N],
    /// `Σ D` over distributions with `k > 0`.
    allocated: Amount,
    /// Σ paid to delegators.
    paid: Amount,
    /// Σ rewards distributed: commission, delegators' part and unallocated part.
    received: Amount,
}

/// paper: what a cluster received at epochs' closes since its accumulators last changed
/// ([`ClusterPool::credit`] takes it in): the payments and, out of them, the delegators' part
/// (commission already cut). Held, not given to the accumulators at once, so that a close
/// writes one small record a cluster; it is taken in before the cluster's delegation next
/// changes or a delegator settles, so every delegator of the time shares it, as it would
/// close by close (the accumulator's floors are taken once over the sum: delegators receive at
/// least what per-close increments would pay).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Held {
    /// Payments received.
    pub received: Amount,
    /// Their delegators' part.
    pub delegators: Amount,
}

impl Held {
    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.received.is_zero() && self.delegators.is_zero()
    }

    /// `self` plus one more payment `received` with delegators' part `delegators`.
    pub fn add(self, received: Amount, delegators: Amount) -> Result<Held> {
        Ok(Held {
            received: self.received.checked_add(received)?,
            delegators: self.delegators.checked_add(delegators)?,
        })
    }
}

/// `⌊acc·balance/10^30⌋`: the contract's uint256 `rewardDebt` (and what is owed before the debt
/// is taken off), as its two 128-bit halves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Debt {
    hi: u128,
    lo: u128,
}

impl Debt {
    fn of(x: U256) -> Debt {
        let [a, b, c, d] = x.into_limbs();
        let join = |lo: u64, hi: u64| u128::from(lo) | (u128::from(hi) << 64);
        Debt { hi: join(c, d), lo: join(a, b) }
    }

    fn value(self) -> U256 {
        (U256::from(self.hi) << 128) | U256::from(self.lo)
    }

    /// `self − debt` (the reward it leaves), when `self ≥ debt` and the difference fits u128.
    fn minus(self, debt: Debt) -> Option<u128> {
        self.value().checked_sub(debt.value()).and_then(|r| u128::try_from(r).ok())
    }
}

/// One delegator's delegations to one cluster and its debts.
#[serde_with::serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position<const N: usize> {
    /// Delegation per token.
    #[serde_as(as = "[_; N]")]
    balances: [Amount; N],
    /// `⌊acc·balance/10^30⌋` at the last settlement, per token.
    #[serde_as(as = "[_; N]")]
    debts: [Debt; N],
}

impl<const N: usize> Default for Position<N> {
    fn default() -> Self {
        Position { balances: [Amount::ZERO; N], debts: [Debt::default(); N] }
    }
}

impl<const N: usize> Position<N> {
    /// The delegation of token `t` (0 outside).
    pub fn balance(&self, t: usize) -> Amount {
        self.balances.get(t).copied().unwrap_or(Amount::ZERO)
    }
}

/// One distribution's parts: `commission + delegators + unallocated = A`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
            acc: [Acc { whole: 0, frac: 0 }; N],
            allocated: Amount::ZERO,
            paid: Amount::ZERO,
            received: Amount::ZERO,
        }
    }
}

impl<const N: usize> ClusterPool<N> {
    /// The total delegation of token `t` (0 outside).
    pub fn total(&self, t: usize) -> Amount {
        self.totals.get(t).copied().unwrap_or(Amount::ZERO)
    }

    /// The accumulator of token `t` (0 outside).
    pub fn acc(&self, t: usize) -> Acc {
        self.acc.get(t).copied().unwrap_or_default()
    }

    /// `Σ D` given to delegators.
    pub fn allocated(&self) -> Amount {
        self.allocated
    }

    /// Σ paid to delegators.
    pub fn paid(&self) -> Amount {
        self.paid
    }

    /// Σ rewards the cluster received ([`ClusterPool::distribute`]'s `reward`s): what its
    /// operator's commission and its delegators' shares came out of.
    pub fn received(&self) -> Amount {
        self.received
    }

    /// Distributes the cluster's reward `reward` with a commission of `percent` (module doc).
    /// Errors: a commission above 100%; overflow. On error nothing changed.
    pub fn distribute(&mut self, reward: Amount, percent: u8) -> Result<Distribution> {
        self.distribute_with(reward, percent, &mut [ScaleDivisor::default(); N])
    }

    /// [`ClusterPool::distribute`] with each token's divisor kept in `divs` between calls (a
    /// cluster's totals seldom change from one epoch to the next).
    pub fn distribute_with(
        &mut self,
        reward: Amount,
        percent: u8,
        divs: &mut [ScaleDivisor; N],
    ) -> Result<Distribution> {
        let (commission, d) = commission_cut(reward, percent)?;
        if self.delegated_tokens() == 0 {
            self.received = self.received.checked_add(reward)?;
            return Ok(Distribution { commission, delegators: Amount::ZERO, unallocated: d });
        }
        self.credit(Held { received: reward, delegators: d }, divs)?;
        Ok(Distribution { commission, delegators: d, unallocated: Amount::ZERO })
    }

    /// The number of tokens with any delegation (`k` of the module doc).
    pub fn delegated_tokens(&self) -> usize {
        self.totals.iter().filter(|t| !t.is_zero()).count()
    }

    /// Takes in what the cluster held since its accumulators last changed: `held.received`
    /// counts as received, `held.delegators` (the delegators' part, commission already cut)
    /// is given to the accumulators as one reward `D` (module doc, step 2). Errors: a
    /// delegators' part with nothing delegated; overflow. On error nothing changed.
    pub fn credit(&mut self, held: Held, divs: &mut [ScaleDivisor; N]) -> Result<()> {
        let received = self.received.checked_add(held.received)?;
        let d = held.delegators.0;
        if d == 0 {
            self.received = received;
            return Ok(());
        }
        let k = self.delegated_tokens() as u128;
        if k == 0 {
            return Err(RewardsError::ZeroTotal { what: "delegation" });
        }
        let overflow = || RewardsError::Overflow { op: "accRewardPerShare" };
        let mut next = self.acc;
        for ((a, total), div) in next.iter_mut().zip(&self.totals).zip(divs.iter_mut()) {
            if !total.is_zero() {
                let m = total.0.checked_mul(k).ok_or_else(overflow)?;
                *a = a.add_share(d, m, div)?;
            }
        }
        self.allocated = self.allocated.checked_add(held.delegators)?;
        self.acc = next;
        self.received = received;
        Ok(())
    }

    /// What `pos` would be paid now for all its tokens (the contract's pending rewards).
    pub fn pending(&self, pos: &Position<N>) -> Result<Amount> {
        let mut sum = Amount::ZERO;
        for t in 0..N {
            let owed = self.acc[t].times(pos.balances[t])?;
            sum = sum.checked_add(Amount(owed.minus(pos.debts[t]).unwrap_or(0)))?;
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
        self.apply_tokens(pos, amounts, delegate, [true; N])
    }

    /// [`ClusterPool::apply`] of the tokens `t` with `tokens[t]` alone (`RewardDelegators`'s
    /// `_updateTokens` over the tokens of the call, as `StakeManager.addToStash` passes the
    /// tokens it is given): the other tokens' balances, debts and rewards are left as they are
    /// (their amounts must be zero).
    pub fn apply_tokens(
        &mut self,
        pos: &mut Position<N>,
        amounts: &[Amount],
        delegate: bool,
        tokens: [bool; N],
    ) -> Result<Amount> {
        if amounts.len() != N {
            return Err(RewardsError::Length { what: "amounts", expected: N, got: amounts.len() });
        }
        let (mut totals, mut next) = (self.totals, *pos);
        let mut reward = Amount::ZERO;
        for t in (0..N).filter(|&t| tokens[t]) {
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
            let owed = self.acc[t].times(old)?;
            // The contract's checked subtraction: owed ≥ debt, as acc only grows.
            let r = owed.minus(pos.debts[t]).ok_or(RewardsError::Overflow { op: "rewardDebt" })?;
            if !(old == new && r == 0) {
                next.debts[t] = self.acc[t].times(new)?;
            }
            reward = reward.checked_add(Amount(r))?;
        }
        let paid = self.paid.checked_add(reward)?;
        self.totals = totals;
        self.paid = paid;
        *pos = next;
        Ok(reward)
    }

    /// What the delegators' part given to the accumulators still holds: Σ given less Σ paid.
    /// The per-share floors can promise a position a base unit more than its exact share (its
    /// debt is floored where it joined), so the claims of positions that joined at the same
    /// fractional accumulator can add up to more than this.
    #[must_use]
    pub fn unpaid(&self) -> Amount {
        Amount(self.allocated.0.saturating_sub(self.paid.0))
    }

    /// [`ClusterPool::apply_tokens`] paying no more than [`ClusterPool::unpaid`] (paper: the
    /// delegators are paid from what they were given; the last to claim bears the units the
    /// floors promised beyond it).
    pub fn apply_tokens_bounded(
        &mut self,
        pos: &mut Position<N>,
        amounts: &[Amount],
        delegate: bool,
        tokens: [bool; N],
    ) -> Result<Amount> {
        let unpaid = self.unpaid();
        let r = self.apply_tokens(pos, amounts, delegate, tokens)?;
        if r <= unpaid {
            return Ok(r);
        }
        self.paid = Amount(self.paid.0 - (r.0 - unpaid.0));
        Ok(unpaid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A debt past 2^128, as the contract's uint256 holds it. A cluster with 1,000 POND and one
    /// base unit of MPOND distributes 1,000 POND: acc_MPOND = ⌊10^21·10^30/(1·2)⌋ = 5·10^50.
    /// C then delegates 1 MPOND: its debt ⌊5·10^50·10^18/10^30⌋ = 5·10^38 > 2^128 − 1. After
    /// another 1,000 POND, acc_MPOND grows by ⌊10^21·10^30/((10^18 + 1)·2)⌋ and C is paid
    /// ⌊acc·10^18/10^30⌋ − 5·10^38 = 499,999,999,999,999,999,500; A (1,000 POND and the one
    /// base unit) 10^21 of POND's part and 5·10^20 + 499 of MPOND's: 1,500,000,000,000,000,000,499.
    #[test]
    fn a_debt_past_two_to_the_128_is_kept_whole() {
        let e18 = 10u128.pow(18);
        let mut pool = ClusterPool::<2>::default();
        let (mut a, mut c) = (Position::<2>::default(), Position::<2>::default());
        pool.apply(&mut a, &[Amount(1000 * e18), Amount(1)], true).unwrap();
        pool.distribute(Amount(1000 * e18), 0).unwrap();
        assert_eq!(pool.apply(&mut c, &[Amount::ZERO, Amount(e18)], true).unwrap(), Amount::ZERO);
        let five_e38 = U256::from(5u8) * U256::from(10u8).pow(U256::from(38u8));
        assert_eq!(c.debts[1].value(), five_e38);
        assert!(five_e38 > U256::from(u128::MAX));
        pool.distribute(Amount(1000 * e18), 0).unwrap();
        assert_eq!(pool.pending(&c).unwrap(), Amount(499_999_999_999_999_999_500));
        let paid = pool.apply(&mut c, &[Amount::ZERO, Amount::ZERO], true).unwrap();
        assert_eq!(paid, Amount(499_999_999_999_999_999_500));
        let paid = pool.apply(&mut a, &[Amount::ZERO, Amount::ZERO], true).unwrap();
        assert_eq!(paid, Amount(1_500_000_000_000_000_000_499));
    }

    proptest! {
        /// The kept divisor gives `mul_div`'s quotient, through hits (the same `m` again) and
        /// misses (another `m`), for divisors below and above 2^64.
        #[test]
        fn kept_divisor_floors_as_mul_div(
            steps in proptest::collection::vec((any::<u128>(), 0usize..3, 1u32..128), 1..40),
        ) {
            let mut div = ScaleDivisor::default();
            let mut m = 1u128;
            for (x, change, bits) in steps {
                if change == 0 {
                    m = (x >> (128 - bits)).max(1);
                }
                let r = x % m;
                let want = ergon_core::mul_div(r, ACC_SCALE, m, ergon_core::Rounding::Down)?;
                prop_assert_eq!(div.floor(r, m)?, want);
            }
        }

        /// A pool distributing with its divisors kept from one reward to the next ends where it
        /// does distributing each reward afresh, delegations changing in between.
        #[test]
        fn kept_divisors_distribute_as_fresh_ones(
            steps in proptest::collection::vec((1u128..1u128 << 80, 0u8..=100, any::<bool>(), 1u128..1u128 << 70), 1..30),
        ) {
            let (mut kept, mut fresh) = (ClusterPool::<2>::default(), ClusterPool::<2>::default());
            let mut divs = [ScaleDivisor::default(); 2];
            let mut pos = (Position::<2>::default(), Position::<2>::default());
            for (reward, percent, delegate, amount) in steps {
                if delegate {
                    let a = [Amount(amount), Amount(amount / 3)];
                    prop_assert_eq!(kept.apply(&mut pos.0, &a, true)?, fresh.apply(&mut pos.1, &a, true)?);
                }
                let a = kept.distribute_with(Amount(reward), percent, &mut divs)?;
                let b = fresh.distribute(Amount(reward), percent)?;
                prop_assert_eq!(a, b);
                prop_assert_eq!(kept, fresh);
            }
        }
    }
}
