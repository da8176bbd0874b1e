//! The worked example of spec trias.md (trias-example-sybil.json): ten nodes, seeds S1–S3,
//! honest H1–H4 and a Sybil ring Y1–Y3 joined by the one attack edge H3 → Y1. The graph is
//! built through the attestation book (K = 32, clock at step 31): `D = 1` is a PASS at step 0
//! (bit 0), `D = 2` a PASS at step 1 (bit 1), `D = 3` both. The expected figures are the
//! spec's; the CB_het values are worked by hand below.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_trias::gate::{GATE_SCALE, compat};
use ergon_trias::{
    Attestation, AttestationBook, FlowNet, Outcome, Tee, TrustGraph, TrustParams, snapshot,
};

/// Canonical (sorted) names; the index is the node id.
const NAMES: [&str; 10] = ["H1", "H2", "H3", "H4", "S1", "S2", "S3", "Y1", "Y2", "Y3"];
const TEE: [&str; 10] = ["SGX", "TZ", "SGX", "TPM", "SGX", "TZ", "TPM", "SGX", "SGX", "SGX"];
const EDGES: [(&str, &str, u64); 24] = [
    ("S1", "H1", 2),
    ("S1", "H2", 1),
    ("S1", "S2", 1),
    ("S2", "H2", 2),
    ("S2", "H4", 1),
    ("S2", "S3", 1),
    ("S3", "H4", 2),
    ("S3", "H3", 1),
    ("S3", "S1", 1),
    ("H1", "H3", 1),
    ("H1", "S2", 1),
    ("H2", "H1", 1),
    ("H2", "H3", 1),
    ("H3", "Y1", 1),
    ("H3", "H4", 1),
    ("H4", "H2", 1),
    ("H4", "S1", 1),
    ("Y1", "Y2", 3),
    ("Y1", "Y3", 3),
    ("Y1", "H1", 1),
    ("Y2", "Y1", 3),
    ("Y2", "Y3", 3),
    ("Y3", "Y1", 3),
    ("Y3", "Y2", 3),
];

fn id(name: &str) -> u32 {
    NAMES.iter().position(|n| *n == name).unwrap() as u32
}

/// The example's book: every `D` from PASS records at steps 0 and 1, read at step 31.
fn book() -> AttestationBook {
    let mut b = AttestationBook::new(32).unwrap();
    for (k, name) in NAMES.iter().enumerate() {
        b.register(Tee::parse(TEE[k]).unwrap(), name.starts_with('S'));
    }
    for step in 0..2u64 {
        b.advance_to(step).unwrap();
        for &(i, j, d) in &EDGES {
            if d & (1 << step) != 0 {
                let a = Attestation {
                    attester: id(i),
                    attestee: id(j),
                    step,
                    outcome: Outcome::Pass,
                    tee: Tee::parse(TEE[id(j) as usize]).unwrap(),
                };
                b.record(&a).unwrap();
            }
        }
    }
    b.advance_to(31).unwrap();
    b
}

fn graph() -> TrustGraph {
    let b = book();
    TrustGraph::new(b.nodes(), b.edges()).unwrap()
}

#[test]
fn the_book_reproduces_the_weights() {
    let b = book();
    let edges = b.edges();
    assert_eq!(edges.len(), 24);
    for &(i, j, d) in &EDGES {
        assert_eq!(b.direct(id(i), id(j), 31), d, "{i} -> {j}");
    }
    // One step later every weight halves (bit 0 leaves the window): D = 3 becomes 1.
    assert_eq!(b.direct(id("Y1"), id("Y2"), 32), 1);
    assert_eq!(b.direct(id("S1"), id("H2"), 32), 0);
}

#[test]
fn eigentrust_matches_the_spec() {
    let g = graph();
    let s = snapshot(&g, &TrustParams::default(), &[]).unwrap();
    let expected = [
        ("H1", 0.1113027291),
        ("H2", 0.1203707020),
        ("H3", 0.1145488240),
        ("H4", 0.1065649088),
        ("S1", 0.1113777020),
        ("S2", 0.1209714215),
        ("S3", 0.0757064271),
        ("Y1", 0.1054912958),
        ("Y2", 0.0668329949),
        ("Y3", 0.0668329949),
    ];
    for (name, t) in expected {
        let got = s.trust.trust[id(name) as usize];
        assert!((got - t).abs() < 1e-9, "{name}: {got} vs {t}");
    }
    assert!(s.trust.change <= 1e-10 && s.trust.iterations < 200);
    let sybil: f64 = ["Y1", "Y2", "Y3"].iter().map(|y| s.trust.trust[id(y) as usize]).sum();
    assert!((sybil - 0.2391572856).abs() < 1e-9, "{sybil}");
}

#[test]
fn cb_and_gates_are_exact() {
    let g = graph();
    let s = snapshot(&g, &TrustParams::default(), &[]).unwrap();
    let cb = [("H1", 3), ("H2", 3), ("H3", 3), ("H4", 3), ("Y1", 1), ("Y2", 1), ("Y3", 1)];
    for (name, c) in cb {
        assert_eq!(s.cb[id(name) as usize], Some(c), "{name}");
    }
    for seed in ["S1", "S2", "S3"] {
        assert_eq!((s.cb[id(seed) as usize], s.cb_het[id(seed) as usize]), (Some(16), Some(16)));
    }
    // CB_het by hand. Y1–Y3: every path enters through H3 (SGX) → 0 without SGX. H1 (SGX): its
    // in-neighbours S1 (SGX), H2 (TZ), Y1 (SGX); without SGX only S2 → H2 → H1 is left → 1.
    // H2, H3, H4: each keeps two disjoint paths whichever family goes → 2.
    let het = [("H1", 1), ("H2", 2), ("H3", 2), ("H4", 2), ("Y1", 0), ("Y2", 0), ("Y3", 0)];
    for (name, c) in het {
        assert_eq!(s.cb_het[id(name) as usize], Some(c), "{name}");
    }
    // Without CB_het (the simulation's setting): the same CB and gates, no CB_het.
    let plain =
        snapshot(&g, &TrustParams { cb_het: false, ..TrustParams::default() }, &[]).unwrap();
    assert_eq!((&plain.cb, &plain.gate), (&s.cb, &s.gate));
    assert!(plain.cb_het.iter().all(Option::is_none));
    // Gates: ⌊min(10^6, ⌊10·t·10^6⌋)·min(CB, 3)/3⌋. S1, S2 have r > 1 → 10^6;
    // S3: ⌊757 064.271⌋ = 757 064; Y1: r = 1.05 → 10^6/3 → 333 333;
    // Y2, Y3: ⌊668 329.949⌋ = 668 329, /3 → 222 776.
    let gates = [
        ("H1", 1_000_000),
        ("H2", 1_000_000),
        ("H3", 1_000_000),
        ("H4", 1_000_000),
        ("S1", 1_000_000),
        ("S2", 1_000_000),
        ("S3", 757_064),
        ("Y1", 333_333),
        ("Y2", 222_776),
        ("Y3", 222_776),
    ];
    for (name, gt) in gates {
        assert_eq!(s.gate[id(name) as usize], gt, "{name}");
    }
    assert_eq!(GATE_SCALE, 1_000_000);
}

#[test]
fn compat_pagerank_favours_the_ring() {
    let g = graph();
    let p = TrustParams::default();
    let ring = |t: &[f64]| -> f64 { ["Y1", "Y2", "Y3"].iter().map(|y| t[id(y) as usize]).sum() };
    // Run to its fixed point, the spec's figure is met to 1e-9.
    let mut tight = p;
    tight.compat_stop.tol = 1e-14;
    tight.compat_stop.max_iter = 1000;
    let exact = compat(&g, &tight);
    assert!((ring(&exact.trust) - 0.4532620730).abs() < 1e-9, "{}", ring(&exact.trust));
    // At the shipped stop (L1 change ≤ 1e-4) the error is at most 1e-4·0.85/0.15.
    let shipped = compat(&g, &p);
    assert!(shipped.change <= 1e-4);
    assert!((ring(&shipped.trust) - 0.4532620730).abs() <= 1e-4 * 0.85 / 0.15);
    // Y1 ranks first.
    let y1 = shipped.trust[id("Y1") as usize];
    assert!(shipped.trust.iter().enumerate().all(|(j, &t)| j == id("Y1") as usize || t < y1));
}

#[test]
fn flow_net_agrees_in_parallel_and_alone() {
    let g = graph();
    let net = FlowNet::new(&g, 16);
    let all: Vec<u32> = (0..10).collect();
    let par = net.cb_many(&all);
    let mut s = ergon_trias::cb::Scratch::default();
    for j in 0..10u32 {
        assert_eq!(par[j as usize], net.cb_het(&mut s, j));
    }
}
