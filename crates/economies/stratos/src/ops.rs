//! The users' side of Stratos with typed arguments (account ids, node indices, amounts): PREPAY
//! (seed §1.2), the charges of upload, download and database query (§3.1), task assignment by
//! weight (§3.2) and gas. Replay's [`crate::actions`] resolves names and calls these; the
//! simulator calls them directly.
//!
//! Each operation runs as one transaction over the whole state ([`ergon_core::txn::atomic`]):
//! a rejection undoes every change it made. The cost is O(replicas · log nodes), never O(state).

use ergon_core::economy::Rejection;
use ergon_core::{AccountId, Amount, Error};

use crate::Stratos;
use crate::actions::{fmt_oz, fmt_stos, not_allowed};

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
    pub fn open(&mut self, name: &str) -> Result<AccountId, Rejection> {
        self.open_account(name)
    }

    /// Moves `amount` wei of STOS from `from` to `to`.
    pub fn transfer_stos(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Amount,
    ) -> Result<(), Rejection> {
        Ok(self.ledger.transfer(self.stos, from.into(), to.into(), amount)?)
    }

    /// Pays a gas fee of `amount` wei into the epoch's gas pool (validators and delegators only).
    pub fn pay_gas(&mut self, from: AccountId, amount: Amount) -> Result<(), Rejection> {
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
    ) -> Result<Prepaid, Rejection> {
        ergon_core::txn::atomic(self, |st| {
            if x.is_zero() {
                return Err(
                    Error::BelowMinimum { what: "prepay", amount: x, minimum: Amount(1) }.into()
                );
            }
            let p = st.volume_pool();
            let price_before = st.market.price_wei_per_oz(p);
            let bought = st.market.prepay_quote_for(st.params.profile, p, x)?;
            if bought.is_zero() || bought > st.market.l() {
                return Err(Rejection::new(
                    "ozone_limit",
                    format!(
                        "a prepay of {} STOS buys {} Oz, outside 0 < bought ≤ L = {} Oz",
                        fmt_stos(x),
                        fmt_oz(bought),
                        fmt_oz(st.market.l())
                    ),
                ));
            }
            st.ledger.transfer(st.stos, payer.into(), st.pools.volume.into(), x)?;
            st.ledger.mint(st.ozone_token, beneficiary.into(), bought)?;
            st.market.apply_prepay(bought)?;
            Ok(Prepaid { price_before, bought })
        })
    }

    /// Upload of `size` noz in `replicas` copies, charged size × replicas, each copy on a
    /// different node with room for it: the ones named in `nodes`, or chosen by weight.
    /// Returns the charge and the nodes.
    pub fn upload(
        &mut self,
        user: AccountId,
        size: Amount,
        replicas: u32,
        nodes: Option<&[u32]>,
    ) -> Result<(Amount, Vec<u32>), Rejection> {
        ergon_core::txn::atomic(self, |st| {
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
            let chosen = match nodes {
                Some(ids) => st.check_nodes(ids, replicas as usize, size)?,
                None => st.pick_nodes(replicas as usize, size)?,
            };
            st.serve(&chosen, size, true)?;
            Ok((charge, chosen))
        })
    }

    /// Download of `size` noz, charged the final delivery only, served by `node` or by a node
    /// chosen by weight. Returns the node.
    pub fn download(
        &mut self,
        user: AccountId,
        size: Amount,
        node: Option<u32>,
    ) -> Result<u32, Rejection> {
        ergon_core::txn::atomic(self, |st| {
            st.charge_ozone(user, size)?;
            let i = st.one_node(node)?;
            st.serve(&[i], size, false)?;
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
        node: Option<u32>,
    ) -> Result<(Amount, u32), Rejection> {
        ergon_core::txn::atomic(self, |st| {
            let touched = Amount(u128::from(touches)).checked_mul_int(NOZ_PER_TOUCH)?;
            let charge = size.checked_add(touched)?;
            st.charge_ozone(user, charge)?;
            let i = st.one_node(node)?;
            st.serve(&[i], charge, false)?;
            Ok((charge, i))
        })
    }

    /// Burns `charge` noz of `user`'s Ozone: no Ozone, no service.
    pub(crate) fn charge_ozone(
        &mut self,
        user: AccountId,
        charge: Amount,
    ) -> Result<(), Rejection> {
        let have = self.ledger.balance(self.ozone_token, user.into())?;
        if have < charge {
            return Err(Rejection::new(
                "insufficient_ozone",
                format!(
                    "{} has {} Oz, the request needs {} Oz: no Ozone, no service",
                    self.name(user),
                    fmt_oz(have),
                    fmt_oz(charge)
                ),
            ));
        }
        self.ledger.burn(self.ozone_token, user.into(), charge)?;
        Ok(())
    }

    /// Credits `noz` of traffic to each of `nodes` (and stores it, for uploads). Checks every
    /// sum before the first change.
    pub(crate) fn serve(
        &mut self,
        nodes: &[u32],
        noz: Amount,
        store: bool,
    ) -> Result<(), Rejection> {
        for &i in nodes {
            let n = &self.resource[i as usize];
            n.pending_traffic.checked_add(noz)?;
            if store {
                n.stored.checked_add(noz)?;
            }
        }
        for &i in nodes {
            let n = self.resource.get_mut(i as usize);
            if n.pending_traffic.is_zero() && !noz.is_zero() {
                self.with_traffic.push(i);
            }
            n.pending_traffic = Amount(n.pending_traffic.0 + noz.0);
            if store {
                n.stored = Amount(n.stored.0 + noz.0);
            }
        }
        Ok(())
    }

    /// Named nodes for a task of `size`: one per replica, distinct, taking tasks, with room.
    pub(crate) fn check_nodes(
        &self,
        ids: &[u32],
        replicas: usize,
        size: Amount,
    ) -> Result<Vec<u32>, Rejection> {
        if ids.len() != replicas {
            return Err(Error::InvalidParameter {
                name: "nodes".into(),
                value: ids.len().to_string(),
                reason: format!("one node per replica ({replicas})"),
            }
            .into());
        }
        let mut out = Vec::with_capacity(ids.len());
        for &i in ids {
            let node = self.resource.get(i as usize).ok_or_else(|| {
                Rejection::new("unknown_node", format!("no resource node with index {i}"))
            })?;
            if !node.takes_tasks() || node.free() < size || out.contains(&i) {
                return Err(not_allowed(format!(
                    "node {:?} cannot take this task (status {:?}, free {} Oz, needs {} Oz, each replica on a different node)",
                    self.name(node.owner),
                    node.status,
                    fmt_oz(node.free()),
                    fmt_oz(size)
                )));
            }
            out.push(i);
        }
        Ok(out)
    }

    fn one_node(&mut self, node: Option<u32>) -> Result<u32, Rejection> {
        match node {
            Some(i) => Ok(self.check_nodes(&[i], 1, Amount::ZERO)?[0]),
            None => Ok(self.pick_nodes(1, Amount::ZERO)?[0]),
        }
    }

    /// Chooses `k` distinct nodes taking tasks with at least `size` free, each by weight.
    pub(crate) fn pick_nodes(&mut self, k: usize, size: Amount) -> Result<Vec<u32>, Rejection> {
        let chosen = self.pick_up_to(k, size);
        if chosen.len() < k {
            return Err(Rejection::new(
                "no_capacity",
                format!(
                    "only {} active node(s) can take a task of {} Oz; {k} needed",
                    chosen.len(),
                    fmt_oz(size)
                ),
            ));
        }
        Ok(chosen)
    }

    /// Up to `k` distinct nodes with room for `size`, drawn by weight (fewer when fewer exist).
    pub(crate) fn pick_up_to(&mut self, k: usize, size: Amount) -> Vec<u32> {
        let mut chosen = Vec::with_capacity(k);
        let mut zeroed: Vec<(usize, u64)> = Vec::new();
        while chosen.len() < k {
            let Ok(i) = self.weights.sample(&mut self.rng) else { break };
            zeroed.push((i, self.weights.get(i)));
            self.weights.set(i, 0);
            if self.resource[i].free() >= size {
                chosen.push(i as u32);
            }
        }
        for (i, w) in zeroed.into_iter().rev() {
            self.weights.set(i, w);
        }
        chosen
    }
}
