//! Properties of the trust machinery (spec trias.md, "Web of trust"): a region joined by `g`
//! attack edges has `CB ≤ g` (and `CB_het ≤ CB`) for every member; the gate is monotone in
//! trust and CB; CB agrees with a brute-force minimum cut (Menger); EigenTrust gives the same
//! bits on one thread and on several.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_trias::gate::{gate, relative_ppm};
use ergon_trias::{FlowNet, NodeTrust, Stop, Tee, TrustGraph, eigentrust, pagerank};
use proptest::prelude::*;

fn node(k: usize, seed: bool) -> NodeTrust {
    NodeTrust { tee: Tee::ALL[k % 4], seed, quarantined: false }
}

prop_compose! {
    /// Honest nodes `0..h` (the first `s` seeds), a region `h..h+r`; honest–honest edges,
    /// region-internal edges, region → honest edges and `g` distinct honest → region edges.
    fn region()(h in 2usize..9, r in 1usize..6, s in 1usize..3)
        (honest in prop::collection::vec((0..h, 0..h, 1u64..4), 0..30),
         inner in prop::collection::vec((0..r, 0..r, 1u64..4), 0..20),
         back in prop::collection::vec((0..r, 0..h), 0..8),
         attack in prop::collection::btree_set((0..h, 0..r), 0..4),
         h in Just(h), r in Just(r), s in Just(s.min(h)))
        -> (usize, usize, usize, Vec<(u32, u32, u64)>, usize)
    {
        let mut e: Vec<(u32, u32, u64)> = Vec::new();
        e.extend(honest.iter().map(|&(a, b, w)| (a as u32, b as u32, w)));
        e.extend(inner.iter().map(|&(a, b, w)| ((h + a) as u32, (h + b) as u32, w)));
        e.extend(back.iter().map(|&(a, b)| ((h + a) as u32, b as u32, 1)));
        e.extend(attack.iter().map(|&(a, b)| (a as u32, (h + b) as u32, 1)));
        e.sort_unstable_by_key(|x| (x.0, x.1));
        e.dedup_by_key(|x| (x.0, x.1));
        (h, r, s, e, attack.len())
    }
}

/// CB by brute force: the minimum over vertex sets `C` (no seed, not `j`) of `|C|` plus the
/// edges into `j` from the nodes the seeds still reach around `C` — a minimum cut of the
/// node-split network (cutting a vertex is never worse than cutting arcs into it), capped.
fn brute_cb(n: usize, seeds: usize, edges: &[(u32, u32, u64)], j: usize, cap: usize) -> usize {
    if j < seeds {
        return cap;
    }
    let free: Vec<usize> = (seeds..n).filter(|&v| v != j).collect();
    let mut best = cap;
    for mask in 0u32..(1 << free.len()) {
        let cut: Vec<usize> =
            free.iter().enumerate().filter(|(k, _)| mask >> k & 1 == 1).map(|(_, &v)| v).collect();
        let mut reach = vec![false; n];
        let mut stack: Vec<usize> = (0..seeds).collect();
        for &s in &stack {
            reach[s] = true;
        }
        while let Some(u) = stack.pop() {
            for &(a, b, _) in edges {
                let (a, b) = (a as usize, b as usize);
                if a == u && b != j && !reach[b] && !cut.contains(&b) {
                    reach[b] = true;
                    stack.push(b);
                }
            }
        }
        let into_j = edges.iter().filter(|e| e.1 as usize == j && reach[e.0 as usize]).count();
        best = best.min(cut.len() + into_j);
    }
    best
}

proptest! {
    #[test]
    fn cb_is_a_minimum_cut((h, r, s, edges, _g) in region()) {
        let n = h + r;
        let nodes: Vec<NodeTrust> = (0..n).map(|k| node(k, k < s)).collect();
        let graph = TrustGraph::new(&nodes, edges.clone()).unwrap();
        let net = FlowNet::new(&graph, 16);
        let edges: Vec<(u32, u32, u64)> = edges.into_iter().filter(|e| e.0 != e.1).collect();
        let mut scratch = ergon_trias::cb::Scratch::default();
        for j in 0..n {
            let got = usize::from(net.cb(&mut scratch, j as u32, None));
            prop_assert_eq!(got, brute_cb(n, s, &edges, j, 16), "target {}", j);
        }
    }

    #[test]
    fn attack_edges_bound_cb((h, r, s, edges, g) in region()) {
        let nodes: Vec<NodeTrust> = (0..h + r).map(|k| node(k, k < s)).collect();
        let graph = TrustGraph::new(&nodes, edges).unwrap();
        let net = FlowNet::new(&graph, 16);
        let targets: Vec<u32> = (0..(h + r) as u32).collect();
        let cbs = net.cb_many(&targets);
        for (y, c) in cbs.iter().enumerate().skip(h) {
            prop_assert!(usize::from(c.0) <= g, "member {} has CB {} > g = {}", y, c.0, g);
        }
        for &(c, het) in &cbs {
            prop_assert!(het <= c);
        }
    }

    #[test]
    fn gate_is_monotone(t1 in 0.0f64..0.3, dt in 0.0f64..0.3, c1 in 0u8..20, dc in 0u8..20,
                        n in 1u32..50) {
        let (t2, c2) = (t1 + dt, c1.saturating_add(dc));
        let (r1, r2) = (relative_ppm(t1, n), relative_ppm(t2, n));
        prop_assert!(r1 <= r2);
        prop_assert!(gate(t1, n, c1, 3) <= gate(t2, n, c1, 3));
        prop_assert!(gate(t1, n, c1, 3) <= gate(t1, n, c2, 3));
        prop_assert!(gate(t2, n, c2, 3) <= 1_000_000);
    }
}

/// A random graph of 20 000 nodes (five float-sum chunks): the same bits on 1 and 2 threads.
#[test]
fn same_bits_at_any_thread_count() {
    let n = 20_000u32;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let edges: Vec<(u32, u32, u64)> = (0..100_000)
        .map(|_| ((next() % u64::from(n)) as u32, (next() % u64::from(n)) as u32, next() % 7))
        .collect();
    let mut edges = edges;
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    edges.dedup_by_key(|e| (e.0, e.1));
    let nodes: Vec<NodeTrust> = (0..n as usize).map(|k| node(k, k % 97 == 0)).collect();
    let g = TrustGraph::new(&nodes, edges).unwrap();
    let stop = Stop { tol: 1e-10, max_iter: 200 };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| (eigentrust(&g, 0.15, stop), pagerank(&g, 0.15, stop)))
    };
    let (a, b) = (run(1), run(2));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    assert_eq!(bits(&a.0.trust), bits(&b.0.trust));
    assert_eq!(bits(&a.1.trust), bits(&b.1.trust));
    assert_eq!(a.0.iterations, b.0.iterations);
    let total: f64 = a.0.trust.iter().sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}
