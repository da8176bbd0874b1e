//! Replaying a JSON Lines file of actions (docs/replay.md) against the economies of the build:
//! one output line per result, the final state on request. What `ergon replay` and the Python
//! module's `ergon.replay` share; the caller prints, compares or converts.

use std::io::{BufReader, Read};

use ergon_core::replay::Replayer;
use ergon_sim::diag::shortened;

use crate::input::Lines;

/// How to replay.
#[derive(Clone, Copy, Debug)]
pub struct ReplayOptions {
    /// Check the invariants after every line and at the end.
    pub check: bool,
    /// Check every invariant in full after every line (slower), not only what the line changed.
    pub full_check: bool,
    /// Keep the final state ([`Replayed::state`]).
    pub state: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions { check: true, full_check: false, state: false }
    }
}

/// What a replay produced.
#[derive(Debug)]
pub struct Replayed {
    /// One JSON line per result, in input order.
    pub lines: Vec<String>,
    /// The economy's final state as `query` shows it, when asked for.
    pub state: Option<serde_json::Value>,
}

/// Why a replay stopped. Each message names the input and the line.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Bad input: an unreadable line, invalid JSON, an unknown op, no genesis, … (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A broken invariant: a bug in Ergon or an economy (exit code 1).
    #[error("{0}")]
    Invariant(String),
}

/// Replays every line of `reader` (named `name` in messages).
pub fn replay(
    reader: impl Read,
    name: &str,
    options: ReplayOptions,
) -> Result<Replayed, ReplayError> {
    let mut lines = Vec::new();
    let state = replay_each(reader, name, options, |line| {
        lines.push(line);
        Ok(())
    })?;
    Ok(Replayed { lines, state })
}

/// [`replay`], each output line handed to `sink` as it is made (nothing held); returns the
/// final state when asked for. An error of `sink` stops the replay as bad input (it names what
/// could not be written).
pub fn replay_each(
    reader: impl Read,
    name: &str,
    options: ReplayOptions,
    mut sink: impl FnMut(String) -> Result<(), String>,
) -> Result<Option<serde_json::Value>, ReplayError> {
    let economies = crate::replay_registry();
    let mut replayer =
        Replayer::new(&economies).full_checks(options.full_check).check_invariants(options.check);
    // A line's values are shown cut (an amount of 900,000 digits, an op or a query path of as
    // many characters would make a message of that size); the file's name is shown whole.
    let said = |e: &dyn std::fmt::Display| format!("{name}: {}", shortened(&e.to_string()));
    for (n, text) in Lines::new(BufReader::new(reader)) {
        let text = text.map_err(|why| ReplayError::Input(said(&format!("line {n}: {why}"))))?;
        match replayer.feed(n, &text) {
            Ok(Some(out)) => sink(out).map_err(ReplayError::Input)?,
            Ok(None) => {}
            Err(e) if e.is_invariant() => return Err(ReplayError::Invariant(said(&e))),
            Err(e) => return Err(ReplayError::Input(said(&e))),
        }
    }
    if replayer.economy().is_none() {
        return Err(ReplayError::Input(format!(
            "{name}: no genesis line: the first action line must be {{\"op\":\"genesis\",\"economy\":…}}"
        )));
    }
    replayer.finish().map_err(|e| ReplayError::Invariant(said(&e)))?;
    Ok(if options.state { replayer.economy().map(|e| e.snapshot_value()) } else { None })
}
