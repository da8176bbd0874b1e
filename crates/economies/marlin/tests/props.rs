//! Property test of the Marlin economy through the [`ergon_core::Economy`] trait, under both
//! rule profiles (`paper` and `deployed`): random sequences of every operation — account
//! openings, POND and MPOND transfers, whitelisting, POND → MPOND, conversion requests,
//! conversions and cancellations, governance's setters, vote delegations, proposals, votes and
//! executions, staking, receivers, subscriptions, tickets, reward claims, spam deposits,
//! messages, proofs and reports — with names some of which are unknown and amounts some of which are too large or
//! have too many decimals, interleaved with day ends.
//!
//! In the test kit's [`Harness`] after every step the invariants hold (POND and MPOND
//! conserved in the ledger, the value through the bridge conserved, each profile's custody,
//! the requests' and governance's books), and a rejected action leaves the economy `==` to its
//! clone and its snapshot byte-identical. A final test checks that every kind of operation was
//! accepted somewhere and the main refusals were met, so that the properties are not vacuous.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::sync::OnceLock;

use ergon_marlin::{Action, Marlin};
use ergon_testkit::props::{Harness, Move, Reach, Step, Tally};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

/// Every kind of operation the test drives.
const KINDS: &[&str] = &[
    "open",
    "transfer",
    "whitelist",
    "get_mpond",
    "request_conversion",
    "convert",
    "cancel_request",
    "set_liquidity_bp",
    "set_liquidity_period",
    "set_wait",
    "open_transfers",
    "delegate_votes",
    "undelegate_votes",
    "propose",
    "cast_vote",
    "execute",
    "register_cluster",
    "request_commission_update",
    "update_commission",
    "request_unregister",
    "unregister",
    "create_stash",
    "delegate_stash",
    "request_redelegation",
    "redelegate",
    "cancel_redelegation",
    "undelegate_stash",
    "cancel_undelegation",
    "add_to_stash",
    "withdraw_stash",
    "split_stash",
    "merge_stashes",
    "claim_rewards",
    "create_pool",
    "join_pool",
    "leave_pool",
    "claim_pool_rewards",
    "register_receiver",
    "receiver_deposit",
    "receiver_withdraw",
    "subscribe",
    "unsubscribe",
    "relay_tickets",
    "issue_tickets",
    "spam_deposit",
    "spam_withdraw",
    "send_message",
    "prove_spam",
    "report_spam",
];

fn name() -> impl Strategy<Value = &'static str> {
    prop_oneof![12 => prop::sample::select(vec!["a", "b", "c"]), 1 => Just("x"), 1 => Just("zz")]
}

/// A step, some resolved against the state it meets: the account's latest request, the latest
/// proposal.
#[derive(Clone, Debug)]
enum S {
    Fixed(Move<Action>),
    ConvertLatest(&'static str, String),
    CancelLatest(&'static str, Option<String>),
    VoteLatest(&'static str, bool),
    ExecuteLatest,
    /// A stash operation on the staker's open stashes: `stash` (the latest; for a merge
    /// `into` the first and `from` the latest) filled in.
    Stash(&'static str, Value),
    /// deployed: `c`'s tickets for yesterday.
    IssueYesterday(Vec<u16>),
    /// paper: a proof with the latest two attestations, or a report of the latest.
    ProveLatest(bool),
}

impl Step<Marlin> for S {
    fn resolve(&self, m: &Marlin) -> Move<Action> {
        let latest_request = |a: &str| {
            m.bridge()
                .requests()
                .filter(|((id, _), _)| m.name(*id) == a)
                .map(|((_, d), _)| *d)
                .last()
                .unwrap_or(0)
        };
        let latest_proposal = m.governance().proposals().len().saturating_sub(1);
        match self {
            S::Fixed(mv) => mv.clone(),
            S::ConvertLatest(a, x) => act(
                "convert",
                json!({"op": "convert", "account": a, "request_day": latest_request(a), "amount": x}),
            ),
            S::CancelLatest(a, Some(x)) => act(
                "cancel_request",
                json!({"op": "cancel_request", "account": a, "request_day": latest_request(a), "amount": x}),
            ),
            S::CancelLatest(a, None) => act(
                "cancel_request",
                json!({"op": "cancel_request", "account": a, "request_day": latest_request(a)}),
            ),
            S::VoteLatest(v, s) => act(
                "cast_vote",
                json!({"op": "cast_vote", "voter": v, "proposal": latest_proposal, "support": s}),
            ),
            S::ExecuteLatest => {
                act("execute", json!({"op": "execute", "proposal": latest_proposal}))
            }
            S::IssueYesterday(t) => act(
                "issue_tickets",
                json!({"op": "issue_tickets", "receiver": "c", "epoch": m.day().saturating_sub(1), "tickets": t}),
            ),
            S::ProveLatest(pair) => {
                let last = m.spam().latest_id().unwrap_or(0);
                if *pair {
                    act(
                        "prove_spam",
                        json!({"op": "prove_spam", "checker": "c", "a": last.saturating_sub(1), "b": last}),
                    )
                } else {
                    act(
                        "report_spam",
                        json!({"op": "report_spam", "checker": "c", "attestation": last}),
                    )
                }
            }
            S::Stash(kind, v) => {
                let staker = v["staker"].as_str().unwrap_or_default();
                let mine: Vec<usize> = m
                    .stakes()
                    .stashes()
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| !s.closed && m.name(s.staker) == staker)
                    .map(|(i, _)| i)
                    .collect();
                let last = mine.last().copied().unwrap_or(0);
                let mut v = v.clone();
                if *kind == "merge_stashes" {
                    v["into"] = json!(mine.first().copied().unwrap_or(0));
                    v["from"] = json!(last);
                } else {
                    v["stash"] = json!(last);
                }
                act(kind, v)
            }
        }
    }
}

/// Short chains that reach the operations which need an earlier one: a request, days, a
/// conversion and a cancel; a delegation, a proposal, votes and an execution.
fn chain() -> impl Strategy<Value = Vec<S>> {
    let holder = prop::sample::select(vec!["a", "b", "c"]);
    let stash = |kind: &'static str, v: Value| S::Stash(kind, v);
    let staking = (prop::sample::select(vec!["a", "b"]), 0u8..120, 1u64..4, 1u64..7, amount(), amount())
        .prop_map(move |(who, pct, d1, d2, p, x)| vec![
            S::Fixed(act("register_cluster", json!({"op": "register_cluster", "operator": "a", "commission_percent": pct}))),
            S::Fixed(act("register_cluster", json!({"op": "register_cluster", "operator": "b", "commission_percent": 7}))),
            S::Fixed(act("create_stash", json!({"op": "create_stash", "staker": who, "pond": "2", "mpond": x, "cluster": "a"}))),
            S::Fixed(act("create_stash", json!({"op": "create_stash", "staker": who, "pond": p, "mpond": "0.5"}))),
            S::Fixed(act("request_commission_update", json!({"op": "request_commission_update", "operator": "a", "commission_percent": pct}))),
            S::Fixed(act("request_unregister", json!({"op": "request_unregister", "operator": "b"}))),
            stash("delegate_stash", json!({"op": "delegate_stash", "staker": who, "cluster": "a"})),
            stash("split_stash", json!({"op": "split_stash", "staker": who, "pond": "1", "mpond": "0.1"})),
            stash("add_to_stash", json!({"op": "add_to_stash", "staker": who, "pond": "1", "mpond": "0.1"})),
            stash("request_redelegation", json!({"op": "request_redelegation", "staker": who, "cluster": "b"})),
            S::Fixed(Move::EndEpochs(d1)),
            S::Fixed(act("update_commission", json!({"op": "update_commission", "operator": "a"}))),
            S::Fixed(act("unregister", json!({"op": "unregister", "operator": "b"}))),
            stash("redelegate", json!({"op": "redelegate", "staker": who})),
            stash("cancel_redelegation", json!({"op": "cancel_redelegation", "staker": who})),
            stash("merge_stashes", json!({"op": "merge_stashes", "staker": who})),
            stash("undelegate_stash", json!({"op": "undelegate_stash", "staker": who})),
            S::Fixed(Move::EndEpochs(d1)),
            stash("cancel_undelegation", json!({"op": "cancel_undelegation", "staker": who})),
            stash("undelegate_stash", json!({"op": "undelegate_stash", "staker": who})),
            S::Fixed(Move::EndEpochs(d2)),
            stash("withdraw_stash", json!({"op": "withdraw_stash", "staker": who, "pond": "1", "mpond": "0.1"})),
        ]);
    let rewards = (0u8..101, amount(), 1u64..4, 0u64..70_000, 1u64..4, prop::collection::vec(any::<u16>(), 0..6), any::<bool>())
        .prop_map(|(pct, x, months, tickets, d, issued, both)| vec![
            S::Fixed(act("register_cluster", json!({"op": "register_cluster", "operator": "a", "commission_percent": pct}))),
            S::Fixed(act("create_stash", json!({"op": "create_stash", "staker": "b", "pond": "3", "mpond": "1", "cluster": "a"}))),
            S::Fixed(act("create_stash", json!({"op": "create_stash", "staker": "a", "pond": x, "cluster": "a"}))),
            S::Fixed(act("register_receiver", json!({"op": "register_receiver", "account": "c"}))),
            S::Fixed(act("subscribe", json!({"op": "subscribe", "receiver": "c", "fee": x, "months": months}))),
            S::Fixed(act("receiver_deposit", json!({"op": "receiver_deposit", "receiver": "c", "amount": x}))),
            S::Fixed(act("relay_tickets", json!({"op": "relay_tickets", "receiver": "c", "cluster": "a", "tickets": tickets}))),
            S::Fixed(Move::EndEpochs(1)),
            S::Fixed(act("receiver_withdraw", json!({"op": "receiver_withdraw", "receiver": "c", "amount": "0.5"}))),
            S::Fixed(Move::EndEpochs(d)),
            S::IssueYesterday(issued),
            S::Stash("claim_rewards", json!({"op": "claim_rewards", "staker": "b"})),
            S::Fixed(act("unsubscribe", json!({"op": "unsubscribe", "receiver": "c"}))),
            if both { S::Stash("undelegate_stash", json!({"op": "undelegate_stash", "staker": "b"})) } else { S::Fixed(Move::EndEpochs(1)) },
        ]);
    let pools = (amount(), amount(), 0u8..101, 1u64..6, 1u64..70_000)
        .prop_map(|(x, y, pct, d, tickets)| vec![
            S::Fixed(act("register_cluster", json!({"op": "register_cluster", "operator": "a", "commission_percent": pct}))),
            S::Fixed(act("create_pool", json!({"op": "create_pool", "operator": "c", "account": "p", "commission_percent": pct}))),
            S::Fixed(act("join_pool", json!({"op": "join_pool", "staker": "b", "pool": "p", "pond": x, "mpond": "0.6"}))),
            S::Fixed(act("join_pool", json!({"op": "join_pool", "staker": "a", "pool": "p", "pond": y}))),
            S::Fixed(act("create_stash", json!({"op": "create_stash", "staker": "p", "pond": x, "mpond": "0.6", "cluster": "a"}))),
            S::Fixed(act("transfer", json!({"op": "transfer", "token": "POND", "from": "p", "to": "a", "amount": "1"}))),
            S::Fixed(act("register_receiver", json!({"op": "register_receiver", "account": "c"}))),
            S::Fixed(act("subscribe", json!({"op": "subscribe", "receiver": "c", "fee": y, "months": 2}))),
            S::Fixed(act("relay_tickets", json!({"op": "relay_tickets", "receiver": "c", "cluster": "a", "tickets": tickets}))),
            S::Fixed(Move::EndEpochs(1)),
            S::Fixed(act("join_pool", json!({"op": "join_pool", "staker": "c", "pool": "p", "pond": y}))),
            S::Stash("claim_rewards", json!({"op": "claim_rewards", "staker": "p"})),
            S::Fixed(act("claim_pool_rewards", json!({"op": "claim_pool_rewards", "staker": "b", "pool": "p"}))),
            S::Fixed(act("leave_pool", json!({"op": "leave_pool", "staker": "b", "pool": "p", "pond": x}))),
            S::Stash("undelegate_stash", json!({"op": "undelegate_stash", "staker": "p"})),
            S::Fixed(Move::EndEpochs(d)),
            S::Stash("withdraw_stash", json!({"op": "withdraw_stash", "staker": "p", "pond": x, "mpond": "0.6"})),
            S::Fixed(act("leave_pool", json!({"op": "leave_pool", "staker": "b", "pool": "p", "pond": x, "mpond": "0.6"}))),
            S::Fixed(act("leave_pool", json!({"op": "leave_pool", "staker": "a", "pool": "p", "pond": y}))),
            S::Fixed(act("claim_pool_rewards", json!({"op": "claim_pool_rewards", "staker": "c", "pool": "p"}))),
            S::Fixed(act("leave_pool", json!({"op": "leave_pool", "staker": "c", "pool": "p", "pond": y}))),
        ]);
    let spam = (amount(), 0u64..90_000, 1u64..5_000, prop::option::of(amount()), any::<bool>(), 1u64..4)
        .prop_map(|(x, second, size, offset, pair, d)| vec![
            S::Fixed(act("spam_deposit", json!({"op": "spam_deposit", "producer": "a", "amount": x}))),
            S::Fixed(act("spam_deposit", json!({"op": "spam_deposit", "producer": "a", "owner": "b", "amount": "1", "fee": "0.1"}))),
            S::Fixed(act("send_message", json!({"op": "send_message", "producer": "a", "second": second, "size": size}))),
            S::Fixed(act("send_message", json!({"op": "send_message", "producer": "a", "second": second.min(86_399), "size": 7, "offset": offset}))),
            S::ProveLatest(pair),
            S::Fixed(Move::EndEpochs(d)),
            S::Fixed(act("spam_withdraw", json!({"op": "spam_withdraw", "producer": "a", "owner": "b", "amount": "1"}))),
        ]);
    prop_oneof![
        1 => rewards,
        1 => pools,
        1 => spam,
        2 => staking,
        2 => (holder.clone(), 1u64..3, amount(), prop::option::of(amount())).prop_map(
            |(a, d, x, c)| vec![
                S::Fixed(act(
                    "request_conversion",
                    json!({"op": "request_conversion", "account": a, "amount": "2"})
                )),
                S::Fixed(Move::EndEpochs(d)),
                S::ConvertLatest(a, x),
                S::CancelLatest(a, c),
            ]
        ),
        2 => (0u32..11_000, any::<bool>(), 1u64..3).prop_map(|(bp, s, d)| vec![
            S::Fixed(act(
                "delegate_votes",
                json!({"op": "delegate_votes", "from": "a", "to": "a", "amount": "4"})
            )),
            S::Fixed(act(
                "propose",
                json!({"op": "propose", "proposer": "a", "change": {"liquidity_bp": bp}})
            )),
            S::Fixed(Move::EndEpochs(1)),
            S::VoteLatest("a", true),
            S::VoteLatest("b", s),
            S::VoteLatest("a", false),
            S::Fixed(Move::EndEpochs(d)),
            S::ExecuteLatest,
            S::Fixed(act(
                "undelegate_votes",
                json!({"op": "undelegate_votes", "from": "a", "to": "a", "amount": "1"})
            )),
        ]),
    ]
}

fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..6).prop_map(|n| n.to_string()),
        2 => (0u32..3, 1u32..1_000).prop_map(|(i, f)| format!("{i}.{f:03}")),
        1 => Just("0.0000000000000000001".to_owned()),
        1 => Just("100000".to_owned()),
        1 => Just("1000000000000000000000".to_owned()),
    ]
}

fn act(kind: &'static str, v: Value) -> Move<Action> {
    Move::Act { kind, action: serde_json::from_value(v).unwrap() }
}

fn step() -> impl Strategy<Value = Move<Action>> {
    let day = 0u64..8;
    prop_oneof![
        1 => name().prop_map(|a| act("open", json!({"op": "open", "account": a}))),
        2 => (prop::sample::select(vec!["POND", "MPOND"]), name(), name(), amount()).prop_map(
            |(t, f, to, x)| act("transfer", json!({"op": "transfer", "token": t, "from": f, "to": to, "amount": x}))),
        1 => name().prop_map(|a| act("whitelist", json!({"op": "whitelist", "account": a}))),
        2 => (name(), amount()).prop_map(|(a, x)| act("get_mpond", json!({"op": "get_mpond", "account": a, "mpond": x}))),
        4 => (name(), amount()).prop_map(|(a, x)| act("request_conversion", json!({"op": "request_conversion", "account": a, "amount": x}))),
        5 => (name(), day.clone(), amount()).prop_map(|(a, d, x)| act("convert", json!({"op": "convert", "account": a, "request_day": d, "amount": x}))),
        2 => (name(), day.clone(), prop::option::of(amount())).prop_map(|(a, d, x)| act("cancel_request", match x {
            Some(x) => json!({"op": "cancel_request", "account": a, "request_day": d, "amount": x}),
            None => json!({"op": "cancel_request", "account": a, "request_day": d}),
        })),
        1 => (0u32..12_000).prop_map(|bp| act("set_liquidity_bp", json!({"op": "set_liquidity_bp", "bp": bp}))),
        1 => (0u64..4).prop_map(|d| act("set_liquidity_period", json!({"op": "set_liquidity_period", "days": d}))),
        1 => prop_oneof![0u64..3, Just(40_000u64)].prop_map(|d| act("set_wait", json!({"op": "set_wait", "days": d}))),
        1 => Just(act("open_transfers", json!({"op": "open_transfers"}))),
        3 => (name(), name(), amount()).prop_map(|(f, t, x)| act("delegate_votes", json!({"op": "delegate_votes", "from": f, "to": t, "amount": x}))),
        2 => (name(), name(), amount()).prop_map(|(f, t, x)| act("undelegate_votes", json!({"op": "undelegate_votes", "from": f, "to": t, "amount": x}))),
        2 => (name(), prop::option::of(0u32..11_000)).prop_map(|(p, bp)| act("propose", match bp {
            Some(bp) => json!({"op": "propose", "proposer": p, "change": {"liquidity_bp": bp}}),
            None => json!({"op": "propose", "proposer": p}),
        })),
        3 => (name(), 0u64..4, any::<bool>()).prop_map(|(v, p, s)| act("cast_vote", json!({"op": "cast_vote", "voter": v, "proposal": p, "support": s}))),
        2 => (0u64..4).prop_map(|p| act("execute", json!({"op": "execute", "proposal": p}))),
        5 => (1u64..3).prop_map(Move::EndEpochs),
    ]
}

fn genesis(deployed: bool) -> Value {
    let mut g = json!({
        "accounts": {"a": {"pond": "12000000", "mpond": "10"}, "b": {"pond": "3000000", "mpond": "5"}, "c": {"pond": "50", "mpond": "3"}},
        "rewards_pool": "1000",
        "wait_days": 1, "liquidity_bp": 5000, "liquidity_period_days": 1,
        "redelegation_lock_days": 2, "undelegation_lock_days": 3,
        "quorum": "3", "voting_period_days": 1, "whitelist": ["c"],
    });
    // Each profile's own parameters (the other's are refused at genesis).
    if deployed {
        g["profile"] = json!("deployed");
        g["bridge"] = json!({"pond": "8000000", "mpond": "4"});
        g["reward_per_epoch"] = json!("7");
    } else {
        for (k, v) in [
            ("subsidy_per_epoch", json!("3")),
            ("subsidy_epochs", json!(5)),
            ("month_days", json!(2)),
            ("alpha", json!("0.3")),
            ("stake_per_byte", json!("0.001")),
        ] {
            g[k] = v;
        }
    }
    g
}

fn run(deployed: bool) -> Tally {
    let one = step().prop_map(|m| vec![S::Fixed(m)]);
    let steps = prop::collection::vec(prop_oneof![5 => one, 2 => chain()], 1..30)
        .prop_map(|v| v.into_iter().flatten().collect::<Vec<S>>());
    let cases = (Just(genesis(deployed)), steps);
    let config = Config { cases: 64, failure_persistence: None, ..Config::default() };
    let seed = [if deployed { 2u8 } else { 1 }; 32];
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    Harness::<Marlin>::new(KINDS).run(&mut runner, &cases, || ())
}

fn tally(deployed: bool) -> &'static Tally {
    static PAPER: OnceLock<Tally> = OnceLock::new();
    static DEPLOYED: OnceLock<Tally> = OnceLock::new();
    (if deployed { &DEPLOYED } else { &PAPER }).get_or_init(|| {
        let t = run(deployed);
        eprintln!("deployed={deployed}: by kind [accepted, rejected]: {:?}", t.kinds);
        eprintln!("deployed={deployed}: rejections by code: {:?}", t.codes);
        t
    })
}

#[test]
fn paper_invariants_hold_and_rejections_change_nothing() {
    assert!(tally(false).accepted() > 0);
}

#[test]
fn deployed_invariants_hold_and_rejections_change_nothing() {
    assert!(tally(true).accepted() > 0);
}

/// Not vacuous: every kind accepted somewhere, and the main refusals met.
#[test]
fn every_kind_of_operation_was_reached() {
    let mut both = tally(false).clone();
    both.merge(tally(true));
    both.assert_reached(KINDS, Reach::Accepted);
    both.assert_codes(&[
        "unknown_account",
        "insufficient_balance",
        "too_many_decimals",
        "request_above_available",
        "one_request_per_day",
        "not_released",
        "above_convertible",
        "cancel_above_left",
        "not_in_profile",
        "transfers_closed",
        "mpond_locked",
        "below_threshold",
        "already_voted",
        "not_executable",
        "invalid_parameter",
        "stash_state",
        "stash_locked",
        "not_subscribed",
        "not_a_proof",
        "deposit_locked",
        "pool_account",
        "pool_short",
        "registry_request",
        "cluster_unregistered",
    ]);
}
