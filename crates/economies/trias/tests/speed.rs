//! Timing of the trust snapshot at scale (run with `--release -- --ignored --nocapture`):
//! EigenTrust on 10^6 nodes and 10^7 edges, the flow network, and CB with CB_het for 10^4
//! candidates on that graph. It prints the times as it goes; the targets and the measured
//! figures are in docs/PERFORMANCE.md ("Trias").

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use std::time::Instant;

use ergon_trias::{FlowNet, NodeTrust, Stop, Tee, TrustGraph, eigentrust};

#[test]
#[ignore = "timing at scale; run in release"]
fn snapshot_at_scale() {
    // `TRIAS_SPEED_NODES` scales the graph down (for a run under callgrind); 10 edges a node.
    let n: u32 =
        std::env::var("TRIAS_SPEED_NODES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut edges: Vec<(u32, u32, u64)> = (0..10 * n as usize)
        .map(|_| ((next() % u64::from(n)) as u32, (next() % u64::from(n)) as u32, 1 + next() % 7))
        .collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    edges.dedup_by_key(|e| (e.0, e.1));
    let nodes: Vec<NodeTrust> = (0..n as usize)
        .map(|k| NodeTrust { tee: Tee::ALL[k % 4], seed: k % 1000 == 0, quarantined: false })
        .collect();
    let t0 = Instant::now();
    let g = TrustGraph::new(&nodes, edges).unwrap();
    let build = t0.elapsed();
    eprintln!("build {build:?}");
    let t1 = Instant::now();
    let t = eigentrust(&g, 0.15, Stop { tol: 1e-10, max_iter: 200 });
    let et = t1.elapsed();
    eprintln!("eigentrust {et:?} ({} iterations)", t.iterations);
    let t2 = Instant::now();
    let net = FlowNet::new(&g, 16);
    let flow_net = t2.elapsed();
    // `TRIAS_SPEED_CANDIDATES`: how many CB targets (10^4).
    let cands: u32 =
        std::env::var("TRIAS_SPEED_CANDIDATES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let t3 = Instant::now();
    let targets: Vec<u32> = (1..=cands).map(|k| k * (n / (cands + 1))).collect();
    let cbs = net.cb_many(&targets);
    let cb = t3.elapsed();
    println!(
        "build {build:?}; eigentrust {et:?} ({} iterations, change {:e}); flow network \
         {flow_net:?}; CB+CB_het of {} candidates {cb:?} (mean CB {}, mean CB_het {})",
        t.iterations,
        t.change,
        targets.len(),
        cbs.iter().map(|c| f64::from(c.0)).sum::<f64>() / cbs.len() as f64,
        cbs.iter().map(|c| f64::from(c.1)).sum::<f64>() / cbs.len() as f64
    );
}
