//! Property test of the paper profile's contracts through the test kit's harness: random
//! sequences of register, start, deploy_contract, stop_contract, challenge, heartbeat, stop and
//! reclaim with block closes in between, under both profiles (khala refuses every contract
//! operation with `not_in_profile`). After every step the economy's invariants hold — PHA
//! conserved, the `gas_escrow` pool = Σ running contracts' escrow, every running contract's
//! worker runs it and every Active worker runs one — and a rejected action leaves the state
//! `==` to its clone from before. Each contract kind is both accepted and rejected.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_phala::{Action, Phala, Profile, WorkerIndex, WorkerState};
use ergon_testkit::props::{Checks, Harness, Move, Reach};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};
use serde_json::{Value, json};

const KINDS: &[&str] = &[
    "register",
    "start",
    "deploy_contract",
    "stop_contract",
    "challenge",
    "heartbeat",
    "stop",
    "reclaim",
];

fn worker() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["w0", "w1", "w2", "w3"])
}

fn contract() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["c0", "c1", "c2", "c3", "c9"])
}

fn act(v: Value) -> Move<Action> {
    let kind = KINDS.iter().copied().find(|k| v["op"] == *k).unwrap();
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn step() -> impl Strategy<Value = Move<Action>> {
    let tiers = prop::sample::select(vec![
        vec![1u8, 2, 3],
        vec![1, 2, 3, 4, 5],
        vec![4, 5],
        vec![5],
        vec![],
        vec![0, 1],
    ]);
    let budget = prop::sample::select(vec!["10", "100", "0", "0.000000000001", "5000"]);
    let rate = prop::sample::select(vec!["1", "0.5", "0", "20"]);
    let developer = prop::sample::select(vec!["dev", "dev", "a", "nobody"]);
    prop_oneof![
        3 => (worker(), 1u8..6, 50u32..6000).prop_map(|(w, l, s)| {
            act(json!({"op": "register", "worker": w, "owner": "a", "confidence_level": l, "score": s}))
        }),
        3 => worker().prop_map(|w| act(json!({"op": "start", "worker": w, "stake": "1000"}))),
        5 => (contract(), developer.clone(), tiers, budget, rate, any::<u64>()).prop_map(
            |(c, d, t, b, r, draw)| {
                act(json!({"op": "deploy_contract", "contract": c, "developer": d, "tiers": t,
                           "gas_budget": b, "gas_per_block": r, "draw": draw}))
            }
        ),
        2 => (contract(), developer).prop_map(|(c, d)| {
            act(json!({"op": "stop_contract", "contract": c, "developer": d}))
        }),
        3 => worker().prop_map(|w| act(json!({"op": "challenge", "worker": w}))),
        3 => (worker(), 0u64..200_000).prop_map(|(w, i)| {
            act(json!({"op": "heartbeat", "worker": w, "iterations": i}))
        }),
        1 => worker().prop_map(|w| act(json!({"op": "stop", "worker": w}))),
        1 => worker().prop_map(|w| act(json!({"op": "reclaim", "worker": w}))),
        3 => (1u64..4).prop_map(Move::EndEpochs),
        1 => (5u64..30).prop_map(Move::Advance),
    ]
}

fn genesis() -> impl Strategy<Value = Value> {
    let profile = prop::sample::select(vec!["paper", "paper", "paper", "khala"]);
    (profile, 1u32..6).prop_map(|(p, window)| {
        json!({"profile": p, "subsidy_pool": "1000000",
               "overrides": {"k": "10", "cool_down_blocks": "20",
                             "heartbeat_window": window.to_string()},
               "accounts": {"a": "10000", "dev": "300"}})
    })
}

struct Sane;

impl Checks<Phala> for Sane {
    fn step(&mut self, s: &Phala) -> TestCaseResult {
        for i in 0..s.workers().len() {
            let r = s.workers().row(WorkerIndex(i as u32));
            prop_assert_eq!(
                r.state == WorkerState::Active,
                r.contract.is_some() && !r.unresponsive
            );
            if s.params().profile == Profile::Khala {
                prop_assert!(r.contract.is_none());
            }
        }
        Ok(())
    }

    fn accepted(&mut self, _: &Phala, events: &[ergon_phala::Event]) -> TestCaseResult {
        prop_assert_eq!(events.len(), 1);
        Ok(())
    }
}

#[test]
fn contracts_keep_every_invariant() {
    let steps = prop::collection::vec(step(), 1..60);
    let config = Config { cases: 256, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = Harness::<Phala>::new(KINDS).run(&mut runner, &(genesis(), steps), || Sane);
    tally.assert_reached(&["deploy_contract", "stop_contract"], Reach::AcceptedAndRejected);
    tally.assert_codes(&[
        "not_in_profile",
        "no_eligible_worker",
        "bad_tiers",
        "zero_gas",
        "duplicate_contract",
        "unknown_contract",
        "contract_ended",
        "not_contract_developer",
        "insufficient_balance",
        "unknown_account",
    ]);
}
