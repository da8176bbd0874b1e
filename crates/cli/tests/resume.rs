//! `ergon run --checkpoint-every` and `--resume`: a run killed with SIGKILL, or stopped by
//! SIGTERM, part-way and resumed gives outputs byte-identical to a run never stopped; a
//! corrupt, cut or foreign checkpoint is refused by name, and the directory is left as it was.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stratos, 2 runs of 120 days of 10-minute epochs, a row a day, past the 14-day reward lock.
fn scenario(dir: &Path) -> PathBuf {
    let path = dir.join("resumable.toml");
    let scenario = "[scenario]\nname = \"resumable\"\neconomy = \"stratos\"\n\
        duration = \"120d\"\nseed = 5\nruns = 2\nrecord_every = 144\n\n\
        [agents.resource_nodes]\ncount = 40\n[agents.meta_nodes]\ncount = 4\n\
        [agents.validators]\ncount = 3\n[agents.delegators]\ncount = 20\n\
        [agents.users]\ncount = 400\n";
    std::fs::write(&path, scenario).unwrap();
    path
}

/// The files a finished run writes, each compared byte for byte.
const OUTPUTS: [&str; 6] = [
    "metrics.csv",
    "metrics.parquet",
    "nodes.csv",
    "nodes.parquet",
    "summary.json",
    "scenario.toml",
];

fn run_args<'a>(scenario: &'a Path, out: &'a Path) -> Vec<&'a str> {
    vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--threads",
        "1",
        "--checkpoint-every",
        "10d",
    ]
}

/// The finished run without interruption.
fn reference(tmp: &Path) -> PathBuf {
    let out = tmp.join("reference");
    let o = ergon(&run_args(&scenario(tmp), &out));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!out.join(".parts").exists(), "a complete run removes its parts and checkpoints");
    out
}

/// Starts the run into `out` and waits until job 0 has saved a checkpoint past day 20.
fn started(tmp: &Path, out: &Path) -> Child {
    started_on(tmp, out, "1", 0)
}

/// Starts the run into `out` on `threads` and waits until job `job` has saved a checkpoint past
/// day 20.
fn started_on(tmp: &Path, out: &Path, threads: &str, job: usize) -> Child {
    let scenario = scenario(tmp);
    let mut args = run_args(&scenario, out);
    *args.iter_mut().find(|a| **a == "1").unwrap() = threads;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ergon"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ergon starts");
    let part = out.join(".parts").join(format!("job-{job:07}.csv"));
    let checkpoint = out.join(".parts").join(format!("job-{job:07}.ckpt"));
    let begun = Instant::now();
    let rows = || std::fs::read(&part).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    while !(checkpoint.exists() && rows() > 21) {
        assert!(begun.elapsed() < Duration::from_secs(300), "no checkpoint after 300 s");
        assert!(child.try_wait().unwrap().is_none(), "ergon ended before it was stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status();
    assert!(sent.unwrap().success());
}

fn assert_same_outputs(a: &Path, b: &Path) {
    for name in OUTPUTS {
        let (x, y) = (std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

#[cfg(unix)]
#[test]
fn a_run_killed_with_sigkill_resumes_to_byte_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = reference(tmp.path());
    let out = tmp.path().join("killed");
    let mut child = started(tmp.path(), &out);
    signal(&child, "KILL");
    assert_eq!(child.wait().unwrap().code(), None, "killed by a signal");
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{said}");
    assert!(said.contains("continue with `ergon run --resume"), "{said}");
    let o = ergon(&["run", "--resume", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_same_outputs(&reference, &out);
    assert!(!out.join(".parts").exists());
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
}

#[cfg(unix)]
#[test]
fn a_run_stopped_by_sigterm_keeps_its_checkpoints_and_resumes_to_the_same_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = reference(tmp.path());
    let out = tmp.path().join("stopped");
    let child = started(tmp.path(), &out);
    signal(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", text(&o.stderr));
    // Merged and marked incomplete, as any stopped run; the checkpoints stay beside.
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(out.join(".parts").join("job-0000000.ckpt").is_file());
    // Its report is the stopped run's, flagged incomplete (the checkpoints do not make it a
    // killed run).
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = ergon(&["run", "--resume", out.to_str().unwrap(), "-q", "--threads", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_same_outputs(&reference, &out);
    // Its first line counts the steps run before the stop apart from its rate.
    let said = text(&o.stdout);
    assert!(
        said.lines().next().is_some_and(|l| l.contains("of them from its checkpoints) in ")),
        "{said}"
    );
}

/// A killed run's directory, its files by name and content.
fn killed(tmp: &Path, name: &str) -> (PathBuf, Vec<(PathBuf, Vec<u8>)>) {
    let out = tmp.join(name);
    let mut child = started(tmp, &out);
    signal(&child, "KILL");
    child.wait().unwrap();
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(out.join(".parts"))
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    files.sort();
    (out, files)
}

/// The errors of a resume of `out`, which must be refused (exit 2) saying `expect`, leaving
/// `files` as they were and merging nothing.
fn refused(out: &Path, files: &[(PathBuf, Vec<u8>)], expect: &str) -> String {
    let o = ergon(&["run", "--resume", out.to_str().unwrap(), "-q"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(expect), "expected {expect:?} in: {err}");
    for (path, bytes) in files {
        assert_eq!(&std::fs::read(path).unwrap(), bytes, "{} changed", path.display());
    }
    assert!(!out.join("metrics.csv").exists());
    err
}

#[cfg(unix)]
#[test]
fn a_corrupt_cut_or_foreign_checkpoint_is_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, mut files) = killed(tmp.path(), "killed");
    let ckpt = out.join(".parts").join("job-0000000.ckpt");
    let at = files.iter().position(|(p, _)| *p == ckpt).unwrap();
    let good = files[at].1.clone();

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    std::fs::write(&ckpt, &flipped).unwrap();
    files[at].1 = flipped;
    refused(&out, &files, "job 0: checkpoint: corrupt: the body's CRC-32");

    let cut = good[..good.len() - 7].to_vec();
    std::fs::write(&ckpt, &cut).unwrap();
    files[at].1 = cut;
    refused(&out, &files, "job 0: checkpoint: truncated or padded");

    // Job 1's checkpoint in job 0's place.
    let other = std::fs::read(out.join(".parts").join("job-0000001.ckpt"));
    if let Ok(other) = other {
        std::fs::write(&ckpt, &other).unwrap();
        files[at].1 = other;
        refused(&out, &files, "job 0: checkpoint: of job 1, read for job 0");
    }

    std::fs::write(&ckpt, &good).unwrap();
    files[at].1 = good;

    // A run.json edited to keep checkpoints 0 steps apart, as --checkpoint-every 0 is refused.
    let manifest = out.join(".parts").join("run.json");
    let m = files.iter().position(|(p, _)| *p == manifest).unwrap();
    let kept = files[m].1.clone();
    let mut v: serde_json::Value = serde_json::from_slice(&kept).unwrap();
    v["checkpoint_every"] = 0.into();
    files[m].1 = v.to_string().into_bytes();
    std::fs::write(&manifest, &files[m].1).unwrap();
    let want = format!(
        "{}: \"checkpoint_every\" is 0; a run's checkpoints are at least 1",
        manifest.display()
    );
    refused(&out, &files, &want);
    std::fs::write(&manifest, &kept).unwrap();
    files[m].1 = kept;

    // Another scenario's parts: the resolved scenario no longer matches run.json.
    let scenario = out.join(".parts").join("scenario.toml");
    let text = std::fs::read_to_string(&scenario).unwrap().replace("seed = 5", "seed = 6");
    std::fs::write(&scenario, &text).unwrap();
    let s = files.iter().position(|(p, _)| *p == scenario).unwrap();
    files[s].1 = text.into_bytes();
    refused(&out, &files, "do not belong together");
}

/// A job whose part file is gone beside its checkpoint cannot go on: the resume is refused
/// without advising another resume, and the checkpoints stay as they were.
#[cfg(unix)]
#[test]
fn a_resume_without_a_jobs_part_file_says_it_cannot_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, mut files) = killed(tmp.path(), "killed");
    let part = out.join(".parts").join("job-0000000.csv");
    std::fs::remove_file(&part).unwrap();
    files.retain(|(p, _)| *p != part);
    let err = refused(&out, &files, "cannot go on");
    assert!(err.contains("its part file"), "{err}");
    assert!(!err.contains("goes on from them"), "{err}");
}

/// Every file of `dir` and of its `.parts`, by path and content.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for d in [dir.to_path_buf(), dir.join(".parts")] {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                let b = std::fs::read(&p).unwrap();
                files.push((p, b));
            }
        }
    }
    files.sort();
    files
}

/// A run stopped by a signal has merged its rows, summary.json and scenario.toml: a resume
/// refused for a bad checkpoint or a part file that does not match its checkpoint leaves all
/// of them, and the parts, as they were (exit 2); the good checkpoints then resume.
#[cfg(unix)]
#[test]
fn a_refused_resume_of_a_stopped_run_keeps_its_merged_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stopped");
    // On two threads, so that both jobs have a checkpoint.
    let child = started_on(tmp.path(), &out, "2", 1);
    signal(&child, "TERM");
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(143));
    assert!(out.join(".parts").join("job-0000000.ckpt").is_file());
    let ckpt = out.join(".parts").join("job-0000000.ckpt");
    let part = out.join(".parts").join("job-0000000.csv");
    // Job 1's part file: its job comes after job 0, which must not run before the refusal.
    let part1 = out.join(".parts").join("job-0000001.csv");
    let (good_ckpt, good_part) = (std::fs::read(&ckpt).unwrap(), std::fs::read(&part).unwrap());
    let good_part1 = std::fs::read(&part1).unwrap();
    // A digit of the first rows changed, the length kept.
    let mut altered = good_part1.clone();
    let digit = altered.iter().position(|b| b.is_ascii_digit() && *b != b'9').unwrap();
    altered[digit] += 1;
    let cases: [(&Path, Vec<u8>, &str); 4] = [
        (&ckpt, good_ckpt[..good_ckpt.len() - 7].to_vec(), "job 0: checkpoint: truncated"),
        (&part, Vec::new(), "job 0: checkpoint: its part file"),
        (&part1, good_part1[..good_part1.len() / 3].to_vec(), "job 1: checkpoint: its part file"),
        (&part1, altered, "were altered since the checkpoint"),
    ];
    for (path, bad, expect) in cases {
        std::fs::write(path, &bad).unwrap();
        let before = all_files(&out);
        assert!(before.iter().any(|(p, _)| p.ends_with("summary.json")));
        let o = ergon(&["run", "--resume", out.to_str().unwrap(), "-q", "--threads", "1"]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expect), "expected {expect:?} in: {err}");
        assert_eq!(all_files(&out), before, "a refused resume changed the directory");
        std::fs::write(&ckpt, &good_ckpt).unwrap();
        std::fs::write(&part, &good_part).unwrap();
        std::fs::write(&part1, &good_part1).unwrap();
    }
    let o = ergon(&["run", "--resume", out.to_str().unwrap(), "-q", "--threads", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_same_outputs(&reference(tmp.path()), &out);
}

#[test]
fn resume_refuses_a_directory_without_checkpoints_and_options_that_change_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ergon(&["run", "--resume", tmp.path().to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot resume"), "{}", text(&o.stderr));
    let o = ergon(&["run", "--resume", tmp.path().to_str().unwrap(), "--epochs", "3d"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot be used with"), "{}", text(&o.stderr));
    let o = ergon(&["run", "--epochs", "1d", "--checkpoint-every", "7x", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let want = "--checkpoint-every: unknown unit \"x\" in \"7x\"";
    assert!(text(&o.stderr).contains(want), "{}", text(&o.stderr));
    let o = ergon(&["run", "--epochs", "1d", "--checkpoint-every", "0d", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let want = "--checkpoint-every: \"0d\" is 0 epochs; must be at least 1";
    assert!(text(&o.stderr).contains(want), "{}", text(&o.stderr));
}
