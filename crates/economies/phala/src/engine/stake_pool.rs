//! [`StakePools`]: the stake pools' state and their share arithmetic (spec: shared/spec/phala.md,
//! "Stake pools (delegation)"): delegators contribute PHA for shares at the share price
//! (total value / total shares), the pool's workers compute with its free stake, their payouts
//! compound into the pool's value after the owner's commission, and withdrawals wait in a FIFO
//! queue served from free stake.
//!
//! The khala profile follows the stake pool pallet (v2) and its base pool: the share price is
//! `to_fixed(total_value) / to_fixed(total_shares)` in 64.64 fixed point, shares for an amount
//! are `from_fixed(to_fixed(amount) / price)` and the value of shares
//! `from_fixed(to_fixed(shares) × price)` (each conversion through 48 fraction bits, flooring);
//! balances of 1000 base units or less are dust. The paper profile uses the exact ratios,
//! floored (`amount × shares / value`, `shares × value / shares_total`).
//!
//! Where Ergon differs from the pallet (docs/economies/phala.md, "Stake pools"): the dust of
//! value a withdrawal leaves (zeroed, as the pallet does) and a dust distribution go to the
//! treasury instead of staying unaccounted in the pool's account (so the value always equals
//! free + locked stake); the commission is paid straight to the owner's account.

use std::collections::VecDeque;

use ergon_core::txn::{Keyed, Table};
use ergon_core::{Names, PerMill, Rounding, U64F64, mul_div};

use crate::error::Result;
use crate::params::Profile;
use crate::tokenomic::PICO;

/// A balance of at most this many base units is dust (the base pool's `balance_close_to_zero`).
pub const DUST: u128 = 1000;

/// A stake pool's index: its creation order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PoolIndex(pub u32);

/// A stake pool's figures (the numbers only: what a payout changes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolRow {
    /// The owner's account.
    pub owner: u32,
    /// The owner's part of every payout.
    pub commission: PerMill,
    /// Shares held by delegators and waiting in the queue.
    pub total_shares: u128,
    /// The pool's value, PHA base units: free stake plus the stakes of its workers.
    pub total_value: u128,
    /// Stake not locked by a worker, PHA base units (held in the ledger's `pool_free` pool).
    pub free: u128,
    /// Commission paid to the owner so far, PHA base units.
    pub commission_paid: u128,
}

/// A withdrawal request waiting in a pool's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Request {
    /// The delegator's account.
    pub user: u32,
    /// Shares still to withdraw.
    pub shares: u128,
    /// The block the request was made.
    pub block: u32,
}

/// The shares `user` has waiting in `queue` (at most one request each; none is 0).
pub(crate) fn queued_shares<'a>(queue: impl IntoIterator<Item = &'a Request>, user: u32) -> u128 {
    queue.into_iter().filter(|r| r.user == user).map(|r| r.shares).sum()
}

/// A withdrawal served from free stake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// The delegator's account.
    pub user: u32,
    /// PHA paid out, base units.
    pub amount: u128,
    /// Shares removed (with any dust left in the request).
    pub shares: u128,
}

/// How a pooled worker's payout was split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// To the owner's account.
    pub to_owner: u128,
    /// Into the pool's value and free stake.
    pub to_stakers: u128,
    /// A dust distribution, sent to the treasury.
    pub dust: u128,
    /// The pool had (almost) no shares: the payout stayed in the subsidy pool.
    pub dismissed: u128,
}

/// Every stake pool. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StakePools {
    /// Pool names, by index.
    pub names: Names,
    /// Pool figures, by index.
    pub rows: Table<PoolRow>,
    /// Withdrawal queues, by pool index, oldest first.
    pub queues: Table<VecDeque<Request>>,
    /// Shares held (not queued), by (pool, account).
    pub holdings: Keyed<(u32, u32), u128>,
    /// The pool each worker belongs to, by worker index ([`NO_POOL`]: none; workers past the
    /// end belong to none). A column, not a map: a heartbeat reads it for every payout.
    pool_of: Table<u32>,
}

/// [`StakePools`]' mark of a worker in no pool.
const NO_POOL: u32 = u32::MAX;

ergon_core::transactional!(StakePools {
    names: Names,
    rows: Table<PoolRow>,
    queues: Table<VecDeque<Request>>,
    holdings: Keyed<(u32, u32), u128>,
    pool_of: Table<u32>,
});

impl Default for StakePools {
    fn default() -> StakePools {
        StakePools {
            names: Names::new(),
            rows: Table::new(),
            queues: Table::new(),
            holdings: Keyed::new(),
            pool_of: Table::new(),
        }
    }
}

impl StakePools {
    /// The pool worker `w` belongs to. Panics when it belongs to none (a bug).
    #[must_use]
    pub fn assigned_pool(&self, w: crate::WorkerIndex) -> PoolIndex {
        PoolIndex(self.pool_of(w.0).expect("a pooled worker"))
    }

    /// The pool worker `w` belongs to, if any.
    #[inline]
    #[must_use]
    pub fn pool_of(&self, w: u32) -> Option<u32> {
        self.pool_of.get(w as usize).copied().filter(|&p| p != NO_POOL)
    }

    /// Every pooled worker and its pool, by worker index.
    pub fn assigned(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0u32..).zip(self.pool_of.iter().copied()).filter(|&(_, p)| p != NO_POOL)
    }

    /// Pool `p`'s workers, by index.
    pub fn members(&self, p: PoolIndex) -> impl Iterator<Item = crate::WorkerIndex> + '_ {
        self.assigned().filter(move |&(_, q)| q == p.0).map(|(w, _)| crate::WorkerIndex(w))
    }

    /// Puts worker `w` (in no pool) into pool `p`, journaled.
    pub(crate) fn assign(&mut self, w: u32, p: PoolIndex) {
        while self.pool_of.len() <= w as usize {
            self.pool_of.push(NO_POOL);
        }
        self.pool_of.update(w as usize, |q| *q = p.0);
    }
}

/// A pool's share price under a profile (`None` while it has no shares).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Price {
    /// khala: the 64.64 price.
    Fixed(U64F64),
    /// paper: the exact ratio value / shares.
    Ratio {
        /// Total value.
        value: u128,
        /// Total shares.
        shares: u128,
    },
}

fn fx(balance: u128) -> Result<U64F64> {
    Ok(U64F64::from_balance(balance, PICO)?)
}

impl Price {
    /// The price of `row` under `profile`: `None` when it has no shares.
    pub fn of(profile: Profile, row: &PoolRow) -> Result<Option<Price>> {
        if row.total_shares == 0 {
            return Ok(None);
        }
        Ok(Some(match profile {
            Profile::Khala => Price::Fixed(fx(row.total_value)?.div(fx(row.total_shares)?)?),
            Profile::Paper => Price::Ratio { value: row.total_value, shares: row.total_shares },
        }))
    }

    /// Whether the price is zero (the pool lost all its value).
    #[must_use]
    pub fn is_zero(self) -> bool {
        match self {
            Price::Fixed(p) => p.is_zero(),
            Price::Ratio { value, .. } => value == 0,
        }
    }

    /// Shares `amount` buys (the pallet's `bdiv(amount, price)`), floored.
    pub fn shares_for(self, amount: u128) -> Result<u128> {
        Ok(match self {
            Price::Fixed(p) => fx(amount)?.div(p)?.to_balance(PICO)?,
            Price::Ratio { value, shares } => mul_div(amount, shares, value, Rounding::Down)?,
        })
    }

    /// The value of `shares` (the pallet's `bmul(shares, price)`), floored.
    pub fn value_of(self, shares: u128) -> Result<u128> {
        Ok(match self {
            Price::Fixed(p) => fx(shares)?.mul(p)?.to_balance(PICO)?,
            Price::Ratio { value, shares: total } => mul_div(shares, value, total, Rounding::Down)?,
        })
    }
}

/// Shares a contribution of `amount` mints in `row`: at the price, or one per base unit when the
/// pool has no shares or a zero price.
pub fn shares_for_contribution(profile: Profile, row: &PoolRow, amount: u128) -> Result<u128> {
    match Price::of(profile, row)? {
        Some(p) if !p.is_zero() => p.shares_for(amount),
        _ => Ok(amount),
    }
}

/// Splits a payout of `rewards` to `row`'s pool and adds the stakers' part to its value and
/// free stake (the pallet's `handle_pool_new_reward`): commission = `Permill × rewards`
/// (nearest, ties down); a pool whose shares are dust is not paid at all; a dust remainder goes
/// to the treasury.
#[must_use]
pub fn split_reward(row: &mut PoolRow, rewards: u128) -> Split {
    if rewards == 0 {
        return Split::default();
    }
    if row.total_shares <= DUST {
        return Split { dismissed: rewards, ..Split::default() };
    }
    let to_owner = row.commission.mul(rewards, Rounding::NearestHalfDown);
    let rest = rewards - to_owner;
    row.commission_paid += to_owner;
    if rest > DUST {
        row.total_value += rest;
        row.free += rest;
        Split { to_owner, to_stakers: rest, ..Split::default() }
    } else {
        Split { to_owner, dust: rest, ..Split::default() }
    }
}

/// Serves `queue` from `row`'s free stake, oldest request first, while the free stake is not
/// dust: the shares a part takes at the price taken once before the first (the pallet's
/// `try_process_withdraw_queue`), paid at that price under paper and at the pool's price then
/// under khala (`remove_stake_from_nft`). Calls `pay(user, amount)` for each served part; returns how many were served.
pub fn serve_queue(
    profile: Profile,
    row: &mut PoolRow,
    queue: &mut VecDeque<Request>,
    mut pay: impl FnMut(Served) -> Result<()>,
) -> Result<usize> {
    let Some(price) = Price::of(profile, row)? else {
        return Ok(0);
    };
    let khala = profile == Profile::Khala;
    let mut n = 0;
    while row.free > DUST {
        let Some(front) = queue.front_mut() else { break };
        // khala: a request worth no more than the wrapped PHA's minimum balance is burnt
        // unpaid, its shares leaving the pool (the base pool's `maybe_remove_dust` since
        // phala-blockchain #1255, with Khala's `WPhaMinBalance`).
        if khala && worth_dust(row, front.shares)? {
            let (user, shares) = (front.user, front.shares);
            row.total_shares -= shares;
            queue.pop_front();
            pay(Served { user, amount: 0, shares })?;
            n += 1;
            continue;
        }
        let free_shares =
            if price.is_zero() { front.shares } else { price.shares_for(row.free)? };
        let withdrawing = free_shares.min(front.shares);
        if withdrawing == 0 {
            break; // the free stake buys no whole share: nothing can be served now
        }
        // khala: the shares the free stake buys are counted at the price taken once, as
        // `try_process_withdraw_queue`, but each part is paid at the pool's price now, as
        // `remove_stake_from_nft` reads it (a burnt request or a part's rounding moved it).
        let now = if khala { Price::of(profile, row)?.unwrap_or(price) } else { price };
        let amount = now.value_of(withdrawing)?.min(row.free);
        let mut left = front.shares - withdrawing;
        let mut removed = withdrawing;
        if left <= DUST {
            removed += left;
            left = 0;
        }
        row.total_shares -= removed;
        row.total_value -= amount;
        row.free -= amount;
        // khala: what is left of a partly served request is burnt when it is worth no more
        // than the minimum balance, at the price after this part (`maybe_remove_dust` again).
        if khala && left > 0 && worth_dust(row, left)? {
            row.total_shares -= left;
            removed += left;
            left = 0;
        }
        let user = front.user;
        if left == 0 {
            queue.pop_front();
        } else {
            front.shares = left;
        }
        pay(Served { user, amount, shares: removed })?;
        n += 1;
    }
    Ok(n)
}

/// Khala's `WPhaMinBalance`, one cent: 0.01 PHA in base units (pico).
pub const WPHA_MIN_BALANCE: u128 = 10_000_000_000;

/// khala: whether `shares` of `row` are worth at most [`WPHA_MIN_BALANCE`] at its price now
/// (`bmul(shares, price)`; a value of dust or less counts as 0, as `remove_stake_from_nft`
/// sets it); false when the pool has no shares (no price).
fn worth_dust(row: &PoolRow, shares: u128) -> Result<bool> {
    let mut now = *row;
    if now.total_value <= DUST {
        now.total_value = 0;
    }
    Ok(match Price::of(Profile::Khala, &now)? {
        Some(price) => price.value_of(shares)? <= WPHA_MIN_BALANCE,
        None => false,
    })
}

/// Whether the oldest request the free stake plus `releasing` (stake of cooling-down workers)
/// cannot cover has waited more than `grace` blocks at `block` (the pallet's
/// `has_expired_withdrawal`, with time in blocks).
pub fn has_expired_withdrawal(
    profile: Profile,
    row: &PoolRow,
    queue: &VecDeque<Request>,
    releasing: u128,
    block: u32,
    grace: u32,
) -> Result<bool> {
    let price = match Price::of(profile, row)? {
        Some(p) if !p.is_zero() => p,
        _ => return Ok(false),
    };
    let mut budget = row.free + releasing;
    for r in queue {
        let amount = price.value_of(r.shares)?;
        if amount > budget {
            return Ok(block.saturating_sub(r.block) > grace);
        }
        budget -= amount;
    }
    Ok(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PHA: u128 = PICO;

    fn row(value: u128, shares: u128, free: u128) -> PoolRow {
        PoolRow {
            owner: 0,
            commission: PerMill::from_parts(100_000).unwrap(),
            total_shares: shares,
            total_value: value,
            free,
            commission_paid: 0,
        }
    }

    #[test]
    fn first_contribution_mints_one_share_per_base_unit() {
        let r = row(0, 0, 0);
        assert_eq!(shares_for_contribution(Profile::Khala, &r, 1000 * PHA).unwrap(), 1000 * PHA);
    }

    #[test]
    fn reward_pays_commission_and_compounds() {
        // 10 % of 100 PHA = 10 PHA to the owner; 90 PHA into value and free stake.
        let mut r = row(1500 * PHA, 1500 * PHA, 300 * PHA);
        let s = split_reward(&mut r, 100 * PHA);
        assert_eq!((s.to_owner, s.to_stakers, s.dust), (10 * PHA, 90 * PHA, 0));
        assert_eq!((r.total_value, r.free), (1590 * PHA, 390 * PHA));
        // Permill × x rounds to nearest, ties down: 10 % of 15 base units is 1.5 → 1;
        // the 14 left are dust and go to the treasury.
        let mut r = row(1500 * PHA, 1500 * PHA, 0);
        let s = split_reward(&mut r, 15);
        assert_eq!((s.to_owner, s.to_stakers, s.dust), (1, 0, 14));
        // A pool with dust shares is not paid.
        let mut r = row(0, 1000, 0);
        assert_eq!(split_reward(&mut r, 5 * PHA).dismissed, 5 * PHA);
    }

    #[test]
    fn contribution_after_a_reward_at_the_fixed_point_price() {
        // Value 1590 PHA, 1500 PHA of shares. to_fixed(1590 PHA) = 1590, to_fixed(1500 PHA) =
        // 1500 exactly (whole PHA); price bits = floor(1590·2^128 / (1500·2^64)) =
        // floor(1.06·2^64) = 19553548718132124712. 100 PHA: to_fixed = 100·2^64;
        // ÷ price: floor(100·2^128 / price) = 1740258874878259586500 bits
        // (94.3396226415094339…); to 48 bits: >> 16 = 26554243085910943, × 10^12 >> 48
        // = 94339622641509 base units (Python fractions, the pallet's order).
        let r = row(1590 * PHA, 1500 * PHA, 0);
        assert_eq!(
            shares_for_contribution(Profile::Khala, &r, 100 * PHA).unwrap(),
            94_339_622_641_509
        );
        // paper: exact floor(100·1500/1590 PHA) = 94.339622641509433… → 94339622641509.
        assert_eq!(
            shares_for_contribution(Profile::Paper, &r, 100 * PHA).unwrap(),
            94_339_622_641_509
        );
    }

    #[test]
    fn queue_is_served_in_order_from_free_stake() {
        // Price 1: 300 PHA free serve A's 200 fully and 100 of B's 250.
        let mut r = row(1500 * PHA, 1500 * PHA, 300 * PHA);
        let mut q: VecDeque<Request> = [
            Request { user: 1, shares: 200 * PHA, block: 1 },
            Request { user: 2, shares: 250 * PHA, block: 2 },
        ]
        .into_iter()
        .collect();
        let mut paid = Vec::new();
        serve_queue(Profile::Khala, &mut r, &mut q, |s| {
            paid.push((s.user, s.amount, s.shares));
            Ok(())
        })
        .unwrap();
        assert_eq!(paid, vec![(1, 200 * PHA, 200 * PHA), (2, 100 * PHA, 100 * PHA)]);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].shares, 150 * PHA);
        assert_eq!((r.total_value, r.total_shares, r.free), (1200 * PHA, 1200 * PHA, 0));
        // 150 PHA of B's request exceed the budget (0 free + 100 releasing): expired only
        // strictly after the grace period.
        assert!(!has_expired_withdrawal(Profile::Khala, &r, &q, 100 * PHA, 12, 10).unwrap());
        assert!(has_expired_withdrawal(Profile::Khala, &r, &q, 100 * PHA, 13, 10).unwrap());
        assert!(!has_expired_withdrawal(Profile::Khala, &r, &q, 150 * PHA, 13, 10).unwrap());
    }
}
