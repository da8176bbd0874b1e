//! A Phala model saved at a block and read back runs on exactly as the original: the same
//! rows, bit for bit, and the same state at the end (what `ergon run --resume` relies on).
//! Each shipped scenario saved mid-day, on its second day; then saved while the machinery that
//! carries state from block to block holds entries, each checked live at the saved block:
//! challenges waiting, outages (workers unresponsive and offline), withdrawal queues, stakes
//! cooling down, contracts running, halvings, paper's lazy close between two recounts, and the
//! vaults with their queues.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Model, RngStreams};
use ergon_phala::{PhalaModel, WorkerIndex, WorkerState};
use ergon_sim::runner::jobs;
use ergon_sim::scenario::{Plan, plan};
use ergon_sim::{Source, check_resume};

const KHALA: (&str, &str) = ("phala-khala", include_str!("../../../../scenarios/phala-khala.toml"));
const PAPER: (&str, &str) = ("phala-paper", include_str!("../../../../scenarios/phala-paper.toml"));
const SMALL_VS_BIG: (&str, &str) =
    ("phala-small-vs-big", include_str!("../../../../scenarios/phala-small-vs-big.toml"));
const PAPER_100K: (&str, &str) =
    ("phala-paper-100k", include_str!("../../../../scenarios/bench/phala-paper-100k.toml"));

/// Blocks a day (12-second blocks).
const DAY: u64 = 7_200;
/// Blocks an hour.
const HOUR: u64 = 300;

/// The 100,000-worker benchmark at 2,000 workers in 20 pools (100 a pool, as shipped) and 200
/// delegators, its lazy close as shipped.
const PAPER_2K: [(&str, &str); 2] = [
    (
        "agents.groups",
        "[{label = \"paper\", workers = 2000, pools = 20, tiers = [0.3, 0.2, 0.2, 0.15, 0.15], \
         score = {dist = \"uniform\", low = 200, high = 2000}, \
         performance = {dist = \"normal\", mean = 1.0, sd = 0.05}, commission_permill = 50000, \
         owner_stake = 600000, max_worker_stake = 12000}]",
    ),
    ("agents.delegators.count", "200"),
];

fn plan_of((name, text): (&str, &str), sets: &[(&str, &str)]) -> Plan<PhalaModel> {
    let sets: Vec<(String, String)> =
        sets.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    plan::<PhalaModel>(Source { name, text }, &sets).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Saved at block `at`, both run to `to`, rows compared every quarter day.
fn check(scenario: (&str, &str), sets: &[(&str, &str)], at: u64, to: u64) {
    let plan = plan_of(scenario, sets);
    check_resume(&plan, 0, at, to, DAY / 4).unwrap_or_else(|e| panic!("{}: {e}", scenario.0));
}

/// The model of job 0 after `at` blocks (to check what is live when it is saved).
fn model_at(scenario: (&str, &str), sets: &[(&str, &str)], at: u64) -> PhalaModel {
    let plan = plan_of(scenario, sets);
    let (job, point) = (&jobs(&plan)[0], &plan.points[0]);
    let streams = RngStreams::new(job.seed);
    let mut m = PhalaModel::build(&point.config, &point.agents, &streams).unwrap();
    m.advance(at).unwrap();
    m
}

/// Workers in `state`.
fn count(m: &PhalaModel, state: WorkerState) -> usize {
    m.economy().workers().states().filter(|&s| s == state).count()
}

/// Workers with a challenge waiting.
fn challenged(m: &PhalaModel) -> usize {
    let w = m.economy().workers();
    (0..w.len() as u32).filter(|&i| !w.row_stored(WorkerIndex(i)).pending.is_empty()).count()
}

/// Withdrawal requests waiting in the stake pools' queues.
fn queued(m: &PhalaModel) -> usize {
    m.economy().stake_pools().queues.iter().map(std::collections::VecDeque::len).sum()
}

#[test]
fn every_shipped_scenario_resumes_mid_day_as_if_never_stopped() {
    let at = DAY + 2 * HOUR + 37;
    check(KHALA, &[], at, 2 * DAY + 3 * HOUR);
    check(PAPER, &[], at, 2 * DAY + 3 * HOUR);
    check(SMALL_VS_BIG, &[], at, 2 * DAY + 3 * HOUR);
    check(PAPER_100K, &PAPER_2K, at, 2 * DAY + 3 * HOUR);
}

/// Vault shares waiting in the vaults' queues.
fn vault_queued(m: &PhalaModel) -> usize {
    m.economy().vaults().queues.iter().map(std::collections::VecDeque::len).sum()
}

/// Khala with stakes cooling down a day, a day's grace for queued withdrawals, delegators
/// reviewing daily and moving for a pool paying 1 % more, and three vaults of 30 depositors
/// who leave at 20 % a day, invested whole (so their withdrawals queue).
const KHALA_BUSY: [(&str, &str); 10] = [
    ("economy.params.cool_down_blocks", "\"7200\""),
    ("economy.params.grace_period_blocks", "\"7200\""),
    ("economy.params.vault_grace_period_blocks", "\"3600\""),
    ("agents.delegators.min_gain", "0.01"),
    ("agents.delegators.switch_share", "0.5"),
    ("agents.vaults.count", "3"),
    ("agents.vaults.depositors", "30"),
    ("agents.vaults.withdraw_per_day", "0.2"),
    ("agents.vaults.review_every_days", "1"),
    ("agents.vaults.invest_share", "1.0"),
];

/// Saved on day 3, when the workers stopped for yesterday's withdrawals cool down (to be
/// reclaimed at the next day's start, inside the run), withdrawals wait in pools and vaults,
/// outages keep workers unresponsive and challenges wait for their heartbeats.
#[test]
fn a_khala_model_saved_while_stakes_cool_down_and_queues_wait_resumes_the_same() {
    let at = 2 * DAY + 777;
    let m = model_at(KHALA, &KHALA_BUSY, at);
    let live = [
        count(&m, WorkerState::CoolingDown),
        count(&m, WorkerState::Unresponsive),
        challenged(&m),
        queued(&m),
        vault_queued(&m),
    ];
    assert!(live.iter().all(|&n| n > 0), "cooling, unresponsive, challenged, queued: {live:?}");
    check(KHALA, &KHALA_BUSY, at, 3 * DAY + 2 * HOUR);
}

/// paper with the budget cut every day and a half (blocks 10,800 and 21,600) and a day's
/// cool-down: saved between the two cuts, with contracts running on Active workers.
#[test]
fn a_paper_model_saved_between_halvings_with_contracts_running_resumes_the_same() {
    let sets = [
        ("economy.params.halving_interval_blocks", "\"10800\""),
        ("economy.params.cool_down_blocks", "\"7200\""),
    ];
    let at = 2 * DAY + 777;
    let m = model_at(PAPER, &sets, at);
    assert_eq!(m.economy().halvings(), 1);
    let (running, active) = (m.economy().contracts().running(), count(&m, WorkerState::Active));
    assert!(running > 0 && active > 0 && challenged(&m) > 0, "{running} {active}");
    check(PAPER, &sets, at, 3 * DAY + HOUR);
}

/// paper's lazy close (the benchmark's, at 2,000 workers) with Σshare recounted every 500
/// blocks and delegators moving daily for any better pool: saved 177 blocks after a recount,
/// with deadlines of challenges pending and unresponsive workers decaying lazily; the run
/// goes through 14 more recounts.
#[test]
fn a_lazily_closed_model_saved_between_recounts_resumes_the_same() {
    let sets: Vec<(&str, &str)> = PAPER_2K
        .iter()
        .copied()
        .chain([
            ("economy.lazy_refresh_blocks", "500"),
            ("economy.params.cool_down_blocks", "\"7200\""),
            ("agents.delegators.min_gain", "0"),
            ("agents.delegators.review_every_days", "1"),
        ])
        .collect();
    let at = 2 * DAY + 777;
    let m = model_at(PAPER_100K, &sets, at);
    assert_eq!(m.economy().lazy().map(|l| l.refresh_blocks), Some(500));
    let (unresponsive, pending) = (count(&m, WorkerState::Unresponsive), challenged(&m));
    assert!(unresponsive > 0 && pending > 0, "{unresponsive} {pending}");
    check(PAPER_100K, &sets, at, 3 * DAY + 2 * HOUR);
}
