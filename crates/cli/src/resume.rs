//! `ergon run --checkpoint-every DURATION` and `ergon run --resume DIR`: each job's model saved
//! every DURATION of simulated time (docs/scenarios.md, "Checkpoints"), and a run killed or
//! stopped by a signal continued from them, its rows byte-identical to a run never stopped.

use std::path::Path;

use ergon_output::{MANIFEST_FILE, Manifest, OutDir};
use ergon_registry::{PlanInfo, Simulation};
use ergon_sim::diag::shortened;
use ergon_sim::{Duration, Source};

use crate::BadInput;

/// The steps of `--checkpoint-every TEXT` for the plan `info`: a number of steps ("5000",
/// "5000e") or a duration ("30d"), at least one step.
pub(crate) fn every(text: &str, info: &PlanInfo) -> Result<u64, BadInput> {
    let step_seconds = ergon_core::model::SECONDS_PER_DAY / info.epochs_per_day.max(1);
    // The value shown once (the error of a duration names it), cut as every message's value.
    let duration = Duration::Text(text.to_owned());
    let steps = duration
        .steps(step_seconds, info.step_name)
        .map_err(|e| BadInput(format!("--checkpoint-every: {}", shortened(&e))))?;
    if steps == 0 {
        let unit = info.step_name;
        return Err(BadInput(format!(
            "--checkpoint-every: {} is 0 {unit}s; must be at least 1, e.g. \"30d\"",
            shortened(&duration.to_string())
        )));
    }
    Ok(steps)
}

/// What `--resume DIR` goes on with: the run's plan (from the resolved scenario kept in
/// `.parts`), its directory and its checkpoint interval. Nothing in `dir` is changed.
pub(crate) struct Resume {
    pub(crate) sim: Box<dyn Simulation>,
    pub(crate) out: OutDir,
    pub(crate) every: u64,
}

/// Reads the run in `dir` for `--resume`: its resolved scenario and manifest, checked against
/// each other.
pub(crate) fn open(dir: &Path) -> Result<Resume, BadInput> {
    let out = OutDir::resume(dir).map_err(|e| BadInput(e.to_string()))?;
    let path = out.resolved_scenario();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        BadInput(format!("cannot resume {}: {}: {e}", dir.display(), path.display()))
    })?;
    let manifest_path = path.with_file_name(MANIFEST_FILE);
    let manifest: Manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            BadInput(format!("cannot resume {}: {}: {e}", dir.display(), manifest_path.display()))
        })?;
    // Before the scenario is read: another build may read it otherwise, or not at all.
    same_build(dir, manifest.ergon_version.as_deref(), ergon_registry::VERSION)?;
    let name = path.display().to_string();
    let sim = crate::sim_cmd::plan(Source { name: &name, text: &text }, &[])?;
    if sim.info().hash != manifest.parameter_hash {
        return Err(BadInput(format!(
            "cannot resume {}: its scenario's parameter hash is {}, its run.json says {}: the \
             files in .parts do not belong together",
            dir.display(),
            sim.info().hash,
            manifest.parameter_hash
        )));
    }
    let every = manifest.checkpoint_every.ok_or_else(|| {
        BadInput(format!(
            "cannot resume {}: the run kept no checkpoints (run with --checkpoint-every)",
            dir.display()
        ))
    })?;
    // A run's checkpoints are at least one step apart, as --checkpoint-every requires: 0 is
    // no value a run writes (the file was edited).
    if every == 0 {
        return Err(BadInput(format!(
            "cannot resume {}: {}: \"checkpoint_every\" is 0; a run's checkpoints are at least \
             1 step apart, as --checkpoint-every takes them",
            dir.display(),
            manifest_path.display()
        )));
    }
    Ok(Resume { sim, out, every })
}

/// Refuses to go on with checkpoints written by another build than `this` (`ours`, from
/// run.json; `None` when it was written before builds were recorded): rules that changed
/// between the builds would mix the two builds' results in one run, byte-identical to neither.
fn same_build(dir: &Path, ours: Option<&str>, this: &str) -> Result<(), BadInput> {
    if ours == Some(this) {
        return Ok(());
    }
    let (d, by) = (
        dir.display(),
        ours.map_or_else(
            || "an earlier build of ergon, which did not record its version".to_owned(),
            |v| format!("ergon {v}"),
        ),
    );
    let with = ours.map_or_else(|| "that build".to_owned(), |v| format!("ergon {v}"));
    Err(BadInput(format!(
        "cannot resume {d}: its run was started by {by}, and this is ergon {this}: a resume \
         under another build could mix the two builds' results. Resume it with {with}, or \
         move {d}/.parts/scenario.toml (the scenario as that run resolved it, its only copy) \
         out of {d} and run it again with `--out {d} --force` to start over"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_build_s_checkpoints_are_refused_naming_both() {
        let dir = Path::new("out");
        assert!(same_build(dir, Some("0.1.0 (commit a)"), "0.1.0 (commit a)").is_ok());
        let e = same_build(dir, Some("0.1.0 (commit a)"), "0.1.0 (commit b)")
            .expect_err("another build")
            .0;
        assert!(
            e.contains("started by ergon 0.1.0 (commit a), and this is ergon 0.1.0 (commit b)")
        );
        assert!(e.contains("Resume it with ergon 0.1.0 (commit a), or move out/.parts/scenario.toml (the scenario as that run resolved it, its only copy) out of out"), "{e}");
        let e = same_build(dir, None, "0.1.0 (commit b)").expect_err("another build").0;
        assert!(e.contains("an earlier build of ergon, which did not record its version"), "{e}");
    }
}
