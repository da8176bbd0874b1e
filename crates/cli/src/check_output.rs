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
        say!(
            "{checkpoints} job checkpoint(s) kept: continue with `ergon run --resume {}`",
            dir.display()
        );
    }
    Ok(match found.state {
        RunState::Complete => Outcome::Ok,
        RunState::Interrupted => Outcome::CheckFailed,
        RunState::Killed => Outcome::Killed,
    })
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
            "{dir}: incomplete: killed before it finished (SIGKILL or a crash); its rows are in \
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
