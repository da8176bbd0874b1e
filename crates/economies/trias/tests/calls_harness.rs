//! Random sequences of the executers' operations through the shared property harness
//! (`ergon_testkit::props`): MagCarta calls of every rule and both strategies with random
//! filters, responses, settlements (explicit and at the close), voluntary insurance,
//! vulnerability reports, claims, analysis runs, coverage, declarations and beacon targets,
//! after a prelude that builds trust and bonds. After every step the invariants hold (tokens
//! conserved, the escrow holds the open calls' prices, the bonds pool the bonds, every split
//! adds up); a refused action leaves the economy `==` to its clone and its snapshot
//! byte-identical. 64 deterministic cases; every kind must be accepted and refused.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::Economy;
use ergon_testkit::{Harness, Move, Reach, Step};
use ergon_trias::{Action, Trias};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

const NODES: [&str; 6] = ["S", "A", "B", "C", "D", "Z"];
const FAMILY: [&str; 5] = ["SGX", "TZ", "TPM", "SEV", "SGX"];
const CALLS: [&str; 4] = ["c0", "c1", "c2", "c3"];
const KINDS: &[&str] = &[
    "call",
    "respond",
    "settle",
    "insure",
    "report_vulnerability",
    "claim",
    "analysis_run",
    "test_coverage",
    "declare",
    "targets",
];

/// Every kind the sequences use (the prelude's too).
const ALL: &[&str] = &[
    "call",
    "respond",
    "settle",
    "insure",
    "report_vulnerability",
    "claim",
    "analysis_run",
    "test_coverage",
    "declare",
    "targets",
    "register_node",
    "attest",
    "bond",
];

fn act(kind: &'static str, v: Value) -> Move<Action> {
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn node() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&NODES[..])
}

/// A move whose deadline (calls) or step (attestations) counts from the clock when resolved.
#[derive(Clone, Debug)]
struct Rel(Value, &'static str, u64);

impl Step<Trias> for Rel {
    fn resolve(&self, economy: &Trias) -> Move<Action> {
        if self.1 == "end_epoch" {
            return Move::EndEpochs(1);
        }
        let now = economy.snapshot()["step"].as_u64().unwrap();
        let mut v = self.0.clone();
        if let Some(d) = v.get_mut("deadline") {
            *d = json!(now + self.2);
        }
        if let Some(s) = v.get_mut("step") {
            *s = json!(now + self.2);
        }
        act(self.1, v)
    }
}

fn raw() -> impl Strategy<Value = Rel> {
    let rule = prop::sample::select(&["majority", "unanimous", "k_of_n", "weighted", "median"][..]);
    let strategy = prop::sample::select(&["top", "sample"][..]);
    let call = prop::sample::select(&CALLS[..]);
    let severity = prop::sample::select(&["critical", "high", "medium", "low"][..]);
    let program = prop::sample::select(&["p0", "p1"][..]);
    prop_oneof![
        4 => (call.clone(), prop::sample::select(&["S", "S", "S", "A", "Z"][..]), 1u32..5, rule,
              strategy, any::<bool>(), 0u64..3, 0u32..300, 0u32..12, any::<bool>(), 0u64..3,
              0u64..4)
            .prop_map(|(c, who, k, r, s, bad_q, tol, price, bond, tee, tr, d)| {
                let q = match (r, bad_q) {
                    (_, true) => k + 1,
                    ("k_of_n", false) => k,
                    _ => 0,
                };
                let mut v = json!({"op": "call", "call": c, "caller": who, "k": k, "rule": r,
                    "strategy": s, "quorum": q, "tol": tol, "price": price.to_string(),
                    "bond": bond.to_string(), "deadline": 0, "programs": ["p0", "p1"],
                    "weights": [1, 2], "providers": ["S"]});
                if tee {
                    v["tees"] = json!(["TZ", "TPM", "SEV"]);
                }
                if tr > 0 {
                    v["trust_epochs"] = json!(tr);
                    v["trust_min_ppm"] = json!(100_000);
                }
                if r != "weighted" {
                    v["weights"] = json!([]);
                }
                // A tolerance outside MEDIAN is refused (`bad_param`), as a quorum of k + 1 is.
                if r != "median" && !bad_q {
                    v["tol"] = json!(0);
                }
                Rel(v, "call", d)
            }),
        12 => (call.clone(), node(), 0i64..2).prop_map(|(c, e, x)| {
            Rel(json!({"op": "respond", "call": c, "executer": e, "value": x}), "respond", 0)
        }),
        2 => call.prop_map(|c| Rel(json!({"op": "settle", "call": c}), "settle", 0)),
        1 => (node(), 0u32..60).prop_map(|(n, a)| {
            Rel(json!({"op": "insure", "node": n, "amount": a.to_string()}), "insure", 0)
        }),
        1 => (node(), 0..3u8, program.clone(), severity).prop_map(|(n, v, p, s)| {
            Rel(json!({"op": "report_vulnerability", "analyst": n, "vulnerability": format!("v{v}"),
                       "program": p, "severity": s}), "report_vulnerability", 0)
        }),
        3 => (node(), program.clone(), 0u32..500).prop_map(|(n, p, l)| {
            Rel(json!({"op": "claim", "node": n, "program": p, "loss": l.to_string()}), "claim", 0)
        }),
        1 => (node(), 0..3u8).prop_map(|(n, s)| {
            Rel(json!({"op": "analysis_run", "analyst": n, "subject": format!("s{s}")}),
                "analysis_run", 0)
        }),
        1 => (node(), program, 0u64..12, 1u64..12).prop_map(|(n, p, c, t)| {
            Rel(json!({"op": "test_coverage", "analyst": n, "program": p, "covered": c,
                       "total": t}), "test_coverage", 0)
        }),
        1 => (node(), any::<bool>()).prop_map(|(n, d)| {
            let data: &[&str] = if d { &["d0"] } else { &[] };
            Rel(json!({"op": "declare", "node": n, "software": ["linux"], "data": data}),
                "declare", 0)
        }),
        1 => node().prop_map(|n| Rel(json!({"op": "targets", "verifier": n}), "targets", 0)),
        2 => (0..5usize, 0..5usize, 0u64..2).prop_map(|(i, j, s)| {
            Rel(json!({"op": "attest", "attester": NODES[i], "attestee": NODES[j], "step": 0,
                       "outcome": "pass", "tee": FAMILY[j]}), "attest", s)
        }),
        2 => Just(Rel(Value::Null, "end_epoch", 0)),
    ]
}

/// Registrations, a full attestation round, one close, bonds, one settled call and a report.
fn prelude() -> Vec<Rel> {
    let mut p = Vec::new();
    for (i, n) in NODES[..5].iter().enumerate() {
        let v = json!({"op": "register_node", "node": n, "tee": FAMILY[i], "seed": i == 0});
        p.push(Rel(v, "register_node", 0));
    }
    for j in 1..5 {
        for (a, b) in [(0, j), (j, 0)] {
            let v = json!({"op": "attest", "attester": NODES[a], "attestee": NODES[b],
                           "step": 7, "outcome": "pass", "tee": FAMILY[b], "assigned": true});
            p.push(Rel(v, "attest", 0));
        }
    }
    p.push(Rel(Value::Null, "end_epoch", 0));
    for n in &NODES[1..5] {
        p.push(Rel(json!({"op": "bond", "node": n, "amount": "15"}), "bond", 0));
    }
    // One settled call and a report, so that claims can be valid.
    let call = json!({"op": "call", "call": "c9", "caller": "S", "k": 3, "price": "90",
                      "bond": "10", "deadline": 0, "programs": ["p0"], "tees": ["TZ", "TPM", "SEV"]});
    p.push(Rel(call, "call", 8));
    for e in ["A", "B", "C"] {
        let v = json!({"op": "respond", "call": "c9", "executer": e, "value": 1});
        p.push(Rel(v, "respond", 0));
    }
    p.push(Rel(json!({"op": "settle", "call": "c9"}), "settle", 0));
    let v = json!({"op": "report_vulnerability", "analyst": "D", "vulnerability": "v9",
                   "program": "p0", "severity": "high"});
    p.push(Rel(v, "report_vulnerability", 0));
    p
}

#[test]
fn random_call_sequences_keep_the_invariants() {
    let genesis = json!({"decimals": 0, "cap": "1000000", "epoch_reward": "1000",
                         "bootstrap_epochs": 3, "steps_per_epoch": 8, "window": 8,
                         "bounty_cap": "50", "claim_expiry": 2});
    let cases = (Just(genesis), prop::collection::vec(raw(), 1..90)).prop_map(|(g, s)| {
        let mut all = prelude();
        all.extend(s);
        (g, all)
    });
    let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = Harness::<Trias>::new(ALL).run(&mut runner, &cases, || ());
    tally.assert_reached(KINDS, Reach::AcceptedAndRejected);
}
