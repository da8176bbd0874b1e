//! Shapes a scenario must keep: a table where the scenario has a table (not a list read field
//! by field), a swept value left to the sweep, and no value no field takes (nan, a line break).

use ergon_core::Model;
use toml::{Table, Value};

use super::{File, at};
use crate::diag::Diagnostic;
use crate::sweep::{Sweep, sweepable};

/// The paths where `table` gives a list (`[[agents.users]]`, `relayers = [{ count = 3 }]`,
/// `users = [77]`, `agents = []`) and the scenario takes one table, of those `keep` accepts.
/// Read, the list would be taken field by field, by position: its first table for the table's
/// first field ("invalid type: map, expected a whole number"), `users = [77]` for the user
/// count, `agents = []` for no agent setting at all, silently. So this is checked before the
/// reading, from what the reading takes at each such path (a table, not a single value), for
/// every model's sections alike.
pub(super) fn listed_tables<M: Model>(table: &Table, keep: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    listed_in::<M>(table, &mut Vec::new(), keep, &mut out);
    out
}

/// A step of a path: a key, or an entry of a list (its number, for the path's name only).
enum Step {
    Key(String),
    Entry(usize),
}

fn listed_in<M: Model>(
    table: &Table,
    trail: &mut Vec<Step>,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<String>,
) {
    for (key, value) in table {
        trail.push(Step::Key(key.clone()));
        match value {
            Value::Table(t) => listed_in::<M>(t, trail, keep, out),
            Value::Array(items) => {
                let path = dotted(trail);
                if keep(&path) && takes_table::<M>(trail) {
                    out.push(path);
                } else {
                    for (i, item) in items.iter().enumerate() {
                        trail.push(Step::Entry(i));
                        if let Value::Table(t) = item {
                            listed_in::<M>(t, trail, keep, out);
                        }
                        trail.pop();
                    }
                }
            }
            _ => {}
        }
        trail.pop();
    }
}

fn dotted(trail: &[Step]) -> String {
    let mut path = String::new();
    for step in trail {
        match step {
            Step::Key(k) if path.is_empty() => path.push_str(k),
            Step::Key(k) => {
                path.push('.');
                path.push_str(k);
            }
            Step::Entry(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

/// Whether the scenario takes a table at `trail`: a scenario holding only an empty table
/// there reads (but for keys it lacks), and one holding a number or a string there does not (a
/// field that takes any value, an economy's parameter, takes lists too).
fn takes_table<M: Model>(trail: &[Step]) -> bool {
    let read = |leaf: Value| {
        let mut v = leaf;
        for step in trail.iter().rev() {
            v = match step {
                Step::Key(k) => Value::Table(Table::from_iter([(k.clone(), v)])),
                Step::Entry(_) => Value::Array(vec![v]),
            };
        }
        let Value::Table(t) = v else { return true };
        // Only the keys the probe lacks may be missing.
        t.try_into::<File<M>>().map_or_else(|e| e.message().starts_with("missing field"), |_| true)
    };
    read(Value::Table(Table::new()))
        && !(read(Value::Integer(0)) && read(Value::String(String::new())))
}

/// Whether dotted path `inner` is `outer`, a key inside it or an entry of it (`tiers[0]` of
/// `tiers`, `groups[0].workers` of `groups`).
pub(super) fn within(outer: &str, inner: &str) -> bool {
    inner.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// The message for a list at `path` where the scenario has a table.
pub(super) fn list_for_table(path: &str) -> String {
    format!(
        "a table is expected here, not a list (write `[{path}]` followed by its keys, or `{path} = \
         {{ key = value }}`; `[[…]]` makes a list)"
    )
}

/// A `--set` of a swept path, of a table holding one or of a key inside one: the sweep's values
/// would override it at every point, silently, while the resolved scenario showed it. The
/// first such `--set`, as an error naming it; `given` when the sweep is a grid the caller gave
/// ([`super::plan_with`]) rather than the file's `[sweep]`. A key that cannot be swept at all
/// (`scenario.duration`) is left to the sweep's own check, which names the real problem.
pub(super) fn swept_set(
    sweep: &Sweep,
    overrides: &[(String, String)],
    given: bool,
) -> Option<Diagnostic> {
    overrides.iter().find_map(|(path, text)| {
        let key =
            sweep.values.keys().find(|k| sweepable(k) && (within(k, path) || within(path, k)))?;
        let message = if given {
            format!(
                "{key} is swept by the grid given: it cannot also be set (change the grid's \
                 values instead)"
            )
        } else {
            format!(
                "{key} is swept by the scenario's [sweep]: a --set cannot change it (edit the \
                 sweep's values instead)"
            )
        };
        Some(at(&format!("--set {path}={text}"), path, &message))
    })
}

/// Values no field of a scenario takes, by dotted path, with why: a float that is not a number
/// (`nan`, `inf`: on their way to an economy's parameters they would read as "not given"), and
/// a line break in a string (names, labels and swept values go into the CSV outputs, a row a
/// line; the scenario's `description` may have them). A list's items are named by index
/// (`sweep.values."economy.params.alpha"[0]`).
pub(super) fn bad_values(table: &Table, sweep: Option<&Sweep>) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    bad_in(table, "", &mut out);
    // The sweep's values are named below, by key and index.
    out.retain(|(p, _)| !within("sweep", p) && p != "scenario.description");
    for (key, values) in sweep.iter().flat_map(|s| &s.values) {
        for (i, v) in values.iter().enumerate() {
            bad_value(v, format!("sweep.values.\"{key}\"[{i}]"), &mut out);
        }
    }
    out
}

const NOT_A_NUMBER: &str = "not a number (nan and inf are no value of any field)";
const LINE_BREAK: &str = "a line break: the value goes into the CSV outputs, a row a line";

fn bad_in(table: &Table, prefix: &str, out: &mut Vec<(String, &'static str)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        bad_value(value, path, out);
    }
}

fn bad_value(value: &Value, path: String, out: &mut Vec<(String, &'static str)>) {
    match value {
        Value::Float(x) if !x.is_finite() => out.push((path, NOT_A_NUMBER)),
        Value::String(t) if t.contains(['\n', '\r']) => out.push((path, LINE_BREAK)),
        Value::Table(t) => bad_in(t, &path, out),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                bad_value(v, format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}
