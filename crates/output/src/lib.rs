//! The on-disk formats of an Ergon run's results.
//!
//! A run is a set of jobs (sweep point × Monte Carlo run). Every job writes its rows, in order,
//! to its own part file with a [`PartWriter`]; when the jobs are done (or the run is stopped),
//! [`merge_parts`] joins the parts, in job order, into `metrics.csv` and `metrics.parquet`.
//! [`stat`] summarises a figure across runs, and [`AtomicFile`] writes any other result file
//! (such as `summary.json`) so that it appears complete or not at all.
//!
//! A simulator run writes through these: [`OutDir`] prepares its output directory,
//! [`PartSink`] is the simulator's [`Sink`](ergon_sim::Sink) writing each job's part file, and
//! [`finish`] merges the parts, writes the nodes' rewards (`nodes.csv`, `nodes.parquet`),
//! `summary.json` and the resolved `scenario.toml`.
//!
//! All rows of a run share one [`Schema`] of named, typed columns. The files are deterministic:
//! the same rows give the same bytes, whatever the split into parts, the thread count or the
//! version of the Parquet library.
//!
//! # Column types
//!
//! | [`ColumnKind`]           | CSV text                              | Parquet type        |
//! |--------------------------|---------------------------------------|---------------------|
//! | `U64`                    | decimal digits                        | `UInt64`            |
//! | `I64`                    | decimal digits, `-` if negative       | `Int64`             |
//! | `F64`                    | shortest round trip; `inf`; NaN empty | `Float64`           |
//! | `Str`                    | bare, or quoted per RFC 4180          | `Utf8`              |
//! | `Amount { decimals: d }` | exact decimal `raw / 10^d`            | `Decimal128(38, d)` |
//!
//! Every Parquet column is non-nullable; a NaN float stays NaN in Parquet.
//!
//! # CSV text
//!
//! - Fields are joined by `,`; every row, the header line included, ends in `\n`.
//! - The header holds the column names (snake_case ASCII, so never quoted).
//! - `F64` uses Rust's `Display` for `f64`: the shortest digits that read back to the same
//!   value, never an exponent (`0.1`, `1`, `-0`, `1000000000000000000000`, `0.00000015`).
//! - `Amount` keeps every digit and drops trailing fraction zeros: with 18 decimals, raw
//!   `1_500_000_000_000_000_000` is `1.5`, raw `0` is `0`, raw `7` is `0.000000000000000007`.
//!   Amounts are at most `10^38 - 1` raw units, the range of `Decimal128(38, d)`.
//! - `Str` is quoted when it holds `,`, `"`, CR or LF, with each `"` doubled; otherwise bare.
//!
//! # Parquet file
//!
//! Written by arrow-rs's `ArrowWriter` with Snappy compression, in record batches of
//! [`MergeOptions::batch_rows`] rows cut by global row number, row groups of at most
//! [`MergeOptions::row_group_rows`] rows, the key-value pairs of [`MergeOptions::metadata`]
//! and the fixed `created_by` of [`MergeOptions::created_by`].

mod atomic;
mod columns;
mod csv;
mod decimal;
mod error;
mod inspect;
mod merge;
mod nodes;
mod part;
mod run_dir;
mod run_finish;
mod run_sink;
mod schema;
mod summary;

pub use atomic::{AtomicFile, remove_leftovers};
pub use columns::AMOUNT_PRECISION;
pub use error::OutputError;
pub use inspect::{
    Inspection, JobProgress, MANIFEST_FILE, Manifest, RunState, inspect, summary_complete,
};
pub use merge::{
    CSV_FILE, MergeOptions, MergeStats, PARQUET_FILE, TruncatedPart, merge_parts, merge_parts_into,
};
pub use nodes::{NODES_CSV, NODES_PARQUET};
pub use part::{FLUSH_EVERY, PartWriter};
pub use run_dir::{OutDir, default_dir, in_use};
pub use run_finish::{Written, finish};
pub use run_sink::{PartJob, PartSink};
pub use schema::{Cell, Column, ColumnKind, MAX_AMOUNT_RAW, MAX_DECIMALS, Schema};
pub use summary::{Stat, percentile_sorted, stat};
