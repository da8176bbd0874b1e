//! The Marlin simulation model: validation naming each field, invariants after every day,
//! the bridge's schedule worked by hand, and the receivers' tickets and the subsidy's payouts
//! following from the scenario.

use ergon_core::dist::Dist;
use ergon_core::{Metric, MetricValue, Model, RngStreams, Seed};
use ergon_marlin::model::config::Rule;
use ergon_marlin::model::{Agents, Config, MarlinModel};
use ergon_testkit::metrics::{count, raw, value};

const UNIT: u128 = 1_000_000_000_000_000_000;

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

/// [`quiet`] with one holder of `mpond` MPOND who requests all of it on day 0.
fn one_holder(mpond: f64) -> Agents {
    let mut a = quiet();
    a.bridge.count = 1;
    a.bridge.mpond = Dist::constant(mpond);
    a.bridge.share = 1.0;
    a.bridge.every_days = 3_650;
    a
}

fn build(c: &Config, a: &Agents) -> MarlinModel {
    MarlinModel::validate(c, a).expect("a valid scenario");
    MarlinModel::build(c, a, &RngStreams::new(Seed::from_u64(7))).expect("a genesis")
}

/// The genesis subsidy pool is read exactly: 1234567.1234567891 POND is that many base units
/// (it was read as a binary float and rounded to 6 decimals, 2.1·10^-7 POND too many).
#[test]
fn the_subsidy_pool_is_exact() {
    let subsidy_pool = ergon_core::amount::DecimalText("1234567.1234567891".into());
    let c = Config { subsidy_pool, ..Config::default() };
    let mut m = build(&c, &quiet());
    assert_eq!(raw(&m.record(), "rewards_pool"), 1_234_567_123_456_789_100_000_000);
    let float: Result<Config, _> = serde_json::from_value(serde_json::json!({"subsidy_pool": 0.5}));
    let e = float.unwrap_err().to_string();
    assert!(e.contains("would be read as a binary float"), "{e}");
}

/// A whitelist naming an account the model does not have is laid at the whitelist's door, not
/// at the agents' draws.
#[test]
fn an_unknown_whitelisted_account_names_the_whitelist() {
    let mut c = Config::default();
    c.params.insert("whitelist".into(), serde_json::json!(["x"]));
    let e = MarlinModel::build(&c, &quiet(), &RngStreams::new(Seed::from_u64(7))).err().unwrap();
    assert_eq!(e.code, "unknown_account");
    assert!(e.message.contains("economy.params.whitelist names the model's accounts"), "{e}");
    assert!(!e.message.contains("agents.relayers.budget"), "{e}");
}

#[test]
fn validation_names_each_field() {
    let mut a = quiet();
    a.relayers.count = 0;
    a.receivers.count = 1;
    a.producers.count = 1;
    let c: Config = serde_json::from_value(serde_json::json!({
        "profile": "deployed", "params": {"alpha": "2"}
    }))
    .unwrap();
    let errs = MarlinModel::validate(&c, &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["economy.params.alpha", "agents.relayers.count", "agents.producers.count"]);
}

/// A parameter the genesis does not have is refused by its name with the parameters there
/// are; a genesis field the scenario sets by its other fields (the accounts) is refused as such,
/// and neither list names those fields as parameters.
#[test]
fn unknown_and_reserved_parameters_are_told_apart() {
    for (key, says) in [
        ("foo", "unknown parameter \"foo\"; known: whitelist, pond_cap"),
        ("accounts", "set by the scenario's other fields, not as a parameter"),
    ] {
        let c: Config = serde_json::from_value(serde_json::json!({"params": {key: 1}})).unwrap();
        let errs = MarlinModel::validate(&c, &quiet()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, format!("economy.params.{key}"));
        assert!(errs[0].message.contains(says), "{}", errs[0].message);
        assert!(!errs[0].message.contains("rewards_pool"), "{}", errs[0].message);
    }
}

/// One holder with 10 MPOND requests all of it on day 0. Paper defaults: W = 180 days,
/// L = 1,000 bp a 180-day period. Day 180: k = 1, cap = 10 × 1,000 / 10,000 = 1 MPOND, which it
/// converts (10^6 POND minted). Day 360: k = 2, cap 2 MPOND: one more. Nothing in between.
#[test]
fn the_bridge_releases_a_tenth_every_period_after_the_wait() {
    let mut m = build(&Config::default(), &one_holder(10.0));
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
    // The holder's 9 MPOND and the relayer's 1 MPOND staked on its cluster.
    assert_eq!(raw(&r, "mpond_supply"), 10 * UNIT);
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

/// Under `deployed` the bridge pays converted MPOND from its POND reserve: the genesis gives it
/// the POND of the MPOND held (10.5 MPOND: 10,500,000 POND), so the holder converts it all
/// (before, the first conversion found the reserve empty and the run stopped on an invariant).
#[test]
fn a_deployed_bridge_pays_its_holders_from_the_reserve_the_genesis_gives_it() {
    let c: Config = serde_json::from_value(serde_json::json!({"profile": "deployed"})).unwrap();
    let mut m = build(&c, &one_holder(10.5));
    let r = m.record();
    assert_eq!(raw(&r, "bridge_pond_out"), 0);
    let mut days = 0;
    loop {
        m.step().unwrap();
        m.check_invariants().unwrap();
        days += 1;
        let r = m.record();
        if raw(&r, "bridge_pending_mpond") == 0 && raw(&r, "bridge_requested_mpond") == 0 {
            break;
        }
        assert!(days < 4_000, "not drained after {days} days");
    }
    assert_eq!(raw(&m.record(), "bridge_pond_out"), 10_500_000 * UNIT);
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
        "subsidy_pool": 1_000_000,
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

/// Receivers' demand is met only as far as the nodes deliver. One relayer with 100,000 POND
/// and `node_share` 0.1 at 5,000 POND a node runs 2 nodes (rule `fixed`: it stays there); two
/// receivers want 10 tickets a day each. With 3 tickets a node: capacity 6, 3 each, a week
/// 7 × 6 = 42 tickets; with no limit: 7 × 20 = 140.
#[test]
fn receivers_get_what_the_nodes_deliver() {
    for (capacity, week) in [(3, 42), (0, 140), (100, 140)] {
        let mut a = quiet();
        a.relayers.budget = Dist::constant(100_000.0);
        a.relayers.node_share = 0.1;
        a.receivers.count = 2;
        a.receivers.tickets_per_day = 10;
        a.receivers.node_capacity = capacity;
        let mut m = build(&Config::default(), &a);
        m.record();
        for _ in 0..7 {
            m.step().unwrap();
        }
        let r = m.record();
        assert_eq!(count(&r, "nodes"), 2);
        assert_eq!(count(&r, "tickets"), week, "node_capacity {capacity}");
    }
}

fn float(ms: &[Metric], name: &str) -> f64 {
    match value(ms, name) {
        MetricValue::Float(x) => x,
        v => panic!("{name} is {v:?}"),
    }
}

/// The stake/ticket loop settles (docs/scenarios.md, "marlin-paper"): 8 relayers starting at a
/// tenth of their resources in nodes, 120 delegators, 10 receivers whose demand the nodes meet
/// after a few weeks. After a year the relayers sit within 2 points of their Cobb-Douglas
/// optimum split, the clusters' ticket shares are within 1 point of their stake shares on
/// average, and in the last 8 weeks (about 960 reviews) at most 2 delegators move: the best APR
/// is rarely more than `min_apr_gap` = 2 points above their own. With the band set to 0 the same
/// network keeps moving, more than ten times as often.
#[test]
fn the_stake_ticket_loop_settles() {
    let run = |gap: f64| {
        let mut a = Agents::default();
        a.relayers.count = 8;
        a.relayers.node_share = 0.1;
        a.delegators.count = 120;
        a.delegators.min_apr_gap = gap;
        a.receivers.count = 10;
        a.receivers.node_capacity = 100;
        let c: Config = serde_json::from_value(serde_json::json!({
            "subsidy_pool": 100_000_000,
            "params": {"subsidy_per_epoch": "20000", "subsidy_epochs": 1825}
        }))
        .unwrap();
        let mut m = build(&c, &a);
        for _ in 0..365 - 56 {
            m.step().unwrap();
        }
        m.record();
        let mut moves = 0;
        let mut last = Vec::new();
        for _ in 0..8 {
            for _ in 0..7 {
                m.step().unwrap();
            }
            last = m.record();
            moves += count(&last, "redelegations");
        }
        m.check_invariants().unwrap();
        (moves, float(&last, "optimum_gap_mean"), float(&last, "share_gap_mean"))
    };
    let (moves, optimum_gap, share_gap) = run(0.02);
    assert!(moves <= 2, "moves {moves}");
    assert!(optimum_gap < 0.02, "optimum gap {optimum_gap}");
    assert!(share_gap < 0.01, "share gap {share_gap}");
    let (restless, _, _) = run(0.0);
    assert!(restless > 10 * moves.max(1), "with no band delegators still move: {restless}");
}

/// The deployed network of the tests below: three relayers staking 1 MPOND each on their
/// cluster, two receivers staking 1,000 POND each, 100 POND of rewards a day for all networks
/// (this one's weight 1/1), a reward contract holding `subsidy_pool` POND.
fn deployed_network(subsidy_pool: u64) -> MarlinModel {
    let mut a = quiet();
    a.relayers.count = 3;
    a.relayers.budget = Dist::constant(100_000.0);
    a.relayers.node_share = 0.1;
    a.relayers.mpond = 1.0;
    a.receivers.count = 2;
    a.receivers.balance = 1_000.0;
    let c: Config = serde_json::from_value(serde_json::json!({
        "profile": "deployed",
        "subsidy_pool": subsidy_pool,
        "params": {"reward_per_epoch": "100", "network_weight": 1, "total_weight": 1}
    }))
    .expect("a deployed configuration");
    build(&c, &a)
}

/// Seven days of `m`, its invariants checked after each; the record at the end.
fn first_week(m: &mut MarlinModel) -> Vec<Metric> {
    for _ in 0..7 {
        m.step().expect("a day");
        m.check_invariants().expect("the invariants");
    }
    m.record()
}

/// deployed: 3 relayers each staking 1 MPOND (all eligible, all drawn: 5 to select), 2
/// receivers with 1,000 POND staked each, 100 POND an epoch (`w/W` = 1). The first draw is at
/// day 0's close, for day 1; from day 2 each receiver issues 65,536 tickets for the day before:
/// share = 100 · 1,000/2,000 = 50 POND, credited but for the floors (< 3 base units a
/// receiver). Days 2–6 of the first week: 5 × 2 × 65,536 = 655,360 tickets and 5 × 100 POND
/// credited less at most 5 × 2 × 2 = 20 units. The credits leave the `rewards` pool only when
/// claimed: each relayer claims at the start of a day, so days 2–5's 400 POND are paid but for
/// the one unit each of the 3 clusters keeps, and day 6's 100 POND wait for day 7's claims.
#[test]
fn deployed_receivers_issue_their_tickets_over_the_drawn_clusters() {
    let mut m = deployed_network(1_000_000);
    assert_eq!(raw(&m.record(), "receiver_stake"), 2_000 * UNIT);
    let r = first_week(&mut m);
    assert_eq!(count(&r, "tickets"), 655_360);
    let paid = raw(&r, "subsidy_paid_pond");
    assert!((500 * UNIT - 20..=500 * UNIT).contains(&paid), "{paid}");
    assert_eq!(paid, 500 * UNIT); // 50 POND a share: no floor
    assert_eq!(raw(&r, "rewards_pool"), 1_000_000 * UNIT - 400 * UNIT + 3);
    assert_eq!(count(&r, "reward_payments_refused"), 0);
}

/// A reward contract that runs dry: 120 POND for 100 POND of receivers' shares a day (the
/// network above). Every issue is credited (`ClusterRewards` keeps a number), 500 POND over
/// days 2–6. Day 3's claims pay day 2's 100 POND (less the unit each cluster keeps): 20 POND
/// and 3 units are left, too little for any relayer's claim from day 4 on (its cluster's part of
/// 100 POND a day, its nodes' share): the 3 relayers' claims of days 4, 5 and 6 are refused, 9
/// in all, counted, and the run goes on with the credits owed.
#[test]
fn deployed_payments_the_reward_contract_cannot_make_are_counted_not_fatal() {
    let mut m = deployed_network(120);
    let r = first_week(&mut m);
    assert_eq!(count(&r, "reward_payments_refused"), 9);
    assert_eq!(raw(&r, "subsidy_paid_pond"), 500 * UNIT);
    assert_eq!(raw(&r, "rewards_pool"), 20 * UNIT + 3);
    assert_eq!(count(&r, "tickets"), 655_360);
}

/// Amounts a network cannot hold are refused when the scenario is read, naming the parameter:
/// a subsidy above the POND cap (10^10 POND), a subsidy whose total `per_epoch × epochs`
/// leaves u128, a deployed reward above the cap.
#[test]
fn validation_refuses_rewards_above_what_pond_can_hold() {
    let cases = [
        (serde_json::json!({"subsidy_per_epoch": "10000000001"}), "subsidy_per_epoch"),
        (
            serde_json::json!({"subsidy_per_epoch": "10000000000", "subsidy_epochs": 1u64 << 60}),
            "subsidy_epochs",
        ),
        (serde_json::json!({"reward_per_epoch": "99999999999999999999"}), "reward_per_epoch"),
    ];
    for (params, name) in cases {
        let c: Config =
            serde_json::from_value(serde_json::json!({"profile": "paper", "params": params}))
                .unwrap();
        let errs = MarlinModel::validate(&c, &quiet()).unwrap_err();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, [format!("economy.params.{name}")], "{errs:?}");
    }
}

/// The `fixed` rule's split in integers: 200,000 POND at ½ is 100,000 to nodes, 20 nodes at
/// 5,000 (at genesis and every day after), and 0.3 of it 12 nodes. In floats the product came a
/// base unit short: 19 nodes wanted on day 1 (one sold, 8,388,608 base units staked too many),
/// 11 at 0.3.
#[test]
fn the_fixed_split_is_exact() {
    for (share, nodes) in [(0.5, 20), (0.3, 12)] {
        let mut a = quiet();
        a.relayers.budget = Dist::constant(200_000.0);
        a.relayers.node_share = share;
        a.relayers.node_price = 5_000.0;
        let mut c = Config::default();
        c.params.insert("subsidy_per_epoch".into(), serde_json::json!("0"));
        let mut m = build(&c, &a);
        assert_eq!(count(&m.record(), "nodes"), nodes, "genesis at {share}");
        m.step().expect("a day");
        let r = m.record();
        assert_eq!((count(&r, "nodes"), count(&r, "nodes_sold")), (nodes, 0), "day 1 at {share}");
        assert_eq!(raw(&r, "staked_pond"), (200_000 - 5_000 * u128::from(nodes)) * UNIT);
    }
}

/// The parameters a run shows (summary.json, the report) read back as the scenario's
/// parameters give the same parameters, in both profiles: each amount in whole tokens, as a
/// replay genesis and an override write it (eligibility_mpond was shown in base units, which
/// read back as 5·10^17 MPOND, past the cap).
#[test]
fn the_parameters_shown_read_back_as_themselves() {
    for profile in [ergon_marlin::Profile::Paper, ergon_marlin::Profile::Deployed] {
        let config = Config { profile, ..Config::default() };
        let shown = MarlinModel::parameters(&config);
        // Only the profile's own: eligibility_mpond is paper's, in MPOND.
        let eligibility = shown.iter().find(|(k, _)| k == "eligibility_mpond");
        let want = (profile == ergon_marlin::Profile::Paper).then_some("0.5");
        assert_eq!(eligibility.map(|(_, v)| v.as_str()), want, "{shown:?}");
        let other = ergon_marlin::genesis::other_profile_params(profile);
        assert!(shown.iter().all(|(k, _)| !other.contains(&k.as_str())), "{shown:?}");
        let mut again = config.clone();
        // Only those a scenario sets: custody and cancellation follow from the profile.
        assert!(shown.iter().all(|(k, _)| k != "custody" && k != "cancel_allowed"), "{shown:?}");
        for (k, v) in shown.iter().filter(|(k, _)| k != "profile") {
            // As a scenario writes them: decimals as strings, whole numbers and lists as such.
            let value = match serde_json::from_str::<serde_json::Value>(v) {
                Ok(n) if n.is_f64() => serde_json::Value::String(v.clone()),
                Ok(x) => x,
                Err(_) => serde_json::Value::String(v.clone()),
            };
            again.params.insert(k.clone(), value);
        }
        let why = MarlinModel::validate(&again, &Agents::default()).err();
        assert_eq!(MarlinModel::parameters(&again), shown, "{profile:?}: {why:?}");
    }
}
