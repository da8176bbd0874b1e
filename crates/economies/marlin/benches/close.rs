//! Criterion benchmarks of a whole Marlin epoch close (`Economy::end_epoch`, spec marlin.md
//! "Rewards" and "Staking") on a network of 10^4 clusters with 10^4 or 10^5 delegated stashes:
//! paper, the subsidy's Cobb-Douglas payout over the 10^4 clusters with tickets and each
//! cluster's distribution to its per-share accumulator (delegators settle when they next act);
//! paper at a month's close, the fees paid in the same pass; deployed, the next epoch's
//! selection drawn by ⌊√ effective delegation⌋. Figures and the commands that reproduce them are
//! in docs/PERFORMANCE.md ("Marlin"). Run: `cargo bench -p ergon-marlin --bench close`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ergon_core::economy::Economy;
use ergon_core::{AccountId, Amount, RngStreams, Seed};
use ergon_marlin::Marlin;

/// 10^18 base units: one token.
const E18: u128 = 1_000_000_000_000_000_000;
/// Clusters (relayers).
const CLUSTERS: usize = 10_000;

/// A network of `CLUSTERS` clusters (each operator staking 1,000–8,000 POND and 1 MPOND on its
/// own cluster, 10% commission) and `delegators` stashes of 10–1,000 POND spread over them;
/// paper: 50,000 POND of subsidy a day for 20,000 days (the whole pool, so that every close of a
/// run pays it), one receiver subscribed for 100,000 months at 1,000 POND;
/// `month_days = 1` makes every close a month's close.
fn network(profile: &str, delegators: usize, month_days: u64) -> (Marlin, AccountId) {
    let mut accounts = serde_json::Map::new();
    for i in 0..CLUSTERS {
        accounts.insert(format!("op{i}"), serde_json::json!({"pond": "10000", "mpond": "1"}));
    }
    for j in 0..delegators {
        accounts.insert(format!("d{j}"), serde_json::json!({"pond": "1000"}));
    }
    accounts.insert("r".into(), serde_json::json!({"pond": "1000000000"}));
    let mut genesis = serde_json::json!({
        "profile": profile, "accounts": accounts, "rewards_pool": "1000000000",
        "transfers_open": true,
    });
    // paper's own parameters (deployed has none of them: refused there).
    if profile == "paper" {
        genesis["month_days"] = month_days.into();
        genesis["alpha"] = "0.3".into();
        genesis["subsidy_per_epoch"] = "50000".into();
        genesis["subsidy_epochs"] = 20_000u64.into();
    }
    let mut m = Marlin::from_genesis(serde_json::from_value(genesis).expect("a genesis"))
        .expect("a valid genesis");
    let mut rng = RngStreams::new(Seed::from_u64(11)).stream(&[3]);
    for i in 0..CLUSTERS {
        let op = m.account(&format!("op{i}")).expect("an operator");
        let c = m.register_cluster(op, 10).expect("a cluster");
        let pond = Amount((1_000 + u128::from(rng.below(7_000))) * E18);
        m.create_stash(op, pond, Amount(E18), Some(c)).expect("the operator's stash");
    }
    for j in 0..delegators {
        let d = m.account(&format!("d{j}")).expect("a delegator");
        let c = rng.below(CLUSTERS as u64) as u32;
        let pond = Amount((10 + u128::from(rng.below(990))) * E18);
        m.create_stash(d, pond, Amount::ZERO, Some(c)).expect("a delegation");
    }
    let r = m.account("r").expect("the receiver");
    if profile == "paper" {
        m.register_receiver(r).expect("a receiver");
        m.subscribe(r, Amount(1_000 * E18), 100_000).expect("a subscription");
    }
    (m, r)
}

/// paper: the receiver hands 1–2^20 tickets to every cluster (outside the timed region).
fn relay_all(m: &mut Marlin, r: AccountId, day: u64) {
    let mut rng = RngStreams::new(Seed::from_u64(12)).stream(&[day]);
    for c in 0..CLUSTERS as u32 {
        let n = Amount(1 + u128::from(rng.below(1 << 20)));
        m.relay_tickets(r, c, n).expect("tickets");
    }
}

fn epoch_close(c: &mut Criterion) {
    let mut group = c.benchmark_group("marlin_epoch_close");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let cases = [("paper", 10_000, 30), ("paper", 100_000, 30), ("paper_month", 100_000, 1)];
    for (name, delegators, month_days) in cases {
        let (mut m, r) = network("paper", delegators, month_days);
        // Every close pays the subsidy (and, monthly, the fees) over all the clusters.
        relay_all(&mut m, r, 0);
        let first = m.end_epoch().expect("a close").rewards;
        assert!(
            first.subsidy.paid > Amount::ZERO && (month_days > 1 || first.fees.paid > Amount::ZERO)
        );
        group.bench_with_input(BenchmarkId::new(name, delegators), &delegators, |b, _| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let day = m.day();
                    relay_all(&mut m, r, day);
                    let t = Instant::now();
                    let close = black_box(m.end_epoch().expect("a close"));
                    spent += t.elapsed();
                    assert!(close.rewards.subsidy.paid > Amount::ZERO, "a close that pays");
                }
                spent
            });
        });
    }
    let (mut m, _) = network("deployed", 100_000, 30);
    group.bench_function(BenchmarkId::new("deployed", 100_000), |b| {
        b.iter(|| black_box(m.end_epoch().expect("a close")));
    });
    group.finish();
}

criterion_group!(benches, epoch_close);
criterion_main!(benches);
