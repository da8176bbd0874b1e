//! `ergon report OUT_DIR` (and `ergon run --report`): reads a finished run's directory
//! (summary.json, metrics.csv, scenario.toml, nodes.csv; docs/scenarios.md, "Outputs") and writes
//! OUT_DIR/report.html, one self-contained page (docs/report.md). The file appears complete or
//! not at all: it is written to a temporary name and renamed.
//!
//! Modules: `data` reads the metrics and computes bands and distributions, `catalog` says which
//! charts each economy gets, `charts` draws them as SVG, `html`, `sweep` and `nodes` (the
//! distribution across nodes) lay out the page.

mod catalog;
mod charts;
mod data;
mod html;
mod nodes;
mod sweep;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ergon_output::{AtomicFile, RunState};
use serde_json::Value;

use crate::{BadInput, Outcome};

/// The report's file name inside the run directory.
pub(crate) const REPORT_FILE: &str = "report.html";

/// One sweep point (the only point of a run without a sweep).
pub(crate) struct Point {
    /// Its index: the `point` column.
    pub index: u64,
    /// Its swept values, as "key = value, …" ("all runs" without a sweep).
    pub label: String,
    /// Its swept values by key.
    pub values: serde_json::Map<String, Value>,
    /// summary.json's statistics of each metric's last value across runs.
    pub finals: Value,
}

/// A finished run's directory, read.
pub(crate) struct Run {
    /// The directory.
    pub dir: PathBuf,
    /// summary.json.
    pub summary: Value,
    /// scenario.toml's text.
    pub scenario_text: String,
    /// scenario.toml parsed.
    pub scenario: toml::Table,
    /// metrics.csv.
    pub metrics: data::Metrics,
    /// Its sweep points.
    pub points: Vec<Point>,
    /// nodes.csv: each node's rewards at its run's end (`None` for a run without the file).
    pub nodes: Option<Vec<nodes::NodeRow>>,
}

impl Run {
    /// Reads a run directory; the error says what is missing or malformed.
    pub fn load(dir: &Path) -> Result<Run, String> {
        if !dir.is_dir() {
            let what = if dir.exists() { "not a directory" } else { "no such directory" };
            return Err(format!("{}: {what}", dir.display()));
        }
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| {
                if path.exists() {
                    format!("cannot read {}: {e}", path.display())
                } else {
                    format!(
                        "{} is not an Ergon run directory: it has no {name} (`ergon run --out \
                         DIR` writes summary.json, metrics.csv and scenario.toml)",
                        dir.display()
                    )
                }
            })
        };
        // A run stopped by a signal keeps its checkpoints in .parts beside its merged rows: only
        // a run killed before it merged anything is refused (as `ergon check-output` tells),
        // and a merged run whose files no longer hold what its summary says (a row cut short,
        // rows of another count, a complete run's job short of its last step, its Parquet
        // file gone or of another length) or whose rows are malformed (a `point`, `run` or
        // `epoch` cell not a count, a row of another length).
        let found = ergon_output::inspect(dir);
        if let Err(
            e @ (ergon_output::OutputError::Damaged { .. }
            | ergon_output::OutputError::Malformed { .. }),
        ) = &found
        {
            return Err(format!(
                "{e}: no report is drawn from it (`ergon check-output {}` says the same; run \
                 the scenario again)",
                dir.display()
            ));
        }
        let killed = found.ok().filter(|f| f.state == RunState::Killed);
        if killed.as_ref().is_some_and(|f| f.moved_part_way) {
            return Err(format!(
                "{} is an incomplete run: it ended while its files were moved into place, so it \
                 may hold some files of that run and some of an earlier one; its rows are in \
                 {}/.parts (`ergon check-output {}` says more)",
                dir.display(),
                dir.display(),
                dir.display()
            ));
        }
        if killed.is_some() {
            return Err(format!(
                "{} is an incomplete run: ended before it finished (killed, a crash, or a write error that kept its \
                 checkpoints), its \
                 rows are in {}/.parts and were never merged, so it has no metrics.csv or \
                 summary.json of its own (`ergon check-output {}` says how far each job got)",
                dir.display(),
                dir.display(),
                dir.display()
            ));
        }
        let summary_text = read("summary.json")?;
        let summary: Value = serde_json::from_str(&summary_text)
            .map_err(|e| format!("{}: not valid JSON: {e}", dir.join("summary.json").display()))?;
        // Read as `ergon check-output` reads it: its keys, and whether the run completed.
        ergon_output::summary_complete(dir, &summary).map_err(|e| e.to_string())?;
        let scenario_text = read("scenario.toml")?;
        let scenario: toml::Table = scenario_text
            .parse()
            .map_err(|e| format!("{}: not valid TOML: {e}", dir.join("scenario.toml").display()))?;
        let metrics = data::Metrics::parse(&read("metrics.csv")?)?;
        for col in ["run", "epoch", "day"] {
            if metrics.column(col).is_none() {
                return Err(format!("{}: no `{col}` column", dir.join("metrics.csv").display()));
            }
        }
        let at = || dir.join("summary.json").display().to_string();
        let economy = summary["economy"].as_str().unwrap_or_default();
        if !ergon_registry::ECONOMIES.iter().any(|e| e.name == economy) {
            let economy = ergon_sim::diag::shortened(&summary["economy"].to_string()).into_owned();
            return Err(format!("{}: unknown economy {economy}", at()));
        }
        let points = points(&summary);
        if points.is_empty() {
            return Err(format!(
                "{}: \"points\" must list the run's points (one at least), not {}",
                at(),
                summary["points"]
            ));
        }
        let nodes = nodes::load(dir)?;
        Ok(Run { dir: dir.to_path_buf(), summary, scenario_text, scenario, metrics, points, nodes })
    }

    /// A string (or other value, as TOML writes it) of scenario.toml at a table path.
    pub fn scenario_str(&self, path: &[&str]) -> Option<String> {
        let (last, tables) = path.split_last()?;
        let mut t = &self.scenario;
        for k in tables {
            t = t.get(*k)?.as_table()?;
        }
        t.get(*last).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    }
}

fn points(summary: &Value) -> Vec<Point> {
    let list = summary["points"].as_array().cloned().unwrap_or_default();
    list.into_iter()
        .enumerate()
        .map(|(i, p)| {
            let values = p["values"].as_object().cloned().unwrap_or_default();
            let label = if values.is_empty() {
                "all runs".to_owned()
            } else {
                let parts: Vec<String> =
                    values.iter().map(|(k, v)| format!("{} = {v}", short(k))).collect();
                parts.join(", ")
            };
            let index = p["point"].as_u64().unwrap_or(i as u64);
            Point { index, label, values, finals: p["final"].clone() }
        })
        .collect()
}

/// A swept path's last segment, with its parent when the segment is short (a generic word):
/// `agents.users.count` → `users.count`, `economy.params.settle_threshold_bps` →
/// `settle_threshold_bps`.
pub(crate) fn short(key: &str) -> &str {
    let mut dots = key.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some((last, _)), _) if key.len() - last > 8 => &key[last + 1..],
        (Some(_), Some((i, _))) => &key[i + 1..],
        _ => key,
    }
}

/// Writes `dir`/report.html; returns its path.
pub(crate) fn write(dir: &Path) -> Result<PathBuf, BadInput> {
    let run = Run::load(dir).map_err(BadInput)?;
    let page = html::page(&run).map_err(BadInput)?;
    let target = dir.join(REPORT_FILE);
    let bad = |e: ergon_output::OutputError| BadInput(e.to_string());
    ergon_output::remove_leftovers(&target);
    let mut file = AtomicFile::create(&target).map_err(bad)?;
    file.write_all(page.as_bytes())
        .map_err(|e| BadInput(format!("cannot write {}: {e}", target.display())))?;
    file.finish().map_err(bad)?;
    Ok(target)
}

/// `ergon report DIR`: refused while a run still writes `DIR` (its rows are not merged yet).
pub(crate) fn command(dir: &Path) -> Result<Outcome, BadInput> {
    if ergon_output::in_use(dir) {
        return Err(BadInput(format!(
            "{} is in use by a run still going (it holds the directory's lock): report it when \
             the run has ended",
            dir.display()
        )));
    }
    let path = write(dir)?;
    say!("report: {}", path.display());
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keeps_the_last_two_segments() {
        assert_eq!(short("agents.users.count"), "users.count");
        assert_eq!(short("economy.params.settle_threshold_bps"), "settle_threshold_bps");
        assert_eq!(short("seed"), "seed");
        assert_eq!(short("a.b"), "a.b");
    }

    #[test]
    fn a_missing_or_foreign_directory_is_refused_and_left_untouched() {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let gone = tmp.path().join("nope");
        let e = write(&gone).expect_err("missing dir");
        assert!(e.0.contains("no such directory"), "{}", e.0);
        std::fs::write(tmp.path().join("notes.txt"), "hello").expect("write");
        let e = write(tmp.path()).expect_err("foreign dir");
        assert!(e.0.contains("not an Ergon run directory") && e.0.contains("summary.json"));
        std::fs::write(tmp.path().join("summary.json"), "{\"a\": 1}").expect("write");
        let e = write(tmp.path()).expect_err("foreign summary");
        assert!(e.0.contains("summary.json has no \"complete\""), "{}", e.0);
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.starts_with(REPORT_FILE)), "{names:?}");
    }
}
