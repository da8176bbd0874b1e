//! `ergon replay FILE [--expect EXPECTED] [--out OUT] [--state STATE]`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use ergon_core::replay::first_difference;
use ergon_output::AtomicFile;
use ergon_registry::input;
use ergon_registry::replay::{ReplayError, ReplayOptions, replay_each};

use crate::{BadInput, Outcome};

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
    check_paths(args)?;
    let reader = open_input(&args.file)?;
    let expected =
        args.expect.as_deref().map(input::read_expected).transpose().map_err(BadInput)?;
    let name = args.file.display().to_string();
    let options = ReplayOptions {
        check: !args.no_check,
        full_check: args.full_check,
        state: args.state.is_some(),
    };
    // --out is written as the lines come, to its temporary file (nothing held; a stop signal
    // removes it); standard output, an --out written in place (a device, a pipe) and --expect
    // keep the lines, as the output appears only when the replay ends.
    let mut out = match &args.out {
        Some(path) => Some(staged(path, [])?),
        None => None,
    };
    let tmp = out.as_ref().and_then(|f| f.temporary_path()).map(Path::to_path_buf);
    let stream = tmp.is_some();
    if let Some(tmp) = tmp {
        remove_on_stop(tmp)?;
    }
    let keep = !stream || expected.is_some();
    let mut lines = Vec::new();
    let result = replay_each(reader, &name, options, |line| {
        if let (true, Some(f), Some(path)) = (stream, out.as_mut(), &args.out) {
            writeln!(f, "{line}").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        if keep {
            lines.push(line);
        }
        Ok(())
    });
    let state = match result {
        Ok(state) => state,
        Err(ReplayError::Input(why)) => return Err(BadInput(why)),
        Err(ReplayError::Invariant(why)) => {
            note!("error: {why}");
            return Ok(Outcome::CheckFailed);
        }
    };
    // Both files are written and synced before either is renamed into place: a failure of
    // either leaves both as they were.
    if let (Some(f), Some(path)) = (out.as_mut(), &args.out) {
        let err =
            |e: &dyn std::fmt::Display| BadInput(format!("cannot write {}: {e}", path.display()));
        if !stream {
            for l in &lines {
                writeln!(f, "{l}").map_err(|e| err(&e))?;
            }
        }
        f.sync().map_err(|e| err(&e))?;
    }
    let state = match (&args.state, &state) {
        (Some(path), Some(state)) => {
            let state = serde_json::to_string_pretty(state).expect("state serializes");
            Some(staged(path, [state.as_str()])?)
        }
        _ => None,
    };
    for (path, file) in [(&args.out, out), (&args.state, state)] {
        if let (Some(path), Some(file)) = (path, file) {
            file.finish().map_err(|e| BadInput(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    if args.out.is_none() && expected.is_none() {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        for l in &lines {
            writeln!(out, "{l}").map_err(crate::stdout_failed)?;
        }
        out.flush().map_err(crate::stdout_failed)?;
    }
    match (expected, &args.expect) {
        (Some(expected), Some(path)) => Ok(compare(&lines, &expected, path, &name)),
        _ => Ok(Outcome::Ok),
    }
}

/// Refuses, before anything is read or written, an `--out` or `--state` that names the input,
/// the expected file or each other: writing it would replace what the replay reads or the
/// other output.
fn check_paths(args: &ReplayArgs) -> Result<(), BadInput> {
    let read: [(&str, Option<&Path>); 2] = [
        ("the input", (args.file.as_os_str() != "-").then_some(args.file.as_path())),
        ("--expect", args.expect.as_deref()),
    ];
    let written = [("--out", args.out.as_deref()), ("--state", args.state.as_deref())];
    for (i, &(flag, path)) in written.iter().enumerate() {
        let Some(path) = path else { continue };
        let others = read.iter().chain(&written[..i]);
        for &(other, other_path) in others {
            if other_path.is_some_and(|o| same_file(path, o)) {
                return Err(BadInput(format!(
                    "{flag} {} is {other}: it would be overwritten; write elsewhere",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Whether `a` and `b` name the same file: equal as given, or the same file once links and
/// relative paths are resolved — of a file not there yet, its directory's (`o.jsonl` and
/// `./o.jsonl`, or a directory and a link to it, name one file to be).
fn same_file(a: &Path, b: &Path) -> bool {
    a == b || resolved(a).zip(resolved(b)).is_some_and(|(x, y)| x == y)
}

/// `path` with links and relative parts resolved: the file's, or its directory's and its name.
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
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
        note!("replay differs from {} at output line {}{at}:", path.display(), d.index);
        note!("  expected: {}", d.expected.as_deref().unwrap_or("<end of file>"));
        note!("  actual:   {}", d.actual.as_deref().unwrap_or("<end of output>"));
        return Outcome::CheckFailed;
    }
    note!("ok: {name} matches {} ({} lines)", path.display(), lines.len());
    Outcome::Ok
}

/// On a stop signal (Ctrl-C, SIGTERM, SIGHUP) while the replay writes `tmp`: removes it, then
/// ends the process by that signal, as its default action would (so a shell sees the signal).
/// A signal the process was started ignoring stays ignored.
fn remove_on_stop(tmp: std::path::PathBuf) -> Result<(), BadInput> {
    let watched: Vec<i32> =
        crate::sim_cmd::STOP_SIGNALS.into_iter().filter(|&s| !crate::sim_cmd::ignored(s)).collect();
    let mut signals = signal_hook::iterator::Signals::new(watched)
        .map_err(|e| BadInput(format!("cannot handle the stop signals: {e}")))?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let _ = std::fs::remove_file(&tmp);
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    });
    Ok(())
}

/// Writes `lines`, each ending in a newline, to a temporary file for `path`, synced (more may
/// follow); the file appears under its name at [`AtomicFile::finish`] (until then, or on
/// failure, an earlier file of that name is kept).
fn staged<'a>(
    path: &Path,
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<AtomicFile, BadInput> {
    let err = |e: &dyn std::fmt::Display| BadInput(format!("cannot write {}: {e}", path.display()));
    ergon_output::remove_leftovers(path);
    let mut f = AtomicFile::create(path).map_err(|e| err(&e))?;
    for l in lines {
        writeln!(f, "{l}").map_err(|e| err(&e))?;
    }
    f.sync().map_err(|e| err(&e))?;
    Ok(f)
}
