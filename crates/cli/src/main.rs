//! `ergon`: the command-line face of Ergon. Glue only: parse, validate, call the libraries.
//!
//! Exit codes: 0 ok; 1 a check or expectation failed (an invariant, a replay that differs from
//! its expected output, an output directory of an interrupted run); 2 bad input or I/O (a
//! malformed file, an unknown economy, a usage error); 3 an output directory of a run killed
//! before it finished (`ergon check-output`); 128 + the signal that stopped a run; 141 (as
//! SIGPIPE) when standard output was closed before all was written (`ergon replay … | head`).

/// Writes a line to standard output through [`stdout`] (`?` on its error).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::stdout(&format!("{}\n", format_args!($($arg)*)))?
    };
}

/// A line to standard error; a standard error that cannot be written (a closed terminal, a full
/// disk, a reader gone) loses the line and changes nothing else, so the exit code stays the
/// command's (`eprintln!` would panic, exit 101).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod check_output;
mod memory;
mod numbers;
mod progress;
mod replay_cmd;
mod report;
mod resume;
mod sim_cmd;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Version line: crate version and the git commit it was built from.
pub(crate) const VERSION: &str = ergon_registry::VERSION;

/// Exact, fast engine and simulator for the token economies of decentralized resource networks.
#[derive(Parser, Debug)]
#[command(name = "ergon", version = VERSION, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 a check or expectation failed, 2 bad input or I/O, 3 (check-output) a run killed before it finished, 4 (check-output) a run still writing the directory, 128 + the signal (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP) stopped by a signal (rows so far kept, marked incomplete), 141 standard output closed (a pipe's reader gone)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario (default: the embedded stratos-paper scenario) and write its metrics.
    Run(sim_cmd::RunArgs),
    /// Run a scenario's [sweep] grid (as `run` does for a scenario with a [sweep]); without a
    /// scenario, the shipped stratos-sweep.
    Sweep(sim_cmd::RunArgs),
    /// Replay a JSON Lines file of actions against an economy; one result line per input line.
    Replay(replay_cmd::ReplayArgs),
    /// Write DIR/report.html, the charts and tables of a finished run or sweep (docs/report.md).
    ///
    /// One self-contained page (no network): the scenario and its parameters, key figures,
    /// charts (mean and p5–p95 band across runs; a line a sweep point), the distribution, the
    /// invariant checks and the run's metadata. Exit 2 if DIR is missing or is not a run's
    /// output directory (nothing is written then).
    Report {
        /// A finished run's output directory (the `--out` of `ergon run` or `ergon sweep`).
        dir: std::path::PathBuf,
    },
    /// Say whether an output directory holds a complete run, one stopped by a signal, or one
    /// killed before it finished (SIGKILL, a crash), and how many rows and steps each job
    /// (sweep point × run) reached.
    ///
    /// Exit codes: 0 complete; 1 incomplete, stopped by a signal (rows merged, summary.json
    /// `complete: false`); 3 incomplete, killed before it finished (rows only in DIR/.parts, not
    /// merged); 4 a run is still writing DIR (it holds the directory's lock); 2 DIR is missing
    /// or is not a run's output directory.
    CheckOutput {
        /// A run's output directory (the `--out` of `ergon run` or `ergon sweep`).
        dir: std::path::PathBuf,
    },
    /// Validate a scenario file without running it.
    Check(sim_cmd::CheckArgs),
    /// List the shipped example scenarios and the economies this build knows.
    Scenarios,
}

/// How a command ended.
pub(crate) enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: a check or expectation failed.
    CheckFailed,
    /// Exit 128 + the signal (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): stopped by a signal; what
    /// was written is kept, marked incomplete.
    Interrupted(u8),
    /// Exit 3: `ergon check-output` found a run killed before it finished.
    Killed,
    /// Exit 4: `ergon check-output` found a run still writing the directory.
    Running,
}

/// A failure that maps to exit code 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub String);

/// Writes `text` to standard output. A closed pipe (the reader gone: `ergon replay … | head`)
/// ends the command at once with exit 141, as SIGPIPE ends other tools, what it wrote before
/// kept; any other failure (a full disk) is exit 2, named.
pub(crate) fn stdout(text: &str) -> Result<(), BadInput> {
    use std::io::Write as _;
    std::io::stdout().lock().write_all(text.as_bytes()).map_err(stdout_failed)
}

/// The exit-2 error of a failed write to standard output; a closed pipe exits 141 at once.
pub(crate) fn stdout_failed(e: std::io::Error) -> BadInput {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    BadInput(format!("cannot write to standard output: {e}"))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_failed(e),
    };
    let result = match cli.command {
        Command::Replay(args) => replay_cmd::run(&args),
        Command::Run(args) => sim_cmd::run(&args, false),
        Command::Sweep(args) => sim_cmd::run(&args, true),
        Command::Report { dir } => report::command(&dir),
        Command::CheckOutput { dir } => check_output::command(&dir),
        Command::Check(args) => sim_cmd::check(&args),
        Command::Scenarios => scenarios(),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Ok(Outcome::Killed) => ExitCode::from(3),
        Ok(Outcome::Running) => ExitCode::from(4),
        Ok(Outcome::Interrupted(signal)) => ExitCode::from(128u8.saturating_add(signal)),
        Err(BadInput(msg)) => {
            note!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A clap parser of a whole number from `min` to `max`, the field's own range: any other text
/// (a sign, a fraction, digits past the type's bound) is refused with that range, never the
/// type's (`0..=4294967295`) or the digits' ("invalid digit found in string").
pub(crate) fn whole<T: TryFrom<u64>>(
    min: u64,
    max: u64,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    // A scenario's integers (TOML's) stop at 2^63 − 1, as `--help` says of `--seed`.
    let bound = if max == i64::MAX as u64 { " (2^63 − 1)" } else { "" };
    move |text| {
        text.parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("must be a whole number from {min} to {max}{bound}"))
    }
}

/// Help and the version go to standard output through [`stdout`] (one that cannot be written is
/// exit 2, named); a command line clap refuses is printed as clap prints it, exit 2.
fn parse_failed(mut e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => match stdout(&e.render().to_string())
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(BadInput(msg)) => {
                note!("error: {msg}");
                ExitCode::from(2)
            }
        },
        _ => {
            // A value clap refuses is echoed cut, as every message shows a value.
            if let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidValue) {
                let shown = ergon_sim::diag::shortened_value(value);
                e.insert(ContextKind::InvalidValue, ContextValue::String(shown));
            }
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

/// `ergon scenarios`.
fn scenarios() -> Result<Outcome, BadInput> {
    say!("Shipped scenarios (`ergon run NAME`; files in scenarios/):");
    for s in ergon_registry::scenarios() {
        say!("  {:<18} {}", s.name, s.about());
    }
    say!("Economies in this build:");
    for e in ergon_registry::ECONOMIES {
        say!("  {:<18} {}", e.name, e.about);
    }
    Ok(Outcome::Ok)
}
