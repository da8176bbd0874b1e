//! A value of a kind its field does not take (`-1` or `"x"` for a count, a date-time for a
//! number), said in the field's own terms: the range its validation checks, not the range of
//! the integer type that holds it.

use ergon_core::Model;
use toml::{Table, Value};

use super::spans::span_of;
use super::{File, RUNS_MAX, key_and_index};
use crate::diag::{Diagnostics, PROBLEMS_SHOWN, Source, toml_keys, with_suggestion};

/// The problems of a file whose reading (of `table`, its text `source`) failed with `first`:
/// when that is a value of a kind its field does not take, every such value of the file, in
/// the file's order — each found by reading again without those found before it, up to
/// [`PROBLEMS_SHOWN`] — so that one check shows them all; anything else (an unknown or a
/// missing field) stops the search, and is reported alone when it comes first. The values'
/// ranges and consistency are checked once the kinds are right.
pub(super) fn read_problems<M: Model>(
    source: Source<'_>,
    table: &Table,
    first: &toml::de::Error,
) -> Diagnostics {
    let spans = toml::de::DeTable::parse(source.text).ok();
    let mut found = vec![(first.span(), toml_keys(first), read_message::<M>(table, first))];
    let (mut rest, mut last) = (table.clone(), first.clone());
    while found.len() < PROBLEMS_SHOWN {
        let kind = kind_error(last.message()).is_some();
        let Some(path) = toml_keys(&last).filter(|_| kind) else { break };
        if !remove_at(&mut rest, &path) {
            break;
        }
        let Err(next) = rest.clone().try_into::<File<M>>() else { break };
        let Some(at) = toml_keys(&next).filter(|_| kind_error(next.message()).is_some()) else {
            break;
        };
        let span = spans.as_ref().and_then(|t| span_of(t.get_ref(), &at));
        found.push((span, Some(at), read_message::<M>(&rest, &next)));
        last = next;
    }
    found.sort_by_key(|(span, ..)| span.as_ref().map_or(usize::MAX, |s| s.start));
    Diagnostics(found.into_iter().map(|(span, at, m)| source.diagnostic(span, at, m)).collect())
}

/// Removes the key at dotted `path` (from every entry of a list on the way, as the reader
/// names them unnumbered); whether anything was removed.
fn remove_at(table: &mut Table, path: &str) -> bool {
    let Some((head, last)) = path.rsplit_once('.') else {
        return table.remove(path).is_some();
    };
    let mut removed = false;
    values_at_mut(table, head, &mut |v| match v {
        Value::Table(t) => removed |= t.remove(last).is_some(),
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::Table(t) = item {
                    removed |= t.remove(last).is_some();
                }
            }
        }
        _ => {}
    });
    removed
}

/// The message for `e`, an error reading `table` as a scenario of model `M`. A whole number
/// its field's type cannot hold is refused with the field's own range where it has one
/// ([`Model::whole_ranges`], `scenario.runs`): "must be a whole number from 1 to 100000, not
/// -1"; a date-time is named so ("a date-time is no value of this field: expected …"), not as
/// the table TOML's reader makes of it.
pub(super) fn read_message<M: Model>(table: &Table, e: &toml::de::Error) -> String {
    let message = e.message();
    let (Some(path), Some((given, expected))) = (toml_keys(e), kind_error(message)) else {
        return with_suggestion(message);
    };
    let whole = ["u64", "u32", "u16", "u8", "usize", "i64"].contains(&expected);
    let range = if whole { range_of::<M>(table, &path) } else { None };
    let wants = match range {
        Some((least, most)) => format!("a whole number from {least} to {most}"),
        None => {
            let words = with_suggestion(&format!("expected {expected}"));
            words.strip_prefix("expected ").unwrap_or(&words).to_owned()
        }
    };
    let mut datetime = false;
    values_at(table, &path, &mut |v| datetime |= v.is_datetime());
    if datetime {
        return format!("a date-time is no value of this field: expected {wants}");
    }
    match range {
        Some(_) => format!("must be {wants}, not {}", shown(given)),
        None => with_suggestion(message),
    }
}

/// A type error's value and what was expected: `invalid value: integer `-1`, expected u32` →
/// ("integer `-1`", "u32").
fn kind_error(message: &str) -> Option<(&str, &str)> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    rest.split_once(", expected ")
}

/// A value as a type error describes it, as the scenario would write it.
fn shown(given: &str) -> String {
    let quoted = ["integer ", "floating point ", "boolean "]
        .iter()
        .find_map(|p| given.strip_prefix(p)?.strip_prefix('`')?.strip_suffix('`'));
    match (quoted, given) {
        (Some(v), _) => v.to_owned(),
        (None, "map") => "a table".to_owned(),
        (None, "sequence") => "a list".to_owned(),
        (None, g) => g.strip_prefix("string ").unwrap_or(g).to_owned(),
    }
}

/// The range of the whole-number field at dotted `path` (a list's entries unnumbered, as the
/// reader names them), as the scenario's other values make it: its validation's, read with 0
/// in its place (or the sections' defaults, when the scenario does not read so either).
fn range_of<M: Model>(table: &Table, path: &str) -> Option<(u64, u64)> {
    if path == "scenario.runs" {
        return Some((1, u64::from(RUNS_MAX)));
    }
    let mut probe = table.clone();
    values_at_mut(&mut probe, path, &mut |v| *v = Value::Integer(0));
    let ranges = match probe.try_into::<File<M>>() {
        Ok(f) => M::whole_ranges(&f.economy, &f.agents),
        Err(_) => M::whole_ranges(&M::Config::default(), &M::Agents::default()),
    };
    let bare = unnumbered(path);
    ranges
        .into_iter()
        .find(|(p, least, most)| unnumbered(p) == bare && least <= most)
        .map(|(_, least, most)| (least, most))
}

/// `path` without its entries' numbers (`agents.groups[0].workers` → `agents.groups.workers`).
fn unnumbered(path: &str) -> String {
    path.split('.').map(|p| key_and_index(p).0).collect::<Vec<_>>().join(".")
}

/// Calls `f` with each value at dotted `path` in `table`: every entry of a list on the way
/// unless the part names one (`groups[0]`).
fn values_at(table: &Table, path: &str, f: &mut dyn FnMut(&Value)) {
    let mut copy = table.clone();
    values_at_mut(&mut copy, path, &mut |v| f(v));
}

fn values_at_mut(table: &mut Table, path: &str, f: &mut dyn FnMut(&mut Value)) {
    let (head, rest) = path.split_once('.').map_or((path, None), |(h, r)| (h, Some(r)));
    let (key, index) = key_and_index(head);
    let Some(value) = table.get_mut(key) else { return };
    let mut at = |v: &mut Value| match (rest, v) {
        (None, v) => f(v),
        (Some(r), Value::Table(t)) => values_at_mut(t, r, f),
        _ => {}
    };
    match (value, index) {
        (Value::Array(items), Some(i)) => items.get_mut(i).into_iter().for_each(&mut at),
        (Value::Array(items), None) if rest.is_some() => items.iter_mut().for_each(&mut at),
        (v, _) => at(v),
    }
}
