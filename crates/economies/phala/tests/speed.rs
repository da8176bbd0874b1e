//! The block close's throughput at 10^4 computing workers (khala), in worker-blocks per
//! second; run with `cargo test --release -p ergon-phala --test speed -- --ignored --nocapture`.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::time::Instant;

use ergon_core::{Economy, Qty};
use ergon_phala::{Action, Genesis, Phala, Profile};

#[test]
#[ignore = "a timing, not a check: run in release"]
fn block_close_throughput() {
    let n = 10_000u32;
    let mut g = Genesis { profile: Profile::Khala, ..Genesis::default() };
    g.accounts.insert("op".into(), Qty::parse("100000000").unwrap());
    g.subsidy_pool = Some(Qty::parse("1000000").unwrap());
    let mut s = Phala::from_genesis(g).unwrap();
    s.set_report_detail(false);
    for i in 0..n {
        let worker = format!("w{i}");
        let score = 1000 + i % 3000;
        let level = (i % 5) as u8 + 1;
        let reg = Action::Register {
            worker: worker.clone(),
            owner: "op".into(),
            confidence_level: level,
            score: Some(score),
        };
        s.apply(&reg).unwrap();
        s.apply(&Action::Start { worker, stake: Qty::parse("5000").unwrap() }).unwrap();
    }
    let blocks = 720;
    let t = Instant::now();
    for _ in 0..blocks {
        s.end_epoch().unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{:.3e} worker-blocks/s ({blocks} blocks of {n} workers in {secs:.3} s)",
        f64::from(n) * f64::from(blocks) / secs
    );
    s.check_invariants().unwrap();
}
