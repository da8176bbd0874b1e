//! [`NodeRegistry`]: every resource and meta node, by index and by owner, with the task weights
//! and the index of nodes with pending traffic that follow from them, and running totals over
//! them. Its fields are private: a node changes only through the registry's methods, which keep
//! its invariants — each resource node's weight is [`ResourceNode::task_weight`] of it now, the
//! traffic index lists exactly the nodes with pending traffic, each owner has at most one node
//! of each kind, the [`NodeTotals`] are the sums over the nodes — and
//! [`NodeRegistry::check_invariants`] verifies them (in full, or for the nodes changed since the
//! last check: [`NodeRegistry::check_touched`]). Every change is journaled while a transaction
//! is open.
//!
//! Submodules: `draws` (task assignment and the traffic it credits), `meta` (meta nodes and
//! their votes), `checks` (the invariants).

mod checks;
mod draws;
mod meta;

use ergon_core::txn::{Keyed, Snapshot, Table};
use ergon_core::{AccountId, Amount, Epoch, Error, SumTree, Touched};

use super::{MetaIndex, MetaNode, NodeIndex, NodeStatus, ResourceNode};
use crate::params::Profile;

/// Sums over the nodes, kept by every change of a node (and journaled with it): what the
/// economy's books are checked against after each step without walking the nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeTotals {
    /// Σ deposits of resource and meta nodes, wei: what the deposits pool holds.
    pub deposits: u128,
    /// Σ effective deposits of active resource nodes and deposits of active meta nodes, wei:
    /// mainnet's S less what stays in it ([`crate::ozone::OzoneMarket::s_kept`]).
    pub active: u128,
    /// Σ pending traffic, noz.
    pub pending: u128,
    /// Resource nodes with pending traffic.
    pub with_traffic: u32,
    /// paper: resource nodes that have shut down, whose pending traffic a close drops.
    pub offline: u32,
}

impl NodeTotals {
    /// Adds (`add`) or takes away a resource node's share.
    fn resource(&mut self, n: &ResourceNode, add: bool) {
        let active = if n.status == NodeStatus::Active { n.effective.0 } else { 0 };
        self.apply(n.deposit.0, active, add);
        let offline = u32::from(n.offline);
        self.offline = if add {
            self.offline.wrapping_add(offline)
        } else {
            self.offline.wrapping_sub(offline)
        };
    }

    /// Adds or takes away a meta node's share.
    fn meta(&mut self, m: &MetaNode, add: bool) {
        let active = if m.is_active() { m.deposit.0 } else { 0 };
        self.apply(m.deposit.0, active, add);
    }

    fn apply(&mut self, deposit: u128, active: u128, add: bool) {
        if add {
            self.deposits = self.deposits.wrapping_add(deposit);
            self.active = self.active.wrapping_add(active);
        } else {
            self.deposits = self.deposits.wrapping_sub(deposit);
            self.active = self.active.wrapping_sub(active);
        }
    }
}

/// Where each resource node sits in the traffic index (`u32::MAX` or a stale place when it
/// is not listed: a place counts only when the index holds the node there), so a check can
/// tell in O(1) whether a node is listed. Not part of the state: the index it points into is.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Slots(Vec<u32>);

impl PartialEq for Slots {
    fn eq(&self, _: &Slots) -> bool {
        true
    }
}

impl Eq for Slots {}

/// The nodes of the network. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeRegistry {
    /// The profile whose task weights apply.
    profile: Profile,
    resource: Table<ResourceNode>,
    /// Each resource node's traffic completed and not yet settled, noz, by index: a column of
    /// its own, since every task changes it (a task's undo record is one amount, not a node).
    pending: Table<Amount>,
    resource_of: Keyed<AccountId, NodeIndex>,
    meta: Table<MetaNode>,
    meta_of: Keyed<AccountId, MetaIndex>,
    /// Task weights of resource nodes (zero when they take no tasks).
    weights: SumTree,
    /// Resource nodes with pending traffic, by index (settlement touches only these).
    with_traffic: Table<u32>,
    /// Sums over the nodes.
    totals: Snapshot<NodeTotals>,
    /// Each node's place in `with_traffic`.
    slots: Slots,
    /// Resource and meta nodes changed since the last check (when a checker records them).
    touched: Touched<u32>,
    touched_meta: Touched<u32>,
    /// Working memory of the draws (not part of the state).
    scratch: draws::Scratch,
}

ergon_core::transactional!(NodeRegistry {
    resource: Table<ResourceNode>,
    pending: Table<Amount>,
    resource_of: Keyed<AccountId, NodeIndex>,
    meta: Table<MetaNode>,
    meta_of: Keyed<AccountId, MetaIndex>,
    weights: SumTree,
    with_traffic: Table<u32>,
    totals: Snapshot<NodeTotals>,
}; ignore profile, slots, touched, touched_meta, scratch);

impl NodeRegistry {
    /// No nodes; weights by `profile`.
    #[must_use]
    pub fn new(profile: Profile) -> NodeRegistry {
        NodeRegistry {
            profile,
            resource: Table::new(),
            pending: Table::new(),
            resource_of: Keyed::new(),
            meta: Table::new(),
            meta_of: Keyed::new(),
            weights: SumTree::new(0),
            with_traffic: Table::new(),
            totals: Snapshot::new(NodeTotals::default()),
            slots: Slots::default(),
            touched: Touched::default(),
            touched_meta: Touched::default(),
            scratch: draws::Scratch::default(),
        }
    }

    // ---- reading ----------------------------------------------------------------------------

    /// The resource nodes, by index.
    #[must_use]
    pub fn resource_nodes(&self) -> &[ResourceNode] {
        self.resource.rows()
    }

    /// The meta nodes, by index.
    #[must_use]
    pub fn meta_nodes(&self) -> &[MetaNode] {
        self.meta.rows()
    }

    /// Resource node `i`, if it exists.
    #[must_use]
    pub fn get(&self, i: NodeIndex) -> Option<&ResourceNode> {
        self.resource.get(i.idx())
    }

    /// Resource node `i` (an index the registry gave out).
    #[must_use]
    pub fn resource(&self, i: NodeIndex) -> &ResourceNode {
        &self.resource[i.idx()]
    }

    /// Meta node `m` (an index the registry gave out).
    #[must_use]
    pub fn meta(&self, m: MetaIndex) -> &MetaNode {
        &self.meta[m.idx()]
    }

    /// The resource node of `owner`, if any.
    #[must_use]
    pub fn node_of(&self, owner: AccountId) -> Option<NodeIndex> {
        self.resource_of.get(&owner).copied()
    }

    /// The meta node of `owner`, if any.
    #[must_use]
    pub fn meta_of(&self, owner: AccountId) -> Option<MetaIndex> {
        self.meta_of.get(&owner).copied()
    }

    /// Resource nodes taking tasks with a positive weight.
    #[must_use]
    pub fn taking_tasks(&self) -> usize {
        self.weights.positive_count()
    }

    /// The active meta nodes, by index.
    pub fn active_meta(&self) -> impl Iterator<Item = MetaIndex> + '_ {
        (0..self.meta.len() as u32).map(MetaIndex).filter(|&m| self.meta(m).is_active())
    }

    /// Node `i`'s traffic completed and not yet settled, noz (an index the registry gave out).
    #[must_use]
    pub fn pending_traffic(&self, i: NodeIndex) -> Amount {
        self.pending[i.idx()]
    }

    /// Every resource node's pending traffic, by index.
    #[must_use]
    pub fn pending_traffics(&self) -> &[Amount] {
        self.pending.rows()
    }

    /// Resource nodes with pending traffic, in no particular order.
    #[must_use]
    pub fn with_traffic(&self) -> &[u32] {
        self.with_traffic.rows()
    }

    /// The sums over the nodes.
    #[must_use]
    pub fn totals(&self) -> NodeTotals {
        *self.totals.get()
    }

    /// The deposits of `owner` that share the stake rewards (paper): its resource node's while
    /// active or suspended, plus its meta node's while active.
    #[must_use]
    pub fn sharing_deposits(&self, owner: AccountId) -> Amount {
        let resource = self
            .node_of(owner)
            .map(|i| self.resource(i))
            .filter(|n| matches!(n.status, NodeStatus::Active | NodeStatus::Suspended))
            .map_or(Amount::ZERO, |n| n.deposit);
        let meta = self
            .meta_of(owner)
            .map(|m| self.meta(m))
            .filter(|m| m.is_active())
            .map_or(Amount::ZERO, |m| m.deposit);
        resource.saturating_add(meta)
    }

    // ---- resource nodes ---------------------------------------------------------------------

    /// Adds `node` (its owner has none yet); returns its index.
    pub fn add_resource(&mut self, node: ResourceNode) -> NodeIndex {
        debug_assert!(self.node_of(node.owner).is_none(), "one resource node per owner");
        let i = NodeIndex(self.resource.push(node) as u32);
        self.pending.push(Amount::ZERO);
        self.resource_of.insert(node.owner, i);
        self.weights.push(node.task_weight(self.profile));
        self.totals.get_mut().resource(&node, true);
        // A reverted addition leaves its place behind: the next node takes it.
        self.slots.0.resize(i.idx(), u32::MAX);
        self.slots.0.push(u32::MAX);
        self.touched.mark(i.0);
        i
    }

    /// Changes node `i` by `f` and refreshes its weight and the totals. Private: the public
    /// changes below say what they change.
    fn change(&mut self, i: NodeIndex, f: impl FnOnce(&mut ResourceNode)) {
        let n = self.resource.get_mut(i.idx());
        let totals = self.totals.get_mut();
        totals.resource(n, false);
        f(n);
        totals.resource(n, true);
        let w = n.task_weight(self.profile);
        self.weights.set(i.idx(), w);
        self.touched.mark(i.0);
    }

    /// Sets node `i`'s life state.
    pub fn set_status(&mut self, i: NodeIndex, status: NodeStatus) {
        self.change(i, |n| n.status = status);
    }

    /// Sets node `i`'s performance score, parts per million.
    pub fn set_performance(&mut self, i: NodeIndex, ppm: u32) {
        self.change(i, |n| n.performance_ppm = ppm);
    }

    /// Sets node `i`'s deposit, wei.
    pub fn set_deposit(&mut self, i: NodeIndex, deposit: Amount) {
        self.change(i, |n| n.deposit = deposit);
    }

    /// Sets node `i`'s effective deposit, wei (mainnet).
    pub fn set_effective(&mut self, i: NodeIndex, effective: Amount) {
        self.change(i, |n| n.effective = effective);
    }

    /// Activates node `i`, registered without an effective deposit, with effective deposit
    /// `effective` that added `limit_added` noz to L (mainnet).
    pub fn activate_registered(&mut self, i: NodeIndex, effective: Amount, limit_added: Amount) {
        self.change(i, |n| {
            n.effective = effective;
            n.limit_added = limit_added;
            n.status = NodeStatus::Active;
        });
    }

    /// Sets the Ozone limit node `i`'s deposit added, noz.
    pub fn set_limit_added(&mut self, i: NodeIndex, limit_added: Amount) {
        self.change(i, |n| n.limit_added = limit_added);
    }

    /// paper: node `i` has shut down; its unsettled traffic is dropped at the next close.
    pub fn set_offline(&mut self, i: NodeIndex) {
        self.change(i, |n| n.offline = true);
    }

    /// Node `i`'s stored data has moved away.
    pub fn clear_stored(&mut self, i: NodeIndex) {
        self.change(i, |n| n.stored = Amount::ZERO);
    }

    // ---- an epoch's close (outside transactions) --------------------------------------------

    /// Settles each `(node, traffic)` of `settled` in order — the traffic (all the node's
    /// pending traffic) added to its settled total, its pending traffic zero — stopping at the
    /// first whose settled total would overflow (those before it stay settled): the node rows,
    /// the pending column and the totals borrowed once for all.
    pub fn settle_each(&mut self, settled: &[(u32, u128)]) -> Result<(), Error> {
        let (rows, pending) = (self.resource.rows_mut(), self.pending.rows_mut());
        let totals = self.totals.get_mut();
        for &(i, t) in settled {
            let n = &mut rows[i as usize];
            n.settled_total = n.settled_total.checked_add(Amount(t))?;
            let was = std::mem::take(&mut pending[i as usize]);
            totals.pending = totals.pending.wrapping_sub(was.0);
            totals.with_traffic -= u32::from(!was.is_zero());
            self.touched.mark(i);
        }
        Ok(())
    }

    /// Sets node `i`'s pending traffic to zero; returns what it was.
    #[inline]
    fn take_pending(&mut self, i: NodeIndex) -> Amount {
        let t = std::mem::take(&mut self.pending.rows_mut()[i.idx()]);
        let totals = self.totals.get_mut();
        totals.pending = totals.pending.wrapping_sub(t.0);
        if !t.is_zero() {
            totals.with_traffic -= 1;
        }
        self.touched.mark(i.0);
        t
    }

    /// paper: drops the pending traffic of the nodes that have shut down (never settled to
    /// them) and returns it, noz. O(1) while no node has shut down, else O(nodes with pending
    /// traffic); the traffic index is tidied only when something was dropped.
    pub fn drop_offline_pending(&mut self) -> u128 {
        if self.totals.get().offline == 0 {
            return 0;
        }
        let mut dropped = 0u128;
        for k in 0..self.with_traffic.len() {
            let i = self.with_traffic.rows()[k];
            if self.resource.rows()[i as usize].offline {
                dropped += self.take_pending(NodeIndex(i)).0;
            }
        }
        if dropped != 0 {
            self.carry();
        }
        dropped
    }

    /// Sets every node's pending traffic aside: returns each node with pending traffic and its
    /// traffic, and leaves none pending. [`NodeRegistry::serve_one`] puts it back.
    pub fn take_all_pending(&mut self) -> Vec<(NodeIndex, Amount)> {
        let nodes = self.with_traffic.rows().to_vec();
        self.with_traffic.clear();
        nodes.into_iter().map(|i| (NodeIndex(i), self.take_pending(NodeIndex(i)))).collect()
    }

    /// After a settlement: drops the settled nodes (no pending traffic left) from the traffic
    /// index; the others carry to the next epoch. O(nodes in the index), no allocation.
    pub fn carry(&mut self) {
        let (pending, slots) = (self.pending.rows(), &mut self.slots.0);
        let listed = self.with_traffic.rows_mut();
        // One pass without a branch on the traffic (settled or not is a coin toss a node): each
        // node is written to the next place and kept there when it still has traffic (a node
        // dropped keeps a stale slot, which counts for nothing).
        let mut kept = 0;
        for j in 0..listed.len() {
            let i = listed[j];
            listed[kept] = i;
            slots[i as usize] = kept as u32;
            kept += usize::from(!pending[i as usize].is_zero());
        }
        self.with_traffic.truncate(kept);
    }

    /// Adds `reward` wei to node `i`'s rewards so far.
    pub fn add_reward(&mut self, i: NodeIndex, reward: Amount) -> Result<(), Error> {
        let n = &mut self.resource.rows_mut()[i.idx()];
        n.rewards_total = n.rewards_total.checked_add(reward)?;
        Ok(())
    }

    /// The deposit of `owner`'s resource node, unregistering and due by `now`, has returned:
    /// the node has exited. paper: it has left, so its traffic still pending is dropped at the
    /// next close, as a shutdown's (spec "Lock-ups": "A node that has left earns nothing more:
    /// its pending and carried-over traffic is not settled to it").
    pub fn exit_if_due(&mut self, owner: AccountId, now: Epoch) {
        let Some(i) = self.node_of(owner) else { return };
        if let NodeStatus::Unregistering { deposit_returns, .. } = self.resource(i).status
            && deposit_returns <= now
        {
            let paper = self.profile == Profile::Paper;
            self.change(i, |n| {
                n.status = NodeStatus::Exited;
                n.offline |= paper;
            });
        }
    }

    // ---- genesis ----------------------------------------------------------------------------

    /// At genesis: each node's share of the limit `l` noz, as if its deposit had added
    /// `⌊L·Z/total⌋`, and the task weights that follow.
    pub fn genesis_limits(&mut self, l: Amount, total: Amount) -> Result<(), Error> {
        let share = |z: Amount| {
            ergon_core::mul_div(l.0, z.0, total.0.max(1), ergon_core::Rounding::Down).map(Amount)
        };
        let mut weights = Vec::with_capacity(self.resource.len());
        for n in self.resource.rows_mut() {
            n.limit_added = share(n.deposit)?;
            weights.push(n.task_weight(self.profile));
        }
        for m in self.meta.rows_mut() {
            m.limit_added = share(m.deposit)?;
        }
        self.weights = SumTree::from_weights(&weights);
        self.touched.mark_all();
        Ok(())
    }
}
