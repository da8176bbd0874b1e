//! The Stratos economy itself — its state ([`Stratos`]), operations, epoch close and views —
//! apart from the simulation model ([`crate::model`]), which sees only its public interface:
//! the state's fields are private to this module and its children.

pub mod actions;
pub mod deposits;
pub mod effective;
pub mod epoch;
pub mod error;
pub mod events;
pub mod genesis;
pub mod mainnet;
pub mod meta;
pub mod mining;
pub mod nodes;
pub mod ops;
pub mod ozone;
pub mod params;
pub mod requests;
pub mod resource;
pub mod stake_locks;
pub mod units;
pub mod validators;
pub mod view;
pub mod volume;

use ergon_core::Coded;
use ergon_core::economy::{Economy, Metric, Rejection};
use ergon_core::invariants::Violation;
use ergon_core::txn::Keyed;
use ergon_core::{
    AccountId, Amount, Epoch, Ledger, LockQueue, Names, PoolId, RowLocks, Staking, StreamRng,
    TokenId,
};
use serde_json::Value;

pub use actions::Action;
pub use deposits::DepositRewards;
pub use effective::EffectiveUpdate;
pub use epoch::EpochReport;
pub use error::{Refusal, StratosError};
pub use events::Event;
pub use genesis::Genesis;
pub use nodes::{MetaIndex, MetaNode, NodeIndex, NodeRegistry, ResourceNode};
pub use ops::Prepaid;
pub use ozone::OzoneMarket;
pub use params::{Params, Profile};
pub use resource::{Activated, Migration, ShutDown, Unregistered};
pub use stake_locks::StakeLocks;

/// The ledger pools of the economy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pools {
    /// STOS reserved for mining rewards.
    pub mining: PoolId,
    /// Prepaid STOS not yet paid out as traffic rewards: `P`.
    pub volume: PoolId,
    /// Node deposits (active, suspended and waiting to return).
    pub deposits: PoolId,
    /// Rounding remainders.
    pub dust: PoolId,
    /// Transaction gas fees waiting for the epoch's distribution.
    pub gas: PoolId,
    /// mainnet: the community pool (community tax).
    pub community: PoolId,
    /// paper: the node deposits' stake rewards, locked or withdrawable ([`Stratos`]'s
    /// `deposit_rewards`).
    pub deposit_rewards: PoolId,
    /// paper: the traffic reward's shares that had no recipient (no settled nodes, no meta
    /// nodes, no stake), so the volume pool falls by exactly R at each settlement.
    pub unclaimed_traffic: PoolId,
}

/// The Stratos economy's whole state.
///
/// Every operation runs as one transaction over it ([`ergon_core::txn::atomic`]): each field an
/// operation may change is journaled (see the `transactional!` list below), so a rejection
/// restores all of them together. The fields an operation never changes — parameters, ids, the
/// epoch's books — are named in the list's `ignore` part.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stratos {
    params: Params,
    ledger: Ledger,
    stos: TokenId,
    ozone_token: TokenId,
    pools: Pools,
    market: OzoneMarket,
    total_mined: Amount,
    epoch: Epoch,
    /// Account names, by account index, and each name's account (a node's name is its
    /// owner's).
    names: Names,
    /// Resource and meta nodes, their task weights and the traffic index.
    nodes: NodeRegistry,
    reward_locks: RowLocks<2>,
    /// paper: the node deposits' share of the stake rewards, by source (volume pool, mining
    /// pool), accrued by index; epoch e's vest when epoch e + `reward_lock_epochs` + 1 begins, a
    /// whole lock after the close that issued them (withdrawable, not paid out by the epoch).
    /// Stakes: each account's deposits that share.
    deposit_rewards: DepositRewards,
    deposit_returns: LockQueue,
    /// paper: the validators' and delegators' stake rewards, locked as node rewards are.
    stake_locks: StakeLocks,
    /// mainnet: each account's slashing not yet deducted (the chain's per-wallet `Slashing`),
    /// wei; accounts with none are absent.
    slashing: Keyed<AccountId, Amount>,
    /// mainnet: the Ozone limit each suspended resource node's suspension did not take, noz
    /// (the chain's `DecreaseOzoneLimitBySubtractDeposit` would have left L below zero; here L
    /// stays): its reinstatement takes it off the limit it gives back. Nodes with none are
    /// absent.
    #[serde(default)]
    limit_debts: Keyed<NodeIndex, Amount>,
    /// mainnet: the effective deposit each unregistering resource node left in S (the chain's
    /// `UnbondResourceNode` keeps its effective tokens), wei, until a slash suspends it.
    #[serde(default)]
    kept_by_node: Keyed<NodeIndex, Amount>,
    /// The unregistering resource nodes whose replica migration took their whole deposit, by
    /// return epoch and owner: nothing returns on that date to mark their exit, so they exit by
    /// this list.
    #[serde(default)]
    empty_returns: Keyed<(Epoch, AccountId), ()>,
    staking: Staking,
    rng: StreamRng,
    stats: epoch::Stats,
    /// Whether epoch reports list every node (replay) or only totals (simulation).
    report_detail: bool,
    /// Working memory of the epoch's reward split (not part of the state).
    #[serde(skip)]
    scratch: epoch::Scratch,
}

ergon_core::transactional!(Stratos {
    ledger: Ledger,
    market: OzoneMarket,
    names: Names,
    nodes: NodeRegistry,
    reward_locks: RowLocks<2>,
    deposit_rewards: DepositRewards,
    deposit_returns: LockQueue,
    stake_locks: StakeLocks,
    slashing: Keyed<AccountId, Amount>,
    limit_debts: Keyed<NodeIndex, Amount>,
    kept_by_node: Keyed<NodeIndex, Amount>,
    empty_returns: Keyed<(Epoch, AccountId), ()>,
    staking: Staking,
    rng: StreamRng,
}; ignore params, stos, ozone_token, pools, total_mined, epoch, stats, report_detail, scratch);

impl Stratos {
    /// The parameters in force.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The ledger.
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Validators, delegations and unbonding.
    #[must_use]
    pub fn staking(&self) -> &Staking {
        &self.staking
    }

    /// The Ozone market (S, L, sold, settled).
    #[must_use]
    pub fn market(&self) -> &OzoneMarket {
        &self.market
    }

    /// `P`: the volume pool's STOS.
    #[must_use]
    pub fn volume_pool(&self) -> Amount {
        self.ledger.balance(self.stos, self.pools.volume.into()).unwrap_or_default()
    }

    /// STOS mined so far (including what the profile counts as mined at genesis).
    #[must_use]
    pub fn total_mined(&self) -> Amount {
        self.total_mined
    }

    /// The resource nodes, by index.
    #[must_use]
    pub fn resource_nodes(&self) -> &[ResourceNode] {
        self.nodes.resource_nodes()
    }

    /// The meta nodes, by index.
    #[must_use]
    pub fn meta_nodes(&self) -> &[MetaNode] {
        self.nodes.meta_nodes()
    }

    /// The name of resource node `i` (its owner's account name).
    #[must_use]
    pub fn node_name(&self, i: NodeIndex) -> &str {
        self.name(self.nodes.resource(i).owner)
    }

    /// The name of meta node `m` (its owner's account name).
    #[must_use]
    pub fn meta_name(&self, m: MetaIndex) -> &str {
        self.name(self.nodes.meta(m).owner)
    }

    /// Whether epoch reports list every settled node and its reward (default) or only the
    /// totals, which is what simulations read: per-node lists cost O(settled nodes) strings a
    /// epoch.
    pub fn set_report_detail(&mut self, on: bool) {
        self.report_detail = on;
    }

    /// The last epoch's report, if an epoch has ended.
    #[must_use]
    pub fn last_report(&self) -> Option<&EpochReport> {
        self.stats.last.as_ref()
    }

    fn name(&self, a: AccountId) -> &str {
        self.names.name(a.0)
    }
}

impl Economy for Stratos {
    const NAME: &'static str = "stratos";
    type Genesis = Genesis;
    type Action = Action;
    type Event = Event;
    type Error = StratosError;
    type Report = EpochReport;

    fn from_genesis(g: Genesis) -> Result<Stratos, Rejection> {
        genesis::build(g)
    }

    fn apply(&mut self, action: &Action) -> Result<Vec<Event>, StratosError> {
        actions::apply(self, action).map(|e| vec![e])
    }

    fn rejection(&self, error: StratosError) -> Rejection {
        Rejection { code: error.code(), message: self.explain(&error) }
    }

    fn end_epoch(&mut self) -> Result<EpochReport, Violation> {
        epoch::end_epoch(self)
    }

    fn epoch(&self) -> Epoch {
        self.epoch
    }

    fn metrics(&self) -> Vec<Metric> {
        view::metrics(self)
    }

    fn check_invariants(&self) -> Result<(), Violation> {
        view::check_invariants(self)
    }

    fn check_step(&mut self) -> Result<(), Violation> {
        view::check_step(self)
    }

    fn snapshot(&self) -> Value {
        view::snapshot(self)
    }
}
