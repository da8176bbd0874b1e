//! Criterion benchmarks of the Trias trust snapshot (spec trias.md, "Web of trust") on a random
//! graph of 10^6 nodes and 10^7 edges (one node in 1,000 a seed, families in turn): EigenTrust
//! to 1e-10, the node-split flow network, and CB with CB_het for 10^3 candidates. Figures and
//! the commands that reproduce them are in docs/PERFORMANCE.md ("Trias").
//! Run: `cargo bench -p ergon-trias --bench trias`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ergon_trias::{FlowNet, NodeTrust, Stop, Tee, TrustGraph, eigentrust};

/// The graph of the speed test: `n` nodes, `m` random draws of `(i, j, 1..=7)`, duplicates
/// dropped.
fn graph(n: u32, m: usize) -> TrustGraph {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut edges: Vec<(u32, u32, u64)> = (0..m)
        .map(|_| ((next() % u64::from(n)) as u32, (next() % u64::from(n)) as u32, 1 + next() % 7))
        .collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    edges.dedup_by_key(|e| (e.0, e.1));
    let nodes: Vec<NodeTrust> = (0..n as usize)
        .map(|k| NodeTrust { tee: Tee::ALL[k % 4], seed: k % 1000 == 0, quarantined: false })
        .collect();
    TrustGraph::new(&nodes, edges).expect("graph")
}

/// EigenTrust, the flow network and 10^3 candidates' CB on the 10^6-node graph.
fn snapshot(c: &mut Criterion) {
    let g = graph(1_000_000, 10_000_000);
    let mut group = c.benchmark_group("trias_1e6_nodes_1e7_edges");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    let stop = Stop { tol: 1e-10, max_iter: 200 };
    group.bench_function("eigentrust", |b| b.iter(|| black_box(eigentrust(&g, 0.15, stop))));
    group.bench_function("flow_network", |b| b.iter(|| black_box(FlowNet::new(&g, 16))));
    let net = FlowNet::new(&g, 16);
    let targets: Vec<u32> = (1..=1_000).map(|k| k * 997).collect();
    group.bench_function("cb_1000_candidates", |b| b.iter(|| black_box(net.cb_many(&targets))));
    group.finish();
}

criterion_group!(benches, snapshot);
criterion_main!(benches);
