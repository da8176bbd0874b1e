//! Every command the README and the pages under docs/ show in their shell blocks, run, so the
//! docs cannot drift from the tool. A file's commands run in order in one directory of their
//! own (so `ergon report DIR` reads what an `ergon sweep --out DIR` before it wrote), where
//! `scenarios/` and `tests/` are the repository's; each must exit 0.
//!
//! Runs are shortened to stay seconds long: `--epochs` becomes [`EPOCHS`] (added where the
//! command has none) and `--runs` at most [`RUNS_MAX`]; the rest of the command is as written.
//! The docs' placeholders stand for real files: [`PLACEHOLDERS`].

#![allow(clippy::unwrap_used)] // a test crate: unwrap is the assertion

use std::path::{Path, PathBuf};
use std::process::Command;

/// The duration every shortened run or sweep gets.
const EPOCHS: &str = "6e";
/// The most Monte Carlo runs a shortened command keeps (two, so the report draws its bands).
const RUNS_MAX: u32 = 2;
/// Names the docs use for "your file", and the shipped file each stands for here.
const PLACEHOLDERS: [(&str, &str); 3] = [
    ("my-scenario.toml", "scenarios/stratos-small.toml"),
    ("NAME.jsonl", "tests/vectors/stratos/seed-settlement.jsonl"),
    ("NAME.expected.jsonl", "tests/vectors/stratos/seed-settlement.expected.jsonl"),
];
/// The fences whose lines are commands.
const SHELL_FENCES: [&str; 4] = ["sh", "bash", "shell", "console"];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One command as the docs show it.
struct Example {
    file: String,
    line: usize,
    words: Vec<String>,
}

/// The `ergon` commands (and `cargo run --release -- …`, the same binary) of `text`'s shell
/// blocks, comments after ` #` dropped.
fn examples(file: &str, text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            fence = if fence.is_some() { None } else { Some(lang.trim().to_owned()) };
            continue;
        }
        if !fence.as_deref().is_some_and(|lang| SHELL_FENCES.contains(&lang)) {
            continue;
        }
        let command = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        let command = command.split(" #").next().unwrap_or_default().trim();
        let args = if let Some(rest) = command.strip_prefix("ergon ") {
            rest
        } else if let Some(rest) = command.strip_prefix("cargo run --release -- ") {
            rest
        } else if command == "cargo run --release" {
            ""
        } else {
            continue;
        };
        assert!(
            !args.contains(['"', '\'', '$', '|', '>', '<', '`']),
            "{file}:{}: the docs test splits commands at spaces only; quote-free commands, please: {command}",
            i + 1
        );
        let words = args.split_whitespace().map(str::to_owned).collect();
        out.push(Example { file: file.to_owned(), line: i + 1, words });
    }
    out
}

/// The command shortened: [`EPOCHS`] and at most [`RUNS_MAX`] runs for `run` and `sweep`.
fn shortened(words: &[String]) -> Vec<String> {
    let mut out = words.to_vec();
    let simulates = matches!(out.first().map(String::as_str), Some("run" | "sweep"));
    if !simulates {
        return out;
    }
    let mut has_epochs = false;
    let mut i = 1;
    while i + 1 < out.len() {
        match out[i].as_str() {
            "--epochs" => {
                out[i + 1] = EPOCHS.to_owned();
                has_epochs = true;
            }
            "--runs" => {
                let runs: u32 = out[i + 1].parse().unwrap_or(RUNS_MAX);
                out[i + 1] = runs.min(RUNS_MAX).to_string();
            }
            _ => {}
        }
        i += 1;
    }
    if !has_epochs {
        out.extend(["--epochs".to_owned(), EPOCHS.to_owned()]);
    }
    out
}

/// A directory with the repository's `scenarios/` and `tests/` and the placeholders' files.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo().canonicalize().unwrap();
    for name in ["scenarios", "tests"] {
        std::os::unix::fs::symlink(root.join(name), dir.path().join(name)).unwrap();
    }
    for (placeholder, real) in PLACEHOLDERS {
        std::fs::copy(root.join(real), dir.path().join(placeholder)).unwrap();
    }
    dir
}

fn doc_files() -> Vec<PathBuf> {
    let root = repo();
    let mut files = vec![root.join("README.md")];
    let mut pending = vec![root.join("docs")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_command_in_the_docs_runs() {
    let mut ran = 0;
    for path in doc_files() {
        let name = path.strip_prefix(repo()).unwrap().display().to_string();
        let found = examples(&name, &std::fs::read_to_string(&path).unwrap());
        if found.is_empty() {
            continue;
        }
        let dir = workdir();
        for example in found {
            let args = shortened(&example.words);
            let out = Command::new(env!("CARGO_BIN_EXE_ergon"))
                .args(&args)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}:{}: `ergon {}` (run as `ergon {}`) exited {:?}:\n{}{}",
                example.file,
                example.line,
                example.words.join(" "),
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    // The README alone shows the main job and eight commands: a parser that finds fewer has
    // stopped seeing the docs.
    assert!(ran >= 9, "only {ran} commands found in the docs");
}

#[test]
fn shortening_replaces_epochs_and_caps_runs() {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        shortened(&words("run x.toml --runs 8 --epochs 90d")),
        words("run x.toml --runs 2 --epochs 6e")
    );
    assert_eq!(
        shortened(&words("sweep s.toml --out o")),
        words("sweep s.toml --out o --epochs 6e")
    );
    assert_eq!(shortened(&words("report r1")), words("report r1"));
    let found = examples(
        "x.md",
        "text\n```sh\nergon run --runs 1   # a comment\nls\n$ ergon check a.toml\n```\n```text\nergon replay FILE\n```\n",
    );
    let shown: Vec<_> = found.iter().map(|e| (e.line, e.words.join(" "))).collect();
    assert_eq!(shown, [(3, "run --runs 1".to_owned()), (5, "check a.toml".to_owned())]);
}
