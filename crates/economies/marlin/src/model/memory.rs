//! The expected peak memory of a Marlin run ([`ergon_core::Model::memory_estimate`]): a base
//! plus measured bytes per agent, and per bridge request left open (docs/PERFORMANCE.md,
//! "Memory", "Marlin").

use super::config::Agents;
use crate::engine::params::REQUESTS_PER_ACCOUNT_MAX;

/// Peak bytes of a run besides its agents: the program, the economy's tables, the buffers (the
/// paper scenario's 20 relayers, 500 delegators, 50 receivers and 5 producers peak at 11.9 MB).
const MEMORY_BASE: u64 = 16 << 20;
/// Bytes a relayer and its cluster (759 measured between 10^3 and 10^4 relayers).
const MEMORY_PER_RELAYER: u64 = 800;
/// Bytes a delegator, a receiver or a bridge user: an account, its stash or subscription and
/// the model's record (859, 851 and 862 measured between 10^4 and 10^5 of each).
const MEMORY_PER_ACCOUNT: u64 = 900;
/// Bytes a producer's message a day adds: the attestations of its quota windows (276 measured
/// between 1 and 100 messages a day, 10^4 producers); they do not pile up over the days.
const MEMORY_PER_MESSAGE_A_DAY: u64 = 280;
/// Bytes an open bridge request, the economy's entry and the holder's day (115–127 measured
/// with 10^4 holders placing one a day for 30 and 60 days).
const MEMORY_PER_REQUEST: u64 = 130;

/// The expected peak memory of a run of `steps` days: the agents at measured bytes each, and
/// every bridge request the holders place in the run counted open (at most
/// `REQUESTS_PER_ACCOUNT_MAX` a holder), as a request lives the bridge's wait and the periods
/// of its release (1,800 days under the paper's rules).
pub(super) fn memory_estimate(a: &Agents, steps: u64) -> u64 {
    let b = &a.bridge;
    let placed = steps.saturating_sub(b.start_day).div_ceil(b.every_days.max(1));
    let requests = placed.min(u64::from(REQUESTS_PER_ACCOUNT_MAX)) as f64 * b.count as f64;
    let accounts = a.delegators.count as f64 + a.receivers.count as f64 + b.count as f64;
    let per_producer = MEMORY_PER_ACCOUNT as f64
        + a.producers.messages_per_day as f64 * MEMORY_PER_MESSAGE_A_DAY as f64;
    let bytes = a.relayers.count as f64 * MEMORY_PER_RELAYER as f64
        + accounts * MEMORY_PER_ACCOUNT as f64
        + a.producers.count as f64 * per_producer
        + requests * MEMORY_PER_REQUEST as f64;
    MEMORY_BASE.saturating_add(bytes.min(u64::MAX as f64 / 2.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_base_plus_measured_bytes_per_agent() {
        let mut a = Agents::default();
        // 20 relayers × 800 + (500 delegators + 50 receivers) × 900 + no producers or holders.
        assert_eq!(memory_estimate(&a, 365), (16 << 20) + 16_000 + 495_000);
        a.producers.count = 10;
        a.producers.messages_per_day = 20;
        // Ten producers × (900 + 20 × 280) = 65,000 more.
        assert_eq!(memory_estimate(&a, 365), (16 << 20) + 511_000 + 65_000);
        a.producers.count = 0;
        a.bridge.count = 100;
        a.bridge.start_day = 10;
        a.bridge.every_days = 30;
        // 100 holders × 900, and requests on days 10, 40, …, 340 (twelve, in 365 days)
        // × 100 holders × 130.
        assert_eq!(memory_estimate(&a, 365), (16 << 20) + 511_000 + 90_000 + 156_000);
        // None before the first day of requests, and at most 4,096 a holder.
        assert_eq!(memory_estimate(&a, 10), (16 << 20) + 601_000);
        a.bridge.every_days = 1;
        assert_eq!(memory_estimate(&a, 100_000), (16 << 20) + 601_000 + 4_096 * 100 * 130);
    }

    #[test]
    fn the_estimate_saturates_instead_of_overflowing() {
        let mut a = Agents::default();
        a.delegators.count = u64::MAX;
        a.bridge.count = u64::MAX;
        a.bridge.every_days = 0;
        assert_eq!(memory_estimate(&a, u64::MAX), (16 << 20) + (1 << 63));
    }
}
