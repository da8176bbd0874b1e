//! The Trias simulation model: validation naming each field, a ring without attack edges
//! worked by hand (the gate pays it nothing, the compatibility PageRank half), the gate's CB
//! bound on a ring joined by one edge, conservation after every epoch, and the same records at
//! any thread count.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::{Metric, MetricValue, Model, RngStreams, Seed};
use ergon_trias::TriasModel;
use ergon_trias::model::{Agents, Config};

const UNIT: u128 = 1_000_000_000_000_000_000;

fn value(ms: &[Metric], name: &str) -> MetricValue {
    ms.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

fn raw(ms: &[Metric], name: &str) -> u128 {
    match value(ms, name) {
        MetricValue::Amount { raw, .. } => raw,
        v => panic!("{name} is {v:?}"),
    }
}

fn count(ms: &[Metric], name: &str) -> u64 {
    match value(ms, name) {
        MetricValue::Count(n) => n,
        v => panic!("{name} is {v:?}"),
    }
}

fn float(ms: &[Metric], name: &str) -> f64 {
    match value(ms, name) {
        MetricValue::Float(x) => x,
        v => panic!("{name} is {v:?}"),
    }
}

fn build(c: &Config, a: &Agents, seed: u64) -> TriasModel {
    TriasModel::validate(c, a).expect("a valid scenario");
    TriasModel::build(c, a, &RngStreams::new(Seed::from_u64(seed))).expect("a genesis")
}

/// Three seeds attesting one another, a ring of three attesting one another, nothing between.
fn two_triangles() -> Agents {
    let mut a = Agents::default();
    a.verifiers.count = 3;
    a.verifiers.seeds = 3;
    a.verifiers.faulty = 0;
    a.verifiers.neighbours = 2;
    a.verifiers.assigned = 0;
    a.verifiers.bond_bps = 0;
    a.routers.count = 0;
    a.executers.count = 0;
    a.faults.fail_rate = 0.0;
    a.sybil.count = 3;
    a
}

#[test]
fn validation_names_each_field() {
    let mut a = two_triangles();
    a.verifiers.seeds = 4;
    a.faults.proof_rate = 1.5;
    a.sybil.attack_edges = 1;
    let c = Config { epoch_reward: "1x".into(), ..Config::default() };
    let errs = TriasModel::validate(&c, &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    // attack_edges' bound (count − seeds) follows the refused seeds: not checked again.
    assert_eq!(
        paths,
        ["economy.epoch_reward", "agents.faults.proof_rate", "agents.verifiers.seeds"]
    );
    // With the seeds within their bound, attack_edges above count − seeds is its own problem.
    a.verifiers.seeds = 3;
    let errs = TriasModel::validate(&c, &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["economy.epoch_reward", "agents.faults.proof_rate", "agents.sybil.attack_edges"]
    );
}

/// The epoch beacon assigns a verifier 8 targets: `assigned` above 8 is refused, even among
/// hundreds of nodes (it was taken up to 64 and attested 8).
#[test]
fn assigned_targets_are_at_most_the_beacons_eight() {
    let mut a = Agents::default();
    assert!(a.verifiers.count > 100, "{}", a.verifiers.count);
    a.verifiers.assigned = 8;
    TriasModel::validate(&Config::default(), &a).unwrap();
    a.verifiers.assigned = 9;
    let errs = TriasModel::validate(&Config::default(), &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["agents.verifiers.assigned"]);
    assert!(errs[0].message.contains("9") && errs[0].message.contains("8"), "{}", errs[0].message);
}

/// Each node attests its two triangle mates once an epoch (free: credit 1 each, 2 a node). E_0
/// = 1,000 TRY, after bootstrap: 625 to the verifiers' pool, 375 to the routers' (no routers:
/// all carried).
///
/// Gate: the ring is unreachable from the seeds, so its EigenTrust is exactly 0 and its gate 0;
/// each seed has t = 1/3, r = 2 → min(1, r) = 1, CB = the cap → gate 10^6. Weights 2·10^6 ×
/// 3. Epoch 0: ⌊625·10^18/3⌋ = 208,333,333,333,333,333,333 each, carry 1; epoch 1: pool
/// 625·10^18 + 1, the same each, carry 2; epoch 2: 625·10^18 + 2 = 3 × 208,…,334, carry 0. So
/// each seed has exactly 625 TRY and the ring nothing.
///
/// Compatibility PageRank: the two triangles are alike, so all six trust values are equal
/// (each computed by the same float operations on the same inputs) and so are the gates:
/// weights 2g × 6. Epoch 0: ⌊625·10^18/6⌋ = 104,166,666,666,666,666,666 each, carry 4; epoch 1:
/// (625·10^18 + 4)/6 → 104,…,667, carry 2; epoch 2: (625·10^18 + 2)/6 = 104,…,667 exactly. The
/// ring takes 3 × 312.5 = 937.5 TRY of 1,875: exactly half.
#[test]
fn a_ring_without_attack_edges_gets_nothing_under_the_gate_and_half_under_pagerank() {
    let mut m = build(&Config::default(), &two_triangles(), 1);
    // The genesis row: no snapshot yet, so no trust, shares or gates to measure (NaN, not 0).
    let genesis = m.record();
    for name in [
        "trust_gini",
        "trust_top10_share",
        "sybil_trust_share",
        "sybil_trust_share_compat",
        "honest_gate_mean",
        "sybil_gate_mean",
    ] {
        assert!(float(&genesis, name).is_nan(), "{name}: {}", float(&genesis, name));
    }
    for _ in 0..3 {
        m.step().unwrap();
        m.check_invariants().unwrap();
    }
    let r = m.record();
    assert_eq!(raw(&r, "emitted"), 3_000 * UNIT);
    assert_eq!(raw(&r, "rewards_verifiers"), 1_875 * UNIT);
    assert_eq!(raw(&r, "rewards_honest"), 1_875 * UNIT);
    assert_eq!(raw(&r, "rewards_sybil"), 0);
    assert_eq!(raw(&r, "rewards_routers"), 0);
    assert_eq!(raw(&r, "pool_carry"), 1_125 * UNIT);
    for j in 0..3 {
        assert_eq!(m.economy().balance_of(j), ergon_core::Amount(625 * UNIT));
    }
    let shadow = m.shadow().unwrap();
    let epoch =
        [104_166_666_666_666_666_666u128, 104_166_666_666_666_666_667, 104_166_666_666_666_666_667];
    for j in 0..6 {
        assert_eq!(shadow.balance_of(j).0, epoch.iter().sum::<u128>());
    }
    assert_eq!(float(&r, "sybil_reward_share"), 0.0);
    assert_eq!(float(&r, "sybil_reward_share_compat"), 0.5);
    assert_eq!(float(&r, "sybil_trust_share"), 0.0);
    assert!((float(&r, "sybil_trust_share_compat") - 0.5).abs() < 1e-12);
    assert_eq!(float(&r, "sybil_gate_mean"), 0.0);
    assert_eq!(float(&r, "honest_gate_mean"), 1.0);
    assert_eq!(count(&r, "attestations"), 6 * 2 * 3); // six nodes, two mates, three epochs
    assert_eq!(count(&r, "tokens_conserved"), 1);
}

/// A busy small network: faults, fraud proofs, routers, a ring with one bought edge.
fn busy() -> Agents {
    let mut a = Agents::default();
    a.verifiers.count = 40;
    a.verifiers.seeds = 4;
    a.verifiers.faulty = 6;
    a.routers.count = 6;
    a.routers.receivers = 4;
    a.executers.count = 30;
    a.faults.fail_rate = 0.01;
    a.faults.proof_rate = 1.0;
    a.sybil.count = 5;
    a.sybil.attack_edges = 1;
    a.sybil.router = true;
    a
}

fn run(epochs: u64, every: u64) -> Vec<Vec<Metric>> {
    let mut m = build(&Config::default(), &busy(), 9);
    let mut out = vec![m.record()];
    for e in 1..=epochs {
        m.step().unwrap();
        m.check_invariants().unwrap();
        if e % every == 0 {
            let r = m.record();
            assert_eq!(count(&r, "tokens_conserved"), 1, "epoch {e}");
            out.push(r);
        }
    }
    out
}

/// One attack edge: every ring member's CB is at most 1 (the ring's only way in is the bought
/// verifier), so its gate is at most 10^6 / 3.
#[test]
fn one_attack_edge_caps_the_ring_at_a_third_of_a_gate() {
    let rows = run(48, 8);
    let mut proofs = 0;
    for r in &rows[1..] {
        assert!(float(r, "sybil_gate_mean") <= 1.0 / 3.0, "{}", float(r, "sybil_gate_mean"));
        proofs += count(r, "fraud_proofs");
    }
    let last = rows.last().unwrap();
    assert!(count(last, "quarantined") > 0);
    assert!(proofs > 0);
    assert!(float(last, "sybil_reward_share") < float(last, "sybil_reward_share_compat"));
}

#[test]
fn the_records_are_the_same_at_any_thread_count() {
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let one = pool(1).install(|| run(16, 4));
    let two = pool(2).install(|| run(16, 4));
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
}

/// Every inflow of insurance is in a column: between two rows the reserves (bounty and
/// compensation) grow by the premiums, the calls' slashes, fees and floors' dust, the part of
/// the forfeited bonds the challengers do not take (⌈bond/2⌉ of each) and the quarantined
/// nodes' bonds, less the bounties and the claims paid — to the base unit but for the halves
/// of several forfeits in one row, taken here from their sum (one unit a proof at most).
#[test]
fn insurance_grows_by_the_inflows_its_columns_name() {
    let rows = run(48, 8);
    let reserve = |r: &[Metric]| raw(r, "insurance_bounty") + raw(r, "insurance_compensation");
    let mut slashed = 0;
    for w in rows.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let forfeited = raw(b, "bonds_forfeited");
        let into = raw(b, "gas_premiums")
            + raw(b, "call_slashes")
            + raw(b, "call_fees")
            + raw(b, "call_dust")
            + (forfeited - forfeited / 2)
            + raw(b, "quarantine_slashes");
        let out = raw(b, "bounties") + raw(b, "claims_paid");
        let (grew, want) = (reserve(b) + out, reserve(a) + into);
        let gap = grew.abs_diff(want);
        let proofs = u128::from(count(b, "fraud_proofs"));
        assert!(gap <= proofs, "gap {gap} over {proofs} proofs: grew {grew}, inflows {want}");
        slashed += raw(b, "quarantine_slashes");
    }
    assert!(slashed > UNIT, "quarantined bonds slashed: {slashed}");
}
