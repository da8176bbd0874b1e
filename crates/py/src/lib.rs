//! # ergon-py — the Python module `ergon`
//!
//! Glue only, as the `ergon` command is (docs/python.md): Python arguments become a scenario's
//! text and overrides ([`convert`]), the registry validates and runs it ([`running`]), errors
//! become exceptions in one file ([`errors`]). The compiled part is `ergon._ergon`; the Python
//! package around it (`python/ergon`) turns the Parquet bytes into pyarrow tables and holds
//! `ergon.ray`. No economics here: an economy in the registry is reachable from Python as it
//! lands.

mod convert;
mod errors;
mod running;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::convert::Flag;
use crate::errors::{Failure, Result};

/// Runs `f`, turning its failure into the Python exception.
fn raise<T>(py: Python<'_>, f: impl FnOnce() -> Result<T>) -> PyResult<T> {
    f().map_err(|e| e.into_py_err(py))
}

/// Runs a scenario (or its sweep): the bytes of its `metrics.parquet` and the text of its
/// `summary.json`. `jobs` = (first, end) runs only those jobs (point-major indexes), with the
/// seeds they have in the whole run; `sweep` requires a grid (from `grid` or the file).
#[pyfunction]
#[pyo3(signature = (scenario, *, runs=None, seed=None, epochs=None, set=None, threads=None,
    grid=None, jobs=None, sweep=false, paranoid=Flag::default(false)))]
#[allow(clippy::too_many_arguments)]
fn _run<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    runs: Option<&Bound<'py, PyAny>>,
    seed: Option<&Bound<'py, PyAny>>,
    epochs: Option<&Bound<'py, PyAny>>,
    set: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
    grid: Option<&Bound<'py, PyAny>>,
    jobs: Option<(usize, usize)>,
    sweep: bool,
    paranoid: Flag,
) -> PyResult<(Bound<'py, PyBytes>, String)> {
    raise(py, || {
        let paranoid = paranoid.get("paranoid")?;
        let (name, text) = convert::scenario(scenario)?;
        let overrides = convert::overrides(runs, seed, epochs, set)?;
        let grid = grid.map(convert::grid).transpose()?;
        let sim = running::plan(&name, &text, &overrides, grid.as_ref())?;
        if sweep && sim.info().sweep_keys.is_empty() {
            return Err(Failure::Input(
                "no_sweep",
                format!("{name}: a sweep needs a grid (grid=… or a [sweep] section)"),
            ));
        }
        // As `--threads`: at least 1 (none given: one per core).
        let threads = convert::whole("threads", threads, (1, u64::from(u16::MAX)))?;
        let options = running::Options {
            threads: threads.map_or(0, |t| t as usize),
            jobs: jobs.map(|(a, b)| a..b),
            paranoid,
        };
        let ran = running::run(py, sim.as_ref(), &options)?;
        Ok((PyBytes::new(py, &ran.parquet), ran.summary))
    })
}

/// The name and TOML text of a scenario argument (a path, a shipped name, a dict): what a Ray
/// task is sent, so that workers need no copy of the file.
#[pyfunction]
fn _source(py: Python<'_>, scenario: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    raise(py, || convert::scenario(scenario))
}

/// Validates a scenario (with the options of `run`) and, with `genesis`, builds every run's
/// genesis, running nothing (`ergon check`): its figures as a dict. Raises `ScenarioError`
/// with the problems.
#[pyfunction]
#[pyo3(signature = (scenario, *, runs=None, seed=None, epochs=None, set=None, grid=None,
    genesis=Flag::default(true)))]
#[pyo3(
    text_signature = "(scenario, *, runs=None, seed=None, epochs=None, set=None, grid=None, genesis=True)"
)]
#[allow(clippy::too_many_arguments)]
fn check<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    runs: Option<&Bound<'py, PyAny>>,
    seed: Option<&Bound<'py, PyAny>>,
    epochs: Option<&Bound<'py, PyAny>>,
    set: Option<&Bound<'py, PyAny>>,
    grid: Option<&Bound<'py, PyAny>>,
    genesis: Flag,
) -> PyResult<Bound<'py, PyDict>> {
    raise(py, || {
        let genesis = genesis.get("genesis")?;
        let (name, text) = convert::scenario(scenario)?;
        let overrides = convert::overrides(runs, seed, epochs, set)?;
        let grid = grid.map(convert::grid).transpose()?;
        let sim = running::plan(&name, &text, &overrides, grid.as_ref())?;
        let built = if genesis { py.detach(|| sim.build_all()) } else { Ok(()) };
        built.map_err(|e| {
            Failure::Scenario(
                "genesis_refused",
                ergon_sim::Diagnostics(vec![ergon_sim::Diagnostic {
                    location: name.clone(),
                    field: None,
                    message: e.to_string(),
                    snippet: None,
                }]),
            )
        })?;
        let info = sim.info();
        let d = PyDict::new(py);
        d.set_item("name", &info.name)?;
        d.set_item("economy", info.economy)?;
        d.set_item("epochs", info.epochs)?;
        d.set_item("epochs_per_day", info.epochs_per_day)?;
        d.set_item("step_name", info.step_name)?;
        d.set_item("record_every", info.record_every)?;
        d.set_item("runs", info.runs)?;
        d.set_item("seed", info.seed)?;
        d.set_item("parameter_hash", &info.hash)?;
        d.set_item("sweep_keys", &info.sweep_keys)?;
        let points = PyList::empty(py);
        for p in &info.points {
            let point = PyDict::new(py);
            for (k, v) in p {
                point.set_item(k, v)?;
            }
            points.append(point)?;
        }
        d.set_item("points", points)?;
        d.set_item("memory_per_run", info.memory_per_run)?;
        Ok(d)
    })
}

/// The shipped scenarios: name, economy and description of each.
#[pyfunction]
fn scenarios(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for e in ergon_registry::ECONOMIES {
        for s in e.scenarios {
            let d = PyDict::new(py);
            d.set_item("name", s.name)?;
            d.set_item("economy", e.name)?;
            d.set_item("description", s.about())?;
            list.append(d)?;
        }
    }
    Ok(list)
}

/// The economies of this build: name and description of each.
#[pyfunction]
fn economies(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for e in ergon_registry::ECONOMIES {
        let d = PyDict::new(py);
        d.set_item("name", e.name)?;
        d.set_item("description", e.about)?;
        list.append(d)?;
    }
    Ok(list)
}

/// Replays a JSON Lines file of actions (`ergon replay`): its output lines and, with `state`,
/// the final state as JSON text.
#[pyfunction]
#[pyo3(signature = (path, *, check=Flag::default(true), full_check=Flag::default(false),
    state=false))]
fn _replay(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    check: Flag,
    full_check: Flag,
    state: bool,
) -> PyResult<(Vec<String>, Option<String>)> {
    raise(py, || {
        let path = convert::path(path)?;
        let (check, full_check) = (check.get("check")?, full_check.get("full_check")?);
        if full_check && !check {
            return Err(Failure::Input(
                "bad_input",
                "full_check=True cannot go with check=False (as `ergon replay` refuses \
                 --full-check with --no-check)"
                    .to_owned(),
            ));
        }
        let name = path.display().to_string();
        let file = std::fs::File::open(&path)
            .map_err(|e| Failure::Input("bad_input", format!("cannot open {name}: {e}")))?;
        let options = ergon_registry::replay::ReplayOptions { check, full_check, state };
        let replayed = py.detach(|| ergon_registry::replay::replay(file, &name, options))?;
        Ok((replayed.lines, replayed.state.map(|s| s.to_string())))
    })
}

/// The compiled part of the `ergon` package.
#[pymodule]
fn _ergon(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add("VERSION", ergon_registry::VERSION)?;
    m.add_function(wrap_pyfunction!(_run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(economies, m)?)?;
    m.add_function(wrap_pyfunction!(_replay, m)?)?;
    m.add_function(wrap_pyfunction!(_source, m)?)?;
    Ok(())
}
