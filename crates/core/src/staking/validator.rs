//! [`Validator`]: one validator's state inside [`Staking`](super::Staking) — operator, bonded
//! tokens, commission, jail flag, unwithdrawn commission, and its delegations (the shares of its
//! own [`RewardAccumulator`]) — with read-only accessors. Only `Staking` changes it.

use serde::Serialize;

use crate::Epoch;
use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::ledger::AccountId;
use crate::rewards::RewardAccumulator;

/// One validator's state. Only [`Staking`](super::Staking) changes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Validator {
    pub(super) operator: AccountId,
    pub(super) created: Epoch,
    pub(super) tokens: Amount,
    pub(super) commission_ppm: u32,
    pub(super) jailed: bool,
    pub(super) commission: Amount,
    pub(super) delegations: RewardAccumulator<AccountId>,
}

impl Validator {
    /// The operator's account (its self-bond is its delegation).
    #[must_use]
    pub fn operator(&self) -> AccountId {
        self.operator
    }

    /// The epoch it was created.
    #[must_use]
    pub fn created(&self) -> Epoch {
        self.created
    }

    /// Bonded tokens, after slashing.
    #[must_use]
    pub fn tokens(&self) -> Amount {
        self.tokens
    }

    /// Σ delegation shares.
    #[must_use]
    pub fn total_shares(&self) -> u128 {
        self.delegations.total_shares()
    }

    /// Commission in parts per million.
    #[must_use]
    pub fn commission_ppm(&self) -> u32 {
        self.commission_ppm
    }

    /// Whether it is jailed: no rewards, no voting power (it still takes delegations).
    #[must_use]
    pub fn is_jailed(&self) -> bool {
        self.jailed
    }

    /// Commission earned and not yet withdrawn.
    #[must_use]
    pub fn commission_balance(&self) -> Amount {
        self.commission
    }

    /// The shares `delegator` holds.
    #[must_use]
    pub fn shares_of(&self, delegator: AccountId) -> u128 {
        self.delegations.shares(delegator)
    }

    /// The token value of `shares`: floor(shares·tokens/total_shares).
    #[must_use]
    pub fn value_of_shares(&self, shares: u128) -> Amount {
        let total = self.total_shares();
        if total == 0 {
            return Amount::ZERO;
        }
        // shares ≤ total, so the result ≤ tokens: it cannot overflow.
        Amount(mul_div(shares, self.tokens.0, total, Rounding::Down).unwrap_or(0))
    }

    /// The token value of `delegator`'s delegation.
    #[must_use]
    pub fn delegation_value(&self, delegator: AccountId) -> Amount {
        self.value_of_shares(self.shares_of(delegator))
    }

    /// `delegator`'s rewards not yet withdrawn.
    #[must_use]
    pub fn pending_rewards(&self, delegator: AccountId) -> Amount {
        self.delegations.pending(delegator)
    }

    /// The delegations: shares and rewards per delegator.
    #[must_use]
    pub fn delegations(&self) -> &RewardAccumulator<AccountId> {
        &self.delegations
    }
}
