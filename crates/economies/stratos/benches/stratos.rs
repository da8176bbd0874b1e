//! Criterion benchmarks of the Stratos economy: one epoch (500 user tasks, then the settlement
//! and reward split) at 10^3, 10^4 and 10^5 resource nodes under both profiles, the settlement
//! alone, and a simulated year of 1,000 nodes with 500 tasks an epoch. Figures and the commands
//! that reproduce them are in docs/PERFORMANCE.md. Run: `cargo bench -p ergon-stratos`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ergon_core::economy::Economy;
use ergon_core::{AccountId, Amount, RngStreams, Seed, StreamRng};
use ergon_stratos::genesis::{
    GenesisMetaNode, GenesisResourceNode, GenesisValidator, Oz, Ppm, Stos,
};
use ergon_stratos::{Genesis, Profile, Stratos};

/// User tasks each epoch.
const TASKS: usize = 500;
/// Users issuing them.
const USERS: usize = 1_000;
/// 0.05 Oz (1 Oz = 10^9 noz): each upload is stored three times, each download delivered once.
const TASK_SIZE: Amount = Amount(50_000_000);
/// STOS (in wei) a user pays for Ozone whenever its Ozone runs short.
const TOP_UP: Amount = Amount(10 * 10u128.pow(18));

/// `n` whole STOS.
fn stos(n: u128) -> Stos {
    Stos(Amount(n * 10u128.pow(18)))
}

/// A network of `nodes` resource nodes sharing 10,000,000 STOS of deposits equally (the token's
/// cap leaves no room for more), 10 meta nodes, 5 validators and 1,000 users holding 1,000 STOS
/// each, with their first Ozone bought.
fn network(profile: Profile, nodes: usize) -> (Stratos, Vec<AccountId>) {
    let mut accounts = BTreeMap::new();
    let deposit = (10_000_000 / nodes) as u128;
    let resource_nodes = (0..nodes)
        .map(|i| {
            let name = format!("r{i}");
            accounts.insert(name.clone(), stos(deposit + 1));
            GenesisResourceNode { name, deposit: stos(deposit), capacity: None }
        })
        .collect();
    let meta_nodes = (0..10)
        .map(|i| {
            let name = format!("m{i}");
            accounts.insert(name.clone(), stos(100_001));
            GenesisMetaNode { name, deposit: stos(100_000) }
        })
        .collect();
    let validators = (0..5)
        .map(|i| {
            let operator = format!("v{i}");
            accounts.insert(operator.clone(), stos(100_001));
            GenesisValidator {
                operator,
                self_bond: stos(100_000),
                commission: Ppm(50_000),
                delegations: BTreeMap::new(),
            }
        })
        .collect();
    for i in 0..USERS {
        accounts.insert(format!("u{i}"), stos(1_000));
    }
    let g = Genesis {
        profile,
        params: serde_json::Map::new(),
        seed: Seed::from_u64(7),
        // paper: 1,000 Oz per STOS of genesis deposit; mainnet: its default S / rate.
        ozone_limit: (profile == Profile::Paper)
            .then(|| Oz(Amount(10_000_000_000 * 10u128.pow(9)))),
        accounts,
        resource_nodes,
        meta_nodes,
        validators,
    };
    let mut st = Stratos::from_genesis(g).expect("a valid genesis");
    st.set_report_detail(false);
    let users: Vec<AccountId> =
        (0..USERS).map(|i| st.account(&format!("u{i}")).expect("a user")).collect();
    for &u in &users {
        st.prepay(u, u, TOP_UP).expect("the first Ozone");
    }
    (st, users)
}

/// One epoch's user tasks: half uploads (three replicas), half downloads, by random users; a
/// user short of Ozone buys more first.
fn tasks(st: &mut Stratos, users: &[AccountId], rng: &mut StreamRng) {
    for k in 0..TASKS {
        let u = users[rng.below(users.len() as u64) as usize];
        let need = Amount(TASK_SIZE.0 * 3);
        if st.ozone_balance(u) < need {
            st.prepay(u, u, TOP_UP).expect("a top-up");
        }
        if k % 2 == 0 {
            st.upload(u, TASK_SIZE, 3, None).expect("an upload");
        } else {
            st.download(u, TASK_SIZE, None).expect("a download");
        }
    }
}

/// Whether criterion measures (`cargo bench` passes `--bench`), rather than checking that each
/// benchmark runs once (`cargo test --all-targets`): the checks use 10^3 nodes and one day.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn profiles() -> [(Profile, &'static str); 2] {
    [(Profile::Paper, "paper"), (Profile::Mainnet, "mainnet")]
}

/// One epoch at 10^3, 10^4 and 10^5 resource nodes: 500 tasks and the epoch's close (`epoch`),
/// and the close alone after the tasks (`settle`). Each iteration starts from a copy of the same
/// network, three epochs in (so locks are already queued), made outside the timed region.
fn epoch(c: &mut Criterion) {
    for (profile, label) in profiles() {
        let mut group = c.benchmark_group(format!("stratos_epoch/{label}"));
        group.sample_size(10).warm_up_time(Duration::from_secs(1));
        let sizes: &[usize] = if measuring() { &[1_000, 10_000, 100_000] } else { &[1_000] };
        for &nodes in sizes {
            let (mut base, users) = network(profile, nodes);
            let mut rng = RngStreams::new(Seed::from_u64(1)).stream(&[1]);
            for _ in 0..3 {
                tasks(&mut base, &users, &mut rng);
                base.end_epoch().expect("an epoch");
            }
            group.bench_with_input(BenchmarkId::new("tasks_and_close", nodes), &nodes, |b, _| {
                b.iter_batched_ref(
                    || (base.clone(), rng.clone()),
                    |(st, rng)| {
                        tasks(st, &users, rng);
                        black_box(st.end_epoch().expect("an epoch"));
                    },
                    BatchSize::PerIteration,
                );
            });
            group.bench_with_input(BenchmarkId::new("close", nodes), &nodes, |b, _| {
                b.iter_batched_ref(
                    || {
                        let (mut st, mut rng) = (base.clone(), rng.clone());
                        tasks(&mut st, &users, &mut rng);
                        st
                    },
                    |st| black_box(st.end_epoch().expect("an epoch")),
                    BatchSize::PerIteration,
                );
            });
        }
        group.finish();
    }
}

/// A simulated year (52,560 epochs of ten minutes) of 1,000 resource nodes with 500 tasks an
/// epoch, from genesis.
fn year(c: &mut Criterion) {
    let mut group = c.benchmark_group("stratos_year");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(60));
    let epochs = if measuring() { 365 * 144 } else { 144 };
    for (profile, label) in profiles() {
        let (base, users) = network(profile, 1_000);
        group.bench_function(BenchmarkId::new(label, "1000_nodes_500_tasks"), |b| {
            b.iter_batched_ref(
                || (base.clone(), RngStreams::new(Seed::from_u64(1)).stream(&[1])),
                |(st, rng)| {
                    for _ in 0..epochs {
                        tasks(st, &users, rng);
                        st.end_epoch().expect("an epoch");
                    }
                    black_box(st.total_mined())
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, epoch, year);
criterion_main!(benches);
