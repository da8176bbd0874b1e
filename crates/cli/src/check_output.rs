//! `ergon check-output DIR`: whether an output directory holds a complete run, one stopped by a
//! signal (merged, marked incomplete) or one killed before it finished (SIGKILL, a crash: part
//! files never merged), and how many rows and steps each job reached.
//!
//! Exit codes: 0 complete, 1 interrupted, 3 killed, 4 still running (a run holds the
//! directory's lock), 2 not a run's output directory.

use std::fmt::Write as _;
use std::path::Path;

use ergon_output::{Inspection, RunState};

use crate::{BadInput, Outcome};

/// `ergon check-output DIR`.
pub(crate) fn command(dir: &Path) -> Result<Outcome, BadInput> {
    if ergon_output::in_use(dir) {
        crate::stdout(&format!(
            "{}: running: a run is writing it now (it holds the directory's lock); check again \
             when it has ended\n",
            dir.display()
        ))?;
        return Ok(Outcome::Running);
    }
    let found = ergon_output::inspect(dir).map_err(|e| BadInput(e.to_string()))?;
    crate::stdout(&describe(&found))?;
    let checkpoints = checkpoints(dir);
    if found.state != RunState::Complete && checkpoints > 0 {
        say!("{checkpoints} job checkpoint(s) kept: {}", resume_advice(dir, crate::VERSION));
    }
    Ok(match found.state {
        RunState::Complete => Outcome::Ok,
        RunState::Interrupted => Outcome::CheckFailed,
        RunState::Killed => Outcome::Killed,
    })
}

/// How to go on with the checkpoints in `dir/.parts`: a resume under the build `this` when
/// their run.json names it, else the build that wrote them (a resume under another is refused).
fn resume_advice(dir: &Path, this: &str) -> String {
    let d = dir.display();
    let manifest = std::fs::read_to_string(dir.join(".parts").join(ergon_output::MANIFEST_FILE))
        .ok()
        .and_then(|t| serde_json::from_str::<ergon_output::Manifest>(&t).ok());
    let Some(manifest) = manifest else {
        return format!("continue with `ergon run --resume {d}`");
    };
    match manifest.ergon_version.as_deref() {
        Some(v) if v == this => format!("continue with `ergon run --resume {d}`"),
        ours => {
            let by = ours.map_or_else(|| "an earlier build".to_owned(), |v| format!("ergon {v}"));
            format!(
                "written by {by}, and this is ergon {this}: only that build resumes them \
                 (`ergon run --resume {d}`)"
            )
        }
    }
}

/// How many job checkpoints `dir/.parts` holds (`ergon run --checkpoint-every`).
fn checkpoints(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".parts")).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".ckpt")))
            .count()
    })
}

/// The state line, then one line a job.
pub(crate) fn describe(found: &Inspection) -> String {
    let dir = found.dir.display();
    let mut out = match found.state {
        RunState::Complete => format!("{dir}: complete"),
        RunState::Interrupted => format!(
            "{dir}: incomplete: stopped by a signal; the rows written were merged into \
             metrics.csv and metrics.parquet, marked incomplete"
        ),
        RunState::Killed if found.moved_part_way => format!(
            "{dir}: incomplete: it ended while its files were moved into place (a move that \
             failed, or a kill or a crash meanwhile), so {dir} may hold some files of this run \
             and some of an earlier one; this run's rows are in {dir}/.parts"
        ),
        RunState::Killed => format!(
            "{dir}: incomplete: ended before it finished (killed, a crash, or a write error that kept \
             its checkpoints); its rows are in \
             {dir}/.parts, not merged, and there is no summary.json of this run"
        ),
    };
    let scenario = found.scenario.as_deref().unwrap_or("unknown");
    let _ =
        write!(out, "\nscenario {scenario}, {} job(s), {} row(s)", found.jobs.len(), found.rows);
    if let Some(e) = found.epochs {
        let _ = write!(out, ", {e} steps each");
    }
    out.push('\n');
    for j in &found.jobs {
        let _ = write!(out, "  point {} run {}: {} row(s)", j.point, j.run, j.rows);
        match (j.last_epoch, found.epochs) {
            (Some(e), Some(of)) => {
                let _ = write!(out, ", step {e} of {of}");
            }
            (Some(e), None) => {
                let _ = write!(out, ", step {e}");
            }
            (None, _) if found.state == RunState::Killed => out.push_str(", not started"),
            (None, _) => {}
        }
        if j.partial_bytes > 0 {
            let _ = write!(out, " (an incomplete last row of {} bytes ignored)", j.partial_bytes);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checkpoints of another build are not said to resume under this one.
    #[test]
    fn checkpoints_of_another_build_name_the_build_that_resumes_them() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let parts = tmp.path().join(".parts");
        std::fs::create_dir(&parts).expect("parts");
        let same = resume_advice(tmp.path(), "0.1.0 (commit b)");
        assert!(same.starts_with("continue with `ergon run --resume"), "{same}");
        let manifest = r#"{"scenario": "s", "economy": "e", "parameter_hash": "ab", "seed": 1,
            "epochs": 2, "record_every": 1, "runs": 1, "points": 1, "columns": [],
            "checkpoint_every": 1, "ergon_version": "0.1.0 (commit a)"}"#;
        std::fs::write(parts.join(ergon_output::MANIFEST_FILE), manifest).expect("run.json");
        let other = resume_advice(tmp.path(), "0.1.0 (commit b)");
        assert!(other.starts_with("written by ergon 0.1.0 (commit a), and this is"), "{other}");
        let same = resume_advice(tmp.path(), "0.1.0 (commit a)");
        assert!(same.starts_with("continue with"), "{same}");
    }
}
