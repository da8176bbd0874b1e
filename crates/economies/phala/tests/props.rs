//! Property test of the Phala economy through the test kit's harness: random sequences of
//! register, set_benchmark, start, challenge, heartbeat, stop and reclaim, with block closes in
//! between, under both profiles and all three parameter sets, with names some of which are
//! unknown and stakes some of which are too small, too large or malformed. After every step the
//! economy's invariants hold (PHA conserved, the stakes pool = Σ stakes); a rejected action
//! leaves the state `==` to its clone from before; and no worker's V exceeds v_max, and the
//! pallet's state agrees with the gatekeeper's flags. Every kind is both accepted and rejected.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::Economy;
use ergon_phala::{Action, Phala, WorkerIndex, WorkerState};
use ergon_testkit::props::{Checks, Harness, Move, Reach};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};
use serde_json::{Value, json};

const KINDS: &[&str] =
    &["register", "set_benchmark", "start", "challenge", "heartbeat", "stop", "reclaim"];

fn worker() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["w0", "w1", "w2", "w3"])
}

fn stake() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "1000",
        "2000",
        "3162.277660146355",
        "500",
        "0",
        "50000",
        "0.0000000000001",
        "1000000000000",
    ])
}

fn score() -> impl Strategy<Value = u32> {
    prop_oneof![1 => 0u32..60, 3 => 0u32..7000]
}

fn act(v: Value) -> Move<Action> {
    let kind = KINDS.iter().copied().find(|k| v["op"] == *k).unwrap();
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn step() -> impl Strategy<Value = Move<Action>> {
    let owner = prop::sample::select(vec!["a", "b", "a", "b", "nobody"]);
    prop_oneof![
        4 => (worker(), owner, 0u8..8, prop::option::of(score())).prop_map(|(w, o, l, s)| {
            let mut v = json!({"op": "register", "worker": w, "owner": o, "confidence_level": l});
            if let Some(s) = s {
                v["score"] = s.into();
            }
            act(v)
        }),
        1 => (worker(), score()).prop_map(|(w, s)| {
            act(json!({"op": "set_benchmark", "worker": w, "score": s}))
        }),
        3 => (worker(), stake()).prop_map(|(w, s)| act(json!({"op": "start", "worker": w, "stake": s}))),
        3 => worker().prop_map(|w| act(json!({"op": "challenge", "worker": w}))),
        3 => (worker(), prop_oneof![0u64..20_000_000, Just(u64::MAX)]).prop_map(|(w, i)| {
            act(json!({"op": "heartbeat", "worker": w, "iterations": i}))
        }),
        2 => worker().prop_map(|w| act(json!({"op": "stop", "worker": w}))),
        3 => worker().prop_map(|w| act(json!({"op": "reclaim", "worker": w}))),
        3 => (1u64..4).prop_map(Move::EndEpochs),
        1 => (5u64..40).prop_map(Move::Advance),
    ]
}

fn genesis() -> impl Strategy<Value = Value> {
    let profile = prop::sample::select(vec!["paper", "khala"]);
    let set = prop::sample::select(vec!["khala", "genesis", "gk_test"]);
    let subsidy = prop::sample::select(vec!["0", "0.001", "1000000"]);
    (profile, set, subsidy, 1u32..6).prop_map(|(p, s, sub, window)| {
        json!({"profile": p, "params": s, "subsidy_pool": sub,
               "overrides": {"k": "10", "cool_down_blocks": "20", "halving_interval_blocks": "7",
                             "heartbeat_window": window.to_string()},
               "accounts": {"a": "10000", "b": "3000"}})
    })
}

struct Sane;

impl Checks<Phala> for Sane {
    fn step(&mut self, s: &Phala) -> TestCaseResult {
        let v_max = s.params().v_max;
        for i in 0..s.workers().len() {
            let r = s.workers().row(WorkerIndex(i as u32));
            prop_assert!(r.tok.v <= v_max, "worker {i}: V {} > v_max", r.tok.v);
            if r.computing {
                prop_assert_eq!(r.unresponsive, r.state == WorkerState::Unresponsive);
            } else {
                prop_assert!(!r.state.is_computing());
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
fn random_sequences_keep_every_invariant() {
    let steps = prop::collection::vec(step(), 1..60);
    // A fixed stream of cases: the reach below is a property of these cases, not of luck.
    let config = Config { cases: 256, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = Harness::<Phala>::new(KINDS).run(&mut runner, &(genesis(), steps), || Sane);
    tally.assert_reached(KINDS, Reach::AcceptedAndRejected);
    tally.assert_codes(&[
        "unknown_worker",
        "unknown_account",
        "duplicate_worker",
        "benchmark_missing",
        "benchmark_too_low",
        "insufficient_stake",
        "too_much_stake",
        "wrong_state",
        "cool_down_not_ready",
        "no_pending_challenge",
    ]);
    assert_eq!(Phala::NAME, "phala");
}
