//! Regressions: deterministic cases of bugs found while writing the property test and the
//! replay vectors, each named after what it pins.

use ergon_core::{Amount, Economy, Rejection, TokenMeta};
use ergon_stratos::params::OZ;
use ergon_stratos::{Action, EpochReport, Stratos};
use ergon_testkit::props::{Outcome, apply_checked, end_epoch_checked};
use serde_json::{Value, json};

use crate::checks::amt;

fn economy(genesis: &Value) -> Stratos {
    Stratos::from_genesis(serde_json::from_value(genesis.clone()).unwrap()).unwrap()
}

/// Applies an action through the harness's checks (invariants; a rejection changes nothing).
fn act(st: &mut Stratos, action: &Value) -> Result<Vec<Value>, Rejection> {
    match apply_checked(st, &serde_json::from_value::<Action>(action.clone()).unwrap()).unwrap() {
        Outcome::Accepted(events) => {
            Ok(events.iter().map(|e| serde_json::to_value(e).unwrap()).collect())
        }
        Outcome::Rejected(r) => Err(r),
    }
}

/// Ends an epoch through the harness's checks (it succeeds, advances, keeps the invariants).
fn close(st: &mut Stratos) -> EpochReport {
    end_epoch_checked(st).unwrap()
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

/// A node `a` storing 10,000 Oz with locked rewards, under `profile`: the unregister below costs
/// more than its locked rewards and deposit under paper.
fn a_storing_node(profile: &str) -> (Stratos, Value) {
    let mut st = economy(&json!({
        "profile": profile, "ozone_limit": "100000", "params": {"default_replicas": 1},
        "accounts": {"g": "100000", "a": "1000", "u": "30000"},
        "resource_nodes": [{"name": "g", "deposit": "100000"},
                           {"name": "a", "deposit": "1000"}],
    }));
    act(&mut st, &json!({"op": "prepay", "payer": "u", "amount": "20000"})).unwrap();
    let upload =
        json!({"op": "upload", "user": "u", "size": "10000", "replicas": 1, "nodes": ["a"]});
    act(&mut st, &upload).unwrap();
    for _ in 0..3 {
        close(&mut st);
    }
    let locked = st.snapshot()["accounts"]["a"]["locked_rewards"].clone();
    assert_ne!(locked, json!("0"), "{profile}: a has locked rewards to take");
    (st, locked)
}

/// mainnet charges a leaving node no replica migration (the chain's `UnbondResourceNode`): the
/// unregister paper refuses below is accepted, the whole deposit returning, the locked rewards
/// untouched.
#[test]
fn mainnet_unregister_charges_no_migration() {
    let (mut st, locked) = a_storing_node("mainnet");
    act(&mut st, &json!({"op": "unregister", "node": "a"})).unwrap();
    let a = &st.snapshot()["accounts"]["a"];
    assert_eq!((&a["returning_deposit"], &a["locked_rewards"]), (&json!("1000"), &locked));
}

/// paper: an unregister whose replica migration costs more than the node's locked rewards and
/// deposit is refused after the locked rewards were already taken: the lock queue must come back
/// through its journal, leaving the economy `==` to its clone from before and its snapshot
/// identical. (The random steps above rarely build a node storing this much.)
#[test]
fn a_migration_refused_after_taking_locked_rewards_changes_nothing() {
    {
        let profile = "paper";
        let (mut st, _) = a_storing_node(profile);
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
        "profile": "paper", "ozone_limit": "100000", "params": {"default_replicas": 1},
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
/// parameter and the value: the deposits' rewards vest `reward_lock_epochs + 1` epochs after the
/// epoch that earned them, a lag of at most `MAX_LAG`, so `MAX_LAG` itself is refused.
#[test]
fn too_long_a_reward_lock_is_refused_naming_the_parameter() {
    for lock in [ergon_core::vesting::MAX_LAG, ergon_core::vesting::MAX_LAG + 1] {
        let g = json!({"profile": "paper", "ozone_limit": "1000",
                       "params": {"reward_lock_epochs": lock},
                       "accounts": {"n1": "1"},
                       "resource_nodes": [{"name": "n1", "deposit": "1"}]});
        let r = Stratos::from_genesis(serde_json::from_value(g).unwrap()).unwrap_err();
        assert_eq!(r.code, "invalid_parameter");
        assert!(r.message.contains("reward_lock_epochs"), "{r}");
        assert!(r.message.contains(&lock.to_string()), "{r}");
        assert!(r.message.contains("at most 16777215"), "{r}");
    }
}
