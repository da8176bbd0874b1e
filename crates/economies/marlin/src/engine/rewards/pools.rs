//! The paper reward pools (spec marlin.md, "Rewards": "Receivers pay a subscription fee into the
//! fee pool (monthly, any supported token); a subsidy pool in POND bootstraps the network (an
//! emission schedule, e.g. a fixed amount per epoch until an end epoch)"; seed 002, "Rewards").
//!
//! # Subscription fee pool ([`FeePool`], one per fee token)
//! A receiver subscribing in month `t` for `m ≥ 1` months at `fee` a month prepays `fee·m`; the
//! pool holds it as `prepaid`. At the close of each month every subscription covering it
//! releases one `fee` from `prepaid` to the month's payout ([`FeePool::close_month`]), which the
//! caller adds to the epoch pools paid to relayers. Unsubscribing in month `u` refunds the months
//! after `u` (`fee·(end − u − 1)`, `end` exclusive); the current month is not refunded, it is
//! released at its close. The pool keeps the monthly rate `Σ fee` of the subscriptions covering
//! the current month and, per last month, the rate that stops after it: a month's close is
//! O(1 + subscriptions ending), a subscription or a cancellation O(log months), whatever the
//! number of receivers. Conservation: `prepaid = Σ_subscriptions fee·(months left, the current
//! one included)`, checked by [`FeePool::check`].
//!
//! # Subsidy pool ([`subsidy_schedule`])
//! A fixed amount of POND per epoch until an end epoch: the core's
//! [`EmissionSchedule::Table`] with one tier and `end = per_epoch·epochs`, paid from the
//! provisioned subsidy pool (never more than it holds).

use std::collections::BTreeMap;

use ergon_core::{Amount, EmissionSchedule, Tier};

use super::{Result, RewardsError};

/// One subscription as the pool saw it: the caller stores it with the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    /// The fee per month.
    pub fee: Amount,
    /// The first month paid.
    pub start: u64,
    /// The month after the last paid.
    pub end: u64,
}

/// One fee token's subscription pool (module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeePool {
    /// The current month: subscriptions and cancellations happen in it.
    month: u64,
    /// Prepaid fees not yet released.
    prepaid: Amount,
    /// `Σ fee` of the subscriptions covering the current month.
    rate: Amount,
    /// Per month, `Σ fee` of the subscriptions whose last paid month it is.
    ending: BTreeMap<u64, Amount>,
}

impl FeePool {
    /// A pool starting at `month`.
    pub fn new(month: u64) -> FeePool {
        FeePool { month, ..FeePool::default() }
    }

    /// The current month.
    pub fn month(&self) -> u64 {
        self.month
    }

    /// Prepaid, not yet released.
    pub fn prepaid(&self) -> Amount {
        self.prepaid
    }

    /// What the current month's close releases.
    pub fn rate(&self) -> Amount {
        self.rate
    }

    /// Subscribes for `months` from the current month at `fee` a month; the caller moves
    /// `fee·months` (returned with the record) from the receiver into the pool. Errors: zero
    /// months or fee; overflow.
    pub fn subscribe(&mut self, fee: Amount, months: u64) -> Result<(Subscription, Amount)> {
        if months == 0 || fee.is_zero() {
            return Err(RewardsError::ZeroTotal { what: "subscription months or fee" });
        }
        let overflow = || RewardsError::Overflow { op: "subscribe" };
        let cost = fee.checked_mul_int(u128::from(months))?;
        let end = self.month.checked_add(months).ok_or_else(overflow)?;
        let last = end - 1;
        let ending = self.ending.get(&last).copied().unwrap_or(Amount::ZERO).checked_add(fee)?;
        let (prepaid, rate) = (self.prepaid.checked_add(cost)?, self.rate.checked_add(fee)?);
        self.ending.insert(last, ending);
        (self.prepaid, self.rate) = (prepaid, rate);
        Ok((Subscription { fee, start: self.month, end }, cost))
    }

    /// Cancels `sub` in the current month: returns the refund of the months after this one (the
    /// caller pays it back to the receiver) and the record, now ending after this month. A
    /// subscription already in its last month refunds nothing. Errors: a subscription that does
    /// not cover the current month.
    pub fn unsubscribe(&mut self, sub: Subscription) -> Result<(Amount, Subscription)> {
        let u = self.month;
        if sub.start > u || sub.end <= u {
            return Err(RewardsError::NotSubscribed { month: u, start: sub.start, end: sub.end });
        }
        let months_left = u128::from(sub.end - u - 1);
        if months_left == 0 {
            return Ok((Amount::ZERO, sub));
        }
        let refund = sub.fee.checked_mul_int(months_left)?;
        let last = sub.end - 1;
        let old = self.ending.get(&last).copied().unwrap_or(Amount::ZERO);
        let now = self.ending.get(&u).copied().unwrap_or(Amount::ZERO).checked_add(sub.fee)?;
        let prepaid = self.prepaid.checked_sub(refund)?;
        let rest = old.checked_sub(sub.fee)?;
        if rest.is_zero() {
            self.ending.remove(&last);
        } else {
            self.ending.insert(last, rest);
        }
        self.ending.insert(u, now);
        self.prepaid = prepaid;
        Ok((refund, Subscription { end: u + 1, ..sub }))
    }

    /// Closes the current month: releases its fees (returned: the caller adds them to the
    /// relayers' pools) and moves to the next month.
    pub fn close_month(&mut self) -> Result<Amount> {
        let released = self.rate;
        self.prepaid = self.prepaid.checked_sub(released)?;
        let stopping = self.ending.remove(&self.month).unwrap_or(Amount::ZERO);
        self.rate = self.rate.checked_sub(stopping)?;
        self.month += 1;
        Ok(released)
    }

    /// The pool's books: `prepaid = Σ_{last month e} ending_e·(e − month + 1)` and `rate = Σ
    /// ending`. O(months with an ending). Returns the first mismatch as `(what, expected, got)`.
    pub fn check(&self) -> std::result::Result<(), (&'static str, u128, u128)> {
        let (mut prepaid, mut rate) = (0u128, 0u128);
        for (&e, f) in &self.ending {
            if e < self.month {
                return Err(("ending month", self.month.into(), e.into()));
            }
            prepaid = prepaid.saturating_add(f.0.saturating_mul(u128::from(e - self.month + 1)));
            rate = rate.saturating_add(f.0);
        }
        if prepaid != self.prepaid.0 {
            return Err(("prepaid", prepaid, self.prepaid.0));
        }
        if rate != self.rate.0 {
            return Err(("rate", rate, self.rate.0));
        }
        Ok(())
    }
}

/// The subsidy's emission of epoch `epoch` when `emitted` has been emitted so far: `per_epoch`,
/// or what is left of `per_epoch·epochs`, or nothing once that is reached — what
/// [`subsidy_schedule`]'s `emission` gives, without building the schedule (a close allocates
/// nothing) — and nothing from epoch `epochs` on: the schedule ends on its last epoch even when
/// a pool that ran short emitted less on some epoch (spec: "a fixed amount per epoch until an
/// end epoch"). Errors: overflow of `per_epoch·epochs`.
pub fn subsidy_emission(
    per_epoch: Amount,
    epochs: u64,
    epoch: u64,
    emitted: Amount,
) -> Result<Amount> {
    let end = per_epoch.checked_mul_int(u128::from(epochs))?;
    let over = emitted >= end || epoch >= epochs;
    Ok(if over { Amount::ZERO } else { per_epoch.min(end.saturating_sub(emitted)) })
}

/// The subsidy pool's schedule: `per_epoch` each epoch for `epochs` epochs, all to one recipient
/// class (the relayers). Errors: overflow of `per_epoch·epochs`.
pub fn subsidy_schedule(per_epoch: Amount, epochs: u64) -> Result<EmissionSchedule> {
    let end = per_epoch.checked_mul_int(u128::from(epochs))?;
    let tier = Tier { from: Amount::ZERO, reward: per_epoch, split: vec![10_000] };
    Ok(EmissionSchedule::Table { tiers: vec![tier], end })
}
