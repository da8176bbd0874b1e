//! The units of the parameters and the scenario's amounts as they are written: the mining table's
//! amounts in STOS like every other STOS parameter (read in a genesis's `params`, shown in STOS),
//! and a scenario's initial Ozone limit an exact decimal of Oz, as a replay genesis writes it.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Economy, EmissionSchedule, Model, RngStreams, Seed};
use ergon_stratos::genesis::resolve_params;
use ergon_stratos::model::{Agents, Config};
use ergon_stratos::{Params, Profile, StratosModel};
use serde_json::{Map, Value, json};

const STOS: u128 = 1_000_000_000_000_000_000;

/// The mainnet parameters with `overrides` (its own table ends at 40,000,000 STOS).
fn params(overrides: Value) -> Result<Params, ergon_core::economy::Rejection> {
    let Value::Object(map) = overrides else { panic!("an object") };
    resolve_params(Profile::Mainnet, &map)
}

/// The paper's table written as a user writes it, in STOS: 80, 40, 20, 10, 5 and 2.5 STOS an
/// epoch from 0, 16,819,200 … 32,587,200 STOS mined, to 39,000,000.
fn paper_table_in_stos() -> Value {
    let tier = |f: &str, r: &str, s: [u32; 3]| json!({"from": f, "reward": r, "split": s});
    json!({"kind": "table", "end": "39000000", "tiers": [
        tier("0", "80", [6000, 2000, 2000]),
        tier("16819200", "40", [6200, 1800, 2000]),
        tier("25228800", "20", [6400, 1600, 2000]),
        tier("29433600", "10", [6600, 1400, 2000]),
        tier("31536000", "5", [6800, 1200, 2000]),
        tier("32587200", "2.5", [7000, 1000, 2000]),
    ]})
}

#[test]
fn the_mining_table_is_written_in_stos() {
    // The paper's table, written in STOS, is the paper's table (80 STOS an epoch, not 80 wei),
    // in place of mainnet's.
    let p = params(json!({"mining": paper_table_in_stos()})).unwrap();
    assert_eq!(p.mining, Params::for_profile(Profile::Paper).mining);
    let EmissionSchedule::Table { tiers, end } = &p.mining else { panic!("a table") };
    assert_eq!(tiers[0].reward, Amount(80 * STOS));
    assert_eq!(tiers[5].reward, Amount(25 * STOS / 10));
    assert_eq!(*end, Amount(39_000_000 * STOS));
    // Whole numbers may go bare; a wei is 0.000000000000000001.
    let one_wei = json!({"kind": "table", "end": 40_000_000,
        "tiers": [{"from": 0, "reward": "0.000000000000000001", "split": [6000, 2000, 2000]}]});
    let EmissionSchedule::Table { tiers, end } = params(json!({"mining": one_wei})).unwrap().mining
    else {
        panic!("a table")
    };
    assert_eq!((tiers[0].from, tiers[0].reward), (Amount(0), Amount(1)));
    assert_eq!(end, Amount(40_000_000 * STOS));
    // The geometric kind: its initial reward, floor and cap (absent: none).
    let geo = |cap: Value| {
        json!({"mining": {"kind": "geometric", "initial": "1.5", "ratio_num": 1, "ratio_den": 2,
            "period_epochs": 10, "split": [6000, 2000, 2000], "floor": "0.25", "cap": cap}})
    };
    let want = |cap| EmissionSchedule::Geometric {
        initial: Amount(15 * STOS / 10),
        ratio_num: 1,
        ratio_den: 2,
        period_epochs: 10,
        split: vec![6000, 2000, 2000],
        floor: Amount(STOS / 4),
        cap,
    };
    assert_eq!(params(geo(json!("100"))).unwrap().mining, want(Some(Amount(100 * STOS))));
    assert_eq!(params(geo(Value::Null)).unwrap().mining, want(None));
}

#[test]
fn a_mining_amount_the_stos_cannot_hold_is_refused_by_its_path() {
    let mut t = paper_table_in_stos();
    t["tiers"][0]["reward"] = json!("0.0000000000000000001");
    let e = params(json!({"mining": t})).unwrap_err();
    assert_eq!(e.code, "too_many_decimals", "{}", e.message);
    assert!(e.message.starts_with("mining.tiers[0].reward: "), "{}", e.message);
    let mut t = paper_table_in_stos();
    t["end"] = json!(0.5);
    let e = params(json!({"mining": t})).unwrap_err();
    assert!(e.message.starts_with("mining.end: 0.5 would be read as a binary float"), "{e:?}");
    let e = params(json!({"mining": {"kind": "geometric", "initial": "1", "ratio_num": 1,
        "ratio_den": 2, "period_epochs": 1, "split": [10000], "floor": "0", "cap": "x"}}))
    .unwrap_err();
    assert!(e.message.starts_with("mining.cap: "), "{e:?}");
    // A table's own faults quote its amounts in STOS, at their path among the parameters.
    let mut t = paper_table_in_stos();
    t["end"] = json!("32587200");
    let e = params(json!({"mining": t})).unwrap_err();
    assert_eq!(
        e.message,
        "invalid parameter mining.end = 32587200: must be above the last tier's threshold 32587200"
    );
    // A split of other than the three shares (resource nodes, meta nodes, stake) is refused:
    // two left the stake's share 0, four minted a share no one was paid.
    for (shares, n) in [(json!([6000, 4000]), 2), (json!([5000, 2000, 2000, 1000]), 4)] {
        let mut t = paper_table_in_stos();
        for tier in t["tiers"].as_array_mut().unwrap() {
            tier["split"] = shares.clone();
        }
        let e = params(json!({"mining": t})).unwrap_err();
        let want = format!("invalid parameter mining.tiers[0].split = {shares}");
        assert!(e.message.replace(' ', "").starts_with(&want.replace(' ', "")), "{e:?}");
        assert!(
            e.message.ends_with(&format!(
                "has {n} shares: a split has three (resource nodes, meta nodes, stake)"
            )),
            "{e:?}"
        );
    }
    let geometric = json!({"kind": "geometric", "initial": "1", "ratio_num": 1, "ratio_den": 2,
        "period_epochs": 1, "split": [10000], "floor": "0"});
    let e = params(json!({"mining": geometric})).unwrap_err();
    assert!(e.message.contains("mining.split = [10000]: has 1 shares"), "{e:?}");
}

#[test]
fn the_parameters_are_shown_as_they_are_written() {
    for profile in [Profile::Paper, Profile::Mainnet] {
        let p = Params::for_profile(profile);
        let written = p.as_written();
        let tiers = &written["mining"]["tiers"];
        assert_eq!((&tiers[0]["reward"], &tiers[5]["reward"]), (&json!("80"), &json!("2.5")));
        assert_eq!(tiers[1]["from"], json!("16819200"));
        assert_eq!(
            written["mined_at_genesis"],
            json!(if profile == Profile::Paper { "0" } else { "1000000" })
        );
        // Read back as an override, it is the same parameters.
        let mut again: Map<String, Value> = written.clone();
        again.remove("profile");
        assert_eq!(resolve_params(profile, &again).unwrap(), p);
    }
    // A scenario's parameters (summary.json, the report): the table in STOS beside the pool.
    let config: Config = serde_json::from_value(json!({"profile": "paper"})).unwrap();
    let shown = StratosModel::parameters(&config);
    let value = |k: &str| shown.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(value("mining_pool"), "39000000");
    let mining: Value = serde_json::from_str(&value("mining")).unwrap();
    assert_eq!(mining["end"], json!("39000000"));
    assert_eq!(mining["tiers"][0]["reward"], json!("80"));
}

/// A scenario's `[economy]` with this `ozone_limit` (JSON: a float, an integer or a string, as
/// TOML gives them).
fn economy(ozone_limit: Value) -> Result<Config, String> {
    serde_json::from_value(json!({ "ozone_limit": ozone_limit })).map_err(|e| e.to_string())
}

fn small() -> Agents {
    let mut a = Agents::default();
    (a.resource_nodes.count, a.validators.count, a.delegators.count, a.users.count) = (5, 2, 4, 10);
    a
}

#[test]
fn the_ozone_limit_of_a_scenario_is_an_exact_decimal_of_oz() {
    // A float is refused with its reason; a string and a whole number are read exactly.
    let e = economy(json!(0.5)).unwrap_err();
    assert!(e.contains("would be read as a binary float"), "{e}");
    assert!(economy(json!(1e18)).is_err());
    let a = small();
    let limit = |v: Value| {
        let c = economy(v).unwrap();
        StratosModel::validate(&c, &a).map_err(|e| (e[0].path.clone(), e[0].message.clone()))?;
        let m = StratosModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
        Ok::<_, (String, String)>(m.economy().snapshot()["L"].clone())
    };
    // 123456789.123456789 Oz is no binary float: exactly 123,456,789,123,456,789 noz.
    assert_eq!(limit(json!("123456789.123456789")), Ok(json!("123456789.123456789")));
    assert_eq!(limit(json!(1000)), Ok(json!("1000")));
    assert_eq!(limit(json!("1000000000000000000")), Ok(json!("1000000000000000000")));
    let (path, why) = limit(json!("0.0000000001")).unwrap_err();
    assert_eq!(path, "economy.ozone_limit");
    assert!(why.contains("decimals"), "{why}");
    for bad in [json!("0"), json!(0), json!("1000000000000000000.000000001")] {
        let (path, why) = limit(bad).unwrap_err();
        assert_eq!(path, "economy.ozone_limit");
        assert!(why.starts_with("must be at least 1 noz"), "{why}");
    }
    let (_, why) = limit(json!(-3)).unwrap_err();
    assert!(why.contains("negative"), "{why}");
}
