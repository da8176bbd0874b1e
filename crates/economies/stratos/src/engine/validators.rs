//! Hybrid DPoS on the Stratos side (seed §5, spec "Validators"): validators, delegations,
//! unbonding and the withdrawal of stake rewards and commission, through the core's
//! [`ergon_core::Staking`]. Each operation runs as one transaction over the whole state.

use ergon_core::staking::StakeChange;
use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Epoch, PerMill, ValidatorId};

use crate::Stratos;
use crate::error::Result;

impl Stratos {
    /// The validator run by `operator`, if any.
    #[must_use]
    pub fn validator_of(&self, operator: AccountId) -> Option<ValidatorId> {
        self.staking.validator_of(operator)
    }

    /// Makes `operator` a validator with a self-bond of `bond` wei and a commission.
    pub fn create_validator(
        &mut self,
        operator: AccountId,
        bond: Amount,
        commission: PerMill,
    ) -> Result<ValidatorId> {
        atomic(self, |st| {
            let now = st.epoch;
            Ok(st.staking.create_validator(&mut st.ledger, operator, bond, commission, now)?)
        })
    }

    /// `delegator` delegates `amount` wei to validator `v` (its pending rewards are paid first).
    pub fn delegate(
        &mut self,
        delegator: AccountId,
        v: ValidatorId,
        amount: Amount,
    ) -> Result<StakeChange> {
        atomic(self, |st| {
            let now = st.epoch;
            Ok(st.staking.delegate(&mut st.ledger, delegator, v, amount, now)?)
        })
    }

    /// `delegator` starts unbonding `amount` wei from validator `v`. Returns the change and the
    /// epoch the unbonding completes.
    pub fn undelegate(
        &mut self,
        delegator: AccountId,
        v: ValidatorId,
        amount: Amount,
    ) -> Result<(StakeChange, Epoch)> {
        atomic(self, |st| {
            let now = st.epoch;
            let c = st.staking.undelegate(&mut st.ledger, delegator, v, amount, now)?;
            Ok((c, now.plus(st.params.unbonding_epochs)))
        })
    }

    /// Pays `delegator`'s stake rewards from validator `v`. Returns the amount.
    pub fn withdraw_rewards(&mut self, delegator: AccountId, v: ValidatorId) -> Result<Amount> {
        atomic(self, |st| Ok(st.staking.withdraw_rewards(&mut st.ledger, delegator, v)?))
    }

    /// Pays validator `v`'s commission to its operator. Returns the amount.
    pub fn withdraw_commission(&mut self, v: ValidatorId) -> Result<Amount> {
        atomic(self, |st| Ok(st.staking.withdraw_commission(&mut st.ledger, v)?))
    }

    /// Frees validator `v`, jailed when its operator's self-bond fell below the minimum
    /// (`min_self_bond`), once that self-bond is at the minimum again. Refused when it is not
    /// jailed or its self-bond is still short.
    pub fn unjail(&mut self, v: ValidatorId) -> Result<()> {
        if !self.staking.validator(v)?.is_jailed() {
            return Err(crate::error::Refusal::NotJailed(v).into());
        }
        atomic(self, |st| Ok(st.staking.unjail(v)?))
    }
}
