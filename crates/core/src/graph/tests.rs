//! Tests of [`Csr`](super::Csr): hand-built graphs, the rules and bounds, and property tests
//! against a `BTreeMap` reference.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn rules(merge: Merge, self_loops: SelfLoops) -> GraphRules {
    GraphRules { merge, self_loops, max_nodes: 1_000, max_edges: 10_000 }
}

#[test]
fn hand_built_graph() {
    // 0→1 (5), 0→2 (1), 2→0 (7), 2→1 (2) given out of order, 1→1 dropped, 0→1 twice (sum).
    let edges = vec![(2, 1, 2u64), (0, 2, 1), (1, 1, 9), (0, 1, 3), (2, 0, 7), (0, 1, 2)];
    let g = Csr::from_edges(4, edges, &rules(Merge::Sum, SelfLoops::Drop)).unwrap();
    assert_eq!((g.node_count(), g.edge_count()), (4, 4));
    assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1, 5), (0, 2, 1), (2, 0, 7), (2, 1, 2)]);
    let row = g.out_edges(0).unwrap();
    assert_eq!((row.targets, row.weights), (&[1, 2][..], &[5, 1][..]));
    assert!(g.out_edges(1).unwrap().is_empty());
    assert!(g.out_edges(3).unwrap().is_empty());
    assert!(matches!(g.out_edges(4), Err(Error::Unknown { .. })));
    assert_eq!((g.weight(2, 0), g.weight(0, 3), g.weight(9, 0)), (Some(7), None, None));
    assert_eq!(g.out_degree(2).unwrap(), 2);
    // In-edges: 0 ← 2 (7); 1 ← 0 (5), 2 (2); 2 ← 0 (1).
    let t = g.transpose();
    assert_eq!(t.edges().collect::<Vec<_>>(), vec![(0, 2, 7), (1, 0, 5), (1, 2, 2), (2, 0, 1)]);
    assert_eq!(t.out_edges(1).unwrap().iter().collect::<Vec<_>>(), vec![(0, 5), (2, 2)]);
    assert_eq!(t.transpose(), g);
}

#[test]
fn merge_rules_and_self_loops() {
    let edges = vec![(0, 1, 4u32), (0, 1, 9), (0, 1, 6), (1, 1, 3)];
    let build = |m, s| Csr::from_edges(2, edges.clone(), &rules(m, s));
    assert_eq!(build(Merge::Max, SelfLoops::Keep).unwrap().weight(0, 1), Some(9));
    assert_eq!(build(Merge::Min, SelfLoops::Keep).unwrap().weight(0, 1), Some(4));
    assert_eq!(build(Merge::Sum, SelfLoops::Keep).unwrap().weight(0, 1), Some(19));
    assert_eq!(build(Merge::Sum, SelfLoops::Keep).unwrap().weight(1, 1), Some(3));
    assert_eq!(build(Merge::Sum, SelfLoops::Drop).unwrap().weight(1, 1), None);
    assert!(matches!(build(Merge::Reject, SelfLoops::Keep), Err(Error::Duplicate { .. })));
    assert!(matches!(build(Merge::Max, SelfLoops::Reject), Err(Error::NotAllowed { .. })));
    let big = vec![(0, 1, u32::MAX), (0, 1, 1)];
    let r = Csr::from_edges(2, big, &rules(Merge::Sum, SelfLoops::Keep));
    assert!(matches!(r, Err(Error::Overflow { .. })));
    // Unweighted: duplicates merge into one edge.
    let g = Csr::from_edges(3, vec![(2, 0, ()), (2, 0, ())], &rules(Merge::Sum, SelfLoops::Keep));
    assert_eq!(g.unwrap().edge_count(), 1);
}

#[test]
fn bounds_are_checked_first() {
    let r = GraphRules { max_nodes: 3, max_edges: 2, ..rules(Merge::Sum, SelfLoops::Keep) };
    let e = |n: usize| (0..n).map(|_| (0u32, 1u32, 1u64)).collect::<Vec<_>>();
    assert!(matches!(Csr::from_edges(4, e(1), &r), Err(Error::LimitReached { .. })));
    assert!(matches!(Csr::from_edges(3, e(3), &r), Err(Error::LimitReached { .. })));
    assert!(Csr::from_edges(3, e(2), &r).is_ok());
    assert!(matches!(Csr::from_edges(3, vec![(0, 3, 1u64)], &r), Err(Error::Unknown { .. })));
    assert!(matches!(Csr::from_edges(3, vec![(5, 0, 1u64)], &r), Err(Error::Unknown { .. })));
    let empty = Csr::<u64>::from_edges(0, Vec::new(), &r).unwrap();
    assert_eq!((empty.node_count(), empty.edge_count(), empty.transpose()), (0, 0, empty.clone()));
}

fn merge_ref(a: u64, b: u64, m: Merge) -> Option<u64> {
    match m {
        Merge::Sum => a.checked_add(b),
        Merge::Max => Some(a.max(b)),
        Merge::Min => Some(a.min(b)),
        Merge::Reject => None,
    }
}

/// The reference: a BTreeMap keyed by (src, dst), merged one edge at a time in input order.
fn reference(
    edges: &[(u32, u32, u64)],
    m: Merge,
    drop_loops: bool,
) -> Option<BTreeMap<(u32, u32), u64>> {
    let mut map = BTreeMap::new();
    for &(s, d, w) in edges {
        if drop_loops && s == d {
            continue;
        }
        let merged = match map.get(&(s, d)) {
            Some(&old) => merge_ref(old, w, m)?,
            None => w,
        };
        map.insert((s, d), merged);
    }
    Some(map)
}

fn any_merge() -> impl Strategy<Value = Merge> {
    prop_oneof![Just(Merge::Sum), Just(Merge::Max), Just(Merge::Min), Just(Merge::Reject)]
}

proptest! {
    #[test]
    fn matches_a_btreemap_reference(
        n in 1u32..40,
        raw in proptest::collection::vec((0u32..40, 0u32..40, prop_oneof![0u64..100, Just(u64::MAX)]), 0..200),
        m in any_merge(),
        drop_loops in any::<bool>(),
    ) {
        let edges: Vec<_> = raw.into_iter().map(|(s, d, w)| (s % n, d % n, w)).collect();
        let loops = if drop_loops { SelfLoops::Drop } else { SelfLoops::Keep };
        let got = Csr::from_edges(n, edges.clone(), &rules(m, loops));
        let want = reference(&edges, m, drop_loops);
        prop_assert_eq!(got.is_ok(), want.is_some());
        let (Ok(g), Some(want)) = (got, want) else { return Ok(()) };
        let flat: Vec<_> = want.iter().map(|(&(s, d), &w)| (s, d, w)).collect();
        prop_assert_eq!(g.edges().collect::<Vec<_>>(), flat);
        for i in 0..n {
            let row: Vec<_> = want.range((i, 0)..=(i, u32::MAX)).map(|(&(_, d), &w)| (d, w)).collect();
            prop_assert_eq!(g.out_edges(i).unwrap().iter().collect::<Vec<_>>(), row);
        }
        let t = g.transpose();
        let swapped: BTreeMap<(u32, u32), u64> = want.iter().map(|(&(s, d), &w)| ((d, s), w)).collect();
        let flat: Vec<_> = swapped.iter().map(|(&(s, d), &w)| (s, d, w)).collect();
        prop_assert_eq!(t.edges().collect::<Vec<_>>(), flat);
        prop_assert_eq!(t.transpose(), g);
    }

    /// The graph does not depend on the order of the input edges.
    #[test]
    fn input_order_does_not_matter(raw in proptest::collection::vec((0u32..20, 0u32..20, 0u64..5), 0..100), seed in any::<u64>()) {
        let mut shuffled = raw.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        for m in [Merge::Sum, Merge::Max, Merge::Min] {
            let r = rules(m, SelfLoops::Keep);
            prop_assert_eq!(Csr::from_edges(20, raw.clone(), &r).unwrap(), Csr::from_edges(20, shuffled.clone(), &r).unwrap());
        }
    }
}
