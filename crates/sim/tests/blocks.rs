//! Block-based time through the runner: durations in hours, minutes and seconds of 12-second
//! blocks; a year of blocks advanced in chunks gives the same rows as one block at a time
//! (`--paranoid`) and as a model that jumps through its chunks; progress comes per chunk;
//! a stop ends the job at a chunk's end; scenario errors name the field and the value.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use common::{Blocks, Memory, run, scenario};
use ergon_sim::{Control, Duration, Source};

fn text(t: &str) -> Duration {
    Duration::Text(t.into())
}

#[test]
fn durations_convert_through_the_step_length() {
    let block = |t: &str| text(t).steps(12, "block");
    assert_eq!(block("1y"), Ok(2_628_000));
    assert_eq!(block("2w"), Ok(100_800));
    assert_eq!(block("1d"), Ok(7_200));
    assert_eq!(block("12h"), Ok(3_600));
    assert_eq!(block("30min"), Ok(150));
    assert_eq!(block("60s"), Ok(5));
    assert_eq!(block("10e"), Ok(10));
    assert_eq!(block(" 7 "), Ok(7));
    assert_eq!(Duration::Epochs(52_560).steps(12, "block"), Ok(52_560));
    let epoch = |t: &str| text(t).steps(600, "epoch");
    assert_eq!(epoch("1y"), Ok(52_560));
    assert_eq!(epoch("12h"), Ok(72));
    assert_eq!(epoch("30min"), Ok(3));
    assert_eq!(text("1d").epochs(144), Ok(144));
    assert_eq!(text("1d").epochs(24), Ok(24));
}

#[test]
fn bad_durations_say_what_to_write() {
    let e = text("90s").steps(12, "block").unwrap_err();
    assert!(e.contains("\"90s\" is not a whole number of blocks of 12 s"), "{e}");
    let e = text("5min").steps(600, "epoch").unwrap_err();
    assert!(e.contains("\"5min\" is not a whole number of epochs"), "{e}");
    let e = text("3m").steps(600, "epoch").unwrap_err();
    assert!(e.contains("unknown unit \"m\" in \"3m\"") && e.contains("\"3min\""), "{e}");
    let e = text("2q").steps(12, "block").unwrap_err();
    assert!(
        e.contains("unknown unit \"q\" in \"2q\": use e (blocks), s, min, h, d, w or y"),
        "{e}"
    );
    let e = text("d").steps(12, "block").unwrap_err();
    assert!(e.contains("\"d\" is not a duration"), "{e}");
    let e = text("99999999999999999y").steps(12, "block").unwrap_err();
    assert!(e.contains("is too long"), "{e}");
}

fn plan_errors(duration: &str, record_every: &str) -> String {
    let text = scenario(duration, record_every);
    match ergon_sim::scenario::plan::<Blocks<false>>(Source { name: "b.toml", text: &text }, &[]) {
        Ok(_) => panic!("{duration} / {record_every} should be refused"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn scenario_errors_name_the_field_and_the_value() {
    let e = plan_errors("\"90s\"", "\"1d\"");
    assert!(e.contains("scenario.duration: \"90s\" is not a whole number of blocks"), "{e}");
    let e = plan_errors("\"39y\"", "\"1d\"");
    assert!(e.contains("scenario.duration: \"39y\" is 102492000 blocks; must be 1"), "{e}");
    let e = plan_errors("\"0h\"", "\"1d\"");
    assert!(e.contains("scenario.duration: \"0h\" is 0 blocks"), "{e}");
    let e = plan_errors("\"1y\"", "\"0s\"");
    assert!(e.contains("scenario.record_every: \"0s\" is 0 blocks; must be at least 1"), "{e}");
    let e = plan_errors("\"10y\"", "2");
    assert!(e.contains("scenario.record_every: 2 is a row every 2 blocks, 13140000 rows"), "{e}");
    let e = plan_errors("\"1y\"", "\"1m\"");
    assert!(e.contains("scenario.record_every: unknown unit \"m\" in \"1m\""), "{e}");
}

#[test]
fn chunks_give_the_rows_of_single_steps() {
    let year = scenario("\"1y\"", "4999");
    let (chunked, complete, _) = run::<Blocks<false>>(&year, false);
    assert!(complete);
    assert_eq!(chunked.len(), 2 + 2_628_000 / 4999);
    assert_eq!(chunked.last().map(|r| r.0), Some(2_628_000));
    let (single, _, calls) = run::<Blocks<false>>(&year, true);
    assert_eq!(calls, 2_628_000, "--paranoid advances one block at a time");
    assert_eq!(chunked, single);
    let (jumped, _, _) = run::<Blocks<true>>(&year, false);
    assert_eq!(chunked, jumped);
}

#[test]
fn progress_comes_per_chunk() {
    let (rows, _, calls) = run::<Blocks<true>>(&scenario("\"1y\"", "\"1d\""), false);
    assert_eq!(rows.len(), 366);
    // Chunks of a simulated hour: 300 blocks.
    assert_eq!(calls, 2_628_000 / 300);
    assert_eq!(ergon_sim::runner::chunk_steps::<Blocks<true>>(false), 300);
    assert_eq!(ergon_sim::runner::chunk_steps::<Blocks<true>>(true), 1);
}

#[test]
fn a_stop_ends_the_job_after_its_chunk() {
    let text = scenario("\"1d\"", "\"12h\"");
    let plan =
        ergon_sim::scenario::plan::<Blocks<true>>(Source { name: "b.toml", text: &text }, &[])
            .expect("valid");
    let memory = Memory::default();
    let stop = AtomicBool::new(false);
    let progress = |_: u64| stop.store(true, Ordering::Relaxed);
    let control = Control { progress: &progress, stop: &stop, paranoid: false, checkpoints: None };
    let results = ergon_sim::runner::run(&plan, &&memory, &control).expect("runs");
    assert!(!results[0].complete);
    assert_eq!(results[0].epochs, 300);
    let rows = memory.jobs.into_inner().expect("no panic").pop().expect("one job").1;
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [0, 300]);
}

/// A job a stop finds not yet begun builds no genesis and writes no row (a stop among thousands
/// of jobs built each of them, minutes of work); it is incomplete at step 0.
#[test]
fn a_stop_before_a_job_begins_builds_nothing() {
    let text = format!("{}runs = 3\n", scenario("\"1d\"", "\"12h\""));
    let plan =
        ergon_sim::scenario::plan::<Blocks<true>>(Source { name: "b.toml", text: &text }, &[])
            .expect("valid");
    let memory = Memory::default();
    let stop = AtomicBool::new(true);
    let progress = |_: u64| {};
    let control = Control { progress: &progress, stop: &stop, paranoid: false, checkpoints: None };
    let results = ergon_sim::runner::run(&plan, &&memory, &control).expect("runs");
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| !r.complete && r.epochs == 0 && r.last.is_empty()));
    let jobs = memory.jobs.into_inner().expect("no panic");
    assert_eq!(jobs.len(), 3, "each job's writer opened and closed");
    assert!(jobs.iter().all(|(_, rows)| rows.is_empty()), "{jobs:?}");
}
