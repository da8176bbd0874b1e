//! Property test of the Stratos economy through the [`Economy`] trait, under both rule profiles
//! (`paper` and `mainnet`): random sequences of prepays (with and without a beneficiary),
//! uploads, downloads and database queries (with and without explicit nodes), computations,
//! node activations, performance reports and reinstatements, unregisters and shutdowns, meta-node
//! registrations, approvals, votes and kicks, gas payments, validators, delegations,
//! undelegations and withdrawals, transfers and new accounts — with random names (some unknown)
//! and random amounts (some too large, some with too many decimals) — interleaved with epoch ends
//! and occasional long advances (a loop of `end_epoch`).
//!
//! After every step the economy's invariants hold; a rejected action leaves the economy `==` to
//! its clone from before and its snapshot identical; an epoch end never fails, and its report
//! agrees with the ledger (R + M + gas = every part paid, taxed, dusted or unissued; each pool
//! moved by what the report says); a resource node exits only once its own deposit returned.
//! Each profile runs once per test process (64 deterministic cases of up to 60 steps); a final
//! test checks that every kind of action was accepted (and rejected) at least once, so the
//! properties are not vacuous. The regressions at the end pin the bugs this test and the replay
//! vectors found.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use ergon_core::{Amount, Economy, TokenMeta};
use ergon_stratos::params::OZ;
use ergon_stratos::{Action, EpochReport, Genesis, Stratos};
use proptest::prelude::*;
use proptest::test_runner::{
    Config, RngAlgorithm, TestCaseError, TestCaseResult, TestRng, TestRunner,
};
use serde_json::{Value, json};

/// Every kind of action the test drives.
const KINDS: [&str; 24] = [
    "open",
    "transfer",
    "prepay",
    "upload",
    "download",
    "db_query",
    "compute",
    "activate_node",
    "performance",
    "reinstate",
    "slash",
    "unregister",
    "shutdown",
    "register_meta",
    "approve_meta",
    "vote_meta",
    "vote_kick",
    "pay_gas",
    "create_validator",
    "delegate",
    "undelegate",
    "withdraw_rewards",
    "withdraw_commission",
    "withdraw_matured",
];

// ---- names ---------------------------------------------------------------------------------

/// Users (accounts with STOS, no role at genesis).
const USERS: [&str; 2] = ["u0", "u1"];
/// Resource nodes: n0 and n1 at genesis; n2 and n3 are accounts that may activate.
const NODES: [&str; 4] = ["n0", "n1", "n2", "n3"];
/// Meta nodes: m0 at genesis; m1 and m2 are accounts that may register.
const METAS: [&str; 3] = ["m0", "m1", "m2"];
/// Validator operators: v0 at genesis; v1 may create one.
const VALIDATORS: [&str; 2] = ["v0", "v1"];
/// Accounts that only exist once opened.
const FRESH: [&str; 2] = ["x0", "x1"];
/// Never an account.
const UNKNOWN: &str = "zz";

fn pick(names: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(names.to_vec())
}

/// Any name, mostly known ones.
fn anyone() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => pick(&USERS),
        2 => pick(&NODES),
        2 => pick(&METAS),
        2 => pick(&VALIDATORS),
        1 => pick(&FRESH),
        1 => Just(UNKNOWN),
    ]
}

/// A name for a role: mostly from its set, sometimes any name.
fn role(names: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => pick(names), 1 => anyone()]
}

// ---- amounts -------------------------------------------------------------------------------

/// A STOS amount as drawn. `Balance` and `Delegation` are read from the snapshot when the action
/// is built: exactly what the account holds, or what its delegation is worth.
#[derive(Clone, Debug)]
enum Amt {
    Lit(String),
    Balance,
    Delegation,
}

fn stos() -> impl Strategy<Value = Amt> {
    prop_oneof![
        6 => (0u32..2_000).prop_map(|n| Amt::Lit(n.to_string())),
        3 => (0u32..300, 1u32..1_000_000).prop_map(|(i, f)| Amt::Lit(format!("{i}.{f:06}"))),
        1 => Just(Amt::Lit("0.000000000000000001".into())),
        // 19 decimals: more than STOS has.
        1 => Just(Amt::Lit("0.0000000000000000001".into())),
        // More than anyone holds; too large for 128 bits once scaled by 10^18.
        1 => Just(Amt::Lit("5000000".into())),
        1 => Just(Amt::Lit("1000000000000000000000".into())),
        2 => Just(Amt::Balance),
        2 => Just(Amt::Delegation),
    ]
}

/// A size in Oz.
fn size() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..60).prop_map(|n| n.to_string()),
        2 => (0u32..10, 1u32..1_000_000_000).prop_map(|(i, f)| format!("{i}.{f:09}")),
        1 => Just("0.000000001".to_owned()),
        // 10 decimals: more than Ozone has.
        1 => Just("0.0000000001".to_owned()),
        1 => Just("100000000".to_owned()),
        1 => Just("1000000000000000000000000000000".to_owned()),
    ]
}

fn fraction() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "0",
        "0.000001",
        "0.01",
        "0.3",
        "0.49",
        "0.5",
        "0.8",
        "1",
        "1.5",
        "0.0000001",
    ])
}

// ---- steps ---------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Step {
    Open(&'static str),
    Transfer(&'static str, &'static str, Amt),
    Prepay(&'static str, Option<&'static str>, Amt),
    Upload(&'static str, String, Option<u32>, Option<Vec<&'static str>>),
    Download(&'static str, String, Option<&'static str>),
    DbQuery(&'static str, String, u64, Option<&'static str>),
    Compute(&'static str),
    ActivateNode(&'static str, Amt, String),
    Performance(&'static str, &'static str),
    Reinstate(&'static str),
    Slash(&'static str, String, bool),
    Unregister(&'static str),
    Shutdown(&'static str),
    RegisterMeta(&'static str, Amt),
    ApproveMeta(&'static str),
    VoteMeta(&'static str, &'static str),
    VoteKick(&'static str, &'static str),
    PayGas(&'static str, Amt),
    CreateValidator(&'static str, Amt, &'static str),
    Delegate(&'static str, &'static str, Amt),
    Undelegate(&'static str, &'static str, Amt),
    WithdrawRewards(&'static str, &'static str),
    WithdrawCommission(&'static str),
    WithdrawMatured(&'static str),
    /// `end_epoch` this many times.
    EndEpochs(u64),
}

fn step() -> impl Strategy<Value = Step> {
    let user = || role(&USERS);
    let node = || role(&NODES);
    let meta = || role(&METAS);
    let validator = || role(&VALIDATORS);
    let replicas = prop_oneof![4 => Just(None), 3 => (0u32..5).prop_map(Some), 1 => Just(Some(40))];
    let upload_nodes = prop_oneof![
        3 => Just(None),
        2 => prop::collection::vec(node(), 0..5).prop_map(Some),
    ];
    let one_node = prop_oneof![2 => Just(None), 3 => node().prop_map(Some)];
    let touches = prop_oneof![3 => 0u64..3_000_000, 1 => Just(u64::MAX)];
    let epochs = prop_oneof![
        8 => 1u64..4,
        3 => 10u64..300,
        1 => Just(2_100u64),
        1 => Just(30_000u64),
    ];
    prop_oneof![
        1 => prop_oneof![3 => pick(&FRESH), 1 => anyone()].prop_map(Step::Open),
        2 => (anyone(), anyone(), stos()).prop_map(|(f, t, a)| Step::Transfer(f, t, a)),
        6 => (user(), prop_oneof![3 => Just(None), 1 => anyone().prop_map(Some)], stos())
            .prop_map(|(p, b, a)| Step::Prepay(p, b, a)),
        5 => (user(), size(), replicas, upload_nodes)
            .prop_map(|(u, s, r, n)| Step::Upload(u, s, r, n)),
        5 => (user(), size(), one_node.clone()).prop_map(|(u, s, n)| Step::Download(u, s, n)),
        3 => (user(), size(), touches, one_node).prop_map(|(u, s, t, n)| Step::DbQuery(u, s, t, n)),
        1 => anyone().prop_map(Step::Compute),
        3 => (node(), stos(), size()).prop_map(|(n, d, c)| Step::ActivateNode(n, d, c)),
        4 => (node(), fraction()).prop_map(|(n, s)| Step::Performance(n, s)),
        3 => node().prop_map(Step::Reinstate),
        2 => (node(), size(), any::<bool>()).prop_map(|(n, s, b)| Step::Slash(n, s, b)),
        2 => node().prop_map(Step::Unregister),
        2 => node().prop_map(Step::Shutdown),
        3 => (meta(), stos()).prop_map(|(m, d)| Step::RegisterMeta(m, d)),
        3 => meta().prop_map(Step::ApproveMeta),
        4 => (meta(), meta()).prop_map(|(v, c)| Step::VoteMeta(v, c)),
        3 => (meta(), meta()).prop_map(|(v, n)| Step::VoteKick(v, n)),
        2 => (anyone(), stos()).prop_map(|(f, a)| Step::PayGas(f, a)),
        2 => (validator(), stos(), fraction()).prop_map(|(o, a, c)| Step::CreateValidator(o, a, c)),
        3 => (anyone(), validator(), stos()).prop_map(|(d, v, a)| Step::Delegate(d, v, a)),
        3 => (anyone(), validator(), stos()).prop_map(|(d, v, a)| Step::Undelegate(d, v, a)),
        2 => (anyone(), validator()).prop_map(|(d, v)| Step::WithdrawRewards(d, v)),
        1 => validator().prop_map(Step::WithdrawCommission),
        2 => anyone().prop_map(Step::WithdrawMatured),
        6 => epochs.prop_map(Step::EndEpochs),
    ]
}

/// Short chains that reach deeper states (a suspended node back in service, a new meta node
/// voted in, Ozone then a service with explicit nodes, a delegation then its undelegation).
/// Every action of a chain is still one checked step, and may still be rejected.
fn chain() -> impl Strategy<Value = Vec<Step>> {
    let genesis_node = || prop_oneof![4 => pick(&["n0", "n1"]), 1 => role(&NODES)];
    let low = prop::sample::select(vec!["0", "0.3", "0.49"]);
    let high = prop::sample::select(vec!["0.5", "0.8", "1"]);
    // Sometimes a resource node's account: one account, two roles.
    let candidate = || prop_oneof![4 => pick(&["m1", "m2"]), 1 => role(&METAS), 1 => pick(&NODES)];
    let small = || (1u32..5).prop_map(|n| n.to_string());
    prop_oneof![
        (genesis_node(), low, high).prop_map(|(n, l, h)| vec![
            Step::Performance(n, l),
            Step::Performance(n, h),
            Step::Reinstate(n),
        ]),
        (candidate(), 1u32..3_000).prop_map(|(m, d)| vec![
            Step::RegisterMeta(m, Amt::Lit(d.to_string())),
            Step::ApproveMeta(m),
            Step::VoteMeta("m0", m),
        ]),
        (candidate(), pick(&METAS)).prop_map(|(m, v)| vec![
            Step::VoteKick("m0", m),
            Step::VoteKick(v, m),
            Step::VoteKick(m, "m0"),
        ]),
        (pick(&USERS), 1u32..3_000, small(), prop::option::of(pick(&["n0", "n1"]))).prop_map(
            |(u, x, size, node)| vec![
                Step::Prepay(u, None, Amt::Lit(x.to_string())),
                Step::Upload(u, size.clone(), Some(2), Some(vec!["n1", "n0"])),
                Step::Download(u, size.clone(), node),
                Step::DbQuery(u, size, 1_000, node),
            ]
        ),
        (anyone(), pick(&VALIDATORS), 1u32..500).prop_map(|(d, v, a)| vec![
            Step::Delegate(d, v, Amt::Lit(a.to_string())),
            Step::Undelegate(d, v, Amt::Delegation),
        ]),
    ]
}

/// Up to 60 steps: single random steps and, now and then, a chain.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(prop_oneof![6 => step().prop_map(|s| vec![s]), 1 => chain()], 1..=40)
        .prop_map(|groups| groups.into_iter().flatten().take(60).collect())
}

// ---- genesis -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Profile {
    Paper,
    Mainnet,
}

/// The genesis: two resource nodes, one meta node, one validator with a delegation; every
/// other named account holds STOS. Half of the cases shorten every duration (locks, cooling-off,
/// unbonding, votes) so that returns and releases happen within a few steps; the others keep
/// the profile's 14/180-day periods, reached by the long advances. Now and then n0 deposits a
/// single wei, so that S is tiny and (paper) each activation multiplies the Ozone limit.
fn genesis(profile: Profile) -> impl Strategy<Value = Value> {
    let n0_deposit = prop_oneof![4 => Just("1000"), 1 => Just("0.000000000000000001")];
    (any::<u64>(), any::<bool>(), prop::sample::select(vec!["1000", "1000000", "3.5"]), n0_deposit)
        .prop_map(move |(seed, short, limit, n0_deposit)| {
            let mut accounts = serde_json::Map::new();
            for n in USERS.iter().chain(&NODES).chain(&METAS).chain(&VALIDATORS) {
                accounts.insert((*n).to_owned(), json!("100000"));
            }
            let mut g = json!({
                "op": "genesis", "economy": "stratos",
                "profile": if profile == Profile::Paper { "paper" } else { "mainnet" },
                "seed": seed,
                "accounts": accounts,
                "resource_nodes": [
                    {"name": "n0", "deposit": n0_deposit, "capacity": "100000"},
                    {"name": "n1", "deposit": "2500", "capacity": "40"},
                ],
                "meta_nodes": [{"name": "m0", "deposit": "1500"}],
                "validators": [{"operator": "v0", "self_bond": "100", "commission": "0.05",
                                "delegations": {"u0": "50"}}],
            });
            if profile == Profile::Paper {
                g["ozone_limit"] = json!(limit);
            }
            if short {
                g["params"] = json!({
                    "reward_lock_epochs": 20, "deposit_lock_epochs": 50, "exit_cooling_epochs": 10,
                    "unbonding_epochs": 15, "meta_vote_epochs": 8,
                });
            }
            // The replay genesis line minus `op` and `economy`.
            let obj = g.as_object_mut().unwrap();
            obj.remove("op");
            obj.remove("economy");
            g
        })
}

// ---- building actions ----------------------------------------------------------------------

fn amount_text(st: &Stratos, a: &Amt, account: &str, validator: &str) -> String {
    let s = st.snapshot();
    match a {
        Amt::Lit(t) => t.clone(),
        Amt::Balance => s["accounts"][account]["stos"].as_str().unwrap_or("1").to_owned(),
        Amt::Delegation => s["validators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["operator"] == validator)
            .and_then(|v| v["delegations"][account].as_str())
            .unwrap_or("2")
            .to_owned(),
    }
}

/// The action for `step` as a replay line gives it (decoded from JSON).
fn action(st: &Stratos, step: &Step) -> Value {
    let amount = |a: &Amt, account: &str, validator: &str| amount_text(st, a, account, validator);
    match step {
        Step::Open(n) => json!({"op": "open", "account": n}),
        Step::Transfer(f, t, a) => {
            json!({"op": "transfer", "from": f, "to": t, "amount": amount(a, f, f)})
        }
        Step::Prepay(p, b, a) => {
            let mut v = json!({"op": "prepay", "payer": p, "amount": amount(a, p, p)});
            if let Some(b) = b {
                v["beneficiary"] = json!(b);
            }
            v
        }
        Step::Upload(u, s, r, n) => {
            let mut v = json!({"op": "upload", "user": u, "size": s});
            if let Some(r) = r {
                v["replicas"] = json!(r);
            }
            if let Some(n) = n {
                v["nodes"] = json!(n);
            }
            v
        }
        Step::Download(u, s, n) => {
            let mut v = json!({"op": "download", "user": u, "size": s});
            if let Some(n) = n {
                v["node"] = json!(n);
            }
            v
        }
        Step::DbQuery(u, s, t, n) => {
            let mut v = json!({"op": "db_query", "user": u, "size": s, "touches": t});
            if let Some(n) = n {
                v["node"] = json!(n);
            }
            v
        }
        Step::Compute(u) => json!({"op": "compute", "user": u}),
        Step::ActivateNode(n, d, c) => {
            json!({"op": "activate_node", "node": n, "deposit": amount(d, n, n), "capacity": c})
        }
        Step::Performance(n, s) => json!({"op": "performance", "node": n, "score": s}),
        Step::Reinstate(n) => json!({"op": "reinstate", "node": n}),
        Step::Slash(n, s, b) => json!({"op": "slash", "node": n, "traffic": s, "suspend": b}),
        Step::Unregister(n) => json!({"op": "unregister", "node": n}),
        Step::Shutdown(n) => json!({"op": "shutdown", "node": n}),
        Step::RegisterMeta(m, d) => {
            json!({"op": "register_meta", "node": m, "deposit": amount(d, m, m)})
        }
        Step::ApproveMeta(m) => json!({"op": "approve_meta", "node": m}),
        Step::VoteMeta(v, c) => json!({"op": "vote_meta", "voter": v, "candidate": c}),
        Step::VoteKick(v, n) => json!({"op": "vote_kick", "voter": v, "node": n}),
        Step::PayGas(f, a) => json!({"op": "pay_gas", "from": f, "amount": amount(a, f, f)}),
        Step::CreateValidator(o, a, c) => {
            json!({"op": "create_validator", "operator": o, "self_bond": amount(a, o, o),
                   "commission": c})
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
        Step::WithdrawMatured(a) => json!({"op": "withdraw_matured", "account": a}),
        Step::EndEpochs(_) => unreachable!("not an action"),
    }
}

// ---- the property --------------------------------------------------------------------------

/// Accepted and rejected actions by kind, and rejections by code, over a whole run.
#[derive(Clone, Debug, Default)]
struct Tally {
    kinds: BTreeMap<&'static str, [u64; 2]>,
    codes: BTreeMap<&'static str, u64>,
    epochs: u64,
}

fn kind_of(v: &Value) -> &'static str {
    let op = v["op"].as_str().unwrap();
    KINDS.iter().copied().find(|k| *k == op).unwrap()
}

/// Wei in a STOS decimal string.
fn wei(text: &str) -> i128 {
    i128::try_from(TokenMeta::new("STOS", 18).parse(text).unwrap().0).unwrap()
}

/// Wei of a report amount.
fn amt(a: Amount) -> i128 {
    i128::try_from(a.0).unwrap()
}

fn pool(snapshot: &Value, name: &str) -> i128 {
    wei(snapshot["pools"][name].as_str().unwrap())
}

/// An epoch's report agrees with the ledger: R + M + the gas taken is exactly what went to
/// nodes, deposits, validators, the community tax, dust, or stayed unissued; and every pool
/// moved by what the report says.
fn check_report(before: &Value, after: &Value, r: &EpochReport) -> TestCaseResult {
    let sum = |v: &[(String, String)]| v.iter().map(|(_, a)| wei(a)).sum::<i128>();
    let (resource, meta) = (sum(&r.resource_rewards), sum(&r.meta_rewards));
    let (traffic, mining, unissued) =
        (amt(r.traffic_reward), amt(r.mining_reward), amt(r.unissued));
    let (validators, deposits, gas) =
        (amt(r.validator_rewards), amt(r.deposit_rewards), amt(r.gas_fees));
    let (tax, dust) = (amt(r.community_tax), amt(r.dust));
    let delta = |name: &str| pool(after, name) - pool(before, name);
    prop_assert_eq!(
        traffic + mining - delta("gas_fees"),
        resource + meta + validators + deposits + gas + tax + dust + unissued,
        "epoch {}: R + M + gas ≠ Σ parts: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        -(delta("mining_pool") + delta("volume_pool")),
        traffic + mining - unissued,
        "epoch {}: the source pools did not lose R + M − unissued: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        delta("community_pool"),
        tax + amt(r.slashing_deducted),
        "epoch {}: community tax and slashing: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(delta("dust"), dust, "epoch {}: dust: {:?}", r.epoch, r);
    prop_assert_eq!(
        delta("locked_rewards"),
        resource + meta - amt(r.rewards_released),
        "epoch {}: locked rewards: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        delta("deposit_rewards"),
        deposits,
        "epoch {}: deposit rewards: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        -delta("returning_deposits"),
        amt(r.deposits_returned),
        "epoch {}: returned deposits: {:?}",
        r.epoch,
        r
    );
    prop_assert_eq!(
        delta("staking.rewards"),
        validators + gas,
        "epoch {}: stake rewards: {:?}",
        r.epoch,
        r
    );
    Ok(())
}

/// Resource nodes' lives: an unregistering node's deposit is not overdue, and a node exits
/// only once its own deposit has returned (not when another deposit of its account does).
/// `returns` remembers each node's return epoch from when it was seen unregistering.
fn check_nodes(snapshot: &Value, returns: &mut BTreeMap<String, u64>) -> TestCaseResult {
    let epoch = snapshot["epoch"].as_u64().unwrap();
    for (name, n) in snapshot["resource_nodes"].as_object().unwrap() {
        match n["status"]["state"].as_str().unwrap() {
            "unregistering" => {
                let r = n["status"]["deposit_returns"].as_u64().unwrap();
                prop_assert!(
                    r > epoch,
                    "{} unregistering at {}, deposit due at {}",
                    name,
                    epoch,
                    r
                );
                returns.insert(name.clone(), r);
            }
            "exited" => {
                let r = returns.get(name).copied();
                prop_assert!(
                    r.is_some_and(|r| r <= epoch),
                    "{} exited at {} with its deposit due at {:?}",
                    name,
                    epoch,
                    r
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Closes an epoch; with `check`, also checks its report against the ledger (two snapshots:
/// skipped inside long advances).
fn end_epoch(st: &mut Stratos, tally: &RefCell<Tally>, check: bool) -> TestCaseResult {
    let epoch = st.epoch();
    let before = if check { Some(st.snapshot()) } else { None };
    let report =
        st.end_epoch().map_err(|v| TestCaseError::fail(format!("end_epoch at {epoch}: {v}")))?;
    prop_assert_eq!(st.epoch(), epoch.plus(1));
    prop_assert_eq!(report.epoch, epoch.0);
    if let Some(before) = before {
        check_report(&before, &st.snapshot(), &report)?;
    }
    tally.borrow_mut().epochs += 1;
    Ok(())
}

fn run(genesis: &Value, steps: &[Step], tally: &RefCell<Tally>) -> TestCaseResult {
    let g: Genesis = serde_json::from_value(genesis.clone()).unwrap();
    let mut st = Stratos::from_genesis(g)
        .map_err(|r| TestCaseError::fail(format!("genesis {genesis} rejected: {r}")))?;
    st.check_invariants().map_err(|v| TestCaseError::fail(format!("at genesis: {v}")))?;
    let mut returns = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if let Step::EndEpochs(n) = step {
            for _ in 0..*n {
                end_epoch(&mut st, tally, *n < 1_000)?;
                if *n < 1_000 {
                    st.check_invariants().map_err(|v| {
                        TestCaseError::fail(format!("step {i}: after end_epoch: {v}"))
                    })?;
                }
            }
            st.check_invariants()
                .map_err(|v| TestCaseError::fail(format!("step {i}: after {n} end_epoch: {v}")))?;
            check_nodes(&st.snapshot(), &mut returns)?;
            continue;
        }
        let json = action(&st, step);
        let kind = kind_of(&json);
        let action: Action = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(format!("{json} does not decode: {e}")))?;
        let (before, snapshot) = (st.clone(), st.snapshot());
        match st.apply(&action) {
            Ok(events) => {
                tally.borrow_mut().kinds.entry(kind).or_default()[0] += 1;
                prop_assert_eq!(events.len(), 1, "{} gave {:?}", json, events);
            }
            Err(rejection) => {
                let mut t = tally.borrow_mut();
                t.kinds.entry(kind).or_default()[1] += 1;
                *t.codes.entry(ergon_core::Coded::code(&rejection)).or_default() += 1;
                drop(t);
                prop_assert!(
                    st == before,
                    "step {}: {} rejected ({}) but changed the economy",
                    i,
                    json,
                    rejection
                );
                prop_assert_eq!(
                    st.snapshot(),
                    snapshot,
                    "step {}: {} rejected ({}) but changed the snapshot",
                    i,
                    json,
                    rejection
                );
            }
        }
        st.check_invariants()
            .map_err(|v| TestCaseError::fail(format!("step {i}: after {json}: {v}")))?;
        check_nodes(&st.snapshot(), &mut returns)?;
    }
    Ok(())
}

/// Runs the property for `profile`: 64 deterministic cases of 1 to 60 steps.
fn run_profile(profile: Profile) -> Tally {
    let tally = RefCell::new(Tally::default());
    let strategy = (genesis(profile), steps());
    // 64 cases, deterministic, a different stream per profile. For a deeper search set
    // STRATOS_PROPS_CASES and STRATOS_PROPS_SEED (any number).
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env("STRATOS_PROPS_CASES").map_or(64, |c| u32::try_from(c).unwrap_or(u32::MAX));
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut seed = [if profile == Profile::Paper { 1u8 } else { 2 }; 32];
    seed[..8].copy_from_slice(&env("STRATOS_PROPS_SEED").unwrap_or(0).to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    if let Err(e) = runner.run(&strategy, |(genesis, steps)| run(&genesis, &steps, &tally)) {
        panic!("{profile:?}: {e}");
    }
    tally.into_inner()
}

/// Each profile's run, once per test process (the tests below share it).
fn tally(profile: Profile) -> &'static Tally {
    static PAPER: OnceLock<Tally> = OnceLock::new();
    static MAINNET: OnceLock<Tally> = OnceLock::new();
    let cell = if profile == Profile::Paper { &PAPER } else { &MAINNET };
    cell.get_or_init(|| {
        let t = run_profile(profile);
        eprintln!("{profile:?}: {} epochs; by kind [accepted, rejected]: {:?}", t.epochs, t.kinds);
        eprintln!("{profile:?}: rejections by code: {:?}", t.codes);
        t
    })
}

#[test]
fn paper_invariants_hold_and_rejections_change_nothing() {
    let t = tally(Profile::Paper);
    assert!(t.kinds.values().map(|k| k[0]).sum::<u64>() > 0);
}

#[test]
fn mainnet_invariants_hold_and_rejections_change_nothing() {
    let t = tally(Profile::Mainnet);
    assert!(t.kinds.values().map(|k| k[0]).sum::<u64>() > 0);
}

/// Not vacuous: across both profiles every kind of action was accepted and rejected, and the
/// input errors were met.
#[test]
fn every_kind_of_action_was_accepted_somewhere() {
    let (paper, mainnet) = (tally(Profile::Paper), tally(Profile::Mainnet));
    for kind in KINDS {
        let [pa, pr] = paper.kinds.get(kind).copied().unwrap_or_default();
        let [ma, mr] = mainnet.kinds.get(kind).copied().unwrap_or_default();
        assert!(pa + ma > 0, "{kind}: never accepted (paper {pr} rejected, mainnet {mr} rejected)");
        assert!(pr + mr > 0, "{kind}: never rejected (paper {pa} accepted, mainnet {ma} accepted)");
    }
    for code in [
        "unknown_account",
        "unknown_node",
        "unknown_validator",
        "insufficient_balance",
        "insufficient_ozone",
        "too_many_decimals",
        "invalid_amount",
        "not_allowed",
    ] {
        let n = paper.codes.get(code).copied().unwrap_or(0)
            + mainnet.codes.get(code).copied().unwrap_or(0);
        assert!(n > 0, "no {code} rejection; saw {:?} and {:?}", paper.codes, mainnet.codes);
    }
}

// ---- regressions ---------------------------------------------------------------------------
// Deterministic cases of bugs found while writing this test and the replay vectors.

fn economy(genesis: &Value) -> Stratos {
    Stratos::from_genesis(serde_json::from_value(genesis.clone()).unwrap()).unwrap()
}

fn act(st: &mut Stratos, action: &Value) -> Result<Vec<Value>, ergon_core::Rejection> {
    let r = st.apply(&serde_json::from_value::<Action>(action.clone()).unwrap());
    st.check_invariants().unwrap();
    r.map(|events| events.iter().map(|e| serde_json::to_value(e).unwrap()).collect())
        .map_err(|e| st.rejection(e))
}

fn close(st: &mut Stratos) -> EpochReport {
    let r = st.end_epoch().unwrap();
    st.check_invariants().unwrap();
    r
}

/// A node settled every epoch is paid from two pools as a resource node and as a deposit: that
/// used to add four lock chunks per epoch, so after 1,024 epochs (of a 2,016-epoch lock) its
/// 4,096-chunk budget ran out and every later end_epoch failed (`limit_reached`).
#[test]
fn a_node_settled_every_epoch_for_longer_than_the_reward_lock_keeps_being_paid() {
    let mut st = economy(&json!({
        "profile": "paper", "ozone_limit": "62498750",
        "accounts": {"n1": "100000", "n2": "100000", "m1": "150000", "user": "200000"},
        "resource_nodes": [{"name": "n1", "deposit": "100000"},
                           {"name": "n2", "deposit": "100000"}],
        "meta_nodes": [{"name": "m1", "deposit": "150000"}],
    }));
    act(&mut st, &json!({"op": "prepay", "payer": "user", "amount": "200000"})).unwrap();
    for _ in 0..2_100 {
        act(&mut st, &json!({"op": "download", "user": "user", "size": "1", "node": "n1"}))
            .unwrap();
        let r = st.end_epoch().unwrap();
        assert_eq!(r.settled_nodes, ["n1"]);
    }
    st.check_invariants().unwrap();
    let released = close(&mut st).rewards_released;
    assert_ne!(released, Amount::ZERO, "rewards of 14 days ago are released");
}

/// An account that is both a resource node and a meta node: when the kicked meta node's
/// deposit returned, the resource node, still unregistering, used to be marked exited — so a
/// shutdown inside its cooling-off was refused as "already exited" (escaping the paper rule
/// that forfeits its locked rewards).
#[test]
fn a_meta_deposit_returning_does_not_exit_the_accounts_resource_node() {
    let mut st = economy(&json!({
        "profile": "paper", "ozone_limit": "1000",
        "params": {"deposit_lock_epochs": 10, "exit_cooling_epochs": 5},
        "accounts": {"n1": "2000", "m0": "1000"},
        "resource_nodes": [{"name": "n1", "deposit": "1000"}],
        "meta_nodes": [{"name": "m0", "deposit": "1000"}],
    }));
    act(&mut st, &json!({"op": "register_meta", "node": "n1", "deposit": "500"})).unwrap();
    act(&mut st, &json!({"op": "approve_meta", "node": "n1"})).unwrap();
    act(&mut st, &json!({"op": "vote_meta", "voter": "m0", "candidate": "n1"})).unwrap();
    close(&mut st);
    // Kicked at epoch 1: the meta deposit returns at max(1 + 5, 0 + 10 + 5) = 15.
    act(&mut st, &json!({"op": "vote_kick", "voter": "m0", "node": "n1"})).unwrap();
    while st.epoch().0 < 12 {
        close(&mut st);
    }
    // Unregistered at 12: the resource deposit returns at max(12 + 5, 0 + 10 + 5) = 17.
    act(&mut st, &json!({"op": "unregister", "node": "n1"})).unwrap();
    while st.epoch().0 < 15 {
        close(&mut st);
    }
    let s = st.snapshot();
    assert_eq!(s["accounts"]["n1"]["returning_deposit"], "1000");
    assert_eq!(s["resource_nodes"]["n1"]["status"]["state"], "unregistering");
    let shutdown = act(&mut st, &json!({"op": "shutdown", "node": "n1"})).unwrap();
    assert_eq!(shutdown[0]["after_cooling_off"], false);
    while st.epoch().0 < 17 {
        close(&mut st);
    }
    let s = st.snapshot();
    assert_eq!(s["resource_nodes"]["n1"]["status"]["state"], "exited");
    assert_eq!(s["accounts"]["n1"]["returning_deposit"], "0");
}

/// mainnet: the community tax of an epoch is the sum over every settled node (the report used
/// to show only the last node's).
#[test]
fn mainnet_community_tax_report_is_the_epochs_whole_tax() {
    let mut st = economy(&json!({
        "profile": "mainnet",
        "accounts": {"n1": "100000", "n2": "100000", "m1": "150000", "v1": "1000",
                     "user": "200000"},
        "resource_nodes": [{"name": "n1", "deposit": "100000"},
                           {"name": "n2", "deposit": "100000"}],
        "meta_nodes": [{"name": "m1", "deposit": "150000"}],
        "validators": [{"operator": "v1", "self_bond": "1000", "commission": "0.1"}],
    }));
    act(&mut st, &json!({"op": "prepay", "payer": "user", "amount": "200000"})).unwrap();
    for (node, size) in [("n1", "500"), ("n2", "500")] {
        act(&mut st, &json!({"op": "download", "user": "user", "size": size, "node": node}))
            .unwrap();
    }
    let before = st.snapshot();
    let r = close(&mut st);
    assert_eq!(r.settled_nodes, ["n1", "n2"]);
    let pool = st.snapshot()["pools"]["community_pool"].clone();
    assert_eq!(json!(ergon_stratos::units::fmt_stos(r.community_tax)), pool);
    // The chain (x/pot CalcRewardForResourceNode, CalcRewardForMetaNode) taxes the traffic part
    // of every resource node and every meta node, sums the unrounded taxes and truncates the
    // sum once (transferTokensForDistribution): the same figure from the mainnet formulas.
    use ergon_stratos::mainnet;
    let (stos, oz) = (TokenMeta::new("STOS", 18), TokenMeta::new("OZ", 9));
    let get = |k: &str, t: &TokenMeta| t.parse(before[k].as_str().unwrap()).unwrap();
    let (s, p, l, y) = (get("S", &stos), get("P", &stos), get("L", &oz), Amount(1_000 * OZ));
    let traffic =
        mainnet::split(mainnet::traffic_reward(s, p, l, y).unwrap(), &[6000, 2000, 2000]).unwrap();
    let rate = mainnet::ppm(10_000);
    let node =
        mainnet::resource_node_reward(Amount(0), traffic.resource, Amount(500 * OZ), y, rate)
            .unwrap();
    let meta = mainnet::meta_node_reward(Amount(0), traffic.meta, 1, rate).unwrap();
    let whole = node.tax.checked_add(node.tax).unwrap().checked_add(meta.tax).unwrap();
    assert!(amt(r.community_tax) > 0);
    assert_eq!(r.community_tax, Amount(whole.truncate_int().unwrap()));
}

/// paper, S of one wei: an activation multiplies L by 1 + Z/S. One that brought L within the
/// Ozone still out of 2^128 used to be accepted, and the next settlement (L += Y) overflowed:
/// end_epoch failed for good. It is refused now (`overflow`) and the epoch closes.
#[test]
fn a_deposit_that_would_overflow_the_next_settlement_is_refused() {
    let half = 500_000_000_000_000u128; // noz: half of L = 10^6 Oz, bought by a 1-wei prepay
    let z = u128::MAX / half - 1; // wei: L·Z/S with S = 1 wei takes L to within 5·10^14 of 2^128
    let z_stos = TokenMeta::new("STOS", 18).format(ergon_core::Amount(z));
    let mut st = economy(&json!({
        "profile": "paper", "ozone_limit": "1000000",
        "accounts": {"n0": "0.000000000000000001", "n1": z_stos, "user": "1"},
        "resource_nodes": [{"name": "n0", "deposit": "0.000000000000000001"}],
    }));
    let p = json!({"op": "prepay", "payer": "user", "amount": "0.000000000000000001"});
    assert_eq!(act(&mut st, &p).unwrap()[0]["ozone"], "500000");
    act(&mut st, &json!({"op": "download", "user": "user", "size": "500000", "node": "n0"}))
        .unwrap();
    let activate = json!({"op": "activate_node", "node": "n1", "deposit": z_stos, "capacity": "1"});
    assert_eq!(act(&mut st, &activate).unwrap_err().code, "overflow");
    assert_eq!(close(&mut st).settled, Amount(500_000 * OZ));
}

/// mainnet: a deposit adds Z/rate to L only when the effective total deposit S was positive
/// before it (spec; the chain's `IncreaseOzoneLimitByAddDeposit`). Activation and
/// reinstatement used to add it when S was 0.
#[test]
fn mainnet_deposits_add_no_ozone_limit_when_s_was_zero() {
    let mut st = economy(&json!({
        "profile": "mainnet", "accounts": {"n1": "1000", "n2": "1000"},
    }));
    let activate =
        |n: &str| json!({"op": "activate_node", "node": n, "deposit": "1000", "capacity": "1"});
    let added = |e: Vec<Value>| e[0]["ozone_limit_added"].clone();
    assert_eq!(added(act(&mut st, &activate("n1")).unwrap()), "0");
    assert_eq!(st.snapshot()["L"], "0");
    // 1 STOS of deposit adds 1,000 Oz once S > 0.
    assert_eq!(added(act(&mut st, &activate("n2")).unwrap()), "1000000");
    assert_eq!(st.snapshot()["S"], "2000");

    // Suspension takes S to 0; L falls by Z/rate only when IsUnbondable (L ≥ Z/rate, the
    // chain's guard against a negative limit): here L = 1,000,000 Oz = Z/rate, so L falls to 0.
    // The reinstatement brings S back and, S having been 0, adds nothing to L.
    let genesis = json!({
        "profile": "mainnet", "accounts": {"n1": "1000", "user": "1000"},
        "resource_nodes": [{"name": "n1", "deposit": "1000"}],
    });
    let suspend_and_reinstate = |st: &mut Stratos| {
        act(st, &json!({"op": "performance", "node": "n1", "score": "0.1"})).unwrap();
        let suspended = (st.snapshot()["S"].clone(), st.snapshot()["L"].clone());
        act(st, &json!({"op": "performance", "node": "n1", "score": "1"})).unwrap();
        act(st, &json!({"op": "reinstate", "node": "n1"})).unwrap();
        (suspended, (st.snapshot()["S"].clone(), st.snapshot()["L"].clone()))
    };
    let mut st = economy(&genesis);
    assert_eq!(
        suspend_and_reinstate(&mut st),
        ((json!("0"), json!("0")), (json!("1000"), json!("0")))
    );
    // Once users bought half of L, L < Z/rate: the suspension leaves L as it is.
    let mut st = economy(&genesis);
    act(&mut st, &json!({"op": "prepay", "payer": "user", "amount": "1000"})).unwrap();
    assert_eq!(st.snapshot()["L"], "500000");
    assert_eq!(
        suspend_and_reinstate(&mut st),
        ((json!("0"), json!("500000")), (json!("1000"), json!("500000")))
    );
}

/// An unregister whose replica migration costs more than the node's locked rewards and deposit
/// is refused after the locked rewards were already taken: the lock queue must come back through
/// its journal, leaving the economy `==` to its clone from before and its snapshot identical.
/// (The random steps above rarely build a node storing this much.)
#[test]
fn a_migration_refused_after_taking_locked_rewards_changes_nothing() {
    for profile in ["paper", "mainnet"] {
        let mut st = economy(&json!({
            "profile": profile, "ozone_limit": "100000",
            "accounts": {"g": "100000", "a": "1000", "u": "30000"},
            "resource_nodes": [{"name": "g", "deposit": "100000"},
                               {"name": "a", "deposit": "1000"}],
        }));
        act(&mut st, &json!({"op": "prepay", "payer": "u", "amount": "20000"})).unwrap();
        act(
            &mut st,
            &json!({"op": "upload", "user": "u", "size": "10000", "replicas": 1,
                             "nodes": ["a"]}),
        )
        .unwrap();
        for _ in 0..3 {
            close(&mut st);
        }
        let locked = st.snapshot()["accounts"]["a"]["locked_rewards"].clone();
        assert_ne!(locked, json!("0"), "{profile}: a has locked rewards to take");
        let (before, json_before) = (st.clone(), st.snapshot());
        let r = act(&mut st, &json!({"op": "unregister", "node": "a"})).unwrap_err();
        assert_eq!(r.code, "insufficient_deposit", "{profile}: {r}");
        assert!(st == before, "{profile}: the refused unregister changed the economy");
        assert_eq!(st.snapshot(), json_before, "{profile}");
        // The queue still pays a's rewards when they fall due (a held no free STOS before).
        assert_eq!(st.snapshot()["accounts"]["a"]["stos"], json!("0"), "{profile}");
        for _ in 0..2_020 {
            close(&mut st);
        }
        assert_ne!(st.snapshot()["accounts"]["a"]["stos"], json!("0"), "{profile}");
    }
}

/// paper: a leaving node's migration is paid from its locked deposit rewards when the lock
/// queue holds none of its rewards, and those rewards leave the deposit-rewards pool for the
/// owner's Ozone: exactly the cost, nothing from the deposit.
#[test]
fn a_paper_migration_is_paid_from_locked_deposit_rewards() {
    let mut st = economy(&json!({
        "profile": "paper", "ozone_limit": "100000",
        "accounts": {"n1": "1000", "n2": "1000", "m1": "1000", "u": "100"},
        "resource_nodes": [{"name": "n1", "deposit": "1000"}, {"name": "n2", "deposit": "1000"}],
        "meta_nodes": [{"name": "m1", "deposit": "1000"}],
    }));
    // Epoch 0 mines 80: the blockchain 16 goes to the three deposits, 16/3 each.
    close(&mut st);
    let wei = |v: &Value| TokenMeta::new("STOS", 18).parse(v.as_str().unwrap()).unwrap().0;
    let s = st.snapshot();
    assert_eq!(wei(&s["accounts"]["n1"]["locked_rewards"]), 5_333_333_333_333_333_333);
    let pool = wei(&s["pools"]["deposit_rewards"]);
    act(&mut st, &json!({"op": "prepay", "payer": "u", "amount": "10"})).unwrap();
    act(
        &mut st,
        &json!({"op": "upload", "user": "u", "size": "2", "replicas": 1, "nodes": ["n1"]}),
    )
    .unwrap();
    let ev = act(&mut st, &json!({"op": "unregister", "node": "n1"})).unwrap();
    let m = &ev[0]["migration"];
    let cost = wei(&m["stos"]);
    assert!(cost > 0);
    assert_eq!(m["from_rewards"], m["stos"]);
    assert_eq!(m["from_deposit"], "0");
    let s = st.snapshot();
    assert_eq!(wei(&s["accounts"]["n1"]["locked_rewards"]), 5_333_333_333_333_333_333 - cost);
    assert_eq!(wei(&s["pools"]["deposit_rewards"]), pool - cost);
    assert_eq!(s["accounts"]["n1"]["returning_deposit"], "1000");
    // 14 days on, what the migration left has matured and is withdrawn.
    for _ in 0..2_016 {
        close(&mut st);
    }
    let ev = act(&mut st, &json!({"op": "withdraw_matured", "account": "n1"})).unwrap();
    assert_eq!(wei(&ev[0]["amount"]), 5_333_333_333_333_333_333 - cost);
}

/// A reward lock longer than the deposit-reward index keeps is refused at genesis, naming the
/// parameter and the value.
#[test]
fn too_long_a_reward_lock_is_refused_naming_the_parameter() {
    let g = json!({"profile": "paper", "ozone_limit": "1000",
                   "params": {"reward_lock_epochs": ergon_core::vesting::MAX_LAG + 1},
                   "accounts": {"n1": "1"}, "resource_nodes": [{"name": "n1", "deposit": "1"}]});
    let r = Stratos::from_genesis(serde_json::from_value(g).unwrap()).unwrap_err();
    assert_eq!(r.code, "invalid_parameter");
    assert!(r.message.contains("reward_lock_epochs"), "{r}");
    assert!(r.message.contains("16777217"), "{r}");
}
