//! The Stratos mining table (seed 001, spec: shared/spec/stratos.md): how much STOS each epoch
//! mines, by the total already mined, and how it splits among resource nodes, meta nodes and the
//! blockchain (validators and delegators).
//!
//! Owns the tiers of the seed — 80, 40, 20, 10, 5, 2.5 STOS per epoch, halving at fixed totals
//! mined — as [`ergon_core::EmissionSchedule::Table`]s for the two profiles:
//! [`paper_schedule`] (ending at 39_000_000 STOS) and [`mainnet_schedule`] (ending at
//! 40_000_000 STOS). The schedule's mechanics (tier choice, clamping, the split) are core's.

use ergon_core::{Amount, EmissionSchedule, Tier};

use crate::params::STOS;

/// The tiers: (threshold in STOS, reward in tenths of STOS, resource / meta / blockchain basis
/// points).
const ROWS: [(u128, u128, [u32; 3]); 6] = [
    (0, 800, [6000, 2000, 2000]),
    (16_819_200, 400, [6200, 1800, 2000]),
    (25_228_800, 200, [6400, 1600, 2000]),
    (29_433_600, 100, [6600, 1400, 2000]),
    (31_536_000, 50, [6800, 1200, 2000]),
    (32_587_200, 25, [7000, 1000, 2000]),
];

/// The Stratos paper's mining table (STOS, 18 decimals): 80, 40, 20, 10, 5, 2.5 STOS per epoch
/// from 0, 16_819_200, 25_228_800, 29_433_600, 31_536_000, 32_587_200 STOS mined, split
/// resource / meta / blockchain 60/20/20 … 70/10/20 %, ending at 39_000_000 STOS.
#[must_use]
pub fn paper_schedule() -> EmissionSchedule {
    EmissionSchedule::Table { tiers: tiers(), end: Amount(39_000_000 * STOS) }
}

/// The Stratos mainnet mining table: the paper's tiers, ending at 40_000_000 STOS.
// Mainnet starts with 1_000_000 STOS already counted as mined: that is the economy's genesis
// state (its `total_emitted` starts there), not part of the schedule.
#[must_use]
pub fn mainnet_schedule() -> EmissionSchedule {
    EmissionSchedule::Table { tiers: tiers(), end: Amount(40_000_000 * STOS) }
}

/// The tiers of [`ROWS`] in base units.
fn tiers() -> Vec<Tier> {
    ROWS.iter()
        .map(|&(from, tenths, split)| Tier {
            from: Amount(from * STOS),
            reward: Amount(tenths * (STOS / 10)),
            split: split.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ergon_core::Emission;

    fn stos(whole: u128) -> Amount {
        Amount(whole * STOS)
    }

    fn reward(e: Emission<'_>) -> (Amount, usize, Vec<u32>) {
        match e {
            Emission::Reward { amount, tier, split } => (amount, tier, split.to_vec()),
            Emission::Ended => panic!("issuance ended"),
        }
    }

    /// Runs a table schedule from `start` to its end, jumping over whole runs of equal rewards:
    /// returns the epochs spent in each tier, the final total, and the epoch count.
    fn run_to_end(s: &EmissionSchedule, start: Amount) -> (Vec<u64>, Amount, u64) {
        let EmissionSchedule::Table { tiers, end } = s else { panic!("table expected") };
        let (mut total, mut epoch) = (start, 0u64);
        let mut per_tier = vec![0u64; tiers.len()];
        while let Emission::Reward { amount, tier, .. } = s.emission(epoch, total) {
            let bound = tiers.get(tier + 1).map_or(*end, |t| t.from);
            let k = (bound.0 - total.0).div_ceil(amount.0) as u64;
            // k − 1 epochs of `amount` stay below `bound`; check the last of them, then step.
            total = Amount(total.0 + u128::from(k - 1) * amount.0);
            let last = reward(s.emission(epoch + k - 1, total));
            assert_eq!(last.1, tier);
            total = total.checked_add(last.0).unwrap();
            epoch += k;
            per_tier[tier] += k;
        }
        (per_tier, total, epoch)
    }

    #[test]
    fn stratos_tiers_by_total_mined() {
        let s = paper_schedule();
        s.validate().unwrap();
        mainnet_schedule().validate().unwrap();
        assert_eq!(reward(s.emission(0, Amount::ZERO)), (stos(80), 0, vec![6000, 2000, 2000]));
        let just_below = Amount(1_681_919_999 * STOS / 100); // 16_819_199.99 STOS
        assert_eq!(reward(s.emission(7, just_below)).0, stos(80));
        let at = stos(16_819_200);
        assert_eq!(reward(s.emission(0, at)), (stos(40), 1, vec![6200, 1800, 2000]));
        assert_eq!(reward(s.emission(0, stos(32_587_200))).0, Amount(25 * STOS / 10));
        assert_eq!(reward(s.emission(0, stos(32_587_200))).2, vec![7000, 1000, 2000]);
    }

    #[test]
    fn stratos_paper_runs_to_39m_then_ends() {
        let s = paper_schedule();
        let (per_tier, total, epochs) = run_to_end(&s, Amount::ZERO);
        assert_eq!(per_tier, [210_240, 210_240, 210_240, 210_240, 210_240, 2_565_120]);
        assert_eq!(16_819_200 / 80, 210_240);
        assert_eq!(total, stos(39_000_000));
        assert_eq!(epochs, 5 * 210_240 + 2_565_120);
        assert_eq!(s.emission(epochs, total), Emission::Ended);
        assert_eq!(s.emission(epochs + 1_000_000, stos(50_000_000)), Emission::Ended);
    }

    #[test]
    fn stratos_mainnet_from_genesis_runs_to_40m() {
        let s = mainnet_schedule();
        let (per_tier, total, _) = run_to_end(&s, stos(1_000_000));
        assert_eq!(per_tier, [197_740, 210_240, 210_240, 210_240, 210_240, 2_965_120]);
        assert_eq!(total, stos(40_000_000));
    }

    #[test]
    fn stratos_schedules_serde_roundtrip() {
        for s in [paper_schedule(), mainnet_schedule()] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<EmissionSchedule>(&json).unwrap(), s);
        }
    }

    #[test]
    fn first_tier_splits_80_stos_exactly() {
        let (parts, dust) = ergon_core::emission::split_amount(stos(80), &ROWS[0].2);
        assert_eq!(parts, [stos(48), stos(16), stos(16)]);
        assert_eq!(dust, Amount::ZERO);
    }
}
