//! `ergon check-output DIR` on a complete run, a run stopped by SIGTERM and a run killed with
//! SIGKILL (part files never merged), and `ergon report` refusing the killed one by name.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text, tiny};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn a_complete_run_exits_0_with_each_jobs_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 3);
    let o = ergon(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{said}{}", text(&o.stderr));
    assert!(said.starts_with(&format!("{}: complete\n", out.display())), "{said}");
    // 288 epochs, a row every 72: epochs 0, 72, 144, 216, 288 — 5 rows a run, 15 in all.
    assert!(said.contains("scenario tiny, 3 job(s), 15 row(s), 288 steps each"), "{said}");
    for run in 0..3 {
        assert!(
            said.contains(&format!("point 0 run {run}: 5 row(s), step 288 of 288\n")),
            "{said}"
        );
    }
    // Damaged since: a cut metrics.csv, a cut or missing metrics.parquet: exit 2, named; the
    // report refuses it too, for the same reason, and writes nothing.
    let damaged = |why: &str| {
        let o = ergon(&["check-output", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert!(text(&o.stderr).contains(why), "{}", text(&o.stderr));
        let o = ergon(&["report", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert!(text(&o.stderr).contains(why), "{}", text(&o.stderr));
        assert!(!out.join("report.html").exists());
    };
    let (csv, parquet) = (out.join("metrics.csv"), out.join("metrics.parquet"));
    let (csv_bytes, parquet_bytes) =
        (std::fs::read(&csv).unwrap(), std::fs::read(&parquet).unwrap());
    std::fs::write(&parquet, &parquet_bytes[..1000]).unwrap();
    damaged("is damaged: summary.json says the run completed, but metrics.parquet cannot be read");
    std::fs::remove_file(&parquet).unwrap();
    damaged("metrics.parquet: ");
    std::fs::write(&parquet, &parquet_bytes).unwrap();
    std::fs::write(&csv, &csv_bytes[..csv_bytes.len() - 10]).unwrap();
    damaged("point 0 run 2's last row in metrics.csv is cut short");
    let cut =
        csv_bytes.len() - csv_bytes.iter().rev().skip(1).position(|&b| b == b'\n').unwrap() - 1;
    std::fs::write(&csv, &csv_bytes[..cut]).unwrap();
    damaged("point 0 run 2 ends at step 216 of 288 in metrics.csv");
    // The nodes' rewards: whole rows lost from nodes.csv, or the file gone, as the summary's
    // count of them shows (the report drew its distribution from what was left).
    std::fs::write(&csv, &csv_bytes).unwrap();
    let nodes = out.join("nodes.csv");
    let nodes_text = std::fs::read_to_string(&nodes).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let counted = summary["node_rows"].as_u64().unwrap();
    assert_eq!(nodes_text.lines().count() as u64, counted + 1, "{nodes_text}");
    let kept: Vec<&str> = nodes_text.lines().take(3).collect();
    std::fs::write(&nodes, kept.join("\n") + "\n").unwrap();
    damaged(&format!("it counts {counted} node rows and nodes.csv holds 2"));
    std::fs::remove_file(&nodes).unwrap();
    damaged("nodes.csv: ");
    std::fs::write(&nodes, &nodes_text).unwrap();
    // Not a run's directory: its scenario.toml gone, or a summary without its points. Both
    // commands refuse it (exit 2), and neither calls it complete.
    std::fs::write(&csv, &csv_bytes).unwrap();
    let not_a_run = |why: &str| {
        let o = ergon(&["check-output", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert!(!text(&o.stdout).contains("complete"), "{}", text(&o.stdout));
        assert!(text(&o.stderr).contains(why), "{}", text(&o.stderr));
        let o = ergon(&["report", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    };
    let scenario_toml = std::fs::read(out.join("scenario.toml")).unwrap();
    std::fs::remove_file(out.join("scenario.toml")).unwrap();
    not_a_run("is not an Ergon run's output directory: summary.json is there but scenario.toml");
    std::fs::write(out.join("scenario.toml"), scenario_toml).unwrap();
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    v.as_object_mut().unwrap().remove("points");
    std::fs::write(out.join("summary.json"), v.to_string()).unwrap();
    not_a_run("summary.json has no \"points\"");
    // Both read a summary alike: a "complete" that is not true or false is malformed (check-output
    // said it had none, and report drew the page); one without "complete" or "runs" is no run's.
    let mut v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    v["complete"] = "yes".into();
    std::fs::write(out.join("summary.json"), v.to_string()).unwrap();
    let path = out.join("summary.json");
    damaged(&format!(
        "{} is malformed: \"complete\" is \"yes\", not true or false",
        path.display()
    ));
    for key in ["complete", "runs"] {
        let mut v: serde_json::Value = serde_json::from_str(&summary).unwrap();
        v.as_object_mut().unwrap().remove(key);
        std::fs::write(out.join("summary.json"), v.to_string()).unwrap();
        not_a_run(&format!(
            "is not an Ergon run's output directory: summary.json has no \"{key}\""
        ));
        let o = ergon(&["report", out.to_str().unwrap()]);
        assert!(text(&o.stderr).contains(&format!("has no \"{key}\"")), "{}", text(&o.stderr));
    }
}

#[test]
fn a_missing_or_foreign_directory_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ergon(&["check-output", tmp.path().join("none").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no such directory"), "{}", text(&o.stderr));
    let o = ergon(&["check-output", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("neither summary.json"), "{}", text(&o.stderr));
}

/// Starts a ten-year run of one job and waits until its part file holds `rows` rows.
fn started(tmp: &Path, out: &Path, rows: usize) -> std::process::Child {
    let scenario = tiny(tmp, 3);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ergon"))
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .args(["--runs", "1", "--epochs", "10y"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ergon starts");
    let part = out.join(".parts").join("job-0000000.csv");
    let begun = Instant::now();
    while std::fs::read(&part).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) < rows {
        assert!(begun.elapsed() < Duration::from_secs(300), "no rows after 300 s");
        assert!(child.try_wait().unwrap().is_none(), "ergon ended before it was stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn signal(child: &std::process::Child, name: &str) {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args([&format!("-{name}"), &pid]).status().unwrap();
    assert!(sent.success());
}

/// The rows of the one job, from the line "point 0 run 0: N row(s), step E of 525600".
fn job_line(said: &str) -> (u64, u64) {
    let line = said.lines().find(|l| l.starts_with("  point 0 run 0: ")).expect("the job's line");
    let words: Vec<&str> = line.split_whitespace().collect();
    (words[4].parse().unwrap(), words[7].trim_end_matches(',').parse().unwrap())
}

#[cfg(unix)]
#[test]
fn a_run_killed_with_sigkill_is_reported_with_exit_3_and_refused_by_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut child = started(tmp.path(), &out, 3);
    signal(&child, "KILL");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    assert!(out.join(".parts").is_dir() && !out.join("summary.json").exists());
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{said}{}", text(&o.stderr));
    assert!(said.contains("incomplete: ended before it finished (killed, a crash"), "{said}");
    assert!(said.contains("scenario tiny, 1 job(s), "), "{said}");
    // Ten years of 10-minute epochs: 525,600; the rows are those the part file holds, one
    // every 72 epochs from epoch 0.
    let part = std::fs::read(out.join(".parts").join("job-0000000.csv")).unwrap();
    let lines = part.iter().filter(|&&c| c == b'\n').count() as u64;
    let (rows, step) = job_line(&said);
    assert!(rows >= 3 && rows == lines, "{rows} rows, {lines} lines: {said}");
    assert_eq!(step, (rows - 1) * 72, "{said}");
    assert!(said.contains(&format!("step {step} of 525600")), "{said}");
    let o = ergon(&["report", out.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{} is an incomplete run: ended before it finished", out.display())),
        "{err}"
    );
    assert!(!out.join("report.html").exists());
}

#[cfg(unix)]
#[test]
fn a_run_stopped_by_sigterm_is_reported_incomplete_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let child = started(tmp.path(), &out, 3);
    signal(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", text(&o.stderr));
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{said}{}", text(&o.stderr));
    assert!(said.contains("incomplete: stopped by a signal"), "{said}");
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let (rows, step) = job_line(&said);
    assert_eq!(rows, csv.lines().count() as u64 - 1, "{said}");
    let last = csv.lines().last().unwrap().split(',').nth(1).unwrap().parse::<u64>().unwrap();
    assert_eq!(step, last, "{said}");
    // Its report labels the flows by the last row cut short, not by the record interval.
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("STOS per last row, up to the stop"));
    // Its files are checked as a complete run's are: a row deleted since is damage (exit 2),
    // and no report is drawn from it (both read the shortened run as it stood).
    let mut lines: Vec<&str> = csv.lines().collect();
    lines.remove(2);
    std::fs::write(out.join("metrics.csv"), lines.join("\n") + "\n").unwrap();
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}{err}", text(&o.stdout));
    assert!(err.contains("says the run stopped with its rows merged, but it counts"), "{err}");
    let o = ergon(&["report", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}

/// A row of another length than the header, or a cell that is not what its column holds, is
/// malformed: `check-output` says where (exit 2) and `report` refuses the run by the same words.
#[test]
fn a_malformed_row_is_named_and_refused_by_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 3);
    let o = ergon(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let cells = csv.lines().next().unwrap().split(',').count();
    let short = |l: &str| l.rsplit_once(',').unwrap().0.to_owned();
    let not_a_count = |l: &str| l.replacen(',', ",x", 1);
    for (edit, says) in [
        (
            &short as &dyn Fn(&str) -> String,
            format!("metrics.csv:3: {} cells, the header has {cells}", cells - 1),
        ),
        (&not_a_count, "metrics.csv:3: column epoch: not a count".to_owned()),
    ] {
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        lines[2] = edit(&lines[2]);
        std::fs::write(out.join("metrics.csv"), lines.join("\n") + "\n").unwrap();
        let o = ergon(&["check-output", out.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&says), "{err}");
        let o = ergon(&["report", out.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&says) && err.contains("no report is drawn from it"), "{err}");
    }
}

/// A directory whose lock a run holds is still being written: `check-output` says so (exit 4)
/// rather than calling it killed, and `report` refuses it (exit 2).
#[test]
fn a_directory_a_run_holds_is_running() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("live");
    let o = ergon(&[
        "run",
        "stratos-small",
        "--epochs",
        "2e",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let held = std::fs::File::open(&out).unwrap();
    held.try_lock().unwrap();
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(4), "{said}");
    assert!(said.contains(": running: a run is writing it now"), "{said}");
    let o = ergon(&["report", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is in use by a run still going"), "{err}");
    drop(held);
    let o = ergon(&["check-output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}
