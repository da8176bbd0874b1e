//! The Phala economy itself — its state ([`Phala`]), operations, block close and views. Each
//! submodule's doc says which part of the spec (shared/spec/phala.md) it implements.
//!
//! One epoch of the [`Economy`] trait is one 12-second block: replay's `end_epoch` closes the
//! current block (the gatekeeper's end-of-block pass) and `advance` closes many.

pub mod actions;
pub mod block;
pub mod closed_form;
pub mod contract_ops;
pub mod contracts;
mod deadlines;
pub mod error;
pub mod events;
pub mod genesis;
pub mod lazy;
pub mod ops;
pub mod params;
pub mod pool_ops;
pub mod stake_pool;
pub mod tokenomic;
pub mod vaults;
pub mod view;
pub mod workers;

use ergon_core::economy::{Economy, Metric, Rejection};
use ergon_core::invariants::Violation;
use ergon_core::txn::Snapshot;
use ergon_core::{AccountId, Amount, Coded, Epoch, Ledger, Names, PoolId, TokenId, U64F64};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use actions::Action;
pub use contracts::{ContractIndex, Contracts};
pub use error::PhalaError;
pub use events::{BlockReport, Event};
pub use genesis::Genesis;
pub use params::{ParamSet, Params, Profile};
pub use stake_pool::{PoolIndex, StakePools};
pub use tokenomic::Tokenomic;
pub use workers::{WorkerIndex, WorkerState, Workers};

/// The ledger pools of the economy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pools {
    /// The computing subsidy: payouts and the treasury's part come from here.
    pub subsidy: PoolId,
    /// The treasury's 20 %.
    pub treasury: PoolId,
    /// The stakes of computing and cooling-down workers.
    pub stakes: PoolId,
    /// paper: the part of a stake not returned at reclaim.
    pub slashed: PoolId,
    /// The stake pools' free stake (each pool's share is its `free`).
    pub pool_free: PoolId,
    /// paper: the contracts' gas budgets not yet paid or returned.
    pub gas_escrow: PoolId,
}

/// Running totals of what heartbeats paid.
///
/// Shown as PHA (the state dump); in a binary format (a saved state) as the amounts, and read
/// back from that form only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// PHA paid to workers, base units.
    #[serde(serialize_with = "events::ser_pha_saved", deserialize_with = "events::de_saved")]
    pub paid: Amount,
    /// PHA paid to the treasury, base units.
    #[serde(serialize_with = "events::ser_pha_saved", deserialize_with = "events::de_saved")]
    pub treasury: Amount,
    /// PHA a settlement owed but the subsidy pool did not hold, base units.
    #[serde(serialize_with = "events::ser_pha_saved", deserialize_with = "events::de_saved")]
    pub shortfall: Amount,
}

/// The Phala economy's whole state.
///
/// Every operation runs as one transaction over it ([`ergon_core::txn::atomic`]): the fields an
/// operation may change are journaled (the `transactional!` list below); the block's close is
/// not an operation and changes the workers' columns directly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phala {
    params: Params,
    ledger: Ledger,
    pha: TokenId,
    pools: Pools,
    /// Account names, by account index.
    accounts: Names,
    workers: Workers,
    /// The stake pools.
    stake_pools: StakePools,
    /// paper: the contracts.
    contracts: Contracts,
    /// The vaults.
    vaults: vaults::Vaults,
    /// The current block (the one operations happen in).
    block: u32,
    /// The genesis block: halving counts from it, epochs are blocks since it.
    start_block: u32,
    /// Σshare taken at the start of the current block (when not stale).
    sum_share: U64F64,
    /// Σshare is still to be computed from the block-start columns (no detail).
    sum_share_stale: bool,
    stats: Snapshot<Stats>,
    halvings: u32,
    /// PHA minted at genesis (nothing mints later).
    genesis_supply: Amount,
    /// Whether block reports name the workers that changed responsiveness.
    report_detail: bool,
    /// Working memory of the block's close (not part of the state: cleared at the start of
    /// each close, so not saved).
    #[serde(skip)]
    scratch: block::Scratch,
    /// paper's lazy close, when on ([`Phala::set_lazy`]).
    lazy: Option<lazy::Lazy>,
}

ergon_core::transactional!(Phala {
    ledger: Ledger,
    accounts: Names,
    workers: Workers,
    stake_pools: StakePools,
    contracts: Contracts,
    vaults: vaults::Vaults,
    stats: Snapshot<Stats>,
}; ignore params, pha, pools, block, start_block, sum_share, sum_share_stale, halvings, genesis_supply,
    report_detail, scratch, lazy);

impl Phala {
    /// The parameters in force (the budget changes at each halving).
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The ledger.
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The workers.
    #[must_use]
    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// The stake pools.
    #[must_use]
    pub fn stake_pools(&self) -> &StakePools {
        &self.stake_pools
    }

    /// The contracts (paper).
    #[must_use]
    pub fn contracts(&self) -> &Contracts {
        &self.contracts
    }

    /// The current block.
    #[must_use]
    pub fn block(&self) -> u32 {
        self.block
    }

    /// Σshare taken at the start of the current block.
    #[must_use]
    pub fn sum_share(&self) -> U64F64 {
        if self.sum_share_stale {
            // The columns are still the block's start (no operation changed a worker since).
            block::sum_share(self).unwrap_or(self.sum_share)
        } else {
            self.sum_share
        }
    }

    /// Computes Σshare now if the block close left it for later; every operation that changes
    /// a worker calls it first.
    pub(crate) fn fresh_sum_share(&mut self) {
        block::refresh_sum_share(self);
    }

    /// The ledger pools.
    #[must_use]
    pub fn pools(&self) -> Pools {
        self.pools
    }

    /// PHA's token id.
    #[must_use]
    pub fn pha_token(&self) -> TokenId {
        self.pha
    }

    /// How many times the budget was cut to 75 %.
    #[must_use]
    pub fn halvings(&self) -> u32 {
        self.halvings
    }

    /// PHA minted at genesis, base units.
    #[must_use]
    pub fn genesis_supply(&self) -> Amount {
        self.genesis_supply
    }

    /// Running payout totals.
    #[must_use]
    pub fn stats(&self) -> &Stats {
        self.stats.get()
    }

    /// PHA held by `holder`.
    #[must_use]
    pub fn balance_of(&self, holder: ergon_core::Holder) -> Amount {
        self.ledger.balance(self.pha, holder).unwrap_or_default()
    }

    /// The account named `name`.
    #[must_use]
    pub fn account(&self, name: &str) -> Option<AccountId> {
        self.accounts.id(name).map(AccountId)
    }

    /// Account `a`'s name.
    #[must_use]
    pub fn account_name(&self, a: AccountId) -> &str {
        self.accounts.name(a.0)
    }

    /// Whether block reports name the workers that changed responsiveness and carry Σshare
    /// (default on). Off (a simulation), the block close skips the shares and Σshare is
    /// computed at the first operation of a block that changes a worker, from the same
    /// block-start columns: the same payouts, and idle blocks cost V's growth only.
    pub fn set_report_detail(&mut self, on: bool) {
        self.report_detail = on;
    }

    /// `e` as a person reads it: the variant's message, then the name of each worker, stake
    /// pool, vault, contract and account it gives by number (a ledger refusal's `account:N`
    /// included).
    #[must_use]
    pub fn explain(&self, e: &PhalaError) -> String {
        use PhalaError as E;
        let worker = match e {
            E::BenchmarkMissing { worker }
            | E::BenchmarkTooLow { worker, .. }
            | E::InsufficientStake { worker, .. }
            | E::TooMuchStake { worker, .. }
            | E::WrongState { worker, .. }
            | E::CoolDownNotReady { worker, .. }
            | E::NoPendingChallenge { worker }
            | E::TooManyChallenges { worker, .. }
            | E::IterationsOutOfRange { worker, .. }
            | E::WorkerInPool { worker, .. }
            | E::NotInPool { worker, .. }
            | E::NotPoolOwner { worker, .. }
            | E::CannotRestartWithLessStake { worker, .. } => Some(*worker),
            _ => None,
        };
        let pool = match e {
            E::WorkerInPool { pool, .. }
            | E::NotInPool { pool, .. }
            | E::NotPoolOwner { pool, .. }
            | E::PoolBankrupt { pool }
            | E::InsufficientFreeStake { pool, .. }
            | E::InvalidShares { pool, .. }
            | E::WithdrawQueueNotEmpty { pool } => Some(*pool),
            _ => None,
        };
        let vault = match e {
            E::NotVaultOwner { vault, .. }
            | E::VaultBankrupt { vault }
            | E::InvalidVaultShares { vault, .. }
            | E::VaultLocked { vault } => Some(*vault),
            _ => None,
        };
        let contract = match e {
            E::ContractEnded { contract } | E::NotContractDeveloper { contract, .. } => {
                Some(*contract)
            }
            _ => None,
        };
        let account = match e {
            E::NotVaultOwner { account, .. } | E::NotContractDeveloper { account, .. } => {
                Some(*account)
            }
            E::Core(core) => core.short_account(),
            _ => None,
        };
        let mut out = e.to_string();
        let mut name = |what: &str, id: Option<u32>, names: &ergon_core::Names| {
            if let Some(id) = id.filter(|&i| (i as usize) < names.len()) {
                out.push_str(&format!("; {what} #{id} is {:?}", names.name(id)));
            }
        };
        name("worker", worker.map(|w| w.0), self.workers.names());
        name("stake pool", pool, &self.stake_pools.names);
        name("vault", vault, &self.vaults.names);
        name("contract", contract, &self.contracts.names);
        name("account", account, &self.accounts);
        out
    }
}

impl Economy for Phala {
    const NAME: &'static str = "phala";
    type Genesis = Genesis;
    type Action = Action;
    type Event = Event;
    type Error = PhalaError;
    type Report = BlockReport;

    fn from_genesis(g: Genesis) -> Result<Phala, Rejection> {
        genesis::build(g).map_err(|e| Rejection::new(e.code(), e.to_string()))
    }

    fn apply(&mut self, action: &Action) -> Result<Vec<Event>, PhalaError> {
        actions::apply(self, action).map(|e| vec![e])
    }

    fn rejection(&self, error: PhalaError) -> Rejection {
        Rejection { code: error.code(), message: self.explain(&error) }
    }

    fn end_epoch(&mut self) -> Result<BlockReport, Violation> {
        block::end_block(self)
    }

    fn epoch(&self) -> Epoch {
        Epoch(u64::from(self.block - self.start_block))
    }

    fn metrics(&self) -> Vec<Metric> {
        view::metrics(self)
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        view::check_invariants(self)
    }

    fn snapshot(&self) -> Value {
        view::snapshot(self)
    }
}
