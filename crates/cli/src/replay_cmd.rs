//! `ergon replay FILE [--expect EXPECTED] [--out OUT] [--state STATE]`.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use ergon_core::replay::{Replayer, first_difference};

use crate::{BadInput, Outcome, bounded};
use ergon_output::AtomicFile;

/// Arguments of `ergon replay`.
#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// JSON Lines input: a genesis line, then one action per line (`-` reads standard input).
    file: PathBuf,
    /// Compare the output with this file; exit 1 at the first difference.
    #[arg(long, value_name = "EXPECTED")]
    expect: Option<PathBuf>,
    /// Write the output lines to this file instead of standard output.
    #[arg(long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// Write the final state (as `query` would print it) to this JSON file.
    #[arg(long, value_name = "STATE")]
    state: Option<PathBuf>,
    /// Skip the invariant checks (after every line and at the end).
    #[arg(long, conflicts_with = "full_check")]
    no_check: bool,
    /// Check every invariant in full after every line, instead of the check of what the line
    /// changed (slower: it walks the whole state each line).
    #[arg(long)]
    full_check: bool,
}

/// Runs the replay.
pub(crate) fn run(args: &ReplayArgs) -> Result<Outcome, BadInput> {
    let reader = open_input(&args.file)?;
    let expected = match &args.expect {
        Some(p) => Some(
            bounded::read_to_string(p, bounded::EXPECTED_MAX)
                .map_err(|e| BadInput(format!("cannot read {}: {e}", p.display())))?
                .map_err(BadInput)?,
        ),
        None => None,
    };
    let name = args.file.display().to_string();
    let economies = ergon_registry::replay_registry();
    let mut replayer =
        Replayer::new(&economies).full_checks(args.full_check).check_invariants(!args.no_check);
    let Some(lines) = replay(reader, &name, &mut replayer)? else {
        return Ok(Outcome::CheckFailed);
    };
    match &args.out {
        Some(path) => write_lines(path, lines.iter().map(String::as_str))?,
        None if expected.is_none() => lines.iter().for_each(|l| println!("{l}")),
        None => {}
    }
    if let (Some(path), Some(econ)) = (&args.state, replayer.economy()) {
        let state = serde_json::to_string_pretty(&econ.snapshot_value()).expect("state serializes");
        write_lines(path, [state.as_str()])?;
    }
    match (expected, &args.expect) {
        (Some(expected), Some(path)) => Ok(compare(&lines, &expected, path, &name)),
        _ => Ok(Outcome::Ok),
    }
}

/// The input file, or standard input for `-`.
fn open_input(file: &Path) -> Result<Box<dyn Read>, BadInput> {
    if file.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    let f = std::fs::File::open(file)
        .map_err(|e| BadInput(format!("cannot open {}: {e}", file.display())))?;
    Ok(Box::new(f))
}

/// Feeds every line of `reader` (named `name` in errors) to `replayer`; returns the output
/// lines, or `None` when an invariant broke (reported on standard error).
fn replay(
    reader: Box<dyn Read>,
    name: &str,
    replayer: &mut Replayer<'_>,
) -> Result<Option<Vec<String>>, BadInput> {
    let mut lines = Vec::new();
    for (n, text) in bounded::Lines::new(BufReader::new(reader)) {
        let text = text.map_err(|why| BadInput(format!("{name}: line {n}: {why}")))?;
        match replayer.feed(n, &text) {
            Ok(Some(out)) => lines.push(out),
            Ok(None) => {}
            Err(e) if e.is_invariant() => {
                eprintln!("error: {name}: {e}");
                return Ok(None);
            }
            Err(e) => return Err(BadInput(format!("{name}: {e}"))),
        }
    }
    if replayer.economy().is_none() {
        return Err(BadInput(format!(
            "{name}: no genesis line: the first action line must be {{\"op\":\"genesis\",\"economy\":…}}"
        )));
    }
    if let Err(e) = replayer.finish() {
        eprintln!("error: {name}: {e}");
        return Ok(None);
    }
    Ok(Some(lines))
}

/// Compares the output `lines` of `name` with the `expected` text read from `path`, and says
/// on standard error where they first differ, or that they match.
fn compare(lines: &[String], expected: &str, path: &Path, name: &str) -> Outcome {
    if let Some(d) = first_difference(lines, expected) {
        let input_line = d
            .actual
            .as_deref()
            .or(d.expected.as_deref())
            .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v.get("line").and_then(serde_json::Value::as_u64));
        let at = input_line.map_or(String::new(), |l| format!(" (input line {l})"));
        eprintln!("replay differs from {} at output line {}{at}:", path.display(), d.index);
        eprintln!("  expected: {}", d.expected.as_deref().unwrap_or("<end of file>"));
        eprintln!("  actual:   {}", d.actual.as_deref().unwrap_or("<end of output>"));
        return Outcome::CheckFailed;
    }
    eprintln!("ok: {name} matches {} ({} lines)", path.display(), lines.len());
    Outcome::Ok
}

/// Writes `lines`, each ending in a newline, to `path`: the whole file or, on failure, nothing
/// (an earlier file of that name is kept).
fn write_lines<'a>(path: &Path, lines: impl IntoIterator<Item = &'a str>) -> Result<(), BadInput> {
    let err = |e: &dyn std::fmt::Display| BadInput(format!("cannot write {}: {e}", path.display()));
    let mut f = AtomicFile::create(path).map_err(|e| err(&e))?;
    for l in lines {
        writeln!(f, "{l}").map_err(|e| err(&e))?;
    }
    f.finish().map(|_| ()).map_err(|e| err(&e))
}
