//! Criterion benchmarks of the core's hot paths. Figures and the commands that reproduce them are
//! in docs/PERFORMANCE.md. Run: `cargo bench -p ergon-core --bench core`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ergon_core::arith::{ProRata, Rounding, mul_div};
use ergon_core::fixmath;
use ergon_core::{
    AliasTable, Amount, CobbDouglas, Dec, Holder, Ledger, RewardAccumulator, RngStreams, Seed,
    SumTree, TokenMeta, U64F64,
};

fn ledger_transfer(c: &mut Criterion) {
    // 1,000 funded accounts; each iteration moves one base unit from account i to account i+1
    // (mod 1,000), so every transfer is a real debit and credit and balances stay put per cycle.
    const N: u32 = 1_000;
    let mut l = Ledger::new();
    let t = l.add_token(TokenMeta::new("T", 18), Amount::MAX).expect("token");
    let first = l.open_accounts(N).expect("accounts");
    for k in 0..N {
        let a = Holder::Account(ergon_core::AccountId(first.0 + k));
        l.mint(t, a, Amount(1_000_000_000_000_000_000_000_000)).expect("mint");
    }
    let account = |k: u32| Holder::Account(ergon_core::AccountId(first.0 + k % N));
    let mut i = 0u32;
    c.bench_function("ledger/transfer", |b| {
        b.iter(|| {
            i = (i + 1) % N;
            l.transfer(t, account(i), account(i + 1), black_box(Amount(1))).expect("transfer");
        });
    });
    c.bench_function("ledger/transfer_journaled_revert", |b| {
        b.iter(|| {
            i = (i + 1) % N;
            let cp = l.checkpoint();
            l.transfer(t, account(i), account(i + 1), black_box(Amount(1))).expect("transfer");
            l.revert(cp);
        });
    });
}

fn arithmetic(c: &mut Criterion) {
    c.bench_function("mul_div/u128_fast_path", |b| {
        b.iter(|| {
            mul_div(
                black_box(123_456_789_000),
                black_box(987_654_321),
                black_box(1_000_003),
                Rounding::Down,
            )
        })
    });
    c.bench_function("mul_div/256_bit", |b| {
        b.iter(|| {
            mul_div(
                black_box(u128::MAX / 3),
                black_box(u128::MAX / 5),
                black_box(u128::MAX / 7),
                Rounding::NearestHalfEven,
            )
        })
    });
    // A deposit's share of an epoch's stake rewards: 16 STOS × a 10,000 STOS deposit / 12.5 M
    // STOS of deposits, in wei. The product overflows u128; the quotient (≈ 1.3·10^16) does not.
    c.bench_function("mul_div/pool_share", |b| {
        b.iter(|| {
            mul_div(
                black_box(16 * 10u128.pow(18) + 12_345),
                black_box(10_000 * 10u128.pow(18) + 678),
                black_box(12_500_000 * 10u128.pow(18) + 91),
                Rounding::Down,
            )
        })
    });
    // A resource node's share of an epoch's 48 STOS by its 9.9 Oz of the 2,750 Oz settled
    // (noz): every operand below 2^64, one reciprocal division.
    let node = ProRata::new(48 * 10u128.pow(18) + 12_345, 2_750 * 10u128.pow(9) + 7).expect("y");
    c.bench_function("pro_rata/node_share", |b| b.iter(|| node.floor(black_box(9_876_543_210))));
    // A validator's share of 16 STOS by its 100,000 STOS of 2.1 M STOS of voting power (wei):
    // a 256-by-128-bit division.
    let power = ProRata::new(16 * 10u128.pow(18) + 777, 2_100_000 * 10u128.pow(18) + 5).expect("p");
    c.bench_function("pro_rata/validator_share", |b| {
        b.iter(|| power.floor(black_box(100_000 * 10u128.pow(18) + 3)))
    });
    let x: Dec = "12345.678901234567890123".parse().expect("dec");
    let y: Dec = "0.333333333333333333".parse().expect("dec");
    c.bench_function("dec/mul", |b| b.iter(|| black_box(x).mul(black_box(y))));
    c.bench_function("dec/quo", |b| b.iter(|| black_box(x).quo(black_box(y))));
    let f = U64F64::from_rational(123_456_789, 1_000).expect("fixed");
    let g = U64F64::from_rational(1_000_000_667, 1_000_000_000).expect("fixed");
    c.bench_function("u64f64/mul", |b| b.iter(|| black_box(f).mul(black_box(g))));
    c.bench_function("u64f64/div", |b| b.iter(|| black_box(f).div(black_box(g))));
    c.bench_function("u64f64/sqrt", |b| b.iter(|| black_box(f).sqrt()));
    // Marlin's paper reward: one pow, and one Cobb-Douglas share (two ln, one exp).
    let x: Dec = "0.123456789012345678".parse().expect("dec");
    let a: Dec = "0.3".parse().expect("dec");
    c.bench_function("fixmath/pow", |b| b.iter(|| fixmath::pow(black_box(x), black_box(a))));
    let e = |n: u128| Amount(n * 10u128.pow(18));
    c.bench_function("fixmath/cobb_douglas", |b| {
        b.iter(|| {
            fixmath::cobb_douglas(
                black_box(e(1_000_000)),
                black_box(e(1_234)),
                e(65_536),
                black_box(e(777_777)),
                e(10_000_000),
                a,
            )
        })
    });
    // The same call with the epoch's constants taken once (`CobbDouglas`), and an epoch of
    // 10^4 relayers: one `CobbDouglas::new` and 10^4 rewards, against 10^4 reference calls.
    let epoch = CobbDouglas::new(a, e(65_536), e(10_000_000)).expect("epoch");
    c.bench_function("fixmath/cobb_douglas_epoch_constants", |b| {
        b.iter(|| epoch.reward(black_box(e(1_000_000)), black_box(e(1_234)), black_box(e(777_777))))
    });
    let mut rng = RngStreams::new(Seed::from_u64(11)).stream(&[2]);
    let relayers: Vec<(Amount, Amount)> = (0..10_000)
        .map(|_| {
            (Amount(1 + u128::from(rng.below(1 << 40))), Amount(1 + u128::from(rng.below(1 << 50))))
        })
        .collect();
    let r_total = Amount(relayers.iter().map(|x| x.0.0).sum());
    let s_total = Amount(relayers.iter().map(|x| x.1.0).sum());
    let pool = e(100_000);
    c.bench_function("fixmath/cobb_douglas_epoch_1e4", |b| {
        b.iter(|| {
            let cd = CobbDouglas::new(black_box(a), r_total, s_total).expect("epoch");
            relayers.iter().map(|&(r, s)| cd.reward(pool, r, s).expect("reward").0).sum::<u128>()
        })
    });
    let mut slow = c.benchmark_group("fixmath_reference");
    slow.sample_size(10);
    slow.bench_function("cobb_douglas_epoch_1e4", |b| {
        b.iter(|| {
            relayers
                .iter()
                .map(|&(r, s)| {
                    fixmath::cobb_douglas(pool, r, r_total, s, s_total, black_box(a))
                        .expect("reward")
                        .0
                })
                .sum::<u128>()
        })
    });
    slow.finish();
}

fn sampling(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let mut rng = RngStreams::new(Seed::from_u64(7)).stream(&[1]);
    let weights: Vec<u64> = (0..N).map(|_| 1 + rng.below(1_000_000)).collect();
    let mut tree = SumTree::from_weights(&weights);
    c.bench_function("sum_tree/update_1e6", |b| {
        b.iter(|| {
            let i = rng.below(N as u64) as usize;
            tree.set(i, black_box(1 + rng.below(1_000_000)));
        })
    });
    c.bench_function("sum_tree/sample_1e6", |b| b.iter(|| tree.sample(&mut rng).expect("weights")));
    let alias = AliasTable::new(&weights).expect("weights");
    c.bench_function("alias/sample_1e6", |b| b.iter(|| alias.sample(&mut rng)));
    c.bench_function("sum_tree/build_1e6", |b| {
        b.iter_batched(|| weights.clone(), |w| SumTree::from_weights(&w), BatchSize::LargeInput)
    });
}

fn rewards(c: &mut Criterion) {
    const N: u32 = 1_000_000;
    let mut acc: RewardAccumulator<u32> = RewardAccumulator::new();
    for k in 0..N {
        acc.add_shares(k, 1_000 + u128::from(k % 97)).expect("shares");
    }
    c.bench_function("accumulator/distribute_1e6_stakers", |b| {
        b.iter(|| acc.distribute(black_box(Amount(1_000_000_007))).expect("distribute"))
    });
    let shares: Vec<u128> = (0..N).map(|k| 1_000 + u128::from(k % 97)).collect();
    let total: u128 = shares.iter().sum();
    let mut owed = vec![0u128; N as usize];
    c.bench_function("naive_pro_rata/distribute_1e6_stakers", |b| {
        b.iter(|| {
            for (o, s) in owed.iter_mut().zip(&shares) {
                *o += mul_div(1_000_000_007, *s, total, Rounding::Down).expect("share");
            }
        })
    });
}

criterion_group!(benches, ledger_transfer, arithmetic, sampling, rewards);
criterion_main!(benches);
