//! The Marlin economy's engine: its state ([`Marlin`]), operations and day close. Each
//! submodule's doc says which seed or spec section it implements. The state's fields are private
//! to this module and its children; everything that changes them is a typed operation.

pub mod actions;
pub mod bridge;
mod close_paper;
pub mod error;
pub mod events;
pub mod genesis;
pub mod governance;
pub mod params;
pub mod payout;
pub mod pools;
pub mod registry;
pub mod relay;
pub mod rewards;
pub mod settings;
pub mod spam;
mod stake_ops;
pub mod stakes;
mod stakes_saved;
pub mod tokens;
pub mod units;
pub mod view;

use ergon_core::economy::{Economy, Metric, Rejection};
use ergon_core::invariants::Violation;
use ergon_core::txn::{Keyed, Snapshot};
use ergon_core::{AccountId, Coded, Epoch, Ledger, Names, PoolId, TokenId};
use serde::Serialize;
use serde_json::Value;

pub use actions::Action;
pub use bridge::{Bridge, BridgeBooks, Request};
pub use error::MarlinError;
pub use events::Event;
pub use genesis::Genesis;
pub use governance::{Governance, Proposal};
pub use params::{BridgeCustody, Params, Profile};
pub use settings::{Change, Settings};
pub use tokens::Token;

/// The Marlin economy's whole state.
///
/// Every operation with several fallible steps runs as one transaction over it
/// ([`ergon_core::txn::atomic`]): each field an operation may change is journaled (the
/// `transactional!` list below), so a rejection restores all of them together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Marlin {
    params: Params,
    ledger: Ledger,
    pond: TokenId,
    mpond: TokenId,
    /// deployed: the bridge's reserves of both tokens (paper: unused, always empty).
    bridge_pool: PoolId,
    /// The stashes' POND and MPOND.
    stakes_pool: PoolId,
    /// POND for rewards: paper, the subsidy pool; deployed, `ClusterRewards`' balance.
    rewards_pool: PoolId,
    /// paper: the receivers' prepaid fees and what earlier months' payouts left.
    fees_pool: PoolId,
    /// deployed: the receivers' staked POND.
    receiver_pool: PoolId,
    /// paper: producers' spam deposits.
    deposits_pool: PoolId,
    /// Clusters' rewards not yet paid: deployed accrued tickets, and what the accumulators owe.
    cluster_pool: PoolId,
    /// Account names, by account index.
    names: Names,
    /// Accounts MPOND may move to or from before transfers open.
    whitelist: Keyed<AccountId, ()>,
    /// The live, governance-controlled parameters.
    settings: Snapshot<Settings>,
    bridge: Bridge,
    gov: Governance,
    stakes: stakes::Stakes,
    relay: relay::Relay,
    spam: spam::Spam,
    pools: pools::Pools,
    registry: registry::Registry,
    /// Buffers of the epoch close (working memory, rewritten before each use: a saved state
    /// leaves them out).
    #[serde(skip)]
    scratch: payout::Scratch,
    /// What genesis minted and put in the bridge (for the conservation checks).
    genesis_books: GenesisBooks,
    /// Days since genesis.
    epoch: Epoch,
}

ergon_core::transactional!(Marlin {
    ledger: Ledger,
    names: Names,
    whitelist: Keyed<AccountId, ()>,
    settings: Snapshot<Settings>,
    bridge: Bridge,
    gov: Governance,
    stakes: stakes::Stakes,
    relay: relay::Relay,
    spam: spam::Spam,
    pools: pools::Pools,
    registry: registry::Registry,
}; ignore params, pond, mpond, bridge_pool, stakes_pool, rewards_pool, fees_pool, receiver_pool,
   deposits_pool, cluster_pool, scratch, genesis_books, epoch);

/// What genesis minted to accounts and to the bridge's pool, base units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct GenesisBooks {
    /// POND minted to accounts.
    pub pond_accounts: ergon_core::Amount,
    /// MPOND minted to accounts.
    pub mpond_accounts: ergon_core::Amount,
    /// deployed: POND minted into the bridge's reserve.
    pub pond_bridge: ergon_core::Amount,
    /// deployed: MPOND minted into the bridge's reserve.
    pub mpond_bridge: ergon_core::Amount,
    /// POND minted into the `rewards` pool.
    pub pond_rewards: ergon_core::Amount,
}

/// What a day's close reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DayReport {
    /// The day that begins.
    pub day: u64,
    /// What the closed day's rewards paid (left out when nothing).
    #[serde(skip_serializing_if = "payout::ClosePayout::is_nothing")]
    pub rewards: payout::ClosePayout,
}

impl Marlin {
    /// The parameters fixed at genesis.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The live settings (W, L, the period, the transfer switch).
    #[must_use]
    pub fn settings(&self) -> &Settings {
        self.settings.get()
    }

    /// The ledger.
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The bridge's requests and books.
    #[must_use]
    pub fn bridge(&self) -> &Bridge {
        &self.bridge
    }

    /// Governance: delegations, votes, proposals.
    #[must_use]
    pub fn governance(&self) -> &Governance {
        &self.gov
    }

    /// Stashes and clusters.
    #[must_use]
    pub fn stakes(&self) -> &stakes::Stakes {
        &self.stakes
    }

    /// Receivers, tickets, the reward pools' books and accumulators.
    #[must_use]
    pub fn relay(&self) -> &relay::Relay {
        &self.relay
    }

    /// The staking pools (paper).
    #[must_use]
    pub fn pools(&self) -> &pools::Pools {
        &self.pools
    }

    /// paper: spam deposits, attestations and their books.
    #[must_use]
    pub fn spam(&self) -> &spam::Spam {
        &self.spam
    }

    /// Today (days since genesis).
    #[must_use]
    pub fn day(&self) -> u64 {
        self.epoch.0
    }

    /// Applies a governance change to the live settings (the contracts' `onlyGovernance`
    /// setters; also what an executed proposal does).
    pub fn set(&mut self, change: Change) -> error::Result<()> {
        let mut s = *self.settings.get();
        s.apply(change)?;
        *self.settings.get_mut() = s;
        Ok(())
    }
}

impl Economy for Marlin {
    const NAME: &'static str = "marlin";
    type Genesis = Genesis;
    type Action = Action;
    type Event = Event;
    type Error = MarlinError;
    type Report = DayReport;

    fn from_genesis(g: Genesis) -> Result<Marlin, Rejection> {
        genesis::build(g).map_err(|e| Rejection { code: e.code(), message: e.to_string() })
    }

    fn apply(&mut self, action: &Action) -> Result<Vec<Event>, MarlinError> {
        actions::apply(self, action).map(|e| vec![e])
    }

    fn rejection(&self, error: MarlinError) -> Rejection {
        Rejection { code: error.code(), message: self.explain(&error) }
    }

    fn end_epoch(&mut self) -> Result<DayReport, Violation> {
        let rewards =
            self.close_rewards().map_err(|e| Violation::new("epoch close", self.explain(&e)))?;
        // The day's tickets are paid (paper), and the month's at its close: forgotten after the
        // close's transaction, in place.
        let month_closed = (self.epoch.0 + 1).is_multiple_of(self.params.month_days);
        self.relay.clear_tickets(month_closed);
        self.close_spam();
        self.epoch = self.epoch.plus(1);
        Ok(DayReport { day: self.epoch.0, rewards })
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

    fn snapshot(&self) -> Value {
        view::snapshot(self)
    }
}
