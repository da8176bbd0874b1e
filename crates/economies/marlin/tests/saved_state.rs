//! A Marlin model saved on a day and read back runs on exactly as the original: the same rows,
//! bit for bit, and the same state at the end (what `ergon run --resume` relies on). Each
//! shipped scenario, saved mid-week once its machinery is live: redelegations pending, spam
//! attestations kept for proofs, fee-pool months prepaid (paper); drawn clusters, receivers'
//! epoch minima and accrued tickets (deployed); bridge requests part converted.

use ergon_core::{Model, RngStreams};
use ergon_marlin::Marlin;
use ergon_marlin::model::MarlinModel;
use ergon_sim::checkpoint::{load_model, save_model};
use ergon_sim::runner::jobs;
use ergon_sim::scenario::plan;
use ergon_sim::{Source, check_resume};

const SCENARIOS: [(&str, &str); 5] = [
    ("marlin-paper", include_str!("../../../../scenarios/marlin-paper.toml")),
    ("marlin-deployed", include_str!("../../../../scenarios/marlin-deployed.toml")),
    ("marlin-bridge", include_str!("../../../../scenarios/marlin-bridge.toml")),
    ("marlin-sweep", include_str!("../../../../scenarios/marlin-sweep.toml")),
    ("marlin-year-1e4", include_str!("../../../../scenarios/bench/marlin-year-1e4.toml")),
];

/// Days a week (the shipped scenarios record weekly or monthly).
const WEEK: u64 = 7;

/// Saves job `job` of `name` on day `at` and compares both runs to day `to`, a row a week.
fn check(name: &str, text: &str, sets: &[(&str, &str)], job: usize, at: u64, to: u64) {
    let sets: Vec<(String, String)> =
        sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let plan = plan::<MarlinModel>(Source { name, text }, &sets)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    check_resume(&plan, job, at, to, WEEK).unwrap_or_else(|e| panic!("{name}, job {job}: {e}"));
}

/// The economy of `name`'s first job after `days` days, and the same economy saved with its
/// model and read back.
fn saved_and_read_back(name: &str, text: &str, days: u64) -> (Marlin, Marlin) {
    let plan = plan::<MarlinModel>(Source { name, text }, &[]).expect("a shipped scenario");
    let job = jobs(&plan)[0];
    let point = &plan.points[job.point];
    let mut m = MarlinModel::build(&point.config, &point.agents, &RngStreams::new(job.seed))
        .expect("a shipped scenario builds");
    m.advance(days).expect("a shipped scenario runs");
    let copy: MarlinModel = load_model(&save_model(&m).expect("saved")).expect("read back");
    (m.economy().clone(), copy.economy().clone())
}

#[test]
fn the_paper_and_deployed_networks_resume_mid_week_as_if_never_stopped() {
    // Day 45: the second fee month, delegators' moves waiting out their lock, attestations of
    // yesterday kept for proofs; to day 100, across two month closes.
    let (name, text) = SCENARIOS[0];
    check(name, text, &[], 0, 45, 100);
    // Day 40: the clusters drawn for days 38 to 40 (receivers issue for yesterday's), the
    // receivers' epoch minima, the clusters' accrued tickets.
    let (name, text) = SCENARIOS[1];
    check(name, text, &[], 0, 40, 100);
}

#[test]
fn a_draining_bridge_resumes_between_its_liquidity_steps() {
    // Released on day 180, 10% a 180 days: saved on day 250, in the first period, run across
    // the second step (day 360).
    let (name, text) = SCENARIOS[2];
    check(name, text, &[], 0, 250, 370);
}

#[test]
fn every_point_of_the_sweep_resumes_the_same() {
    let (name, text) = SCENARIOS[3];
    for job in 0..3 {
        check(name, text, &[], job, 33, 80);
    }
}

#[test]
fn the_benchmark_network_resumes_the_same_at_a_tenth_of_its_size() {
    // 1,000 relayers and 10,000 delegators drawing 16 candidates a review.
    let (name, text) = SCENARIOS[4];
    let sets = [("agents.relayers.count", "1000"), ("agents.delegators.count", "10000")];
    check(name, text, &sets, 0, 19, 50);
}

#[test]
fn a_saved_economy_reads_back_equal_with_its_machinery_live() {
    // paper, day 45: yesterday's attestations are kept for proofs, the fee pool holds months
    // prepaid, and delegators have moves waiting out their lock.
    let (name, text) = SCENARIOS[0];
    let (econ, copy) = saved_and_read_back(name, text, 45);
    let latest = econ.spam().latest_id().and_then(|id| econ.spam().attestation(id));
    assert_eq!(latest.map(|a| a.day), Some(44));
    assert!(!econ.relay().fee_pool().prepaid().is_zero());
    assert!(econ.stakes().stashes().iter().any(|s| s.redelegation.is_some()));
    assert!(copy == econ, "{name}: the economy read back differs");
    // deployed, day 40: the clusters of day 40 are drawn, and some are credited tickets.
    let (name, text) = SCENARIOS[1];
    let (econ, copy) = saved_and_read_back(name, text, 40);
    assert!(econ.relay().selected(40).is_some_and(|s| s.n == 5));
    assert!((0..20).any(|c| !econ.relay().accrued(c).is_zero()));
    assert!(copy == econ, "{name}: the economy read back differs");
    // The bridge, day 250: every request released and a tenth of it convertible.
    let (name, text) = SCENARIOS[2];
    let (econ, copy) = saved_and_read_back(name, text, 250);
    assert_eq!(econ.bridge().requests().count(), 200);
    assert!(econ.bridge().requests().all(|(_, r)| r.release_day == 180));
    assert!(econ.bridge().requests().any(|(_, r)| !r.converted.is_zero()));
    assert!(copy == econ, "{name}: the economy read back differs");
}

#[test]
fn the_json_views_of_the_saved_records_are_unchanged() {
    use ergon_core::{AccountId, Amount};
    use ergon_marlin::spam::Attestation;
    use ergon_marlin::stakes::{Cluster, Stash};
    use serde_json::json;

    let (pond, mpond) = (Amount(5), Amount(7));
    let stash = Stash {
        staker: AccountId(3),
        pond,
        mpond,
        cluster: Some(1),
        withdrawable_day: 0,
        redelegation: Some((2, 9)),
        closed: false,
        undelegated_from: Some(4),
    };
    let want = json!({"pond": "5", "mpond": "7", "cluster": 1, "withdrawable_day": 0,
                      "redelegation": [2, 9], "closed": false});
    assert_eq!(serde_json::to_value(stash).ok(), Some(want));
    let cluster = Cluster { operator: AccountId(3), commission_percent: 10, pond, mpond };
    let want = json!({"commission_percent": 10, "pond": "5", "mpond": "7"});
    assert_eq!(serde_json::to_value(cluster).ok(), Some(want));
    // The range in POND: 10^15 base units are 0.001.
    let (start, end) = (Amount(0), Amount(1_000_000_000_000_000));
    let a = Attestation { producer: AccountId(3), window: 6336, day: 44, start, end };
    let want = json!({"window": 6336, "day": 44, "start": "0", "end": "0.001"});
    assert_eq!(serde_json::to_value(a).ok(), Some(want));
    let p = ergon_marlin::Proposal {
        proposer: AccountId(3),
        created_day: 4,
        end_day: 7,
        for_votes: pond,
        against_votes: mpond,
        change: None,
        executed: true,
    };
    let want = json!({"created_day": 4, "end_day": 7, "for_votes": "5", "against_votes": "7",
                      "change": null, "executed": true});
    assert_eq!(serde_json::to_value(p).ok(), Some(want));
}
