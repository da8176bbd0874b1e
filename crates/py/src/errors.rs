//! The one place where the libraries' errors become Python exceptions.
//!
//! Every exception is an `ergon.ErgonError` carrying the stable `code` of what went wrong and
//! the `exit_code` the `ergon` command ends with for it (README, "Commands"): 2 bad input or
//! I/O, 1 a broken invariant. An invalid scenario is an `ergon.ScenarioError` whose `problems`
//! list holds each problem's file, line, column, field and message, as `ergon check` prints
//! them. Ctrl-C is Python's own `KeyboardInterrupt` (the command's exit 130).

use ergon_output::OutputError;
use ergon_registry::RegistryError;
use ergon_registry::replay::ReplayError;
use ergon_sim::{Diagnostics, RunError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

create_exception!(
    ergon,
    ErgonError,
    PyException,
    "Base of every Ergon error: `code` (a stable name) and `exit_code` (that of the `ergon` command for the same failure)."
);
create_exception!(
    ergon,
    ScenarioError,
    ErgonError,
    "An invalid scenario (exit code 2): `problems` lists the problems found (the first 50) as dicts with file, line, column, field, message, location and snippet."
);
create_exception!(
    ergon,
    InputError,
    ErgonError,
    "Bad input or I/O (exit code 2): an unreadable file, a bad replay line, an option out of range, a genesis the economy refuses."
);
create_exception!(
    ergon,
    InvariantError,
    ErgonError,
    "A broken invariant (exit code 1): a bug in Ergon or an economy, never bad input."
);

/// Why a call failed, before it becomes an exception.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An invalid scenario: its problems, and the code (`invalid_scenario`, `genesis_refused`).
    Scenario(&'static str, Diagnostics),
    /// Bad input or I/O: the code and the message.
    Input(&'static str, String),
    /// A broken invariant.
    Invariant(String),
    /// Writing the results failed: the message and the command's exit code for it.
    Output(String, u8),
    /// Python raised (Ctrl-C while running): raised again as it is.
    Python(PyErr),
}

impl From<RegistryError> for Failure {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Scenario(d) => Failure::Scenario("invalid_scenario", d),
            RegistryError::UnknownEconomy { file, name, known, hint } => Failure::Scenario(
                "invalid_scenario",
                Diagnostics(vec![RegistryError::unknown_economy(&file, &name, &known, &hint)]),
            ),
        }
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Build { .. } => Failure::Input("genesis_refused", e.to_string()),
            RunError::Violation { .. } => Failure::Invariant(e.to_string()),
            // As `ergon run` ends: bad input or I/O, 2.
            RunError::Sink { .. } | RunError::Checkpoint { .. } => {
                Failure::Output(e.to_string(), 2)
            }
        }
    }
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        Failure::Output(e.to_string(), 2)
    }
}

impl From<ReplayError> for Failure {
    fn from(e: ReplayError) -> Self {
        match e {
            ReplayError::Input(m) => Failure::Input("bad_input", m),
            ReplayError::Invariant(m) => Failure::Invariant(m),
        }
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Python(e)
    }
}

impl Failure {
    /// The exception, with its attributes set.
    pub(crate) fn into_py_err(self, py: Python<'_>) -> PyErr {
        let (err, code, exit_code) = match self {
            Failure::Python(e) => return e,
            Failure::Scenario(code, d) => {
                // A list cut at PROBLEMS_SHOWN ends with a line counting the rest, no problem.
                let n = d.0.len();
                let head = if n > ergon_sim::PROBLEMS_SHOWN {
                    format!("the first {} problems", ergon_sim::PROBLEMS_SHOWN)
                } else {
                    format!("{n} problem(s)")
                };
                let message = format!("the scenario is not valid ({head}):\n{d}");
                let err = ScenarioError::new_err(message);
                if let Err(e) = problems(py, &d).and_then(|p| err.value(py).setattr("problems", p))
                {
                    return e;
                }
                (err, code, 2)
            }
            Failure::Input(code, m) => (InputError::new_err(m), code, 2),
            Failure::Invariant(m) => (InvariantError::new_err(m), "invariant_broken", 1),
            Failure::Output(m, exit) => (ErgonError::new_err(m), "output_failed", exit),
        };
        let value = err.value(py);
        match value.setattr("code", code).and_then(|()| value.setattr("exit_code", exit_code)) {
            Ok(()) => err,
            Err(e) => e,
        }
    }
}

/// A result of the module's functions.
pub(crate) type Result<T> = std::result::Result<T, Failure>;

/// Each diagnostic as a dict: `location` as printed, split into `file`, `line` and `column`
/// when it is a place in a file (`name:line:column`); `None` for what is not known. The line
/// counting the problems past the first `PROBLEMS_SHOWN` is in the message only.
fn problems<'py>(py: Python<'py>, d: &Diagnostics) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for p in d.0.iter().take(ergon_sim::PROBLEMS_SHOWN) {
        let item = PyDict::new(py);
        let (file, line, column) = split_location(&p.location);
        item.set_item("file", file)?;
        item.set_item("line", line)?;
        item.set_item("column", column)?;
        item.set_item("field", p.field.as_deref())?;
        item.set_item("message", &p.message)?;
        item.set_item("location", &p.location)?;
        item.set_item("snippet", p.snippet.as_deref())?;
        list.append(item)?;
    }
    Ok(list)
}

/// `("name", Some(line), Some(column))` of `name:line:column`; the whole text otherwise.
fn split_location(location: &str) -> (&str, Option<u64>, Option<u64>) {
    let mut parts = location.rsplitn(3, ':');
    let (Some(column), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
        return (location, None, None);
    };
    match (line.parse(), column.parse()) {
        (Ok(l), Ok(c)) => (file, Some(l), Some(c)),
        _ => (location, None, None),
    }
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ErgonError", py.get_type::<ErgonError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("InvariantError", py.get_type::<InvariantError>())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_location;

    #[test]
    fn locations_split_into_file_line_and_column() {
        assert_eq!(split_location("a:b.toml:12:5"), ("a:b.toml", Some(12), Some(5)));
        assert_eq!(split_location("--set x.y=1"), ("--set x.y=1", None, None));
        assert_eq!(split_location("<dict>"), ("<dict>", None, None));
    }
}
