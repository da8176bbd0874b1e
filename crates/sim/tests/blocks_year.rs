//! A simulated year of 12-second blocks (2,628,000 steps) through the runner with a row a day:
//! the rows, the final figures, exact, and the allocations of the run, counted by an
//! instrumented global allocator: a few per recorded row, none per block. Alone in its test
//! binary, so no other test allocates during the count.

mod common;

use std::alloc::System;

use common::{BUDGET_PICO, Blocks, run, scenario};
use ergon_core::{Metric, MetricValue};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn value(row: &[Metric], name: &str) -> MetricValue {
    row.iter().find(|m| m.name == name).map(|m| m.value).expect("the metric is recorded")
}

fn pha(raw: u128) -> MetricValue {
    MetricValue::Amount { raw, decimals: 12 }
}

#[test]
fn a_year_of_blocks_records_daily_without_allocating_per_block() {
    let year = scenario("\"1y\"", "\"1d\"");
    // Warm up: the thread pool and the first scenario parse allocate once.
    let _ = run::<Blocks<false>>(&scenario("\"1d\"", "\"1d\""), false);
    let region = Region::new(GLOBAL);
    let (rows, complete, progress_calls) = run::<Blocks<false>>(&year, false);
    let change = region.change();
    let allocations = change.allocations + change.reallocations;
    assert!(complete);
    assert_eq!(rows.len(), 366, "a row at genesis and one a day");
    assert_eq!(rows.last().map(|r| r.0), Some(2_628_000));
    assert!(rows.iter().enumerate().all(|(day, r)| r.0 == day as u64 * 7_200));
    assert_eq!(progress_calls, 8_760, "a progress call a simulated hour");
    // Budget decays × 3/4 at days 180 and 360: 1,296,000 + 1,296,000 + 36,000 blocks.
    let (b1, b2, b3) = (u128::from(BUDGET_PICO), 140_908_725_000_000, 105_681_543_750_000);
    assert_eq!((b1 * 3 / 4, b2 * 3 / 4), (b2, b3));
    let last = &rows[365].1;
    assert_eq!(value(last, "blocks"), MetricValue::Count(2_628_000));
    assert_eq!(value(last, "budget_per_block_pha"), pha(b3));
    assert_eq!(value(last, "minted_pha"), pha(429_912_519_975_000_000_000));
    assert_eq!(value(last, "minted_pha"), pha(1_296_000 * (b1 + b2) + 36_000 * b3));
    assert_eq!(value(last, "treasury_pha"), pha(85_982_503_995_000_000_000));
    assert_eq!(value(last, "workers_pha"), pha(343_930_015_980_000_000_000));
    assert_eq!(value(last, "heartbeats"), MetricValue::Count(8_760));
    assert_eq!(value(last, "minted_since_record_pha"), pha(7_200 * b3));
    // The run allocates per row (the metrics, the sink's copy), never per block.
    let bound = 4 * rows.len() + 256;
    assert!(allocations <= bound, "{allocations} allocations for 366 rows (bound {bound})");
}
