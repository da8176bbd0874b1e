//! The replay format, shared by every economy (documented for users in `docs/replay.md`).
//!
//! Input is JSON Lines. The first action line is a `genesis` (`{"op":"genesis","economy":…}`,
//! the rest of its fields are the economy's genesis); every later line is one object whose `op`
//! names an action of that economy, or one of the driver's own ops:
//!
//! - `end_epoch` — closes one epoch and reports it;
//! - `advance` with `epochs` — closes that many epochs (at most [`ADVANCE_EPOCHS_MAX`]);
//! - `query`, optionally with `path` (a JSON pointer such as `/accounts/alice`) — dumps the state.
//!
//! Blank lines and lines starting with `#` are comments and produce no output. Every other line
//! produces exactly one output line: `{"line":N,"op":…,"ok":true,…}` with the events, report or
//! state; or `{"line":N,"op":…,"ok":false,"code":…,"message":…}` for a rejected action. A line
//! that is not valid JSON, names no `op`, or does not decode is a [`ReplayError`] naming its line.
//! After every line the driver checks the economy's invariants in the form that costs what the
//! line changed ([`crate::Economy::check_step`]), and all of them in full at the end
//! ([`Replayer::finish`]) — or in full after every line ([`Replayer::full_checks`]); a
//! violation is a [`ReplayError::Invariant`].

use serde::Serialize;
use serde_json::{Map, Value};

use crate::economy::{DynEconomy, GenesisError, Registry};
use crate::invariants::Violation;

/// The most epochs one `advance` line may close.
pub const ADVANCE_EPOCHS_MAX: u64 = 100_000_000;

/// Why a replay stopped. Every variant names the input line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The line is not a JSON object with a string `op`, or its fields do not decode.
    #[error("line {line}: {message}")]
    Malformed {
        /// Input line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An action came before the `genesis` line, or a second `genesis` came.
    #[error("line {line}: {message}")]
    OutOfOrder {
        /// Input line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The genesis names an economy this program does not know.
    #[error("line {line}: unknown economy {name:?}; known economies: {known}")]
    UnknownEconomy {
        /// Input line number.
        line: usize,
        /// The name given.
        name: String,
        /// The names known, comma-separated.
        known: String,
    },
    /// The genesis does not decode or the economy refuses it.
    #[error("line {line}: {source}")]
    Genesis {
        /// Input line number.
        line: usize,
        /// Why.
        source: GenesisError,
    },
    /// An invariant broke after this line: a bug in the engine.
    #[error("line {line}: {violation}")]
    Invariant {
        /// Input line number.
        line: usize,
        /// The broken invariant.
        violation: Violation,
    },
}

impl ReplayError {
    /// True when the replay stopped on a broken invariant (exit code 1), false for bad input
    /// (exit code 2).
    #[must_use]
    pub fn is_invariant(&self) -> bool {
        matches!(self, ReplayError::Invariant { .. })
    }
}

/// One output line, fields in this order.
#[derive(Serialize)]
struct Output<'a> {
    line: usize,
    op: &'a str,
    ok: bool,
    #[serde(flatten)]
    body: Map<String, Value>,
}

/// Which invariant checks a replay runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Checks {
    /// None.
    Off,
    /// After every line, the step's check; at the end, the full one.
    Step,
    /// After every line, the full check.
    Full,
}

/// Drives one replay, line by line.
pub struct Replayer<'r> {
    registry: &'r Registry,
    economy: Option<Box<dyn DynEconomy>>,
    checks: Checks,
    /// The last line fed that produced output.
    last_line: usize,
}

impl<'r> Replayer<'r> {
    /// A replayer over the economies of `registry`, checking invariants after every line (the
    /// step's check) and in full at the end.
    #[must_use]
    pub fn new(registry: &'r Registry) -> Replayer<'r> {
        Replayer { registry, economy: None, checks: Checks::Step, last_line: 0 }
    }

    /// Turns the invariant checks on (the default) or off.
    #[must_use]
    pub fn check_invariants(mut self, on: bool) -> Self {
        self.checks = match (on, self.checks) {
            (false, _) => Checks::Off,
            (true, Checks::Off) => Checks::Step,
            (true, c) => c,
        };
        self
    }

    /// Checks every invariant in full after every line (slower: O(state) a line) instead of
    /// the step's check.
    #[must_use]
    pub fn full_checks(mut self, on: bool) -> Self {
        self.checks = if on { Checks::Full } else { Checks::Step };
        self
    }

    /// The economy, once a genesis line has built it.
    #[must_use]
    pub fn economy(&self) -> Option<&dyn DynEconomy> {
        self.economy.as_deref()
    }

    /// Feeds input line `line` (1-based) with text `text`. Returns the output line as JSON text,
    /// or `None` for a blank or comment line.
    pub fn feed(&mut self, line: usize, text: &str) -> Result<Option<String>, ReplayError> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(None);
        }
        let (op, mut obj) = parse_action(line, trimmed)?;
        let (ok, body) = match op.as_str() {
            "genesis" => self.genesis(line, &mut obj)?,
            _ => self.act(line, &op, obj)?,
        };
        if let Some(econ) = self.economy.as_deref_mut() {
            let checked = match self.checks {
                Checks::Off => Ok(()),
                Checks::Step => econ.check_step(),
                Checks::Full => econ.check(),
            };
            checked.map_err(|violation| ReplayError::Invariant { line, violation })?;
        }
        self.last_line = line;
        let out = Output { line, op: &op, ok, body };
        Ok(Some(serde_json::to_string(&out).expect("replay output serializes")))
    }

    /// Ends the replay: unless the checks are off, checks every invariant in full (a
    /// violation names the last line).
    pub fn finish(&mut self) -> Result<(), ReplayError> {
        let line = self.last_line;
        match (self.checks, self.economy.as_deref()) {
            (Checks::Off, _) | (_, None) => Ok(()),
            (_, Some(econ)) => {
                econ.check().map_err(|violation| ReplayError::Invariant { line, violation })
            }
        }
    }

    /// Runs a line other than the genesis: one of the driver's ops, or an action of the economy.
    fn act(
        &mut self,
        line: usize,
        op: &str,
        obj: Map<String, Value>,
    ) -> Result<Reply, ReplayError> {
        let Some(econ) = self.economy.as_deref_mut() else {
            return Err(ReplayError::OutOfOrder {
                line,
                message: format!("{op:?} before the genesis line"),
            });
        };
        match op {
            "end_epoch" => end_epoch(econ, line, &obj),
            "advance" => advance(econ, line, &obj),
            "query" => query(econ, line, &obj),
            _ => match econ.apply_value(Value::Object(obj)).map_err(|e| {
                malformed(line, format!("op {op:?}: {}", unknown_op(op, &e.to_string())))
            })? {
                Ok(events) => Ok((true, body([("events", events)]))),
                Err(r) => {
                    Ok((false, body([("code", r.code.into()), ("message", r.message.into())])))
                }
            },
        }
    }

    fn genesis(&mut self, line: usize, obj: &mut Map<String, Value>) -> Result<Reply, ReplayError> {
        if self.economy.is_some() {
            return Err(ReplayError::OutOfOrder { line, message: "a second genesis line".into() });
        }
        obj.remove("op");
        let name = match obj.remove("economy") {
            Some(Value::String(s)) => s,
            _ => {
                return Err(ReplayError::Malformed {
                    line,
                    message: "genesis needs \"economy\": the economy's name".into(),
                });
            }
        };
        let Some((_, build)) = self.registry.iter().find(|(n, _)| *n == name) else {
            let known = self.registry.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            return Err(ReplayError::UnknownEconomy { line, name, known });
        };
        let econ = build(Value::Object(std::mem::take(obj)))
            .map_err(|source| ReplayError::Genesis { line, source })?;
        self.economy = Some(econ);
        Ok((true, body([("economy", name.into())])))
    }
}

/// Whether a line succeeded, and the fields of its output line after `line`, `op` and `ok`.
type Reply = (bool, Map<String, Value>);

fn malformed(line: usize, message: String) -> ReplayError {
    ReplayError::Malformed { line, message }
}

/// The `op` and the object of a non-blank input line.
fn parse_action(line: usize, text: &str) -> Result<(String, Map<String, Value>), ReplayError> {
    let value = crate::strict_json::from_str(text).map_err(|e| malformed(line, e))?;
    let Value::Object(obj) = value else {
        return Err(malformed(line, "expected a JSON object with an \"op\" field".into()));
    };
    match obj.get("op") {
        Some(Value::String(s)) => Ok((s.clone(), obj)),
        Some(other) => Err(malformed(line, format!("\"op\" must be a string, found {other}"))),
        None => Err(malformed(line, "missing \"op\" field".into())),
    }
}

/// `end_epoch`: closes one epoch and reports it.
fn end_epoch(
    econ: &mut dyn DynEconomy,
    line: usize,
    obj: &Map<String, Value>,
) -> Result<Reply, ReplayError> {
    only_fields(obj, &["op"]).map_err(|m| malformed(line, m))?;
    let report =
        econ.end_epoch_value().map_err(|violation| ReplayError::Invariant { line, violation })?;
    Ok((true, body([("epoch", econ.current_epoch().0.into()), ("report", report)])))
}

/// `advance`: closes `epochs` epochs and reports the last.
fn advance(
    econ: &mut dyn DynEconomy,
    line: usize,
    obj: &Map<String, Value>,
) -> Result<Reply, ReplayError> {
    only_fields(obj, &["op", "epochs"]).map_err(|m| malformed(line, m))?;
    let n = match obj.get("epochs").and_then(Value::as_u64) {
        Some(n) if (1..=ADVANCE_EPOCHS_MAX).contains(&n) => n,
        _ => {
            let found = obj.get("epochs").map_or("nothing".to_owned(), Value::to_string);
            return Err(malformed(
                line,
                format!(
                    "\"advance\" needs \"epochs\": a whole number from 1 to \
                     {ADVANCE_EPOCHS_MAX}, found {found}"
                ),
            ));
        }
    };
    let mut last = Value::Null;
    for _ in 0..n {
        last = econ
            .end_epoch_value()
            .map_err(|violation| ReplayError::Invariant { line, violation })?;
    }
    let epoch = econ.current_epoch().0.into();
    Ok((true, body([("epochs", n.into()), ("epoch", epoch), ("last_report", last)])))
}

/// `query`: the state, or the part of it at JSON pointer `path`.
fn query(
    econ: &mut dyn DynEconomy,
    line: usize,
    obj: &Map<String, Value>,
) -> Result<Reply, ReplayError> {
    only_fields(obj, &["op", "path"]).map_err(|m| malformed(line, m))?;
    let state = econ.snapshot_value();
    let state = match obj.get("path") {
        None => state,
        Some(Value::String(p)) => state.pointer(p).cloned().ok_or_else(|| {
            malformed(line, format!("query path {p:?} names nothing in the state"))
        })?,
        Some(other) => {
            return Err(malformed(line, format!("\"path\" must be a string, found {other}")));
        }
    };
    Ok((true, body([("epoch", econ.current_epoch().0.into()), ("state", state)])))
}

fn body<const N: usize>(fields: [(&str, Value); N]) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn only_fields(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown field {k:?}; expected one of: {}", allowed.join(", "))),
        None => Ok(()),
    }
}

/// Compares replay output with an expected file, line by line, as JSON values (key order and
/// spacing do not matter; blank and `#` lines in `expected` are skipped). Returns the first
/// difference: the 1-based index among non-blank lines, the expected line and the actual one.
pub fn first_difference(actual: &[String], expected: &str) -> Option<Difference> {
    let wanted: Vec<&str> = expected_lines(expected).map(|(_, l)| l).collect();
    let n = actual.len().max(wanted.len());
    (0..n).find_map(|i| {
        let a = actual.get(i).map(String::as_str);
        let w = wanted.get(i).copied();
        let same = match (a, w) {
            (Some(a), Some(w)) => {
                match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(w)) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => a.trim() == w.trim(),
                }
            }
            _ => false,
        };
        (!same).then(|| Difference {
            index: i + 1,
            expected: w.map(str::to_owned),
            actual: a.map(str::to_owned),
        })
    })
}

/// The lines of an expected file that are output lines (not blank, not a `#` comment), with
/// their 1-based line numbers.
pub fn expected_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    })
}

/// A difference between replay output and the expected file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// 1-based index among output lines.
    pub index: usize,
    /// The expected line, or `None` when the expected file ended first.
    pub expected: Option<String>,
    /// The actual line, or `None` when the output ended first.
    pub actual: Option<String>,
}

/// The ops every replay takes besides its economy's actions.
const DRIVER_OPS: [&str; 3] = ["end_epoch", "advance", "query"];

/// An economy's refusal of an unknown op (serde's "unknown variant `x`, expected one of …")
/// with the replay's own ops added to the list and the nearest op suggested; other messages as
/// they are.
fn unknown_op(op: &str, message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown variant `") else { return message.to_owned() };
    let names: Vec<&str> = rest.split('`').skip(2).step_by(2).chain(DRIVER_OPS).collect();
    let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let best = crate::names::nearest(op, names.iter().copied());
    let hint = best.map_or(String::new(), |n| format!("; did you mean `{n}`?"));
    format!("unknown op, expected one of {listed}{hint}")
}
