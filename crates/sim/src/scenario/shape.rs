//! Shapes a scenario must keep: a table where the scenario has a table (not a list read field
//! by field), and a swept value left to the sweep.

use toml::{Table, Value};

use super::at;
use crate::diag::Diagnostic;
use crate::sweep::Sweep;

/// The paths where the scenario gives a list and the resolved scenario has a table: serde reads
/// a table from a list field by field, by position, so `users = [77]` would set the user count
/// and `agents = []` drop every agent setting, silently.
pub(super) fn lists_for_tables(
    given: &Table,
    resolved: &Table,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for (key, value) in given {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match (value, resolved.get(key)) {
            (Value::Array(_), Some(Value::Table(_))) => out.push(path),
            (Value::Table(a), Some(Value::Table(b))) => lists_for_tables(a, b, &path, out),
            _ => {}
        }
    }
}

/// Whether dotted path `inner` is `outer` or a key inside it.
pub(super) fn within(outer: &str, inner: &str) -> bool {
    inner.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
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
/// first such `--set`, as an error naming it.
pub(super) fn swept_set(sweep: &Sweep, overrides: &[(String, String)]) -> Option<Diagnostic> {
    overrides.iter().find_map(|(path, text)| {
        let key = sweep.values.keys().find(|k| within(k, path) || within(path, k))?;
        let message = format!(
            "{key} is swept by the scenario's [sweep]: a --set cannot change it (edit the \
             sweep's values instead)"
        );
        Some(at(&format!("--set {path}={text}"), path, &message))
    })
}
