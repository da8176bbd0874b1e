//! Proof-of-Traffic settlement (seed §3.3): in the order of traffic (descending, then node id),
//! the shortest prefix of the nodes with pending traffic reaching the threshold settles, the
//! rest carries to the next epoch. The prefix is found by a weighted selection, expected
//! O(nodes with pending traffic), without sorting them (ranges of traffic values summed in one
//! pass, then a quickselect among the nodes of one range): what is paid per node does not
//! depend on the order, and only the report's per-node lists (detail) are put in settlement
//! order.

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
/// order. Returns their total and the bitwise OR of their traffic (as long as the largest).
pub(super) fn pending(st: &Stratos, out: &mut Vec<(u32, u128)>) -> (u128, u128) {
    let nodes = &st.nodes;
    out.clear();
    let (mut total, mut bits) = (0u128, 0u128);
    out.extend((nodes.with_traffic().iter()).map(|&i| {
        let t = nodes.pending_traffic(NodeIndex(i)).0;
        total += t;
        bits |= t;
        (i, t)
    }));
    (total, bits)
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
/// Expected O(n): when the traffic fits 64 bits, one pass sums it by [`BUCKETS`] ranges of
/// values ([`by_buckets`]), which leaves the cut in one range of a few nodes; then (or
/// otherwise) a weighted quickselect: each round partitions the range that holds the cut around
/// a median of three in one pass, summing the side before the pivot, and keeps the side that
/// holds the cut; short ranges (and any range after [`ROUNDS_MAX`] rounds) are sorted.
/// `total` and `bits` are what [`pending`] returns for these nodes; no node settles when the
/// total is zero.
pub(super) fn select_settled(
    pending: &mut [(u32, u128)],
    total: u128,
    bits: u128,
    threshold_bps: u32,
) -> usize {
    debug_assert_eq!(total, pending.iter().map(|p| p.1).sum::<u128>());
    debug_assert_eq!(bits, pending.iter().fold(0, |b, p| b | p.1));
    let goal = total.saturating_mul(u128::from(threshold_bps));
    // cum·10_000 ≥ goal (saturating) exactly when cum ≥ ⌈goal / 10_000⌉.
    let need = goal.div_ceil(10_000);
    let reached = |cum: u128| cum >= need;
    if total == 0 {
        return 0;
    }
    if goal == 0 {
        // The first node alone reaches a threshold of zero.
        let first = (0..pending.len()).min_by(|&a, &b| order(&pending[a], &pending[b]));
        pending.swap(0, first.unwrap_or(0));
        return 1;
    }
    if !reached(total) {
        return pending.len();
    }
    // pending[..lo] is the first lo of the order with traffic `cum` (short of the goal); the
    // cut k is in lo+1..=hi.
    let (mut lo, mut hi, mut cum) = match u64::try_from(total) {
        // need ≤ total (the whole reaches the goal) < 2^64.
        Ok(_) => by_buckets(pending, bits as u64, need as u64),
        Err(_) => (0, pending.len(), 0u128),
    };
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

/// Ranges of traffic values of [`by_buckets`]: `2^BUCKET_BITS`.
const BUCKET_BITS: u32 = 8;
const BUCKETS: usize = 1 << BUCKET_BITS;

/// Narrows the cut of `v` (total below 2^64, at least `need`; `bits` the OR of the traffic) to
/// the nodes of one range of values: the traffic is split into [`BUCKETS`] ranges of equal
/// width, highest first; the range that holds the cut is the first whose sum with those above
/// reaches `need`. Moves the nodes of the ranges above it to the front (all settle), then its
/// own nodes, and returns `(lo, hi, cum)`: the first `lo` in `v` are the first `lo` of the
/// order, with traffic `cum`, and the cut is in `lo + 1..=hi`. Three passes, no sort.
fn by_buckets(v: &mut [(u32, u128)], bits: u64, need: u64) -> (usize, usize, u128) {
    let shift = (u64::BITS - bits.leading_zeros()).saturating_sub(BUCKET_BITS);
    // Every traffic is below 2^(bit length of bits), so t >> shift < BUCKETS: the mask changes
    // nothing.
    let bucket = |t: u128| ((t as u64) >> shift) as usize & (BUCKETS - 1);
    let mut sums = [0u64; BUCKETS];
    for p in v.iter() {
        sums[bucket(p.1)] += p.1 as u64; // ≤ the total, below 2^64
    }
    // Sums of ranges, each below the total: no overflow.
    let mut cum = 0u64;
    let mut cut = 0;
    for b in (0..BUCKETS).rev() {
        let with = cum + sums[b];
        if with >= need {
            cut = b;
            break;
        }
        cum = with;
    }
    let above = partition_by(v, |t| bucket(t) > cut);
    let end = above + partition_by(&mut v[above..], |t| bucket(t) == cut);
    (above, end, u128::from(cum))
}

/// Moves the entries whose traffic `first` accepts to the front of `v` (the others' order
/// changes: no order among them is kept) and returns how many. One pass without a branch on the
/// test, whose outcome is a coin toss a node: each entry trades places with the first entry not
/// accepted, and the boundary moves on when it was accepted.
#[inline(always)]
fn partition_by(v: &mut [(u32, u128)], first: impl Fn(u128) -> bool) -> usize {
    let mut front = 0;
    for j in 0..v.len() {
        let accepted = first(v[j].1);
        v.swap(j, front);
        front += usize::from(accepted);
    }
    front
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
/// and carries the rest: the report's pending (`total`, all of `pending`), settled and carried
/// figures.
pub(super) fn settle(
    st: &mut Stratos,
    rep: &mut EpochReport,
    pending: &[(u32, u128)],
    total: u128,
    k: usize,
) -> Result<(), StratosError> {
    let settled = &pending[..k];
    let y = Amount(settled.iter().map(|p| p.1).sum());
    rep.pending = Amount(total);
    rep.settled = y;
    rep.carried = Amount(total - y.0);
    rep.settled_count = k;
    st.nodes.settle_each(settled)?;
    if st.report_detail {
        for &(i, _) in settled {
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

    /// The selection against sorting and taking the prefix: the same `k` and the same nodes.
    fn check_selection(traffic: &[u128], threshold_bps: u32) -> Result<(), TestCaseError> {
        let mut pending: Vec<(u32, u128)> = (traffic.iter().enumerate())
            .map(|(i, &t)| ((i as u32).wrapping_mul(2_654_435_761), t))
            .collect();
        let mut sorted = pending.clone();
        sorted.sort_by(order);
        let k = if sorted.iter().all(|p| p.1 == 0) {
            0
        } else {
            settled_prefix(&sorted, threshold_bps)
        };
        let total = traffic.iter().sum();
        let bits = traffic.iter().fold(0, |b, t| b | t);
        if k > 0 {
            let got = select_settled(&mut pending, total, bits, threshold_bps);
            prop_assert_eq!(got, k);
            let mut head = pending[..k].to_vec();
            sort_settled(&mut head);
            prop_assert_eq!(&head[..], &sorted[..k]);
        }
        Ok(())
    }

    #[test]
    fn worked_selections() {
        // Seed §3.3: 500, 300, 200, 80, 20 → 80% of 1100 = 880 → 500, 300 and 200 settle.
        let mut p = vec![(3, 80), (0, 500), (4, 20), (2, 200), (1, 300)];
        assert_eq!(select_settled(&mut p, 1100, 508, 8_000), 3);
        let mut head: Vec<u32> = p[..3].iter().map(|x| x.0).collect();
        head.sort_unstable();
        assert_eq!(head, [0, 1, 2]);
        // Ties in traffic go by node id: 10 each, half of 40 → nodes 1 and 2 (not 7 or 9).
        let mut p = vec![(9, 10), (2, 10), (7, 10), (1, 10)];
        assert_eq!(select_settled(&mut p, 40, 10, 5_000), 2);
        let mut head: Vec<u32> = p[..2].iter().map(|x| x.0).collect();
        head.sort_unstable();
        assert_eq!(head, [1, 2]);
        // A threshold above 100% settles every node.
        let mut p = vec![(0, 5), (1, 6)];
        assert_eq!(select_settled(&mut p, 11, 7, 10_001), 2);
        // No traffic, nothing settles.
        let mut p = vec![(0, 0), (1, 0)];
        assert_eq!(select_settled(&mut p, 0, 0, 5_000), 0);
    }

    proptest! {
        /// The selection settles the same nodes as sorting and taking the prefix.
        #[test]
        fn selection_matches_sorted_prefix(
            traffic in prop::collection::vec(0u128..50, 0..200),
            big in any::<bool>(),
            threshold_bps in 0u32..=10_000,
        ) {
            let traffic: Vec<u128> = traffic.iter().map(|&t| if big { t << 90 } else { t }).collect();
            check_selection(&traffic, threshold_bps)?;
        }

        /// Many nodes with traffic of every magnitude below 2^64, heavy ties, or one node far
        /// above the rest (which puts the others in one range of values).
        #[test]
        fn selection_by_ranges_matches_sorted_prefix(
            traffic in prop::collection::vec(0u64..1 << 40, 0..1500),
            bits in 1u32..=40,
            up in 0u32..=20,
            ties in 1u64..1000,
            outlier in any::<bool>(),
            threshold_bps in 0u32..=10_000,
        ) {
            let mut traffic: Vec<u128> =
                traffic.iter().map(|&t| u128::from(((t >> (40 - bits)) / ties * ties) << up)).collect();
            if outlier && !traffic.is_empty() {
                traffic[0] = 1 << 53;
            }
            check_selection(&traffic, threshold_bps)?;
        }
    }
}
