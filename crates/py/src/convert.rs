//! Python arguments into what the libraries take: a scenario (a path, a shipped name or a dict
//! shaped like the TOML file) into its name and TOML text; `set` values into `--set` value text;
//! a `grid` into the scenario's `[sweep]`; the run options into overrides. No scenario is parsed
//! here: the text goes to the same validation as a file's (`ergon_sim::scenario`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use ergon_sim::scenario::GIVEN_SWEEP;
use ergon_sim::{Sweep, SweepMode};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use toml::Value;

use crate::errors::{Failure, Result};

/// The name a scenario given as a dict has in messages.
pub(crate) const DICT_NAME: &str = "<dict>";

/// The most lists and dicts a value may lie in, the argument's own counted (a scenario nests a
/// few): a deeper one is refused, as is one that contains itself, before the conversion's
/// recursion could exhaust the stack. It stays below the TOML reader's own limit (80 levels),
/// so that no value this accepts is refused there, or taken for a string by `set`'s reading.
pub(crate) const DEPTH_MAX: usize = 64;

/// An `InputError` of bad input.
fn bad_input(message: String) -> Failure {
    Failure::Input("bad_input", message)
}

/// The Python type name of `obj` with its article, for messages: `a list`, `an int`.
fn a_type(obj: &Bound<'_, PyAny>) -> String {
    let name = obj.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string());
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {name}")
}

/// `repr(obj)`, for messages.
fn shown(obj: &Bound<'_, PyAny>) -> String {
    obj.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string())
}

/// A key and its value, as a mapping holds them.
type Items<'py> = Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

/// The items of a dict, or of any other mapping (`collections.abc.Mapping`), in its order; None
/// for anything else.
fn items<'py>(obj: &Bound<'py, PyAny>) -> Result<Option<Items<'py>>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return Ok(Some(d.iter().collect()));
    }
    let Ok(m) = obj.cast::<PyMapping>() else { return Ok(None) };
    let pairs = m.items()?;
    Ok(Some(pairs.iter().map(|kv| kv.extract()).collect::<PyResult<_>>()?))
}

/// The items of the mapping a keyword argument (`set`, `grid`) takes; anything else is refused
/// naming the argument and what it takes.
fn argument<'py>(name: &str, obj: &Bound<'py, PyAny>, takes: &str) -> Result<Items<'py>> {
    items(obj)?.ok_or_else(|| bad_input(format!("{name}: give {takes}, not {}", a_type(obj))))
}

/// The lists and dicts being converted, outermost first, by address: how deep a value lies,
/// and whether it is one of the containers it lies in.
#[derive(Default)]
struct Open(Vec<usize>);

impl Open {
    /// Enters the list or dict `obj` (named `what`): refused when it is one it lies in (it
    /// refers to itself) or lies [`DEPTH_MAX`] deep already.
    fn enter(&mut self, obj: &Bound<'_, PyAny>, what: &str) -> Result<()> {
        let id = obj.as_ptr() as usize;
        if self.0.contains(&id) {
            return Err(bad_input(format!(
                "{what}: refers to itself (a list or dict inside itself has no TOML value)"
            )));
        }
        if self.0.len() >= DEPTH_MAX {
            return Err(bad_input(format!(
                "{what}: nested deeper than {DEPTH_MAX} levels of lists and dicts"
            )));
        }
        self.0.push(id);
        Ok(())
    }

    /// Leaves the list or dict entered last.
    fn leave(&mut self) {
        self.0.pop();
    }
}

/// A Python value as a TOML value; `what` names it in an error.
fn value(obj: &Bound<'_, PyAny>, what: &str, open: &mut Open) -> Result<Value> {
    let bad = |why: String| bad_input(format!("{what}: {why}"));
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
        open.enter(obj, what)?;
        let items: Vec<Bound<'_, PyAny>> = obj.extract()?;
        let list = items.iter().map(|v| value(v, what, open)).collect::<Result<_>>()?;
        open.leave();
        return Ok(Value::Array(list));
    }
    if let Some(entries) = items(obj)? {
        return table(obj, entries, what, open).map(Value::Table);
    }
    let kind = a_type(obj);
    Err(bad(format!("{kind} has no TOML value (use bool, int, float, str, list or dict)")))
}

/// The mapping `obj` (its `entries`), with string keys, as a TOML table.
fn table(
    obj: &Bound<'_, PyAny>,
    entries: Items<'_>,
    what: &str,
    open: &mut Open,
) -> Result<toml::Table> {
    open.enter(obj, what)?;
    let mut t = toml::Table::new();
    for (k, v) in entries {
        let key: String =
            k.extract().map_err(|_| bad_input(format!("{what}: the key {k} is not a string")))?;
        let inner = format!("{what}.{key}");
        t.insert(key, value(&v, &inner, open)?);
    }
    open.leave();
    Ok(t)
}

/// The scenario's name and TOML text: a dict (or another mapping) is written as TOML; a (name,
/// text) pair, as `_source` returns it, is taken as it is; anything else is a path or a shipped
/// scenario's name (`str` or `os.PathLike`).
pub(crate) fn scenario(obj: &Bound<'_, PyAny>) -> Result<(String, String)> {
    if let Some(entries) = items(obj)? {
        let t = table(obj, entries, "scenario", &mut Open::default())?;
        let text = toml::to_string(&t).map_err(|e| bad_input(format!("scenario: {e}")))?;
        return Ok((DICT_NAME.to_owned(), text));
    }
    if let Ok(source) = obj.extract::<(String, String)>() {
        return Ok(source);
    }
    let path: PathBuf = obj.extract().map_err(|_| {
        bad_input("scenario: give a shipped scenario's name, a path or a dict".to_owned())
    })?;
    ergon_registry::input::read_scenario(Some(&path)).map_err(bad_input)
}

/// A keyword argument that takes `True` or `False` (NumPy's bools too), as given: anything else
/// is refused by [`Flag::get`] naming the argument (pyo3's own refusal is a bare `TypeError`).
pub(crate) struct Flag(std::result::Result<bool, String>);

impl FromPyObject<'_, '_> for Flag {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        Ok(Flag(obj.extract::<bool>().map_err(|_| shown(&obj))))
    }
}

impl Flag {
    /// The default of an argument.
    pub(crate) const fn default(b: bool) -> Self {
        Flag(Ok(b))
    }

    /// The value of argument `name`.
    pub(crate) fn get(self, name: &str) -> Result<bool> {
        self.0.map_err(|v| bad_input(format!("{name}: {v} is not True or False")))
    }
}

/// The path argument of a replay: `str` or `os.PathLike`.
pub(crate) fn path(obj: &Bound<'_, PyAny>) -> Result<PathBuf> {
    obj.extract().map_err(|_| {
        bad_input(format!(
            "path: {} is not a path (give a str or an os.PathLike of a JSON Lines file)",
            shown(obj)
        ))
    })
}

/// `v` as an integer, when Python takes it as one (`operator.index`: `int`, NumPy's integers),
/// but not a bool or a float.
fn index(v: &Bound<'_, PyAny>) -> Option<i128> {
    if v.is_instance_of::<PyBool>() || v.is_instance_of::<PyFloat>() {
        return None;
    }
    let index = v.py().import("operator").and_then(|op| op.call_method1("index", (v,)));
    index.ok().and_then(|i| i.extract::<i128>().ok())
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
    match index(v).and_then(|n| u64::try_from(n).ok()).filter(|&n| (min..=max).contains(&n)) {
        Some(n) => Ok(Some(n)),
        None => Err(bad_input(format!(
            "{name}: {} is not a whole number from {min} to {max}",
            shown(v)
        ))),
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
    set: Option<&Bound<'_, PyAny>>,
) -> Result<Overrides> {
    let runs =
        whole("runs", runs, (1, u64::from(ergon_sim::scenario::RUNS_MAX)))?.map(|r| r as u32);
    // A scenario's integers (TOML's), as `--seed` takes them: 0 to 2^63 − 1.
    let seed = whole("seed", seed, (0, i64::MAX as u64))?;
    // Steps (an integer, NumPy's too, as `runs` takes them), or duration text.
    let epochs = match epochs {
        None => None,
        Some(e) if e.is_instance_of::<PyString>() => Some(e.extract::<String>()?),
        Some(e) => match index(e).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => Some(n.to_string()),
            None => {
                return Err(bad_input(format!(
                    "epochs: {} is not a number of steps (a whole number from 0) or text like \
                     \"90d\"",
                    shown(e)
                )));
            }
        },
    };
    let mut out = ergon_sim::scenario::run_overrides(runs, seed, epochs.as_deref());
    let options = out.len();
    let takes = "a dict of dotted paths to values";
    let set = set.map(|s| argument("set", s, takes)).transpose()?.unwrap_or_default();
    for (k, v) in set {
        let path: String =
            k.extract().map_err(|_| bad_input(format!("set: the key {k} is not a string")))?;
        let text = value(&v, &format!("set[{path:?}]"), &mut Open::default())?.to_string();
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
pub(crate) fn grid(g: &Bound<'_, PyAny>) -> Result<Sweep> {
    let mut values = BTreeMap::new();
    for (k, v) in argument("grid", g, "a dict of dotted paths to lists of values")? {
        let path: String =
            k.extract().map_err(|_| bad_input(format!("grid: the key {k} is not a string")))?;
        let what = format!("grid[{path:?}]");
        let Value::Array(list) = value(&v, &what, &mut Open::default())? else {
            return Err(bad_input(format!("{what}: give a list of values")));
        };
        values.insert(path, list);
    }
    Ok(Sweep { mode: SweepMode::Grid, values })
}

/// Names the problems of the grid given (located at [`GIVEN_SWEEP`] by the plan) as the call
/// gave it: `grid["agents.users.count"][1]=5` (a value), `grid["scenario.duration"]` (a key),
/// `grid` (the whole grid).
pub(crate) fn name_grid(d: &mut ergon_sim::Diagnostics, grid: &Sweep) {
    for p in &mut d.0 {
        let Some(path) = p.location.strip_prefix(GIVEN_SWEEP) else { continue };
        let keyed = path.strip_prefix("sweep.values.\"").and_then(|r| r.rsplit_once('"'));
        p.location = match keyed {
            None => "grid".to_owned(),
            Some((key, rest)) => {
                let item = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
                let text = item
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| Some((i, grid.values.get(key)?.get(i)?)));
                match text {
                    Some((i, v)) => format!("grid[{key:?}][{i}]={v}"),
                    None => format!("grid[{key:?}]"),
                }
            }
        };
    }
}
