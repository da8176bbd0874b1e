//! `ergon`: the command-line face of Ergon. Glue only: parse, validate, call the libraries.
//!
//! Exit codes: 0 ok; 1 a check or expectation failed (an invariant, a replay that differs from
//! its expected output); 2 bad input or I/O (a malformed file, an unknown economy, a usage error).

mod output;
mod registry;
mod replay_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Version line: crate version and the git commit it was built from.
const VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ERGON_GIT_COMMIT"), ")");

/// Exact, fast engine and simulator for the token economies of decentralized resource networks.
#[derive(Parser, Debug)]
#[command(name = "ergon", version = VERSION, about, long_about = None)]
#[command(after_help = "Exit codes: 0 ok, 1 a check or expectation failed, 2 bad input or I/O.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario (default: the embedded default scenario) and write metrics.
    Run {
        /// Scenario file (TOML). Omit to run the embedded default scenario.
        scenario: Option<std::path::PathBuf>,
    },
    /// Run a parameter sweep over a scenario's [sweep] grid.
    Sweep {
        /// Scenario file (TOML) with a [sweep] section.
        scenario: std::path::PathBuf,
    },
    /// Replay a JSON Lines file of actions against an economy; one result line per input line.
    Replay(replay_cmd::ReplayArgs),
    /// Build the HTML report of a finished run.
    Report {
        /// A run's output directory.
        dir: std::path::PathBuf,
    },
    /// Validate a scenario file without running it.
    Check {
        /// Scenario file (TOML).
        scenario: std::path::PathBuf,
    },
    /// List the shipped example scenarios and the economies this build knows.
    Scenarios,
}

/// How a command ended.
pub(crate) enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: a check or expectation failed.
    CheckFailed,
}

/// A failure that maps to exit code 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => replay_cmd::run(&args),
        Command::Run { .. } => {
            not_yet("run", "the simulator (scenario files, Monte Carlo, Parquet/CSV output)")
        }
        Command::Sweep { .. } => not_yet("sweep", "the simulator's parameter sweeps"),
        Command::Report { .. } => not_yet("report", "the HTML report"),
        Command::Check { .. } => not_yet("check", "scenario files"),
        Command::Scenarios => {
            println!("Economies in this build (for `ergon replay` genesis lines):");
            for (name, _) in registry::REGISTRY {
                println!("  {name}");
            }
            println!("Shipped scenarios: none yet (scenario files arrive with the simulator).");
            Ok(Outcome::Ok)
        }
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn not_yet(command: &str, what: &str) -> Result<Outcome, BadInput> {
    Err(BadInput(format!(
        "`ergon {command}` is not available yet: it arrives with {what}. Use `ergon replay` meanwhile."
    )))
}
