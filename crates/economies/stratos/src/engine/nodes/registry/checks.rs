//! The registry's invariants: each resource node's weight is its task weight, the traffic
//! index lists exactly the nodes with pending traffic, the owner indexes match the tables, and
//! the [`NodeTotals`] are the sums over the nodes. In full ([`NodeRegistry::check_invariants`],
//! O(nodes · log)), or for the nodes changed since the last check
//! ([`NodeRegistry::check_touched`], O(changes)) once a checker records them
//! ([`NodeRegistry::start_tracking`]).

use ergon_core::AccountId;
use ergon_core::invariants::Violation;

use super::{NodeRegistry, NodeTotals};
use crate::nodes::{MetaIndex, NodeIndex};

fn fail<T>(what: &'static str, detail: String) -> Result<T, Violation> {
    Err(Violation::new(what, detail))
}

impl NodeRegistry {
    /// Each weight is its node's task weight, the traffic index lists exactly the nodes with
    /// pending traffic, the owner indexes match the tables, and the totals are the sums over
    /// the nodes. O(nodes · log).
    pub fn check_invariants(&self) -> Result<(), Violation> {
        let mut indexed = self.with_traffic.rows().to_vec();
        indexed.sort_unstable();
        for i in 0..self.resource.len() {
            let listed = indexed.binary_search(&(i as u32)).is_ok();
            self.check_node(NodeIndex(i as u32), listed)?;
        }
        if indexed.windows(2).any(|w| w[0] == w[1]) {
            return fail("stratos traffic index", "a node listed twice".into());
        }
        self.check_counts()?;
        for m in 0..self.meta.len() {
            self.check_meta(MetaIndex(m as u32))?;
        }
        let mut sums = NodeTotals::default();
        for (n, &p) in self.resource.iter().zip(self.pending.rows()) {
            sums.resource(n, true);
            // Modulo 2^128, as the running total keeps it (`Credit::add`'s wrapping sum).
            sums.pending = sums.pending.wrapping_add(p.0);
            sums.with_traffic += u32::from(!p.is_zero());
        }
        for m in self.meta.iter() {
            sums.meta(m, true);
        }
        if sums != self.totals() {
            return fail(
                "stratos node totals",
                format!("Σ over the nodes {sums:?} ≠ running totals {:?}", self.totals()),
            );
        }
        Ok(())
    }

    /// Starts recording the nodes each step changes, for [`NodeRegistry::check_touched`] (the
    /// caller has just checked them all).
    pub fn start_tracking(&mut self) {
        self.touched.start();
        self.touched_meta.start();
    }

    /// Whether the nodes each step changes are being recorded.
    #[must_use]
    pub fn tracking(&self) -> bool {
        self.touched.is_on()
    }

    /// The invariants of [`NodeRegistry::check_invariants`] for the nodes changed since the
    /// last check, and the index sizes: O(changes) (a step that changed more than
    /// [`ergon_core::Touched::CAP`] nodes, or a registry not recording, is checked in full).
    /// The totals are checked against the economy's books by the caller. Returns the owners of
    /// the nodes changed, for the caller's own checks of them, or `None` when every node was
    /// checked.
    pub fn check_touched(&mut self) -> Result<Option<Vec<AccountId>>, Violation> {
        let (Some(nodes), Some(metas)) = (self.touched.take(), self.touched_meta.take()) else {
            self.check_invariants()?;
            return Ok(None);
        };
        let mut owners = Vec::with_capacity(nodes.len() + metas.len());
        for i in nodes.into_iter().map(NodeIndex).filter(|i| i.idx() < self.resource.len()) {
            self.check_node(i, self.listed(i))?;
            owners.push(self.resource(i).owner);
        }
        for m in metas.into_iter().map(MetaIndex).filter(|m| m.idx() < self.meta.len()) {
            self.check_meta(m)?;
            owners.push(self.meta(m).owner);
        }
        self.check_counts()?;
        Ok(Some(owners))
    }

    /// Whether node `i` is in the traffic index: its slot holds it.
    fn listed(&self, i: NodeIndex) -> bool {
        let slot = self.slots.0.get(i.idx()).copied().unwrap_or(u32::MAX) as usize;
        self.with_traffic.get(slot) == Some(&i.0)
    }

    /// Node `i`: its weight, whether it is `listed` in the traffic index (exactly when it has
    /// pending traffic), and its owner's index entry.
    fn check_node(&self, i: NodeIndex, listed: bool) -> Result<(), Violation> {
        let n = self.resource(i);
        let w = n.task_weight(self.profile);
        if self.weights.get(i.idx()) != w {
            return fail(
                "stratos weights",
                format!("node #{} weight {} ≠ {w}", i.0, self.weights.get(i.idx())),
            );
        }
        let pending = self.pending[i.idx()];
        if pending.is_zero() == listed {
            return fail(
                "stratos traffic index",
                format!("node #{} pending {pending}, indexed {listed}", i.0),
            );
        }
        if self.node_of(n.owner) != Some(i) {
            return fail("stratos node index", format!("node #{}'s owner maps elsewhere", i.0));
        }
        if n.effective > n.deposit {
            return fail(
                "stratos effective deposit",
                format!("node #{}: effective {} > deposit {}", i.0, n.effective, n.deposit),
            );
        }
        Ok(())
    }

    /// Meta node `m`'s owner index entry.
    fn check_meta(&self, m: MetaIndex) -> Result<(), Violation> {
        if self.meta_of(self.meta(m).owner) != Some(m) {
            return fail(
                "stratos meta index",
                format!("meta node #{}'s owner maps elsewhere", m.0),
            );
        }
        Ok(())
    }

    /// The sizes of the indexes: one owner entry and one pending traffic per node, one traffic
    /// index entry per node with pending traffic.
    fn check_counts(&self) -> Result<(), Violation> {
        if self.resource_of.len() != self.resource.len()
            || self.pending.len() != self.resource.len()
            || self.with_traffic.len() != self.totals().with_traffic as usize
        {
            return fail(
                "stratos node index",
                "a node listed twice, an owner without a node or a node without its traffic".into(),
            );
        }
        if self.meta_of.len() != self.meta.len() {
            return fail("stratos meta index", "an owner without a meta node".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ergon_core::{AccountId, Amount, Epoch};

    use super::*;
    use crate::nodes::{NodeStatus, ResourceNode};
    use crate::params::Profile;

    /// Three active nodes of 1, 2 and 3 STOS (mainnet weights 10^9, 2·10^9, 3·10^9), checking
    /// the changes of each step from then on.
    fn three() -> NodeRegistry {
        let mut r = NodeRegistry::new(Profile::Mainnet);
        for k in 1..=3u32 {
            let z = Amount(u128::from(k) * 10u128.pow(18));
            r.add_resource(ResourceNode::new(AccountId(k), z, Amount::ZERO, z, Epoch(0)));
        }
        r.check_invariants().unwrap();
        r.start_tracking();
        r
    }

    #[test]
    fn the_step_check_sees_the_nodes_changed_and_the_full_check_the_rest() {
        let mut r = three();
        r.serve_one(NodeIndex(1), Amount(5)).unwrap();
        r.set_status(NodeIndex(2), NodeStatus::Suspended);
        let owners = r.check_touched().unwrap().unwrap();
        assert_eq!(owners, [AccountId(2), AccountId(3)]);
        let t = r.totals();
        assert_eq!((t.pending, t.with_traffic), (5, 1));
        assert_eq!((t.deposits, t.active), (6 * 10u128.pow(18), 3 * 10u128.pow(18)));
        // A weight gone wrong behind the registry's back: the full check finds it; the step's
        // check finds it once the node is changed (marked).
        r.weights.set(0, 7);
        assert_eq!(r.check_touched().unwrap(), Some(vec![]));
        assert!(r.check_invariants().is_err());
        r.touched.mark(0);
        assert!(r.check_touched().is_err());
    }

    #[test]
    fn a_node_dropped_from_the_traffic_index_is_seen() {
        let mut r = three();
        r.serve_one(NodeIndex(0), Amount(1)).unwrap();
        r.serve_one(NodeIndex(2), Amount(1)).unwrap();
        r.check_touched().unwrap();
        // Node 0 drops out of the index with its traffic still pending: the index is one
        // short of the nodes with traffic, whatever was changed.
        r.with_traffic.retain(|&i| i != 0);
        assert!(r.check_touched().is_err());
        // Listed twice instead of node 2: the count holds, node 2 (changed) is not listed.
        r.with_traffic.retain(|_| false);
        r.with_traffic.push(0);
        r.with_traffic.push(0);
        r.touched.mark(2);
        let e = r.check_touched().unwrap_err();
        assert!(e.to_string().contains("node #2 pending 1, indexed false"), "{e}");
    }

    /// Two registries hold the same pending traffic, traffic index, index places and totals.
    fn assert_same_traffic(a: &NodeRegistry, b: &NodeRegistry, seed: u64) {
        assert_eq!(a.pending.rows(), b.pending.rows(), "seed {seed}");
        assert_eq!(a.with_traffic.rows(), b.with_traffic.rows(), "seed {seed}");
        assert_eq!(a.slots.0, b.slots.0, "seed {seed}");
        assert_eq!(a.totals(), b.totals(), "seed {seed}");
    }

    #[test]
    fn a_run_of_draws_equals_the_draws_one_by_one_even_cut_short() {
        use ergon_core::{RngStreams, Seed};
        let mut cut_short = 0;
        for seed in 0..40u64 {
            let mut run = three();
            // Node 1 (a third of the weight) can take 3 more before its traffic overflows.
            run.serve_one(NodeIndex(1), Amount(u128::MAX - 3)).unwrap();
            let mut each = run.clone();
            let sizes: Vec<Amount> = (0..12u128).map(|k| Amount((k * seed as u128) % 4)).collect();
            let streams = RngStreams::new(Seed::from_u64(seed));
            let (mut a, mut b) = (streams.stream(&[1]), streams.stream(&[1]));
            let got = run.serve_drawn(&mut a, &sizes);
            let mut want = Ok(());
            for &s in &sizes {
                let i = each.pick_one(&mut b).unwrap();
                if let Err(e) = each.serve_one(i, s) {
                    want = Err(e);
                    break;
                }
            }
            assert_eq!(got.is_err(), want.is_err(), "seed {seed}");
            // The stream stops where the draws one by one stop.
            assert_eq!(a.next_u64(), b.next_u64(), "seed {seed}: the stream's place");
            cut_short += usize::from(got.is_err());
            assert_same_traffic(&run, &each, seed);
            run.check_touched().unwrap();
            run.check_invariants().unwrap();
        }
        assert!((5..35).contains(&cut_short), "{cut_short} of 40 runs cut short");
    }

    /// The run in two passes (chunks of five under the tests) that writes the columns in place
    /// equals the general run drawing with the same decider: the same credits, index, totals,
    /// errors and stream place, cut short by an overflow or not, and when a chunk holds a word
    /// left undecided (then that chunk and the rest go one draw at a time, the undecided word
    /// drawing one more word of the stream).
    #[test]
    fn a_run_in_two_passes_equals_the_general_run() {
        use ergon_core::{RngStreams, Seed, StreamRng};
        // A third of the seeds leave one word in about seven undecided.
        let decide =
            |open: bool| move |x: u64| ((x >> 40) as usize % 3, !open || !x.is_multiple_of(7));
        let draw = |open: bool| {
            move |rng: &mut StreamRng| {
                let x = rng.next_u64();
                match decide(open)(x) {
                    (i, true) => i,
                    _ => (x ^ rng.next_u64()) as usize % 3,
                }
            }
        };
        let (mut cut_short, mut partial) = (0, 0);
        for seed in 0..60u64 {
            let open = seed % 3 == 0;
            let mut general = three();
            general.serve_one(NodeIndex(1), Amount(u128::MAX - 3)).unwrap();
            let mut plain = general.clone(); // a clone tracks nothing: the columns change in place
            let sizes: Vec<Amount> = (0..12u128).map(|k| Amount((k * seed as u128) % 4)).collect();
            let streams = RngStreams::new(Seed::from_u64(seed));
            let (mut a, mut b) = (streams.stream(&[1]), streams.stream(&[1]));
            {
                // How far the two passes go alone, on a copy.
                let mut probe = plain.clone();
                let (scratch, mut credit) = probe.credit();
                let bufs = (&mut scratch.fresh, &mut scratch.words, &mut scratch.drawn);
                let taken = credit.add_run_drawn(&sizes, bufs, &mut a.clone(), decide(open));
                partial += usize::from(matches!(taken, Ok(k) if k < sizes.len()));
            }
            let got = {
                let (scratch, mut credit) = plain.credit();
                assert!(credit.plain());
                let bufs = (&mut scratch.fresh, &mut scratch.words, &mut scratch.drawn);
                credit.add_run_in_passes(&sizes, bufs, &mut a, (decide(open), draw(open)))
            };
            let want = {
                let (scratch, mut credit) = general.credit();
                assert!(!credit.plain());
                let d = draw(open);
                credit.add_run(&sizes, &mut scratch.fresh, || d(&mut b))
            };
            assert_eq!(got.is_err(), want.is_err(), "seed {seed}");
            assert_eq!(a.word_pos(), b.word_pos(), "seed {seed}: the stream's place");
            cut_short += usize::from(got.is_err());
            assert_same_traffic(&plain, &general, seed);
            plain.check_invariants().unwrap();
        }
        assert!((5..50).contains(&cut_short), "{cut_short} runs cut short");
        assert!(partial > 0, "no run left a chunk to the draws one at a time");
    }

    #[test]
    fn settling_stops_at_the_first_overflow_and_keeps_the_books() {
        let mut r = three();
        for (i, t) in [(0, 5), (1, 7), (2, 9)] {
            r.serve_one(NodeIndex(i), Amount(t)).unwrap();
        }
        r.resource.rows_mut()[1].settled_total = Amount(u128::MAX - 6);
        assert!(r.settle_each(&[(0, 5), (1, 7), (2, 9)]).is_err());
        let pending: Vec<u128> = r.pending.rows().iter().map(|a| a.0).collect();
        assert_eq!(pending, [0, 7, 9]);
        assert_eq!(r.resource.rows()[0].settled_total, Amount(5));
        assert_eq!(r.resource.rows()[1].settled_total, Amount(u128::MAX - 6));
        assert_eq!((r.totals().pending, r.totals().with_traffic), (16, 2));
        r.settle_each(&[(2, 9)]).unwrap();
        assert_eq!((r.totals().pending, r.totals().with_traffic), (7, 1));
        assert_eq!(r.resource.rows()[2].settled_total, Amount(9));
        r.carry();
        r.check_touched().unwrap();
        r.check_invariants().unwrap();
    }

    #[test]
    fn running_totals_that_drift_fail_the_full_check() {
        let mut r = three();
        r.totals.get_mut().deposits += 1;
        let e = r.check_invariants().unwrap_err();
        assert!(e.to_string().contains("running totals"), "{e}");
    }
}
