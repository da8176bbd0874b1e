//! A model's recorded metrics read by name in tests: each reader panics with the metric's name
//! when it is missing or of another kind.

use ergon_core::{Metric, MetricValue};

/// The value of the metric `name`.
///
/// # Panics
/// When `ms` has no metric `name`.
#[must_use]
pub fn value(ms: &[Metric], name: &str) -> MetricValue {
    ms.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no metric {name}")).value
}

/// The count `name`.
///
/// # Panics
/// When it is missing or not a count.
#[must_use]
pub fn count(ms: &[Metric], name: &str) -> u64 {
    match value(ms, name) {
        MetricValue::Count(n) => n,
        v => panic!("{name} is {v:?}"),
    }
}

/// The amount `name`, in base units.
///
/// # Panics
/// When it is missing or not an amount.
#[must_use]
pub fn raw(ms: &[Metric], name: &str) -> u128 {
    match value(ms, name) {
        MetricValue::Amount { raw, .. } => raw,
        v => panic!("{name} is {v:?}"),
    }
}
