//! Property test of the toy economy through the [`Economy`] trait: random sequences of actions
//! (open, transfer, burn, lock, forfeit, create_validator, delegate, undelegate,
//! withdraw_rewards, withdraw_commission, slash) and epoch ends, with random names (some unknown)
//! and random amounts (some too large, some with too many decimals). After every step the toy's
//! invariants hold; a rejected action leaves the toy `==` to its clone from before and its
//! snapshot identical. Across all cases, every kind of action is both accepted and rejected.
//! The sequences run in the test kit's [`Harness`]; this file draws them.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::Economy;
use ergon_testkit::props::{Checks, Harness, Move, Reach};
use ergon_testkit::toy::{Toy, ToyAction};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use serde_json::{Value, json};

/// Every kind of action the test drives.
const KINDS: &[&str] = &[
    "open",
    "transfer",
    "burn",
    "lock",
    "forfeit",
    "create_validator",
    "delegate",
    "undelegate",
    "withdraw_rewards",
    "withdraw_commission",
    "slash",
];

/// The first three exist at genesis; the others only once opened.
const NAMES: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];

/// Amounts as drawn. `Balance` and `Delegation` are read from the snapshot when the action is
/// built: exactly what the account holds, or what its delegation is worth.
#[derive(Clone, Debug)]
enum Amt {
    Lit(String),
    Balance,
    Delegation,
}

fn amt() -> impl Strategy<Value = Amt> {
    prop_oneof![
        6 => (0u32..1_200).prop_map(|n| Amt::Lit(n.to_string())),
        // Six decimals: fine unless the token has none.
        3 => (0u32..300, 1u32..1_000_000).prop_map(|(i, f)| Amt::Lit(format!("{i}.{f:06}"))),
        // Nineteen decimals: more than any toy token has.
        1 => Just(Amt::Lit("0.0000000000000000001".into())),
        // More than anyone holds; too large for 128 bits once scaled by 10^18.
        1 => Just(Amt::Lit("1000000000000000000000000".into())),
        1 => Just(Amt::Lit("340282366920938463463374607431768211455".into())),
        2 => Just(Amt::Balance),
        2 => Just(Amt::Delegation),
    ]
}

fn fraction() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["0", "0.000001", "0.01", "0.1", "0.5", "1", "1.5", "0.0000001"])
}

/// Mostly the genesis accounts, so that validators exist and delegations to them succeed.
fn name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just(NAMES[0]),
        4 => Just(NAMES[1]),
        3 => Just(NAMES[2]),
        1 => Just(NAMES[3]),
        1 => Just(NAMES[4]),
    ]
}

#[derive(Clone, Debug)]
enum Step {
    Open(&'static str),
    Transfer(&'static str, &'static str, Amt),
    Burn(&'static str, Amt),
    Lock(&'static str, Amt, u64),
    Forfeit(&'static str),
    CreateValidator(&'static str, Amt, &'static str),
    Delegate(&'static str, &'static str, Amt),
    Undelegate(&'static str, &'static str, Amt),
    WithdrawRewards(&'static str, &'static str),
    WithdrawCommission(&'static str),
    /// Infraction epoch relative to now (positive: in the future).
    Slash(&'static str, &'static str, i64),
    EndEpochs(u64),
}

fn step() -> impl Strategy<Value = Step> {
    let lock_epochs = prop_oneof![8 => 0u64..6, 1 => Just(u64::MAX)];
    prop_oneof![
        1 => name().prop_map(Step::Open),
        4 => (name(), name(), amt()).prop_map(|(f, t, a)| Step::Transfer(f, t, a)),
        2 => (name(), amt()).prop_map(|(f, a)| Step::Burn(f, a)),
        3 => (name(), amt(), lock_epochs).prop_map(|(n, a, e)| Step::Lock(n, a, e)),
        1 => name().prop_map(Step::Forfeit),
        2 => (name(), amt(), fraction()).prop_map(|(n, a, c)| Step::CreateValidator(n, a, c)),
        4 => (name(), name(), amt()).prop_map(|(d, v, a)| Step::Delegate(d, v, a)),
        3 => (name(), name(), amt()).prop_map(|(d, v, a)| Step::Undelegate(d, v, a)),
        2 => (name(), name()).prop_map(|(d, v)| Step::WithdrawRewards(d, v)),
        1 => name().prop_map(Step::WithdrawCommission),
        1 => (name(), fraction(), -4i64..=1).prop_map(|(v, f, e)| Step::Slash(v, f, e)),
        4 => (1u64..4).prop_map(Step::EndEpochs),
    ]
}

/// The genesis of `tests/vectors/toy/tour.jsonl` (minus `op` and `economy`), with the token's
/// decimals and the epoch counts drawn.
fn genesis() -> impl Strategy<Value = Value> {
    (prop::sample::select(vec![0u8, 6, 18]), 1u64..4, 0u64..4).prop_map(
        |(decimals, halving, unbonding)| {
            json!({"cap": "1000000", "decimals": decimals,
                   "accounts": {"alice": "1000", "bob": "500", "carol": "0"},
                   "epoch_reward": "10", "halving_epochs": halving, "unbonding_epochs": unbonding})
        },
    )
}

/// The snapshot's string at `path`, e.g. `["accounts", "bob", "balance"]`.
fn text_at(snapshot: &Value, path: &[&str]) -> Option<String> {
    let mut v = snapshot;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::to_owned)
}

fn amount_text(toy: &Toy, a: &Amt, account: &str, validator: &str) -> String {
    let s = toy.snapshot();
    match a {
        Amt::Lit(t) => t.clone(),
        Amt::Balance => {
            text_at(&s, &["accounts", account, "balance"]).unwrap_or_else(|| "1".into())
        }
        Amt::Delegation => s["validators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["operator"] == validator)
            .and_then(|v| text_at(v, &["delegations", account]))
            .unwrap_or_else(|| "2".into()),
    }
}

/// The action for `step` as a replay line would give it (decoded from JSON).
fn action(toy: &Toy, step: &Step) -> Value {
    let amount = |a: &Amt, account: &str, validator: &str| amount_text(toy, a, account, validator);
    let epoch = toy.epoch().0;
    match step {
        Step::Open(n) => json!({"op": "open", "account": n}),
        Step::Transfer(f, t, a) => {
            json!({"op": "transfer", "from": f, "to": t, "amount": amount(a, f, t)})
        }
        Step::Burn(f, a) => json!({"op": "burn", "from": f, "amount": amount(a, f, f)}),
        Step::Lock(n, a, e) => {
            json!({"op": "lock", "account": n, "amount": amount(a, n, n), "epochs": e})
        }
        Step::Forfeit(n) => json!({"op": "forfeit", "account": n}),
        Step::CreateValidator(n, a, c) => {
            json!({"op": "create_validator", "operator": n, "self_bond": amount(a, n, n), "commission": c})
        }
        Step::Delegate(d, v, a) => {
            json!({"op": "delegate", "delegator": d, "validator": v, "amount": amount(a, d, v)})
        }
        Step::Undelegate(d, v, a) => {
            json!({"op": "undelegate", "delegator": d, "validator": v, "amount": amount(a, d, v)})
        }
        Step::WithdrawRewards(d, v) => {
            json!({"op": "withdraw_rewards", "delegator": d, "validator": v})
        }
        Step::WithdrawCommission(v) => json!({"op": "withdraw_commission", "validator": v}),
        Step::Slash(v, f, e) => {
            let infraction = epoch.saturating_add_signed(*e);
            json!({"op": "slash", "validator": v, "fraction": f, "infraction_epoch": infraction})
        }
        Step::EndEpochs(_) => unreachable!("not an action"),
    }
}

impl ergon_testkit::props::Step<Toy> for Step {
    fn resolve(&self, toy: &Toy) -> Move<ToyAction> {
        if let Step::EndEpochs(n) = self {
            return Move::EndEpochs(*n);
        }
        let json = action(toy, self);
        let kind = KINDS.iter().copied().find(|k| json["op"] == *k).unwrap();
        Move::Act { kind, action: serde_json::from_value(json).unwrap() }
    }
}

/// Every accepted action reports exactly one event.
struct OneEvent;

impl Checks<Toy> for OneEvent {
    fn accepted(&mut self, _: &Toy, events: &[Value]) -> TestCaseResult {
        prop_assert_eq!(events.len(), 1);
        Ok(())
    }
}

#[test]
fn toy_invariants_hold_and_rejections_change_nothing() {
    // Most cases start by creating a validator or two, so that staking actions get accepted.
    let validators = proptest::collection::vec(
        (name(), (1u32..400).prop_map(|n| Amt::Lit(n.to_string())), fraction())
            .prop_map(|(n, a, c)| Step::CreateValidator(n, a, c)),
        0..3,
    );
    let steps =
        (validators, proptest::collection::vec(step(), 1..100)).prop_map(|(mut v, steps)| {
            v.extend(steps);
            v
        });
    let mut runner =
        TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    let tally = Harness::<Toy>::new(KINDS).run(&mut runner, &(genesis(), steps), || OneEvent);
    // The property exercised both paths of every action.
    tally.assert_reached(KINDS, Reach::AcceptedAndRejected);
    // Rejections of every kind of input error were seen.
    tally.assert_codes(&[
        "unknown_account",
        "unknown_validator",
        "insufficient_balance",
        "too_many_decimals",
    ]);
}
