//! The fast trust machinery against plain references written from the spec (trias.md, "Web of
//! trust"): CB and CB_het from a textbook Edmonds–Karp max-flow on a capacity matrix of the
//! node-split graph (random small graphs with TEE families, seeds, quarantines, zero weights and
//! small caps), and EigenTrust from a sequential power iteration over the edge list with the
//! same summation order (ascending sources within a row; fixed chunks of 4096 nodes for the two
//! global sums), compared bit for bit on one thread and on two.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use std::collections::VecDeque;

use ergon_trias::trust::CHUNK;
use ergon_trias::{FlowNet, NodeTrust, Stop, Tee, TrustGraph, eigentrust};
use proptest::prelude::*;

/// `min(cap, max flow)` from the seeds to `j_in` with every node of `without` but `j` removed.
fn reference_cb(
    nodes: &[NodeTrust],
    edges: &[(u32, u32, u64)],
    j: usize,
    without: Option<Tee>,
    cap: u8,
) -> u8 {
    if nodes[j].quarantined {
        return 0;
    }
    if nodes[j].seed {
        return cap;
    }
    let n = nodes.len();
    let (vs, source, sink) = (2 * n + 1, 2 * n, 2 * j);
    let gone = |v: usize| v != j && (nodes[v].quarantined || Some(nodes[v].tee) == without);
    let mut c = vec![vec![0u32; vs]; vs];
    for (v, s) in nodes.iter().enumerate() {
        if gone(v) {
            continue;
        }
        c[2 * v][2 * v + 1] = if s.seed { u32::from(cap) } else { 1 };
        if s.seed {
            c[source][2 * v] = u32::from(cap);
        }
    }
    for &(a, b, w) in edges {
        let (a, b) = (a as usize, b as usize);
        if w > 0 && a != b && !gone(a) && !gone(b) {
            c[2 * a + 1][2 * b] = 1;
        }
    }
    let mut flow = 0u8;
    while flow < cap {
        let mut prev = vec![usize::MAX; vs];
        prev[source] = source;
        let mut queue = VecDeque::from([source]);
        while let Some(u) = queue.pop_front() {
            for v in 0..vs {
                if c[u][v] > 0 && prev[v] == usize::MAX {
                    prev[v] = u;
                    queue.push_back(v);
                }
            }
        }
        if prev[sink] == usize::MAX {
            break;
        }
        let mut v = sink;
        while v != source {
            let u = prev[v];
            c[u][v] -= 1;
            c[v][u] += 1;
            v = u;
        }
        flow += 1;
    }
    flow
}

prop_compose! {
    /// Up to 14 nodes (node 0 an active seed), random families, seeds and quarantines, distinct
    /// directed pairs with weights 0..3, a cap of 1..=16.
    fn network()(n in 2usize..14)
        (status in prop::collection::vec((0usize..4, 0u8..10, 0u8..10), n),
         pairs in prop::collection::btree_map((0..n as u32, 0..n as u32), 0u64..4, 0..60),
         cap in 1u8..=16)
        -> (Vec<NodeTrust>, Vec<(u32, u32, u64)>, u8)
    {
        let nodes = status
            .iter()
            .enumerate()
            .map(|(k, &(f, s, q))| NodeTrust {
                tee: Tee::ALL[f],
                seed: k == 0 || s < 2,
                quarantined: k != 0 && q < 1,
            })
            .collect();
        (nodes, pairs.into_iter().map(|((a, b), w)| (a, b, w)).collect(), cap)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cb_matches_the_reference_max_flow((nodes, edges, cap) in network()) {
        let g = TrustGraph::new(&nodes, edges.clone()).unwrap();
        let net = FlowNet::new(&g, cap);
        let mut scratch = ergon_trias::cb::Scratch::default();
        let targets: Vec<u32> = (0..nodes.len() as u32).collect();
        let many = net.cb_many(&targets);
        for (j, &fast) in many.iter().enumerate() {
            let whole = reference_cb(&nodes, &edges, j, None, cap);
            let mut het = whole;
            for f in Tee::ALL {
                let other = nodes
                    .iter()
                    .enumerate()
                    .any(|(v, s)| v != j && s.tee == f && !s.quarantined);
                if other {
                    het = het.min(reference_cb(&nodes, &edges, j, Some(f), cap));
                }
                let alone = reference_cb(&nodes, &edges, j, Some(f), cap);
                prop_assert_eq!(net.cb(&mut scratch, j as u32, Some(f)), alone);
            }
            prop_assert_eq!(net.cb(&mut scratch, j as u32, None), whole, "target {}", j);
            prop_assert_eq!(fast, (whole, het), "target {}", j);
            for limit in 0..=cap {
                let got = net.cb_upto(&mut scratch, j as u32, None, limit);
                prop_assert_eq!(got, whole.min(limit));
            }
        }
    }
}

/// `Σ f(i, x_i)` by chunks of [`CHUNK`] in index order, then the chunk sums in order.
fn chunked(xs: &[f64], f: impl Fn(usize, f64) -> f64) -> f64 {
    let partials: Vec<f64> = xs
        .chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut s = 0.0;
            for (k, &x) in chunk.iter().enumerate() {
                s += f(c * CHUNK + k, x);
            }
            s
        })
        .collect();
    partials.iter().sum()
}

/// EigenTrust, sequentially, straight from the edge list (module doc).
fn reference_eigentrust(
    nodes: &[NodeTrust],
    edges: &[(u32, u32, u64)],
    alpha: f64,
    stop: Stop,
) -> (Vec<f64>, u32) {
    let n = nodes.len();
    let mut row = vec![0u128; n];
    let mut into: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
    for &(i, j, w) in edges {
        if w > 0 && i != j {
            row[i as usize] += u128::from(w);
            into[j as usize].push((i, w));
        }
    }
    for r in &mut into {
        r.sort_unstable();
    }
    let k = nodes.iter().filter(|s| s.seed).count() as f64;
    let p: Vec<f64> = nodes.iter().map(|s| if s.seed { 1.0 / k } else { 0.0 }).collect();
    let mut t = p.clone();
    let mut iterations = 0;
    while iterations < stop.max_iter {
        let dangling = chunked(&t, |i, x| if row[i] == 0 { x } else { 0.0 });
        let next: Vec<f64> = (0..n)
            .map(|j| {
                let mut s = 0.0;
                for &(i, w) in &into[j] {
                    s += (w as f64 / row[i as usize] as f64) * t[i as usize];
                }
                (1.0 - alpha) * (s + dangling * p[j]) + alpha * p[j]
            })
            .collect();
        let change = chunked(&t, |i, x| (next[i] - x).abs());
        t = next;
        iterations += 1;
        if change <= stop.tol {
            break;
        }
    }
    (t, iterations)
}

/// 30 000 nodes (eight chunks), 150 000 random edges, one node in 10 dangling.
#[test]
fn eigentrust_matches_the_sequential_reference_bit_for_bit() {
    let n = 30_000u32;
    let mut x = 0x0123_4567_89ab_cdefu64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut edges: Vec<(u32, u32, u64)> = (0..150_000)
        .map(|_| ((next() % u64::from(n)) as u32, (next() % u64::from(n)) as u32, next() % 9))
        .filter(|e| e.0 % 10 != 3)
        .collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    edges.dedup_by_key(|e| (e.0, e.1));
    let nodes: Vec<NodeTrust> = (0..n as usize)
        .map(|k| NodeTrust { tee: Tee::ALL[k % 4], seed: k % 101 == 0, quarantined: false })
        .collect();
    let stop = Stop { tol: 1e-12, max_iter: 200 };
    let (want, iterations) = reference_eigentrust(&nodes, &edges, 0.15, stop);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    let mut g = TrustGraph::new(&nodes, edges).unwrap();
    // The default layout (one part, one block at this size), then several parts and blocks:
    // parts of 4,096 rows with blocks of 1,024 or 1 source, one part with 30 blocks.
    for layout in [None, Some((12, 10)), Some((12, 0)), Some((20, 10))] {
        if let Some((part, block)) = layout {
            g = g.with_layout(part, block);
        }
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = pool.install(|| eigentrust(&g, 0.15, stop));
            assert_eq!(got.iterations, iterations, "{threads} threads, {layout:?}");
            assert!(bits(&got.trust) == bits(&want), "{threads} threads, {layout:?}: bits differ");
        }
    }
}
