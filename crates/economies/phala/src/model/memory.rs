//! The expected peak memory of a Phala run ([`ergon_core::Model::memory_estimate`]): a base
//! plus measured bytes per worker, pool, delegator, developer, vault and vault depositor
//! (docs/PERFORMANCE.md, "Memory", "Phala").

use super::config::Agents;

/// Peak bytes of a run besides its agents: the program, the economy's tables, the buffers (the
/// khala scenario's 1,000 workers, 100 pools and 2,000 delegators peak at 11.2 MB).
const MEMORY_BASE: u64 = 16 << 20;
/// Bytes a worker, engine and model (502 measured between 10^4 and 10^5 workers).
const MEMORY_PER_WORKER: u64 = 520;
/// Bytes a stake pool and its owner (284–295 measured between 100 and 10^4 pools).
const MEMORY_PER_POOL: u64 = 300;
/// Bytes a delegator, or a developer (an account likewise; 223 measured between 10^4 and 10^5
/// delegators).
const MEMORY_PER_DELEGATOR: u64 = 240;
/// Bytes a vault and its owner, besides its depositors (1,544 measured for a vault of ten
/// depositors over 1,000 vaults, less ten depositors).
const MEMORY_PER_VAULT: u64 = 1_300;
/// Bytes a vault depositor (250 measured between 10 and 100 depositors a vault, 1,000 vaults).
const MEMORY_PER_DEPOSITOR: u64 = 260;

/// The expected peak memory of a run: the agents at measured bytes each. It does not grow with
/// the blocks (a week of the khala scenario peaks 4 % above its first 100 blocks; contracts
/// end and free their rows).
pub(super) fn memory_estimate(a: &Agents) -> u64 {
    let workers: f64 = a.groups.iter().map(|g| g.workers as f64).sum();
    let pools: f64 = a.groups.iter().map(|g| g.pools as f64).sum();
    let accounts = a.delegators.count as f64 + a.developers.count as f64;
    let depositors = a.vaults.count as f64 * a.vaults.depositors as f64;
    let bytes = workers * MEMORY_PER_WORKER as f64
        + pools * MEMORY_PER_POOL as f64
        + accounts * MEMORY_PER_DELEGATOR as f64
        + a.vaults.count as f64 * MEMORY_PER_VAULT as f64
        + depositors * MEMORY_PER_DEPOSITOR as f64;
    MEMORY_BASE.saturating_add(bytes.min(u64::MAX as f64 / 2.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Group;

    #[test]
    fn the_estimate_is_the_base_plus_measured_bytes_per_agent() {
        let mut a = Agents::default();
        assert_eq!(memory_estimate(&a), 16 << 20);
        a.groups = vec![Group::default(), Group { workers: 10, pools: 1, ..Group::default() }];
        a.delegators.count = 400;
        a.developers.count = 50;
        // 110 workers × 520 + 11 pools × 300 + 450 accounts × 240.
        assert_eq!(memory_estimate(&a), (16 << 20) + 57_200 + 3_300 + 108_000);
        a.vaults.count = 3;
        a.vaults.depositors = 10;
        // 3 vaults × 1,300 + 30 depositors × 260.
        assert_eq!(memory_estimate(&a), (16 << 20) + 168_500 + 3_900 + 7_800);
        a.vaults.count = u64::MAX;
        a.vaults.depositors = u64::MAX;
        assert_eq!(memory_estimate(&a), (16 << 20) + (1 << 63));
    }
}
