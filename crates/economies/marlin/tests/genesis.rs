//! Genesis validation (docs/economies/marlin.md, "Parameters"): each invalid parameter is
//! refused with `invalid_parameter` naming the field and value, a bridge reserve only under
//! `deployed`, and the profiles' defaults are the documented ones.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Coded, Economy};
use ergon_marlin::{BridgeCustody, Marlin, Params, Profile};
use serde_json::{Value, json};

fn build(g: Value) -> Result<Marlin, ergon_core::Rejection> {
    Marlin::from_genesis(serde_json::from_value(g).unwrap())
}

#[test]
fn out_of_range_parameters_are_refused_by_name() {
    for (field, value, name) in [
        ("liquidity_period_days", json!(0), "liquidity_period_days = 0"),
        ("wait_days", json!(36_501), "wait_days = 36501"),
        ("voting_period_days", json!(0), "voting_period_days = 0"),
        ("pond_cap", json!("0"), "pond_cap = 0"),
        ("total_weight", json!(0), "total_weight = 0"),
        // Above the default total weight of 1: named itself, with the bound it passes.
        ("network_weight", json!(2), "network_weight = 2: at most total_weight (1)"),
    ] {
        let mut g = json!({});
        if field.ends_with("_weight") {
            g["profile"] = json!("deployed");
        }
        g[field] = value;
        let e = build(g).unwrap_err();
        assert_eq!(e.code, "invalid_parameter", "{field}");
        assert!(e.message.contains(name), "{field}: {}", e.message);
    }
}

/// With `proof_days` 0 an attestation goes at the close of its window's last day, so windows
/// need not divide the day (one running past midnight keeps its first day's proofs).
#[test]
fn no_proof_day_takes_any_window() {
    assert!(build(json!({"proof_days": 0, "window_secs": 7000})).is_ok());
    assert!(build(json!({"proof_days": 0, "window_secs": 7200})).is_ok());
}

/// A parameter only the other profile's rules have would change nothing: refused by name
/// (a deployed run with `subsidy_per_epoch` set ran byte-identical to one without).
#[test]
fn the_other_profile_s_parameters_are_refused() {
    for (profile, field, value) in [
        ("deployed", "subsidy_per_epoch", json!("1000")),
        ("deployed", "alpha", json!("0.3")),
        ("deployed", "stake_per_byte", json!("5")),
        ("deployed", "proof_days", json!(2)),
        ("paper", "clusters_to_select", json!(1)),
        ("paper", "reward_per_epoch", json!("100000")),
        ("paper", "selection_seed", json!(3)),
    ] {
        let mut g = json!({"profile": profile});
        g[field] = value;
        let e = build(g).unwrap_err();
        assert_eq!(e.code, "invalid_parameter", "{profile} {field}");
        let theirs = if profile == "paper" { "deployed" } else { "paper" };
        let want = format!("parameter {field} is {theirs}'s: the {profile} rules have none");
        assert_eq!(e.message, want);
    }
}

#[test]
fn a_bridge_reserve_is_deployed_only_and_caps_bound_genesis() {
    let e = build(json!({"bridge": {"pond": "1"}})).unwrap_err();
    assert_eq!(e.code, "invalid_parameter");
    assert!(build(json!({"profile": "deployed", "bridge": {"pond": "1"}})).is_ok());
    // 10,001 MPOND is above the 10,000 cap.
    let e = build(json!({"accounts": {"a": {"mpond": "10001"}}})).unwrap_err();
    assert_eq!(e.code, "cap_exceeded");
}

#[test]
fn the_profiles_defaults_are_the_documented_ones() {
    let one = 1_000_000_000_000_000_000u128;
    let paper = Params::for_profile(Profile::Paper);
    assert_eq!(paper.pond_cap, Amount(10_000_000_000 * one));
    assert_eq!(paper.mpond_cap, Amount(10_000 * one));
    assert_eq!(
        (paper.wait_days, paper.liquidity_bp, paper.liquidity_period_days),
        (180, 1_000, 180)
    );
    assert_eq!((paper.custody, paper.cancel_allowed), (BridgeCustody::BurnMint, true));
    let deployed = Params::for_profile(Profile::Deployed);
    assert_eq!((deployed.custody, deployed.cancel_allowed), (BridgeCustody::Reserve, false));
    assert_eq!(Params::default(), paper);
}

/// A cluster index no cluster has is refused as such (not as a stash), by the stash and ticket
/// calls that take an index.
#[test]
fn an_unknown_cluster_index_is_named() {
    let mut m = build(json!({"accounts": {"op": {"pond": "5000", "mpond": "1"}, "r": {"pond": "5000"}}, "transfers_open": true})).unwrap();
    let (op, r) = (m.account("op").unwrap(), m.account("r").unwrap());
    let e = m.create_stash(op, Amount(10), Amount::ZERO, Some(7)).unwrap_err();
    assert_eq!((e.code(), e.to_string()), ("unknown_cluster", "no cluster 7".to_string()));
    m.register_receiver(r).unwrap();
    m.subscribe(r, Amount(1), 1).unwrap();
    let e = m.relay_tickets(r, 3, Amount(1)).unwrap_err();
    assert_eq!((e.code(), e.to_string()), ("unknown_cluster", "no cluster 3".to_string()));
}

/// deployed: the tokens' weights and the selection threshold are genesis parameters. With the
/// defaults (MPOND `(1, 10^6)`, threshold 0.5 MPOND) a cluster holding 0.4 MPOND is below the
/// threshold: 4·10^17 < 5·10^17. With the weights of Marlin's published test deployments
/// (MPOND `(10^6, 10^6)`, `thresholdForSelection` 5·10^17) the same cluster counts
/// 4·10^17·10^6 = 4·10^23 toward the threshold and is eligible. Weights whose product with a
/// token's cap passes 2^128 are refused by name.
#[test]
fn token_weights_and_the_selection_threshold_are_parameters() {
    let accounts = json!({"op": {"pond": "1000", "mpond": "0.4"}});
    let eligible = |extra: Value| {
        let mut g = json!({"profile": "deployed", "accounts": accounts, "transfers_open": true});
        for (k, v) in extra.as_object().unwrap() {
            g[k] = v.clone();
        }
        let mut m = build(g).unwrap();
        let op = m.account("op").unwrap();
        m.register_cluster(op, 0).unwrap();
        let c = 0;
        m.create_stash(op, Amount::ZERO, Amount(400_000_000_000_000_000), Some(c)).unwrap();
        m.eligible(c)
    };
    assert!(!eligible(json!({})));
    let test_deployment = json!({
        "token_weights": {"mpond": {"threshold": 1_000_000, "delegation": 1_000_000}},
        "selection_threshold": 500_000_000_000_000_000u64,
    });
    assert!(eligible(test_deployment));
    let e = build(json!({"token_weights": {"pond": {"threshold": 0, "delegation": 1u64 << 40}}}))
        .unwrap_err();
    assert_eq!(e.code, "invalid_parameter");
    assert!(e.message.contains("token_weights"), "{}", e.message);
}

/// The parameters a scenario's `economy.params` may set are the genesis fields but the four
/// its other fields set: the list its unknown-parameter message gives (genesis::PARAMS) is
/// exactly what serde's own refusal of an unknown genesis field lists, less those four.
#[test]
fn the_parameter_list_is_the_genesis_fields_less_the_scenarios_own() {
    let e = serde_json::from_value::<ergon_marlin::Genesis>(json!({"no_such": 1})).unwrap_err();
    let text = e.to_string();
    let listed: Vec<&str> = text
        .split("expected one of ")
        .nth(1)
        .unwrap()
        .split(", ")
        .map(|f| f.trim_matches(|c: char| c == '`' || c.is_whitespace()))
        .filter(|f| !["profile", "accounts", "bridge", "rewards_pool"].contains(f))
        .collect();
    let mut params = ergon_marlin::genesis::PARAMS.to_vec();
    params.sort_unstable();
    let mut listed = listed;
    listed.sort_unstable();
    assert_eq!(listed, params, "{text}");
}

/// Each amount of the genesis is read in its own token: a refusal names the field's path and
/// that token (every amount was read as POND, so an MPOND one was called POND).
#[test]
fn each_amount_is_refused_in_its_own_token() {
    let fine = "0.0000000000000000001";
    // 2^128 base units: one past the largest amount.
    let wide = "340282366920938463463.374607431768211456";
    for (profile, path, token) in [
        ("paper", "accounts.a.mpond", "MPOND"),
        ("paper", "accounts.a.pond", "POND"),
        ("paper", "mpond_cap", "MPOND"),
        ("paper", "proposal_threshold", "MPOND"),
        ("paper", "quorum", "MPOND"),
        ("paper", "eligibility_mpond", "MPOND"),
        ("paper", "stake_per_byte", "POND"),
        ("deployed", "bridge.mpond", "MPOND"),
        ("deployed", "reward_per_epoch", "POND"),
    ] {
        let refusals = [
            (
                fine,
                "too_many_decimals",
                format!("amount \"{fine}\" has 19 decimals, but {token} has only 18"),
            ),
            (
                wide,
                "invalid_amount",
                format!("invalid amount \"{wide}\": too large for 128 bits of {token} base units"),
            ),
        ];
        for (value, code, message) in refusals {
            let mut g = json!({"profile": profile});
            match path.split_once('.') {
                Some(("accounts", rest)) => {
                    let (name, field) = rest.split_once('.').unwrap();
                    g["accounts"] = json!({ name: { field: value } });
                }
                Some((outer, field)) => g[outer] = json!({ field: value }),
                None => g[path] = json!(value),
            }
            let e = build(g).unwrap_err();
            assert_eq!((e.code, e.message), (code, format!("{path}: {message}")));
        }
    }
}
