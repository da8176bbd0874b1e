//! The users' side of Stratos with typed arguments (account ids, node indexes, amounts):
//! accounts, transfers and gas, PREPAY (seed §1.2), the charges of upload, download and
//! database query (§3.1) and task assignment by weight (§3.2). Replay's [`crate::actions`]
//! resolves names and calls these; the simulation model calls them directly.
//!
//! A request is all-or-nothing: PREPAY runs as one transaction over exactly the state it can
//! touch — the ledger, the Ozone market, the node registry and the task RNG
//! ([`crate::requests`]) — so a rejection undoes every change it made; uploads, downloads and
//! database queries check everything that could refuse them first, then make changes that
//! cannot fail, and need no transaction (ARCHITECTURE, "One way to act"). The cost is O(replicas · log
//! nodes), never O(state).

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Error};

use crate::Stratos;
use crate::error::Result;
use crate::nodes::NodeIndex;

/// Noz per database record touch: 1 Oz = 10^6 touches (seed §3.1).
pub const NOZ_PER_TOUCH: u128 = crate::params::OZ / 1_000_000;

/// What a PREPAY did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prepaid {
    /// The price before, wei per Oz (None when L was zero).
    pub price_before: Option<Amount>,
    /// Ozone bought, noz.
    pub bought: Amount,
}

impl Stratos {
    /// The account named `name`.
    #[must_use]
    pub fn account(&self, name: &str) -> Option<AccountId> {
        self.names.id(name).map(AccountId)
    }

    /// The name of account `a`.
    #[must_use]
    pub fn account_name(&self, a: AccountId) -> &str {
        self.name(a)
    }

    /// STOS held by account `a`, wei.
    #[must_use]
    pub fn stos_balance(&self, a: AccountId) -> Amount {
        self.ledger.balance(self.stos, a.into()).unwrap_or_default()
    }

    /// Ozone held by account `a`, noz.
    #[must_use]
    pub fn ozone_balance(&self, a: AccountId) -> Amount {
        self.ledger.balance(self.ozone_token, a.into()).unwrap_or_default()
    }

    /// Opens account `name` with no STOS.
    pub fn open(&mut self, name: &str) -> Result<AccountId> {
        ergon_core::names::check_name("account", name)?;
        atomic(self, |st| {
            if st.names.id(name).is_some() {
                return Err(Error::Duplicate { kind: "account", name: name.to_owned() }.into());
            }
            let id = st.ledger.open_account()?;
            if st.names.push(name) != Some(id.0) {
                return Err(Error::LimitReached {
                    what: "account names".into(),
                    limit: u64::from(id.0),
                }
                .into());
            }
            Ok(id)
        })
    }

    /// Moves `amount` wei of STOS from `from` to `to`.
    pub fn transfer_stos(&mut self, from: AccountId, to: AccountId, amount: Amount) -> Result<()> {
        Ok(self.ledger.transfer(self.stos, from.into(), to.into(), amount)?)
    }

    /// Pays a gas fee of `amount` wei into the epoch's gas pool (validators and delegators only).
    pub fn pay_gas(&mut self, from: AccountId, amount: Amount) -> Result<()> {
        Ok(self.ledger.transfer(self.stos, from.into(), self.pools.gas.into(), amount)?)
    }

    /// PREPAY: `payer` pays `x` wei into the volume pool, `beneficiary` receives
    /// ⌊L·X / (S + P + X)⌋ noz (mainnet: the chain's `LegacyDec` form of it, see
    /// [`crate::mainnet::prepay_noz`]). Refused when that is 0 or more than L.
    pub fn prepay(
        &mut self,
        payer: AccountId,
        beneficiary: AccountId,
        x: Amount,
    ) -> Result<Prepaid> {
        atomic(&mut self.requests(), |r| r.prepay(payer, beneficiary, x))
    }

    /// Upload of `size` noz in `replicas` copies, charged size × replicas, each copy on a
    /// different node with room for it: the ones named in `nodes`, or chosen by weight.
    /// Returns the charge and the nodes (in the registry's working memory: no allocation).
    pub fn upload(
        &mut self,
        user: AccountId,
        size: Amount,
        replicas: u32,
        nodes: Option<&[NodeIndex]>,
    ) -> Result<(Amount, &[NodeIndex])> {
        // All-or-nothing by itself (checked before any change): no transaction of its own.
        let charge = self.requests().upload(user, size, replicas, nodes)?;
        Ok((charge, self.nodes.picked()))
    }

    /// Download of `size` noz, charged the final delivery only, served by `node` or by a node
    /// chosen by weight. Returns the node.
    pub fn download(
        &mut self,
        user: AccountId,
        size: Amount,
        node: Option<NodeIndex>,
    ) -> Result<NodeIndex> {
        // All-or-nothing by itself (checked before any change): no transaction of its own.
        self.requests().download(user, size, node)
    }

    /// Downloads of `sizes` noz by `user`, in order, each served by a node chosen by weight, as
    /// one transaction: the same as [`Stratos::download`] of each in turn when every one of them
    /// succeeds (the same charges, draws and nodes), and nothing at all when one would not.
    /// Returns the total charge. A simulation's many downloads by one user cost one charge.
    pub fn downloads(&mut self, user: AccountId, sizes: &[Amount]) -> Result<Amount> {
        // All-or-nothing by itself (checked before any change): no transaction of its own.
        self.requests().downloads(user, sizes)
    }

    /// Database query: `size` noz of delivery plus `touches` record touches (10^6 a Oz).
    /// Returns the charge and the node.
    pub fn db_query(
        &mut self,
        user: AccountId,
        size: Amount,
        touches: u64,
        node: Option<NodeIndex>,
    ) -> Result<(Amount, NodeIndex)> {
        // All-or-nothing by itself (checked before any change): no transaction of its own.
        self.requests().db_query(user, size, touches, node)
    }
}
