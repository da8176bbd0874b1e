//! A Stratos model saved at a step and read back runs on exactly as the original: the same
//! rows, bit for bit, and the same state at the end (what `ergon run --resume` relies on).
//! Each shipped scenario, under both profiles, saved mid-day and after the reward locks have
//! begun to release.

use ergon_sim::scenario::plan;
use ergon_sim::{Source, check_resume};
use ergon_stratos::StratosModel;

const SCENARIOS: [(&str, &str); 7] = [
    ("stratos-paper", include_str!("../../../../scenarios/stratos-paper.toml")),
    ("stratos-mainnet", include_str!("../../../../scenarios/stratos-mainnet.toml")),
    ("stratos-whale", include_str!("../../../../scenarios/stratos-whale.toml")),
    ("stratos-exodus", include_str!("../../../../scenarios/stratos-exodus.toml")),
    ("stratos-schedule", include_str!("../../../../scenarios/stratos-schedule.toml")),
    ("stratos-small", include_str!("../../../../scenarios/stratos-small.toml")),
    ("stratos-lite", include_str!("../../../../scenarios/bench/stratos-lite.toml")),
];

/// Epochs a day.
const DAY: u64 = 144;

fn check(name: &str, text: &str, sets: &[(&str, &str)], at: u64, to: u64) {
    let sets: Vec<(String, String)> =
        sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let plan = plan::<StratosModel>(Source { name, text }, &sets)
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    check_resume(&plan, 0, at, to, DAY / 4).unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn every_shipped_scenario_resumes_mid_day_as_if_never_stopped() {
    for (name, text) in SCENARIOS {
        check(name, text, &[], DAY + 37, 3 * DAY);
    }
}

#[test]
fn a_model_saved_while_locked_rewards_release_resumes_the_same() {
    // Node rewards lock 14 days: saved on day 15, the buckets of days 1 to 15 are live.
    let (name, text) = SCENARIOS[6];
    check(name, text, &[], 15 * DAY + 5, 16 * DAY + 60);
    let (name, text) = SCENARIOS[1];
    check(name, text, &[], 15 * DAY + 5, 16 * DAY);
}
