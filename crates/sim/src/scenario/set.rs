//! `--set PATH=VALUE` and sweep keys: a value parsed as TOML, set at a dotted path whose parts
//! may name an entry of a list (`key[i]`), as the diagnostics name it.

use toml::{Table, Value};

use super::key_and_index;

/// A `--set` value: TOML (`5`, `0.1`, `"x"`, `[1, 2]`, `{ dist = "uniform", … }`), or else a
/// bare string; an integer beyond TOML's (64-bit signed) is refused, not taken as a string.
pub(super) fn parse_value(text: &str) -> Result<Value, String> {
    if let Some(v) =
        toml::from_str::<Table>(&format!("v = {text}")).ok().and_then(|mut t| t.remove("v"))
    {
        return Ok(v);
    }
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text).replace('_', "");
    let beyond = digits.len() > 18
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.parse::<u128>().map_or(true, |v| v > i64::MAX as u128);
    if beyond {
        return Err(format!(
            "the integer {text} is beyond a scenario's integers (at most {}; quote it, \"{text}\", \
             where a field takes a decimal string)",
            i64::MAX
        ));
    }
    Ok(Value::String(text.to_owned()))
}

/// Sets `path` (dotted) in `table`, creating tables on the way; a part `key[i]` names entry `i`
/// of the list `key` (an entry of an array of tables, `agents.groups[0].workers`, or a value of
/// a list, `agents.groups[0].tiers[1]`), as the diagnostics name them.
pub(super) fn set_path(table: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("{path:?} is not a dotted path"));
    }
    if parts.len() > PATH_PARTS_MAX {
        let n = parts.len();
        return Err(format!("a path of {n} parts: at most {PATH_PARTS_MAX} (no field is deeper)"));
    }
    for p in &parts {
        check_part(p, path)?;
    }
    let (last, init) = parts.split_last().expect("split yields at least one part");
    let mut t = table;
    for p in init {
        let (key, index) = key_and_index(p);
        let entry = t.entry(key.to_owned()).or_insert_with(|| Value::Table(Table::new()));
        let entry = match index {
            None => entry,
            Some(i) => list_entry(entry, key, i, path)?,
        };
        t = match entry {
            Value::Table(inner) => inner,
            Value::Array(_) => {
                return Err(format!("{key:?} in {path:?} is a list: name an entry, {key}[0]"));
            }
            _ => return Err(format!("{p:?} in {path:?} is a value, not a table")),
        };
    }
    let (key, index) = key_and_index(last);
    match index {
        None => {
            t.insert(key.to_owned(), value);
        }
        Some(i) => {
            let entry = t.get_mut(key).ok_or_else(|| format!("{key:?} in {path:?} is not set"))?;
            *list_entry(entry, key, i, path)? = value;
        }
    }
    Ok(())
}

/// The most parts a `--set` path or sweep key may have: the deepest field is five parts down
/// (`agents.groups[0].tiers[1]`), and a path nested thousands deep would build tables too deep
/// to drop.
const PATH_PARTS_MAX: usize = 16;

/// A part of `path` is a key, or a key and an entry of its list, `key[i]` (`i` a number, the
/// `]` last): anything else is refused by name, not read as the bare key.
fn check_part(part: &str, path: &str) -> Result<(), String> {
    let Some((key, rest)) = part.split_once('[') else {
        return match part.contains(']') {
            true => Err(format!("{part:?} in {path:?} has a `]` without its `[`")),
            false => Ok(()),
        };
    };
    let index = rest.strip_suffix(']').filter(|i| !i.contains(['[', ']']));
    match index.map(str::parse::<usize>) {
        Some(Ok(_)) if !key.is_empty() => Ok(()),
        _ => Err(format!("{part:?} in {path:?} is not a key or key[n] (n an entry's number)")),
    }
}

/// Entry `i` of the list `value` (named `key` in `path`), or why there is none.
fn list_entry<'a>(
    value: &'a mut Value,
    key: &str,
    i: usize,
    path: &str,
) -> Result<&'a mut Value, String> {
    match value {
        Value::Array(items) => {
            let n = items.len();
            let entries = if n == 1 { "1 entry".to_owned() } else { format!("{n} entries") };
            items
                .get_mut(i)
                .ok_or_else(|| format!("{key:?} in {path:?} has {entries}: [{i}] is none of them"))
        }
        _ => Err(format!("{key:?} in {path:?} is not a list: [{i}] names nothing")),
    }
}

/// The overrides that a run's own options make — Monte Carlo runs, master seed, duration
/// (`ergon run --runs --seed --epochs`; `ergon.run(runs=, seed=, epochs=)` in Python) — as
/// (path, TOML value text) pairs for [`super::plan`], to come before the `--set` ones. A
/// duration of digits only is a number of steps; any other is duration text (`"90d"`).
#[must_use]
pub fn run_overrides(
    runs: Option<u32>,
    seed: Option<u64>,
    duration: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(r) = runs {
        out.push(("scenario.runs".to_owned(), r.to_string()));
    }
    if let Some(s) = seed {
        out.push(("scenario.seed".to_owned(), s.to_string()));
    }
    if let Some(e) = duration {
        // A count of epochs as a TOML integer when it is one (a scenario's integers stop at
        // 2^63 − 1); any other text as a TOML string, with TOML's escapes (not Rust's `{:?}`).
        let digits = !e.is_empty() && e.chars().all(|c| c.is_ascii_digit());
        let v = if digits && e.parse::<i64>().is_ok() {
            e.to_owned()
        } else {
            toml::Value::String(e.to_owned()).to_string()
        };
        out.push(("scenario.duration".to_owned(), v));
    }
    out
}

/// The first of `options` (from [`run_overrides`]) whose field one of `sets` (the `--set`
/// overrides) sets too — the field itself or a table holding it (`scenario`): one would
/// silently override the other, so the caller refuses both, naming them in its own words.
/// (index in `options`, index in `sets`).
#[must_use]
pub fn option_set_twice(
    options: &[(String, String)],
    sets: &[(String, String)],
) -> Option<(usize, usize)> {
    options.iter().enumerate().find_map(|(i, (path, _))| {
        sets.iter().position(|(k, _)| super::shape::within(k, path)).map(|j| (i, j))
    })
}
