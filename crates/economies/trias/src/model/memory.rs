//! The expected peak memory of a Trias run ([`ergon_core::Model::memory_estimate`]): a base
//! plus measured bytes per node, per router's receiver, per attestation pair and per MagCarta
//! call, the last two growing with the epochs (docs/PERFORMANCE.md, "Memory", "Trias").

use super::config::{Agents, Config};

/// Peak bytes of a run besides its agents: the program, the buffers (the paper scenario's 440
/// nodes peak at 11.8 MB over three epochs).
const MEMORY_BASE: u64 = 16 << 20;
/// Bytes a node, whatever its role (411 measured between 10^4 and 10^5 verifiers attesting
/// nobody, 442 between 10^4 and 10^5 executers).
const MEMORY_PER_NODE: u64 = 450;
/// Bytes a router's receiver: its receipts and their records (about 470 measured with 10^4
/// routers of 8 receivers against 1; flat over the epochs).
const MEMORY_PER_RECEIVER: u64 = 480;
/// Bytes an attestation pair, kept from its first record on: its key and bitmap in the book's
/// rows with the room a row keeps and the holes moved rows leave, and the attester in its
/// attestee's list (61 on average from 3 to 72 epochs, 10^4 verifiers; the arena doubles, so
/// the peak moves in steps: 99 a pair over the step from 24 to 36 epochs, 0 from 36 to 48).
const MEMORY_PER_PAIR: u64 = 90;
/// Bytes a MagCarta call, kept for the whole run (its terms, executers and answers: about 445
/// measured from 57,674 to 469,855 calls of 100 developers calling every epoch).
const MEMORY_PER_CALL: u64 = 450;
/// The economies' part is this many times larger with `compare` (the second economy under the
/// other profile; 1.65–1.8 measured), in hundredths.
const COMPARE_PERCENT: u64 = 180;

/// The expected peak memory of a run of `steps` epochs: every node, every router's receiver,
/// and every pair an attester may have recorded by the end — its fixed peers, the ring's
/// members for a Sybil, and `assigned` beacon targets an epoch, counted new each epoch, at most
/// one a node.
pub(super) fn memory_estimate(c: &Config, a: &Agents, steps: u64) -> u64 {
    let v = &a.verifiers;
    let nodes = v.count as f64
        + v.faulty as f64
        + a.routers.count as f64
        + a.executers.count as f64
        + a.sybil.count as f64
        + a.analysts.count as f64;
    let others = (nodes - 1.0).max(0.0);
    let targets = v.assigned as f64 * steps as f64;
    let honest_pairs = (v.neighbours as f64 + targets).min(others);
    let ring_pairs = (a.sybil.count.saturating_sub(1) as f64 + targets).min(others);
    let pairs =
        (v.count as f64 + v.faulty as f64) * honest_pairs + a.sybil.count as f64 * ring_pairs;
    let receivers = a.routers.count as f64 * a.routers.receivers as f64;
    // Every call opened is kept: each developer opens one an epoch with probability call_rate.
    let calls = a.developers.count as f64 * a.developers.call_rate * steps as f64;
    let mut bytes = nodes * MEMORY_PER_NODE as f64
        + receivers * MEMORY_PER_RECEIVER as f64
        + pairs * MEMORY_PER_PAIR as f64
        + calls * MEMORY_PER_CALL as f64;
    if c.compare {
        bytes *= COMPARE_PERCENT as f64 / 100.0;
    }
    MEMORY_BASE.saturating_add(bytes.min(u64::MAX as f64 / 2.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_is_the_base_plus_measured_bytes_per_node_receiver_and_pair() {
        let c = Config { compare: false, ..Config::default() };
        let mut a = Agents::default();
        a.verifiers.count = 10;
        a.verifiers.faulty = 2;
        a.verifiers.neighbours = 3;
        a.verifiers.assigned = 2;
        a.routers.count = 4;
        a.routers.receivers = 5;
        a.executers.count = 100;
        a.developers.count = 0;
        // 116 nodes × 450 = 52,200; 20 receivers × 480 = 9,600; 12 attesters × (3 + 2 × 10)
        // pairs × 90 = 24,840.
        assert_eq!(memory_estimate(&c, &a, 10), (16 << 20) + 52_200 + 9_600 + 24_840);
        // After 100 epochs each attester has a pair with each of the 115 other nodes at most:
        // 12 × 115 × 90 = 124,200.
        assert_eq!(memory_estimate(&c, &a, 100), (16 << 20) + 52_200 + 9_600 + 124_200);
        // A ring of 4: 4 more nodes (1,800), each with 3 ring peers + 20 targets
        // (4 × 23 × 90 = 8,280).
        a.sybil.count = 4;
        assert_eq!(memory_estimate(&c, &a, 10), (16 << 20) + 54_000 + 9_600 + 24_840 + 8_280);
        // With `compare`, 1.8 times the economies' part.
        let both = Config { compare: true, ..c.clone() };
        let part = 54_000 + 9_600 + 24_840 + 8_280;
        assert_eq!(memory_estimate(&both, &a, 10), (16 << 20) + part * 18 / 10);
        // 20 developers calling every other epoch, 10 epochs: 100 calls × 450 = 45,000.
        a.developers.count = 20;
        a.developers.call_rate = 0.5;
        assert_eq!(memory_estimate(&c, &a, 10), (16 << 20) + part + 45_000);
    }

    #[test]
    fn the_estimate_saturates_instead_of_overflowing() {
        let mut a = Agents::default();
        a.verifiers.count = u64::MAX;
        a.verifiers.assigned = u64::MAX;
        assert_eq!(memory_estimate(&Config::default(), &a, u64::MAX), (16 << 20) + (1 << 63));
    }
}
