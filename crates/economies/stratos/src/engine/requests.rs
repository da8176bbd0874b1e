//! The users' requests (seed §1.2, §3.1, §3.2) — PREPAY and the charges and task assignment of
//! uploads, downloads and database queries — on `Requests`: a view of exactly the state a
//! request can touch (the ledger, the Ozone market, the node registry, the task RNG). Its
//! transaction checkpoints those four parts only, and a request cannot change anything else:
//! the view holds no other part mutably. [`crate::ops`] runs PREPAY in one; uploads,
//! downloads and queries check first and change after, needing none.

use ergon_core::txn::Transactional;
use ergon_core::{AccountId, Amount, Error, Ledger, StreamRng, TokenId};

use crate::Pools;
use crate::Stratos;
use crate::error::{Refusal, Result, StratosError};
use crate::nodes::{NodeIndex, NodeRegistry};
use crate::ops::{NOZ_PER_TOUCH, Prepaid};
use crate::ozone::OzoneMarket;
use crate::params::{Params, Profile};

/// The state a request touches, borrowed from [`Stratos`]. See the module doc.
pub(in crate::engine) struct Requests<'a> {
    params: &'a Params,
    pools: Pools,
    stos: TokenId,
    ozone: TokenId,
    ledger: &'a mut Ledger,
    market: &'a mut OzoneMarket,
    nodes: &'a mut NodeRegistry,
    rng: &'a mut StreamRng,
}

impl Transactional for Requests<'_> {
    type Checkpoint = (
        <Ledger as Transactional>::Checkpoint,
        OzoneMarket,
        <NodeRegistry as Transactional>::Checkpoint,
        u128,
    );
    fn checkpoint(&mut self) -> Self::Checkpoint {
        (
            self.ledger.checkpoint(),
            self.market.checkpoint(),
            self.nodes.checkpoint(),
            self.rng.checkpoint(),
        )
    }
    fn commit(&mut self, (l, m, n, r): Self::Checkpoint) {
        Transactional::commit(self.rng, r);
        Transactional::commit(self.nodes, n);
        Transactional::commit(self.market, m);
        Transactional::commit(self.ledger, l);
    }
    fn revert(&mut self, (l, m, n, r): Self::Checkpoint) {
        Transactional::revert(self.rng, r);
        Transactional::revert(self.nodes, n);
        Transactional::revert(self.market, m);
        Transactional::revert(self.ledger, l);
    }
}

impl Stratos {
    /// The view a request works on.
    pub(in crate::engine) fn requests(&mut self) -> Requests<'_> {
        Requests {
            params: &self.params,
            pools: self.pools,
            stos: self.stos,
            ozone: self.ozone_token,
            ledger: &mut self.ledger,
            market: &mut self.market,
            nodes: &mut self.nodes,
            rng: &mut self.rng,
        }
    }
}

impl Requests<'_> {
    /// `P`: the volume pool's STOS.
    fn volume_pool(&self) -> Amount {
        self.ledger.balance(self.stos, self.pools.volume.into()).unwrap_or_default()
    }

    /// PREPAY ([`Stratos::prepay`]).
    pub(in crate::engine) fn prepay(
        &mut self,
        payer: AccountId,
        beneficiary: AccountId,
        x: Amount,
    ) -> Result<Prepaid> {
        if x.is_zero() {
            return Err(
                Error::BelowMinimum { what: "prepay", amount: x, minimum: Amount(1) }.into()
            );
        }
        let p = self.volume_pool();
        let price_before = self.market.price_wei_per_oz(p);
        let bought = self.market.prepay_quote_for(self.params.profile, p, x)?;
        let limit = self.market.l();
        // paper refuses a purchase that rounds to nothing; the chain accepts it (P grows by X,
        // L stays, the buyer gets 0 Oz) and refuses only a purchase above L.
        let nothing_refused = bought.is_zero() && self.params.profile == Profile::Paper;
        if nothing_refused || bought > limit {
            return Err(StratosError::PrepayOutOfRange { paid: x, bought, limit });
        }
        self.ledger.transfer(self.stos, payer.into(), self.pools.volume.into(), x)?;
        self.ledger.mint(self.ozone, beneficiary.into(), bought)?;
        self.market.apply_prepay(bought)?;
        Ok(Prepaid { price_before, bought })
    }

    /// An upload ([`Stratos::upload`]); its nodes are the registry's picked list. Returns the
    /// charge.
    ///
    /// All-or-nothing without a transaction: the charge is checked, then the nodes are picked
    /// (a refusal puts the task stream back where it was; the draws change nothing else that
    /// stays: weights set aside while drawing are restored); then the burn and the credits,
    /// which cannot fail (as [`Requests::downloads`]).
    pub(in crate::engine) fn upload(
        &mut self,
        user: AccountId,
        size: Amount,
        replicas: u32,
        nodes: Option<&[NodeIndex]>,
    ) -> Result<Amount> {
        let (least, max) = (self.params.least_replicas(), self.params.max_replicas);
        if replicas < least || replicas > max {
            let (name, value) = ("replicas".into(), replicas.to_string());
            let reason = format!("must be {least} to {max} (paper: default_replicas at least)");
            return Err(Error::InvalidParameter { name, value, reason }.into());
        }
        let charge = size.checked_mul_int(u128::from(replicas))?;
        self.check_ozone(user, charge)?;
        match nodes {
            Some(ids) => self.check_nodes(ids, replicas as usize, size)?,
            None => {
                let at = Transactional::checkpoint(self.rng);
                if let Err(e) = self.pick_nodes(replicas as usize, size) {
                    Transactional::revert(self.rng, at);
                    return Err(e);
                }
            }
        }
        self.ledger.burn(self.ozone, user.into(), charge)?;
        self.nodes.serve_picked(size, true)?;
        Ok(charge)
    }

    /// A download ([`Stratos::download`]). Returns the node.
    ///
    /// All-or-nothing without a transaction, as [`Requests::downloads`].
    pub(in crate::engine) fn download(
        &mut self,
        user: AccountId,
        size: Amount,
        node: Option<NodeIndex>,
    ) -> Result<NodeIndex> {
        self.check_ozone(user, size)?;
        self.check_node(node)?;
        self.ledger.burn(self.ozone, user.into(), size)?;
        let i = self.one_node(node)?;
        self.nodes.serve_one(i, size)?;
        Ok(i)
    }

    /// Downloads of `sizes`, in order ([`Stratos::downloads`]). Returns the total charge.
    ///
    /// All-or-nothing without a transaction: the charge and the capacity are checked before
    /// anything changes; then the one burn, the draws and the credits cannot fail (a node
    /// takes tasks, so each draw finds one; a node's pending traffic is Ozone burned and not
    /// yet settled, so with this charge it stays below the Ozone ever minted, a `u128`).
    pub(in crate::engine) fn downloads(
        &mut self,
        user: AccountId,
        sizes: &[Amount],
    ) -> Result<Amount> {
        let mut total = Amount::ZERO;
        for &size in sizes {
            total = total.checked_add(size)?;
        }
        self.check_ozone(user, total)?;
        if !sizes.is_empty() {
            self.check_capacity()?;
        }
        self.ledger.burn(self.ozone, user.into(), total)?;
        self.nodes.serve_drawn(self.rng, sizes)?;
        Ok(total)
    }

    /// A database query ([`Stratos::db_query`]). Returns the charge and the node.
    ///
    /// All-or-nothing without a transaction, as [`Requests::downloads`]: the charge and the
    /// node (named, or the capacity to draw one) are checked first.
    pub(in crate::engine) fn db_query(
        &mut self,
        user: AccountId,
        size: Amount,
        touches: u64,
        node: Option<NodeIndex>,
    ) -> Result<(Amount, NodeIndex)> {
        let touched = Amount(u128::from(touches)).checked_mul_int(NOZ_PER_TOUCH)?;
        let charge = size.checked_add(touched)?;
        self.check_ozone(user, charge)?;
        self.check_node(node)?;
        self.ledger.burn(self.ozone, user.into(), charge)?;
        let i = self.one_node(node)?;
        self.nodes.serve_one(i, charge)?;
        Ok((charge, i))
    }

    /// Refuses a charge of `charge` noz above `user`'s Ozone (and an unknown user).
    fn check_ozone(&self, user: AccountId, charge: Amount) -> Result<()> {
        let have = self.ledger.balance(self.ozone, user.into())?;
        if have < charge {
            return Err(StratosError::InsufficientOzone { user, have, needed: charge });
        }
        Ok(())
    }

    /// Refuses a delivery [`Requests::one_node`] would refuse: by the named `node`, one that
    /// cannot take it; drawn, when no node takes tasks.
    fn check_node(&mut self, node: Option<NodeIndex>) -> Result<()> {
        match node {
            Some(i) => self.check_nodes(&[i], 1, Amount::ZERO),
            None => self.check_capacity(),
        }
    }

    /// Refuses a drawn delivery when no node takes tasks (what [`Requests::one_node`] would).
    fn check_capacity(&self) -> Result<()> {
        if self.nodes.taking_tasks() == 0 {
            return Err(StratosError::NoCapacity { found: 0, needed: 1, size: Amount::ZERO });
        }
        Ok(())
    }

    /// Burns `charge` noz of `user`'s Ozone: no Ozone, no service.
    pub(in crate::engine) fn charge_ozone(
        &mut self,
        user: AccountId,
        charge: Amount,
    ) -> Result<()> {
        self.check_ozone(user, charge)?;
        self.ledger.burn(self.ozone, user.into(), charge)?;
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
        self.nodes.pick_named(ids, size).map_err(|i| match self.nodes.get(i) {
            Some(node) => {
                let (status, free) = (node.status, node.free());
                Refusal::CannotTakeTask { node: i, status, free, size }.into()
            }
            None => StratosError::NoSuchNode { node: i },
        })
    }

    /// The node that serves a delivery: `node`, or one drawn by weight among those taking
    /// tasks (the same draw as [`Requests::pick_nodes`] of one, without its lists).
    fn one_node(&mut self, node: Option<NodeIndex>) -> Result<NodeIndex> {
        match node {
            Some(i) => self.check_nodes(&[i], 1, Amount::ZERO).map(|()| i),
            None => self.nodes.pick_one(self.rng).ok_or(StratosError::NoCapacity {
                found: 0,
                needed: 1,
                size: Amount::ZERO,
            }),
        }
    }

    /// Chooses `k` distinct nodes taking tasks with at least `size` free, each by weight.
    fn pick_nodes(&mut self, k: usize, size: Amount) -> Result<()> {
        let found = self.nodes.pick_up_to(self.rng, k, size);
        if found < k {
            return Err(StratosError::NoCapacity { found, needed: k, size });
        }
        Ok(())
    }
}
