//! The memory a run is expected to need: the model's estimate of one run
//! ([`ergon_core::Model::memory_estimate`], from measured bytes per agent) times the runs held
//! at once (one per worker thread, at most the jobs). `ergon check` prints it; `ergon run`
//! refuses a run whose estimate exceeds the machine's memory unless `--force`.

use ergon_registry::PlanInfo;

use crate::BadInput;

/// A run's expected peak memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Estimate {
    /// Bytes one run needs.
    pub per_run: u64,
    /// Runs held in memory at once.
    pub at_once: u64,
}

impl Estimate {
    /// Bytes of the whole run.
    pub fn total(self) -> u64 {
        self.per_run.saturating_mul(self.at_once)
    }
}

/// The estimate of `info` run on `threads` worker threads; none when the model has none.
pub(crate) fn estimate(info: &PlanInfo, threads: usize) -> Option<Estimate> {
    let at_once = (threads.max(1) as u64).min(info.jobs().max(1));
    info.memory_per_run.map(|per_run| Estimate { per_run, at_once })
}

/// The machine's memory in bytes (Linux `/proc/meminfo`), if it can be read.
pub(crate) fn machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `bytes` in MiB, rounded up, with thousands separators.
#[allow(clippy::cast_precision_loss, reason = "MiB counts are far below 2^53")]
fn mib(bytes: u64) -> String {
    format!("{} MiB", crate::numbers::grouped(bytes.div_ceil(1 << 20) as f64, 0))
}

/// The estimate in words: "≈ 66 MiB a run × 2 at once = 132 MiB".
pub(crate) fn describe(e: Estimate) -> String {
    format!("≈ {} a run × {} at once = {}", mib(e.per_run), e.at_once, mib(e.total()))
}

/// Refuses a run expected to need more than `machine` bytes, unless `force`.
pub(crate) fn check_fits(
    e: Option<Estimate>,
    machine: Option<u64>,
    force: bool,
) -> Result<(), BadInput> {
    match (e, machine) {
        (Some(e), Some(m)) if e.total() > m && !force => Err(BadInput(format!(
            "the run is expected to need {} of memory, more than this machine's {}: use fewer \
             --threads or agents, or --force to run anyway",
            describe(e),
            mib(m)
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_past_the_machine_is_refused_unless_forced() {
        let e = Estimate { per_run: 3 << 30, at_once: 2 };
        assert_eq!(describe(e), "≈ 3,072 MiB a run × 2 at once = 6,144 MiB");
        assert!(check_fits(Some(e), Some(8 << 30), false).is_ok());
        let refused = check_fits(Some(e), Some(4 << 30), false).unwrap_err().0;
        assert!(
            refused.contains("6,144 MiB of memory, more than this machine's 4,096 MiB"),
            "{refused}"
        );
        assert!(check_fits(Some(e), Some(4 << 30), true).is_ok());
        assert!(check_fits(None, Some(1), false).is_ok());
        assert!(check_fits(Some(e), None, false).is_ok());
        assert_eq!(mib(1), "1 MiB");
    }
}
