//! Emission, the pool split and verification-as-mining payouts (spec trias.md, "Emission and
//! pools" and "Verification as mining"; seed: "verification as mining … the frequent
//! verification computing power contributors will be allocated tokens periodically").
//!
//! - [`emission`]: `E_e = E_0` halved every `H` epochs (the core's geometric
//!   [`EmissionSchedule`], each halving rounded down), clamped to the mining pool's remaining cap.
//! - [`pool_split`]: verifiers / routers / Prometh testers = 50 / 30 / 20 % during bootstrap,
//!   62.5 / 37.5 / 0 % after; each part `⌊E·bp/10^4⌋` ([`split_amount`]), the dust returned.
//! - [`pair_credit`]: 2 per assigned attestation + 1 per free one, at most 4 per pair.
//! - [`gated_split`]: `split(T, credit × gate)`: `⌊T·w_i/Σw⌋` each with a 256-bit
//!   intermediate; what the floors leave (or all of `T` when `Σw = 0`) carries to the next
//!   epoch. `Σ payouts + carry = T` exactly.

use ergon_core::emission::split_amount;
use ergon_core::{Amount, Emission, EmissionSchedule, Rounding, mul_div};
use serde::Serialize;

use crate::error::Result;

/// The emission parameters (defaults: the spec's `H = 8760` epochs; `E_0`, the cap and the
/// bootstrap length are the scenario's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EmissionParams {
    /// `E_0`, base units per epoch.
    pub initial: Amount,
    /// `H`, epochs per halving (8760 ≈ one year of hourly epochs).
    pub halving_epochs: u64,
    /// The mining pool's cap on everything ever emitted.
    pub cap: Amount,
    /// Epochs of the bootstrap phase (Prometh testers get 20 % while it lasts).
    pub bootstrap_epochs: u64,
}

/// Bootstrap split, basis points: verifiers, routers, Prometh testers.
pub const BOOTSTRAP_SPLIT: [u32; 3] = [5000, 3000, 2000];
/// Split after bootstrap, basis points.
pub const MATURE_SPLIT: [u32; 3] = [6250, 3750, 0];

/// Epoch `epoch`'s emission, given everything emitted before it (zero once issuance ends).
#[must_use]
pub fn emission(p: &EmissionParams, epoch: u64, emitted: Amount) -> Amount {
    let schedule = EmissionSchedule::Geometric {
        initial: p.initial,
        ratio_num: 1,
        ratio_den: 2,
        period_epochs: p.halving_epochs,
        split: BOOTSTRAP_SPLIT.to_vec(),
        floor: Amount(1),
        cap: Some(p.cap),
    };
    match schedule.emission(epoch, emitted) {
        Emission::Reward { amount, .. } => amount,
        _ => Amount::ZERO,
    }
}

/// The three pools of one epoch's emission and the split's dust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pools {
    /// `Pool_V`, verification as mining.
    pub verifiers: Amount,
    /// `Pool_R`, routing as mining.
    pub routers: Amount,
    /// `Pool_P`, Prometh early-stage mining.
    pub prometh: Amount,
    /// What the floors left; it joins the verifiers' carry.
    pub dust: Amount,
}

/// Splits `e` into the pools by phase (module doc).
#[must_use]
pub fn pool_split(e: Amount, epoch: u64, bootstrap_epochs: u64) -> Pools {
    let split = if epoch < bootstrap_epochs { &BOOTSTRAP_SPLIT } else { &MATURE_SPLIT };
    let (parts, dust) = split_amount(e, split);
    Pools { verifiers: parts[0], routers: parts[1], prometh: parts[2], dust }
}

/// A verifier's credit on one target: `min(4, 2·assigned + free)`.
#[must_use]
pub fn pair_credit(assigned: u32, free: u32) -> u64 {
    (2 * u64::from(assigned) + u64::from(free)).min(4)
}

/// `split(total, weights)` (module doc): the payouts in the weights' order and the carry.
pub fn gated_split(total: Amount, weights: &[u128]) -> Result<(Vec<Amount>, Amount)> {
    let sum = weights.iter().try_fold(0u128, |s, &w| s.checked_add(w));
    let sum = sum.ok_or(ergon_core::Error::Overflow { op: "gated split weights" })?;
    if sum == 0 {
        return Ok((vec![Amount::ZERO; weights.len()], total));
    }
    let mut paid = 0u128;
    let mut out = Vec::with_capacity(weights.len());
    for &w in weights {
        let x = mul_div(total.0, w, sum, Rounding::Down)?;
        paid += x;
        out.push(Amount(x));
    }
    Ok((out, Amount(total.0 - paid)))
}
