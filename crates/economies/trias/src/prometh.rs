//! Prometh early-stage mining (spec trias.md, "Prometh early-stage mining"; seed: "in the early
//! stage of Prometh system, it is necessary to use the mining mechanism to motivate volunteers
//! … developers or security analysts can get mined Tokens when performing the Prometh's
//! program testings and automated analysis of verifications").
//!
//! Points per epoch, first valid submission only:
//! - 10 per accepted automated analysis run — the first run of a subject ever (a later one,
//!   in any epoch, analyses the code already analysed);
//! - `max(1, ⌊1000·Δcovered/total⌋)` for a test that raises a program's covered lines (the
//!   book keeps each program's best coverage; a test that adds nothing is refused);
//! - 500 / 150 / 50 / 10 for a validated vulnerability (the first report of it).
//!
//! [`prometh_split`]: `⌊P·pts_i/Σpts⌋` each, at most `⌊P·2500/10^4⌋` per analyst; what the
//! floors and the cap leave carries (`Σ payouts + carry = P`).

use ergon_core::{Amount, Rounding, mul_div};

use crate::error::Result;

/// Points for an accepted analysis run.
pub const RUN_POINTS: u64 = 10;
/// Points per whole coverage (`1000·Δ/total`).
pub const COVERAGE_POINTS: u128 = 1000;
/// The most one analyst takes of the pool, basis points.
pub const ANALYST_CAP_BP: u32 = 2500;

/// Points for raising coverage from `before` to `after` of `total` lines.
pub fn coverage_points(before: u64, after: u64, total: u64) -> Result<u64> {
    let delta = u128::from(after.saturating_sub(before));
    let p = mul_div(COVERAGE_POINTS, delta, u128::from(total.max(1)), Rounding::Down)?;
    Ok(u64::try_from(p).unwrap_or(u64::MAX).max(1))
}

/// Splits `pool` by `points` (one per analyst, in order) under the cap; payouts and the carry.
pub fn prometh_split(pool: Amount, points: &[u64]) -> Result<(Vec<Amount>, Amount)> {
    let total: u128 = points.iter().map(|&p| u128::from(p)).sum();
    if total == 0 {
        return Ok((vec![Amount::ZERO; points.len()], pool));
    }
    let cap = mul_div(pool.0, u128::from(ANALYST_CAP_BP), 10_000, Rounding::Down)?;
    let mut paid = 0u128;
    let mut out = Vec::with_capacity(points.len());
    for &p in points {
        let x = mul_div(pool.0, u128::from(p), total, Rounding::Down)?.min(cap);
        paid += x;
        out.push(Amount(x));
    }
    Ok((out, Amount(pool.0 - paid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_and_carry() {
        // P = 1000, points 500, 10, 10: 961 → cap 250; 19, 19; carry 1000 − 288 = 712.
        let (p, c) = prometh_split(Amount(1000), &[500, 10, 10]).expect("small");
        assert_eq!(p, vec![Amount(250), Amount(19), Amount(19)]);
        assert_eq!(c, Amount(712));
        assert_eq!(coverage_points(0, 1, 5000).expect("small"), 1);
        assert_eq!(coverage_points(100, 350, 1000).expect("small"), 250);
    }
}
