//! [`PhalaError`]: why Phala refused an operation or a genesis — one variant per reason, each
//! with a stable code ([`Coded::code`]) and the numbers that explain it. The codes follow the
//! computation pallet's errors where one exists (`insufficient_stake`, `too_much_stake`,
//! `benchmark_too_low`, `cool_down_not_ready`, …).
//!
//! Variants carry indexes and numbers; names appear only when replay shows a refusal
//! ([`crate::Phala::explain`]).

use ergon_core::{Amount, Coded, U64F64};

use crate::events::pha_meta;
use crate::params::Profile;
use crate::workers::{WorkerIndex, WorkerState};

fn fmt_pha(a: Amount) -> String {
    pha_meta().format(a)
}

/// A refused Phala operation. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhalaError {
    /// A core rule refused it (balances, amounts, arithmetic); the core's code.
    #[error(transparent)]
    Core(#[from] ergon_core::Error),
    /// No account has this name.
    #[error("no account named {name:?}")]
    UnknownAccount {
        /// The name given.
        name: String,
    },
    /// An account of this name exists already.
    #[error("an account named {name:?} exists already")]
    DuplicateAccount {
        /// The name given.
        name: String,
    },
    /// No worker has this name.
    #[error("no worker named {name:?}")]
    UnknownWorker {
        /// The name given.
        name: String,
    },
    /// A worker of this name is registered already.
    #[error("a worker named {name:?} is registered already")]
    DuplicateWorker {
        /// The name given.
        name: String,
    },
    /// The genesis names a parameter that does not exist.
    #[error("no parameter named {field:?}; known: {}", crate::engine::params::PARAM_NAMES.join(", "))]
    UnknownParam {
        /// The name given.
        field: String,
    },
    /// A parameter's value is malformed or out of its range.
    #[error("parameter {field} cannot be {value:?}")]
    BadParam {
        /// The parameter.
        field: String,
        /// The value given.
        value: String,
    },
    /// One of the khala gatekeeper's switches given a value other than true, false, 1 or 0, or
    /// given under paper (whose rules have no such switch).
    #[error("parameter {field} {reason}, not {value:?}")]
    BadSwitch {
        /// The switch.
        field: String,
        /// The value given.
        value: String,
        /// What it takes.
        reason: &'static str,
    },
    /// paper: a confidence level outside the tiers 1–5.
    #[error("confidence level {level} is not a tier 1–5")]
    BadConfidenceLevel {
        /// The level given.
        level: u8,
    },
    /// The worker has no benchmark score yet.
    #[error("worker #{} has no benchmark score", worker.0)]
    BenchmarkMissing {
        /// The worker.
        worker: WorkerIndex,
    },
    /// The benchmark score is below the minimum to start.
    #[error("worker #{}'s benchmark score {score} is below the minimum {min}", worker.0)]
    BenchmarkTooLow {
        /// The worker.
        worker: WorkerIndex,
        /// Its score.
        score: u32,
        /// The minimum.
        min: u32,
    },
    /// The stake is below `k·√P`.
    #[error("a stake of {} PHA is below worker #{}'s minimum stake {} PHA", fmt_pha(*stake), worker.0, fmt_pha(*minimum))]
    InsufficientStake {
        /// The worker.
        worker: WorkerIndex,
        /// The stake given.
        stake: Amount,
        /// k·√P.
        minimum: Amount,
    },
    /// The stake makes Ve exceed v_max.
    #[error("worker #{}'s Ve would be {ve}, above v_max {v_max}", worker.0)]
    TooMuchStake {
        /// The worker.
        worker: WorkerIndex,
        /// Ve.
        ve: U64F64,
        /// v_max.
        v_max: U64F64,
    },
    /// The operation needs a worker in another state.
    #[error("worker #{} is {state:?}; {needed}", worker.0)]
    WrongState {
        /// The worker.
        worker: WorkerIndex,
        /// Its state.
        state: WorkerState,
        /// What the operation needs.
        needed: &'static str,
    },
    /// The cool-down has not ended.
    #[error("worker #{}'s cool-down ends at block {ready_at}, now is block {block}", worker.0)]
    CoolDownNotReady {
        /// The worker.
        worker: WorkerIndex,
        /// The first block it may be reclaimed.
        ready_at: u64,
        /// The current block.
        block: u32,
    },
    /// A heartbeat with no challenge waiting.
    #[error("worker #{} has no challenge waiting", worker.0)]
    NoPendingChallenge {
        /// The worker.
        worker: WorkerIndex,
    },
    /// A challenge to a worker whose queue is full.
    #[error("worker #{} has {max} challenges waiting already", worker.0)]
    TooManyChallenges {
        /// The worker.
        worker: WorkerIndex,
        /// The queue's size.
        max: usize,
    },
    /// A heartbeat's iteration count gives a performance beyond the arithmetic's range.
    #[error("worker #{} reports {iterations} iterations: out of range", worker.0)]
    IterationsOutOfRange {
        /// The worker.
        worker: WorkerIndex,
        /// The count given.
        iterations: u64,
    },
    /// No stake pool has this name.
    #[error("no stake pool named {name:?}")]
    UnknownPool {
        /// The name given.
        name: String,
    },
    /// A stake pool of this name exists already.
    #[error("a stake pool named {name:?} exists already")]
    DuplicatePool {
        /// The name given.
        name: String,
    },
    /// The worker belongs to a stake pool: it starts only through it.
    #[error("worker #{} belongs to stake pool #{pool}", worker.0)]
    WorkerInPool {
        /// The worker.
        worker: WorkerIndex,
        /// Its pool.
        pool: u32,
    },
    /// The worker does not belong to this stake pool.
    #[error("worker #{} is not in stake pool #{pool}", worker.0)]
    NotInPool {
        /// The worker.
        worker: WorkerIndex,
        /// The pool named.
        pool: u32,
    },
    /// Only the pool's owner may add its own workers.
    #[error("worker #{}'s operator is not stake pool #{pool}'s owner", worker.0)]
    NotPoolOwner {
        /// The worker.
        worker: WorkerIndex,
        /// The pool.
        pool: u32,
    },
    /// The pool's shares are worth nothing: no contribution until it recovers.
    #[error("stake pool #{pool} is bankrupt (shares but no value)")]
    PoolBankrupt {
        /// The pool.
        pool: u32,
    },
    /// The pool's free stake does not cover the worker's stake.
    #[error("stake pool #{pool} has {} PHA free, {} PHA needed", fmt_pha(*free), fmt_pha(*needed))]
    InsufficientFreeStake {
        /// The pool.
        pool: u32,
        /// Its free stake.
        free: Amount,
        /// The stake asked for.
        needed: Amount,
    },
    /// A withdrawal of more shares than the delegator holds (with its queued request).
    #[error("{} shares asked from stake pool #{pool}, {} held", fmt_pha(Amount(*shares)), fmt_pha(Amount(*held)))]
    InvalidShares {
        /// The pool.
        pool: u32,
        /// Shares asked for.
        shares: u128,
        /// Shares held.
        held: u128,
    },
    /// A withdrawal of dust shares (1000 base units or fewer) from a stake pool
    /// (`stake pool #N`) or a vault (`vault #N`).
    #[error("{} shares asked from {from}: 0.000000001 shares (1000 base units) or fewer is dust", fmt_pha(Amount(*shares)))]
    DustWithdrawal {
        /// The pool or vault, named.
        from: String,
        /// Shares asked for.
        shares: u128,
    },
    /// A contribution of nothing.
    #[error("a contribution must be positive")]
    ZeroContribution,
    /// The operation exists only under another profile (contracts: paper only).
    #[error("{op} is not part of the {profile:?} profile")]
    NotInProfile {
        /// The operation.
        op: &'static str,
        /// The profile in force.
        profile: Profile,
    },
    /// No contract has this name.
    #[error("no contract named {name:?}")]
    UnknownContract {
        /// The name given.
        name: String,
    },
    /// A contract of this name exists already.
    #[error("a contract named {name:?} exists already")]
    DuplicateContract {
        /// The name given.
        name: String,
    },
    /// A contract's tier list is empty or names a tier outside 1–5.
    #[error("tiers {tiers:?}: a contract accepts one or more of the tiers 1–5")]
    BadTiers {
        /// The tiers given.
        tiers: Vec<u8>,
    },
    /// A contract's gas budget or gas fee per block is zero.
    #[error("a contract's {field} must be positive")]
    ZeroGas {
        /// `gas_budget` or `gas_per_block`.
        field: &'static str,
    },
    /// No Idle worker of an accepted tier to run the contract.
    #[error("no Idle worker of the tiers {tiers:?} to run the contract")]
    NoEligibleWorker {
        /// The tiers accepted.
        tiers: Vec<u8>,
    },
    /// The contract has ended already.
    #[error("contract #{contract} has ended")]
    ContractEnded {
        /// The contract.
        contract: u32,
    },
    /// No vault has this name.
    #[error("no vault named {name:?}")]
    UnknownVault {
        /// The name given.
        name: String,
    },
    /// A vault of this name (or its account `vault:NAME`) exists already.
    #[error("a vault named {name:?} exists already")]
    DuplicateVault {
        /// The name given.
        name: String,
    },
    /// A vault's own account named as an actor: only the vault's operations move its funds.
    #[error(
        "account {name} is vault #{vault}'s own account: only the vault's operations move its PHA and shares"
    )]
    VaultAccount {
        /// The account's name.
        name: String,
        /// The vault.
        vault: u32,
    },
    /// Only the vault's owner may do this.
    #[error("account #{account} is not vault #{vault}'s owner")]
    NotVaultOwner {
        /// The vault.
        vault: u32,
        /// The account that asked.
        account: u32,
    },
    /// The vault's shares are worth nothing: no contribution until it recovers.
    #[error("vault #{vault} is bankrupt (shares but no value)")]
    VaultBankrupt {
        /// The vault.
        vault: u32,
    },
    /// A vault withdrawal of more shares than the delegator holds (with its queued request).
    #[error("{} shares asked from vault #{vault}, {} held", fmt_pha(Amount(*shares)), fmt_pha(Amount(*held)))]
    InvalidVaultShares {
        /// The vault.
        vault: u32,
        /// Shares asked for.
        shares: u128,
        /// Shares held.
        held: u128,
    },
    /// The vault was shut down and its queue is not yet clear (khala: the pallet's
    /// `VaultIsLocked`).
    #[error("vault #{vault} is locked after its shutdown until its queue is clear")]
    VaultLocked {
        /// The vault.
        vault: u32,
    },
    /// A restart while withdrawals wait in the pool's queue (the pallet's
    /// `WithdrawQueueNotEmpty`).
    #[error("stake pool #{pool} has withdrawals waiting: no restart")]
    WithdrawQueueNotEmpty {
        /// The pool.
        pool: u32,
    },
    /// A restart must stake more than the stake it releases.
    #[error("restarting worker #{} with {} PHA, not more than the {} PHA released", worker.0, fmt_pha(*stake), fmt_pha(*released))]
    CannotRestartWithLessStake {
        /// The worker.
        worker: WorkerIndex,
        /// The new stake asked for.
        stake: Amount,
        /// The stake the stop and instant reclaim released.
        released: Amount,
    },
    /// Only the contract's developer may stop it.
    #[error("account #{account} is not contract #{contract}'s developer")]
    NotContractDeveloper {
        /// The contract.
        contract: u32,
        /// The account that asked.
        account: u32,
    },
}

/// Results of Phala operations.
pub type Result<T> = std::result::Result<T, PhalaError>;

impl Coded for PhalaError {
    fn code(&self) -> &'static str {
        match self {
            PhalaError::Core(e) => e.code(),
            PhalaError::UnknownAccount { .. } => "unknown_account",
            PhalaError::DuplicateAccount { .. } => "duplicate_account",
            PhalaError::UnknownWorker { .. } => "unknown_worker",
            PhalaError::DuplicateWorker { .. } => "duplicate_worker",
            PhalaError::UnknownParam { .. } => "unknown_param",
            PhalaError::BadParam { .. } | PhalaError::BadSwitch { .. } => "bad_param",
            PhalaError::BadConfidenceLevel { .. } => "bad_confidence_level",
            PhalaError::BenchmarkMissing { .. } => "benchmark_missing",
            PhalaError::BenchmarkTooLow { .. } => "benchmark_too_low",
            PhalaError::InsufficientStake { .. } => "insufficient_stake",
            PhalaError::TooMuchStake { .. } => "too_much_stake",
            PhalaError::WrongState { .. } => "wrong_state",
            PhalaError::CoolDownNotReady { .. } => "cool_down_not_ready",
            PhalaError::NoPendingChallenge { .. } => "no_pending_challenge",
            PhalaError::TooManyChallenges { .. } => "too_many_challenges",
            PhalaError::IterationsOutOfRange { .. } => "iterations_out_of_range",
            PhalaError::UnknownPool { .. } => "unknown_pool",
            PhalaError::DuplicatePool { .. } => "duplicate_pool",
            PhalaError::WorkerInPool { .. } => "worker_in_pool",
            PhalaError::NotInPool { .. } => "not_in_pool",
            PhalaError::NotPoolOwner { .. } => "unauthorized_pool_owner",
            PhalaError::PoolBankrupt { .. } => "pool_bankrupt",
            PhalaError::InsufficientFreeStake { .. } => "insufficient_free_stake",
            PhalaError::InvalidShares { .. } => "invalid_share_to_withdraw",
            PhalaError::DustWithdrawal { .. } => "invalid_withdrawal_amount",
            PhalaError::ZeroContribution => "zero_contribution",
            PhalaError::NotInProfile { .. } => "not_in_profile",
            PhalaError::UnknownContract { .. } => "unknown_contract",
            PhalaError::DuplicateContract { .. } => "duplicate_contract",
            PhalaError::BadTiers { .. } => "bad_tiers",
            PhalaError::ZeroGas { .. } => "zero_gas",
            PhalaError::NoEligibleWorker { .. } => "no_eligible_worker",
            PhalaError::ContractEnded { .. } => "contract_ended",
            PhalaError::NotContractDeveloper { .. } => "not_contract_developer",
            PhalaError::UnknownVault { .. } => "unknown_vault",
            PhalaError::DuplicateVault { .. } => "duplicate_vault",
            PhalaError::NotVaultOwner { .. } => "unauthorized_vault_owner",
            PhalaError::VaultAccount { .. } => "vault_account",
            PhalaError::VaultBankrupt { .. } => "vault_bankrupt",
            PhalaError::InvalidVaultShares { .. } => "invalid_vault_shares",
            PhalaError::WithdrawQueueNotEmpty { .. } => "withdraw_queue_not_empty",
            PhalaError::VaultLocked { .. } => "vault_is_locked",
            PhalaError::CannotRestartWithLessStake { .. } => "cannot_restart_with_less_stake",
        }
    }
}
