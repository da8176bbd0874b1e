//! The crate's one error type. Every variant names the file (where there is one) and carries the
//! figures that explain what was wrong.

use std::path::PathBuf;

use crate::schema::ColumnKind;

/// An error while writing or merging a run's results.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Reading, writing, syncing or renaming a file failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done (`create`, `write`, `read`, `rename`, …).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A column name is empty, not snake_case ASCII, or repeated.
    #[error("invalid column name {name:?}: {reason}")]
    ColumnName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A schema has no columns.
    #[error("a schema needs at least one column")]
    NoColumns,
    /// An amount column has more fraction digits than a 38-digit decimal can hold.
    #[error("column {column}: {decimals} decimals, at most {max} allowed")]
    Decimals {
        /// The column.
        column: String,
        /// The decimals asked for.
        decimals: u8,
        /// The largest number of decimals allowed.
        max: u8,
    },
    /// A row has the wrong number of cells.
    #[error("{path}: row {row} has {got} cells, the schema has {expected} columns")]
    RowLength {
        /// The part file being written.
        path: PathBuf,
        /// The 0-based index of the row in its part.
        row: u64,
        /// The number of columns.
        expected: usize,
        /// The number of cells given.
        got: usize,
    },
    /// A cell's kind does not match its column.
    #[error("{path}: row {row}, column {column}: expected a {expected} cell, got {got}")]
    Row {
        /// The part file being written.
        path: PathBuf,
        /// The 0-based index of the row in its part.
        row: u64,
        /// The column's name.
        column: String,
        /// The column's kind.
        expected: ColumnKind,
        /// The kind of the cell given (`u64`, `i64`, `f64`, `str`, `amount`).
        got: &'static str,
    },
    /// An amount does not fit a 38-digit decimal (the Parquet type of amount columns).
    #[error("{path}: row {row}, column {column}: amount {raw} exceeds 38 digits")]
    AmountRange {
        /// The part file being written.
        path: PathBuf,
        /// The 0-based index of the row in its part.
        row: u64,
        /// The column's name.
        column: String,
        /// The raw amount.
        raw: u128,
    },
    /// A part file holds a record that is not a row of the schema in canonical CSV form.
    #[error("{path}:{line}: {reason}")]
    Malformed {
        /// The part file.
        path: PathBuf,
        /// The 1-based line on which the record starts.
        line: u64,
        /// What was wrong, naming the column where there is one.
        reason: String,
    },
    /// A directory given to `--resume` holds nothing to resume.
    #[error("cannot resume {dir}: {reason}")]
    NotResumable {
        /// The directory.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// A directory read as a run's output directory is not one.
    #[error("{dir} is not an Ergon run's output directory: {reason}")]
    NotARun {
        /// The directory.
        dir: PathBuf,
        /// What it lacks.
        reason: String,
    },
    /// A run's summary.json with a value of another kind than a run writes (a `complete` that
    /// is not `true` or `false`).
    #[error("{path} is malformed: {reason}")]
    BadSummary {
        /// The summary.
        path: PathBuf,
        /// The key and the value found.
        reason: String,
    },
    /// A run's output directory whose files no longer hold what its `summary.json` says.
    #[error("{dir} is damaged: {reason}")]
    Damaged {
        /// The directory.
        dir: PathBuf,
        /// What does not match.
        reason: String,
    },
    /// Another run is writing into the output directory now.
    #[error(
        "output directory {dir} is in use by another run (its lock is held); wait for it or choose another --out"
    )]
    DirBusy {
        /// The directory.
        dir: PathBuf,
    },
    /// `--force` into a directory whose `.parts` holds an unfinished run's checkpoints.
    #[error(
        "output directory {dir} holds the checkpoints of an unfinished run in .parts: `ergon run \
         --resume {dir}` goes on with it; {}",
        replace_unfinished(dir, *marked)
    )]
    Unfinished {
        /// The directory.
        dir: PathBuf,
        /// Whether `.parts` marks a move into place that failed part-way: the directory holds
        /// files of two runs, and only the mark keeps it reading as incomplete.
        marked: bool,
    },
    /// A run's output directory holds files and the run may not write into it.
    #[error("output directory {dir} is not empty; choose another --out or pass --force")]
    DirNotEmpty {
        /// The directory.
        dir: PathBuf,
    },
    /// The output directory is a symbolic link to nothing.
    #[error(
        "output directory {dir} is a symbolic link to {target}, which does not exist: create it \
         or choose another --out"
    )]
    DanglingLink {
        /// The directory (the link).
        dir: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A run's output directory cannot be read or created.
    #[error("cannot {op} the output directory {dir}: {source}")]
    Dir {
        /// What was being done (`create`, `read`, `create parts in`).
        op: &'static str,
        /// The directory.
        dir: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A model's metric columns do not make a valid schema.
    #[error("metric columns: {0}")]
    Columns(Box<OutputError>),
    /// The merge of a run's parts into metrics.csv and metrics.parquet failed.
    #[error("cannot write the metrics: {0}")]
    Metrics(Box<OutputError>),
    /// A result file (summary.json, scenario.toml) cannot be written.
    #[error("cannot write {path}: {reason}")]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Invalid merge options.
    #[error("invalid merge options: {reason}")]
    Options {
        /// What is wrong.
        reason: &'static str,
    },
    /// The Parquet writer failed.
    #[error("{path}: parquet: {source}")]
    Parquet {
        /// The Parquet file being written.
        path: PathBuf,
        /// The writer's error.
        source: parquet::errors::ParquetError,
    },
}

impl OutputError {
    /// An I/O error on `path` while doing `op`.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        OutputError::Io { op, path: path.into(), source }
    }
}

/// How to replace the unfinished run in `dir` ([`OutputError::Unfinished`]). When `.parts` marks
/// a part-way move, removing `.parts` would leave a mix of two runs reading as complete: only
/// its scenario.toml goes, and `--force` keeps the mark until its own move sees it through.
fn replace_unfinished(dir: &std::path::Path, marked: bool) -> String {
    let dir = dir.display();
    if marked {
        format!(
            "to replace it, remove {dir}/.parts/scenario.toml (the scenario as that run resolved \
             it: copy it first to keep it) and run again with --force; keep the rest of \
             {dir}/.parts: its mark `moving-into-place` says that {dir} holds files of two runs"
        )
    } else {
        format!("remove {dir}/.parts to replace it")
    }
}
