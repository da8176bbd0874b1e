//! The paper profile's contracts through the economy's typed operations and the model: khala
//! refuses them with an error naming the profile; the weighted draw gives each eligible worker
//! exactly its share `conf × P / Σ` of a uniform grid of draws; a refused deployment changes
//! nothing; a paper run with developers has Active workers and pays gas, and its gas adds up;
//! a khala scenario with developers is refused at validation.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Amount, Coded, Economy, Metric, MetricValue, Model, RngStreams, Seed};
use ergon_phala::model::{Agents, Config};
use ergon_phala::{Genesis, Phala, PhalaError, PhalaModel, Profile, WorkerState};
use ergon_sim::Source;

const PHA: u128 = 1_000_000_000_000;

fn genesis(profile: &str) -> Phala {
    let g: Genesis = serde_json::from_value(serde_json::json!({
        "profile": profile, "subsidy_pool": "1000000",
        "overrides": {"k": "1"},
        "accounts": {"op": "100000", "dev": "1000"}
    }))
    .unwrap();
    Phala::from_genesis(g).unwrap()
}

#[test]
fn khala_refuses_contracts_naming_the_profile() {
    let mut s = genesis("khala");
    let dev = s.account("dev").unwrap();
    let e = s.deploy_contract("c", dev, &[1], Amount(PHA), Amount(PHA), 0).unwrap_err();
    assert_eq!(e, PhalaError::NotInProfile { op: "deploy_contract", profile: Profile::Khala });
    assert_eq!(e.code(), "not_in_profile");
    assert_eq!(e.to_string(), "deploy_contract is not part of the Khala profile");
    let e = s.stop_contract(ergon_phala::ContractIndex(0), dev).unwrap_err();
    assert_eq!(e, PhalaError::NotInProfile { op: "stop_contract", profile: Profile::Khala });
}

/// Three Idle workers: tier 1 P 1200 (weight 12 000), tier 4 P 1200 (9 600), tier 5 P 1800
/// (12 600); Σ = 34 200. The draws `⌈k·2^64/34 200⌉` for k = 0, 100, …, 34 100 put the point
/// exactly on k, so the 342 draws pick the three 120, 96 and 126 times: their weights / 100.
#[test]
fn the_draw_follows_conf_times_p() {
    let mut s = genesis("paper");
    let (op, dev) = (s.account("op").unwrap(), s.account("dev").unwrap());
    let mut ws = Vec::new();
    for (name, level, p) in [("w1", 1, 1200), ("w2", 4, 1200), ("w3", 5, 1800)] {
        let w = s.register(name, op, level).unwrap();
        s.set_benchmark(w, p).unwrap();
        s.start(w, Amount(1000 * PHA)).unwrap();
        ws.push(w);
    }
    let total: u128 = 34_200;
    let mut picked = [0u32; 3];
    for (n, k) in (0..total).step_by(100).enumerate() {
        let draw = u64::try_from((k << 64).div_ceil(total)).unwrap();
        let d = s
            .deploy_contract(
                &format!("c{n}"),
                dev,
                &[1, 2, 3, 4, 5],
                Amount(PHA),
                Amount(PHA),
                draw,
            )
            .unwrap();
        assert_eq!((d.point, d.total_weight), (k as u64, 34_200));
        picked[ws.iter().position(|&w| w == d.worker).unwrap()] += 1;
        assert_eq!(s.workers().row(d.worker).state, WorkerState::Active);
        let e = s.stop_contract(d.contract, dev).unwrap();
        // Stopped in the block it started: no gas, the whole budget back.
        assert_eq!((e.gas, e.refund), (0, PHA));
        assert_eq!(s.workers().row(d.worker).state, WorkerState::Idle);
    }
    assert_eq!(picked, [120, 96, 126]);
    s.check_invariants().unwrap();
}

#[test]
fn a_refused_deployment_changes_nothing() {
    let mut s = genesis("paper");
    let (op, dev) = (s.account("op").unwrap(), s.account("dev").unwrap());
    let w = s.register("w1", op, 1).unwrap();
    s.set_benchmark(w, 1000).unwrap();
    s.start(w, Amount(1000 * PHA)).unwrap();
    let before = s.clone();
    // 2000 PHA of budget, 1000 held.
    let e = s.deploy_contract("c", dev, &[1], Amount(2000 * PHA), Amount(PHA), 0).unwrap_err();
    assert_eq!(e.code(), "insufficient_balance");
    assert_eq!(s, before);
    let e = s.deploy_contract("c", dev, &[4, 5], Amount(PHA), Amount(PHA), 0).unwrap_err();
    assert_eq!(e, PhalaError::NoEligibleWorker { tiers: vec![4, 5] });
    assert_eq!(s, before);
}

fn metric(ms: &[Metric], name: &str) -> MetricValue {
    ms.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

fn count(ms: &[Metric], name: &str) -> u64 {
    match metric(ms, name) {
        MetricValue::Count(n) => n,
        v => panic!("{name} is {v:?}"),
    }
}

fn raw(ms: &[Metric], name: &str) -> u128 {
    match metric(ms, name) {
        MetricValue::Amount { raw, .. } => raw,
        v => panic!("{name} is {v:?}"),
    }
}

fn scenario(name: &str, text: &str) -> (Config, Agents) {
    let plan = ergon_sim::scenario::plan::<PhalaModel>(Source { name, text }, &[])
        .unwrap_or_else(|d| panic!("{name}: {d}"));
    let p = plan.points.into_iter().next().expect("one point");
    (p.config, p.agents)
}

/// phala-paper's developers: 20 contracts a day (a whole number: exactly 20 drawn), each
/// deployed or counted unassigned; after a day some workers are Active and gas was paid; the
/// economy's gas adds up (deposited = escrow + paid + refunded) and PHA is conserved.
#[test]
fn paper_run_has_active_workers_and_pays_gas() {
    let (c, a) = scenario("phala-paper", include_str!("../../../../scenarios/phala-paper.toml"));
    let mut m = PhalaModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
    let r0 = m.record();
    assert_eq!(count(&r0, "workers_active"), 0);
    m.advance(7_200).unwrap();
    let r = m.record();
    m.check_invariants().unwrap();
    assert_eq!(count(&r, "contracts_deployed") + count(&r, "contracts_unassigned"), 20);
    assert_eq!(count(&r, "contracts_total"), count(&r, "contracts_deployed"));
    assert!(count(&r, "workers_active") > 0);
    // A running contract's worker is Active or, keeping it, Unresponsive.
    assert!(
        count(&r, "workers_active") + count(&r, "workers_unresponsive")
            >= count(&r, "contracts_running")
    );
    assert!(raw(&r, "gas_paid_pha") > 0);
    assert_eq!(raw(&r, "gas_paid_pha"), raw(&r, "gas_flow_pha"));
    let e = m.economy();
    let t = e.contracts().totals.get();
    assert_eq!(t.deposited, raw(&r, "gas_escrow_pha") + t.paid + t.refunded);
    assert_eq!(raw(&r, "pha_supply"), raw(&r0, "pha_supply"));
}

/// Every record's metrics are the columns, by name and in order, under both profiles (paper
/// adds its contract columns after the groups').
#[test]
fn records_match_their_columns() {
    for (name, text) in [
        ("phala-paper", include_str!("../../../../scenarios/phala-paper.toml")),
        ("phala-khala", include_str!("../../../../scenarios/phala-khala.toml")),
    ] {
        let (c, mut a) = scenario(name, text);
        a.groups[0].workers = 20;
        a.groups[0].pools = 2;
        a.delegators.count = 10;
        let mut m = PhalaModel::build(&c, &a, &RngStreams::new(Seed::from_u64(1))).unwrap();
        let columns: Vec<&str> = PhalaModel::columns(&c, &a).iter().map(|c| c.name).collect();
        let record: Vec<&str> = m.record().iter().map(|m| m.name).collect();
        assert_eq!(record, columns, "{name}");
    }
}

#[test]
fn khala_scenario_with_developers_is_refused() {
    let c: Config = serde_json::from_value(serde_json::json!({"profile": "khala"})).unwrap();
    let mut a = Agents::default();
    a.groups.push(Default::default());
    a.developers.count = 3;
    let errs = PhalaModel::validate(&c, &a).unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    assert_eq!(
        msgs,
        [
            "agents.developers.count: contracts exist only under the paper profile (khala has no Active state), not 3"
        ]
    );
}
