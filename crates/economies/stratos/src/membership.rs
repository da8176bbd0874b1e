//! The life of nodes (seed §3.2, §4): resource-node activation, performance suspension and
//! reinstatement, unregistering with the replica migration and the deposit's return; meta-node
//! registration, foundation approval, votes and kicks; the deposit term `S` and the Ozone limit
//! `L` they move under each profile.

use ergon_core::economy::Rejection;
use ergon_core::{Amount, Error};
use serde_json::{Value, json};

use crate::Stratos;
use crate::actions::{fmt_oz, fmt_stos, not_allowed};
use crate::epoch::task_weight;
use crate::mainnet;
use crate::nodes::{MetaStatus, NodeStatus, ResourceNode, approvals_needed, deposit_return_epoch};
use crate::params::Profile;

pub(crate) fn activate(
    st: &mut Stratos,
    node: &str,
    z: Amount,
    capacity: Amount,
) -> Result<Value, Rejection> {
    let owner = st.account_id(node)?;
    if st.resource_ids.contains_key(node) {
        return Err(Error::Duplicate { kind: "resource node", name: node.to_owned() }.into());
    }
    if st.resource.len() as u32 >= st.params.max_resource_nodes {
        return Err(Error::LimitReached {
            what: "resource nodes".into(),
            limit: u64::from(st.params.max_resource_nodes),
        }
        .into());
    }
    if z.is_zero() {
        return Err(Error::BelowMinimum {
            what: "resource-node deposit",
            amount: z,
            minimum: Amount(1),
        }
        .into());
    }
    let delta = st.market.deposit_limit_delta(st.params.profile, z, st.params.deposit_noz_rate)?;
    st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), z)?;
    st.market.raise_limit(delta)?;
    if st.params.profile == Profile::Mainnet {
        st.market.add_deposit_term(z)?;
    }
    let node_rec = ResourceNode::new(owner, z, delta, capacity, st.epoch);
    let w = task_weight(st.params.profile, &node_rec);
    st.resource_ids.insert(node.to_owned(), st.resource.len() as u32);
    st.resource.push(node_rec);
    st.weights.push(w);
    st.sync_stake(owner)?;
    Ok(
        json!({"event": "node_activated", "node": node, "deposit": fmt_stos(z), "ozone_limit_added": fmt_oz(delta), "weight": w}),
    )
}

/// Unregisters resource node `i`: the Ozone limit falls, the replica migration is paid, the
/// deposit is scheduled to return. Returns the return epoch and the migration report.
pub(crate) fn unregister(
    st: &mut Stratos,
    i: u32,
) -> Result<(ergon_core::Epoch, Value), Rejection> {
    let now = st.epoch;
    let n = st.resource[i as usize].clone();
    if !matches!(n.status, NodeStatus::Active | NodeStatus::Suspended) {
        return Err(not_allowed(format!(
            "node {:?} is {:?}: only an active or suspended node can unregister",
            st.node_name(i), n.status
        )));
    }
    match st.params.profile {
        Profile::Paper => {
            // L −= L·Z/S with Z the initial deposit (seed §4.4).
            let delta = st.market.deposit_limit_delta(
                Profile::Paper,
                n.initial_deposit,
                st.params.deposit_noz_rate,
            )?;
            st.market.lower_limit(delta).map_err(|_| {
                Rejection::new(
                    "ozone_limit",
                    format!(
                        "unregistering {:?} would take {} Oz from L = {} Oz",
                        st.node_name(i),
                        fmt_oz(delta),
                        fmt_oz(st.market.l())
                    ),
                )
            })?;
        }
        Profile::Mainnet => {
            if n.status == NodeStatus::Active {
                st.mainnet_remove_deposit(n.deposit)?;
            }
        }
    }
    st.resource.get_mut(i as usize).status = NodeStatus::Suspended; // no tasks during the migration
    st.refresh_weight(i);
    let migration = st.pay_migration(i)?;
    let returns = deposit_return_epoch(
        n.activated,
        now,
        st.params.deposit_lock_epochs,
        st.params.exit_cooling_epochs,
    );
    let deposit = st.resource[i as usize].deposit;
    st.deposit_returns.lock(
        &mut st.ledger,
        st.pools.deposits.into(),
        n.owner,
        deposit,
        returns,
        st.pools.deposits,
    )?;
    st.resource.get_mut(i as usize).deposit = Amount::ZERO;
    st.resource.get_mut(i as usize).status =
        NodeStatus::Unregistering { since: now, deposit_returns: returns };
    st.sync_stake(n.owner)?;
    Ok((returns, migration))
}

impl Stratos {
    pub(crate) fn node_index(&self, name: &str) -> Result<u32, Rejection> {
        self.resource_ids.get(name).copied().ok_or_else(|| {
            Rejection::new("unknown_node", format!("no resource node named {name:?}"))
        })
    }

    pub(crate) fn meta_index(&self, name: &str) -> Result<u32, Rejection> {
        self.meta_ids
            .get(name)
            .copied()
            .ok_or_else(|| Rejection::new("unknown_node", format!("no meta node named {name:?}")))
    }

    pub(crate) fn active_meta(&self, name: &str) -> Result<u32, Rejection> {
        let m = self.meta_index(name)?;
        if !self.meta[m as usize].is_active() {
            return Err(not_allowed(format!("meta node {name:?} is not active")));
        }
        Ok(m)
    }

    pub(crate) fn validator_id(
        &self,
        operator: &str,
    ) -> Result<ergon_core::ValidatorId, Rejection> {
        let op = self.account_id(operator)?;
        self.staking.validator_of(op).ok_or_else(|| {
            Rejection::new("unknown_validator", format!("account {operator:?} runs no validator"))
        })
    }

    pub(crate) fn active_meta_count(&self) -> u32 {
        self.meta.iter().filter(|m| m.is_active()).count() as u32
    }

    /// Activates candidate `m` when the foundation approved it and the vote passed.
    pub(crate) fn try_activate_meta(&mut self, m: u32) -> Result<bool, Rejection> {
        let needed = approvals_needed(self.active_meta_count());
        let MetaStatus::Candidate { foundation_approved: true, vote } =
            &self.meta[m as usize].status
        else {
            return Ok(false);
        };
        if (vote.approvals.len() as u32) < needed {
            return Ok(false);
        }
        let z = self.meta[m as usize].deposit;
        let delta = self.market.deposit_limit_delta(
            self.params.profile,
            z,
            self.params.deposit_noz_rate,
        )?;
        self.market.raise_limit(delta)?;
        if self.params.profile == Profile::Mainnet {
            self.market.add_deposit_term(z)?;
        }
        let meta = self.meta.get_mut(m as usize);
        meta.limit_added = delta;
        meta.activated = self.epoch;
        meta.status = MetaStatus::Active { kick: None };
        let owner = meta.owner;
        self.sync_stake(owner)?;
        Ok(true)
    }

    /// Kicks active meta node `m` when its kick vote passed.
    pub(crate) fn try_kick_meta(&mut self, m: u32) -> Result<bool, Rejection> {
        let voters = self.active_meta_count().saturating_sub(1);
        let MetaStatus::Active { kick: Some(vote) } = &self.meta[m as usize].status else {
            return Ok(false);
        };
        if (vote.approvals.len() as u32) < approvals_needed(voters) {
            return Ok(false);
        }
        let meta = self.meta[m as usize].clone();
        match self.params.profile {
            Profile::Paper => {
                let delta = self.market.deposit_limit_delta(
                    Profile::Paper,
                    meta.deposit,
                    self.params.deposit_noz_rate,
                )?;
                self.market.lower_limit(delta)?;
            }
            Profile::Mainnet => {
                // The chain refuses to unbond a meta node whose deposit would take L below zero
                // (`x/register` `UnbondMetaNode`: `IsUnbondable`, else `ErrInsufficientBalance`).
                let rate = mainnet::deposit_rate(self.params.deposit_noz_rate);
                if !mainnet::is_unbondable(self.market.l(), meta.deposit, rate)? {
                    return Err(Rejection::new(
                        "ozone_limit",
                        format!(
                            "meta node {:?} cannot leave: its deposit of {} STOS is {} Oz of limit, L is {} Oz (the chain's IsUnbondable)",
                            self.meta_name(m),
                            fmt_stos(meta.deposit),
                            fmt_oz(Amount(meta.deposit.0 / self.params.deposit_noz_rate)),
                            fmt_oz(self.market.l())
                        ),
                    ));
                }
                self.mainnet_remove_deposit(meta.deposit)?;
            }
        }
        let returns = deposit_return_epoch(
            meta.activated,
            self.epoch,
            self.params.deposit_lock_epochs,
            self.params.exit_cooling_epochs,
        );
        self.deposit_returns.lock(
            &mut self.ledger,
            self.pools.deposits.into(),
            meta.owner,
            meta.deposit,
            returns,
            self.pools.deposits,
        )?;
        self.meta.get_mut(m as usize).deposit = Amount::ZERO;
        self.meta.get_mut(m as usize).status = MetaStatus::Gone { deposit_returns: returns };
        self.sync_stake(meta.owner)?;
        Ok(true)
    }

    /// mainnet: a deposit of `z` wei leaves the effective total: S −= Z, and L falls as the
    /// chain's `DecreaseOzoneLimitBySubtractDeposit`, `TruncateInt(Dec(L) − Dec(Z)/rate)`, when
    /// `IsUnbondable` (L ≥ Z/rate, compared as decimals); otherwise L stays (the chain's
    /// suspension would store a negative limit, its effective-deposit update skips the change).
    /// Changes nothing when it fails.
    pub(crate) fn mainnet_remove_deposit(&mut self, z: Amount) -> Result<(), Rejection> {
        let rate = mainnet::deposit_rate(self.params.deposit_noz_rate);
        Ok(self.market.remove_deposit_mainnet(z, rate)?)
    }

    /// Suspends (`true`) or reinstates (`false`) node `i`; mainnet moves its deposit out of or
    /// back into the effective total ([`Stratos::mainnet_remove_deposit`]; the chain's
    /// `IncreaseOzoneLimitByAddDeposit` through [`crate::ozone::OzoneMarket::deposit_limit_delta`]).
    /// Changes nothing when it fails.
    pub(crate) fn set_suspended(&mut self, i: u32, suspend: bool) -> Result<(), Rejection> {
        let z = self.resource[i as usize].deposit;
        if self.params.profile == Profile::Mainnet {
            if suspend {
                self.mainnet_remove_deposit(z)?;
            } else {
                let dl = self.market.deposit_limit_delta(
                    Profile::Mainnet,
                    z,
                    self.params.deposit_noz_rate,
                )?;
                let mut market = self.market;
                market.raise_limit(dl)?;
                market.add_deposit_term(z)?;
                self.market = market;
            }
        }
        self.resource.get_mut(i as usize).status =
            if suspend { NodeStatus::Suspended } else { NodeStatus::Active };
        Ok(())
    }

    /// A meta node's measurement of resource node `i`: its score (parts per million of the KPI
    /// met) sets its task weight; an active node below the KPI is suspended. Returns whether it
    /// was suspended now.
    pub fn report_performance(&mut self, i: u32, score_ppm: u32) -> Result<bool, Rejection> {
        let n = self.resource.get(i as usize).ok_or_else(|| {
            Rejection::new("unknown_node", format!("no resource node with index {i}"))
        })?;
        let suspend = n.status == NodeStatus::Active && score_ppm < self.params.kpi_min_ppm;
        if suspend {
            self.set_suspended(i, true)?;
        }
        self.resource.get_mut(i as usize).performance_ppm = score_ppm;
        self.refresh_weight(i);
        Ok(suspend)
    }

    /// Reinstates suspended node `i` whose score meets the KPI again.
    pub fn reinstate(&mut self, i: u32) -> Result<(), Rejection> {
        let n = self.resource.get(i as usize).ok_or_else(|| {
            Rejection::new("unknown_node", format!("no resource node with index {i}"))
        })?;
        if n.status != NodeStatus::Suspended || n.performance_ppm < self.params.kpi_min_ppm {
            return Err(not_allowed(format!(
                "node {:?} is {:?} with score {} ppm; reinstating needs a suspended node meeting the KPI ({} ppm)",
                self.node_name(i), n.status, n.performance_ppm, self.params.kpi_min_ppm
            )));
        }
        self.set_suspended(i, false)?;
        self.refresh_weight(i);
        Ok(())
    }

    /// mainnet: meta nodes report `y` noz of bad service by resource node `i` (the chain's
    /// `SlashingResourceNode`). The slash is the reward that traffic would earn at the constant
    /// product before any suspension, `TruncateInt((S + P)·Y / (L + Y))`, added to the owner's
    /// slashing; nothing moves now ([`Stratos::deduct_slashing`] takes it later). With
    /// `suspend`, an active node is suspended (S and L fall as for any suspension). Returns the
    /// slash and whether the node was suspended now.
    pub(crate) fn slash(
        &mut self,
        i: u32,
        y: Amount,
        suspend: bool,
    ) -> Result<(Amount, bool), Rejection> {
        let n = &self.resource[i as usize];
        if self.params.profile != Profile::Mainnet {
            return Err(not_allowed(
                "slashing is a mainnet rule: the seed gives no slashing amounts".to_owned(),
            ));
        }
        if n.status == NodeStatus::Exited {
            return Err(not_allowed(format!("node {:?} has exited", self.node_name(i))));
        }
        let (owner, active) = (n.owner, n.status == NodeStatus::Active);
        let r = mainnet::traffic_reward(self.market.s(), self.volume_pool(), self.market.l(), y)?;
        let amount = Amount(r.truncate_int()?);
        let owed = self.slashing_of(owner).checked_add(amount)?;
        let suspend_now = suspend && active;
        if suspend_now {
            self.set_suspended(i, true)?;
            self.refresh_weight(i);
        }
        if !owed.is_zero() {
            self.slashing.insert(owner, owed);
        }
        Ok((amount, suspend_now))
    }

    /// mainnet: the slashing `owner` still owes.
    pub(crate) fn slashing_of(&self, owner: ergon_core::AccountId) -> Amount {
        self.slashing.get(&owner).copied().unwrap_or_default()
    }

    /// Deducts the owners' slashing from what was just `paid` to them (maturing rewards or
    /// returned deposits), to the community pool: min(paid, owed) each time, the rest still owed
    /// (the chain's `DeductSlashing`). Returns the total deducted. O(paid) when nobody owes
    /// anything.
    pub(crate) fn deduct_slashing(
        &mut self,
        paid: &[ergon_core::Released],
    ) -> Result<Amount, Rejection> {
        let mut total = Amount::ZERO;
        if self.slashing.is_empty() {
            return Ok(total);
        }
        for r in paid {
            let Some(&owed) = self.slashing.get(&r.owner) else { continue };
            let take = r.amount.min(owed);
            self.ledger.transfer(self.stos, r.owner.into(), self.pools.community.into(), take)?;
            let left = owed.checked_sub(take)?;
            if left.is_zero() {
                self.slashing.remove(&r.owner);
            } else {
                self.slashing.insert(r.owner, left);
            }
            total = total.checked_add(take)?;
        }
        Ok(total)
    }

    pub(crate) fn refresh_weight(&mut self, i: u32) {
        let n = &self.resource[i as usize];
        let w = if n.takes_tasks() { task_weight(self.params.profile, n) } else { 0 };
        self.weights.set(i as usize, w);
    }

    /// A leaving node pays the replica migration of its stored data (stored × replicas,
    /// charged as uploads): the STOS that buys that Ozone comes from its locked rewards first,
    /// then its deposit; the Ozone is then spent uploading the replicas to other nodes.
    pub(crate) fn pay_migration(&mut self, i: u32) -> Result<Value, Rejection> {
        let n = self.resource[i as usize].clone();
        let replicas = self.params.default_replicas;
        let needed = n.stored.checked_mul_int(u128::from(replicas))?;
        if needed.is_zero() {
            return Ok(json!({"ozone": "0", "stos": "0"}));
        }
        // The STOS that buys `needed` Ozone at the constant product: ⌈needed·(S+P)/(L−needed)⌉.
        let p = self.volume_pool();
        let room =
            self.market.l().checked_sub(needed).ok().filter(|r| !r.is_zero()).ok_or_else(|| {
                Rejection::new(
                    "ozone_limit",
                    format!(
                        "the migration of node {:?} needs {} Oz, L is {} Oz",
                        self.node_name(i),
                        fmt_oz(needed),
                        fmt_oz(self.market.l())
                    ),
                )
            })?;
        let cost = Amount(ergon_core::mul_div(
            needed.0,
            self.market.s().checked_add(p)?.0,
            room.0,
            ergon_core::Rounding::Up,
        )?);
        // Unvested rewards first: the node rewards' locks, then the deposit rewards' locked
        // part, each newest first.
        let from_locks =
            self.reward_locks.deduct(&mut self.ledger, n.owner, cost, n.owner.into())?;
        let from_rewards = from_locks.checked_add(self.deduct_deposit_rewards(
            n.owner,
            cost.checked_sub(from_locks)?,
            n.owner.into(),
        )?)?;
        let from_deposit = cost.checked_sub(from_rewards)?;
        let deposit = self.resource[i as usize].deposit;
        if from_deposit > deposit {
            return Err(Rejection::new(
                "insufficient_deposit",
                format!(
                    "node {:?} owes {} STOS of migration, has {} locked and {} deposited",
                    self.node_name(i),
                    fmt_stos(cost),
                    fmt_stos(from_rewards),
                    fmt_stos(deposit)
                ),
            ));
        }
        self.ledger.transfer(
            self.stos,
            self.pools.deposits.into(),
            n.owner.into(),
            from_deposit,
        )?;
        self.resource.get_mut(i as usize).deposit = deposit.checked_sub(from_deposit)?;
        let bought = self.prepay(n.owner, n.owner, cost)?.bought;
        // The replicas go to distinct nodes with room (fewer when fewer exist; the Ozone left
        // over stays the owner's).
        let mut placed = Vec::new();
        let per_replica = n.stored;
        for target in self.pick_up_to(replicas as usize, per_replica) {
            self.charge_ozone(n.owner, per_replica)?;
            self.serve(&[target], per_replica, true)?;
            placed.push(self.node_name(target).to_owned());
        }
        self.resource.get_mut(i as usize).stored = Amount::ZERO;
        Ok(
            json!({"ozone": fmt_oz(needed), "bought": fmt_oz(bought), "stos": fmt_stos(cost), "from_rewards": fmt_stos(from_rewards),
                  "from_deposit": fmt_stos(from_deposit), "replicas_to": placed}),
        )
    }
}
