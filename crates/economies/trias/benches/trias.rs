//! Criterion benchmarks of Trias: the trust snapshot (spec trias.md, "Web of trust") on a random
//! graph of 10^6 nodes and 10^7 edges (one node in 1,000 a seed, families in turn): EigenTrust
//! to 1e-10, the node-split flow network, and CB with CB_het for 10^3 candidates; and the
//! executers' side on the `trias-exploit` network after three days (spec trias.md, "MagCarta
//! consensus calls", "Insurance"): a call opened, answered and settled with gas, and an
//! insurance purchase with a claim on it. Figures and the commands that reproduce them are in
//! docs/PERFORMANCE.md ("Trias"). Run: `cargo bench -p ergon-trias --bench trias`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ergon_core::{Amount, Model, RngStreams};
use ergon_sim::Source;
use ergon_sim::runner::jobs;
use ergon_sim::scenario::plan;
use ergon_trias::state::calls::CallSpec;
use ergon_trias::{
    Filter, FlowNet, NodeTrust, Rule, Severity, Stop, Strategy, Tee, Trias, TriasModel, TrustGraph,
    eigentrust,
};

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

/// The `trias-exploit` network after three days (executers bonded and trusted, calls, premiums
/// and Prometh running): its economy, and its richest node (a developer, paying the calls).
fn exploit_network() -> (Trias, u32) {
    let text = include_str!("../../../../scenarios/trias-exploit.toml");
    let plan = plan::<TriasModel>(Source { name: "trias-exploit", text }, &[]).expect("shipped");
    let job = jobs(&plan)[0];
    let point = &plan.points[job.point];
    let mut m = TriasModel::build(&point.config, &point.agents, &RngStreams::new(job.seed))
        .expect("a shipped scenario builds");
    m.advance(72).expect("three days");
    let econ = m.economy().clone();
    let n = u32::try_from(econ.node_count()).expect("nodes");
    let rich = (0..n).max_by_key(|&i| econ.balance_of(i)).expect("a node");
    (econ, rich)
}

/// A MAJORITY call of k = 3 executers sampled by gate (the scenario's terms: 5 TRY, bond 0.1
/// TRY), each scheduled executer answering, then its settlement (gas, premiums, verifiers'
/// and routers' parts); and an executer buying cover with 1 TRY, a vulnerability report and
/// its claim. Each iteration on a copy of the same state (made outside the timed part).
fn executers(c: &mut Criterion) {
    let (econ, dev) = exploit_network();
    let try_ = |x: u128| Amount(x * 10u128.pow(18));
    let spec = |deadline: u64| CallSpec {
        filter: Filter { software: 1, trust_max_ppm: u64::MAX, ..Filter::default() },
        k: 3,
        strategy: Strategy::Sample,
        rule: Rule::Majority,
        quorum: 0,
        tol: 0,
        price: try_(5),
        premium_bp: 500,
        bond: Amount(try_(1).0 / 10),
        deadline,
        programs: vec![0],
        weights: Vec::new(),
        providers: Vec::new(),
    };
    let mut group = c.benchmark_group("trias_exploit_executers");
    group.bench_function("call_open_answer_settle", |b| {
        b.iter_batched(
            || econ.clone(),
            |mut e| {
                let id = e.open_call(dev, spec(e.now() + 12)).expect("a funded call");
                let scheduled = e.call(id).expect("the call").executers.clone();
                for x in scheduled {
                    e.respond(id, x, 7).expect("an answer");
                }
                let settled = e.settle_call(id).expect("settled");
                // Returned, so that the copy is dropped outside the timed part.
                (e, settled)
            },
            BatchSize::LargeInput,
        );
    });
    // The state after such a call (outside the timed part): one of its executers buys cover
    // with 1 TRY, the developer reports a vulnerability in the program it ran, and the
    // executer claims 10 TRY.
    let after_call = || {
        let mut e = econ.clone();
        let id = e.open_call(dev, spec(e.now() + 12)).expect("a funded call");
        let scheduled = e.call(id).expect("the call").executers.clone();
        for &x in &scheduled {
            e.respond(id, x, 7).expect("an answer");
        }
        e.settle_call(id).expect("settled");
        (e, scheduled[0])
    };
    group.bench_function("insure_report_claim", |b| {
        b.iter_batched(
            after_call,
            |(mut e, x)| {
                let cover = e.buy_insurance(x, try_(1)).expect("cover");
                let report = e.report_vulnerability(dev, 1_000, 0, Severity::High).expect("new");
                let claim = e.file_claim(x, 0, try_(10)).expect("an exposed executer");
                (e, cover, report, claim)
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, snapshot, executers);
criterion_main!(benches);
