//! Task assignment (seed §3.2): nodes drawn by weight — one, or up to `k` distinct ones with
//! room for the task — or named by a replay; and the traffic a task credits to them.

use ergon_core::{Amount, Error, FastSampler, StreamRng};

use super::NodeRegistry;
use crate::nodes::NodeIndex;

/// The nodes a task was given ([`NodeRegistry::picked`]), the nodes a draw without
/// replacement passed over, and the weights it set to zero, to restore: kept between tasks so
/// that a task allocates nothing; and the alias table of the task weights. Not part of the
/// state: every two are equal, and clones keep only the alias table (so that a clone draws as
/// the original would).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Scratch {
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

impl PartialEq for Scratch {
    fn eq(&self, _: &Scratch) -> bool {
        true
    }
}

impl Eq for Scratch {}

/// Draws a task may reject (a node already chosen or without room) before the rest of it is
/// drawn from the sum tree with those nodes' weights set to zero.
const MAX_REJECTIONS: u32 = 64;

impl NodeRegistry {
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
            let now = self.pending[i.idx()];
            if !noz.is_zero() {
                self.set_pending(i, now, Amount(now.0 + noz.0));
            }
            if store {
                let n = self.resource.get_mut(i.idx());
                n.stored = Amount(n.stored.0 + noz.0);
            }
        }
        Ok(())
    }

    /// Credits `noz` of traffic to node `i` alone: [`NodeRegistry::serve`] of one node without
    /// a store (a download or a query), as a task's hot path takes it.
    pub fn serve_one(&mut self, i: NodeIndex, noz: Amount) -> Result<(), Error> {
        let now = self.pending[i.idx()];
        let sum = now.checked_add(noz)?;
        if sum != now {
            self.set_pending(i, now, sum);
        }
        Ok(())
    }

    /// Raises node `i`'s pending traffic from `now` to `sum`, lists the node in the traffic
    /// index when it had none, and keeps the totals.
    #[inline(always)]
    fn set_pending(&mut self, i: NodeIndex, now: Amount, sum: Amount) {
        *self.pending.get_mut(i.idx()) = sum;
        let totals = self.totals.get_mut();
        totals.pending = totals.pending.wrapping_add(sum.0 - now.0);
        if now.is_zero() {
            totals.with_traffic += 1;
            let place = self.with_traffic.push(i.0);
            self.slots.0[i.idx()] = place as u32;
        }
        self.touched.mark(i.0);
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
}
