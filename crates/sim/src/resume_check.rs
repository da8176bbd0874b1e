//! The test every economy's saved state must pass: a model saved at a step and read back runs
//! on exactly as the original does — the same rows, bit for bit, and the same state at the end.
//! Each economy calls [`check_resume`] from its tests on its shipped scenarios.

use ergon_core::{Metric, MetricValue, Model, RngStreams};

use crate::checkpoint::{load_model, save_model};
use crate::runner::jobs;
use crate::scenario::Plan;

/// Builds job `job` of `plan`, runs it `at` steps, saves its model and reads it back, then runs
/// both the original and the copy to `to` steps, recording a row every `every` steps. `Err`
/// names the first difference: a row (by step), or the state saved at the end.
pub fn check_resume<M: Model>(
    plan: &Plan<M>,
    job: usize,
    at: u64,
    to: u64,
    every: u64,
) -> Result<(), String> {
    let all = jobs(plan);
    let j = all.get(job).ok_or_else(|| format!("no job {job}: the plan has {}", all.len()))?;
    let point = &plan.points[j.point];
    let mut original = M::build(&point.config, &point.agents, &RngStreams::new(j.seed))
        .map_err(|e| format!("genesis refused: {e}"))?;
    original.advance(at).map_err(|v| format!("steps to {at}: {v}"))?;
    let saved = save_model(&original).map_err(|e| format!("saving at step {at}: {e}"))?;
    let mut copy: M = load_model(&saved).map_err(|e| format!("reading back at step {at}: {e}"))?;
    if copy.epochs_done() != original.epochs_done() {
        return Err(format!(
            "the copy has run {} steps, the original {}",
            copy.epochs_done(),
            original.epochs_done()
        ));
    }
    let resaved = save_model(&copy).map_err(|e| format!("saving the copy: {e}"))?;
    if resaved != saved {
        return Err(format!("the copy saved at step {at} differs from the original's state"));
    }
    let mut step = at;
    while step < to {
        let n = every.max(1).min(to - step);
        original.advance(n).map_err(|v| format!("original, steps {step}..{}: {v}", step + n))?;
        copy.advance(n).map_err(|v| format!("copy, steps {step}..{}: {v}", step + n))?;
        step += n;
        if let Some(name) = first_difference(&original.record(), &copy.record()) {
            return Err(format!("the rows at step {step} differ in column {name}"));
        }
    }
    copy.check_invariants().map_err(|v| format!("the copy at step {to}: {v}"))?;
    let (a, b) = (save_model(&original), save_model(&copy));
    if a.map_err(|e| e.to_string())? != b.map_err(|e| e.to_string())? {
        return Err(format!("the states at step {to} differ"));
    }
    Ok(())
}

/// The first column whose value differs between two rows (floats compared bit for bit).
fn first_difference(a: &[Metric], b: &[Metric]) -> Option<&'static str> {
    if a.len() != b.len() {
        return Some("(the number of columns)");
    }
    let same = |x: MetricValue, y: MetricValue| match (x, y) {
        (MetricValue::Float(x), MetricValue::Float(y)) => x.to_bits() == y.to_bits(),
        _ => x == y,
    };
    a.iter().zip(b).find(|(x, y)| x.name != y.name || !same(x.value, y.value)).map(|(x, _)| x.name)
}
