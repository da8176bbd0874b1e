//! Python arguments into what the libraries take: a scenario (a path, a shipped name or a dict
//! shaped like the TOML file) into its name and TOML text; `set` values into `--set` value text;
//! a `grid` into the scenario's `[sweep]`; the run options into overrides. No scenario is parsed
//! here: the text goes to the same validation as a file's (`ergon_sim::scenario`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use ergon_sim::{Sweep, SweepMode};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use toml::Value;

use crate::errors::{Failure, Result};

/// The name a scenario given as a dict has in messages.
pub(crate) const DICT_NAME: &str = "<dict>";

/// A Python value as a TOML value; `what` names it in an error.
fn value(obj: &Bound<'_, PyAny>, what: &str) -> Result<Value> {
    let bad = |why: String| Failure::Input("bad_input", format!("{what}: {why}"));
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Boolean(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        let n: i64 = obj.extract().map_err(|_| bad(format!("{obj} does not fit 64 bits")))?;
        return Ok(Value::Integer(n));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(obj.extract()?));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = obj.extract()?;
        return items.iter().map(|v| value(v, what)).collect::<Result<_>>().map(Value::Array);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return table(d, what).map(Value::Table);
    }
    let kind = obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string());
    Err(bad(format!("a {kind} has no TOML value (use bool, int, float, str, list or dict)")))
}

/// A dict with string keys as a TOML table.
fn table(d: &Bound<'_, PyDict>, what: &str) -> Result<toml::Table> {
    let mut t = toml::Table::new();
    for (k, v) in d.iter() {
        let key: String = k.extract().map_err(|_| {
            Failure::Input("bad_input", format!("{what}: the key {k} is not a string"))
        })?;
        let inner = format!("{what}.{key}");
        t.insert(key, value(&v, &inner)?);
    }
    Ok(t)
}

/// The scenario's name and TOML text: a dict is written as TOML; a (name, text) pair, as
/// `_source` returns it, is taken as it is; anything else is a path or a shipped scenario's
/// name (`str` or `os.PathLike`).
pub(crate) fn scenario(obj: &Bound<'_, PyAny>) -> Result<(String, String)> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let t = table(d, "scenario")?;
        let text = toml::to_string(&t)
            .map_err(|e| Failure::Input("bad_input", format!("scenario: {e}")))?;
        return Ok((DICT_NAME.to_owned(), text));
    }
    if let Ok(source) = obj.extract::<(String, String)>() {
        return Ok(source);
    }
    let path: PathBuf = obj.extract().map_err(|_| {
        Failure::Input(
            "bad_input",
            "scenario: give a shipped scenario's name, a path or a dict".to_owned(),
        )
    })?;
    ergon_registry::input::read_scenario(Some(&path)).map_err(|m| Failure::Input("bad_input", m))
}

/// A whole-number option (`runs`, `seed`, `threads`) from `min` to `max` (the option's own
/// range, as the command's), or None: an integer, or
/// anything Python takes as one (`__index__`: NumPy's integers), but not a bool. Anything else
/// is refused naming the option and the value (a float, a string, a negative or too large
/// number; Python's own conversion would raise an `OverflowError` naming neither).
pub(crate) fn whole(
    name: &str,
    v: Option<&Bound<'_, PyAny>>,
    (min, max): (u64, u64),
) -> Result<Option<u64>> {
    let Some(v) = v else { return Ok(None) };
    let n = if v.is_instance_of::<PyBool>() || v.is_instance_of::<PyFloat>() {
        None
    } else {
        let index = v.py().import("operator").and_then(|op| op.call_method1("index", (v,)));
        index.ok().and_then(|i| i.extract::<i128>().ok())
    };
    match n.and_then(|n| u64::try_from(n).ok()).filter(|&n| (min..=max).contains(&n)) {
        Some(n) => Ok(Some(n)),
        None => {
            let shown = v.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string());
            Err(Failure::Input(
                "bad_input",
                format!("{name}: {shown} is not a whole number from {min} to {max}"),
            ))
        }
    }
}

/// A call's overrides, as `ergon run` makes them: those of the options `runs`, `seed` and
/// `epochs` first (`options` of them), then the `set` dict's.
pub(crate) struct Overrides {
    /// Dotted path and value text, in the order they apply (a later one of a path wins).
    pub list: Vec<(String, String)>,
    /// How many of `list` come from the options.
    pub options: usize,
}

impl Overrides {
    /// Where a problem's location names an override as the CLI does (`--set path=value`), the
    /// call's own words: the option (`epochs=…`, `runs=…`, `seed=…`) or `set["path"]=…`. The
    /// override named is the last one of that path and value (the one that holds).
    pub(crate) fn name_in(&self, d: &mut ergon_sim::Diagnostics) {
        for p in &mut d.0 {
            let Some(k) = self.list.iter().rposition(|(path, text)| {
                p.location.strip_prefix("--set ").and_then(|l| l.strip_prefix(path.as_str()))
                    == Some(&format!("={text}"))
            }) else {
                continue;
            };
            let (path, text) = &self.list[k];
            p.location = if k < self.options {
                format!("{}={text}", option_name(path))
            } else {
                format!("set[{path:?}]={text}")
            };
        }
    }
}

/// The keyword argument that makes the override of `path`: `runs`, `seed` or `epochs`.
fn option_name(path: &str) -> &'static str {
    match path {
        "scenario.runs" => "runs",
        "scenario.seed" => "seed",
        _ => "epochs",
    }
}

/// The overrides of `runs`, `seed`, `epochs` (steps, or duration text such as `"90d"`) and the
/// `set` dict (dotted path → value), in that order, as `ergon run` makes them.
pub(crate) fn overrides(
    runs: Option<&Bound<'_, PyAny>>,
    seed: Option<&Bound<'_, PyAny>>,
    epochs: Option<&Bound<'_, PyAny>>,
    set: Option<&Bound<'_, PyDict>>,
) -> Result<Overrides> {
    let runs =
        whole("runs", runs, (1, u64::from(ergon_sim::scenario::RUNS_MAX)))?.map(|r| r as u32);
    // A scenario's integers (TOML's), as `--seed` takes them: 0 to 2^63 − 1.
    let seed = whole("seed", seed, (0, i64::MAX as u64))?;
    let epochs = match epochs {
        None => None,
        Some(e) if e.is_instance_of::<PyInt>() && !e.is_instance_of::<PyBool>() => {
            let n: u64 = e.extract().map_err(|_| {
                Failure::Input("bad_input", format!("epochs: {e} is not a number of steps"))
            })?;
            Some(n.to_string())
        }
        Some(e) => Some(e.extract::<String>().map_err(|_| {
            Failure::Input(
                "bad_input",
                "epochs: give a number of steps or text like \"90d\"".into(),
            )
        })?),
    };
    let mut out = ergon_sim::scenario::run_overrides(runs, seed, epochs.as_deref());
    let options = out.len();
    for (k, v) in set.iter().flat_map(|d| d.iter()) {
        let path: String = k.extract().map_err(|_| {
            Failure::Input("bad_input", format!("set: the key {k} is not a string"))
        })?;
        let text = value(&v, &format!("set[{path:?}]"))?.to_string();
        out.push((path, text));
    }
    let (opts, sets) = out.split_at(options);
    if let Some((i, j)) = ergon_sim::scenario::option_set_twice(opts, sets) {
        let ((path, given), (k, text)) = (&opts[i], &sets[j]);
        let option = option_name(path);
        return Err(Failure::Input(
            "bad_input",
            format!("{option}={given} and set[{k:?}]={text} both set {path}: give one of them"),
        ));
    }
    Ok(Overrides { list: out, options })
}

/// The sweep of a `grid` (dotted path → list of values; every combination).
pub(crate) fn grid(g: &Bound<'_, PyDict>) -> Result<Sweep> {
    let mut values = BTreeMap::new();
    for (k, v) in g.iter() {
        let path: String = k.extract().map_err(|_| {
            Failure::Input("bad_input", format!("grid: the key {k} is not a string"))
        })?;
        let what = format!("grid[{path:?}]");
        let Value::Array(list) = value(&v, &what)? else {
            return Err(Failure::Input("bad_input", format!("{what}: give a list of values")));
        };
        values.insert(path, list);
    }
    Ok(Sweep { mode: SweepMode::Grid, values })
}
