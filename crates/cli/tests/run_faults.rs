//! A run's output directory through faults: a resume leaves `.parts/run.json` and
//! `.parts/scenario.toml` as it found them, whatever stops it; a finished run killed while it
//! deletes its `.parts` reads as finished; a resume goes on only under the build that started
//! the run.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text, tiny};

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A run with checkpoints whose merge is refused (a directory named `summary.json` in `out`):
/// every job ran to its end, its checkpoints and rows stay in `out/.parts` to resume.
fn unmerged(tmp: &Path) -> PathBuf {
    let out = tmp.join("out");
    std::fs::create_dir_all(out.join("summary.json")).unwrap();
    let scenario = tiny(tmp, 2);
    let args = ["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--force"];
    let o = ergon(&[&args[..], &["-q", "--checkpoint-every", "1d"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("a directory has the name"), "{err}");
    let kept = format!("the checkpoints stay in {}", out.join(".parts").display());
    assert!(err.contains(&kept) && err.contains("`ergon run --resume"), "{err}");
    assert!(out.join(".parts").join("job-0000001.ckpt").is_file());
    out
}

fn resume(out: &Path) -> Output {
    ergon(&["run", "--resume", out.to_str().unwrap(), "-q"])
}

/// A resume does not write run.json or the resolved scenario again: a kill or a full disk at
/// that moment cannot cut them short, and a resume that fails leaves them as they were.
#[test]
fn a_resume_leaves_run_json_and_the_scenario_as_it_found_them() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unmerged(tmp.path());
    let parts = out.join(".parts");
    let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let mut kept = Vec::new();
    for name in ["run.json", "scenario.toml"] {
        let path = parts.join(name);
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(old).unwrap();
        kept.push((path.clone(), std::fs::read(&path).unwrap()));
    }
    let o = resume(&out);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    for (path, bytes) in &kept {
        let mtime: SystemTime = std::fs::metadata(path).unwrap().modified().unwrap();
        assert_eq!(mtime, old, "{} was written again", path.display());
        assert_eq!(&std::fs::read(path).unwrap(), bytes);
    }
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    let o = resume(&out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

/// A finished run deletes its `.parts` under another name (`.parts.removed`): a kill during
/// that deletion leaves what check-output and report read as the finished run it is, and the
/// next run into the directory deletes the rest.
#[test]
fn a_finished_run_killed_while_it_deletes_its_parts_reads_as_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unmerged(tmp.path());
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    // What a resume killed at its end leaves: its parts, renamed, part-way deleted.
    let kept = tmp.path().join("kept");
    std::fs::create_dir(&kept).unwrap();
    for name in ["run.json", "job-0000001.csv", "job-0000001.ckpt"] {
        std::fs::copy(out.join(".parts").join(name), kept.join(name)).unwrap();
    }
    let o = resume(&out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join(".parts").exists() && !out.join(".parts.removed").exists());
    std::fs::rename(&kept, out.join(".parts.removed")).unwrap();
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{said}");
    assert!(said.starts_with(&format!("{}: complete\n", out.display())), "{said}");
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let scenario = tiny(tmp.path(), 2);
    let args = ["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--force"];
    let o = ergon(&[&args[..], &["-q"]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join(".parts.removed").exists(), "the next run deletes the leftover");
}

/// run.json records the build that started the run; a resume under another build, or of a
/// run.json that names none (written before builds were recorded), is refused naming both,
/// the directory left as it was.
#[test]
fn a_resume_under_another_build_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unmerged(tmp.path());
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    let manifest = out.join(".parts").join("run.json");
    let text_of = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap();
    let ours: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let this = ours["ergon_version"].as_str().expect("the build is recorded").to_owned();
    let version = text(&ergon(&["--version"]).stdout);
    assert!(version.contains(&this), "{version} vs {this}");
    let mut other = ours.clone();
    other["ergon_version"] = "0.0.1 (commit 0123456789ab)".into();
    let mut unknown = ours.clone();
    unknown.as_object_mut().unwrap().remove("ergon_version");
    let cases = [
        (other, "started by ergon 0.0.1 (commit 0123456789ab), and this is ergon "),
        (unknown, "started by an earlier build of ergon, which did not record its version"),
    ];
    for (manifest_text, expect) in cases {
        std::fs::write(&manifest, text_of(&manifest_text)).unwrap();
        let before = std::fs::read_dir(out.join(".parts")).unwrap().count();
        let o = resume(&out);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expect) && err.contains(&this), "{err}");
        assert!(err.contains("--force` to start over"), "{err}");
        assert_eq!(std::fs::read_dir(out.join(".parts")).unwrap().count(), before);
        assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text_of(&manifest_text));
        assert!(!out.join("metrics.csv").exists());
    }
    std::fs::write(&manifest, text_of(&ours)).unwrap();
    let o = resume(&out);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// A resume that cannot set aside the files a stop merged (summary.json, scenario.toml) puts
/// back those it had moved: a refused resume leaves the directory as it found it.
#[test]
fn a_resume_that_cannot_set_the_merged_files_aside_puts_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unmerged(tmp.path());
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    let (summary, scenario) = ("{\"complete\": false}\n", "# the run's\n");
    std::fs::write(out.join("summary.json"), summary).unwrap();
    std::fs::write(out.join("scenario.toml"), scenario).unwrap();
    let aside = out.join(".parts").join("merged-before-resume");
    std::fs::create_dir_all(aside.join("scenario.toml").join("x")).unwrap();
    let o = resume(&out);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("scenario.toml"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), summary);
    assert_eq!(std::fs::read_to_string(out.join("scenario.toml")).unwrap(), scenario);
    assert!(!aside.join("summary.json").exists());
}

/// An empty `.parts` beside a summary — a run that failed before it wrote anything, and could
/// not remove it — hides nothing: the directory reads as the run its summary describes.
#[test]
fn an_empty_parts_beside_a_finished_run_is_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 2);
    let o = ergon(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::create_dir(out.join(".parts")).unwrap();
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // With anything in it, it is a later run's, killed.
    std::fs::write(out.join(".parts").join("run.json"), "{}").unwrap();
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
}

/// What stands where a resume keeps its scratch directories is named: a file `.parts/staged`
/// (an earlier merge's scratch) is replaced, a file `.parts/merged-before-resume` is refused
/// saying so, and a `.parts` that is a link to itself is named, by resume and check-output.
#[cfg(unix)]
#[test]
fn files_in_the_place_of_parts_directories_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = unmerged(tmp.path());
    std::fs::remove_dir(out.join("summary.json")).unwrap();
    std::fs::write(out.join("summary.json"), "{\"complete\": false}\n").unwrap();
    let aside = out.join(".parts").join("merged-before-resume");
    std::fs::write(&aside, "").unwrap();
    let o = resume(&out);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("merged-before-resume: it is a file, not the directory"), "{err}");
    std::fs::remove_file(&aside).unwrap();
    let staged = out.join(".parts").join("staged");
    let _ = std::fs::remove_dir_all(&staged);
    std::fs::write(&staged, "").unwrap();
    let o = resume(&out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let looped = tmp.path().join("looped");
    std::fs::create_dir(&looped).unwrap();
    std::os::unix::fs::symlink(looped.join(".parts"), looped.join(".parts")).unwrap();
    for args in [&["run", "--resume"][..], &["check-output"][..]] {
        let o = ergon(&[args, &[looped.to_str().unwrap()]].concat());
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("its .parts is not a directory"), "{err}");
    }
}

/// A directory left holding files of two runs (its `.parts` marked `moving-into-place`) keeps
/// reading as incomplete through a `--force` run that fails before it moves anything, and the
/// run says so; the next run that sees its move through replaces it.
#[test]
fn a_forced_run_failing_before_its_move_keeps_a_mix_reading_as_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 2);
    let run = ["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"];
    let o = ergon(&run);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A mix: the move of nodes.csv failed; a directory now stands in its place.
    std::fs::remove_file(out.join("nodes.csv")).unwrap();
    std::fs::create_dir(out.join("nodes.csv")).unwrap();
    std::fs::create_dir(out.join(".parts")).unwrap();
    std::fs::write(out.join(".parts").join("moving-into-place"), "").unwrap();
    let o = ergon(&[&run[..], &["--force"]].concat());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a directory has the name"), "{err}");
    assert!(err.contains("still holds files of more than one run"), "{err}");
    assert!(out.join(".parts").join("moving-into-place").is_file(), "the mark stays");
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    std::fs::remove_dir(out.join("nodes.csv")).unwrap();
    let o = ergon(&[&run[..], &["--force"]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(!out.join(".parts").exists());
}
