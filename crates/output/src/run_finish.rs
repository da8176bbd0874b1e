//! The end of a run: its part files merged into metrics.parquet and metrics.csv, each node's
//! rewards in nodes.csv and nodes.parquet, summary.json
//! (the run's identity and each metric's last value across runs, per sweep point) and the
//! resolved scenario.toml written beside them, the parts removed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use ergon_core::Model;
use ergon_sim::{JobResult, Plan};
use serde_json::{Value, json};

use crate::atomic::AtomicFile;
use crate::error::OutputError;
use crate::merge::{MergeOptions, merge_parts};
use crate::run_dir::{MOVING, OutDir};
use crate::run_sink::{PartSink, cell_of, column_kind};
use crate::summary::{Stat, stat};

/// The staging directory inside `.parts` where the outputs are written before they are moved.
const STAGE: &str = "staged";

/// The files a run's end writes, in the order they are moved into place (summary.json last).
const STAGED: [&str; 6] = [
    "metrics.parquet",
    "metrics.csv",
    "nodes.parquet",
    "nodes.csv",
    "scenario.toml",
    "summary.json",
];

/// The report an earlier run into the directory may have left (`ergon report`'s file).
const EARLIER_REPORT: &str = "report.html";

/// What a finished run wrote.
#[derive(Clone, Debug)]
pub struct Written {
    /// The output directory.
    pub dir: PathBuf,
    /// Rows in metrics.csv (and metrics.parquet).
    pub rows: u64,
    /// Per point: metric name → statistics of its last value across runs.
    pub stats: Vec<BTreeMap<String, Stat>>,
}

/// Merges the parts of `results`' jobs, writes summary.json and scenario.toml, removes the
/// parts. `version` is recorded in the files; `complete` says whether every job ran to its end.
pub fn finish<M: Model>(
    plan: &Plan<M>,
    sink: &PartSink,
    out: &OutDir,
    results: &[JobResult],
    complete: bool,
    version: &str,
) -> Result<Written, OutputError> {
    let parts: Vec<PathBuf> = results.iter().map(|r| sink.part_path(r.job.index)).collect();
    let opts = MergeOptions {
        metadata: vec![
            ("ergon.version".into(), version.into()),
            ("ergon.scenario".into(), plan.header.name.clone()),
            ("ergon.seed".into(), plan.header.seed.to_string()),
            ("ergon.parameter_hash".into(), plan.hash.clone()),
            ("ergon.complete".into(), complete.to_string()),
        ],
        ..MergeOptions::default()
    };
    // Every file is written into a staging directory first and moved beside the others only
    // once all are written: a failure while they are written (a full disk) leaves the
    // directory's earlier files as they were. A failure while they are moved leaves a mix of
    // two runs, which reads as incomplete ([`move_into_place`]).
    let stage = out.parts.join(STAGE);
    // Whatever has the name (an earlier merge's, a file) is this run's scratch: gone first.
    let _ = crate::run_dir::delete_all(&stage);
    std::fs::create_dir_all(&stage).map_err(|e| OutputError::io("create", &stage, e))?;
    let merged = merge_parts(&parts, &sink.schema, &stage, &opts)
        .map_err(|e| OutputError::Metrics(Box::new(e)))?;
    let nodes = crate::nodes::write::<M>(results, &stage, &out.parts, &opts)?;
    let (stats, points) = final_stats(plan, results);
    let summary = json!({
        "scenario": plan.header.name,
        "economy": M::NAME,
        "ergon_version": version,
        "seed": plan.header.seed,
        "parameter_hash": plan.hash,
        "complete": complete,
        "epochs": plan.epochs,
        "record_every": plan.record_every,
        "runs": plan.header.runs,
        "sweep_keys": plan.sweep_keys,
        "parameters": parameters(plan),
        "rows": merged.rows,
        "node_rows": nodes,
        "reward_token": {"symbol": M::REWARD_TOKEN.0, "decimals": M::REWARD_TOKEN.1},
        "statistics": "per metric, its last recorded value across runs: mean, p5, p50, p95 (linear interpolation), min, max, n",
        "points": points,
    });
    let text = serde_json::to_string_pretty(&summary).expect("a summary serializes");
    write_file(&stage.join("scenario.toml"), &plan.resolved)?;
    write_file(&stage.join("summary.json"), &text)?;
    // A name taken by something a file cannot replace (a directory) is refused before any
    // file moves; then summary.json moves last: it is what marks the directory a finished
    // run's.
    for name in STAGED {
        let to = out.dir.join(name);
        if to.is_dir() {
            let e = std::io::Error::other("a directory has the name; remove it or write elsewhere");
            return Err(OutputError::io("replace", &to, e));
        }
    }
    move_into_place(out, &stage, |from, to| std::fs::rename(from, to))?;
    // The parts are merged; one left behind is harmless. A stopped run with checkpoints keeps
    // them, to resume. Renamed (staging directory included) as the very next step, before
    // anything is deleted: a kill meanwhile leaves no `.parts` beside this run's summary.json
    // to read as a later run's, killed.
    if complete || out.checkpoint_every.is_none() {
        let _ = out.remove_parts();
    } else {
        let _ = std::fs::remove_dir_all(&stage);
        // The stopped run's files are all in place: its `.parts` no longer marks a move.
        let mark = out.parts.join(MOVING);
        std::fs::remove_file(&mark).map_err(|e| OutputError::io("remove", &mark, e))?;
    }
    Ok(Written { dir: out.dir.clone(), rows: merged.rows, stats })
}

/// Moves the files staged in `stage` into the output directory with `rename`, summary.json
/// last, removing an earlier run's files this run does not write and its report. From before
/// the first move until `.parts` goes, `.parts` holds the mark [`MOVING`]: a move that fails
/// part-way (a file that cannot be replaced) leaves the directory holding files of two runs,
/// and the mark keeps `.parts` there ([`OutDir::abandon`] leaves it) and the directory reading
/// as incomplete (`ergon check-output` exits 3), never as either run, until a run replaces it.
fn move_into_place(
    out: &OutDir,
    stage: &Path,
    rename: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let mark = out.parts.join(MOVING);
    // A mark already there is an earlier attempt's (a resume's, or a run's that `--force`
    // replaces), whose move failed part-way: the directory holds two runs' files whatever
    // this call does, and the mark stays until a move sees it through.
    let earlier = mark.exists();
    if !earlier {
        crate::atomic::write_whole(&mark, b"")?;
    }
    // Until a file has moved or gone, the directory holds what it held: a failure then takes
    // this call's mark back, and the run is abandoned as any that failed before its end.
    let changed = std::cell::Cell::new(false);
    let unchanged = |e: OutputError| {
        if !changed.get() && !earlier {
            let _ = std::fs::remove_file(&mark);
        }
        e
    };
    let move_file = |from: &Path, to: &Path| {
        rename(from, to).inspect(|()| changed.set(true)).map_err(|e| OutputError::io("move", to, e))
    };
    let remove = |path: &Path| {
        std::fs::remove_file(path)
            .inspect(|()| changed.set(true))
            .map_err(|e| OutputError::io("remove", path, e))
    };
    for name in STAGED {
        let (from, to) = (stage.join(name), out.dir.join(name));
        if from.is_file() {
            move_file(&from, &to).map_err(unchanged)?;
        } else if to.is_file() {
            // An earlier run's file this run does not write (no nodes' rows) is not this run's.
            remove(&to).map_err(unchanged)?;
        }
        if name == "scenario.toml" {
            // An earlier run's report describes that run: gone before summary.json marks
            // this one finished (`--report` writes this run's after).
            let report = out.dir.join(EARLIER_REPORT);
            if report.is_file() {
                remove(&report).map_err(unchanged)?;
            }
        }
    }
    Ok(())
}

/// The parameters in force at the first point (the only one without a sweep; a sweep's
/// points differ from it in their swept keys), as `[name, value]` pairs in the economy's order.
fn parameters<M: Model>(plan: &Plan<M>) -> Vec<[String; 2]> {
    plan.points
        .first()
        .map(|p| M::parameters(&p.config))
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| [k, v])
        .collect()
}

/// Per point: each metric's statistics across runs, and the point's summary.json entry.
fn final_stats<M: Model>(
    plan: &Plan<M>,
    results: &[JobResult],
) -> (Vec<BTreeMap<String, Stat>>, Vec<Value>) {
    let mut stats = Vec::new();
    let mut points = Vec::new();
    for (k, point) in plan.points.iter().enumerate() {
        let mut per_metric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in results.iter().filter(|r| r.job.point == k) {
            for m in &r.last {
                let x = cell_of(&m.value).as_f64(column_kind(m.value.kind()));
                per_metric.entry(m.name.to_owned()).or_default().extend(x);
            }
        }
        let s: BTreeMap<String, Stat> =
            per_metric.iter().filter_map(|(n, v)| stat(v).map(|s| (n.clone(), s))).collect();
        let values: serde_json::Map<String, Value> = point
            .values
            .iter()
            .map(|(p, v)| (p.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
            .collect();
        points.push(json!({"point": k, "values": values, "final": s}));
        stats.push(s);
    }
    (stats, points)
}

/// Writes `text` and a final newline to `path`, atomically.
fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    let err = |reason: String| OutputError::WriteFile { path: path.to_owned(), reason };
    let mut f = AtomicFile::create(path).map_err(|e| err(e.to_string()))?;
    // One final newline (the resolved scenario has its own, so that `sha256sum scenario.toml`
    // is its `parameter_hash`).
    let end: &[u8] = if text.ends_with('\n') { b"" } else { b"\n" };
    f.write_all(text.as_bytes()).and_then(|()| f.write_all(end)).map_err(|e| err(e.to_string()))?;
    f.finish().map(|_| ()).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{RunState, inspect};

    /// A move into place that fails after its first files moved keeps `.parts` and its mark:
    /// the directory, a mix of two runs, reads as incomplete — neither as the earlier run nor
    /// as this one — even beside a summary that `.parts` would otherwise belong to.
    #[test]
    fn a_move_that_fails_part_way_reads_as_incomplete() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        for name in STAGED {
            std::fs::write(dir.join(name), "earlier").expect("an earlier run's file");
        }
        let summary = r#"{"complete": true, "parameter_hash": "ab", "seed": 1}"#;
        std::fs::write(dir.join("summary.json"), summary).expect("its summary");
        let out = OutDir::prepare(Some(dir), "s", true).expect("forced");
        let stage = out.parts.join(STAGE);
        std::fs::create_dir_all(&stage).expect("stage");
        for name in STAGED {
            std::fs::write(stage.join(name), "this run").expect("a staged file");
        }
        let refused = |_: &Path, _: &Path| Err(std::io::Error::other("refused"));
        move_into_place(&out, &stage, refused).expect_err("the first move fails");
        assert!(!out.moved_part_way(), "nothing moved: the directory holds what it held");
        let moves = std::cell::Cell::new(0);
        let err = move_into_place(&out, &stage, |from, to| {
            moves.set(moves.get() + 1);
            if moves.get() == 3 {
                return Err(std::io::Error::other("refused"));
            }
            std::fs::rename(from, to)
        })
        .expect_err("the third move fails");
        assert!(err.to_string().contains("nodes.parquet"), "{err}");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read");
        assert_eq!(read("metrics.csv"), "this run");
        assert_eq!(read("nodes.csv"), "earlier");
        assert!(out.moved_part_way());
        out.abandon();
        assert!(out.parts.join(MOVING).is_file(), ".parts stays, with its mark");
        let found = inspect(dir).expect("a run's directory");
        assert_eq!((found.state, found.moved_part_way), (RunState::Killed, true));
        // Beside a stopped run's summary of the same scenario and seed, with checkpoints.
        let stopped = r#"{"complete": false, "parameter_hash": "ab", "seed": 1}"#;
        std::fs::write(dir.join("summary.json"), stopped).expect("a stopped run's summary");
        let manifest = r#"{"parameter_hash": "ab", "seed": 1}"#;
        std::fs::write(out.parts.join(crate::MANIFEST_FILE), manifest).expect("run.json");
        std::fs::write(out.parts.join("scenario.toml"), "").expect("its scenario");
        let found = inspect(dir).expect("a run's directory");
        assert_eq!((found.state, found.moved_part_way), (RunState::Killed, true));
        std::fs::remove_file(out.parts.join(MOVING)).expect("no mark");
        assert!(!inspect(dir).is_ok_and(|f| f.state == RunState::Killed), "read as stopped");
    }

    /// Stages files, then makes every move into place fail (an I/O error at the first).
    fn fail_first_move(out: &OutDir) -> OutputError {
        let stage = out.parts.join(STAGE);
        std::fs::create_dir_all(&stage).expect("stage");
        for name in STAGED {
            std::fs::write(stage.join(name), "this run").expect("a staged file");
        }
        let refused = |_: &Path, _: &Path| Err(std::io::Error::other("refused"));
        move_into_place(out, &stage, refused).expect_err("the first move fails")
    }

    /// A directory marked as moved part-way keeps its mark through a `--force` run that fails
    /// before any file of its own moved (while staging, or at its first move): the mix of two
    /// runs never reads as complete.
    #[test]
    fn a_forced_run_keeps_an_earlier_mark_until_its_move_sees_it_through() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        std::fs::write(dir.join("metrics.csv"), "").expect("a file of one run");
        let summary = r#"{"complete": true, "parameter_hash": "ab", "seed": 1}"#;
        std::fs::write(dir.join("summary.json"), summary).expect("another run's summary");
        let parts = dir.join(".parts");
        std::fs::create_dir_all(parts.join(STAGE)).expect("parts");
        std::fs::write(parts.join(MOVING), "").expect("the mark");
        std::fs::write(parts.join("job-0000000.csv"), "x").expect("a part");
        // A run that fails before its end (while staging): abandoned, the mark stays.
        let out = OutDir::prepare(Some(dir), "s", true).expect("forced");
        assert!(out.moved_part_way(), "the mark is carried into the new run's .parts");
        assert!(!parts.join("job-0000000.csv").exists(), "the rest of .parts goes");
        assert_eq!(out.abandon(), None);
        assert!(parts.join(MOVING).is_file(), "a failed run leaves the mark");
        drop(out);
        // A run whose first move fails: the mark is not this run's to take back.
        let out = OutDir::prepare(Some(dir), "s", true).expect("forced");
        fail_first_move(&out);
        assert!(out.moved_part_way());
        out.abandon();
        let found = inspect(dir).expect("a run's directory");
        assert_eq!((found.state, found.moved_part_way), (RunState::Killed, true));
        drop(out);
        // A run that sees its move through removes it with `.parts`.
        let out = OutDir::prepare(Some(dir), "s", true).expect("forced");
        let stage = out.parts.join(STAGE);
        std::fs::create_dir_all(&stage).expect("stage");
        std::fs::write(stage.join("summary.json"), summary).expect("a staged summary");
        move_into_place(&out, &stage, |from, to| std::fs::rename(from, to)).expect("moved");
        out.remove_parts().expect("removed");
        assert!(!parts.exists());
    }

    /// A resume whose first move fails keeps the mark an earlier resume left when its move
    /// failed part-way: nothing of the stopped run is put back beside the mix.
    #[test]
    fn a_resume_failing_at_its_first_move_keeps_an_earlier_mark() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        let parts = dir.join(".parts");
        let aside = parts.join("merged-before-resume");
        std::fs::create_dir_all(&aside).expect("parts");
        std::fs::write(parts.join("scenario.toml"), "").expect("checkpoints' scenario");
        std::fs::write(aside.join("summary.json"), "{}").expect("the stopped run's summary");
        std::fs::write(parts.join(MOVING), "").expect("an earlier resume's mark");
        let out = OutDir::resume(dir).expect("resumable");
        fail_first_move(&out);
        assert!(out.moved_part_way(), "the earlier mark stays");
        assert_eq!(out.abandon(), None);
        assert!(!dir.join("summary.json").exists(), "the stopped run's summary stays aside");
        // Without an earlier mark, a failed first move takes its own mark back.
        std::fs::remove_file(parts.join(MOVING)).expect("no mark");
        fail_first_move(&out);
        assert!(!out.moved_part_way());
    }
}
