//! Criterion benchmarks of the Phala block close (khala, the gatekeeper's per-block pass): 10^4
//! computing workers growing every block, and the same workers held at v_max (their shares
//! cached). Throughput is in worker-blocks. Figures and the commands that reproduce them are in
//! docs/PERFORMANCE.md, "Phala". Run: `cargo bench -p ergon-phala --bench block`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ergon_core::{Economy, Qty, U64F64};
use ergon_phala::{Action, Genesis, Phala, Profile, Tokenomic, closed_form};

/// Workers in the benchmarked network.
const WORKERS: u32 = 10_000;

/// `WORKERS` khala workers started with 5,000 PHA each, P 1000–3999 and tiers 1–5 in turn
/// (the same network as tests/speed.rs). With `rho` overridden to 1.5 a block, V reaches
/// v_max = 30,000 within four blocks and stays there.
fn network(rho: Option<&str>) -> Phala {
    let mut g = Genesis { profile: Profile::Khala, ..Genesis::default() };
    g.accounts.insert("op".into(), Qty::parse("100000000").expect("a quantity"));
    g.subsidy_pool = Some(Qty::parse("1000000").expect("a quantity"));
    if let Some(r) = rho {
        g.overrides.insert("rho".into(), r.into());
    }
    let mut s = Phala::from_genesis(g).expect("a genesis");
    s.set_report_detail(false);
    for i in 0..WORKERS {
        let worker = format!("w{i}");
        let reg = Action::Register {
            worker: worker.clone(),
            owner: "op".into(),
            confidence_level: (i % 5) as u8 + 1,
            score: Some(1000 + i % 3000),
        };
        s.apply(&reg).expect("registered");
        let stake = Qty::parse("5000").expect("a quantity");
        s.apply(&Action::Start { worker, stake }).expect("started");
    }
    s
}

fn block_close(c: &mut Criterion) {
    let mut group = c.benchmark_group("phala_block");
    group.throughput(Throughput::Elements(u64::from(WORKERS)));
    group.measurement_time(Duration::from_secs(5));
    let mut growing = network(None);
    group.bench_function("khala_idle_growing_10k", |b| {
        b.iter(|| black_box(growing.end_epoch().expect("a block")));
    });
    let mut capped = network(Some("1.5"));
    for _ in 0..5 {
        capped.end_epoch().expect("a block");
    }
    group.bench_function("khala_idle_at_v_max_10k", |b| {
        b.iter(|| black_box(capped.end_epoch().expect("a block")));
    });
    group.finish();
}

/// paper's lazy close: 1,024 workers (V 1,000–29,000, performance 0.8–1.2, genesis ρ and
/// costs) each brought up over a gap of 1,000–8,191 blocks, the spread of a day's heartbeats
/// and recounts in `scenarios/bench/phala-paper-100k.toml`. Throughput is in advances.
fn closed_form(c: &mut Criterion) {
    let params = ergon_phala::params::Params::of(Profile::Paper, ergon_phala::ParamSet::Genesis);
    let rho_m1 = params.rho.to_bits() - (1u128 << 64);
    let v_max = params.v_max.to_bits();
    let conf = ergon_phala::tokenomic::conf_score_pallet(1);
    // A fixed linear congruential sequence: the same inputs every run.
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |m: u64| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    let workers: Vec<(Tokenomic, u32)> = (0..1024)
        .map(|_| {
            let p = 200 + u32::try_from(next(1_800)).expect("small");
            let mut t =
                Tokenomic::start(&params, U64F64::from_int(1), p, conf, 0, 0).expect("a record");
            t.v = U64F64::from_int(1_000 + next(28_000));
            t.perf = U64F64::from_rational(u128::from(800 + next(401)), 1_000).expect("a ratio");
            (t, 1_000 + u32::try_from(next(7_192)).expect("small"))
        })
        .collect();
    let mut group = c.benchmark_group("phala_closed_form");
    group.throughput(Throughput::Elements(workers.len() as u64));
    group.bench_function("advance_idle_1024", |b| {
        b.iter(|| {
            for (t, n) in &workers {
                let mut t = *t;
                closed_form::advance_idle(&mut t, *n, v_max, rho_m1);
                black_box(t.v);
            }
        });
    });
    group.finish();
}

criterion_group!(benches, block_close, closed_form);
criterion_main!(benches);
