//! Proof-of-Traffic settlement (seed §3.3): in the order of traffic (descending, then node id),
//! the shortest prefix of the nodes with pending traffic reaching the threshold settles, the
//! rest carries to the next epoch. The prefix is found by a weighted selection, expected
//! O(nodes with pending traffic), without sorting them: what is paid per node does not depend
//! on the order, and only the report's per-node lists (detail) are put in settlement order.

use ergon_core::Amount;

use super::EpochReport;
use crate::Stratos;
use crate::error::StratosError;
use crate::nodes::NodeIndex;

/// Ranges of the selection this short or shorter are sorted and scanned.
const SORTED_RUN: usize = 16;

/// Whether `a` comes before `b` in settlement order: traffic descending, then node id.
fn order(a: &(u32, u128), b: &(u32, u128)) -> std::cmp::Ordering {
    b.1.cmp(&a.1).then(a.0.cmp(&b.0))
}

/// Fills `out` with the nodes with pending traffic and their traffic, noz, in no particular
/// order.
pub(super) fn pending(st: &Stratos, out: &mut Vec<(u32, u128)>) {
    let nodes = &st.nodes;
    out.clear();
    out.extend((nodes.with_traffic().iter()).map(|&i| (i, nodes.pending_traffic(NodeIndex(i)).0)));
}

/// The settled prefix: indices into `pending` (sorted by traffic descending, node id ascending)
/// of the shortest prefix whose traffic reaches `threshold_bps` of the total.
#[must_use]
pub fn settled_prefix(pending: &[(u32, u128)], threshold_bps: u32) -> usize {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let goal = total.saturating_mul(u128::from(threshold_bps));
    let mut cum = 0u128;
    for (k, p) in pending.iter().enumerate() {
        cum += p.1;
        // cum / total ≥ threshold / 10_000, in integers (exact below 3.4·10^34 noz).
        if cum.saturating_mul(10_000) >= goal {
            return k + 1;
        }
    }
    pending.len()
}

/// Reorders `pending` (in any order, node ids distinct) so that its first `k` entries are the
/// settled prefix of [`settled_prefix`] (as a set, in no particular order) and returns `k`.
/// A weighted quickselect, expected O(n): each round partitions the range that holds the cut
/// around a median of three in one pass, summing the side before the pivot, and keeps the side
/// that holds the cut; short ranges (and any range after [`ROUNDS_MAX`] rounds) are sorted.
pub(super) fn select_settled(pending: &mut [(u32, u128)], threshold_bps: u32) -> usize {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let goal = total.saturating_mul(u128::from(threshold_bps));
    let reached = |cum: u128| cum.saturating_mul(10_000) >= goal;
    if pending.is_empty() {
        return 0;
    }
    if goal == 0 {
        // The first node alone reaches a threshold of zero.
        let first = (0..pending.len()).min_by(|&a, &b| order(&pending[a], &pending[b]));
        pending.swap(0, first.unwrap_or(0));
        return 1;
    }
    // pending[..lo] is the first lo of the order with traffic `cum` (short of the goal); the
    // cut k is in lo+1..=hi.
    let (mut lo, mut hi, mut cum) = (0, pending.len(), 0u128);
    let mut rounds = 0;
    while hi - lo > SORTED_RUN && rounds < ROUNDS_MAX {
        rounds += 1;
        let v = &mut pending[lo..hi];
        let (p, before) = partition(v);
        let left = cum + before;
        if reached(left) {
            hi = lo + p; // p > 0: the range's sum before the pivot is not zero
            continue;
        }
        cum = left + v[p].1;
        if reached(cum) {
            return lo + p + 1;
        }
        lo += p + 1;
    }
    pending[lo..hi].sort_unstable_by(order);
    for (j, p) in pending[lo..hi].iter().enumerate() {
        cum += p.1;
        if reached(cum) {
            return lo + j + 1;
        }
    }
    hi
}

/// Rounds of [`select_settled`] before it sorts what is left (a bound on bad pivots).
const ROUNDS_MAX: u32 = 64;

/// Partitions `v` (at least three entries) around the median of its first, middle and last
/// entries: returns the pivot's place `p` (`v[..p]` come before it in settlement order,
/// `v[p + 1..]` after) and the traffic of `v[..p]`.
fn partition(v: &mut [(u32, u128)]) -> (usize, u128) {
    let (a, b, c) = (0, v.len() / 2, v.len() - 1);
    let lt = |x: usize, y: usize, v: &[(u32, u128)]| order(&v[x], &v[y]).is_lt();
    let m = if lt(a, b, v) {
        if lt(b, c, v) {
            b
        } else if lt(a, c, v) {
            c
        } else {
            a
        }
    } else if lt(a, c, v) {
        a
    } else if lt(b, c, v) {
        c
    } else {
        b
    };
    v.swap(0, m);
    let pivot = v[0];
    let (mut store, mut before) = (1, 0u128);
    for j in 1..v.len() {
        if order(&v[j], &pivot).is_lt() {
            before += v[j].1;
            v.swap(store, j);
            store += 1;
        }
    }
    v.swap(0, store - 1);
    (store - 1, before)
}

/// Settles the first `k` of `pending` (zeroes their pending traffic, adds it to their totals)
/// and carries the rest: the report's pending, settled and carried figures.
pub(super) fn settle(
    st: &mut Stratos,
    rep: &mut EpochReport,
    pending: &[(u32, u128)],
    k: usize,
) -> Result<(), StratosError> {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let settled = &pending[..k];
    let y = Amount(settled.iter().map(|p| p.1).sum());
    rep.pending = Amount(total);
    rep.settled = y;
    rep.carried = Amount(total - y.0);
    rep.settled_count = k;
    for &(i, t) in settled {
        st.nodes.settle(NodeIndex(i), Amount(t))?;
        if st.report_detail {
            rep.settled_nodes.push(st.node_name(NodeIndex(i)).to_owned());
        }
    }
    st.nodes.carry();
    Ok(())
}

/// Puts the settled nodes `settled` in settlement order, which only the report's per-node lists
/// show.
pub(super) fn sort_settled(settled: &mut [(u32, u128)]) {
    settled.sort_unstable_by(order);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The selection settles the same nodes as sorting and taking the prefix.
        #[test]
        fn selection_matches_sorted_prefix(
            traffic in prop::collection::vec(0u128..50, 0..200),
            big in any::<bool>(),
            threshold_bps in 0u32..=10_000,
        ) {
            let mut pending: Vec<(u32, u128)> = (traffic.iter().enumerate())
                .map(|(i, &t)| ((i as u32).wrapping_mul(2_654_435_761), if big { t << 90 } else { t }))
                .collect();
            let mut sorted = pending.clone();
            sorted.sort_by(order);
            let k = if sorted.iter().all(|p| p.1 == 0) { 0 } else { settled_prefix(&sorted, threshold_bps) };
            if k > 0 {
                let got = select_settled(&mut pending, threshold_bps);
                prop_assert_eq!(got, k);
                let mut head = pending[..k].to_vec();
                sort_settled(&mut head);
                prop_assert_eq!(&head[..], &sorted[..k]);
            }
        }
    }
}
