//! Slashing in [`Staking`]: a fraction of a validator's bonded tokens and of the unbonding
//! entries that left it at or after the infraction, moved to a sink — a pool (Marlin's spam
//! checker share, an insurance fund) or the ledger's burn. Delegation shares are untouched, so
//! every delegation of the validator loses the same fraction and no reward needs settling.
//!
//! Slashing is rare, so the unbonding entries are found by a scan (O(entries)). As in Cosmos,
//! entries that are already mature at `now` (but not yet paid) are not slashed.

use serde::{Deserialize, Serialize};

use super::{PPM, Staking, ValidatorId, check_ppm};
use crate::Epoch;
use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};
use crate::ledger::{Ledger, PoolId};

/// Where slashed tokens go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlashSink {
    /// Destroyed through [`Ledger::burn`].
    Burn,
    /// Moved to a pool.
    Pool(PoolId),
}

/// What a slash took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Slashed {
    /// From the validator's bonded tokens.
    pub bonded: Amount,
    /// From its unbonding entries.
    pub unbonding: Amount,
}

impl Slashed {
    /// bonded + unbonding.
    #[must_use]
    pub fn total(&self) -> Amount {
        Amount(self.bonded.0.saturating_add(self.unbonding.0))
    }
}

impl Staking {
    /// Slashes `fraction_ppm` of `validator`: floor(tokens·fraction) of its bonded tokens and
    /// floor(entry·fraction) of each of its unbonding entries created at or after
    /// `infraction_epoch` and not mature at `now`; the tokens go to `sink`. Does not jail (the
    /// caller decides). Rejects a fraction above 100%, an infraction after `now` and a sink that
    /// is one of Staking's own pools.
    pub fn slash(
        &mut self,
        ledger: &mut Ledger,
        validator: ValidatorId,
        fraction_ppm: u32,
        infraction_epoch: Epoch,
        now: Epoch,
        sink: SlashSink,
    ) -> Result<Slashed> {
        check_ppm(fraction_ppm)?;
        if infraction_epoch > now {
            return Err(Error::InvalidParameter {
                name: "infraction_epoch".into(),
                value: infraction_epoch.to_string(),
                reason: format!("after the current epoch {now}"),
            });
        }
        if let SlashSink::Pool(p) = sink {
            self.check_outside(p.into(), "sink")?;
        }
        let v = self.validator(validator)?;
        let bonded = Amount(mul_div(v.tokens.0, u128::from(fraction_ppm), PPM, Rounding::Down)?);
        let plan = self.unbonding.plan_slash(validator, fraction_ppm, infraction_epoch, now)?;
        let unbonding = plan.total;
        let (token, bonded_pool, unbonding_pool) =
            (self.token, self.bonded_pool, self.unbonding_pool);
        ledger.atomic(|l| -> Result<()> {
            for (pool, amount) in [(bonded_pool, bonded), (unbonding_pool, unbonding)] {
                match sink {
                    SlashSink::Burn => l.burn(token, pool.into(), amount)?,
                    SlashSink::Pool(to) => l.transfer(token, pool.into(), to.into(), amount)?,
                }
            }
            Ok(())
        })?;
        self.unbonding.apply_slash(&plan);
        let v = self.validator_mut(validator)?;
        v.tokens = v.tokens.saturating_sub(bonded);
        Ok(Slashed { bonded, unbonding })
    }
}
