//! The users' side of Stratos with typed arguments (account ids, node indexes, amounts):
//! accounts, transfers and gas, PREPAY (seed §1.2), the charges of upload, download and
//! database query (§3.1) and task assignment by weight (§3.2). Replay's [`crate::actions`]
//! resolves names and calls these; the simulation model calls them directly.
//!
//! Each operation runs as one transaction over the whole state ([`ergon_core::txn::atomic`]):
//! a rejection undoes every change it made. The cost is O(replicas · log nodes), never O(state).

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Error};

use crate::Stratos;
use crate::error::{Refusal, Result, StratosError};
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
        self.accounts.get(name).copied()
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
        atomic(self, |st| {
            if st.accounts.contains_key(name) {
                return Err(Error::Duplicate { kind: "account", name: name.to_owned() }.into());
            }
            let id = st.ledger.open_account()?;
            st.names.push(name.to_owned());
            st.accounts.insert(name.to_owned(), id);
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
        atomic(self, |st| {
            if x.is_zero() {
                let what = "prepay";
                return Err(Error::BelowMinimum { what, amount: x, minimum: Amount(1) }.into());
            }
            let p = st.volume_pool();
            let price_before = st.market.price_wei_per_oz(p);
            let bought = st.market.prepay_quote_for(st.params.profile, p, x)?;
            let limit = st.market.l();
            if bought.is_zero() || bought > limit {
                return Err(StratosError::PrepayOutOfRange { paid: x, bought, limit });
            }
            st.ledger.transfer(st.stos, payer.into(), st.pools.volume.into(), x)?;
            st.ledger.mint(st.ozone_token, beneficiary.into(), bought)?;
            st.market.apply_prepay(bought)?;
            Ok(Prepaid { price_before, bought })
        })
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
        let charge = atomic(self, |st| -> Result<Amount> {
            if replicas == 0 || replicas > st.params.max_replicas {
                return Err(Error::InvalidParameter {
                    name: "replicas".into(),
                    value: replicas.to_string(),
                    reason: format!("must be 1 to {}", st.params.max_replicas),
                }
                .into());
            }
            let charge = size.checked_mul_int(u128::from(replicas))?;
            st.charge_ozone(user, charge)?;
            match nodes {
                Some(ids) => st.check_nodes(ids, replicas as usize, size)?,
                None => st.pick_nodes(replicas as usize, size)?,
            }
            st.nodes.serve_picked(size, true)?;
            Ok(charge)
        })?;
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
        atomic(self, |st| {
            st.charge_ozone(user, size)?;
            let i = st.one_node(node)?;
            st.nodes.serve(&[i], size, false)?;
            Ok(i)
        })
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
        atomic(self, |st| {
            let touched = Amount(u128::from(touches)).checked_mul_int(NOZ_PER_TOUCH)?;
            let charge = size.checked_add(touched)?;
            st.charge_ozone(user, charge)?;
            let i = st.one_node(node)?;
            st.nodes.serve(&[i], charge, false)?;
            Ok((charge, i))
        })
    }

    /// Burns `charge` noz of `user`'s Ozone: no Ozone, no service.
    pub(in crate::engine) fn charge_ozone(
        &mut self,
        user: AccountId,
        charge: Amount,
    ) -> Result<()> {
        let have = self.ledger.balance(self.ozone_token, user.into())?;
        if have < charge {
            return Err(StratosError::InsufficientOzone { user, have, needed: charge });
        }
        self.ledger.burn(self.ozone_token, user.into(), charge)?;
        Ok(())
    }

    /// Gives a task of `size` the named nodes: one per replica, distinct, taking tasks, with
    /// room.
    fn check_nodes(&mut self, ids: &[NodeIndex], replicas: usize, size: Amount) -> Result<()> {
        if ids.len() != replicas {
            return Err(Error::InvalidParameter {
                name: "nodes".into(),
                value: ids.len().to_string(),
                reason: format!("one node per replica ({replicas})"),
            }
            .into());
        }
        self.nodes.pick_named(ids, size).map_err(|i| match self.node(i) {
            Ok(node) => {
                let (status, free) = (node.status, node.free());
                Refusal::CannotTakeTask { node: i, status, free, size }.into()
            }
            Err(unknown) => unknown,
        })
    }

    /// The node that serves a delivery: `node`, or one drawn by weight among those taking
    /// tasks (the same draw as [`Stratos::pick_nodes`] of one, without its lists).
    fn one_node(&mut self, node: Option<NodeIndex>) -> Result<NodeIndex> {
        match node {
            Some(i) => self.check_nodes(&[i], 1, Amount::ZERO).map(|()| i),
            None => self.nodes.pick_one(&mut self.rng).ok_or(StratosError::NoCapacity {
                found: 0,
                needed: 1,
                size: Amount::ZERO,
            }),
        }
    }

    /// Chooses `k` distinct nodes taking tasks with at least `size` free, each by weight.
    fn pick_nodes(&mut self, k: usize, size: Amount) -> Result<()> {
        let found = self.nodes.pick_up_to(&mut self.rng, k, size);
        if found < k {
            return Err(StratosError::NoCapacity { found, needed: k, size });
        }
        Ok(())
    }
}
