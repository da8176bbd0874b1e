//! paper: the node deposits' share of the stake rewards (seed §5: "split between validators and
//! node deposits by their totals, deposits pro rata"), locked 14 days, then withdrawable.
//!
//! Each epoch adds the deposits' part of each source (volume pool, mining pool) to a
//! [`Vesting`] index in O(1), whatever the number of deposits: an account's share is
//! `floor(z·Σ part/D)` over each stretch of epochs in which its deposit `z` (and, through the
//! index, the total `D`) held, so the floor is taken once per stretch rather than once an epoch.
//! The rewards of epoch `e` become withdrawable when epoch `e + reward_lock_epochs` begins, like
//! the node rewards of the lock queue; an account takes them with the `withdraw` op. Forfeits
//! (a paper shutdown inside the cooling-off) return the locked part to its source pools; a
//! migration takes the locked part newest first, after the lock queue's.
//!
//! The stake of an account is the deposits that share the stake rewards: its resource node's
//! when active or suspended, plus its meta node's when active ([`Stratos::stake_of`]).
//! [`Stratos::sync_stake`] sets it after every change of a node's status or deposit.

use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Holder};

use crate::Stratos;
use crate::error::Result;

impl Stratos {
    /// The deposits of `owner` that share the stake rewards (zero unless the profile shares
    /// them).
    pub(crate) fn stake_of(&self, owner: AccountId) -> Amount {
        if !self.params.deposits_share_stake_rewards {
            return Amount::ZERO;
        }
        self.nodes.sharing_deposits(owner)
    }

    /// Sets `owner`'s stake in the deposit rewards to its deposits that share them now.
    pub(crate) fn sync_stake(&mut self, owner: AccountId) -> Result<()> {
        let z = self.stake_of(owner).0;
        for v in &mut self.deposit_rewards {
            v.set_stake(owner, z)?;
        }
        Ok(())
    }

    /// Σ deposits sharing the stake rewards.
    pub(crate) fn staked_deposits(&self) -> Amount {
        Amount(self.deposit_rewards[0].total_stake())
    }

    /// Adds `part` of source `si` (0: volume pool, 1: mining pool) to the deposits' rewards.
    /// Returns what was distributed: `part`, or zero when no deposit shares.
    pub(crate) fn distribute_to_deposits(&mut self, si: usize, part: Amount) -> Result<Amount> {
        if part.is_zero() || self.staked_deposits().is_zero() {
            return Ok(Amount::ZERO);
        }
        let from = [self.pools.volume, self.pools.mining][si];
        self.ledger.transfer(self.stos, from.into(), self.pools.deposit_rewards.into(), part)?;
        self.deposit_rewards[si].distribute(part)?;
        Ok(part)
    }

    /// Locked deposit rewards of `owner`.
    pub(crate) fn locked_deposit_rewards(&self, owner: AccountId) -> Amount {
        let [v, m] = &self.deposit_rewards;
        v.locked(owner).saturating_add(m.locked(owner))
    }

    /// Withdrawable deposit rewards of `owner`.
    pub(crate) fn matured_deposit_rewards(&self, owner: AccountId) -> Amount {
        let [v, m] = &self.deposit_rewards;
        v.vested(owner).saturating_add(m.vested(owner))
    }

    /// Pays `owner` its withdrawable deposit rewards; returns the amount. Changes nothing when
    /// it fails (the ledger moves first; the index cannot fail after it).
    pub fn withdraw_deposit_rewards(&mut self, owner: AccountId) -> Result<Amount> {
        let amount = self.matured_deposit_rewards(owner);
        self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), owner.into(), amount)?;
        for v in &mut self.deposit_rewards {
            v.withdraw(owner);
        }
        Ok(amount)
    }

    /// paper shutdown: `owner`'s locked deposit rewards go back to their source pools. Returns
    /// the amount.
    pub(crate) fn forfeit_deposit_rewards(&mut self, owner: AccountId) -> Result<Amount> {
        let mut total = Amount::ZERO;
        for (si, pool) in [self.pools.volume, self.pools.mining].into_iter().enumerate() {
            let a = self.deposit_rewards[si].forfeit(owner)?;
            self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), pool.into(), a)?;
            total = total.checked_add(a)?;
        }
        Ok(total)
    }

    /// Takes up to `amount` of `owner`'s locked deposit rewards to `to`, those that would vest
    /// last first (the mining pool's part, then the volume pool's). Returns what was taken.
    pub(crate) fn deduct_deposit_rewards(
        &mut self,
        owner: AccountId,
        amount: Amount,
        to: Holder,
    ) -> Result<Amount> {
        let mut taken = Amount::ZERO;
        for si in [1, 0] {
            let a = self.deposit_rewards[si].deduct(owner, amount.checked_sub(taken)?)?;
            taken = taken.checked_add(a)?;
        }
        self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), to, taken)?;
        Ok(taken)
    }

    /// The deposit rewards' books: each index is consistent; its pool holds both reserves; every
    /// account's stake is its deposits that share (and the two sources agree). O(accounts).
    pub(crate) fn check_deposit_rewards(&self, pool: Amount) -> Result<(), Violation> {
        let [v, m] = &self.deposit_rewards;
        v.check_invariants()?;
        m.check_invariants()?;
        if v.epoch() != self.epoch || m.epoch() != self.epoch {
            return Err(Violation::new(
                "stratos deposit rewards",
                format!("index epochs {} and {} ≠ epoch {}", v.epoch(), m.epoch(), self.epoch),
            ));
        }
        let reserve = v.reserve().saturating_add(m.reserve());
        if reserve != pool {
            return Err(Violation::new(
                "stratos deposit rewards",
                format!("pool {pool} ≠ reserves {} + {}", v.reserve(), m.reserve()),
            ));
        }
        for (i, _) in self.names.iter().enumerate() {
            let a = AccountId(i as u32);
            let z = self.stake_of(a).0;
            if v.stake(a) != z || m.stake(a) != z {
                return Err(Violation::new(
                    "stratos deposit stakes",
                    format!(
                        "account {i}: stakes {} and {} ≠ sharing deposits {z}",
                        v.stake(a),
                        m.stake(a)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Units of the deposit rewards that the floors left unclaimable (O(accounts with rewards)).
    pub(crate) fn deposit_reward_dust(&self) -> Amount {
        let [v, m] = &self.deposit_rewards;
        v.dust().saturating_add(m.dust())
    }
}
