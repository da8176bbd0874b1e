//! # ergon-core
//!
//! The exact core shared by every Ergon economy. Pure and deterministic: no I/O, no floats, no
//! wall clock, no global state. Every input is an argument; every result is a value.
//!
//! - [`amount`]: [`Amount`] (u128 base units) and [`TokenMeta`] (exact decimal parsing/formatting).
//! - [`arith`]: [`Rounding`] and [`mul_div`] with a 256-bit intermediate.
//! - [`dec`]: [`Dec`], the 18-decimal fixed point of Cosmos `LegacyDec` (Stratos mainnet).
//! - [`fixed`]: [`U64F64`], binary fixed point with truncation (Phala).
//! - [`fixmath`]: `ln`, `exp`, `pow` toward zero with a tested bound; [`cobb_douglas`] (Marlin)
//!   and [`CobbDouglas`], its fast per-epoch form.
//! - [`ratio`]: [`PerMill`] and [`BasisPoints`] with explicit rounding.
//! - [`ledger`]: [`Ledger`] — balances, named pools, capped mint, burn, journal.
//! - [`locks`]: [`LockQueue`] — amounts locked until an epoch, released in order.
//! - [`rewards`]: [`RewardAccumulator`] — reward-per-share (F1 / MasterChef) distribution.
//! - [`staking`]: [`Staking`] — validators, delegations, commission, unbonding, slashing.
//! - [`multistake`]: [`MultiStake`] — clusters of multi-token delegations (Marlin POND + MPOND).
//! - [`emission`]: [`EmissionSchedule`] — piecewise and geometric issuance tables.
//! - [`sampler`]: [`SumTree`] and [`AliasTable`] — weighted random choice.
//! - [`graph`]: [`Csr`] — sparse directed graphs in canonical order, with transpose (Trias).
//! - [`rng`]: [`Seed`] and [`RngStreams`] — the only source of randomness.
//! - [`economy`]: the [`Economy`] trait every economy implements, and its replay-facing types.
//! - [`replay`]: the JSON Lines replay driver shared by all economies.
//! - [`txn`]: [`txn::Transactional`] and [`txn::atomic`] — one transaction over an economy's
//!   whole state; journaled [`txn::Table`], [`txn::Keyed`] and [`txn::Snapshot`].

pub mod amount;
pub mod arith;
pub mod dec;
pub mod dist;
pub mod economy;
pub mod emission;
pub mod error;
pub mod fixed;
pub mod fixmath;
pub mod graph;
pub mod invariants;
pub mod ledger;
pub mod locks;
pub mod model;
pub mod multistake;
pub mod names;
pub mod ratio;
pub mod replay;
pub mod rewards;
pub mod rng;
pub mod row_locks;
pub mod sampler;
pub mod staking;
pub mod stats;
pub mod strict_json;
pub mod touched;
pub mod transient;
pub mod txn;
pub mod vesting;

pub use amount::{Amount, Qty, TokenMeta};
pub use arith::{ProRata, Rounding, div_rem_const, mul_div, percent_floor, ppm_floor};
pub use error::{Coded, Error};
// (re-exports of the other modules follow, one line each)
pub use dec::Dec;
pub use dist::Dist;
pub use economy::{Economy, Metric, MetricValue, Rejection};
pub use emission::{Emission, EmissionSchedule, Tier};
pub use fixed::{FixedDivisor, U64F64};
pub use fixmath::{CobbDouglas, LnCache, SDec, cobb_douglas};
pub use graph::{Csr, GraphRules, Merge, SelfLoops};
pub use invariants::Violation;
pub use ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
pub use locks::{LockQueue, Released};
pub use model::{ColumnSpec, FieldError, MetricKind, Model, NodeReward, parameter_pairs};
pub use multistake::{ClusterId, MultiStake, MultiStakeParams, StakeToken};
pub use names::Names;
pub use ratio::{BasisPoints, Parts, PerMill};
pub use rewards::RewardAccumulator;
pub use rng::{RngStreams, Seed, StreamRng};
pub use row_locks::{ReleasedRow, RowLocks};
pub use sampler::{AliasTable, ChurnSampler, FastSampler, SumTree};
pub use staking::{Staking, StakingParams, ValidatorId};
pub use touched::Touched;
pub use transient::Transient;
pub use vesting::Vesting;

/// A count of epochs or an epoch index. Economies define what one epoch is (10 minutes on
/// Stratos, one hour on Trias, one block on Phala).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Epoch(pub u64);

impl Epoch {
    /// The epoch `n` epochs later, saturating at `u64::MAX`.
    #[must_use]
    pub fn plus(self, n: u64) -> Epoch {
        Epoch(self.0.saturating_add(n))
    }
}

impl std::fmt::Display for Epoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
