//! Task assignment (seed §3.2): nodes drawn by weight — one, or up to `k` distinct ones with
//! room for the task — or named by a replay; and the traffic a task credits to them.

use ergon_core::txn::Table;
use ergon_core::{Amount, Error, FastSampler, StreamRng, SumTree, Touched};

use super::{NodeRegistry, NodeTotals};
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
    /// The nodes a run of draws gave their first traffic ([`Credit::add_run`]); not saved.
    #[serde(skip)]
    pub(super) fresh: Vec<u32>,
    /// The stream words of a run's chunk ([`Credit::add_run_drawn`]); not saved.
    #[serde(skip)]
    pub(super) words: Vec<u64>,
    /// The nodes drawn from those words; not saved.
    #[serde(skip)]
    pub(super) drawn: Vec<u32>,
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

/// Runs of downloads this long or longer are drawn in two passes ([`Credit::add_run_drawn`]):
/// reading a run's words at once and the stream's place cost about a hundred instructions, which
/// a run of a few downloads (one user's of many in an epoch) does not win back.
const TWO_PASS_RUN: usize = 64;

/// The most draws of a run taken in two passes at once, so that the scratch holds at most this
/// many words and nodes whatever the run (a few under the unit tests, so that their runs span
/// several chunks).
const RUN_CHUNK: usize = if cfg!(test) { 5 } else { 4_096 };

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
            self.credit().1.add(i.idx(), noz)?; // checked above: cannot fail
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
        self.credit().1.add(i.idx(), noz)
    }

    /// Downloads of `sizes`, in order, each credited to a node drawn by weight: exactly
    /// [`NodeRegistry::pick_one`] then [`NodeRegistry::serve_one`] for each size, with the
    /// sampler's checks made once for the run while its alias table is current
    /// ([`FastSampler::current`]; crediting traffic changes no weight). Errors as those two: no
    /// node takes tasks (nothing drawn), or a node's pending traffic would overflow.
    pub fn serve_drawn(&mut self, rng: &mut StreamRng, sizes: &[Amount]) -> Result<(), Error> {
        let (Scratch { fast, fresh, words, drawn, .. }, mut credit) = self.credit();
        for (k, &noz) in sizes.iter().enumerate() {
            if let Some(table) = fast.current(credit.weights) {
                let run = &sizes[k..];
                if run.len() >= TWO_PASS_RUN && credit.plain() {
                    let bufs = (fresh, words, drawn);
                    let decide = |x| table.decide(x);
                    return credit.add_run_in_passes(run, bufs, rng, (decide, |r| table.sample(r)));
                }
                return credit.add_run(run, fresh, || table.sample(rng));
            }
            let i = fast.sample(credit.weights, rng)?;
            credit.add(i, noz)?;
        }
        Ok(())
    }

    /// The scratch (sampler, nodes new to traffic, a run's words and nodes) and the traffic
    /// columns, borrowed apart.
    pub(super) fn credit(&mut self) -> (&mut Scratch, Credit<'_>) {
        let credit = Credit {
            weights: &self.weights,
            pending: &mut self.pending,
            totals: self.totals.get_mut(),
            with_traffic: &mut self.with_traffic,
            slots: &mut self.slots.0,
            touched: &mut self.touched,
        };
        (&mut self.scratch, credit)
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

/// The scratch of a run in two passes: the nodes new to traffic, the stream words, the nodes
/// drawn ([`Scratch`]'s `fresh`, `words`, `drawn`).
pub(super) type RunBuffers<'b> = (&'b mut Vec<u32>, &'b mut Vec<u64>, &'b mut Vec<u32>);

/// What a task's traffic changes: a node's pending traffic, the totals, the index of nodes with
/// traffic and the nodes touched (the task weights read alongside).
pub(super) struct Credit<'a> {
    weights: &'a SumTree,
    pending: &'a mut Table<Amount>,
    totals: &'a mut NodeTotals,
    with_traffic: &'a mut Table<u32>,
    slots: &'a mut [u32],
    touched: &'a mut Touched<u32>,
}

impl Credit<'_> {
    /// Adds `noz` to node `i`'s pending traffic, lists the node in the traffic index when it had
    /// none, and keeps the totals. Changes nothing when the sum overflows.
    #[inline(always)]
    fn add(&mut self, i: usize, noz: Amount) -> Result<(), Error> {
        let now = self.pending[i];
        let sum = now.checked_add(noz)?;
        if sum != now {
            *self.pending.get_mut(i) = sum;
            self.totals.pending = self.totals.pending.wrapping_add(noz.0);
            if now.is_zero() {
                self.totals.with_traffic += 1;
                self.slots[i] = self.with_traffic.push(i as u32) as u32;
            }
            self.touched.mark(i as u32);
        }
        Ok(())
    }

    /// Whether the columns change in place: no transaction is open (nothing to journal) and no
    /// checker keeps the touched nodes.
    pub(super) fn plain(&self) -> bool {
        !self.pending.in_transaction()
            && !self.with_traffic.in_transaction()
            && !self.touched.is_on()
    }

    /// [`Credit::add_run`] of draws from an alias table when the columns change in place
    /// ([`Credit::plain`]): as many of the run as [`Credit::add_run_drawn`] takes in two
    /// passes, the rest one draw at a time (`draw`: the table's own draw from the stream). The
    /// same draws, credits, errors and stream position after as [`Credit::add_run`] of `draw`.
    pub(super) fn add_run_in_passes(
        &mut self,
        run: &[Amount],
        bufs: RunBuffers<'_>,
        rng: &mut StreamRng,
        (decide, mut draw): (impl Fn(u64) -> (usize, bool), impl FnMut(&mut StreamRng) -> usize),
    ) -> Result<(), Error> {
        let (fresh, words, drawn) = bufs;
        let done = self.add_run_drawn(run, (&mut *fresh, words, drawn), rng, decide)?;
        if done == run.len() {
            return Ok(());
        }
        self.add_run(&run[done..], fresh, || draw(rng))
    }

    /// The first draws of a run taken in two tight passes a chunk of [`RUN_CHUNK`]: the
    /// chunk's stream words read at once ([`StreamRng::fill_u64`]) and each node drawn from
    /// its word by `decide` ([`ergon_core::AliasTable::decide`]), then the traffic credited
    /// with the totals in registers. Returns how many of `sizes` it took: all, or up to a chunk
    /// holding a word that `decide` leaves open (a chance below `2n / 2^64` a word for an
    /// alias table), which it leaves untouched with the stream put back before its first word.
    /// An overflow is the error of [`Credit::add_run`], with the stream just after the word of
    /// the failed credit and the credits before it kept. For columns that change in place
    /// ([`Credit::plain`]) only.
    #[inline(never)]
    pub(super) fn add_run_drawn(
        &mut self,
        sizes: &[Amount],
        (fresh, words, drawn): RunBuffers<'_>,
        rng: &mut StreamRng,
        decide: impl Fn(u64) -> (usize, bool),
    ) -> Result<usize, Error> {
        debug_assert!(self.plain(), "two passes write the columns in place");
        let m = sizes.len().min(RUN_CHUNK);
        for v in [&mut *fresh, &mut *drawn] {
            if v.len() < m {
                v.resize(m, 0);
            }
        }
        if words.len() < m {
            words.resize(m, 0);
        }
        let mut done = 0;
        for chunk in sizes.chunks(RUN_CHUNK) {
            let n = chunk.len();
            let (words, drawn) = (&mut words[..n], &mut drawn[..n]);
            let start = rng.word_pos();
            rng.fill_u64(words);
            let mut sure = true;
            for (d, &x) in drawn.iter_mut().zip(words.iter()) {
                let (i, decided) = decide(x);
                *d = i as u32; // items are u32
                sure &= decided;
            }
            if !sure {
                rng.set_word_pos(start);
                return Ok(done);
            }
            let pending = self.pending.rows_mut();
            let (mut total, mut count, mut added) = (self.totals.pending, 0, Ok(()));
            for (k, (&noz, &i)) in chunk.iter().zip(drawn.iter()).enumerate() {
                if noz.is_zero() {
                    continue;
                }
                let now = pending[i as usize];
                match now.checked_add(noz) {
                    Ok(sum) => pending[i as usize] = sum,
                    Err(e) => {
                        rng.set_word_pos(start + 2 * (k as u128 + 1));
                        added = Err(e);
                        break;
                    }
                }
                total = total.wrapping_add(noz.0);
                fresh[count] = i;
                count += usize::from(now.is_zero());
            }
            self.totals.pending = total;
            self.index_new(&fresh[..count]);
            added?;
            done += n;
        }
        Ok(done)
    }

    /// [`Credit::add`] of each of `sizes` to the node `draw` gives, in order, with the same
    /// result (a run cut short by an overflow keeps what it added before it): the nodes that
    /// had no traffic are collected without a branch on that (a coin toss a draw), by a store
    /// to `fresh` that counts only for them, and indexed after the run, in the order of their
    /// first draw.
    #[inline(always)]
    pub(super) fn add_run(
        &mut self,
        sizes: &[Amount],
        fresh: &mut Vec<u32>,
        mut draw: impl FnMut() -> usize,
    ) -> Result<(), Error> {
        if fresh.len() < sizes.len() {
            fresh.resize(sizes.len(), 0);
        }
        let (mut count, mut added) = (0, Ok(()));
        for &noz in sizes {
            let i = draw();
            if noz.is_zero() {
                continue;
            }
            let now = self.pending[i];
            let sum = match now.checked_add(noz) {
                Ok(sum) => sum,
                Err(e) => {
                    added = Err(e);
                    break;
                }
            };
            *self.pending.get_mut(i) = sum;
            self.totals.pending = self.totals.pending.wrapping_add(noz.0);
            fresh[count] = i as u32;
            count += usize::from(now.is_zero());
            self.touched.mark(i as u32);
        }
        self.index_new(&fresh[..count]);
        added
    }

    /// Appends `nodes` (given their first traffic, in that order) to the traffic index.
    fn index_new(&mut self, nodes: &[u32]) {
        for &i in nodes {
            self.slots[i as usize] = self.with_traffic.push(i) as u32; // places are u32
        }
        self.totals.with_traffic += nodes.len() as u32;
    }
}
