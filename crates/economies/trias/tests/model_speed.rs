//! Timing of one simulated epoch at 10^5 nodes (run with `--release --test model_speed --
//! --ignored --nocapture`): the agents' actions, then the parts of the epoch's close on the
//! same attestation graph — building the snapshot graph, EigenTrust, the compatibility
//! PageRank, the flow network, CB with CB_het for a sample of candidates — and then the whole
//! close of the epoch (snapshot with CB for every candidate — the model leaves CB_het out —,
//! payouts). The figures are in
//! docs/PERFORMANCE.md ("Trias: an epoch at 10^5 nodes").

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use std::time::Instant;

use ergon_core::{Model, RngStreams, Seed};
use ergon_trias::model::{Agents, Config};
use ergon_trias::{FlowNet, Stop, TriasModel, TrustGraph, eigentrust, pagerank};

#[test]
#[ignore = "timing at scale; run in release"]
fn an_epoch_at_a_hundred_thousand_nodes() {
    let mut a = Agents::default();
    a.verifiers.count = 50_000;
    a.verifiers.seeds = 100;
    a.verifiers.faulty = 1_000;
    a.routers.count = 5_000;
    a.executers.count = 44_000;
    let c = Config { compare: false, ..Config::default() };
    TriasModel::validate(&c, &a).unwrap();
    let t0 = Instant::now();
    let mut m = TriasModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
    let build = t0.elapsed();
    let t1 = Instant::now();
    m.act();
    let act = t1.elapsed();
    let book = m.economy().book();
    let t2 = Instant::now();
    let edges = book.edges();
    let m_edges = edges.len();
    let g = TrustGraph::new(book.nodes(), edges).unwrap();
    let graph = t2.elapsed();
    let t3 = Instant::now();
    let et = eigentrust(&g, 0.15, Stop { tol: 1e-10, max_iter: 200 });
    let eigen = t3.elapsed();
    let t4 = Instant::now();
    let pr = pagerank(&g, 0.15, Stop { tol: 1e-4, max_iter: 200 });
    let compat = t4.elapsed();
    let t5 = Instant::now();
    let net = FlowNet::new(&g, 16);
    let flow_net = t5.elapsed();
    let t6 = Instant::now();
    let targets: Vec<u32> = (0..10).map(|k| 200 + k * 4_951).collect();
    let cbs = net.cb_many(&targets);
    let cb = t6.elapsed();
    let t7 = Instant::now();
    m.close().unwrap();
    let close = t7.elapsed();
    println!(
        "nodes {}; build {build:?}; agents {act:?} ({m_edges} edges); graph {graph:?}; \
         EigenTrust {eigen:?} ({} it); PageRank {compat:?} ({} it); flow network {flow_net:?}; \
         CB+CB_het of {} candidates {cb:?} (mean CB {}); the epoch's close {close:?}",
        g.len(),
        et.iterations,
        pr.iterations,
        targets.len(),
        cbs.iter().map(|c| f64::from(c.0)).sum::<f64>() / cbs.len() as f64
    );
}
