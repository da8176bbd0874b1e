//! The economy through its trait: the Sybil example's rewards under the two profiles (the gate
//! keeps the ring to 17.5 % of the verifiers' pool; the compatibility PageRank lets it take
//! far more), and a refused record leaves the state as it was.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::Economy;
use ergon_core::economy::DynEconomy;
use ergon_core::economy::{Registry, constructor};
use ergon_core::replay::Replayer;
use ergon_trias::{Action, Outcome, Tee, Trias};
use serde_json::json;

static REPLAY: &Registry = &[("trias", constructor::<Trias>)];

/// The ring's share of the verifiers' pool when the Sybil vector runs under `profile`.
fn ring_share(profile: &str) -> f64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/vectors/trias/");
    let input = std::fs::read_to_string(format!("{dir}sybil.jsonl")).unwrap();
    let input = input
        .replace(r#""economy":"trias","#, &format!(r#""economy":"trias","profile":"{profile}","#));
    let mut replayer = Replayer::new(REPLAY);
    let out: Vec<String> =
        input.lines().enumerate().filter_map(|(i, l)| replayer.feed(i + 1, l).unwrap()).collect();
    let end: serde_json::Value =
        serde_json::from_str(out.iter().find(|l| l.contains("\"end_epoch\"")).unwrap()).unwrap();
    let mut ring = 0.0;
    for p in end["report"]["payouts"].as_array().unwrap() {
        let a: f64 = p["amount"].as_str().unwrap().parse().unwrap();
        if p["node"].as_str().unwrap().starts_with('Y') {
            ring += a;
        }
    }
    ring / 625.0
}

#[test]
fn the_gate_keeps_the_ring_out() {
    // Spec: 109307227182060505377/625·10^18 ≈ 0.1749 (sybil.jsonl's working).
    let spec = ring_share("spec");
    assert!((spec - 0.174_891_563_491_296_8).abs() < 1e-9, "{spec}");
    // Compat: the ring's relative PageRank is above 1 for every member (Y1 1.77, Y2 = Y3 1.38),
    // so its gates are full: weights 5·10^6 + 2·4·10^6 = 13·10^6 against at most 18·10^6 for
    // the other seven → more than 13/31 ≈ 0.42.
    let compat = ring_share("compat");
    assert!(compat > 0.41, "{compat}");
}

#[test]
fn a_refused_record_changes_nothing() {
    let g =
        serde_json::json!({"cap": "1000", "epoch_reward": "1", "steps_per_epoch": 8, "window": 4});
    let mut t = Trias::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
    for (n, tee) in [("A", Tee::Sgx), ("B", Tee::Tz)] {
        t.apply(&Action::RegisterNode { node: n.into(), tee, seed: n == "A" }).unwrap();
    }
    let before = t.clone();
    let stale_clock = Action::Attest {
        attester: "A".into(),
        attestee: "B".into(),
        step: 5,
        outcome: Outcome::Pass,
        tee: Tee::Sgx, // B runs TZ: refused, and the clock must not move to 5
        assigned: false,
    };
    assert!(t.apply(&stale_clock).is_err());
    assert_eq!(t, before);
    assert_eq!(t.snapshot()["step"], 0);
    t.check_invariants().unwrap();
}

/// A claim expiry of 0 would expire every claim at its own close, before its payment, its
/// cover used up: the genesis is refused, naming the field.
#[test]
fn a_claim_expiry_of_zero_is_refused() {
    let g = serde_json::json!({"cap": "1000", "epoch_reward": "1", "steps_per_epoch": 8,
        "window": 4, "claim_expiry": 0});
    let r = Trias::from_genesis(serde_json::from_value(g).unwrap()).unwrap_err();
    assert_eq!(r.code, "bad_param", "{}", r.message);
    assert!(r.message.contains("claim_expiry"), "{}", r.message);
}

/// At `cb_all_below` (4,096) nodes or more CB is computed for candidates only, and every
/// executer a call can schedule is one: X, attested by three seeds and declared before the
/// close, has CB 3 and is TOP's pick over V (CB 1); an unattested filler, declaring nothing,
/// shows no CB (null), not a CB of 0. (Before, only verifiers, routers and receivers were
/// candidates: X read CB 0 and gate 0, and TOP took V.)
#[test]
fn executers_get_their_cb_at_scale() {
    let g = json!({"cap": "1000000", "epoch_reward": "1000", "steps_per_epoch": 4, "window": 4});
    let mut t = Trias::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
    let mut act = |v: serde_json::Value| t.apply_value(v).unwrap().unwrap();
    for s in ["S1", "S2", "S3"] {
        act(json!({"op": "register_node", "node": s, "tee": "SGX", "seed": true}));
    }
    for (n, tee) in [("V", "TZ"), ("X", "TPM"), ("T", "SEV")] {
        act(json!({"op": "register_node", "node": n, "tee": tee}));
    }
    for k in 0..4090 {
        act(json!({"op": "register_node", "node": format!("F{k}"), "tee": "SGX"}));
    }
    for (a, b, tee) in
        [("S1", "X", "TPM"), ("S2", "X", "TPM"), ("S3", "X", "TPM"), ("S1", "V", "TZ")]
            .into_iter()
            .chain([("V", "T", "SEV")])
    {
        act(json!({"op": "attest", "attester": a, "attestee": b, "step": 3, "outcome": "pass",
                   "tee": tee}));
    }
    act(json!({"op": "declare", "node": "V", "software": ["x"]}));
    act(json!({"op": "declare", "node": "X", "software": ["x"]}));
    let close = t.end_epoch_value().unwrap();
    let row = |n: &str| close["trust"].as_array().unwrap().iter().find(|r| r["node"] == n).cloned();
    assert_eq!(row("X").unwrap()["cb"], 3, "{:?}", row("X"));
    assert_eq!(row("V").unwrap()["cb"], 1, "{:?}", row("V"));
    assert!(row("F7").unwrap()["cb"].is_null(), "{:?}", row("F7"));
    assert_eq!(row("F7").unwrap()["gate"], 0);
    let call = t
        .apply_value(json!({"op": "call", "call": "c1", "caller": "S1", "k": 1,
            "strategy": "top", "rule": "majority", "price": "100", "bond": "0", "deadline": 7,
            "software": ["x"]}))
        .unwrap()
        .unwrap();
    assert_eq!(call[0]["executers"], json!(["X"]), "{call}");
}
