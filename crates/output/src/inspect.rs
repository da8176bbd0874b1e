//! What an output directory holds: a complete run, one stopped by a signal (merged and marked
//! incomplete), or one killed outright (SIGKILL, a crash, a power cut) before its part files were
//! merged, with the rows and steps each job reached (`ergon check-output DIR`).
//!
//! A run writes its [`Manifest`] beside its part files when it starts (`.parts/run.json`), so a
//! directory left by a killed run still says which scenario it was and how far each job got.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use ergon_core::Model;
use ergon_sim::Plan;
use serde::{Deserialize, Serialize};

use crate::error::OutputError;
use crate::schema::Schema;

/// The manifest's file name inside `.parts`.
pub const MANIFEST_FILE: &str = "run.json";

/// Capacity of the read buffer of a scanned file.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// What a run is, written to `.parts/run.json` when its parts are created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The scenario's name.
    pub scenario: String,
    /// The economy's name.
    pub economy: String,
    /// SHA-256 of the resolved scenario, hex.
    pub parameter_hash: String,
    /// The master seed.
    pub seed: u64,
    /// Steps of each job.
    pub epochs: u64,
    /// Steps between rows.
    pub record_every: u64,
    /// Monte Carlo runs per point.
    pub runs: u32,
    /// Sweep points.
    pub points: usize,
    /// The columns of every row, in order.
    pub columns: Vec<String>,
    /// Steps between a job's checkpoints, when the run keeps them (`--checkpoint-every`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<u64>,
    /// The build that started the run (summary.json's `ergon_version`): a resume goes on only
    /// under the same one. `None` in a run.json written before builds were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ergon_version: Option<String>,
}

impl Manifest {
    /// The manifest of `plan`, whose rows have `schema`, run by the build `version`.
    pub fn of<M: Model>(plan: &Plan<M>, schema: &Schema, version: &str) -> Manifest {
        Manifest {
            scenario: plan.header.name.clone(),
            economy: M::NAME.to_owned(),
            parameter_hash: plan.hash.clone(),
            seed: plan.header.seed,
            epochs: plan.epochs,
            record_every: plan.record_every,
            runs: plan.header.runs,
            points: plan.points.len(),
            columns: schema.columns.iter().map(|c| c.name.clone()).collect(),
            checkpoint_every: None,
            ergon_version: Some(version.to_owned()),
        }
    }
}

/// Writes `manifest` to `parts/run.json`, replacing the file whole (a temporary file, synced,
/// renamed over it), and not at all when it already holds `manifest` (a resumed run's): the
/// manifest a resume needs is never cut short, not even by a kill at that moment.
pub(crate) fn write_manifest(parts: &Path, manifest: &Manifest) -> Result<(), OutputError> {
    if read_manifest(parts).as_ref() == Some(manifest) {
        return Ok(());
    }
    let path = parts.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(manifest).expect("a manifest serializes");
    crate::atomic::write_whole(&path, text.as_bytes())
}

/// The manifest in `parts/run.json`, when it is there and reads as one.
fn read_manifest(parts: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(parts.join(MANIFEST_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// How a run directory ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Every job ran to its end; the outputs are merged.
    Complete,
    /// Stopped by a signal: the rows written were merged, `summary.json` says `complete: false`.
    Interrupted,
    /// Killed before the merge: rows only in `.parts`, no summary of this run.
    Killed,
}

/// How far one job (sweep point × run) got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobProgress {
    /// The sweep point (0 without a sweep).
    pub point: u64,
    /// The Monte Carlo run.
    pub run: u64,
    /// Complete rows written.
    pub rows: u64,
    /// The step of its last complete row; `None` when it wrote none.
    pub last_epoch: Option<u64>,
    /// Bytes of an incomplete last row (a write cut short), left out of `rows`.
    pub partial_bytes: u64,
}

/// What [`inspect`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// The directory.
    pub dir: PathBuf,
    /// How the run ended.
    pub state: RunState,
    /// The scenario's name, when known.
    pub scenario: Option<String>,
    /// Steps each job was to run, when known.
    pub epochs: Option<u64>,
    /// Complete rows, all jobs.
    pub rows: u64,
    /// Each job, in job order (a job of a killed run that had not started has no rows).
    pub jobs: Vec<JobProgress>,
    /// Whether the run ended while its files were moved into place (a move that failed, or a
    /// kill meanwhile): the directory may hold files of this run and files of an earlier one
    /// (always [`RunState::Killed`]).
    pub moved_part_way: bool,
}

/// Reads the output directory `dir`: whether its run is complete, interrupted or killed, and
/// how far each job got. An error when `dir` is not a run's output directory.
pub fn inspect(dir: &Path) -> Result<Inspection, OutputError> {
    let not_a_run = |reason: String| OutputError::NotARun { dir: dir.to_path_buf(), reason };
    if !dir.is_dir() {
        let what = if dir.exists() { "not a directory" } else { "no such directory" };
        return Err(not_a_run(what.into()));
    }
    let parts = dir.join(".parts");
    let summary_path = dir.join("summary.json");
    // A run stopped by a signal with checkpoints keeps its .parts (its resolved scenario
    // there) beside its merged files, its summary saying incomplete; any other .parts beside
    // a summary is a later run's, killed (or one whose files were moved in part-way).
    // An empty .parts beside a summary is a run's that failed (or was killed) before it wrote
    // anything: the directory holds what it held.
    let empty = || std::fs::read_dir(&parts).is_ok_and(|mut e| e.next().is_none());
    if parts.is_dir()
        && !(summary_path.is_file() && empty())
        && !stopped_here(&summary_path, &parts)
    {
        return killed(dir, &parts);
    }
    let text = match std::fs::read_to_string(&summary_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(&parts).is_ok() {
                return Err(not_a_run(
                    "it has no summary.json, and its .parts is not a directory (a file, or a \
                     link to nothing or to itself)"
                        .into(),
                ));
            }
            return Err(not_a_run(
                "it has neither summary.json (a finished run) nor .parts (a run killed before \
                 it finished)"
                    .into(),
            ));
        }
        Err(e) => return Err(OutputError::io("read", &summary_path, e)),
    };
    let summary: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| not_a_run(format!("summary.json is not valid JSON: {e}")))?;
    let complete = summary_complete(dir, &summary)?;
    let csv = dir.join(crate::merge::CSV_FILE);
    if !csv.is_file() {
        return Err(not_a_run("summary.json is there but metrics.csv is missing".into()));
    }
    if !dir.join("scenario.toml").is_file() {
        return Err(not_a_run("summary.json is there but scenario.toml is missing".into()));
    }
    let mut jobs = Vec::new();
    scan(&csv, None, &mut jobs)?;
    let points = summary["points"].as_array().map_or(1, Vec::len) as u64;
    let runs = summary["runs"].as_u64().unwrap_or(0);
    add_missing(&mut jobs, points, runs);
    let written = Written {
        epochs: summary["epochs"].as_u64(),
        rows: summary["rows"].as_u64(),
        node_rows: summary["node_rows"].as_u64(),
    };
    as_written(dir, &jobs, complete, written)
        .map_err(|reason| OutputError::Damaged { dir: dir.to_path_buf(), reason })?;
    Ok(Inspection {
        dir: dir.to_path_buf(),
        state: if complete { RunState::Complete } else { RunState::Interrupted },
        scenario: summary["scenario"].as_str().map(str::to_owned),
        epochs: summary["epochs"].as_u64(),
        rows: jobs.iter().map(|j| j.rows).sum(),
        jobs,
        moved_part_way: false,
    })
}

/// The keys every merged run's summary.json holds.
const SUMMARY_KEYS: [&str; 5] = ["complete", "scenario", "economy", "points", "runs"];

/// Whether the run whose summary.json (in `dir`) reads as `summary` completed: the one reading
/// of a summary `ergon check-output` and `ergon report` share. A summary without a key of
/// every merged run's (its `complete`, the scenario it ran, its economy, points and runs) is
/// not a run's ([`OutputError::NotARun`]); one whose `complete` is not `true` or `false` is
/// malformed ([`OutputError::BadSummary`], naming the value found).
pub fn summary_complete(dir: &Path, summary: &serde_json::Value) -> Result<bool, OutputError> {
    if let Some(key) = SUMMARY_KEYS.iter().find(|&&k| summary.get(k).is_none()) {
        let reason = format!("summary.json has no \"{key}\"");
        return Err(OutputError::NotARun { dir: dir.to_path_buf(), reason });
    }
    summary["complete"].as_bool().ok_or_else(|| OutputError::BadSummary {
        path: dir.join("summary.json"),
        reason: format!(
            "\"complete\" is {}, not true or false",
            ergon_sim::diag::shortened(&summary["complete"].to_string())
        ),
    })
}

/// Whether `parts` holds the checkpoints of the run whose `summary.json` is at `path`, stopped
/// by a signal: the summary says incomplete, and the parts' manifest names the same resolved
/// scenario (parameter hash) and seed (any other reading is `false`: a later run's, killed).
fn stopped_here(path: &Path, parts: &Path) -> bool {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
    };
    let (Some(summary), Some(manifest)) = (read(path), read(&parts.join(MANIFEST_FILE))) else {
        return false;
    };
    summary["complete"] == false
        && parts.join(crate::run_dir::RESOLVED_SCENARIO).is_file()
        && !parts.join(crate::run_dir::MOVING).exists()
        && summary["parameter_hash"] == manifest["parameter_hash"]
        && summary["seed"] == manifest["seed"]
}

/// What a run's summary.json says it wrote: its steps and its rows.
struct Written {
    epochs: Option<u64>,
    rows: Option<u64>,
    /// The rows of nodes.csv (a run written before the summary counted them: `None`).
    node_rows: Option<u64>,
}

/// A merged run (complete, or stopped by a signal) has no row cut short, the rows its summary
/// counts and its Parquet file of as many; a complete one has every job's rows up to its last
/// step: else why not (the files were cut or altered since).
fn as_written(
    dir: &Path,
    jobs: &[JobProgress],
    complete: bool,
    written: Written,
) -> Result<(), String> {
    let says = if complete {
        "summary.json says the run completed, but"
    } else {
        "summary.json says the run stopped with its rows merged, but"
    };
    if let Some(j) = jobs.iter().find(|j| j.partial_bytes > 0) {
        let (p, r) = (j.point, j.run);
        return Err(format!("{says} point {p} run {r}'s last row in metrics.csv is cut short"));
    }
    if let Some(of) = written.epochs.filter(|_| complete)
        && let Some(j) = jobs.iter().find(|j| j.last_epoch != Some(of))
    {
        let (p, r) = (j.point, j.run);
        let at = j.last_epoch.map_or("no row".to_owned(), |e| format!("step {e}"));
        return Err(format!("{says} point {p} run {r} ends at {at} of {of} in metrics.csv"));
    }
    let in_csv: u64 = jobs.iter().map(|j| j.rows).sum();
    if let Some(rows) = written.rows
        && rows != in_csv
    {
        return Err(format!("{says} it counts {rows} rows and metrics.csv holds {in_csv}"));
    }
    let name = crate::merge::PARQUET_FILE;
    let rows = parquet_rows(dir, name, says)?;
    if rows != in_csv {
        return Err(format!("{says} {name} holds {rows} rows and metrics.csv {in_csv}"));
    }
    // The nodes' rewards: as many rows in nodes.csv and nodes.parquet as the summary counts.
    if let Some(counted) = written.node_rows {
        let (csv, pq) = (crate::NODES_CSV, crate::NODES_PARQUET);
        let file = File::open(dir.join(csv)).map_err(|e| format!("{says} {csv}: {e}"))?;
        let mut lines = 0u64;
        for line in BufReader::new(file).lines().skip(1) {
            let line = line.map_err(|e| format!("{says} {csv} cannot be read: {e}"))?;
            lines += u64::from(!line.is_empty());
        }
        if lines != counted {
            return Err(format!("{says} it counts {counted} node rows and {csv} holds {lines}"));
        }
        let rows = parquet_rows(dir, pq, says)?;
        if rows != counted {
            return Err(format!("{says} it counts {counted} node rows and {pq} holds {rows}"));
        }
    }
    Ok(())
}

/// The rows of the Parquet file `name` in `dir`, or why it cannot be read.
fn parquet_rows(dir: &Path, name: &str, says: &str) -> Result<u64, String> {
    let file = File::open(dir.join(name)).map_err(|e| format!("{says} {name}: {e}"))?;
    let reader = parquet::file::reader::SerializedFileReader::new(file)
        .map_err(|e| format!("{says} {name} cannot be read: {e}"))?;
    let rows = parquet::file::reader::FileReader::metadata(&reader).file_metadata().num_rows();
    Ok(u64::try_from(rows).unwrap_or(u64::MAX))
}

/// A directory whose `.parts` was never merged.
fn killed(dir: &Path, parts: &Path) -> Result<Inspection, OutputError> {
    let manifest = read_manifest(parts);
    let mut files: Vec<PathBuf> = std::fs::read_dir(parts)
        .map_err(|e| OutputError::io("read", parts, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("job-") && n.ends_with(".csv"))
        })
        .collect();
    files.sort();
    let mut jobs = Vec::new();
    for (k, file) in files.iter().enumerate() {
        let before = jobs.len();
        scan(file, manifest.as_ref().map(|m| m.columns.as_slice()), &mut jobs)?;
        if jobs.len() == before {
            // A part without a complete row: name its job from the file name.
            let index = file_index(file).unwrap_or(k as u64);
            let runs = manifest.as_ref().map_or(1, |m| u64::from(m.runs.max(1)));
            let partial = std::fs::metadata(file).map_or(0, |m| m.len());
            jobs.push(JobProgress {
                point: index / runs,
                run: index % runs,
                rows: 0,
                last_epoch: None,
                partial_bytes: partial,
            });
        }
    }
    if let Some(m) = &manifest {
        add_missing(&mut jobs, m.points as u64, u64::from(m.runs));
    }
    Ok(Inspection {
        dir: dir.to_path_buf(),
        state: RunState::Killed,
        scenario: manifest.as_ref().map(|m| m.scenario.clone()),
        epochs: manifest.as_ref().map(|m| m.epochs),
        rows: jobs.iter().map(|j| j.rows).sum(),
        jobs,
        moved_part_way: parts.join(crate::run_dir::MOVING).exists(),
    })
}

/// The job index in a part's name `job-0000003.csv`.
fn file_index(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("job-")?.strip_suffix(".csv")?.parse().ok()
}

/// Adds a job without rows for each (point, run) of `points × runs` not in `jobs`, keeping
/// job order.
fn add_missing(jobs: &mut Vec<JobProgress>, points: u64, runs: u64) {
    for point in 0..points {
        for run in 0..runs {
            if !jobs.iter().any(|j| j.point == point && j.run == run) {
                let job = JobProgress { point, run, rows: 0, last_epoch: None, partial_bytes: 0 };
                jobs.push(job);
            }
        }
    }
    jobs.sort_by_key(|j| (j.point, j.run));
}

/// Reads the rows of a CSV file into per-job progress: with `columns`, a part file (no
/// header); without, a merged file whose first line is its header.
fn scan(
    path: &Path,
    columns: Option<&[String]>,
    jobs: &mut Vec<JobProgress>,
) -> Result<(), OutputError> {
    let file = File::open(path).map_err(|e| OutputError::io("open", path, e))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let mut line = Vec::new();
    let header: Vec<String> = match columns {
        Some(c) => c.to_vec(),
        None => {
            reader.read_until(b'\n', &mut line).map_err(|e| OutputError::io("read", path, e))?;
            String::from_utf8_lossy(&line).trim_end().split(',').map(str::to_owned).collect()
        }
    };
    let at = |name: &str| header.iter().position(|c| c == name);
    let (point_at, run_at, epoch_at) = (at("point"), at("run"), at("epoch"));
    let mut fields = Vec::new();
    let mut number = 1 + u64::from(columns.is_none());
    loop {
        line.clear();
        let n =
            reader.read_until(b'\n', &mut line).map_err(|e| OutputError::io("read", path, e))?;
        if n == 0 {
            return Ok(());
        }
        let malformed = |reason: String| OutputError::Malformed {
            path: path.to_path_buf(),
            line: number,
            reason,
        };
        if line.last() != Some(&b'\n') {
            if let Some(j) = jobs.last_mut() {
                j.partial_bytes += n as u64;
            }
            return Ok(());
        }
        crate::csv::split_fields(&line[..n - 1], &mut fields).map_err(|r| malformed(r.into()))?;
        if fields.len() != header.len() {
            let (got, want) = (fields.len(), header.len());
            return Err(malformed(format!("{got} cells, the header has {want}")));
        }
        let number_at = |i: Option<usize>| -> Result<u64, OutputError> {
            let Some(i) = i else { return Ok(0) };
            let raw = fields.get(i).map_or(&b""[..], |r| &line[r.clone()]);
            std::str::from_utf8(raw)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| malformed(format!("column {}: not a count", header[i])))
        };
        let (point, run, epoch) = (number_at(point_at)?, number_at(run_at)?, number_at(epoch_at)?);
        match jobs.last_mut() {
            Some(j) if j.point == point && j.run == run => {
                j.rows += 1;
                j.last_epoch = epoch_at.map(|_| epoch);
            }
            _ => jobs.push(JobProgress {
                point,
                run,
                rows: 1,
                last_epoch: epoch_at.map(|_| epoch),
                partial_bytes: 0,
            }),
        }
        number += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(seed: u64) -> Manifest {
        Manifest {
            scenario: "s".into(),
            economy: "e".into(),
            parameter_hash: "ab".into(),
            seed,
            epochs: 10,
            record_every: 1,
            runs: 2,
            points: 1,
            columns: vec!["run".into(), "epoch".into()],
            checkpoint_every: Some(5),
            ergon_version: Some("0.1.0 (commit 0123456789ab)".into()),
        }
    }

    /// run.json is replaced whole (a reader of the earlier file reads it whole), and a manifest
    /// it already holds is not written again (a resumed run leaves it as it was).
    #[test]
    fn the_manifest_is_replaced_whole_and_only_when_it_changes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join(MANIFEST_FILE);
        write_manifest(tmp.path(), &manifest(1)).expect("written");
        let before = std::fs::read(&path).expect("read");
        let mut earlier = File::open(&path).expect("open");
        write_manifest(tmp.path(), &manifest(2)).expect("replaced");
        let mut held = Vec::new();
        std::io::Read::read_to_end(&mut earlier, &mut held).expect("read");
        assert_eq!(held, before, "the earlier file was rewritten in place");
        assert_eq!(read_manifest(tmp.path()), Some(manifest(2)));
        let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        File::options().write(true).open(&path).expect("open").set_modified(old).expect("mtime");
        write_manifest(tmp.path(), &manifest(2)).expect("the same");
        let mtime = std::fs::metadata(&path).expect("metadata").modified().expect("mtime");
        assert_eq!(mtime, old, "a manifest already there was written again");
        let names: Vec<_> = std::fs::read_dir(tmp.path()).expect("list").collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
    }
}
