//! The cases the property draws: names (some unknown), STOS amounts and Ozone sizes (some too
//! large, some with too many decimals), single steps and short chains of them, and the genesis
//! of each rule profile; and how a step becomes an action against the state it meets (amounts
//! such as "all of the account's STOS" are read from the snapshot then).

use ergon_core::Economy;
use ergon_stratos::{Action, Stratos};
use ergon_testkit::props::Move;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::KINDS;

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
pub enum Amt {
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
pub enum Step {
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
    Unjail(&'static str),
    WithdrawMatured(&'static str),
    RegisterNode(&'static str, Amt, String),
    UpdateEffective(&'static str, Amt),
    /// Node name and volume in noz (text: some not whole, some huge).
    VolumeReport(Vec<(&'static str, String)>),
    UnbondMeta(&'static str),
    /// mainnet: an epoch closed without a volume report.
    NoReport,
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
        2 => validator().prop_map(Step::Unjail),
        2 => anyone().prop_map(Step::WithdrawMatured),
        2 => (node(), stos(), size()).prop_map(|(n, d, c)| Step::RegisterNode(n, d, c)),
        3 => (node(), stos()).prop_map(|(n, e)| Step::UpdateEffective(n, e)),
        3 => prop::collection::vec((node(), volume()), 0..4).prop_map(Step::VolumeReport),
        2 => meta().prop_map(Step::UnbondMeta),
        2 => Just(Step::NoReport),
        6 => epochs.prop_map(Step::EndEpochs),
    ]
}

/// A volume in noz as a report gives it.
fn volume() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u64..50_000_000_000).prop_map(|n| n.to_string()),
        1 => Just("1.5".to_owned()),
        1 => Just("340282366920938463463374607431768211455".to_owned()),
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
        // An operator's whole self-bond undelegated jails its validator; bonded again (or not),
        // `unjail` frees it (or is refused).
        (pick(&VALIDATORS), 0u32..500, 0u64..3).prop_map(|(v, a, wait)| vec![
            Step::Undelegate(v, v, Amt::Delegation),
            Step::Unjail(v),
            Step::EndEpochs(wait),
            Step::Delegate(v, v, Amt::Lit(a.to_string())),
            Step::Unjail(v),
        ]),
        (pick(&["n2", "n3"]), 2u32..3_000, 1u32..3_000).prop_map(|(n, d, e)| vec![
            Step::RegisterNode(n, Amt::Lit(d.to_string()), "1000".into()),
            Step::UpdateEffective(n, Amt::Lit(d.to_string())),
            Step::UpdateEffective(n, Amt::Lit(e.min(d - 1).to_string())),
            Step::VolumeReport(vec![(n, (u64::from(e) * 1_000_000).to_string())]),
        ]),
        (candidate(), 1u32..3_000, 0u64..20).prop_map(|(m, d, wait)| vec![
            Step::RegisterMeta(m, Amt::Lit(d.to_string())),
            Step::EndEpochs(wait),
            Step::UnbondMeta(m),
            Step::EndEpochs(wait),
        ]),
    ]
}

/// Up to 60 steps: single random steps and, now and then, a chain.
pub fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(prop_oneof![6 => step().prop_map(|s| vec![s]), 1 => chain()], 1..=40)
        .prop_map(|groups| groups.into_iter().flatten().take(60).collect())
}

// ---- genesis -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// The paper's rules.
    Paper,
    /// The chain's rules.
    Mainnet,
}

/// The genesis: two resource nodes, one meta node, one validator with a delegation; every
/// other named account holds STOS. Half of the cases shorten every duration (locks, cooling-off,
/// unbonding, votes) so that returns and releases happen within a few steps; the others keep
/// the profile's 14/180-day periods, reached by the long advances. Now and then n0 deposits a
/// single wei, so that S is tiny and (paper) each activation multiplies the Ozone limit.
pub fn genesis(profile: Profile) -> impl Strategy<Value = Value> {
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
        Step::Upload(..) | Step::Download(..) | Step::DbQuery(..) | Step::Compute(_) => {
            usage_action(step)
        }
        Step::CreateValidator(..)
        | Step::Delegate(..)
        | Step::Undelegate(..)
        | Step::WithdrawRewards(..)
        | Step::WithdrawCommission(_)
        | Step::Unjail(_)
        | Step::WithdrawMatured(_) => staking_action(st, step),
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
        Step::RegisterNode(n, d, c) => {
            json!({"op": "register_node", "node": n, "deposit": amount(d, n, n), "capacity": c})
        }
        Step::UpdateEffective(n, e) => {
            json!({"op": "update_effective_deposit", "node": n, "effective": amount(e, n, n)})
        }
        Step::VolumeReport(v) => {
            let volumes: serde_json::Map<String, Value> =
                v.iter().map(|(n, x)| ((*n).to_owned(), json!(x))).collect();
            json!({"op": "volume_report", "volumes": volumes})
        }
        Step::UnbondMeta(m) => json!({"op": "unbond_meta", "node": m}),
        Step::NoReport => json!({"op": "end_epoch_without_report"}),
        Step::EndEpochs(_) => unreachable!("not an action"),
    }
}

/// The action for a usage step: upload, download, database query or compute.
fn usage_action(step: &Step) -> Value {
    match step {
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
        _ => unreachable!("not a usage step"),
    }
}

/// The action for a staking step: validators, delegations and withdrawals.
fn staking_action(st: &Stratos, step: &Step) -> Value {
    let amount = |a: &Amt, account: &str, validator: &str| amount_text(st, a, account, validator);
    match step {
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
        Step::Unjail(v) => json!({"op": "unjail", "validator": v}),
        Step::WithdrawMatured(a) => json!({"op": "withdraw_matured", "account": a}),
        _ => unreachable!("not a staking step"),
    }
}

impl ergon_testkit::props::Step<Stratos> for Step {
    /// Epoch ends of 1,000 or more are a long advance: invariants after the last only, and no
    /// report check (two snapshots an epoch).
    fn resolve(&self, st: &Stratos) -> Move<Action> {
        match self {
            Step::EndEpochs(n) if *n < 1_000 => Move::EndEpochs(*n),
            Step::EndEpochs(n) => Move::Advance(*n),
            _ => {
                let json = action(st, self);
                let kind = KINDS.iter().copied().find(|k| json["op"] == *k).unwrap();
                let action = serde_json::from_value(json.clone())
                    .unwrap_or_else(|e| panic!("{json} does not decode: {e}"));
                Move::Act { kind, action }
            }
        }
    }
}
