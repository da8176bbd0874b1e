//! Property test of vaults through the test kit's harness: random sequences of vault and stake
//! pool operations — create, contribute, invest, divest, withdraw, the owner's commission, the
//! shutdown check — with a pooled worker earning rewards and block closes in between, under
//! both profiles. After every step the invariants hold (PHA conserved, each pool's value = free +
//! locked and shares = held + queued, each vault's shares = held + queued); a rejected action
//! leaves the state `==` to its clone from before; every vault kind is accepted and rejected.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_phala::{Action, Phala};
use ergon_testkit::props::{Checks, Harness, Move, Reach};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};
use serde_json::{Value, json};

const KINDS: &[&str] = &[
    "create_vault",
    "vault_contribute",
    "vault_invest",
    "vault_divest",
    "vault_withdraw",
    "gain_owner_shares",
    "check_vault",
    "pool_start",
    "challenge",
    "heartbeat",
    "setup",
];

fn act(v: Value) -> Move<Action> {
    let kind = KINDS.iter().copied().find(|k| v["op"] == *k).unwrap();
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn step() -> impl Strategy<Value = Move<Action>> {
    let vault = prop::sample::select(vec!["v0", "v0", "v1", "v9"]);
    let who = prop::sample::select(vec!["a", "b", "vo", "vo", "vo", "nobody"]);
    let amount =
        prop::sample::select(vec!["100", "100", "300", "1000", "0", "0.000000001", "100000"]);
    let pool = prop::sample::select(vec!["p", "p", "q"]);
    prop_oneof![
        2 => (vault.clone(), who.clone(), 0u32..400_000).prop_map(|(v, o, c)| {
            act(json!({"op": "create_vault", "vault": v, "owner": o, "commission_ppm": c}))
        }),
        4 => (vault.clone(), who.clone(), amount.clone()).prop_map(|(v, a, x)| {
            act(json!({"op": "vault_contribute", "vault": v, "account": a, "amount": x}))
        }),
        3 => (vault.clone(), who.clone(), pool.clone(), amount.clone()).prop_map(|(v, o, p, x)| {
            act(json!({"op": "vault_invest", "vault": v, "owner": o, "pool": p, "amount": x}))
        }),
        2 => (vault.clone(), who.clone(), pool, amount.clone()).prop_map(|(v, o, p, x)| {
            act(json!({"op": "vault_divest", "vault": v, "owner": o, "pool": p, "shares": x}))
        }),
        2 => (vault.clone(), who.clone(), amount).prop_map(|(v, a, x)| {
            act(json!({"op": "vault_withdraw", "vault": v, "account": a, "shares": x}))
        }),
        2 => (vault.clone(), who).prop_map(|(v, o)| {
            act(json!({"op": "gain_owner_shares", "vault": v, "owner": o}))
        }),
        2 => vault.prop_map(|v| act(json!({"op": "check_vault", "vault": v}))),
        2 => prop::sample::select(vec!["500", "1000"]).prop_map(|x| {
            act(json!({"op": "pool_start", "pool": "p", "worker": "w1", "stake": x}))
        }),
        3 => Just(act(json!({"op": "challenge", "worker": "w1"}))),
        3 => (0u64..40_000).prop_map(|i| act(json!({"op": "heartbeat", "worker": "w1", "iterations": i}))),
        3 => (1u64..4).prop_map(Move::EndEpochs),
        1 => (5u64..60).prop_map(Move::Advance),
    ]
}

fn genesis() -> impl Strategy<Value = Value> {
    let profile = prop::sample::select(vec!["paper", "khala"]);
    profile.prop_map(|p| {
        json!({"profile": p, "subsidy_pool": "1000000",
               "overrides": {"k": "10", "budget_per_block": "50", "vault_grace_period_blocks": "40",
                             "heartbeat_window": "5"},
               "accounts": {"a": "5000", "b": "3000", "vo": "10", "po": "0"}})
    })
}

/// Before the random steps: pool p with worker w1 (Ready), vault v0 holding 500 PHA free and
/// 1500 invested in p, so rewards can flow into it.
fn setup() -> Vec<Action> {
    [
        json!({"op": "register", "worker": "w1", "owner": "po", "confidence_level": 1, "score": 1000}),
        json!({"op": "create_pool", "pool": "p", "owner": "po", "commission_ppm": 50000}),
        json!({"op": "add_worker", "pool": "p", "worker": "w1"}),
        json!({"op": "create_vault", "vault": "v0", "owner": "vo", "commission_ppm": 100000}),
        json!({"op": "vault_contribute", "vault": "v0", "account": "a", "amount": "2000"}),
        json!({"op": "vault_invest", "vault": "v0", "owner": "vo", "pool": "p", "amount": "1500"}),
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).unwrap())
    .collect()
}

struct Sane;

impl Checks<Phala> for Sane {
    fn accepted(&mut self, _: &Phala, events: &[ergon_phala::Event]) -> TestCaseResult {
        prop_assert_eq!(events.len(), 1);
        Ok(())
    }
}

#[test]
fn vaults_keep_every_invariant() {
    let steps = prop::collection::vec(step(), 1..60);
    let moves = steps.prop_map(|s| {
        let mut all: Vec<Move<Action>> =
            setup().into_iter().map(|a| Move::Act { kind: "setup", action: a }).collect();
        all.extend(s);
        all
    });
    let config = Config { cases: 256, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally = Harness::<Phala>::new(KINDS).run(&mut runner, &(genesis(), moves), || Sane);
    tally.assert_reached(&KINDS[..7], Reach::AcceptedAndRejected);
    tally.assert_codes(&[
        "unknown_vault",
        "duplicate_vault",
        "unauthorized_vault_owner",
        "invalid_vault_shares",
        "zero_contribution",
        "insufficient_balance",
        "unknown_pool",
    ]);
}
