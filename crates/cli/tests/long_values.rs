//! A long value is shown cut in every message, as a scenario's problems show it: its first
//! characters and its length, the field still named. A value of 100,000 characters (or a replay
//! line's of 900,000) made a message of that size.

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion, helpers included

mod common;

use common::{ergon, text};

/// The most bytes a message about one long value may take.
const MESSAGE_BYTES: usize = 1_000;

/// The errors of `ergon ARGS`, which must refuse them (exit 2) in at most [`MESSAGE_BYTES`],
/// saying each of `want` (the field, the value's start, its length).
fn refused_short(args: &[&str], want: &[&str]) -> String {
    let o = ergon(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", &err[..err.len().min(400)]);
    assert!(err.len() <= MESSAGE_BYTES, "{} bytes: {}", err.len(), &err[..400]);
    for w in want {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    err
}

const GENESIS: &str = r#"{"op":"genesis","economy":"stratos","profile":"paper","ozone_limit":"1000","accounts":{"alice":"1000","n1":"100"},"resource_nodes":[{"name":"n1","deposit":"100"}]}"#;

/// A replay line's amount, query path or op of 900,000 characters or more: the line and what is
/// wrong are named, the value cut.
#[test]
fn a_replay_line_s_long_value_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let digits = "1".repeat(900_000);
    let cases = [
        (
            format!(r#"{{"op":"transfer","from":"alice","to":"n1","amount":"{digits}"}}"#),
            vec![
                "amount: invalid amount \"1111111111",
                "…(900000 characters)\": whole part too large",
            ],
        ),
        (
            format!(r#"{{"op":"query","path":"/{}"}}"#, "a".repeat(1_000_000)),
            vec!["line 2: query path \"/aaaaaaaa", "…(1000001 characters)\" names nothing"],
        ),
        (
            format!(r#"{{"op":"frob{}"}}"#, "x".repeat(900_000)),
            vec!["line 2: op \"frobxxxx", "…(900004 characters)\": unknown op"],
        ),
    ];
    for (line, want) in cases {
        let path = tmp.path().join("in.jsonl");
        std::fs::write(&path, format!("{GENESIS}\n{line}\n")).unwrap();
        let err = refused_short(&["replay", path.to_str().unwrap()], &want);
        // The file's name is shown whole.
        assert!(err.starts_with(&format!("error: {}: line 2: ", path.display())), "{err}");
    }
}

/// An unknown economy of 100,000 characters, refused before the scenario's other problems.
#[test]
fn a_long_unknown_economy_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("econ.toml");
    let toml = format!("[scenario]\nname='x'\neconomy='{}'\nduration='1d'\n", "x".repeat(100_000));
    std::fs::write(&path, toml).unwrap();
    refused_short(
        &["check", path.to_str().unwrap()],
        &["econ.toml:3:9: scenario.economy: unknown economy \"xxxx", "…(100000 characters)\""],
    );
}

/// `--epochs`, `--checkpoint-every`, `--set` beside an option, and a value clap refuses: each
/// long value cut, the option named; `--checkpoint-every`'s value shown once.
#[test]
fn a_long_option_value_is_cut() {
    let long = "x".repeat(100_000);
    let cut = "…(100000 characters)";
    let err = refused_short(
        &["run", "stratos-small", "--epochs", &long, "-q"],
        &["--epochs xxxxxxxx", &format!("{cut}: scenario.duration: \"xxx")],
    );
    assert_eq!(err.matches(cut).count(), 2, "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let err = refused_short(
        &["run", "stratos-small", "--checkpoint-every", &long, "--out", o, "-q"],
        &["--checkpoint-every: \"xxxxxxxx", &format!("{cut}\" is not a duration")],
    );
    assert_eq!(err.matches(cut).count(), 1, "{err}");
    assert!(!out.exists());
    refused_short(
        &["run", "--epochs", "5d", "--set", &format!("scenario.duration={long}"), "-q"],
        &["--epochs 5d and --set scenario.duration=xxxx", cut],
    );
    refused_short(&["run", "--runs", &long], &["invalid value 'xxxx", cut, "'--runs <RUNS>'"]);
}
