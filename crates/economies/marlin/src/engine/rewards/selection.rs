//! Deployed cluster selection (spec marlin.md, "Rewards": "clusters are sampled without
//! replacement, weight ⌊√(effective delegation)⌋"; Marlin's `RewardDelegators` for the weight and
//! `ClusterSelector` for the draw).
//!
//! # Weight
//! A cluster's effective delegation is `E = Σ_t forDelegation_t · d_t` over its delegations `d_t`
//! of each staked token, counted only when `Σ_t forThreshold_t · d_t ≥ threshold` (else 0): the
//! eligibility rule (seed: a cluster needs at least 0.5 MPOND staked or delegated — forThreshold
//! 1 for MPOND, 0 for POND, threshold 5·10^17). Its selection weight is `⌊√E⌋`
//! ([`selection_weight`]; `√` of a u128 fits the contract's `uint64`). The square root damps
//! large clusters: four times the delegation, twice the chance.
//!
//! # Draw
//! Each epoch the contract draws [`CLUSTERS_TO_SELECT`] = 5 clusters (all of them when fewer have
//! a positive weight), one at a time, each weighted by the weights still in play; a drawn cluster
//! is out for the rest of the epoch's draws. [`select_clusters`] does the same on the core's
//! [`SumTree`], drawing from a [`StreamRng`]: deterministic given the stream (the chain draws
//! from a block hash, which a simulation does not have; the law of the draw is the same).
//! On chain the clusters of epoch `e + 1` are drawn during epoch `e` with the weights of that
//! moment, and an epoch nobody drew for reuses the latest earlier selection; the state decides
//! when it calls [`select_clusters`].

use ergon_core::{Amount, StreamRng, SumTree};

use super::{Result, RewardsError};

/// Clusters selected per epoch (`NUMBER_OF_CLUSTERS_TO_SELECT`).
pub const CLUSTERS_TO_SELECT: usize = 5;

/// The most clusters one [`select_clusters`] call draws.
pub const MAX_SELECT: usize = 64;

/// One staked token's weights (`RewardDelegators.tokenWeights`), written
/// `{"threshold": …, "delegation": …}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenWeight {
    /// Weight toward the eligibility threshold (`weightForThreshold`).
    #[serde(rename = "threshold")]
    pub for_threshold: u128,
    /// Weight toward the effective delegation (`weightForDelegation`).
    #[serde(rename = "delegation")]
    pub for_delegation: u128,
}

/// A cluster's effective delegation (module doc): `delegations[t]` is its total delegation of
/// token `t`, `weights[t]` that token's weights. Errors: lengths that differ; a sum above u128.
pub fn effective_delegation(
    delegations: &[Amount],
    weights: &[TokenWeight],
    threshold: u128,
) -> Result<u128> {
    if delegations.len() != weights.len() {
        return Err(RewardsError::Length {
            what: "delegations",
            expected: weights.len(),
            got: delegations.len(),
        });
    }
    let overflow = || RewardsError::Overflow { op: "effective_delegation" };
    let (mut toward_threshold, mut effective) = (0u128, 0u128);
    for (d, w) in delegations.iter().zip(weights) {
        let t = w.for_threshold.checked_mul(d.0).ok_or_else(overflow)?;
        toward_threshold = toward_threshold.checked_add(t).ok_or_else(overflow)?;
        let e = w.for_delegation.checked_mul(d.0).ok_or_else(overflow)?;
        effective = effective.checked_add(e).ok_or_else(overflow)?;
    }
    Ok(if toward_threshold < threshold { 0 } else { effective })
}

/// The selection weight `⌊√E⌋` (exact integer square root).
pub fn selection_weight(effective: u128) -> u64 {
    // ⌊√E⌋ < 2^64 for every u128 E.
    effective.isqrt() as u64
}

/// Draws `min(out.len(), clusters with positive weight)` distinct clusters from `tree` (weights
/// by cluster index), each draw weighted by the weights still in play, into `out` in draw
/// order; returns how many. The tree's weights are as before when it returns. O(k log n), no
/// allocation. Errors: `out.len()` above [`MAX_SELECT`]; the core's sampling errors.
pub fn select_clusters(
    tree: &mut SumTree,
    rng: &mut StreamRng,
    out: &mut [usize],
) -> Result<usize> {
    if out.len() > MAX_SELECT {
        return Err(RewardsError::TooManyToSelect { wanted: out.len(), max: MAX_SELECT });
    }
    let k = out.len().min(tree.positive_count());
    let mut saved = [0u64; MAX_SELECT];
    let mut drawn = 0;
    let mut outcome = Ok(());
    while drawn < k {
        match tree.sample(rng) {
            Ok(i) => {
                out[drawn] = i;
                saved[drawn] = tree.get(i);
                tree.set(i, 0);
                drawn += 1;
            }
            Err(e) => {
                outcome = Err(e.into());
                break;
            }
        }
    }
    for j in (0..drawn).rev() {
        tree.set(out[j], saved[j]);
    }
    outcome.map(|()| k)
}
