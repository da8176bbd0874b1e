//! [`RewardAccumulator`]: reward-per-share accounting (Cosmos F1 / MasterChef style) for one
//! reward token over holders of shares, keyed by any `K: Ord + Copy` (ARCHITECTURE, "Scalable
//! accounting"; STYLE, Cosmos x/distribution). Used by [`crate::staking`] for delegators, and by
//! the economies for Marlin's cluster delegations and Phala's stake pools.
//!
//! # Design
//! - `acc` is the cumulative reward per share, a `U256` scaled by [`SCALE`] = 10^38.
//!   [`RewardAccumulator::distribute`] adds `inc = (amount·SCALE + carry) / total_shares` (floor)
//!   and keeps the remainder as the new `carry`, so no truncation is lost across distributions.
//!   It costs O(1) whatever the number of holders: it never iterates them.
//! - Each position stores its shares (u128) and its own snapshot of `acc` — not a MasterChef
//!   "debt", whose difference of two floors can overpay. Its pending reward is
//!   `floor(shares · (acc − snapshot) / SCALE)` (a U512 product, exact).
//! - Settle before change: [`RewardAccumulator::settle`] pays the pending reward and moves the
//!   snapshot to `acc`; every share change settles first and returns what it settled.
//! - With `total_shares == 0` a distribution distributes nothing and returns the whole amount as
//!   undistributable; the caller sends it to its dust or treasury account.
//!
//! Why 10^38 and not 2^128: both fit (`acc ≤ distributed · SCALE < 2^255`), but a decimal scale
//! makes every per-share increment exact when amounts and shares are "round" decimal numbers.
//! With 2^128, 99 tokens over 1000 tokens of shares truncates (1000 = 2^3·5^3), and a holder
//! whose exact reward is the integer 19.8·10^18 would get 19.8·10^18 − 1.
//!
//! # Exactness and the dust bound
//! In scaled units the books balance exactly, at every moment:
//!
//! ```text
//! distributed·SCALE = paid·SCALE + lost + Σ_i shares_i·(acc − snapshot_i) + carry
//! ```
//!
//! where `lost` sums the fractions cut off by the floors at settlements. Only `lost` can never be
//! claimed again; the fractional parts of pending rewards and the carry may still be lifted into
//! whole units by later distributions. So [`RewardAccumulator::sweepable_dust`] is
//! `floor(lost / SCALE) − swept`, and [`RewardAccumulator::dust`]
//! (`distributed − paid − owed`) may shrink when a distribution lifts a pending reward.
//!
//! Per holder, against its exact pro-rata entitlement `E = Σ amount_d · shares/total_shares_d`
//! over the distributions `d` while it held shares:
//!
//! ```text
//! E − (settlements + 1) − n·shares/SCALE  <  paid + pending  ≤  E + n·T/SCALE
//! ```
//!
//! with `n` distributions and `T` the largest total of shares. The `n·…/SCALE` terms come from the
//! per-share truncation and from the carry moving less than `T/SCALE` of a base unit from one
//! distribution's holders to the next's; below 10^28 shares and 10^9 distributions they are under
//! a tenth of a base unit. In whole units: `E − (settlements + 1) ≤ paid + pending ≤ E`, the
//! lower bound reached (not only approached) when the truncation tips a whole-unit entitlement
//! just below the unit. Example: a lone holder of 11 shares receiving 1 unit has 0 pending (the
//! unit waits in the carry and is lifted by a later distribution) — as with Cosmos's truncated
//! reward ratios. The test suite checks both bounds against exact fractions.
//!
//! # Tokens
//! The accumulator is accounting only; it never touches the [`crate::Ledger`]. Its owner keeps
//! the distributed tokens in a pool and moves exactly what the accumulator reports, so that
//! `pool balance == distributed − paid − swept` ([`RewardAccumulator::reserve`]) holds.
//! [`RewardAccumulator::check_invariants`] checks that the reserve covers every claim.

use std::collections::BTreeMap;

use ruint::aliases::{U256, U512};
use serde::{Deserialize, Serialize, Serializer};

use crate::amount::Amount;
use crate::arith::{Divisor, mul_wide};
use crate::error::{Result, overflow, underflow};
use crate::invariants::Violation;

/// The fixed-point scale of the reward-per-share accumulator: 10^38 (< 2^127).
pub const SCALE: u128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// Serializes a wide integer as a decimal string, as [`Amount`] is.
fn ser_u256<S: Serializer>(v: &U256, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Reads [`ser_u256`]'s decimal string back.
fn de_u256<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<U256, D::Error> {
    let text = String::deserialize(d)?;
    U256::from_str_radix(&text, 10).map_err(serde::de::Error::custom)
}

/// One holder's shares and the accumulator value it was last settled at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Position {
    shares: u128,
    #[serde(serialize_with = "ser_u256", deserialize_with = "de_u256")]
    snapshot: U256,
}

/// A computed but not yet applied distribution: lets an owner check several accumulators
/// before changing any (all-or-nothing operations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DistributionPlan {
    acc: U256,
    carry: U256,
    distributed: Amount,
    undistributable: Amount,
}

impl DistributionPlan {
    /// What the distribution leaves undistributed (the whole amount when nobody holds shares).
    pub(crate) fn undistributable(&self) -> Amount {
        self.undistributable
    }
}

/// Reward-per-share accounting for one reward token over share holders `K`. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(bound(serialize = "K: Serialize", deserialize = "K: Deserialize<'de>"))]
pub struct RewardAccumulator<K: Ord + Copy> {
    /// Cumulative reward per share, scaled by [`SCALE`].
    #[serde(serialize_with = "ser_u256", deserialize_with = "de_u256")]
    acc: U256,
    /// Remainder numerator of past distributions (scaled base units not yet in `acc`).
    #[serde(serialize_with = "ser_u256", deserialize_with = "de_u256")]
    carry: U256,
    /// Σ shares of all positions.
    total_shares: u128,
    /// Base units distributed over shares (excludes undistributable amounts).
    distributed: Amount,
    /// Base units paid out by settlements.
    paid: Amount,
    /// Base units of dust handed back by [`RewardAccumulator::sweep_dust`].
    swept: Amount,
    /// Scaled fractions cut off by the floors at settlements: dust that no one can claim.
    #[serde(serialize_with = "ser_u256", deserialize_with = "de_u256")]
    lost: U256,
    /// Positions with shares > 0, in key order.
    positions: BTreeMap<K, Position>,
}

impl<K: Ord + Copy> Default for RewardAccumulator<K> {
    fn default() -> Self {
        RewardAccumulator {
            acc: U256::ZERO,
            carry: U256::ZERO,
            total_shares: 0,
            distributed: Amount::ZERO,
            paid: Amount::ZERO,
            swept: Amount::ZERO,
            lost: U256::ZERO,
            positions: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Copy> RewardAccumulator<K> {
    /// An empty accumulator: no holders, nothing distributed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    // ---- reading --------------------------------------------------------------------------

    /// Σ shares of all holders.
    #[must_use]
    pub fn total_shares(&self) -> u128 {
        self.total_shares
    }

    /// The shares `k` holds (zero for an unknown holder).
    #[must_use]
    pub fn shares(&self, k: K) -> u128 {
        self.positions.get(&k).map_or(0, |p| p.shares)
    }

    /// Number of holders with shares.
    #[must_use]
    pub fn holder_count(&self) -> usize {
        self.positions.len()
    }

    /// Every holder and its shares, in key order.
    pub fn holders(&self) -> impl Iterator<Item = (K, u128)> + '_ {
        self.positions.iter().map(|(k, p)| (*k, p.shares))
    }

    /// Base units distributed over shares so far.
    #[must_use]
    pub fn distributed_total(&self) -> Amount {
        self.distributed
    }

    /// Base units paid out by settlements so far.
    #[must_use]
    pub fn paid_total(&self) -> Amount {
        self.paid
    }

    /// Base units of dust swept so far.
    #[must_use]
    pub fn swept_total(&self) -> Amount {
        self.swept
    }

    /// What the owner's pool must hold: distributed − paid − swept.
    #[must_use]
    pub fn reserve(&self) -> Amount {
        self.distributed.saturating_sub(self.paid).saturating_sub(self.swept)
    }

    /// The reward `k` would receive if settled now (zero for an unknown holder).
    #[must_use]
    pub fn pending(&self, k: K) -> Amount {
        self.positions.get(&k).map_or(Amount::ZERO, |p| self.split(p).0)
    }

    /// Σ pending over all holders. O(holders).
    #[must_use]
    pub fn owed_total(&self) -> Amount {
        let sum = self.positions.values().fold(0u128, |s, p| s.saturating_add(self.split(p).0.0));
        Amount(sum)
    }

    /// distributed − paid − owed: every base unit not paid and not claimable now, swept or not.
    /// O(holders). It may shrink when a later distribution lifts a pending reward by a unit.
    #[must_use]
    pub fn dust(&self) -> Amount {
        self.distributed.saturating_sub(self.paid).saturating_sub(self.owed_total())
    }

    /// Dust that no holder can ever claim and that has not been swept yet:
    /// floor(lost / SCALE) − swept. O(1).
    #[must_use]
    pub fn sweepable_dust(&self) -> Amount {
        Amount(to_u128_saturating(self.lost / U256::from(SCALE))).saturating_sub(self.swept)
    }

    // ---- changing -------------------------------------------------------------------------

    /// Distributes `amount` over the current shares in O(1). Returns the undistributable part:
    /// the whole amount when nobody holds shares, otherwise zero (the caller moves the
    /// distributed part into its pool and the rest to its dust or treasury account).
    pub fn distribute(&mut self, amount: Amount) -> Result<Amount> {
        let plan = self.plan_distribute(amount)?;
        self.apply_distribution(plan);
        Ok(plan.undistributable)
    }

    /// Computes a distribution without applying it.
    #[inline]
    pub(crate) fn plan_distribute(&self, amount: Amount) -> Result<DistributionPlan> {
        if self.total_shares == 0 || amount.is_zero() {
            return Ok(DistributionPlan {
                acc: self.acc,
                carry: self.carry,
                distributed: self.distributed,
                undistributable: if self.total_shares == 0 { amount } else { Amount::ZERO },
            });
        }
        let distributed = self.distributed.checked_add(amount)?;
        let (acc, carry) = accrue(self.acc, self.carry, amount, self.total_shares)?;
        Ok(DistributionPlan { acc, carry, distributed, undistributable: Amount::ZERO })
    }

    /// Applies a plan made by [`Self::plan_distribute`] on this unchanged accumulator.
    pub(crate) fn apply_distribution(&mut self, plan: DistributionPlan) {
        self.acc = plan.acc;
        self.carry = plan.carry;
        self.distributed = plan.distributed;
    }

    /// Pays `k`'s pending reward (returns it) and moves its snapshot to now.
    pub fn settle(&mut self, k: K) -> Result<Amount> {
        let shares = self.shares(k);
        self.change(k, shares)
    }

    /// Settles `k`, then sets its shares to `shares`. Returns the settled reward.
    pub fn set_shares(&mut self, k: K, shares: u128) -> Result<Amount> {
        self.change(k, shares)
    }

    /// Settles `k`, then adds `n` shares. Returns the settled reward.
    pub fn add_shares(&mut self, k: K, n: u128) -> Result<Amount> {
        let shares = self.shares(k).checked_add(n).ok_or_else(|| overflow("add shares"))?;
        self.change(k, shares)
    }

    /// Settles `k`, then removes `n` shares ([`crate::Error::Underflow`] when it holds fewer).
    /// Returns the settled reward.
    pub fn remove_shares(&mut self, k: K, n: u128) -> Result<Amount> {
        let shares = self.shares(k).checked_sub(n).ok_or_else(|| underflow("remove shares"))?;
        self.change(k, shares)
    }

    /// Marks every sweepable base unit of dust as swept and returns how many: the caller moves
    /// them from its pool to a named dust account. Never returns the same unit twice.
    pub fn sweep_dust(&mut self) -> Amount {
        let amount = self.sweepable_dust();
        self.swept = Amount(self.swept.0.saturating_add(amount.0));
        amount
    }

    // ---- invariants -----------------------------------------------------------------------

    /// Checks, in O(holders): total_shares == Σ shares; no empty position; the scaled books
    /// balance exactly (module doc); swept ≤ floor(lost / SCALE); the reserve covers every
    /// claim, present and future (reserve·SCALE ≥ Σ unsettled scaled rewards + carry), hence
    /// Σ pending ≤ distributed − paid − swept.
    pub fn check_invariants(&self) -> std::result::Result<(), Violation> {
        let unsettled = self.check_positions()?;
        self.check_books(unsettled)?;
        self.check_reserve(unsettled)
    }

    /// Checks every position (non-empty, snapshot ≤ acc) and total_shares == Σ shares; returns
    /// Σ shares·(acc − snapshot), the unsettled rewards in scaled units.
    fn check_positions(&self) -> std::result::Result<U512, Violation> {
        let mut shares_sum = 0u128;
        let mut unsettled = U512::ZERO;
        for p in self.positions.values() {
            if p.shares == 0 {
                return fail("reward positions non-empty", "a position with zero shares".into());
            }
            shares_sum = match shares_sum.checked_add(p.shares) {
                Some(s) => s,
                None => return fail("reward total shares", "Σ shares overflows u128".into()),
            };
            let Some(delta) = self.acc.checked_sub(p.snapshot) else {
                return fail(
                    "reward snapshots",
                    format!("snapshot {} above acc {}", p.snapshot, self.acc),
                );
            };
            unsettled += U512::from(p.shares) * U512::from(delta);
        }
        if shares_sum != self.total_shares {
            return fail(
                "reward total shares",
                format!("Σ shares {shares_sum} ≠ total {}", self.total_shares),
            );
        }
        Ok(unsettled)
    }

    /// Checks that the scaled books balance exactly and that swept ≤ floor(lost / SCALE).
    fn check_books(&self, unsettled: U512) -> std::result::Result<(), Violation> {
        let scale = U512::from(SCALE);
        let lhs = U512::from(self.distributed.0) * scale;
        let rhs = U512::from(self.paid.0) * scale
            + U512::from(self.lost)
            + unsettled
            + U512::from(self.carry);
        if lhs != rhs {
            return fail(
                "reward books balance",
                format!("distributed·SCALE {lhs} ≠ paid·SCALE + lost + unsettled + carry {rhs}"),
            );
        }
        if U512::from(self.swept.0) * scale > U512::from(self.lost) {
            return fail(
                "reward sweep",
                format!("swept {} exceeds the lost dust {}/SCALE", self.swept, self.lost),
            );
        }
        Ok(())
    }

    /// Checks that the reserve (distributed − paid − swept) covers the unsettled rewards and
    /// the carry, and Σ pending.
    fn check_reserve(&self, unsettled: U512) -> std::result::Result<(), Violation> {
        let reserve =
            self.distributed.0.checked_sub(self.paid.0).and_then(|r| r.checked_sub(self.swept.0));
        let Some(reserve) = reserve else {
            return fail(
                "reward reserve",
                format!(
                    "paid {} + swept {} exceed distributed {}",
                    self.paid, self.swept, self.distributed
                ),
            );
        };
        if U512::from(reserve) * U512::from(SCALE) < unsettled + U512::from(self.carry) {
            return fail(
                "reward reserve",
                format!("reserve {reserve} does not cover unsettled rewards {unsettled}/SCALE"),
            );
        }
        let owed = self.owed_total();
        if owed.0 > reserve {
            return fail(
                "reward reserve",
                format!("Σ pending {owed} > distributed − paid − swept {reserve}"),
            );
        }
        Ok(())
    }

    // ---- internals ------------------------------------------------------------------------

    /// (pending, scaled fraction cut off by the floor) of a position.
    fn split(&self, p: &Position) -> (Amount, U256) {
        // acc ≥ snapshot always (acc only grows; snapshots are copies of it).
        let delta = self.acc.saturating_sub(p.snapshot);
        let product = U512::from(p.shares) * U512::from(delta);
        let (q, r) = product.div_rem(U512::from(SCALE));
        // q ≤ reserve < 2^128 by the books identity; r < SCALE < 2^127.
        (Amount(to_u128_saturating(q)), U256::from(to_u128_saturating(r)))
    }

    /// Settles `k` and sets its shares; all-or-nothing.
    fn change(&mut self, k: K, shares: u128) -> Result<Amount> {
        let (pending, cut, old) = match self.positions.get(&k) {
            Some(p) => {
                let (pending, cut) = self.split(p);
                (pending, cut, p.shares)
            }
            None => (Amount::ZERO, U256::ZERO, 0),
        };
        let paid = self.paid.checked_add(pending)?;
        let lost = self.lost.checked_add(cut).ok_or_else(|| overflow("reward lost dust"))?;
        let total = self
            .total_shares
            .checked_sub(old)
            .and_then(|t| t.checked_add(shares))
            .ok_or_else(|| overflow("total shares"))?;
        self.paid = paid;
        self.lost = lost;
        self.total_shares = total;
        if shares == 0 {
            self.positions.remove(&k);
        } else {
            self.positions.insert(k, Position { shares, snapshot: self.acc });
        }
        Ok(pending)
    }
}

/// A scaled per-unit index `acc` with its `carry` after `amount` more over `total` units
/// (`total > 0`): `(acc + ⌊(amount·SCALE + carry) / total⌋, the remainder)`. Shared by
/// [`RewardAccumulator`] and [`crate::Vesting`].
#[inline]
pub(crate) fn accrue(acc: U256, carry: U256, amount: Amount, total: u128) -> Result<(U256, U256)> {
    if let Some((inc, rem)) = accrue_narrow(carry, amount, total) {
        let acc = acc.checked_add(U256::from(inc)).ok_or_else(|| overflow("reward per share"))?;
        return Ok((acc, U256::from(rem)));
    }
    let numerator = U256::from(amount.0)
        .checked_mul(U256::from(SCALE))
        .and_then(|n| n.checked_add(carry))
        .ok_or_else(|| overflow("reward distribute"))?;
    let (inc, carry) = numerator.div_rem(U256::from(total));
    let acc = acc.checked_add(inc).ok_or_else(|| overflow("reward per share"))?;
    Ok((acc, carry))
}

/// [`accrue`]'s quotient and remainder in u128 limbs, when the carry and the increment fit a
/// u128 (the carry is a remainder of a division by a u128 total, so it always does; the
/// increment does while `amount / total` is below 2^128 / 10^38 ≈ 3.4 base units a share): the
/// same values as the 256-bit division, without it. `None` otherwise.
#[inline]
fn accrue_narrow(carry: U256, amount: Amount, total: u128) -> Option<(u128, u128)> {
    let carry = u128::try_from(carry).ok()?;
    let (hi, lo) = mul_wide(amount.0, SCALE);
    let (lo, up) = lo.overflowing_add(carry);
    // amount·SCALE < 2^255, so hi + 1 cannot overflow.
    Divisor::new(total)?.div_rem_wide(hi + u128::from(up), lo)
}

/// A broken invariant `what`, explained by `detail`.
fn fail<T>(what: &'static str, detail: String) -> std::result::Result<T, Violation> {
    Err(Violation::new(what, detail))
}

/// A wide integer as u128, saturating (callers bound the value first).
fn to_u128_saturating<const B: usize, const L: usize>(v: ruint::Uint<B, L>) -> u128 {
    u128::try_from(v).unwrap_or(u128::MAX)
}

#[cfg(test)]
mod tests;
