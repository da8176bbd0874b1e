//! The life of a resource node (seed §3.2, §4): activation with a deposit, performance
//! measurement, suspension and reinstatement, mainnet slashing, unregistering (paper: with the
//! replica migration) and the deposit's return, and going offline. Each operation takes ids, runs as one
//! transaction over the whole state ([`ergon_core::txn::atomic`]) and returns what it did.
//!
//! The deposit term `S` and the Ozone limit `L` move under each profile: paper, a deposit adds
//! `L·Z/S` and a leaving node takes `L·Z₀/S` back (S constant); mainnet, the chain's `LegacyDec`
//! forms through [`crate::ozone::OzoneMarket`], and a suspended node's deposit leaves the
//! effective total.

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Epoch, Error, PerMill, mul_div};

use crate::Stratos;
use crate::error::{Refusal, Result, StratosError};
use crate::mainnet;
use crate::nodes::{NodeIndex, NodeStatus, ResourceNode, deposit_return_epoch};
use crate::params::Profile;

/// The two kinds of node, for the checks they share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::engine) enum NodeKind {
    Resource,
    Meta,
}

/// A node activated by [`Stratos::activate_node`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Activated {
    /// The new node.
    pub node: NodeIndex,
    /// The Ozone limit its deposit added, noz.
    pub limit_added: Amount,
    /// Its task weight.
    pub weight: u64,
}

/// A leaving node's replica migration: the Ozone one new copy of the data it stored needs,
/// bought at the constant product with its locked rewards first, then its deposit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Migration {
    /// Ozone needed (the data stored, once), noz; zero when it stored nothing.
    pub ozone: Amount,
    /// Ozone bought, noz.
    pub bought: Amount,
    /// STOS spent, wei.
    pub stos: Amount,
    /// Of it, from locked rewards, wei.
    pub from_rewards: Amount,
    /// Of it, from the deposit, wei.
    pub from_deposit: Amount,
    /// The node that took the new copy (none when no node had room for it).
    pub replicas_to: Vec<NodeIndex>,
}

/// What [`Stratos::unregister_node`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unregistered {
    /// The epoch the deposit returns.
    pub deposit_returns: Epoch,
    /// The replica migration.
    pub migration: Migration,
}

/// What [`Stratos::shutdown_node`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutDown {
    /// Whether the node had unregistered and its cooling-off had ended.
    pub after_cooling_off: bool,
    /// paper: locked rewards forfeited to their pools, wei.
    pub forfeited: Amount,
    /// The migration, when the node had not unregistered before.
    pub migration: Option<Migration>,
}

impl Stratos {
    /// The resource node of account `owner`, if it has one.
    #[must_use]
    pub fn node_of(&self, owner: AccountId) -> Option<NodeIndex> {
        self.nodes.node_of(owner)
    }

    /// Resource node `i`, or [`StratosError::NoSuchNode`].
    pub fn node(&self, i: NodeIndex) -> Result<&ResourceNode> {
        self.nodes.get(i).ok_or(StratosError::NoSuchNode { node: i })
    }

    /// Resource nodes taking tasks with a positive weight.
    #[must_use]
    pub fn nodes_taking_tasks(&self) -> usize {
        self.nodes.taking_tasks()
    }

    /// Activates a resource node of account `owner` with a deposit of `z` wei (moved to the
    /// deposits) and `capacity` noz of storage.
    pub fn activate_node(
        &mut self,
        owner: AccountId,
        z: Amount,
        capacity: Amount,
    ) -> Result<Activated> {
        atomic(self, |st| {
            let count = st.nodes.resource_nodes().len();
            let has = st.nodes.node_of(owner).is_some();
            st.admit(NodeKind::Resource, owner, has, count, st.params.max_resource_nodes, z)?;
            let (profile, rate) = (st.params.profile, st.params.deposit_noz_rate);
            let delta = st.market.deposit_limit_delta(profile, z, rate)?;
            st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), z)?;
            st.market.raise_limit(delta)?;
            if profile == Profile::Mainnet {
                st.market.add_deposit_term(z)?;
            }
            let node = ResourceNode::new(owner, z, delta, capacity, st.epoch);
            let weight = node.task_weight(profile);
            let i = st.nodes.add_resource(node);
            st.sync_stake(owner)?;
            Ok(Activated { node: i, limit_added: delta, weight })
        })
    }

    /// A meta node's measurement of node `i`: its score (parts per million of the KPI met) sets
    /// its task weight; an active node below the KPI is suspended. Returns whether it was
    /// suspended now.
    pub fn report_performance(&mut self, i: NodeIndex, score: PerMill) -> Result<bool> {
        let score_ppm = score.parts();
        atomic(self, |st| {
            let n = st.node(i)?;
            let suspend = n.status == NodeStatus::Active && score_ppm < st.params.kpi_min_ppm;
            if suspend {
                st.set_suspended(i, true)?;
            }
            st.nodes.set_performance(i, score_ppm);
            Ok(suspend)
        })
    }

    /// Reinstates suspended node `i` whose score meets the KPI again.
    pub fn reinstate(&mut self, i: NodeIndex) -> Result<()> {
        atomic(self, |st| {
            let n = st.node(i)?;
            let kpi_ppm = st.params.kpi_min_ppm;
            if n.status != NodeStatus::Suspended || n.performance_ppm < kpi_ppm {
                let (status, score_ppm) = (n.status, n.performance_ppm);
                return Err(Refusal::CannotReinstate { node: i, status, score_ppm, kpi_ppm }.into());
            }
            st.set_suspended(i, false)?;
            Ok(())
        })
    }

    /// mainnet: meta nodes report `y` noz of bad service by node `i` (the chain's
    /// `SlashingResourceNode`). The slash is the reward that traffic would earn at the constant
    /// product before any suspension, `TruncateInt((S + P)·Y / (L + Y))`, added to the owner's
    /// slashing; nothing moves now (maturing rewards and returned deposits pay it later). With
    /// `suspend`, an active node is suspended, and an unregistering one's deposit kept in S
    /// leaves S and L as a suspension's (the chain's unbonding keeps its effective tokens).
    /// Returns the slash and whether the node was suspended now.
    pub fn slash(&mut self, i: NodeIndex, y: Amount, suspend: bool) -> Result<(Amount, bool)> {
        atomic(self, |st| {
            let n = *st.node(i)?;
            if st.params.profile != Profile::Mainnet {
                return Err(Refusal::SlashingIsMainnet.into());
            }
            if n.status == NodeStatus::Exited {
                return Err(Refusal::SlashExited(i).into());
            }
            let (s, p, l) = (st.market.s(), st.volume_pool(), st.market.l());
            let amount = Amount(mainnet::traffic_reward(s, p, l, y)?.truncate_int()?);
            let owed = st.slashing_of(n.owner).checked_add(amount)?;
            let kept = match n.status {
                NodeStatus::Unregistering { .. } if suspend => st.kept_by_node.get(&i).copied(),
                _ => None,
            };
            let suspend_now = suspend && (n.status == NodeStatus::Active || kept.is_some());
            if let Some(z) = kept {
                // The chain's `UnbondResourceNode` left the node's effective tokens and no
                // suspension flag, so `SlashingResourceNode` still takes them out of S and L.
                let rate = mainnet::deposit_rate(st.params.deposit_noz_rate);
                let debt = st.market.suspend_kept_mainnet(z, rate)?;
                st.kept_by_node.remove(&i);
                if !debt.is_zero() {
                    st.limit_debts.insert(i, debt);
                }
            } else if suspend_now {
                st.set_suspended(i, true)?;
            }
            if !owed.is_zero() {
                st.slashing.insert(n.owner, owed);
            }
            Ok((amount, suspend_now))
        })
    }

    /// The slashing `owner` still owes (mainnet).
    #[must_use]
    pub fn slashing_of(&self, owner: AccountId) -> Amount {
        self.slashing.get(&owner).copied().unwrap_or_default()
    }

    /// Unregisters node `i`: paper, the Ozone limit falls and the replica migration is paid;
    /// mainnet, S and L stay (the chain's `UnbondResourceNode`). The deposit is scheduled to
    /// return after the cooling-off and the lock.
    pub fn unregister_node(&mut self, i: NodeIndex) -> Result<Unregistered> {
        atomic(self, |st| st.unregister_inner(i))
    }

    fn unregister_inner(&mut self, i: NodeIndex) -> Result<Unregistered> {
        let n = *self.node(i)?;
        if !matches!(n.status, NodeStatus::Active | NodeStatus::Suspended | NodeStatus::Registered)
        {
            return Err(Refusal::CannotUnregister(i, n.status).into());
        }
        match self.params.profile {
            Profile::Paper => {
                // L −= L·Z/S with Z the initial deposit (seed §4.4); L·Z/(S+Z) when Z ≥ S.
                let delta = self.market.exit_limit_delta_paper(n.initial_deposit)?;
                let limit = self.market.l();
                self.market.lower_limit(delta).map_err(|_| StratosError::LimitBelowUnregister {
                    node: i,
                    delta,
                    limit,
                })?;
            }
            // The chain's `UnbondResourceNode` moves neither S nor L: the effective deposit
            // stays in S.
            Profile::Mainnet if n.status == NodeStatus::Active => {
                self.market.keep_deposit_mainnet(n.effective)?;
                if !n.effective.is_zero() {
                    self.kept_by_node.insert(i, n.effective);
                }
            }
            Profile::Mainnet => {}
        }
        self.nodes.set_status(i, NodeStatus::Suspended); // no tasks meanwhile
        self.nodes.set_effective(i, Amount::ZERO);
        let migration = self.pay_migration(i)?;
        let (lock, cooling) = (self.params.deposit_lock_epochs, self.params.exit_cooling_epochs);
        let returns = deposit_return_epoch(n.activated, self.epoch, lock, cooling);
        let deposit = self.nodes.resource(i).deposit;
        let pool = self.pools.deposits;
        self.deposit_returns.lock(
            &mut self.ledger,
            pool.into(),
            n.owner,
            deposit,
            returns,
            pool,
        )?;
        if deposit.is_zero() {
            self.empty_returns.insert((returns, n.owner), ());
        }
        self.nodes.set_deposit(i, Amount::ZERO);
        let since = self.epoch;
        self.nodes.set_status(i, NodeStatus::Unregistering { since, deposit_returns: returns });
        self.sync_stake(n.owner)?;
        Ok(Unregistered { deposit_returns: returns, migration })
    }

    /// Node `i` goes offline. An active or suspended node unregisters first (migration
    /// included). paper: before its cooling-off ends, its owner's locked rewards are forfeited
    /// to their pools.
    pub fn shutdown_node(&mut self, i: NodeIndex) -> Result<ShutDown> {
        atomic(self, |st| {
            let n = *st.node(i)?;
            let cooled = matches!(n.status, NodeStatus::Unregistering { since, .. }
                if st.epoch >= since.plus(st.params.exit_cooling_epochs));
            let migration = match n.status {
                NodeStatus::Active | NodeStatus::Suspended | NodeStatus::Registered => {
                    Some(st.unregister_inner(i)?.migration)
                }
                NodeStatus::Exited => return Err(Refusal::AlreadyExited(i).into()),
                // A second shutdown would forfeit what the owner's meta node earned since.
                NodeStatus::Unregistering { .. } if n.offline => {
                    return Err(Refusal::AlreadyShutDown(i).into());
                }
                NodeStatus::Unregistering { .. } => None,
            };
            let (mut forfeited, mut unmined) = (Amount::ZERO, Amount::ZERO);
            if !cooled && st.params.profile == Profile::Paper {
                let locks = st.reward_locks.forfeit(&mut st.ledger, n.owner)?;
                let [volume, mining] = st.forfeit_deposit_rewards(n.owner)?;
                for (pool, a) in locks.into_iter().chain([(st.pools.volume, volume)]) {
                    forfeited = forfeited.checked_add(a)?;
                    if pool == st.pools.mining {
                        unmined = unmined.checked_add(a)?;
                    }
                }
                forfeited = forfeited.checked_add(mining)?;
                unmined = unmined.checked_add(mining)?;
            }
            // What returns to the mining pool is mined again later: it leaves the mined total,
            // which decides the tier and the end of issuance (set last: nothing below fails).
            let total_mined = st.total_mined.checked_sub(unmined)?;
            if !matches!(st.nodes.resource(i).status, NodeStatus::Unregistering { .. }) {
                st.nodes.set_status(i, NodeStatus::Exited);
            }
            // paper: it earns nothing after it leaves; its unsettled traffic is dropped at the
            // next close. mainnet: the chain pays whatever a volume report names.
            if st.params.profile == Profile::Paper {
                st.nodes.set_offline(i);
            }
            st.total_mined = total_mined;
            Ok(ShutDown { after_cooling_off: cooled, forfeited, migration })
        })
    }

    /// Whether `owner` may add a node of `kind` with a deposit of `z` wei: it has none of that
    /// kind (`has`), the network holds fewer than `max` (it holds `count`), the deposit is
    /// positive and, for a resource node, at least `resource_node_min_deposit` (the chain's
    /// `RegisterResourceNode`: `ErrInsufficientDeposit`).
    pub(in crate::engine) fn admit(
        &self,
        kind: NodeKind,
        owner: AccountId,
        has: bool,
        count: usize,
        max: u32,
        z: Amount,
    ) -> Result<()> {
        let (node, nodes, deposit) = match kind {
            NodeKind::Resource => ("resource node", "resource nodes", "resource-node deposit"),
            NodeKind::Meta => ("meta node", "meta nodes", "meta-node deposit"),
        };
        if has {
            let name = self.account_name(owner).to_owned();
            return Err(Error::Duplicate { kind: node, name }.into());
        }
        room_for(nodes, count, max)?;
        let minimum = match kind {
            NodeKind::Resource => self.params.least_resource_deposit(),
            NodeKind::Meta => Amount(1),
        };
        if z < minimum {
            return Err(Error::BelowMinimum { what: deposit, amount: z, minimum }.into());
        }
        Ok(())
    }

    /// mainnet: a deposit of `z` wei leaves the effective total
    /// ([`crate::ozone::OzoneMarket::remove_deposit_mainnet`]).
    pub(in crate::engine) fn mainnet_remove_deposit(&mut self, z: Amount) -> Result<()> {
        let rate = mainnet::deposit_rate(self.params.deposit_noz_rate);
        self.market.remove_deposit_mainnet(z, rate)?;
        Ok(())
    }

    /// Suspends (`true`) or reinstates (`false`) node `i`; mainnet moves its effective deposit
    /// out of or back into the effective total
    /// ([`crate::ozone::OzoneMarket::remove_deposit_mainnet`] and
    /// [`crate::ozone::OzoneMarket::reinstate_deposit_mainnet`]), keeping what the suspension
    /// could not take from L as the node's limit debt, which its reinstatement takes off.
    fn set_suspended(&mut self, i: NodeIndex, suspend: bool) -> Result<()> {
        let z = self.nodes.resource(i).effective;
        if self.params.profile == Profile::Mainnet {
            let rate = mainnet::deposit_rate(self.params.deposit_noz_rate);
            let debt = self.limit_debts.get(&i).copied().unwrap_or_default();
            let owed = if suspend {
                debt.checked_add(self.market.remove_deposit_mainnet(z, rate)?)?
            } else {
                self.market.reinstate_deposit_mainnet(z, rate, debt)?
            };
            if owed.is_zero() {
                self.limit_debts.remove(&i);
            } else {
                self.limit_debts.insert(i, owed);
            }
        }
        let status = if suspend { NodeStatus::Suspended } else { NodeStatus::Active };
        self.nodes.set_status(i, status);
        Ok(())
    }

    /// paper: a leaving node pays the replica migration of the data it stored (seed §4.4): one
    /// new copy of each copy it held, so its stored data once, charged like an upload of that
    /// size. The STOS that buys that Ozone comes from its locked rewards first, then its
    /// deposit; the Ozone is then spent uploading the copy to another node. mainnet: nothing
    /// (the chain's `UnbondResourceNode` returns the whole deposit less slashing).
    fn pay_migration(&mut self, i: NodeIndex) -> Result<Migration> {
        let n = *self.nodes.resource(i);
        let needed = n.stored;
        if needed.is_zero() || self.params.profile == Profile::Mainnet {
            return Ok(Migration::default());
        }
        // The STOS that buys `needed` Ozone at the constant product: ⌈needed·(S+P)/(L−needed)⌉.
        let limit = self.market.l();
        let room = limit
            .checked_sub(needed)
            .ok()
            .filter(|r| !r.is_zero())
            .ok_or(StratosError::LimitBelowMigration { node: i, needed, limit })?;
        let sp = self.market.s().checked_add(self.volume_pool())?;
        let cost = Amount(mul_div(needed.0, sp.0, room.0, ergon_core::Rounding::Up)?);
        // Unvested rewards first: the node rewards' locks, then the deposit rewards' locked
        // part, each newest first.
        let owner = n.owner;
        let from_locks = self.reward_locks.deduct(&mut self.ledger, owner, cost, owner.into())?;
        let rest = cost.checked_sub(from_locks)?;
        let from_rewards =
            from_locks.checked_add(self.deduct_deposit_rewards(owner, rest, owner.into())?)?;
        let from_deposit = cost.checked_sub(from_rewards)?;
        let deposit = n.deposit;
        if from_deposit > deposit {
            let locked = from_rewards;
            return Err(StratosError::InsufficientDeposit { node: i, cost, locked, deposit });
        }
        let pool = self.pools.deposits;
        self.ledger.transfer(self.stos, pool.into(), owner.into(), from_deposit)?;
        self.nodes.set_deposit(i, deposit.checked_sub(from_deposit)?);
        let bought = self.prepay(owner, owner, cost)?.bought;
        // The copy goes to one node with room, drawn by weight (none when none has room; the
        // Ozone then stays the owner's).
        let placed = self.nodes.pick_up_to(&mut self.rng, 1, needed);
        let replicas_to = self.nodes.picked().to_vec();
        debug_assert_eq!(placed, replicas_to.len());
        for &target in &replicas_to {
            self.requests().charge_ozone(owner, needed)?;
            self.nodes.serve(&[target], needed, true)?;
        }
        self.nodes.clear_stored(i);
        Ok(Migration { ozone: needed, bought, stos: cost, from_rewards, from_deposit, replicas_to })
    }

    /// Deducts the owners' slashing from what was just `paid` to them (maturing rewards or
    /// returned deposits), to the community pool: min(paid, owed) each time, the rest still owed
    /// (the chain's `DeductSlashing`). Returns the total deducted. O(paid) when nobody owes
    /// anything.
    pub(in crate::engine) fn deduct_slashing(
        &mut self,
        paid: impl Iterator<Item = (AccountId, Amount)>,
    ) -> Result<Amount> {
        let mut total = Amount::ZERO;
        if self.slashing.is_empty() {
            return Ok(total);
        }
        for (owner, amount) in paid {
            let Some(&owed) = self.slashing.get(&owner) else { continue };
            let take = amount.min(owed);
            self.ledger.transfer(self.stos, owner.into(), self.pools.community.into(), take)?;
            let left = owed.checked_sub(take)?;
            if left.is_zero() {
                self.slashing.remove(&owner);
            } else {
                self.slashing.insert(owner, left);
            }
            total = total.checked_add(take)?;
        }
        Ok(total)
    }
}

/// Whether a network holding `count` of `nodes` (at most `max`) has room for one more.
pub(in crate::engine) fn room_for(nodes: &str, count: usize, max: u32) -> Result<()> {
    if count as u64 >= u64::from(max) {
        return Err(Error::LimitReached { what: nodes.into(), limit: u64::from(max) }.into());
    }
    Ok(())
}
