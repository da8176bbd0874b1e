//! `ergon run`, `ergon sweep` and `ergon check` end to end: a small scenario's outputs, byte
//! identity at 1 and 2 threads, overrides, refusals of a non-empty directory, and the corpus
//! of broken scenarios (each exits 2 with its message and writes nothing).

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text, tiny};

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_small_scenario_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 3);
    let o = ergon(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("tiny: 3 job(s), 864 epochs"), "{stdout}");
    assert!(stdout.contains("ozone_price_stos_per_oz"), "{stdout}");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "metrics.csv",
            "metrics.parquet",
            "nodes.csv",
            "nodes.parquet",
            "scenario.toml",
            "summary.json"
        ]
    );
    // 3 runs × (genesis + 288 / 72 = 4 rows).
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 5);
    assert!(lines[0].starts_with("run,epoch,day,ozone_price_stos_per_oz,s_stos,p_stos,l_oz"));
    let epochs: Vec<&str> = lines[1..6].iter().map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(epochs, ["0", "72", "144", "216", "288"]);
    assert!(lines[6].starts_with("1,0,0,"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["seed"], 11);
    assert_eq!(summary["rows"], 15);
    assert_eq!(summary["parameter_hash"].as_str().unwrap().len(), 64);
    let mined = &summary["points"][0]["final"]["total_mined_stos"];
    // 288 epochs of the first tier's 80 STOS, in every run.
    assert_eq!(mined["mean"], 23040.0);
    assert_eq!(mined["p5"], 23040.0);
    assert_eq!(mined["n"], 3);
    let resolved = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(resolved.contains("[agents.users]") && resolved.contains("count = 300"));
    // A second run into the same directory is refused; --force replaces.
    let o = ergon(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not empty"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("metrics.csv")).unwrap(), csv);
    // An earlier run's report there does not outlive it.
    std::fs::write(out.join("report.html"), "an earlier run's report").unwrap();
    let o = ergon(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--force",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out.join("metrics.csv")).unwrap(), csv);
    assert!(!out.join("report.html").exists());
}

#[test]
fn outputs_are_byte_identical_at_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path(), 3);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("t{threads}"));
        let o = ergon(&[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--threads",
            threads,
            "--runs",
            "4",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let files: Vec<Vec<u8>> = [
            "metrics.parquet",
            "metrics.csv",
            "nodes.parquet",
            "nodes.csv",
            "summary.json",
            "scenario.toml",
        ]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    // Parquet magic at both ends.
    assert_eq!(&outputs[0][0][..4], b"PAR1");
}

#[test]
fn command_line_overrides_and_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tiny(tmp.path(), 3);
    run_with_overrides(tmp.path(), &scenario);
    misspelt_set_path_is_refused(tmp.path(), &scenario);
    shipped_sweep_shortened(tmp.path());
    sweep_needs_a_sweep_table(tmp.path(), &scenario);
}

/// `--runs`, `--epochs`, `--seed` and `--set` override the scenario, in the summary and in the
/// resolved scenario written out.
fn run_with_overrides(tmp: &Path, scenario: &Path) {
    let out = tmp.join("o");
    let o = ergon(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--runs",
        "1",
        "--epochs",
        "1d",
        "--seed",
        "5",
        "--set",
        "agents.users.count=50",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!((summary["runs"].as_u64(), summary["epochs"].as_u64()), (Some(1), Some(144)));
    assert_eq!(summary["seed"], 5);
    assert!(summary["points"][0]["final"]["users"]["max"].as_f64().unwrap() >= 50.0);
    let resolved = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    assert!(resolved.contains("count = 50"), "{resolved}");
}

/// A misspelt `--set` path is refused with a suggestion, and nothing is written.
fn misspelt_set_path_is_refused(tmp: &Path, scenario: &Path) {
    let out2 = tmp.join("o2");
    let o = ergon(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
        "--set",
        "agents.users.cont=5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean `count`?"), "{}", text(&o.stderr));
    assert!(!out2.exists());
    // A value of the wrong type in the file is named by its field; an integer beyond TOML's
    // by what it is.
    let text_of = |extra: &str| {
        let path = tmp.join("typed.toml");
        let base = std::fs::read_to_string(scenario).unwrap();
        std::fs::write(&path, base.replace("[agents.users]\ncount = 300", extra)).unwrap();
        let o = ergon(&["check", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        text(&o.stderr)
    };
    let said = text_of("[agents.users]\ncount = -5");
    assert!(
        said.contains("typed.toml:")
            && said.contains(
                ":9: agents.users.count: must be a whole number from 0 to 10000000, not -5"
            ),
        "{said}"
    );
    let said = text_of("[agents.users]\ncount = 9223372036854775808");
    assert!(said.contains("agents.users.count: an integer beyond a scenario's integers"), "{said}");
}

/// The shipped sweep, shortened: 6 points, their columns, one row set per (point, run).
fn shipped_sweep_shortened(tmp: &Path) {
    let out3 = tmp.join("o3");
    let sweep = repo().join("scenarios/stratos-sweep.toml");
    let o = ergon(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--out",
        out3.to_str().unwrap(),
        "-q",
        "--epochs",
        "12",
        "--runs",
        "2",
        "--set",
        "agents.resource_nodes.count=20",
        "--set",
        "agents.delegators.count=10",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(out3.join("metrics.csv")).unwrap();
    assert!(csv.starts_with(
        "point,sweep_agents_users_count,sweep_economy_params_settle_threshold_bps,run,epoch,"
    ));
    assert_eq!(csv.lines().count(), 1 + 6 * 2 * 2);
    assert!(csv.lines().any(|l| l.starts_with("5,4000,10000,1,12,")), "{csv}");
}

/// `ergon sweep` needs a `[sweep]` table.
fn sweep_needs_a_sweep_table(tmp: &Path, scenario: &Path) {
    let o =
        ergon(&["sweep", scenario.to_str().unwrap(), "--out", tmp.join("o4").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn shipped_scenarios_are_valid() {
    let mut dirs = vec![repo().join("scenarios")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("bench/stratos-lite.toml")), "{files:?}");
    for path in files {
        let o = ergon(&["check", path.to_str().unwrap()]);
        assert!(o.status.success(), "{}: {}", path.display(), text(&o.stderr));
        assert!(text(&o.stdout).contains("valid"));
    }
    let o = ergon(&["scenarios"]);
    assert!(text(&o.stdout).contains("stratos-paper"));
}

#[test]
fn broken_scenarios_exit_2_with_their_message_and_write_nothing() {
    let dir = repo().join("tests/scenarios/broken");
    let tmp = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let expects: Vec<&str> = src.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expects.is_empty(), "{} has no `# expect:` line", path.display());
        let out = tmp.path().join(format!("out-{n}"));
        for args in [
            vec!["check", path.to_str().unwrap()],
            vec!["run", path.to_str().unwrap(), "--out", out.to_str().unwrap()],
        ] {
            let o = ergon(&args);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
            for e in &expects {
                assert!(err.contains(e), "{}: expected {e:?} in:\n{err}", path.display());
            }
            assert!(!err.contains("panicked"), "{err}");
        }
        assert!(!out.exists(), "{}: an output directory was created", path.display());
        n += 1;
    }
    assert!(n >= 14);
}

/// Ctrl-C (SIGINT) during a run: exit 130, the rows written so far merged into metrics.csv and
/// metrics.parquet, summary.json marked incomplete, no part files left behind.
#[cfg(unix)]
#[test]
fn ctrl_c_keeps_the_rows_written_marked_incomplete() {
    stopped_by_a_signal_keeps_the_rows_written("INT", 130);
}

/// SIGTERM and SIGHUP stop a run as Ctrl-C does, with exit 128 + the signal.
#[cfg(unix)]
#[test]
fn sigterm_and_sighup_keep_the_rows_written_marked_incomplete() {
    stopped_by_a_signal_keeps_the_rows_written("TERM", 143);
    stopped_by_a_signal_keeps_the_rows_written("HUP", 129);
}

#[cfg(unix)]
fn stopped_by_a_signal_keeps_the_rows_written(signal: &str, code: i32) {
    use std::time::{Duration, Instant};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let scenario = tiny(tmp.path(), 3);
    // Ten years, one run: far longer than the test waits.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ergon"))
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .args(["--runs", "1", "--epochs", "10y"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ergon starts");
    // Wait until rows have reached the run's part file, then interrupt.
    let part = out.join(".parts").join("job-0000000.csv");
    let started = Instant::now();
    while std::fs::read(&part).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count()) < 3 {
        assert!(started.elapsed() < Duration::from_secs(300), "no rows after 300 s");
        assert!(child.try_wait().unwrap().is_none(), "ergon ended before it was interrupted");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    let kill =
        Command::new("kill").args([&format!("-{signal}"), &pid]).status().expect("kill runs");
    assert!(kill.success());
    let o = child.wait_with_output().expect("ergon ends");
    assert_eq!(o.status.code(), Some(code), "SIG{signal}: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("interrupted"), "{}", text(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], false);
    let rows = summary["rows"].as_u64().unwrap();
    // At least the rows seen before the interrupt; far fewer than ten years of 72-epoch rows.
    assert!((3..1 + 525_600 / 72).contains(&rows), "{rows} rows");
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count() as u64, 1 + rows);
    assert!(std::fs::metadata(out.join("metrics.parquet")).unwrap().len() > 0);
    assert!(!out.join(".parts").exists(), "part files left behind");
}

/// The shipped Marlin sweep runs its three α points, and at the year's end the relayers' node
/// share rises with α (they put about α of their resources in nodes), and so do the nodes.
#[test]
fn marlin_sweep_node_share_follows_alpha() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let sweep = repo().join("scenarios/marlin-sweep.toml");
    let o = ergon(&["sweep", sweep.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (alpha, day, share, nodes) =
        (col("sweep_economy_params_alpha"), col("day"), col("node_share_mean"), col("nodes"));
    let last: Vec<(String, f64, u64)> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[day] == "365")
        .map(|f| (f[alpha].to_owned(), f[share].parse().unwrap(), f[nodes].parse().unwrap()))
        .collect();
    let alphas: Vec<&str> = last.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(alphas, ["0.3", "0.5", "0.7"]);
    assert!(last[0].1 < last[1].1 && last[1].1 < last[2].1, "{last:?}");
    assert!(last[0].2 < last[1].2 && last[1].2 < last[2].2, "{last:?}");
    // About α of the resources in nodes where the relayers reach their target.
    assert!((last[0].1 - 0.3).abs() < 0.05 && (last[1].1 - 0.5).abs() < 0.05, "{last:?}");
}

/// A scenario file is read only up to its limit (4 MiB): a larger one, or an endless one, is
/// refused with the limit named, before anything is held whole.
#[test]
fn an_oversized_scenario_file_is_refused_with_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(4 << 20))).unwrap();
    for path in [big.to_str().unwrap(), "/dev/zero"] {
        let o = ergon(&["check", path]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains("is larger than 4194304 bytes, the limit"), "{path}: {err}");
    }
}

/// `--threads 0` is a usage error naming the value, not a silent default.
#[test]
fn zero_threads_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = ergon(&["run", "--threads", "0", "--epochs", "1", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("invalid value '0' for '--threads"), "{}", text(&o.stderr));
    assert!(!out.exists());
}

/// `ergon check` builds every run's genesis as the run would: a draw the economy refuses is
/// found there, naming the scenario field, and the run refuses it the same way before writing.
#[test]
fn check_finds_a_genesis_the_economy_refuses_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Balances drawn from normal(1, 10^9 STOS): the first user's draw alone passes the STOS cap.
    let set = r#"agents.users.balance={ dist = "normal", mean = 1, sd = 1000000000 }"#;
    for args in [
        vec!["check", "stratos-paper", "--set", set],
        vec!["run", "stratos-paper", "--epochs", "1", "--set", set, "--out", out.to_str().unwrap()],
    ] {
        let o = ergon(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("cap_exceeded: agents.users.balance: the draw for u0: minting"),
            "{err}"
        );
    }
    assert!(!out.exists());
}

/// A value from `--epochs`, `--runs` or `--seed` is blamed on the flag the user typed, and
/// `ergon sweep` without a scenario sweeps the shipped grid.
#[test]
fn flags_are_named_as_typed_and_sweep_has_a_default() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = ergon(&["run", "--epochs", "0", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("--epochs 0: scenario.duration: 0 is 0 epochs"),
        "{}",
        text(&o.stderr)
    );
    let o = ergon(&["run", "--runs", "0", "--out", out.to_str().unwrap()]);
    let want = "invalid value '0' for '--runs <RUNS>': must be a whole number from 1 to 100000";
    assert!(text(&o.stderr).contains(want), "{}", text(&o.stderr));
    assert!(!out.exists());
    // An option and a --set of its field: refused, naming both (neither silently wins).
    let o = ergon(&["run", "--epochs", "5d", "--set", "scenario.duration=\"0d\"", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let want = "--epochs 5d and --set scenario.duration=\"0d\" both set scenario.duration";
    assert!(text(&o.stderr).contains(want), "{}", text(&o.stderr));
    // Text --epochs is passed on as a TOML string: a character Rust would escape arrives whole
    // (it read as the text of its escape, quoted twice in the message).
    let o = ergon(&["run", "--epochs", "\u{202e}2", "-q"]);
    assert!(
        text(&o.stderr).contains(r#"scenario.duration: "\u{202e}2" is not a duration"#),
        "{}",
        text(&o.stderr)
    );
    let o = ergon(&["run", "--epochs", "18446744073709551616", "-q"]);
    let want = r#""18446744073709551616" is more epochs than a run can have (1 to 100000000)"#;
    assert!(text(&o.stderr).contains(want), "{}", text(&o.stderr));
    let whole = r#"scenario={name="s", economy="stratos", duration="2"}"#;
    let o = ergon(&["run", "--epochs", "1", "--set", whole, "-q"]);
    assert!(text(&o.stderr).contains("both set scenario.duration"), "{}", text(&o.stderr));
    let o = ergon(&["run", "--seed", "5", "--set", "scenario.seed=7", "-q"]);
    assert!(text(&o.stderr).contains("--seed 5 and --set scenario.seed=7"), "{}", text(&o.stderr));
    let o = ergon(&["sweep", "--epochs", "1", "--runs", "1", "--out", out.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("stratos-sweep"), "{summary}");
}

/// `ergon check` prints the expected peak memory; `ergon run` refuses a run expected to need
/// more than the machine has (10^6 users gaining 10^8 a year for 10 years) and creates nothing.
#[cfg(target_os = "linux")]
#[test]
fn memory_is_estimated_and_a_run_past_the_machine_refused() {
    let o = ergon(&["check", "stratos-paper"]);
    // 64 MiB + (1,000 + 2 a day × 365 joined) nodes × 910 B + 10,000 users × 1.5 (a year's
    // growth) × 81 B + 2,000 delegators × 200 B = 64 MiB + 3,189,300 B = 67.04 MiB, rounded up.
    assert!(
        text(&o.stdout).contains("expected peak memory: ≈ 68 MiB a run"),
        "{}",
        text(&o.stdout)
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // 10^6 users arriving at 100 × 10^6 a year for 10 years: about 10^9 users × 81 B, some
    // 77,400 MiB.
    let o = ergon(&[
        "run",
        "--set",
        "agents.users.count=1000000",
        "--set",
        "agents.users.balance=1",
        "--set",
        "agents.users.growth_per_year=100",
        "--epochs",
        "10y",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("more than this machine's"), "{}", text(&o.stderr));
    assert!(!out.exists());
}

/// `ergon check` prints the estimates of shipped scenarios of each economy.
#[test]
fn check_prints_each_economys_memory_estimate() {
    // stratos-schedule (68.8 years, 25,113.3 days): 64 MiB + (100 + 0.02 × 25,113.3) nodes ×
    // 910 + 500 × (1 + 0.6 × 25,113.3/365) users × 81 + 50 delegators × 200 = 69,379,356 B =
    // 66.2 MiB, rounded up (users arrive at count × growth a year; compounding them gave
    // 4.3·10^12 MiB and refused the run).
    let o = ergon(&["check", "stratos-schedule"]);
    assert!(
        text(&o.stdout).contains("expected peak memory: ≈ 67 MiB a run"),
        "{}",
        text(&o.stdout)
    );
    // marlin-paper: 16 MiB + 20 relayers × 800 + 550 accounts × 900 + 5 producers × (900 + 20
    // × 280) = 17,320,716 B = 16.5 MiB, rounded up. phala-khala: 16 MiB + 1,000 workers × 520
    // + 100 pools × 300 + 2,000 delegators × 240 = 17,807,216 B = 16.98 MiB. trias-paper (a
    // week, compare): 16 MiB + 1.8 × (440 nodes × 450 + 240 receivers × 480 + 210 attesters
    // × 439 pairs × 90) = 32,275,756 B = 30.8 MiB.
    for (scenario, mib) in [("marlin-paper", 17), ("phala-khala", 17), ("trias-paper", 31)] {
        let o = ergon(&["check", scenario]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let expected = format!("expected peak memory: ≈ {mib} MiB a run");
        assert!(text(&o.stdout).contains(&expected), "{scenario}: {}", text(&o.stdout));
    }
}

/// Agents that the economy cannot hold are refused naming the scenario field and the agent:
/// a draw from a tail too heavy for the token, a receiver without a fee or the PONDs to
/// prepay its months.
#[test]
fn agents_the_economy_cannot_hold_are_refused_by_field() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "marlin-paper",
            "agents.relayers.budget={dist='pareto',scale=1e-10,shape=0.01}",
            "agents.relayers.budget: relayer",
        ),
        ("marlin-paper", "agents.receivers.fee=0", "agents.receivers.fee: a paper receiver"),
        ("marlin-paper", "agents.receivers.balance=0", "agents.receivers.balance: 0 POND cannot"),
        (
            "phala-paper",
            "agents.delegators.amount={dist='lognormal',median=1e30,sigma=1}",
            "agents.delegators.amount: delegator0 drew",
        ),
    ];
    for (scenario, set, expect) in cases {
        let o = ergon(&["check", scenario, "--set", set]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expect), "expected {expect:?} in: {err}");
    }
}

/// A forced run whose outputs cannot all be put in place (here a directory holds
/// summary.json's name) moves none of them: the directory keeps the earlier run's files, byte
/// for byte, and no parts are left behind (exit 2).
#[test]
fn a_forced_run_that_cannot_write_every_output_changes_none() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = out.to_str().unwrap();
    let first = ergon(&["run", "phala-khala", "-q", "--seed", "7", "--epochs", "1d", "--out", dir]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    std::fs::remove_file(out.join("summary.json")).unwrap();
    std::fs::create_dir(out.join("summary.json")).unwrap();
    let files = ["metrics.csv", "metrics.parquet", "nodes.csv", "nodes.parquet", "scenario.toml"];
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
    let args =
        ["run", "phala-khala", "-q", "--seed", "8", "--epochs", "2d", "--out", dir, "--force"];
    let o = ergon(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("summary.json"), "{}", text(&o.stderr));
    for (f, b) in files.iter().zip(&before) {
        assert!(std::fs::read(out.join(f)).unwrap() == *b, "{f} changed");
    }
    assert!(!out.join(".parts").exists(), "parts left behind");
}
