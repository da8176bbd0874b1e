//! The [`Economy`] trait: the one interface through which the simulator, replay and the Python
//! bindings drive any economy (Stratos, Marlin, Phala, Trias, and the test kit's toy).
//!
//! An economy is a state machine:
//! - [`Economy::apply`] takes one action and is atomic: a rejected action changes nothing and
//!   returns a [`Rejection`] with a stable code — a normal result, not an error;
//! - [`Economy::end_epoch`] closes an epoch (settlement, emission, releases) and reports it;
//! - [`Economy::metrics`], [`Economy::check_invariants`] and [`Economy::snapshot`] observe it.
//!
//! [`DynEconomy`] is the object-safe face of the same thing, speaking JSON values: replay files
//! pick the economy by name at run time through a registry of [`Constructor`]s.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Epoch;
use crate::error::Coded;
use crate::invariants::Violation;

/// A rejected action: its stable snake_case code and a message with the numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Stable code, e.g. `insufficient_balance`.
    pub code: &'static str,
    /// Human-readable explanation naming the values involved.
    pub message: String,
}

impl Rejection {
    /// A rejection with an economy-specific code.
    #[must_use]
    pub fn new(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection { code, message: message.into() }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl<E: Coded> From<E> for Rejection {
    fn from(e: E) -> Rejection {
        Rejection { code: e.code(), message: e.to_string() }
    }
}

/// A value reported by [`Economy::metrics`]. Token amounts stay exact; floats appear only in
/// derived figures (ratios, Gini, APR).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MetricValue {
    /// A count.
    Count(u64),
    /// A token amount in base units with the token's decimals.
    Amount {
        /// Base units.
        raw: u128,
        /// The token's decimals.
        decimals: u8,
    },
    /// A derived, inexact figure.
    Float(f64),
}

/// One named metric.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// Column name, snake_case with its unit last (`ozone_price_wei_per_noz`).
    pub name: &'static str,
    /// The value.
    pub value: MetricValue,
}

/// An economy as a deterministic state machine.
pub trait Economy: Sized {
    /// The name used in genesis lines and scenario files (`stratos`, `toy`, …).
    const NAME: &'static str;
    /// Everything needed to build the initial state (profile, parameters, accounts, nodes).
    type Genesis: DeserializeOwned;
    /// One action; in replay files an object whose `op` names the variant.
    type Action: DeserializeOwned;
    /// What an accepted action reports.
    type Event: Serialize;
    /// Why an action was refused: the economy's typed rejection (codes stable), turned into a
    /// [`Rejection`] only at the replay edge ([`Economy::rejection`]).
    type Error: std::fmt::Debug;
    /// What an epoch reports.
    type Report: Serialize;

    /// Builds the initial state; an invalid genesis is rejected with a code and message.
    fn from_genesis(genesis: Self::Genesis) -> Result<Self, Rejection>;

    /// Applies one action, all-or-nothing.
    fn apply(&mut self, action: &Self::Action) -> Result<Vec<Self::Event>, Self::Error>;

    /// A refusal as replay reports it: its stable code and a message for people (names
    /// resolved against the state).
    fn rejection(&self, error: Self::Error) -> Rejection;

    /// Closes the current epoch. An error here is a broken invariant (a bug), never input.
    fn end_epoch(&mut self) -> Result<Self::Report, Violation>;

    /// The current epoch (the number of epochs ended so far).
    fn epoch(&self) -> Epoch;

    /// The economy's metrics now.
    fn metrics(&self) -> Vec<Metric>;

    /// Checks every invariant of the state (conservation of every token, aggregate totals).
    fn check_invariants(&self) -> Result<(), Violation>;

    /// Checks the invariants after one step (a replay line): every invariant the full check
    /// holds, in the form that costs what the step changed where the economy keeps one — its
    /// running totals against its books, and the records it touched — rather than a walk over
    /// all its records. The default is [`Economy::check_invariants`]. The first call may run
    /// the full check and start recording changes for the next.
    fn check_step(&mut self) -> Result<(), Violation> {
        self.check_invariants()
    }

    /// The whole state as JSON, with amounts as exact decimal strings.
    fn snapshot(&self) -> Value;
}

/// Why a JSON action could not be applied at all (as opposed to a [`Rejection`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// The object-safe, JSON-speaking face of an [`Economy`], for replay and bindings.
pub trait DynEconomy {
    /// The economy's name.
    fn name(&self) -> &'static str;
    /// Decodes and applies one action object; the outer error means it did not decode.
    fn apply_value(&mut self, action: Value) -> Result<Result<Value, Rejection>, DecodeError>;
    /// Ends an epoch; returns its report as JSON.
    fn end_epoch_value(&mut self) -> Result<Value, Violation>;
    /// The current epoch.
    fn current_epoch(&self) -> Epoch;
    /// The whole state as JSON.
    fn snapshot_value(&self) -> Value;
    /// Checks every invariant.
    fn check(&self) -> Result<(), Violation>;
    /// Checks the invariants after one step ([`Economy::check_step`]).
    fn check_step(&mut self) -> Result<(), Violation>;
    /// The metrics now.
    fn metric_values(&self) -> Vec<Metric>;
}

/// `v` as JSON. Plain data with string keys fails only on a number a JSON value cannot hold (an
/// integer above 2^64 − 1 written as a number: economies write such figures as decimal
/// strings); should one slip through, it is reported as a broken invariant, not a panic.
fn to_value<T: Serialize>(v: &T, what: &str) -> Result<Value, Violation> {
    serde_json::to_value(v).map_err(|e| Violation::new("json view", format!("{what}: {e}")))
}

/// `message`, an action's decoding error, with the field it is about named in front when the
/// message quotes a value (`invalid amount "x"`, ``invalid type: integer `7` ``) that exactly one
/// field of the action holds, nested fields included (`mpond: invalid amount "x"`,
/// `change.liquidity_bp: …`): an internally tagged action loses serde's path to the field. A
/// message naming its field (`missing field`, `unknown field`), quoting no field's value, or
/// quoting a value two fields hold (which of them is at fault is not known) is kept as it is.
fn name_the_field(action: &Value, message: String) -> String {
    fn find(v: &Value, path: String, message: &str, out: &mut Vec<String>) {
        // A float refused as binary is quoted bare at the message's start, and only a number
        // can be it (a string "1.5" is the exact decimal asked for).
        let float = message.contains("would be read as a binary float");
        let quoted = match v {
            Value::Number(n) if float => n.is_f64() && message.starts_with(&format!("{n} ")),
            _ if float => false,
            Value::String(t) => {
                [format!("\"{t}\""), format!("`{t}`")].iter().any(|q| message.contains(q.as_str()))
            }
            Value::Number(_) | Value::Bool(_) => message.contains(&format!("`{v}`")),
            _ => false,
        };
        if quoted {
            out.push(path.clone());
        }
        let sep = if path.is_empty() { "" } else { "." };
        match v {
            Value::Object(fields) => {
                for (k, x) in fields.iter().filter(|(k, _)| !(path.is_empty() && *k == "op")) {
                    find(x, format!("{path}{sep}{k}"), message, out);
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    find(x, format!("{path}[{i}]"), message, out);
                }
            }
            _ => {}
        }
    }
    if message.contains("field `") {
        return message;
    }
    let mut named = Vec::new();
    find(action, String::new(), &message, &mut named);
    match named.as_slice() {
        [one] if !one.is_empty() => format!("{one}: {message}"),
        _ => message,
    }
}

impl<E: Economy> DynEconomy for E {
    fn name(&self) -> &'static str {
        E::NAME
    }

    fn apply_value(&mut self, action: Value) -> Result<Result<Value, Rejection>, DecodeError> {
        // Decoded from a borrow, so that a refusal can quote the line's fields (no copy).
        let action = E::Action::deserialize(&action)
            .map_err(|e| DecodeError(name_the_field(&action, e.to_string())))?;
        match self.apply(&action) {
            Ok(events) => to_value(&events, "the operation's events")
                .map(Ok)
                .map_err(|v| DecodeError(v.to_string())),
            Err(e) => Ok(Err(self.rejection(e))),
        }
    }

    fn end_epoch_value(&mut self) -> Result<Value, Violation> {
        self.end_epoch().and_then(|r| to_value(&r, "the epoch's report"))
    }

    fn current_epoch(&self) -> Epoch {
        self.epoch()
    }

    fn snapshot_value(&self) -> Value {
        self.snapshot()
    }

    fn check(&self) -> Result<(), Violation> {
        self.check_invariants()
    }

    fn check_step(&mut self) -> Result<(), Violation> {
        Economy::check_step(self)
    }

    fn metric_values(&self) -> Vec<Metric> {
        self.metrics()
    }
}

/// Builds an economy from the fields of a genesis line (everything but `op` and `economy`).
pub type Constructor = fn(Value) -> Result<Box<dyn DynEconomy>, GenesisError>;

/// Why a genesis could not build an economy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// The genesis object does not decode (unknown field, wrong type, bad amount).
    #[error("invalid genesis: {0}")]
    Decode(String),
    /// The economy refused the genesis (inconsistent parameters).
    #[error("genesis rejected: {0}")]
    Rejected(Rejection),
}

/// The [`Constructor`] of economy `E`.
pub fn constructor<E: Economy + 'static>(
    genesis: Value,
) -> Result<Box<dyn DynEconomy>, GenesisError> {
    // The field an error is about, by its path (`params.x`, `accounts.alice`).
    let g: E::Genesis = serde_path_to_error::deserialize(genesis).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // An unknown field's message names it already.
        let named = path == "." || inner.starts_with("unknown field");
        GenesisError::Decode(if named { inner } else { format!("{path}: {inner}") })
    })?;
    let e = E::from_genesis(g).map_err(GenesisError::Rejected)?;
    Ok(Box::new(e))
}

/// A name → constructor table of the economies a program knows.
pub type Registry = [(&'static str, Constructor)];

#[cfg(test)]
mod tests {
    use super::name_the_field;
    use serde_json::json;

    /// The field whose value a decoding error quotes is named when exactly one field holds it,
    /// nested fields included; never one of two that hold it.
    #[test]
    fn the_field_a_message_quotes_is_named_only_when_alone() {
        let name = |v: serde_json::Value, m: &str| name_the_field(&v, m.to_owned());
        let stash = json!({"op": "create_stash", "staker": "a", "pond": "1", "mpond": "x"});
        assert_eq!(name(stash, "invalid amount \"x\""), "mpond: invalid amount \"x\"");
        let nested = json!({"op": "propose", "proposer": "a", "change": {"liquidity_bp": "zz"}});
        let m = "invalid type: string \"zz\", expected u32";
        assert_eq!(name(nested, m), format!("change.liquidity_bp: {m}"));
        // "a" is both the proposer and the bad value: which is at fault is not known.
        let two = json!({"op": "propose", "proposer": "a", "change": {"liquidity_bp": "a"}});
        let m = "invalid type: string \"a\", expected u32";
        assert_eq!(name(two, m), m);
        let vote = json!({"op": "cast_vote", "voter": "a", "proposal": 1, "support": 1});
        let m = "invalid type: integer `1`, expected a boolean";
        assert_eq!(name(vote, m), m);
        // A float refused is the number's field, not a string's of the same digits.
        let m = "1.5 would be read as a binary float: write the decimal as a string (\"1.5\")";
        let mixed = json!({"op": "create_stash", "staker": "a", "pond": "1.5", "mpond": 1.5});
        assert_eq!(name(mixed, m), format!("mpond: {m}"));
        // A message that names its field, or quotes the op alone, is kept.
        let m = "missing field `to`";
        assert_eq!(name(json!({"op": "transfer", "from": "a"}), m), m);
        let m = "unknown variant `atest`";
        assert_eq!(name(json!({"op": "atest"}), m), m);
    }
}
