//! paper: the node deposits' share of the stake rewards (seed §5: "split between validators and
//! node deposits by their totals, deposits pro rata"), locked 14 days, then withdrawable.
//!
//! [`DepositRewards`] keeps the books: one [`Vesting`] index of two sources (volume pool,
//! mining pool) over the same stakes, so a deposit costs one holder entry and one segment list
//! for both (about 350 bytes, against 480 for an index per source). Each epoch adds the
//! deposits' part of each source in O(1), whatever the number of deposits: an account's share is `floor(z·Σ part/D)` over each stretch of epochs in which its
//! deposit `z` (and, through the index, the total `D`) held, so the floor is taken once per
//! stretch rather than once an epoch. The rewards of epoch `e`, issued as it closes, become
//! withdrawable when epoch `e + reward_lock_epochs + 1` begins, a whole lock after their issue
//! (seed: 14 days, 2016 epochs; 0 means no lock), like the node rewards of the lock queue: the
//! index vests with a lag of `reward_lock_epochs + 1`. An account takes them with the
//! `withdraw_matured` op. Forfeits (a paper shutdown inside the cooling-off) return the locked
//! part to its source pools; a migration takes the locked part newest first, after the lock
//! queue's.
//!
//! The stake of an account is the deposits that share the stake rewards
//! ([`crate::NodeRegistry::sharing_deposits`]); `Stratos::sync_stake` sets it after every
//! change of a node's status or deposit. The tokens sit in the ledger's `deposit_rewards` pool;
//! the methods on [`Stratos`] move them.

use ergon_core::invariants::Violation;
use ergon_core::{AccountId, Amount, Epoch, Error, Holder, Touched, Vesting};

use crate::Stratos;
use crate::error::Result;

/// The deposits' stake rewards by source, vesting after the reward lock. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DepositRewards {
    /// Source 0: the volume pool's part, 1: the mining pool's; one stake per account for both.
    index: Vesting<AccountId, 2>,
    /// Accounts whose books changed since the last check (when a checker records them).
    touched: Touched<AccountId>,
}

ergon_core::transactional!(DepositRewards { index: Vesting<AccountId, 2> }; ignore touched);

impl DepositRewards {
    /// No stakes, starting at `epoch`, vesting `lag` epochs after the epoch that earns.
    pub fn new(lag: u64, epoch: Epoch) -> std::result::Result<DepositRewards, Error> {
        Ok(DepositRewards { index: Vesting::new(lag, epoch)?, touched: Touched::default() })
    }

    /// Σ deposits sharing.
    #[must_use]
    pub fn total_stake(&self) -> Amount {
        Amount(self.index.total_stake())
    }

    /// The stake of `owner`.
    #[must_use]
    pub fn stake(&self, owner: AccountId) -> Amount {
        Amount(self.index.stake(owner))
    }

    /// Sets `owner`'s stake from now on.
    pub fn set_stake(&mut self, owner: AccountId, z: Amount) -> std::result::Result<(), Error> {
        self.touched.mark(owner);
        self.index.set_stake(owner, z.0)
    }

    /// Adds `part` to source `si`'s rewards of the epoch (stakes must exist).
    pub fn distribute(&mut self, si: usize, part: Amount) -> std::result::Result<(), Error> {
        self.index.distribute_source(si, part)?;
        Ok(())
    }

    /// Ends the epoch: its rewards start their lag.
    pub fn close_epoch(&mut self) {
        self.index.close_epoch();
    }

    /// Locked rewards of `owner`.
    #[must_use]
    pub fn locked(&self, owner: AccountId) -> Amount {
        self.index.locked(owner)
    }

    /// Withdrawable rewards of `owner`.
    #[must_use]
    pub fn vested(&self, owner: AccountId) -> Amount {
        self.index.vested(owner)
    }

    /// Pays `owner` its withdrawable rewards in the books; returns what the caller moves.
    pub fn withdraw(&mut self, owner: AccountId) -> Amount {
        self.touched.mark(owner);
        self.index.withdraw(owner)
    }

    /// Takes every locked reward of `owner`; returns what goes back to each source's pool.
    pub fn forfeit(&mut self, owner: AccountId) -> std::result::Result<[Amount; 2], Error> {
        self.touched.mark(owner);
        self.index.forfeit_by_source(owner)
    }

    /// Takes up to `amount` of `owner`'s locked rewards, those that would vest last first (the
    /// mining pool's part, then the volume pool's). Returns what was taken.
    pub fn deduct(
        &mut self,
        owner: AccountId,
        amount: Amount,
    ) -> std::result::Result<Amount, Error> {
        self.touched.mark(owner);
        self.index.deduct(owner, amount)
    }

    /// Units the floors left unclaimable (O(holders)).
    #[must_use]
    pub fn dust(&self) -> Amount {
        self.index.dust()
    }

    /// The index is consistent and at `epoch`; `pool` holds both reserves; the stakes are
    /// `sharing(account)` for each of `accounts`. O(accounts).
    pub fn check_invariants(
        &self,
        pool: Amount,
        epoch: Epoch,
        accounts: u32,
        sharing: impl Fn(AccountId) -> Amount,
    ) -> std::result::Result<(), Violation> {
        self.index.check_invariants()?;
        self.check_books(pool, epoch)?;
        (0..accounts).map(AccountId).try_for_each(|a| self.check_account(a, &sharing))
    }

    /// Starts recording the accounts each step changes, for [`DepositRewards::check_step`]
    /// (the caller has just checked them all).
    pub fn start_tracking(&mut self) {
        self.touched.start();
    }

    /// The accounts changed since the last check, and starts afresh (`None`: every account).
    pub fn take_touched(&mut self) -> Option<Vec<AccountId>> {
        self.touched.take()
    }

    /// [`DepositRewards::check_invariants`] in O(`accounts`): the index's totals, epoch and
    /// reserves against `pool` ([`Vesting::check_bound`]), the books and stakes of
    /// `accounts` — those whose records changed since the last check — and the stakes of
    /// `owners`, the owners of nodes changed since then (their records did not change).
    pub fn check_step(
        &self,
        pool: Amount,
        epoch: Epoch,
        accounts: &[AccountId],
        owners: &[AccountId],
        sharing: impl Fn(AccountId) -> Amount,
    ) -> std::result::Result<(), Violation> {
        self.index.check_bound()?;
        self.check_books(pool, epoch)?;
        for &a in accounts {
            self.index.check_holder(a)?;
            self.check_account(a, &sharing)?;
        }
        // A touched node's owner whose vesting record did not change: its stake still matches.
        for &a in owners {
            self.check_account(a, &sharing)?;
        }
        Ok(())
    }

    /// The index at `epoch`, and `pool` holding both sources' reserves.
    fn check_books(&self, pool: Amount, epoch: Epoch) -> std::result::Result<(), Violation> {
        let v = &self.index;
        if v.epoch() != epoch {
            return fail(format!("index epoch {} ≠ epoch {epoch}", v.epoch()));
        }
        let [rv, rm] = v.reserves();
        if v.reserve() != pool {
            return fail(format!("pool {pool} ≠ reserves {rv} + {rm}"));
        }
        Ok(())
    }

    /// Account `a`'s stake is its sharing deposits.
    fn check_account(
        &self,
        a: AccountId,
        sharing: &impl Fn(AccountId) -> Amount,
    ) -> std::result::Result<(), Violation> {
        let (z, s) = (sharing(a).0, self.index.stake(a));
        if s != z {
            return fail(format!("account {}: stake {s} ≠ sharing deposits {z}", a.0));
        }
        Ok(())
    }
}

fn fail(detail: String) -> std::result::Result<(), Violation> {
    Err(Violation::new("stratos deposit rewards", detail))
}

impl Stratos {
    /// The deposits of `owner` that share the stake rewards (zero unless the profile shares
    /// them).
    pub(in crate::engine) fn stake_of(&self, owner: AccountId) -> Amount {
        if !self.params.deposits_share_stake_rewards {
            return Amount::ZERO;
        }
        self.nodes.sharing_deposits(owner)
    }

    /// Sets `owner`'s stake in the deposit rewards to its deposits that share them now.
    pub(in crate::engine) fn sync_stake(&mut self, owner: AccountId) -> Result<()> {
        let z = self.stake_of(owner);
        Ok(self.deposit_rewards.set_stake(owner, z)?)
    }

    /// Adds `part` of source `si` (0: volume pool, 1: mining pool) to the deposits' rewards.
    /// Returns what was distributed: `part`, or zero when no deposit shares.
    pub(in crate::engine) fn distribute_to_deposits(
        &mut self,
        si: usize,
        part: Amount,
    ) -> Result<Amount> {
        if part.is_zero() || self.deposit_rewards.total_stake().is_zero() {
            return Ok(Amount::ZERO);
        }
        let from = [self.pools.volume, self.pools.mining][si];
        self.ledger.transfer(self.stos, from.into(), self.pools.deposit_rewards.into(), part)?;
        self.deposit_rewards.distribute(si, part)?;
        Ok(part)
    }

    /// The deposit rewards' books.
    #[must_use]
    pub fn deposit_rewards(&self) -> &DepositRewards {
        &self.deposit_rewards
    }

    /// Pays `owner` its withdrawable deposit rewards; returns the amount. Changes nothing when
    /// it fails (the ledger moves first; the books cannot fail after it).
    pub fn withdraw_deposit_rewards(&mut self, owner: AccountId) -> Result<Amount> {
        let amount = self.deposit_rewards.vested(owner);
        self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), owner.into(), amount)?;
        self.deposit_rewards.withdraw(owner);
        Ok(amount)
    }

    /// paper shutdown: `owner`'s locked deposit rewards go back to their source pools. Returns
    /// the amounts: from the volume pool, from the mining pool.
    pub(in crate::engine) fn forfeit_deposit_rewards(
        &mut self,
        owner: AccountId,
    ) -> Result<[Amount; 2]> {
        let parts = self.deposit_rewards.forfeit(owner)?;
        for (&a, pool) in parts.iter().zip([self.pools.volume, self.pools.mining]) {
            self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), pool.into(), a)?;
        }
        Ok(parts)
    }

    /// Takes up to `amount` of `owner`'s locked deposit rewards to `to`. Returns what was taken.
    pub(in crate::engine) fn deduct_deposit_rewards(
        &mut self,
        owner: AccountId,
        amount: Amount,
        to: Holder,
    ) -> Result<Amount> {
        let taken = self.deposit_rewards.deduct(owner, amount)?;
        self.ledger.transfer(self.stos, self.pools.deposit_rewards.into(), to, taken)?;
        Ok(taken)
    }

    /// The deposit rewards' books against the pool, the epoch and the nodes. O(accounts).
    pub(in crate::engine) fn check_deposit_rewards(
        &self,
        pool: Amount,
    ) -> std::result::Result<(), Violation> {
        let accounts = self.names.len() as u32;
        self.deposit_rewards.check_invariants(pool, self.epoch, accounts, |a| self.stake_of(a))
    }

    /// [`Stratos::check_deposit_rewards`] after a step: for the accounts whose books changed
    /// and the `owners` of the nodes changed (`None`: every account).
    pub(in crate::engine) fn check_deposit_rewards_step(
        &mut self,
        pool: Amount,
        owners: Option<Vec<AccountId>>,
    ) -> std::result::Result<(), Violation> {
        let (Some(accounts), Some(owners)) = (self.deposit_rewards.take_touched(), owners) else {
            return self.check_deposit_rewards(pool);
        };
        let sharing = |a| self.stake_of(a);
        self.deposit_rewards.check_step(pool, self.epoch, &accounts, &owners, sharing)
    }
}
