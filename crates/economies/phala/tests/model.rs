//! The Phala simulation model: validation naming each field and value, and each shipped
//! scenario run briefly against figures worked out by hand (the arithmetic is in each test's
//! doc): the small-vs-big shares and their pay, the budget's decay, the 80/20 split, PHA
//! conserved, outages and recoveries, determinism.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use ergon_core::{Metric, MetricValue, Model, RngStreams, Seed, U64F64};
use ergon_phala::PhalaModel;
use ergon_phala::model::{Agents, Config};
use ergon_sim::Source;
use ergon_testkit::metrics::{count, raw, value};

const PICO: f64 = 1e12;

fn float(ms: &[Metric], name: &str) -> f64 {
    match value(ms, name) {
        MetricValue::Float(x) => x,
        v => panic!("{name} is {v:?}"),
    }
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(((got - want) / want).abs() <= rel, "{what}: {got} against {want} (±{rel})");
}

/// The scenario `name`'s economy and agents, as shipped.
fn scenario(name: &str, text: &str) -> (Config, Agents) {
    let plan = ergon_sim::scenario::plan::<PhalaModel>(Source { name, text }, &[])
        .unwrap_or_else(|d| panic!("{name}: {d}"));
    let p = plan.points.into_iter().next().expect("one point");
    (p.config, p.agents)
}

fn build(c: &Config, a: &Agents, seed: u64) -> PhalaModel {
    PhalaModel::build(c, a, &RngStreams::new(Seed::from_u64(seed))).expect("a genesis")
}

/// A khala network of `workers` tier-1 workers of P = 1000 running at exactly their score in
/// one pool, no outages and no delegators: `challenges` draws a block, answers `delay` blocks
/// after their challenge.
fn khala_workers(name: &str, workers: u32, challenges: u32, delay: u32) -> (Config, Agents) {
    let text = format!(
        r#"
[scenario]
name = "{name}"
economy = "phala"
duration = "1d"
seed = 1

[economy]
profile = "khala"
subsidy_pool = 1000000

[[agents.groups]]
label = "workers"
workers = {workers}
pools = 1
tiers = [1.0, 0.0, 0.0, 0.0, 0.0]
score = {{ dist = "uniform", low = 1000, high = 1000 }}
performance = {{ dist = "normal", mean = 1.0, sd = 0.0 }}
owner_stake = 100000
max_worker_stake = 15000

[agents.heartbeats]
challenges_per_block = {challenges}
answer_delay_blocks = {delay}

[agents.outages]
per_day = 0.0

[agents.delegators]
count = 0
"#
    );
    scenario(name, &text)
}

/// Ten workers of 1,600 PHA against one of 16,000, P = 1000, tier 1, Khala numbers under the
/// paper's rules. By hand (Python fractions, then a 40-digit square root):
/// Ve = 1.5·(1600 + 0.4497751124437781·1000) = 3074.6627, share = √(Ve² + 2000²) = 3667.9082,
/// ten of them 36679.082; big: Ve = 24674.6627, share 24755.5848. Ratio 1.481649.
/// A day at 0.01 PHA a block: 0.8·0.01·7200 = 57.6 PHA to workers, split 36679.08 : 24755.58
/// → 34.3896 and 23.2104 PHA; the treasury 0.2·0.01·7200 = 14.4 PHA (a quarter of the pay).
#[test]
fn small_workers_earn_more_per_pha_than_one_big_stake() {
    let (c, a) = scenario(
        "phala-small-vs-big",
        include_str!("../../../../scenarios/phala-small-vs-big.toml"),
    );
    let mut m = build(&c, &a, 1);
    m.record();
    m.step().unwrap();
    let r = m.record();
    assert_eq!(raw(&r, "g0_stake_pha"), 16_000_000_000_000_000);
    assert_eq!(raw(&r, "g1_stake_pha"), 16_000_000_000_000_000);
    close(float(&r, "g0_share_total"), 36_679.082, 1e-6, "small fleet's Σshare");
    close(float(&r, "g1_share_total"), 24_755.585, 1e-6, "big worker's share");
    m.advance(7_199).unwrap();
    let r = m.record();
    m.check_invariants().unwrap();
    let (small, big) = (raw(&r, "g0_paid_pha") as f64 / PICO, raw(&r, "g1_paid_pha") as f64 / PICO);
    // Heartbeats come at random blocks: the blocks since a worker's last one are paid at its
    // next, so a day's pay misses at most an hour of blocks or so per worker.
    close(small, 34.3896, 0.03, "the small fleet's day");
    close(big, 23.2104, 0.03, "the big worker's day");
    close(small / big, 1.481_649, 0.03, "pay per PHA, small against big");
    let (paid, treasury) = (raw(&r, "workers_paid_pha"), raw(&r, "treasury_paid_pha"));
    // 80/20: the treasury gets a quarter of what the workers get, to a base unit a heartbeat.
    let beats = u128::from(count(&r, "heartbeats"));
    assert!(treasury.abs_diff(paid / 4) <= beats, "{treasury} against {paid}/4");
    assert_eq!(raw(&r, "subsidy_paid_pha"), paid + treasury, "the subsidy pool paid both");
    assert_eq!(raw(&r, "pha_supply"), (1_000_000 + 32_000) * 1_000_000_000_000);
    // No pool is rated before the first day's close: its APRs are NaN, not 0.
    assert!(float(&r, "pool_apr_median").is_nan(), "{}", float(&r, "pool_apr_median"));
    m.advance(7_200).unwrap();
    let r = m.record();
    // Two pools rated: the median is the mean of the two APRs.
    let (lo, hi) = (float(&r, "pool_apr_min"), float(&r, "pool_apr_max"));
    assert!(lo < hi, "{lo} {hi}");
    assert_eq!(float(&r, "pool_apr_median"), f64::midpoint(lo, hi));
}

/// At a budget of 3 base units a block every pool's payout is dust (≤ 1,000 base units, sent
/// to the treasury whole): it counts in `treasury_paid_pha` only, so the subsidy paid is the
/// workers' and the treasury's parts to the base unit, and the workers' rows in nodes.csv sum
/// to `workers_paid_pha` (the dust was counted on both sides: 38,034 against 21,022).
#[test]
fn a_pool_s_dust_counts_once_in_the_treasury() {
    let (mut c, a) = scenario(
        "phala-small-vs-big",
        include_str!("../../../../scenarios/phala-small-vs-big.toml"),
    );
    c.params.insert("budget_per_block".into(), "0.000000000003".into());
    let mut m = build(&c, &a, 1);
    m.record();
    m.advance(7_200).unwrap();
    let r = m.record();
    m.check_invariants().unwrap();
    let (paid, treasury) = (raw(&r, "workers_paid_pha"), raw(&r, "treasury_paid_pha"));
    assert!(treasury > 0 && count(&r, "heartbeats") > 0, "{treasury}");
    assert_eq!(raw(&r, "subsidy_paid_pha"), paid + treasury);
    let earned: u128 = m.node_rewards().iter().map(|n| n.reward).sum();
    assert_eq!(earned, paid);
}

/// The paper scenario with a halving every 200 blocks: the budget of 100 PHA a block (the
/// pallet's genesis: 720,000 × 12 / 86,400 = 100) becomes 75 at the end of block 200 and
/// 56.25 at the end of block 400 (× 0.75 each, exact in binary). PHA supply: minted once.
#[test]
fn paper_budget_decays_by_three_quarters_each_halving() {
    let (mut c, a) =
        scenario("phala-paper", include_str!("../../../../scenarios/phala-paper.toml"));
    c.params.insert("halving_interval_blocks".into(), "200".into());
    let mut m = build(&c, &a, 1);
    let supply = raw(&m.record(), "pha_supply");
    m.advance(199).unwrap();
    assert_eq!(float(&m.record(), "budget_per_block_pha"), 100.0);
    m.advance(1).unwrap();
    assert_eq!(float(&m.record(), "budget_per_block_pha"), 75.0);
    m.advance(200).unwrap();
    let r = m.record();
    assert_eq!(float(&r, "budget_per_block_pha"), 56.25);
    assert_eq!(raw(&r, "pha_supply"), supply);
    m.check_invariants().unwrap();
}

/// Khala for six hours (1,800 blocks): every worker starts (stake between k·√P and 15,000
/// PHA); the subsidy pool pays no more than 1,800 × 4.6969575 = 8,454.5235 PHA (each heartbeat
/// pays the worker's share of the blocks since its last payout, the stopped and unresponsive
/// out of Σshare); outages (2 % of 1,000 workers a day, about 5 in
/// six hours, 3 h on average) outlast the 20-block window, so workers turn unresponsive; PHA
/// supply stays what genesis minted.
#[test]
fn khala_pays_within_budget_and_outages_turn_workers_unresponsive() {
    let (c, a) = scenario("phala-khala", include_str!("../../../../scenarios/phala-khala.toml"));
    let mut m = build(&c, &a, 1);
    let r0 = m.record();
    assert_eq!(count(&r0, "workers_idle"), 1_000);
    let supply = raw(&r0, "pha_supply");
    let (mut unresponsive_seen, mut paid) = (0, 0);
    for _ in 0..6 {
        m.advance(300).unwrap();
        let r = m.record();
        unresponsive_seen = unresponsive_seen.max(count(&r, "workers_unresponsive"));
        assert_eq!(raw(&r, "pha_supply"), supply);
        paid += raw(&r, "subsidy_paid_pha");
    }
    m.check_invariants().unwrap();
    let r = m.record();
    assert!(unresponsive_seen > 0, "some outage outlasted the window");
    assert_eq!(count(&r, "workers_idle") + count(&r, "workers_unresponsive"), 1_000);
    assert!(paid > 0 && paid <= 8_454_523_500_000_000, "{paid}");
}

#[test]
fn same_seed_same_records() {
    let (c, a) = scenario("phala-paper", include_str!("../../../../scenarios/phala-paper.toml"));
    let run = || {
        let mut m = build(&c, &a, 3);
        m.advance(3_000).unwrap();
        format!("{:?}", m.record())
    };
    assert_eq!(run(), run());
}

#[test]
fn parameter_overrides_take_whole_numbers_unquoted() {
    // A scenario may write a block count without quotes; it is read as its digits, as the
    // quoted form is.
    let text = include_str!("../../../../scenarios/phala-paper.toml");
    let quoted = "halving_interval_blocks = \"144000\"";
    assert!(text.contains(quoted));
    let bare = text.replace(quoted, "halving_interval_blocks = 150000\nrho = \"1.5\"");
    let (c, _) = scenario("phala-paper", &bare);
    let p = c.parameters().unwrap();
    assert_eq!(p.halving_interval_blocks, 150_000);
    assert_eq!(p.rho, ergon_core::U64F64::from_decimal_str("1.5").unwrap());
    // A number with a fraction is refused: only its text is exact.
    let float = text.replace(quoted, "rho = 1.5");
    let plan = ergon_sim::scenario::plan::<PhalaModel>(Source { name: "p", text: &float }, &[]);
    let e = plan.err().expect("refused").to_string();
    assert!(e.contains("p:24:7") && e.contains("rho = 1.5") && e.contains("(\"1.5\")"), "{e}");
}

#[test]
fn a_first_block_with_none_after_it_is_refused() {
    // The chain's block number is a u32: a genesis at 2^32 − 1 could never close a block.
    let g = |block: u32| -> ergon_phala::Genesis {
        serde_json::from_value(
            serde_json::json!({"block": block, "overrides": {"halving_interval_blocks": 7}}),
        )
        .unwrap()
    };
    let e = <ergon_phala::Phala as ergon_core::Economy>::from_genesis(g(u32::MAX)).unwrap_err();
    assert!(e.to_string().contains("block") && e.to_string().contains("4294967295"), "{e}");
    let mut s = <ergon_phala::Phala as ergon_core::Economy>::from_genesis(g(u32::MAX - 1)).unwrap();
    ergon_core::Economy::end_epoch(&mut s).unwrap();
    assert!(ergon_core::Economy::end_epoch(&mut s).is_err());
}

#[test]
fn validation_names_each_field_and_value() {
    let c: Config = serde_json::from_value(serde_json::json!({
        "profile": "khala", "params": {"rho": "3"}
    }))
    .unwrap();
    let mut a = Agents::default();
    let errs = PhalaModel::validate(&c, &a).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["economy.params.rho", "agents.groups"]);
    assert!(errs[0].message.contains('3'), "{}", errs[0].message);
    a.groups.push(Default::default());
    a.groups[0].pools = 0;
    a.outages.per_day = 2.0;
    let errs = PhalaModel::validate(&Config::default(), &a).unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    assert_eq!(
        msgs,
        [
            "agents.outages.per_day: must be 0 to 1, not 2",
            "agents.groups[0].pools: must be 1 to 100, not 0"
        ]
    );
    // A group past the workers' bound is one problem, not a second of the total it swells;
    // groups each within it whose sum is not are the total's.
    a.outages.per_day = 0.0;
    a.groups[0].pools = 1;
    a.groups[0].workers = 100_000_000;
    let errs = PhalaModel::validate(&Config::default(), &a).unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    assert_eq!(msgs, ["agents.groups[0].workers: must be 1 to 200000, not 100000000"]);
    a.groups[0].workers = 150_000;
    a.groups.push(a.groups[0].clone());
    let errs = PhalaModel::validate(&Config::default(), &a).unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    assert_eq!(msgs, ["agents.groups[].workers (total): must be 0 to 200000, not 300000"]);
}

/// Five workers and twenty challenge draws a block: a worker is challenged at most twice an
/// hour (300 blocks of 12 s), so each hour holds exactly 2 × 5 = 10 challenges — the two in the
/// first blocks it is drawn, then one more each time one of its last two is an hour old.
#[test]
fn a_worker_is_challenged_at_most_twice_an_hour() {
    let (c, a) = khala_workers("challenge-limit", 5, 20, 1);
    let mut m = build(&c, &a, 7);
    assert_eq!(count(&m.record(), "workers_idle"), 5);
    let mut hours = Vec::new();
    for _ in 0..3 {
        m.advance(300).unwrap();
        hours.push(count(&m.record(), "challenges"));
    }
    assert_eq!(hours, [10, 10, 10]);
}

/// Delegators follow APR: two groups of pools, one keeping half the pay as commission and one
/// keeping none. Delegators start spread over every pool; reviewing daily, those in the
/// greedy pools move (withdraw, then contribute to the best pool), and with a gain no pool
/// can offer (`min_gain = 100`: 101 times their own APR) nobody moves.
#[test]
fn delegators_move_to_the_pools_that_pay_them_more() {
    let text = |min_gain: f64| {
        format!(
            r#"
[scenario]
name = "apr-chasers"
economy = "phala"
duration = "10d"
seed = 2

[economy]
profile = "paper"
subsidy_pool = 100000000

[[agents.groups]]
label = "greedy"
workers = 10
pools = 2
commission_permill = 500000
owner_stake = 100000
max_worker_stake = 15000

[[agents.groups]]
label = "fair"
workers = 10
pools = 2
commission_permill = 0
owner_stake = 100000
max_worker_stake = 15000

[agents.outages]
per_day = 0.0

[agents.delegators]
count = 200
review_every_days = 1
min_gain = {min_gain}
switch_share = 1.0
"#
        )
    };
    let moves = |min_gain: f64| {
        let (c, a) = scenario("apr-chasers", &text(min_gain));
        let mut m = build(&c, &a, 5);
        let supply = raw(&m.record(), "pha_supply");
        let mut moved = 0;
        for _ in 0..4 {
            m.advance(7_200).unwrap();
            let r = m.record();
            assert_eq!(raw(&r, "pha_supply"), supply);
            moved += count(&r, "redelegations");
        }
        m.check_invariants().unwrap();
        moved
    };
    let chasing = moves(0.2);
    assert!(chasing >= 50, "{chasing} moves: the greedy pools' delegators should leave");
    assert_eq!(moves(100.0), 0);
}

/// khala: the heartbeat carries the benchmark counter of the challenge's block, as phactory's
/// `handle_heartbeat_challenge` reads it when the worker handles the challenge, while it lands
/// five blocks later. Three workers of P = 1000 start in block 1 (the chain's first) and run at
/// exactly their score (2,000 iterations a block), so after each heartbeat the counter the
/// gatekeeper keeps is `2000·(c − 1)` for the answered challenge's block `c` (its time
/// `c·12 s`); a counter read at the answer would be `2000·(c + 4)`. The session's first
/// heartbeat with a counter measures P = 2000·(c − 1) / ((c + 5 − 1)·12 s) · 6 (the clock from
/// the start, the answer in block `c + 5`).
#[test]
fn khala_heartbeats_carry_the_counter_of_the_challenge_block() {
    let (c, a) = khala_workers("counter-at-challenge", 3, 1, 5);
    let mut m = build(&c, &a, 3);
    // Each worker's (counter, challenge time) as last seen: a change is an answer.
    let mut seen = [(0u64, 12_000u64); 3];
    let mut firsts = 0;
    for _ in 0..700 {
        m.step().unwrap();
        for (w, seen) in seen.iter_mut().enumerate() {
            let tok = m.economy().workers().row(ergon_phala::WorkerIndex(w as u32)).tok;
            let c = tok.challenge_time_last / 12_000;
            assert_eq!(tok.iteration_last, 2000 * (c - 1), "worker {w}, challenge block {c}");
            let now = (tok.iteration_last, tok.challenge_time_last);
            if now != *seen && *seen == (0, 12_000) {
                // The session's first answer with a counter (a challenge in the start block
                // reads 0 and changes nothing): the clock and counter from the start, block 1.
                firsts += 1;
                let dt = U64F64::from_int(12 * (c + 4));
                let want = U64F64::from_int(2000 * (c - 1)).div(dt).unwrap().mul_int(6).unwrap();
                assert_eq!(tok.p_instant, want, "worker {w}: first P after challenge block {c}");
            }
            *seen = now;
        }
    }
    assert_eq!(firsts, 3, "every worker answered a challenge after its start block");
}

/// The parameters a run shows (summary.json, the report) are those a scenario sets, and read
/// back as themselves in both profiles: not the payout ratio and the treasury's 10^18 figure
/// the treasury's ratio sets, nor khala's switches under paper (a scenario may set none of
/// them: they were shown, and refused when given back).
#[test]
fn the_parameters_shown_read_back_as_themselves() {
    for profile in [ergon_phala::Profile::Paper, ergon_phala::Profile::Khala] {
        let config = Config { profile, ..Config::default() };
        let shown = PhalaModel::parameters(&config);
        assert!(shown.iter().all(|(k, _)| k != "payout_ratio" && k != "treasury_e18"), "{shown:?}");
        let switches = shown.iter().any(|(k, _)| k == "unresp_fix");
        assert_eq!(switches, profile == ergon_phala::Profile::Khala, "{shown:?}");
        let mut again = config.clone();
        again.params = shown.iter().filter(|(k, _)| k != "profile").cloned().collect();
        assert_eq!(PhalaModel::parameters(&again), shown, "{profile:?}");
    }
}
