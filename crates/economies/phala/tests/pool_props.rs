//! Property test of the stake pools through the test kit's harness: random sequences of pool
//! creation, adding workers, contributions, pooled starts, withdrawals, grace-period checks and
//! the worker operations (challenges and heartbeats pay the pools), with block closes between,
//! under both profiles. After every step the invariants hold (PHA conserved; every pool's value
//! = free + locked stake, its shares = held + queued, the `pool_free` pool = Σ free); a
//! rejected action leaves the state `==` to its clone from before; every kind is both accepted
//! and rejected. Fixed cases check how a pool splits a pooled worker's payout, and a restart's
//! refusals (each leaving the state `==` to before) and its effect.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_phala::{Action, Phala, PoolIndex};
use ergon_testkit::props::{Checks, Harness, Move, Reach};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseResult, TestRng, TestRunner};
use serde_json::{Value, json};

const KINDS: &[&str] = &[
    "create_pool",
    "register",
    "add_worker",
    "contribute",
    "pool_start",
    "challenge",
    "heartbeat",
    "withdraw",
    "check_force_withdraw",
    "stop",
    "reclaim",
];

fn act(v: Value) -> Move<Action> {
    let kind = KINDS.iter().copied().find(|k| v["op"] == *k).unwrap();
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn step() -> impl Strategy<Value = Move<Action>> {
    let w = || prop::sample::select(vec!["w0", "w1"]);
    let p = || prop::sample::select(vec!["P", "P", "P", "Q"]);
    let who = || prop::sample::select(vec!["a", "a", "a", "b", "c", "nobody"]);
    let amount = || {
        prop::sample::select(vec!["0", "0.000000001", "100", "400", "700", "700", "1500", "99999"])
    };
    prop_oneof![
        1 => (p(), who(), prop_oneof![0u32..=1_000_000, Just(2_000_000)]).prop_map(|(p, o, c)| {
            act(json!({"op": "create_pool", "pool": p, "owner": o, "commission_ppm": c}))
        }),
        2 => (w(), who()).prop_map(|(w, o)| act(json!({"op": "register", "worker": w, "owner": o,
                                                      "confidence_level": 1, "score": 1000}))),
        2 => (p(), w()).prop_map(|(p, w)| act(json!({"op": "add_worker", "pool": p, "worker": w}))),
        5 => (p(), who(), amount()).prop_map(|(p, a, x)| {
            act(json!({"op": "contribute", "pool": p, "account": a, "amount": x}))
        }),
        5 => (p(), w(), amount()).prop_map(|(p, w, x)| {
            act(json!({"op": "pool_start", "pool": p, "worker": w, "stake": x}))
        }),
        3 => w().prop_map(|w| act(json!({"op": "challenge", "worker": w}))),
        4 => (w(), 0u64..3_000_000).prop_map(|(w, i)| {
            act(json!({"op": "heartbeat", "worker": w, "iterations": i}))
        }),
        3 => (p(), who(), amount()).prop_map(|(p, a, x)| {
            act(json!({"op": "withdraw", "pool": p, "account": a, "shares": x}))
        }),
        1 => p().prop_map(|p| act(json!({"op": "check_force_withdraw", "pool": p}))),
        2 => w().prop_map(|w| act(json!({"op": "stop", "worker": w}))),
        2 => w().prop_map(|w| act(json!({"op": "reclaim", "worker": w}))),
        3 => (1u64..4).prop_map(Move::EndEpochs),
        1 => (5u64..30).prop_map(Move::Advance),
    ]
}

fn genesis() -> impl Strategy<Value = Value> {
    let profile = prop::sample::select(vec!["paper", "khala"]);
    profile.prop_map(|p| {
        json!({"profile": p, "params": "genesis", "subsidy_pool": "1000000",
               "overrides": {"k": "10", "cool_down_blocks": "3", "grace_period_blocks": "4"},
               "accounts": {"a": "10000", "b": "3000", "c": "500"}})
    })
}

struct FreeWithinValue;

impl Checks<Phala> for FreeWithinValue {
    fn step(&mut self, s: &Phala) -> TestCaseResult {
        for i in 0..s.stake_pools().rows.len() {
            let r = s.pool_row(PoolIndex(i as u32));
            prop_assert!(r.free <= r.total_value);
        }
        Ok(())
    }
}

#[test]
fn pool_sequences_keep_every_invariant() {
    let steps = prop::collection::vec(step(), 1..120);
    let config = Config { cases: 192, failure_persistence: None, ..Config::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let tally =
        Harness::<Phala>::new(KINDS).run(&mut runner, &(genesis(), steps), || FreeWithinValue);
    tally.assert_reached(KINDS, Reach::AcceptedAndRejected);
    tally.assert_codes(&[
        "unknown_pool",
        "duplicate_pool",
        "worker_in_pool",
        "not_in_pool",
        "unauthorized_pool_owner",
        "insufficient_free_stake",
        "invalid_share_to_withdraw",
        "invalid_withdrawal_amount",
        "zero_contribution",
        "ratio_out_of_range",
    ]);
}

#[test]
fn a_pooled_heartbeat_pays_the_commission_and_compounds() {
    use ergon_core::Economy;
    // The legacy payout (the growth since the last payout: `phala_launched` off).
    let g = json!({"profile": "khala", "params": "genesis", "subsidy_pool": "1000000",
                   "overrides": {"k": "10", "phala_launched": "false"},
                   "accounts": {"a": "0", "d": "5000"}});
    let mut s = Phala::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
    let mut run = |v: Value| {
        let a: Action = serde_json::from_value(v).unwrap();
        s.apply(&a).unwrap()
    };
    run(json!({"op": "create_pool", "pool": "P", "owner": "a", "commission_ppm": 250_000}));
    run(
        json!({"op": "register", "worker": "w", "owner": "a", "confidence_level": 1, "score": 1000}),
    );
    run(json!({"op": "add_worker", "pool": "P", "worker": "w"}));
    run(json!({"op": "contribute", "pool": "P", "account": "d", "amount": "3000"}));
    run(json!({"op": "pool_start", "pool": "P", "worker": "w", "stake": "2000"}));
    run(json!({"op": "challenge", "worker": "w"}));
    for _ in 0..5 {
        s.end_epoch().unwrap();
    }
    let a: Action =
        serde_json::from_value(json!({"op": "heartbeat", "worker": "w", "iterations": 50_000}))
            .unwrap();
    s.apply(&a).unwrap();
    // The heartbeat pays 10 213 320 726 base units (the gatekeeper's settlement, pinned by the
    // khala vectors). 25 % of it is 2 553 330 181.5: Permill rounds to nearest, ties down, so
    // the owner gets 2 553 330 181 and the stakers 10 213 320 726 − 2 553 330 181 =
    // 7 659 990 545, added to the pool's value (3000 PHA) and free stake (1000 PHA).
    assert_eq!(s.stats().paid.0, 10_213_320_726);
    let r = s.pool_row(PoolIndex(0));
    assert_eq!(r.commission_paid, 2_553_330_181);
    assert_eq!(r.total_value, 3000 * PHA + 7_659_990_545);
    assert_eq!(r.free, 1000 * PHA + 7_659_990_545);
    let a = s.account("a").unwrap();
    assert_eq!(s.balance_of(ergon_core::Holder::Account(a)).0, 2_553_330_181);
}

/// khala, k = 10, P = 1000 (minimum stake 316.227766016837 PHA): d contributes 3000 PHA and
/// the worker starts with 1000 (2000 free). A restart with 1000 (not above the 1000 released)
/// and one with 5000 (above the 3000 free after the instant reclaim) are refused and change
/// nothing; one with 1500 stops, reclaims (1000 back: 3000 free) and starts again: session 2,
/// stake 1500, 1500 free, the pool's value still 3000. Then d asks 2000 shares back: 1500 are
/// served, 500 wait, and a restart is refused while they wait.
#[test]
fn a_restart_needs_more_stake_and_an_empty_queue() {
    use ergon_core::Economy;
    let g = json!({"profile": "khala", "params": "genesis", "subsidy_pool": "1000000",
                   "overrides": {"k": "10"}, "accounts": {"a": "0", "d": "5000"}});
    let mut s = Phala::from_genesis(serde_json::from_value(g).unwrap()).unwrap();
    for v in [
        json!({"op": "create_pool", "pool": "P", "owner": "a", "commission_ppm": 0}),
        json!({"op": "register", "worker": "w", "owner": "a", "confidence_level": 1,
               "score": 1000}),
        json!({"op": "add_worker", "pool": "P", "worker": "w"}),
        json!({"op": "contribute", "pool": "P", "account": "d", "amount": "3000"}),
        json!({"op": "pool_start", "pool": "P", "worker": "w", "stake": "1000"}),
    ] {
        s.apply(&serde_json::from_value(v).unwrap()).unwrap();
    }
    s.end_epoch().unwrap();
    let restart = |x: &str| -> Action {
        serde_json::from_value(
            json!({"op": "pool_restart", "pool": "P", "worker": "w", "stake": x}),
        )
        .unwrap()
    };
    for (stake, code) in
        [("1000", "cannot_restart_with_less_stake"), ("5000", "insufficient_free_stake")]
    {
        let before = s.clone();
        let e = s.apply(&restart(stake)).unwrap_err();
        assert_eq!(ergon_core::Coded::code(&e), code, "{stake}");
        assert!(s == before, "a refused restart with {stake} changed the state");
    }
    s.apply(&restart("1500")).unwrap();
    s.check_invariants().unwrap();
    let w = s.workers().find("w").unwrap();
    let row = s.workers().row(w);
    assert_eq!((row.session, row.stake), (2, 1500 * PHA));
    let r = s.pool_row(PoolIndex(0));
    assert_eq!((r.free, r.total_value), (1500 * PHA, 3000 * PHA));
    let withdraw = json!({"op": "withdraw", "pool": "P", "account": "d", "shares": "2000"});
    s.apply(&serde_json::from_value(withdraw).unwrap()).unwrap();
    let before = s.clone();
    let e = s.apply(&restart("2000")).unwrap_err();
    assert_eq!(ergon_core::Coded::code(&e), "withdraw_queue_not_empty");
    assert!(s == before);
}

const PHA: u128 = 1_000_000_000_000;
