//! POND and MPOND accounts and transfers (spec marlin.md, "Tokens"; seed 002, "POND", "MPOND").
//!
//! POND moves freely. MPOND moves only to or from a whitelisted account (the stakedrop and
//! similar contracts; the bridge is a pool and always may) until governance opens transfers,
//! and only out of its free part: balance − MPOND whose votes are delegated (locked).

use ergon_core::{AccountId, Amount};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};

/// Which token an operation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Token {
    /// POND.
    Pond,
    /// MPOND.
    Mpond,
}

impl Marlin {
    /// Opens an account named `name` with no tokens.
    pub fn open_account(&mut self, name: &str) -> Result<AccountId> {
        ergon_core::names::check_name("account", name)?;
        if self.names.id(name).is_some() {
            return Err(
                ergon_core::Error::Duplicate { kind: "account", name: name.to_owned() }.into()
            );
        }
        ergon_core::txn::atomic(self, |st| {
            let id = st.ledger.open_account()?;
            st.names.push(name);
            Ok(id)
        })
    }

    /// The account named `name`; a staking pool's account is refused (`pool_account`): it is
    /// named by the stash operations only ([`Marlin::staker_account`]).
    pub fn account(&self, name: &str) -> Result<AccountId> {
        let a = self.staker_account(name)?;
        if self.pools.of_account(a).is_some() {
            return Err(MarlinError::PoolAccount { name: name.to_owned() });
        }
        Ok(a)
    }

    /// The account named `name` as a stash's staker: any account, a staking pool's included
    /// (its operator stakes the pool's tokens through its stashes).
    pub fn staker_account(&self, name: &str) -> Result<AccountId> {
        self.names
            .id(name)
            .map(AccountId)
            .ok_or_else(|| MarlinError::UnknownAccount { name: name.to_owned() })
    }

    /// The name of account `a`.
    #[must_use]
    pub fn name(&self, a: AccountId) -> &str {
        self.names.name(a.0)
    }

    /// `a`'s MPOND balance, base units.
    #[must_use]
    pub fn mpond_balance(&self, a: AccountId) -> Amount {
        self.ledger.balance(self.mpond, a.into()).unwrap_or_default()
    }

    /// `a`'s POND balance, base units.
    #[must_use]
    pub fn pond_balance(&self, a: AccountId) -> Amount {
        self.ledger.balance(self.pond, a.into()).unwrap_or_default()
    }

    /// `a`'s staked MPOND (in its stashes), base units: counts toward what a bridge request
    /// may ask.
    #[must_use]
    pub fn mpond_staked(&self, a: AccountId) -> Amount {
        self.stakes.staked_mpond(a)
    }

    /// Refuses a move of `amount` MPOND out of `a` beyond its free part.
    pub(crate) fn check_free_mpond(&self, a: AccountId, amount: Amount) -> Result<()> {
        let delegated = self.gov.delegated(a);
        let free = self.mpond_balance(a).saturating_sub(delegated);
        if amount > free {
            return Err(MarlinError::MpondLocked { account: a, needed: amount, free, delegated });
        }
        Ok(())
    }

    /// Whether `a` is whitelisted for MPOND transfers.
    #[must_use]
    pub fn is_whitelisted(&self, a: AccountId) -> bool {
        self.whitelist.contains_key(&a)
    }

    /// Adds `a` to the MPOND whitelist (the token admin's act).
    pub fn whitelist(&mut self, a: AccountId) {
        self.whitelist.insert(a, ());
    }

    /// Moves `amount` of `token` from `from` to `to`.
    pub fn transfer(
        &mut self,
        token: Token,
        from: AccountId,
        to: AccountId,
        amount: Amount,
    ) -> Result<()> {
        let t = match token {
            Token::Pond => self.pond,
            Token::Mpond => {
                let open = self.settings.get().transfers_open;
                if !open && !self.is_whitelisted(from) && !self.is_whitelisted(to) {
                    return Err(MarlinError::TransfersClosed { from, to });
                }
                self.check_free_mpond(from, amount)?;
                self.mpond
            }
        };
        Ok(self.ledger.transfer(t, from.into(), to.into(), amount)?)
    }
}
