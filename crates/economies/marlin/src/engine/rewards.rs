//! Rewards (spec marlin.md, "Rewards" and the reward side of "Staking"; seed 002, "Rewards" and
//! "Staking"): how an epoch's reward pools reach relayers (clusters) and their delegators.
//!
//! Pure functions and small value types over core types, with no state of their own beyond what
//! a caller stores; the economy's state calls them at an epoch's close and on delegation changes.
//! Per-epoch paths allocate nothing: they write into caller-owned slices.
//!
//! - [`tickets`] (deployed): a receiver's 65,536 tickets per epoch over the selected clusters,
//!   receiver-stake-weighted, the remainder to the last cluster; the receiver's stake as the
//!   minimum balance held in the epoch ([`tickets::EpochMin`]). Marlin's `ClusterRewards` and
//!   `ReceiverStaking` contracts.
//! - [`cobb`] (paper): the Cobb-Douglas modifier `R_i' = R·(r_i/R)^α·(s_i/S)^(1−α)` over the core's
//!   [`ergon_core::fixmath::cobb_douglas`], the undistributed remainder returned explicitly.
//! - [`solver`] (paper): a relayer's optimal split of a budget between nodes and stake.
//! - [`selection`] (deployed): clusters drawn without replacement, weight ⌊√ effective
//!   delegation⌋. Marlin's `RewardDelegators` (weights) and `ClusterSelector` (draw).
//! - [`delegators`] (deployed): commission in whole percent, the rest split equally between the
//!   staked tokens that have delegations, per-share at 10^30. Marlin's `RewardDelegators`.
//!
//! - [`pools`] (paper): the receivers' monthly prepaid subscription fee pool, with refunds of
//!   future months, and the POND subsidy pool's emission schedule.
//!
//! Every refusal is a [`RewardsError`] with a stable code.

use ergon_core::{Amount, Coded};

pub mod cobb;
pub mod delegators;
pub mod pools;
pub mod selection;
pub mod solver;
pub mod tickets;

/// A refused reward computation: one variant per reason, with the numbers that explain it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RewardsError {
    /// A core rule refused it (arithmetic, fixed-point domain, sampling); the core's code.
    #[error(transparent)]
    Core(#[from] ergon_core::Error),
    /// An epoch with no selected cluster cannot take tickets.
    #[error("no cluster selected for the epoch")]
    NoSelectedClusters,
    /// Fewer ticket counts than selected clusters − 1.
    #[error("{given} ticket counts for {clusters} selected clusters (need clusters − 1)")]
    TooFewTickets {
        /// Counts given.
        given: usize,
        /// Clusters selected.
        clusters: usize,
    },
    /// The given tickets exceed a receiver's 65,536 per epoch.
    #[error("tickets sum to {sum}, above 65536 per receiver per epoch")]
    TicketsAboveEpochTotal {
        /// Their sum.
        sum: u32,
    },
    /// A receiver's stake above the epoch's total receiver stake.
    #[error("receiver stake {stake} above the epoch total {total}")]
    StakeAboveTotal {
        /// The receiver's stake.
        stake: Amount,
        /// The epoch's total.
        total: Amount,
    },
    /// A total (stake, weight) that divides is zero.
    #[error("{what} is zero")]
    ZeroTotal {
        /// Which total.
        what: &'static str,
    },
    /// A caller's buffer has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    Length {
        /// Which buffer.
        what: &'static str,
        /// Length wanted.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// An epoch before the one already recorded.
    #[error("epoch {epoch} is before the recorded epoch {recorded}")]
    EpochBackwards {
        /// Epoch given.
        epoch: u64,
        /// Epoch recorded.
        recorded: u64,
    },
    /// A minimum balance asked for an epoch no longer kept (only the current and the previous
    /// epoch are).
    #[error("stake of epoch {epoch} no longer kept (recorded epoch {recorded})")]
    StakeHistoryGone {
        /// Epoch asked.
        epoch: u64,
        /// Epoch recorded.
        recorded: u64,
    },
    /// A cancellation of a subscription that does not cover the current month.
    #[error("subscription of months {start}..{end} does not cover month {month}")]
    NotSubscribed {
        /// The current month.
        month: u64,
        /// The subscription's first month.
        start: u64,
        /// The month after its last.
        end: u64,
    },
    /// A withdrawal above the balance.
    #[error("withdrawal {amount} above balance {balance}")]
    InsufficientBalance {
        /// Balance held.
        balance: Amount,
        /// Amount asked.
        amount: Amount,
    },
    /// A commission above 100 percent.
    #[error("commission {percent}% above 100%")]
    CommissionAbove100 {
        /// Percent given.
        percent: u8,
    },
    /// A value outside 32 bytes, or a per-share value outside 128 bits.
    #[error("overflow in {op}")]
    Overflow {
        /// The operation.
        op: &'static str,
    },
    /// More clusters to select than a draw supports.
    #[error("{wanted} clusters to select, at most {max}")]
    TooManyToSelect {
        /// Clusters wanted.
        wanted: usize,
        /// The most a draw selects.
        max: usize,
    },
    /// The budget split has no interior optimum: nobody else runs nodes (any positive ticket
    /// count takes the whole ticket share) or nobody else stakes.
    #[error("no interior optimum: other tickets {other_tickets}, other stake {other_stake}")]
    NoInteriorOptimum {
        /// Tickets of everyone else.
        other_tickets: u128,
        /// Stake of everyone else.
        other_stake: u128,
    },
}

impl Coded for RewardsError {
    fn code(&self) -> &'static str {
        match self {
            RewardsError::Core(e) => e.code(),
            RewardsError::NoSelectedClusters => "no_selected_clusters",
            RewardsError::TooFewTickets { .. } => "too_few_tickets",
            RewardsError::TicketsAboveEpochTotal { .. } => "tickets_above_epoch_total",
            RewardsError::StakeAboveTotal { .. } => "stake_above_total",
            RewardsError::ZeroTotal { .. } => "zero_total",
            RewardsError::Length { .. } => "buffer_length",
            RewardsError::EpochBackwards { .. } => "epoch_backwards",
            RewardsError::StakeHistoryGone { .. } => "stake_history_gone",
            RewardsError::NotSubscribed { .. } => "not_subscribed",
            RewardsError::InsufficientBalance { .. } => "insufficient_balance",
            RewardsError::CommissionAbove100 { .. } => "commission_above_100",
            RewardsError::Overflow { .. } => "overflow",
            RewardsError::TooManyToSelect { .. } => "too_many_to_select",
            RewardsError::NoInteriorOptimum { .. } => "no_interior_optimum",
        }
    }
}

/// The result type of this module.
pub type Result<T> = std::result::Result<T, RewardsError>;

/// `⌊a·b/c⌋` exactly (the product is taken wide): Solidity's `a * b / c` when `a·b` fits 256
/// bits, which it always does for two u128.
pub(crate) fn mul_div_floor(a: u128, b: u128, c: u128) -> Result<u128> {
    Ok(ergon_core::mul_div(a, b, c, ergon_core::Rounding::Down)?)
}
