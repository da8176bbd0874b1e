//! Criterion benchmarks of the Marlin economy: the paper epoch's Cobb-Douglas payout
//! (`rewards::cobb::cobb_douglas_payout`, spec marlin.md "Rewards", paper) over 10^3 and 10^4
//! relayers, and the bridge's request path (`request_conversion`, spec marlin.md "Bridge").
//! Figures and the commands that reproduce them are in docs/PERFORMANCE.md.
//! Run: `cargo bench -p ergon-marlin --bench marlin`.

use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ergon_core::economy::Economy;
use ergon_core::{Amount, Dec, RngStreams, Seed};
use ergon_marlin::Marlin;
use ergon_marlin::rewards::cobb::cobb_douglas_payout;

/// 10^18 base units: one token.
const E18: u128 = 1_000_000_000_000_000_000;

/// `n` relayers with random tickets in [1, 2^40] and stakes in [1, 2^50] (seeded).
fn relayers(n: usize) -> (Vec<Amount>, Vec<Amount>) {
    let mut rng = RngStreams::new(Seed::from_u64(11)).stream(&[2]);
    (0..n)
        .map(|_| {
            (Amount(1 + u128::from(rng.below(1 << 40))), Amount(1 + u128::from(rng.below(1 << 50))))
        })
        .unzip()
}

/// The paper epoch's payout of a pool of 10^5 POND with α = 0.3 over 10^3 and 10^4 relayers.
fn paper_epoch(c: &mut Criterion) {
    let mut group = c.benchmark_group("marlin_paper_payout");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    let alpha = Dec::from_str("0.3").expect("alpha");
    let pool = Amount(100_000 * E18);
    for n in [1_000, 10_000] {
        let (tickets, stakes) = relayers(n);
        let mut out = vec![Amount::ZERO; n];
        group.bench_with_input(BenchmarkId::new("cobb_douglas", n), &n, |b, _| {
            b.iter(|| {
                let p = cobb_douglas_payout(pool, &tickets, &stakes, black_box(alpha), &mut out)
                    .expect("a payout");
                black_box(p.paid)
            });
        });
    }
    group.finish();
}

/// The bridge's request path: one `request_conversion` of 1 MPOND by an account holding 50,
/// on a copy of the same state made outside the timed region.
fn bridge_request(c: &mut Criterion) {
    let mut group = c.benchmark_group("marlin_bridge");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    let genesis = serde_json::json!({"accounts": {"u": {"mpond": "50"}}});
    let base = Marlin::from_genesis(serde_json::from_value(genesis).expect("a genesis"))
        .expect("a valid genesis");
    let u = base.account("u").expect("an account");
    group.bench_function("request_conversion", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |m| black_box(m.request_conversion(u, Amount(E18)).expect("a request")),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, paper_epoch, bridge_request);
criterion_main!(benches);
