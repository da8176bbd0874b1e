//! [`Staking::check_invariants`]: Staking's books against the ledger (the module doc's
//! "Tokens"), every validator's accumulator and bounds, and the unbonding queue's per-delegator
//! counts.

use std::collections::BTreeMap;

use super::{PPM, Staking, ValidatorId};
use crate::amount::Amount;
use crate::invariants::Violation;
use crate::ledger::{AccountId, Holder, Ledger, PoolId};

/// Σ validator tokens, Σ reserves and Σ owed over all validators (commission included in both).
struct ValidatorTotals {
    bonded: u128,
    reserved: u128,
    owed: u128,
}

fn fail<T>(what: &'static str, detail: String) -> Result<T, Violation> {
    Err(Violation::new(what, detail))
}

impl Staking {
    /// Checks Staking's books against the ledger (module doc) and every accumulator's own
    /// invariants; also: a validator without shares has no tokens, operators map to their
    /// validators, per-delegator entry counts are exact and within bounds. O(everything).
    pub fn check_invariants(&self, ledger: &Ledger) -> Result<(), Violation> {
        self.check_books(ledger, true)
    }

    /// The books against the ledger in O(validators + unbonding entries), for a check after
    /// each step: the pools against Σ validator tokens, Σ unbonding entries and Σ reserves and
    /// commissions, and each validator's bound, shares, commission and operator. The
    /// delegations' accumulators (their positions and Σ owed) and the per-delegator entry
    /// counts are walked by [`Staking::check_invariants`] only.
    pub fn check_totals(&self, ledger: &Ledger) -> Result<(), Violation> {
        self.check_books(ledger, false)
    }

    /// The books; with `deep`, every accumulator and the per-delegator counts too.
    fn check_books(&self, ledger: &Ledger, deep: bool) -> Result<(), Violation> {
        let ValidatorTotals { bonded, reserved, owed } = self.check_validators(deep)?;
        let pool = |p: PoolId| {
            ledger
                .balance(self.token, Holder::Pool(p))
                .map_err(|e| Violation::new("staking pools", e.to_string()))
        };
        let (b, u, r) =
            (pool(self.bonded_pool)?, pool(self.unbonding_pool)?, pool(self.rewards_pool)?);
        if b.0 != bonded {
            return fail(
                "staking bonded pool",
                format!("Σ validator tokens {bonded} ≠ bonded pool {b}"),
            );
        }
        self.check_unbonding(u, deep)?;
        if r.0 != reserved || r.0 < owed {
            return fail(
                "staking rewards pool",
                format!("rewards pool {r} ≠ Σ reserves {reserved} or < Σ owed {owed}"),
            );
        }
        Ok(())
    }

    /// Each validator's shares, commission and operator (with `deep`, its
    /// accumulator), and the operator map's size; returns the validators' totals (Σ owed only
    /// with `deep`, else zero).
    fn check_validators(&self, deep: bool) -> Result<ValidatorTotals, Violation> {
        let mut totals = ValidatorTotals { bonded: 0, reserved: 0, owed: 0 };
        for (id, v) in self.validators() {
            if deep {
                v.delegations.check_invariants()?;
            }
            if v.total_shares() == 0 && !v.tokens.is_zero() {
                return fail(
                    "staking shares",
                    format!("validator {} has {} tokens and no shares", id.0, v.tokens),
                );
            }
            if v.commission_ppm as u128 > PPM || self.operators.get(&v.operator) != Some(&id) {
                return fail(
                    "staking validator",
                    format!("validator {}: commission {} or operator map", id.0, v.commission_ppm),
                );
            }
            let commission = v.commission.0;
            totals.bonded = totals.bonded.saturating_add(v.tokens.0);
            let reserve = v.delegations.reserve().0;
            totals.reserved = totals.reserved.saturating_add(reserve).saturating_add(commission);
            if deep {
                let owed = v.delegations.owed_total().0;
                totals.owed = totals.owed.saturating_add(owed).saturating_add(commission);
            }
        }
        if self.operators.len() != self.validators.len() {
            return fail(
                "staking validator",
                "operator map size differs from validator count".into(),
            );
        }
        Ok(totals)
    }

    /// Σ unbonding entries against the unbonding pool's balance `pool`, and (with `deep`) the
    /// entry counts per delegator and validator against the queue's own and the bound.
    fn check_unbonding(&self, pool: Amount, deep: bool) -> Result<(), Violation> {
        let mut unbonding = 0u128;
        let mut counts: BTreeMap<(AccountId, ValidatorId), u32> = BTreeMap::new();
        for e in self.unbonding.iter() {
            unbonding = unbonding.saturating_add(e.amount.0);
            if deep {
                *counts.entry((e.delegator, e.validator)).or_default() += 1;
            }
        }
        if pool.0 != unbonding {
            return fail(
                "staking unbonding pool",
                format!("Σ entries {unbonding} ≠ unbonding pool {pool}"),
            );
        }
        if !deep {
            return Ok(());
        }
        if &counts != self.unbonding.counts()
            || counts.values().any(|c| *c > self.params.max_unbonding_entries)
        {
            return fail(
                "staking unbonding entries",
                format!("per-pair counts {counts:?} vs {:?}", self.unbonding.counts()),
            );
        }
        debug_assert_eq!(self.unbonding.len(), counts.values().map(|c| *c as usize).sum::<usize>());
        Ok(())
    }
}
