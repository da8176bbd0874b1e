//! `ergon replay` end to end: every shipped vector passes `--expect`; differences exit 1 naming
//! the line; malformed input exits 2 naming the line and leaves no output file behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ergon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ergon")).args(args).output().expect("the ergon binary runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("temp file");
    p.to_string_lossy().into_owned()
}

const GENESIS: &str = r#"{"op":"genesis","economy":"stratos","profile":"paper","ozone_limit":"1000","accounts":{"a":"10","n":"100"},"resource_nodes":[{"name":"n","deposit":"100"}]}"#;

#[test]
fn every_shipped_vector_matches_its_expected_output() {
    let mut checked = 0;
    let root = repo().join("tests/vectors");
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("vectors dir") {
            let path = entry.expect("entry").path();
            let name = path.to_string_lossy().into_owned();
            if path.is_dir() {
                // The toy is a test economy, not one of the program's: ergon-testkit replays it.
                let unlisted = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n == "toy" || !ergon_registry::replay_registry().iter().any(|&(e, _)| e == n)
                });
                if !unlisted {
                    dirs.push(path);
                }
            } else if name.ends_with(".jsonl") && !name.ends_with(".expected.jsonl") {
                let expected = name.replace(".jsonl", ".expected.jsonl");
                assert!(Path::new(&expected).exists(), "{name} has no {expected}");
                let o = ergon(&["replay", &name, "--expect", &expected]);
                assert!(o.status.success(), "{name}: {}", stderr(&o));
                checked += 1;
            }
        }
    }
    assert!(checked >= 1, "no replay vectors found");
}

/// The seed's settlement vector: its input's path and its expected file's text.
fn seed_settlement() -> (PathBuf, String) {
    let input = repo().join("tests/vectors/stratos/seed-settlement.jsonl");
    let expected = std::fs::read_to_string(
        repo().join("tests/vectors/stratos/seed-settlement.expected.jsonl"),
    )
    .expect("the seed's settlement vector");
    (input, expected)
}

#[test]
fn a_difference_exits_1_and_shows_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let (input, expected) = seed_settlement();
    let tampered = expected.replace(r#"["n1","30"]"#, r#"["n1","31"]"#);
    assert_ne!(tampered, expected);
    let exp = write(dir.path(), "tampered.expected.jsonl", &tampered);
    let o = ergon(&["replay", input.to_str().unwrap(), "--expect", &exp]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("at output line 9 (input line 15)"), "{err}");
    assert!(err.contains("expected: ") && err.contains(r#"["n1","31"]"#), "{err}");
    assert!(err.contains("actual:   ") && err.contains(r#"["n1","30"]"#), "{err}");
    // An expected file is read as the input is: a byte-order mark at its head is no
    // difference, and bytes that are not UTF-8 are named by their line.
    let bom = dir.path().join("bom.expected.jsonl");
    std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), expected.as_bytes()].concat()).unwrap();
    let o = ergon(&["replay", input.to_str().unwrap(), "--expect", bom.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first_two: String = expected.lines().take(2).map(|l| format!("{l}\n")).collect();
    let bad = dir.path().join("bad.expected.jsonl");
    std::fs::write(&bad, [first_two.as_bytes(), b"\xFF\xFE\n"].concat()).unwrap();
    let o = ergon(&["replay", input.to_str().unwrap(), "--expect", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 3: not valid UTF-8"), "{}", stderr(&o));
}

#[test]
fn an_expected_line_that_is_not_one_json_object_is_bad_input() {
    // The expected file is read as strictly as the input: a line naming a key twice, or not
    // JSON at all, is a broken file (exit 2, naming the line), not a match or a difference.
    let dir = tempfile::tempdir().unwrap();
    let (input, expected) = seed_settlement();
    let first = expected.lines().next().unwrap();
    let cases = [
        (
            first.replacen(r#""ok":true"#, r#""ok":false,"ok":true"#, 1),
            "the key \"ok\" appears twice",
        ),
        (format!("x{first}"), "not valid JSON"),
        ("[1]".to_owned(), "expected a JSON object"),
    ];
    for (i, (line, why)) in cases.iter().enumerate() {
        assert_ne!(line, first);
        let text = expected.replacen(first, line, 1);
        let exp = write(
            dir.path(),
            &format!("broken{i}.expected.jsonl"),
            &format!("# a comment\n{text}"),
        );
        let o = ergon(&["replay", input.to_str().unwrap(), "--expect", &exp]);
        assert_eq!(o.status.code(), Some(2), "case {i}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("broken{i}.expected.jsonl: line 2: ")), "case {i}: {err}");
        assert!(err.contains(why), "case {i}: {err}");
    }
}

#[test]
fn malformed_lines_exit_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (format!("{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\"\n"), "line 2: not valid JSON"),
        (format!("{GENESIS}\n[1,2]\n"), "line 2: expected a JSON object"),
        (format!("{GENESIS}\n{{\"from\":\"a\"}}\n"), "line 2: missing \"op\""),
        (
            format!("{GENESIS}\n{{\"op\":\"frobnicate\"}}\n"),
            "line 2: op \"frobnicate\": unknown op, expected one of `open`, `transfer`",
        ),
        (
            // The replay's own ops are listed too, and a near one suggested.
            format!("{GENESIS}\n{{\"op\":\"end_epok\"}}\n"),
            "`end_epoch`, `advance`, `query`; did you mean `end_epoch`?",
        ),
        (
            format!(
                "{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\",\"to\":\"a\",\"amount\":\"-1\"}}\n"
            ),
            "line 2: op \"transfer\": amount: invalid amount \"-1\"",
        ),
        (
            format!(
                "{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\",\"to\":7,\"amount\":\"1\"}}\n"
            ),
            "line 2: op \"transfer\": to: invalid type: integer `7`",
        ),
        (
            format!(
                "{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\",\"to\":\"a\",\"amount\":\"1\",\"extra\":1}}\n"
            ),
            "unknown field `extra`",
        ),
        (
            format!("{GENESIS}\n{{\"op\":\"advance\",\"epochs\":0}}\n"),
            "line 2: \"advance\" needs \"epochs\"",
        ),
        (
            format!("{GENESIS}\n{{\"op\":\"query\",\"path\":\"/nope\"}}\n"),
            "line 2: query path \"/nope\" names nothing",
        ),
        (format!("{GENESIS}\n{GENESIS}\n"), "line 2: a second genesis line"),
        ("{\"op\":\"end_epoch\"}\n".to_owned(), "line 1: \"end_epoch\" before the genesis line"),
        (
            "{\"op\":\"genesis\",\"economy\":\"nope\"}\n".to_owned(),
            "line 1: unknown economy \"nope\"; known economies: stratos, marlin",
        ),
        (
            "{\"op\":\"genesis\",\"economy\":\"stratos\",\"cap\":\"1\"}\n".to_owned(),
            "line 1: invalid genesis: unknown field `cap`",
        ),
        (
            // A record written as a list would be read field by field in order.
            "{\"op\":\"genesis\",\"economy\":\"marlin\",\"accounts\":{\"s\":[\"300\",\"2\"]}}\n"
                .to_owned(),
            "line 1: invalid genesis: accounts.s: invalid type: sequence, expected an object",
        ),
        (
            "{\"op\":\"genesis\",\"economy\":\"stratos\",\"validators\":[[\"v0\",\"200\"]]}\n"
                .to_owned(),
            "line 1: invalid genesis: validators[0]: invalid type: sequence, expected an object",
        ),
        (
            // An amount the token cannot hold names its field, in every economy.
            "{\"op\":\"genesis\",\"economy\":\"marlin\",\"accounts\":{\"a\":{\"pond\":\"1\"},\"b\":{\"pond\":\"1.0000000000000000001\"}}}\n"
                .to_owned(),
            "line 1: genesis rejected: too_many_decimals: accounts.b.pond: amount",
        ),
        (
            "{\"op\":\"genesis\",\"economy\":\"marlin\",\"profile\":\"deployed\",\"reward_per_epoch\":\"0.0000000000000000001\"}\n"
                .to_owned(),
            "genesis rejected: too_many_decimals: reward_per_epoch: amount",
        ),
        (
            "{\"op\":\"genesis\",\"economy\":\"phala\",\"accounts\":{\"a\":\"1\",\"b\":\"1.0000000000001\"}}\n"
                .to_owned(),
            "genesis rejected: too_many_decimals: accounts.b: amount",
        ),
        (
            "{\"op\":\"genesis\",\"economy\":\"stratos\",\"params\":{\"resource_node_min_deposit\":\"340282366920938463464\"}}\n"
                .to_owned(),
            "genesis rejected: invalid_amount: resource_node_min_deposit: invalid amount",
        ),
        ("# only a comment\n\n".to_owned(), "no genesis line"),
        (
            format!(
                "{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\",\"from\":\"n\",\"to\":\"a\",\"amount\":\"1\"}}\n"
            ),
            "line 2: not valid JSON: the key \"from\" appears twice",
        ),
        (
            format!("{GENESIS}\n{{\"op\":\"advance\",\"epochs\":18446744073709551616}}\n"),
            "line 2: the integer 18446744073709551616 is outside the range of a JSON number",
        ),
        (
            format!("{GENESIS}\n{}\n", "x".repeat((1 << 20) + 1)),
            "line 2: longer than 1048576 bytes",
        ),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let input = write(dir.path(), &format!("bad{i}.jsonl"), text);
        let out = dir.path().join(format!("out{i}.jsonl"));
        let o = ergon(&["replay", &input, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "case {i}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "case {i}: wanted {message:?} in {}", stderr(&o));
        assert!(!out.exists(), "case {i}: no output file may be left behind");
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".tmp-"))
            .count();
        assert_eq!(leftovers, 0, "case {i}: no temporary file may be left behind");
    }
}

#[test]
fn an_amount_the_token_cannot_hold_is_a_rejection_however_many_digits_it_has() {
    // Each whole part fits 128 bits: too many decimals or too many base units is the token's
    // rejection (exit 0), whether or not all the digits written would fit 128 bits.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("340282366920938463463.5", "invalid_amount"),
        ("340282366920938463463.374607431768211456", "invalid_amount"),
        ("0.0000000000000000001", "too_many_decimals"),
        ("0.000000000000000000000000000000000000001", "too_many_decimals"),
        ("1.00000000000000000000000000000000000000000000000001", "too_many_decimals"),
    ];
    let lines: String = cases
        .iter()
        .map(|(amount, _)| {
            format!("{{\"op\":\"transfer\",\"from\":\"a\",\"to\":\"n\",\"amount\":\"{amount}\"}}\n")
        })
        .collect();
    let input = write(dir.path(), "amounts.jsonl", &format!("{GENESIS}\n{lines}"));
    let o = ergon(&["replay", &input]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let results: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(results.len(), cases.len(), "{out}");
    for ((amount, code), line) in cases.iter().zip(results) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["ok"], false, "{amount}: {line}");
        assert_eq!(v["code"], *code, "{amount}: {line}");
        assert!(v["message"].as_str().unwrap().contains(amount), "{amount}: {line}");
    }
    // A whole part past 2^128 − 1 is no amount at all: a malformed line.
    let whole = "340282366920938463463374607431768211456";
    let input = write(
        dir.path(),
        "whole.jsonl",
        &format!(
            "{GENESIS}\n{{\"op\":\"transfer\",\"from\":\"a\",\"to\":\"n\",\"amount\":\"{whole}.5\"}}\n"
        ),
    );
    let o = ergon(&["replay", &input]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("line 2: op \"transfer\": amount: invalid amount"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("whole part too large for 128 bits"), "{}", stderr(&o));
}

#[test]
fn a_failed_replay_keeps_the_previous_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "previous\n").unwrap();
    let input = write(dir.path(), "bad.jsonl", &format!("{GENESIS}\nnot json\n"));
    let o = ergon(&["replay", &input, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    let good = write(dir.path(), "good.jsonl", &format!("{GENESIS}\n{{\"op\":\"end_epoch\"}}\n"));
    let with_state = |state: &Path| {
        let (out, state) = (out.to_str().unwrap(), state.to_str().unwrap());
        ergon(&["replay", &good, "--out", out, "--state", state])
    };
    let state = dir.path().join("state.json");
    let o = with_state(&state);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), 2);
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(state["epoch"], 1);
    assert_eq!(state["accounts"]["n"]["locked_rewards"], "16", "the node's share of 80 STOS mined");
    // A state that cannot be written (its name is a directory) leaves the output as it was:
    // both are written before either is put in place.
    std::fs::write(&out, "previous\n").unwrap();
    let taken = dir.path().join("a-directory");
    std::fs::create_dir(&taken).unwrap();
    let o = with_state(&taken);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
}

#[test]
fn a_missing_report_directory_and_usage_errors_exit_2() {
    let o = ergon(&["report", "no-such-dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-dir: no such directory"), "{}", stderr(&o));
    let o = ergon(&["--version"]);
    assert!(o.status.success());
    let v = String::from_utf8_lossy(&o.stdout);
    assert!(v.starts_with(&format!("ergon {} (commit ", env!("CARGO_PKG_VERSION"))), "{v}");
    let o = ergon(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn an_output_naming_the_input_or_another_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = write(dir.path(), "in.jsonl", &format!("{GENESIS}\n"));
    let expect = write(dir.path(), "e.jsonl", "{}\n");
    let out = dir.path().join("o.jsonl").to_string_lossy().into_owned();
    // A file not there yet, spelt another way: through `.`, and through a link to its
    // directory.
    let dotted = dir.path().join(".").join("o.jsonl").to_string_lossy().into_owned();
    let real = dir.path().join("real");
    std::fs::create_dir(&real).expect("dir");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&real, dir.path().join("link")).expect("link");
    let in_real = real.join("a.jsonl").to_string_lossy().into_owned();
    let in_link = dir.path().join("link").join("a.jsonl").to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 6] = [
        (&["--out", &input], "--out"),
        (&["--state", &input], "--state"),
        (&["--expect", &expect, "--state", &expect], "--state"),
        (&["--out", &out, "--state", &out], "--state"),
        (&["--out", &out, "--state", &dotted], "--state"),
        (&["--out", &in_link, "--state", &in_real], "--state"),
    ];
    for (flags, flag) in cases {
        let mut args = vec!["replay", input.as_str()];
        args.extend_from_slice(flags);
        let o = ergon(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(&format!("{flag} ")), "{}", stderr(&o));
        assert!(stderr(&o).contains("would be overwritten"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read_to_string(&input).expect("input"), format!("{GENESIS}\n"));
    assert_eq!(std::fs::read_to_string(&expect).expect("expected"), "{}\n");
    assert!(!Path::new(&out).exists());
    assert!(!Path::new(&in_real).exists());
}

#[test]
fn names_no_one_could_write_back_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Accounts named at genesis: the genesis is refused (exit 2), naming the field and value.
    let geneses = [
        (
            r#"{"op":"genesis","economy":"stratos","profile":"paper","ozone_limit":"1000","accounts":{"":"10","n":"100"},"resource_nodes":[{"name":"n","deposit":"100"}]}"#,
            r#"account name = "": a name must not be empty"#,
        ),
        (
            r#"{"op":"genesis","economy":"marlin","accounts":{"":{"mpond":"10"}}}"#,
            r#"account name = "": a name must not be empty"#,
        ),
        (
            r#"{"op":"genesis","economy":"phala","profile":"khala","params":"gk_test","subsidy_pool":"1000","accounts":{"op\n1":"10"}}"#,
            r#"account name = "op\n1": a name must not hold control characters"#,
        ),
    ];
    for (i, (genesis, message)) in geneses.iter().enumerate() {
        let input = write(dir.path(), &format!("g{i}.jsonl"), &format!("{genesis}\n"));
        let o = ergon(&["replay", &input]);
        assert_eq!(o.status.code(), Some(2), "case {i}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "case {i}: wanted {message:?} in {}", stderr(&o));
    }
    // Workers, pools, vaults and nodes named later: the operation is refused, the replay goes on.
    let ops = [
        concat!(
            r#"{"op":"genesis","economy":"phala","profile":"khala","params":"gk_test","subsidy_pool":"1000","accounts":{"op1":"10"}}"#,
            "\n",
            r#"{"op":"register","worker":"","owner":"op1","confidence_level":2,"score":100}"#,
        ),
        concat!(
            r#"{"op":"genesis","economy":"phala","profile":"khala","params":"gk_test","subsidy_pool":"1000","accounts":{"a1":"10"}}"#,
            "\n",
            r#"{"op":"create_pool","pool":"P\n0","owner":"a1","commission_ppm":0}"#,
        ),
        concat!(
            r#"{"op":"genesis","economy":"phala","profile":"khala","params":"gk_test","subsidy_pool":"1000","accounts":{"a1":"10"}}"#,
            "\n",
            r#"{"op":"create_vault","vault":"","owner":"a1","commission_ppm":0}"#,
        ),
        concat!(
            r#"{"op":"genesis","economy":"trias","decimals":0,"cap":"1000","epoch_reward":"10","steps_per_epoch":4,"window":4,"beacon":"0700000000000000000000000000000000000000000000000000000000000000"}"#,
            "\n",
            r#"{"op":"register_node","node":"N\t0","tee":"SGX","seed":true}"#,
        ),
    ];
    for (i, text) in ops.iter().enumerate() {
        let input = write(dir.path(), &format!("o{i}.jsonl"), &format!("{text}\n"));
        let o = ergon(&["replay", &input]);
        assert_eq!(o.status.code(), Some(0), "case {i}: {}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        let second = out.lines().nth(1).unwrap_or_default();
        assert!(
            second.contains(r#""ok":false"#) && second.contains("invalid_parameter"),
            "case {i}: {second}"
        );
    }
}

/// A reader that goes away (`ergon replay … | head`) ends the replay with 141, as SIGPIPE
/// would, without a panic; a full disk is exit 2, named.
#[cfg(unix)]
#[test]
fn a_closed_or_full_standard_output_is_no_panic() {
    use std::io::Read as _;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let queries = "{\"op\":\"query\"}\n".repeat(20_000);
    let input = write(dir.path(), "q.jsonl", &format!("{GENESIS}\n{queries}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ergon"))
        .args(["replay", &input])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ergon binary runs");
    let mut first = [0u8; 10];
    child.stdout.take().expect("stdout").read_exact(&mut first).expect("the first bytes");
    // The pipe's reader is dropped: the rest of the output has nowhere to go.
    let out = child.wait_with_output().expect("ergon ends");
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    if let Some(out) = into_full(&["scenarios"], true) {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("cannot write to standard output"), "{}", stderr(&out));
    }
    // Help and the version go the same way (clap's own printing lost them with exit 0).
    for args in [&["--version"][..], &["--help"], &["run", "--help"]] {
        let Some(out) = into_full(args, true) else { break };
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    // A standard error that cannot be written loses its lines, not the exit code (a panic, 101):
    // a refused scenario stays 2, a replay that matches its expectation 0.
    let vector = repo().join("tests/vectors/stratos/seed-settlement.jsonl");
    let expected = repo().join("tests/vectors/stratos/seed-settlement.expected.jsonl");
    let cases: [(&[&str], i32); 2] = [
        (&["check", "marlin-paper", "--set", "x=1"], 2),
        (&["replay", vector.to_str().unwrap(), "--expect", expected.to_str().unwrap()], 0),
    ];
    for (args, code) in cases {
        let Some(out) = into_full(args, false) else { break };
        assert_eq!(out.status.code(), Some(code), "{args:?}");
    }
}

/// `ergon args` with its standard output (`stdout`) or its standard error on `/dev/full`, a
/// device every write to fails; none where the system has no such device.
fn into_full(args: &[&str], stdout: bool) -> Option<std::process::Output> {
    let full = std::fs::File::create("/dev/full").ok()?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_ergon"));
    command.args(args);
    if stdout {
        command.stdout(full);
    } else {
        command.stderr(full);
    }
    Some(command.output().expect("the ergon binary runs"))
}
