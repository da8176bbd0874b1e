//! A Trias model saved at a step and read back runs on exactly as the original: the same rows,
//! bit for bit, and the same state at the end (what `ergon run --resume` relies on). Each
//! shipped scenario is saved mid-day, with quarantines, bonds, policies and the claims queue
//! live; a model saved in the middle of an epoch — the epoch's attestation credits in rows by
//! attester, its receipts in hash maps, new attesters not yet merged into their lists — closes
//! it as the original does; and the hash maps and the beacon cache give the same saved bytes
//! and the same answers whatever their history.

#![allow(clippy::unwrap_used)] // a test: unwrap is the assertion

use ergon_core::economy::Economy;
use ergon_core::{Amount, Metric, MetricValue, Model, RngStreams};
use ergon_sim::checkpoint::{load_model, save_model};
use ergon_sim::runner::jobs;
use ergon_sim::scenario::{Plan, plan};
use ergon_sim::{Source, check_resume};
use ergon_trias::fastmap::{NodeMap, NodeSet};
use ergon_trias::{Genesis, Tee, Trias, TriasModel};

const SCENARIOS: [(&str, &str); 3] = [
    ("trias-paper", include_str!("../../../../scenarios/trias-paper.toml")),
    ("trias-sybil", include_str!("../../../../scenarios/trias-sybil.toml")),
    ("trias-exploit", include_str!("../../../../scenarios/trias-exploit.toml")),
];

/// Epochs a day (a step is an hour).
const DAY: u64 = 24;

fn load(name: &str, sets: &[(&str, &str)]) -> Plan<TriasModel> {
    let text = SCENARIOS.iter().find(|s| s.0 == name).unwrap().1;
    let sets: Vec<(String, String)> =
        sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    plan::<TriasModel>(Source { name, text }, &sets).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Job `job` of `p` built and run `at` epochs.
fn run_to(p: &Plan<TriasModel>, job: usize, at: u64) -> TriasModel {
    let j = &jobs(p)[job];
    let point = &p.points[j.point];
    let mut m = TriasModel::build(&point.config, &point.agents, &RngStreams::new(j.seed)).unwrap();
    m.advance(at).unwrap();
    m
}

/// Asserts the machinery a saved state must carry is live in `m`: nodes quarantined and bonds
/// held (and, with `claims`, live cover and queued claims).
fn assert_live(name: &str, m: &TriasModel, claims: bool) {
    let e = m.economy();
    let quarantined = (0..e.node_count() as u32).filter(|&j| e.is_quarantined(j)).count();
    assert!(quarantined > 0, "{name}: nobody quarantined yet");
    assert!(e.reserves().bonds > Amount::ZERO, "{name}: no bonds held");
    if claims {
        let f = e.insurance_figures();
        assert!(f.cover > Amount::ZERO && f.queued > Amount::ZERO, "{name}: {f:?}");
    }
}

fn check(p: &Plan<TriasModel>, name: &str, job: usize, at: u64, to: u64) {
    check_resume(p, job, at, to, DAY / 4).unwrap_or_else(|e| panic!("{name}, job {job}: {e}"));
}

#[test]
fn every_shipped_scenario_resumes_mid_day_as_if_never_stopped() {
    // The paper's 440 nodes under both rules cost half a second an epoch: a third of the
    // executers (who only get attested), the faults ten times as frequent so that nodes are
    // quarantined and bonds forfeited before the save.
    let sets = [("agents.executers.count", "60"), ("agents.faults.fail_rate", "0.002")];
    let p = load("trias-paper", &sets);
    assert_live("trias-paper", &run_to(&p, 0, DAY + 5), false);
    check(&p, "trias-paper", 0, DAY + 5, 2 * DAY);
    // The ring with the most bought edges (the sweep's last point), and without any.
    let p = load("trias-sybil", &[]);
    assert_eq!(p.points.len(), 6);
    check(&p, "trias-sybil", 5, DAY + 7, 2 * DAY + 3);
    check(&p, "trias-sybil", 0, 13, DAY + 7);
    // Saved after the first vulnerabilities: live cover, claims queued.
    let p = load("trias-exploit", &[]);
    let at = 4 * DAY + 7;
    assert_live("trias-exploit", &run_to(&p, 0, at), true);
    check(&p, "trias-exploit", 0, at, 7 * DAY);
}

/// The first column whose value differs between two rows (floats bit for bit).
fn first_difference(a: &[Metric], b: &[Metric]) -> Option<&'static str> {
    assert_eq!(a.len(), b.len());
    let same = |x: MetricValue, y: MetricValue| match (x, y) {
        (MetricValue::Float(x), MetricValue::Float(y)) => x.to_bits() == y.to_bits(),
        _ => x == y,
    };
    a.iter().zip(b).find(|(x, y)| x.name != y.name || !same(x.value, y.value)).map(|(x, _)| x.name)
}

#[test]
fn a_model_saved_in_the_middle_of_an_epoch_closes_it_as_the_original() {
    // After the agents act the epoch's credits fill their rows, its receipts and seen records
    // the hash maps, and the new pairs wait to be merged into the attesters' lists; the copy
    // builds its maps anew (another capacity, another walk order) and its rows and lists merged.
    // trias-sybil at its sweep's last point, 10 attack edges.
    for (name, last_point, at) in
        [("trias-exploit", false, 4 * DAY + 7), ("trias-sybil", true, DAY + 7)]
    {
        let p = load(name, &[]);
        let point = if last_point { p.points.len() - 1 } else { 0 };
        let job = jobs(&p).iter().position(|j| j.point == point).unwrap();
        let mut original = run_to(&p, job, at);
        original.act();
        let saved = save_model(&original).unwrap();
        let mut copy: TriasModel = load_model(&saved).unwrap();
        assert_eq!(save_model(&copy).unwrap(), saved, "{name}: the copy saves other bytes");
        original.close().unwrap();
        copy.close().unwrap();
        for step in 0..DAY {
            if step % 6 == 0 {
                let (a, b) = (original.record(), copy.record());
                assert_eq!(first_difference(&a, &b), None, "{name}: row {step} after the save");
            }
            original.step().unwrap();
            copy.step().unwrap();
        }
        copy.check_invariants().unwrap();
        assert_eq!(save_model(&original).unwrap(), save_model(&copy).unwrap(), "{name}");
    }
}

#[test]
fn node_maps_save_to_the_same_bytes_whatever_their_history() {
    let keys = [(3u32, 1u32), (0, 9), (3, 0), (1, 1), (0, 2), (7, 7), (2, 5)];
    let mut a: NodeMap<(u32, u32), u32> = NodeMap::default();
    for &k in &keys {
        a.insert(k, k.0 * 10 + k.1);
    }
    // The same entries inserted backwards into a table grown large and then cleared.
    let mut b: NodeMap<(u32, u32), u32> = NodeMap::default();
    for i in 0..10_000 {
        b.insert((i, i), 0);
    }
    b.clear();
    for &k in keys.iter().rev() {
        b.insert(k, k.0 * 10 + k.1);
    }
    assert_eq!(a, b);
    let (sa, sb) = (save_map(&a), save_map(&b));
    assert_eq!(sa, sb);
    assert_eq!(load_map(&sa), a);
    // A set likewise.
    let x: NodeSet<(u32, u32, u32, u64)> = keys.iter().map(|&(i, j)| (i, j, i + j, 9)).collect();
    let mut y: NodeSet<(u32, u32, u32, u64)> = NodeSet::default();
    y.reserve(5_000);
    y.extend(keys.iter().rev().map(|&(i, j)| (i, j, i + j, 9)));
    assert_eq!(save_set(&x), save_set(&y));
    let back: SetHolder = load_model(&save_set(&y)).unwrap();
    assert_eq!(back.0, x);
}

#[derive(serde::Serialize, serde::Deserialize)]
struct MapHolder(#[serde(with = "ergon_trias::fastmap::sorted_map")] NodeMap<(u32, u32), u32>);

#[derive(serde::Serialize, serde::Deserialize)]
struct SetHolder(#[serde(with = "ergon_trias::fastmap::sorted_set")] NodeSet<(u32, u32, u32, u64)>);

fn save_map(m: &NodeMap<(u32, u32), u32>) -> Vec<u8> {
    save_model(&MapHolder(m.clone())).unwrap()
}

fn load_map(bytes: &[u8]) -> NodeMap<(u32, u32), u32> {
    load_model::<MapHolder>(bytes).unwrap().0
}

fn save_set(s: &NodeSet<(u32, u32, u32, u64)>) -> Vec<u8> {
    save_model(&SetHolder(s.clone())).unwrap()
}

/// An economy of 20 nodes at epoch 0 (more than 8 others each: the targets are drawn).
fn economy() -> Trias {
    let g: Genesis = serde_json::from_str(r#"{"cap": "1000000", "epoch_reward": "100"}"#).unwrap();
    let mut e = Trias::from_genesis(g).unwrap();
    for i in 0..20 {
        e.add_node(&format!("n{i}"), Tee::Sgx, i < 2).unwrap();
    }
    e
}

#[test]
fn the_beacon_targets_of_a_model_read_back_are_those_of_the_original() {
    let mut original = economy();
    let mut out = Vec::new();
    // The cache holds the targets of verifiers 0 to 9 when the economy is saved.
    for v in 0..10 {
        original.beacon_targets_into(v, &mut out);
    }
    let saved = save_model(&original).unwrap();
    let mut copy: Trias = load_model(&saved).unwrap();
    assert_eq!(save_model(&copy).unwrap(), saved);
    let mut other = Vec::new();
    for _ in 0..2 {
        for v in 0..20 {
            original.beacon_targets_into(v, &mut out);
            copy.beacon_targets_into(v, &mut other);
            assert_eq!(out, other, "verifier {v}");
            // As drawn from scratch, without the cache.
            assert_eq!(out, original.beacon_targets(v), "verifier {v}");
            assert_eq!(out.len(), 8);
        }
        // And in the next epoch, after a close.
        original.close_epoch().unwrap();
        copy.close_epoch().unwrap();
        assert_eq!(save_model(&original).unwrap(), save_model(&copy).unwrap());
    }
}
