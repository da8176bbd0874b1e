//! # ergon-sim — the simulator
//!
//! Scenario files in, deterministic runs out. [`scenario`] turns a TOML scenario (with
//! command-line overrides and an optional sweep) into a validated [`Plan`]; [`runner`] runs
//! its jobs — one per (sweep point, Monte Carlo run) — in parallel, each from its own seed,
//! and hands each job's rows to a [`Sink`]. The simulator knows economies only through
//! [`ergon_core::Model`]; it reads no files and writes none (ergon-output does).

pub mod checkpoint;
pub mod diag;
mod resume;
mod resume_check;
pub mod runner;
pub mod scenario;
mod sweep;

pub use diag::{Diagnostic, Diagnostics, PROBLEMS_SHOWN, Source};
pub use resume::{CheckpointStore, Checkpoints, PartMark};
pub use resume_check::check_resume;
pub use runner::{Control, Job, JobResult, JobSink, RunError, Sink};
pub use scenario::{Duration, File, Header, Plan, Point, Sweep, SweepMode};
