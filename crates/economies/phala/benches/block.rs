//! Criterion benchmarks of the Phala block close (khala, the gatekeeper's per-block pass): 10^4
//! computing workers growing every block, and the same workers held at v_max (their shares
//! cached). Throughput is in worker-blocks. Figures and the commands that reproduce them are in
//! docs/PERFORMANCE.md, "Phala". Run: `cargo bench -p ergon-phala --bench block`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ergon_core::{Economy, Qty};
use ergon_phala::{Action, Genesis, Phala, Profile};

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

criterion_group!(benches, block_close);
criterion_main!(benches);
