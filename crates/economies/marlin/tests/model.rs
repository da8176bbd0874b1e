//! The Marlin simulation model: validation naming each field, invariants after every day,
//! the bridge's schedule worked by hand, and the receivers' tickets and the subsidy's payouts
//! following from the scenario.

use ergon_core::dist::Dist;
use ergon_core::{Metric, MetricValue, Model, RngStreams, Seed};
use ergon_marlin::model::config::Rule;
use ergon_marlin::model::{Agents, Config, MarlinModel};

const UNIT: u128 = 1_000_000_000_000_000_000;

fn value(ms: &[Metric], name: &str) -> MetricValue {
    ms.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

fn count(ms: &[Metric], name: &str) -> u64 {
    match value(ms, name) {
        MetricValue::Count(n) => n,
        v => panic!("{name} is {v:?}"),
    }
}

fn raw(ms: &[Metric], name: &str) -> u128 {
    match value(ms, name) {
        MetricValue::Amount { raw, .. } => raw,
        v => panic!("{name} is {v:?}"),
    }
}

fn quiet() -> Agents {
    let mut a = Agents::default();
    a.relayers.count = 1;
    a.relayers.budget = Dist::constant(1_000.0);
    a.relayers.node_share = 0.0;
    a.relayers.rule = Rule::Fixed;
    a.delegators.count = 0;
    a.receivers.count = 0;
    a
}

fn build(c: &Config, a: &Agents) -> MarlinModel {
    MarlinModel::validate(c, a).expect("a valid scenario");
    MarlinModel::build(c, a, &RngStreams::new(Seed::from_u64(7))).expect("a genesis")
}

#[test]
fn validation_names_each_field() {
    let mut a = quiet();
    a.relayers.count = 0;
    a.receivers.count = 1;
    let c: Config = serde_json::from_value(serde_json::json!({
        "profile": "deployed", "params": {"alpha": "2"}
    }))
    .unwrap();
    let errs = MarlinModel::validate(&c, &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["economy.params.alpha", "agents.relayers.count", "agents.receivers.count"]);
}

/// One holder with 10 MPOND requests all of it on day 0. Paper defaults: W = 180 days,
/// L = 1,000 bp a 180-day period. Day 180: k = 1, cap = 10 × 1,000 / 10,000 = 1 MPOND, which it
/// converts (10^6 POND minted). Day 360: k = 2, cap 2 MPOND: one more. Nothing in between.
#[test]
fn the_bridge_releases_a_tenth_every_period_after_the_wait() {
    let mut a = quiet();
    a.bridge.count = 1;
    a.bridge.mpond = Dist::constant(10.0);
    a.bridge.share = 1.0;
    a.bridge.every_days = 3_650;
    let mut m = build(&Config::default(), &a);
    m.record();
    for _ in 0..180 {
        m.step().unwrap();
    }
    let r = m.record();
    assert_eq!(raw(&r, "bridge_requested_mpond"), 10 * UNIT);
    assert_eq!(raw(&r, "bridge_converted_mpond"), 0);
    assert_eq!(raw(&r, "bridge_pending_mpond"), 10 * UNIT);
    m.step().unwrap(); // day 180
    let r = m.record();
    assert_eq!(raw(&r, "bridge_converted_mpond"), UNIT);
    assert_eq!(raw(&r, "bridge_pond_out"), 1_000_000 * UNIT);
    assert_eq!(raw(&r, "bridge_pending_mpond"), 9 * UNIT);
    assert_eq!(raw(&r, "mpond_supply"), 9 * UNIT);
    for _ in 0..179 {
        m.step().unwrap(); // days 181..359
    }
    assert_eq!(raw(&m.record(), "bridge_converted_mpond"), 0);
    m.step().unwrap(); // day 360
    let r = m.record();
    assert_eq!(raw(&r, "bridge_converted_mpond"), UNIT);
    assert_eq!(raw(&r, "bridge_pond_out"), 2_000_000 * UNIT);
    m.check_invariants().unwrap();
}

/// 4 relayers, 20 delegators, 5 receivers of 100 tickets a day, 2 producers, 100 POND a day
/// of subsidy: each week 5 × 100 × 7 = 3,500 tickets; the subsidy pool loses exactly what was
/// paid (the Cobb-Douglas remainder and unallocated parts stay), at most 7 × 100 POND.
#[test]
fn a_paper_network_keeps_its_invariants_and_pays_from_the_subsidy() {
    let mut a = Agents::default();
    a.relayers.count = 4;
    a.delegators.count = 20;
    a.receivers.count = 5;
    a.receivers.tickets_per_day = 100;
    a.producers.count = 2;
    a.producers.cheat_share = 0.5;
    let c: Config = serde_json::from_value(serde_json::json!({
        "subsidy_pool": 1_000_000.0,
        "params": {"subsidy_per_epoch": "100", "subsidy_epochs": 3650}
    }))
    .unwrap();
    let mut m = build(&c, &a);
    let mut before = raw(&m.record(), "rewards_pool");
    assert_eq!(before, 1_000_000 * UNIT);
    for week in 0..8 {
        for day in 0..7 {
            m.step().unwrap();
            m.check_invariants().unwrap_or_else(|v| panic!("week {week} day {day}: {v}"));
        }
        let r = m.record();
        assert_eq!(count(&r, "tickets"), 3_500);
        let paid = raw(&r, "subsidy_paid_pond");
        assert!(paid > 0 && paid <= 700 * UNIT, "{paid}");
        let now = raw(&r, "rewards_pool");
        assert_eq!(before - now, paid);
        before = now;
    }
}
