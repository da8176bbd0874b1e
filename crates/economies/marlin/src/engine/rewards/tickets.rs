//! Deployed ticket payout (spec marlin.md, "Rewards", deployed; Marlin's `ClusterRewards` and
//! `ReceiverStaking` contracts): per epoch, each receiver splits its 2^16 = 65,536 tickets among
//! the epoch's selected clusters and pays them its stake-weighted share of the network's reward.
//!
//! # The contract's arithmetic, in its order (every `/` floors)
//! 1. The network's reward per epoch: `N = T·w / W` — `T` the rewards per epoch of all networks,
//!    `w` this network's reward weight, `W` the sum of the weights ([`network_reward`]).
//! 2. A receiver's share: `share = N·stake / total` — `stake` the receiver's stake in the epoch,
//!    `total` the epoch's total receiver stake ([`pay_receiver`]).
//! 3. Selected clusters `c_0 … c_{n−1}`: the receiver names the tickets `t_0 … t_{n−2}` of the
//!    first `n − 1` (each a `u16`); the last gets the remainder `t_{n−1} = 65536 − Σ t_i`, and
//!    `Σ t_i > 65536` is refused. Cluster `c_i` is credited `share·t_i / 65536`.
//!
//! What the floors leave (`share − Σ credited`, at most `n − 1` base units, and `N·(1 − Σ
//! stake/total)` when receivers skip an epoch) is never credited: [`ReceiverPayout::undistributed`]
//! names it, and the caller returns it to the reward pool.
//!
//! A cluster's accrued balance is paid out by [`claim`], which — as the contract does, to keep
//! the storage slot warm — pays all but one base unit.
//!
//! # Stake: the minimum balance held in the epoch ([`EpochMin`])
//! `ReceiverStaking` snapshots a receiver's balance at an epoch's first change and lowers the
//! snapshot on every withdrawal that goes below it; deposits during the epoch do not raise it. So
//! a receiver's stake for epoch `e` is the minimum of its balance over `e`, and the epoch's total
//! (the contract lowers the total-supply snapshot by every drop of a receiver's minimum) is the
//! sum of those minima. [`EpochMin`] tracks one balance (a receiver's, or the total) in O(1) per
//! change, keeping the minimum of the current epoch and of the one before, so the epoch just
//! closed can still be paid.

use ergon_core::Amount;

use super::{Result, RewardsError, mul_div_floor};

/// Tickets a receiver issues per epoch: 2^16 (`RECEIVER_TICKETS_PER_EPOCH`).
pub const RECEIVER_TICKETS_PER_EPOCH: u32 = 1 << 16;

/// The network's reward per epoch, `⌊T·w / W⌋` (the contract's `getRewardForEpoch`).
pub fn network_reward(total_per_epoch: Amount, weight: u128, total_weight: u128) -> Result<Amount> {
    if total_weight == 0 {
        return Err(RewardsError::ZeroTotal { what: "total reward weight" });
    }
    Ok(Amount(mul_div_floor(total_per_epoch.0, weight, total_weight)?))
}

/// What one receiver's tickets paid in one epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiverPayout {
    /// The receiver's stake-weighted share `⌊N·stake / total⌋`.
    pub share: Amount,
    /// Credited to the selected clusters, `Σ ⌊share·t_i / 65536⌋`.
    pub credited: Amount,
    /// `share − credited`: left by the floors, returned to the pool.
    pub undistributed: Amount,
}

/// One receiver's tickets for one epoch: `out[i]` is what cluster `i` of the epoch's selection
/// (in selection order) is credited. `out.len()` is the number of selected clusters `n ≥ 1`;
/// `tickets` holds at least `n − 1` counts (extra counts are ignored, as the contract does) and
/// the last cluster gets `65536 − Σ` of the first `n − 1`.
///
/// Errors: no cluster; fewer than `n − 1` counts; counts above 65,536 in all; a zero total stake;
/// a receiver stake above the total.
pub fn pay_receiver(
    network_reward: Amount,
    receiver_stake: Amount,
    total_stake: Amount,
    tickets: &[u16],
    out: &mut [Amount],
) -> Result<ReceiverPayout> {
    let n = out.len();
    if n == 0 {
        return Err(RewardsError::NoSelectedClusters);
    }
    if tickets.len() < n - 1 {
        return Err(RewardsError::TooFewTickets { given: tickets.len(), clusters: n });
    }
    if total_stake.is_zero() {
        return Err(RewardsError::ZeroTotal { what: "epoch receiver stake" });
    }
    if receiver_stake > total_stake {
        return Err(RewardsError::StakeAboveTotal { stake: receiver_stake, total: total_stake });
    }
    let named: u32 = tickets[..n - 1].iter().map(|&t| u32::from(t)).sum();
    if named > RECEIVER_TICKETS_PER_EPOCH {
        return Err(RewardsError::TicketsAboveEpochTotal { sum: named });
    }
    let share = mul_div_floor(network_reward.0, receiver_stake.0, total_stake.0)?;
    let per = u128::from(RECEIVER_TICKETS_PER_EPOCH);
    let mut credited = 0u128;
    for (slot, &t) in out[..n - 1].iter_mut().zip(tickets) {
        let c = mul_div_floor(share, u128::from(t), per)?;
        *slot = Amount(c);
        credited += c;
    }
    let last = mul_div_floor(share, u128::from(RECEIVER_TICKETS_PER_EPOCH - named), per)?;
    out[n - 1] = Amount(last);
    credited += last;
    // Each credit is at most share·t_i/65536 and the t_i sum to 65536: credited ≤ share.
    Ok(ReceiverPayout {
        share: Amount(share),
        credited: Amount(credited),
        undistributed: Amount(share - credited),
    })
}

/// A cluster's claim on its accrued ticket rewards: `(paid, left)`. The contract pays all but
/// one base unit when more than one has accrued, and nothing otherwise.
pub fn claim(accrued: Amount) -> (Amount, Amount) {
    if accrued.0 > 1 { (Amount(accrued.0 - 1), Amount(1)) } else { (Amount::ZERO, accrued) }
}

/// One balance and its minimum over the current and the previous epoch (module doc). Epochs only
/// move forward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EpochMin {
    /// The balance now.
    balance: Amount,
    /// The epoch of the last change.
    epoch: u64,
    /// The minimum held during `epoch`.
    min: Amount,
    /// The minimum held during `epoch − 1`.
    prev_min: Amount,
}

impl EpochMin {
    /// The balance now.
    pub fn balance(&self) -> Amount {
        self.balance
    }

    /// Moves to `epoch`: the epochs without a change held the balance throughout.
    fn roll(&mut self, epoch: u64) -> Result<()> {
        if epoch < self.epoch {
            return Err(RewardsError::EpochBackwards { epoch, recorded: self.epoch });
        }
        if epoch > self.epoch {
            self.prev_min = if epoch == self.epoch + 1 { self.min } else { self.balance };
            self.epoch = epoch;
            self.min = self.balance;
        }
        Ok(())
    }

    /// A deposit during `epoch`: the balance rises, the epoch's minimum does not.
    pub fn deposit(&mut self, epoch: u64, amount: Amount) -> Result<()> {
        self.roll(epoch)?;
        self.balance = self.balance.checked_add(amount)?;
        Ok(())
    }

    /// A withdrawal during `epoch`; returns how much the epoch's minimum dropped (what the
    /// total's [`EpochMin::lower_total`] takes).
    pub fn withdraw(&mut self, epoch: u64, amount: Amount) -> Result<Amount> {
        self.roll(epoch)?;
        if amount > self.balance {
            return Err(RewardsError::InsufficientBalance { balance: self.balance, amount });
        }
        self.balance = Amount(self.balance.0 - amount.0);
        let drop = self.min.saturating_sub(self.balance);
        self.min = self.min.min(self.balance);
        Ok(drop)
    }

    /// The total's side of a receiver's withdrawal during `epoch`: the total balance falls by
    /// `amount`, the total of minima by `drop` (the receiver's [`EpochMin::withdraw`]).
    pub fn lower_total(&mut self, epoch: u64, amount: Amount, drop: Amount) -> Result<()> {
        self.roll(epoch)?;
        if amount > self.balance || drop > self.min {
            return Err(RewardsError::InsufficientBalance { balance: self.balance, amount });
        }
        self.balance = Amount(self.balance.0 - amount.0);
        self.min = Amount(self.min.0 - drop.0);
        Ok(())
    }

    /// What a change during `epoch` closes, when it moves past the last change's epoch: that
    /// epoch and `[its minimum, the balance at its end]` (held through the epochs after it until
    /// the next change) — what a history of older epochs keeps ([`EpochMin::stake_at`] answers
    /// only for the last two).
    pub fn closing(&self, epoch: u64) -> Option<(u64, [Amount; 2])> {
        (epoch > self.epoch).then_some((self.epoch, [self.min, self.balance]))
    }

    /// The minimum held during `epoch` (final once the epoch has closed): for an epoch after the
    /// last change the balance, for the last change's epoch and the one before their minima.
    /// Errors: an older epoch ([`RewardsError::StakeHistoryGone`]).
    pub fn stake_at(&self, epoch: u64) -> Result<Amount> {
        if epoch > self.epoch {
            Ok(self.balance)
        } else if epoch == self.epoch {
            Ok(self.min)
        } else if epoch + 1 == self.epoch {
            Ok(self.prev_min)
        } else {
            Err(RewardsError::StakeHistoryGone { epoch, recorded: self.epoch })
        }
    }
}
