//! [`NodeRegistry`]: every resource and meta node, by index and by owner, with the task weights
//! and the index of nodes with pending traffic that follow from them. Its fields are private:
//! a node changes only through the registry's methods, which keep its invariants — each
//! resource node's weight is [`ResourceNode::task_weight`] of it now, the traffic index lists
//! exactly the nodes with pending traffic, each owner has at most one node of each kind — and
//! [`NodeRegistry::check_invariants`] verifies them. Every change is journaled while a
//! transaction is open.

use ergon_core::invariants::Violation;
use ergon_core::txn::{Keyed, Table};
use ergon_core::{AccountId, Amount, Epoch, Error, FastSampler, StreamRng, SumTree};

use super::{MetaIndex, MetaNode, MetaStatus, NodeIndex, NodeStatus, ResourceNode, Vote};
use crate::params::Profile;

/// The nodes of the network. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Working memory of the draws (not part of the state).
    scratch: Scratch,
}

/// The nodes a task was given ([`NodeRegistry::picked`]), the nodes a draw without
/// replacement passed over, and the weights it set to zero, to restore: kept between tasks so
/// that a task allocates nothing; and the alias table of the task weights. Not part of the
/// state: every two are equal, and clones keep only the alias table (so that a clone draws as
/// the original would).
#[derive(Debug, Default)]
struct Scratch {
    picked: Vec<NodeIndex>,
    passed: Vec<usize>,
    zeroed: Vec<(usize, u64)>,
    fast: FastSampler,
}

impl Clone for Scratch {
    fn clone(&self) -> Scratch {
        Scratch { fast: self.fast.clone(), ..Scratch::default() }
    }
}

/// Draws a task may reject (a node already chosen or without room) before the rest of it is
/// drawn from the sum tree with those nodes' weights set to zero.
const MAX_REJECTIONS: u32 = 64;

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

ergon_core::transactional!(NodeRegistry {
    resource: Table<ResourceNode>,
    pending: Table<Amount>,
    resource_of: Keyed<AccountId, NodeIndex>,
    meta: Table<MetaNode>,
    meta_of: Keyed<AccountId, MetaIndex>,
    weights: SumTree,
    with_traffic: Table<u32>,
}; ignore profile, scratch);

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
            scratch: Scratch::default(),
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
        i
    }

    /// Changes node `i` by `f` and refreshes its weight. Private: the public changes below say
    /// what they change.
    fn change(&mut self, i: NodeIndex, f: impl FnOnce(&mut ResourceNode)) {
        let n = self.resource.get_mut(i.idx());
        f(n);
        let w = n.task_weight(self.profile);
        self.weights.set(i.idx(), w);
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

    /// Node `i`'s stored data has moved away.
    pub fn clear_stored(&mut self, i: NodeIndex) {
        self.change(i, |n| n.stored = Amount::ZERO);
    }

    /// The nodes the last task was given, by [`NodeRegistry::pick_up_to`] or
    /// [`NodeRegistry::pick_named`].
    #[must_use]
    pub fn picked(&self) -> &[NodeIndex] {
        &self.scratch.picked
    }

    /// Gives the task the nodes `ids`, which must exist, be distinct, take tasks and have room
    /// for `size`; the first that does not is returned.
    pub fn pick_named(&mut self, ids: &[NodeIndex], size: Amount) -> Result<(), NodeIndex> {
        self.scratch.picked.clear();
        for &i in ids {
            let fits = self.get(i).is_some_and(|n| n.takes_tasks() && n.free() >= size);
            if !fits || self.scratch.picked.contains(&i) {
                return Err(i);
            }
            self.scratch.picked.push(i);
        }
        Ok(())
    }

    /// Credits `noz` of traffic to each node the task was given
    /// ([`NodeRegistry::serve`]).
    pub fn serve_picked(&mut self, noz: Amount, store: bool) -> Result<(), Error> {
        let picked = std::mem::take(&mut self.scratch.picked);
        let served = self.serve(&picked, noz, store);
        self.scratch.picked = picked;
        served
    }

    /// Credits `noz` of traffic to each of `nodes` (and stores it, for uploads). Checks every
    /// sum before the first change.
    pub fn serve(&mut self, nodes: &[NodeIndex], noz: Amount, store: bool) -> Result<(), Error> {
        for &i in nodes {
            self.pending[i.idx()].checked_add(noz)?;
            if store {
                self.resource(i).stored.checked_add(noz)?;
            }
        }
        for &i in nodes {
            let pending = self.pending.get_mut(i.idx());
            let first = pending.is_zero() && !noz.is_zero();
            *pending = Amount(pending.0 + noz.0);
            if store {
                let n = self.resource.get_mut(i.idx());
                n.stored = Amount(n.stored.0 + noz.0);
            }
            if first {
                self.with_traffic.push(i.0);
            }
        }
        Ok(())
    }

    /// Credits `noz` of traffic to node `i` alone: [`NodeRegistry::serve`] of one node without
    /// a store (a download or a query), as a task's hot path takes it.
    pub fn serve_one(&mut self, i: NodeIndex, noz: Amount) -> Result<(), Error> {
        let sum = self.pending[i.idx()].checked_add(noz)?;
        if sum != self.pending[i.idx()] {
            let first = self.pending[i.idx()].is_zero();
            *self.pending.get_mut(i.idx()) = sum;
            if first {
                self.with_traffic.push(i.0);
            }
        }
        Ok(())
    }

    /// One node taking tasks, drawn by weight from `rng` (none when no node takes tasks; then
    /// nothing is drawn): the first draw of [`NodeRegistry::pick_up_to`] for a task of any size
    /// that fits every node, with the same draws and no lists. O(1) while the weights stay
    /// ([`FastSampler`]).
    pub fn pick_one(&mut self, rng: &mut StreamRng) -> Option<NodeIndex> {
        self.scratch.fast.sample(&self.weights, rng).ok().map(|i| NodeIndex(i as u32))
    }

    /// Gives the task up to `k` distinct nodes taking tasks with room for `size`, each drawn by
    /// weight among the nodes not yet drawn for it ([`NodeRegistry::picked`] lists them, fewer
    /// when fewer exist). Returns how many.
    ///
    /// Each draw is by weight over all nodes, rejected when it lands on a node already drawn
    /// for this task — which is exactly a draw by weight among the others. After
    /// [`MAX_REJECTIONS`] rejections (nearly every weight is in nodes already drawn) the rest
    /// come from the sum tree with the drawn nodes' weights set to zero, and restored after.
    pub fn pick_up_to(&mut self, rng: &mut StreamRng, k: usize, size: Amount) -> usize {
        let Scratch { picked, passed, fast, .. } = &mut self.scratch;
        picked.clear();
        passed.clear();
        let mut left = self.weights.total();
        let mut rejections = 0;
        while picked.len() < k && left > 0 {
            if rejections == MAX_REJECTIONS {
                return self.pick_rest_from_tree(rng, k, size);
            }
            let Ok(i) = fast.sample(&self.weights, rng) else { break };
            if passed.contains(&i) {
                rejections += 1;
                continue;
            }
            passed.push(i);
            left -= u128::from(self.weights.get(i));
            if self.resource[i].free() >= size {
                picked.push(NodeIndex(i as u32));
            }
        }
        picked.len()
    }

    /// [`NodeRegistry::pick_up_to`] once rejections have run out: the nodes drawn so far get
    /// weight zero, the rest of the task is drawn from the tree, then the weights return.
    fn pick_rest_from_tree(&mut self, rng: &mut StreamRng, k: usize, size: Amount) -> usize {
        let Scratch { picked, passed, zeroed, .. } = &mut self.scratch;
        for &i in passed.iter() {
            zeroed.push((i, self.weights.get(i)));
            self.weights.set(i, 0);
        }
        while picked.len() < k {
            let Ok(i) = self.weights.sample(rng) else { break };
            zeroed.push((i, self.weights.get(i)));
            self.weights.set(i, 0);
            if self.resource[i].free() >= size {
                picked.push(NodeIndex(i as u32));
            }
        }
        for (i, w) in zeroed.drain(..).rev() {
            self.weights.set(i, w);
        }
        picked.len()
    }

    // ---- an epoch's close (outside transactions) --------------------------------------------

    /// Settles node `i`'s pending traffic `t` noz (all of it).
    pub fn settle(&mut self, i: NodeIndex, t: Amount) -> Result<(), Error> {
        let n = &mut self.resource.rows_mut()[i.idx()];
        n.settled_total = n.settled_total.checked_add(t)?;
        self.pending.rows_mut()[i.idx()] = Amount::ZERO;
        Ok(())
    }

    /// After a settlement: drops the settled nodes (no pending traffic left) from the traffic
    /// index; the others carry to the next epoch. O(nodes in the index), no allocation.
    pub fn carry(&mut self) {
        let pending = &self.pending;
        self.with_traffic.retain(|&i| !pending[i as usize].is_zero());
    }

    /// Adds `reward` wei to node `i`'s rewards so far.
    pub fn add_reward(&mut self, i: NodeIndex, reward: Amount) -> Result<(), Error> {
        let n = &mut self.resource.rows_mut()[i.idx()];
        n.rewards_total = n.rewards_total.checked_add(reward)?;
        Ok(())
    }

    /// Adds `reward` wei to meta node `m`'s rewards so far.
    pub fn add_meta_reward(&mut self, m: MetaIndex, reward: Amount) -> Result<(), Error> {
        let n = &mut self.meta.rows_mut()[m.idx()];
        n.rewards_total = n.rewards_total.checked_add(reward)?;
        Ok(())
    }

    /// The deposit of `owner`'s resource node, unregistering and due by `now`, has returned:
    /// the node has exited.
    pub fn exit_if_due(&mut self, owner: AccountId, now: Epoch) {
        let Some(i) = self.node_of(owner) else { return };
        if let NodeStatus::Unregistering { deposit_returns, .. } = self.resource(i).status
            && deposit_returns <= now
        {
            self.resource.rows_mut()[i.idx()].status = NodeStatus::Exited;
        }
    }

    /// Candidates whose voting period ended before `now` are refused (their deposits returned by
    /// the caller: each one's owner and deposit); kick votes that ran out are dropped.
    pub fn expire_votes(&mut self, now: Epoch) -> Vec<(AccountId, Amount)> {
        let mut refused = Vec::new();
        for m in self.meta.rows_mut() {
            match &mut m.status {
                MetaStatus::Candidate { vote, .. } if vote.deadline < now => {
                    refused.push((m.owner, m.deposit));
                    m.deposit = Amount::ZERO;
                    m.status = MetaStatus::Gone { deposit_returns: now };
                }
                MetaStatus::Active { kick } if kick.as_ref().is_some_and(|v| v.deadline < now) => {
                    *kick = None;
                }
                _ => {}
            }
        }
        refused
    }

    // ---- meta nodes -------------------------------------------------------------------------

    /// Adds meta node `node` (its owner has none yet); returns its index.
    pub fn add_meta(&mut self, node: MetaNode) -> MetaIndex {
        debug_assert!(self.meta_of(node.owner).is_none(), "one meta node per owner");
        let owner = node.owner;
        let m = MetaIndex(self.meta.push(node) as u32);
        self.meta_of.insert(owner, m);
        m
    }

    /// The foundation approves candidate `m`; false when it is no candidate.
    pub fn approve(&mut self, m: MetaIndex) -> bool {
        match &mut self.meta.get_mut(m.idx()).status {
            MetaStatus::Candidate { foundation_approved, .. } => {
                *foundation_approved = true;
                true
            }
            _ => false,
        }
    }

    /// `voter` approves candidate `m` at `now`; false when `m` is no candidate in its voting
    /// period.
    pub fn vote(&mut self, m: MetaIndex, voter: MetaIndex, now: Epoch) -> bool {
        match &mut self.meta.get_mut(m.idx()).status {
            MetaStatus::Candidate { vote, .. } if now <= vote.deadline => {
                vote.approvals.insert(voter.0);
                true
            }
            _ => false,
        }
    }

    /// `voter` votes to kick active meta node `m`; a new kick vote runs until `deadline`.
    pub fn vote_kick(&mut self, m: MetaIndex, voter: MetaIndex, deadline: Epoch) {
        if let MetaStatus::Active { kick } = &mut self.meta.get_mut(m.idx()).status {
            let vote = kick.get_or_insert_with(|| Vote { approvals: Default::default(), deadline });
            vote.approvals.insert(voter.0);
        }
    }

    /// Candidate `m` becomes active at `epoch`, its deposit having added `limit_added` noz.
    pub fn activate_meta(&mut self, m: MetaIndex, limit_added: Amount, epoch: Epoch) {
        let meta = self.meta.get_mut(m.idx());
        meta.limit_added = limit_added;
        meta.activated = epoch;
        meta.status = MetaStatus::Active { kick: None };
    }

    /// Meta node `m` leaves; its deposit (moved by the caller) returns at `returns`.
    pub fn meta_gone(&mut self, m: MetaIndex, returns: Epoch) {
        let meta = self.meta.get_mut(m.idx());
        meta.deposit = Amount::ZERO;
        meta.status = MetaStatus::Gone { deposit_returns: returns };
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
        Ok(())
    }

    // ---- invariants -------------------------------------------------------------------------

    /// Each weight is its node's task weight, the traffic index lists exactly the nodes with
    /// pending traffic, and the owner indexes match the tables. O(nodes · log).
    pub fn check_invariants(&self) -> Result<(), Violation> {
        let v = |what: &'static str, detail: String| Err(Violation::new(what, detail));
        let mut indexed = self.with_traffic.rows().to_vec();
        indexed.sort_unstable();
        for (i, n) in self.resource.iter().enumerate() {
            let w = n.task_weight(self.profile);
            if self.weights.get(i) != w {
                return v(
                    "stratos weights",
                    format!("node #{i} weight {} ≠ {w}", self.weights.get(i)),
                );
            }
            let listed = indexed.binary_search(&(i as u32)).is_ok();
            if self.pending[i].is_zero() == listed {
                let pending = self.pending[i];
                return v(
                    "stratos traffic index",
                    format!("node #{i} pending {pending}, indexed {listed}"),
                );
            }
            if self.node_of(n.owner) != Some(NodeIndex(i as u32)) {
                return v("stratos node index", format!("node #{i}'s owner maps elsewhere"));
            }
        }
        if indexed.windows(2).any(|w| w[0] == w[1])
            || self.resource_of.len() != self.resource.len()
            || self.pending.len() != self.resource.len()
        {
            return v(
                "stratos node index",
                "a node listed twice, an owner without a node or a node without its traffic".into(),
            );
        }
        for (m, node) in self.meta.iter().enumerate() {
            if self.meta_of(node.owner) != Some(MetaIndex(m as u32)) {
                return v("stratos meta index", format!("meta node #{m}'s owner maps elsewhere"));
            }
        }
        if self.meta_of.len() != self.meta.len() {
            return v("stratos meta index", "an owner without a meta node".into());
        }
        Ok(())
    }
}
