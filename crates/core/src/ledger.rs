//! The exact ledger: who holds how much of which token.
//!
//! Holders are accounts (dense [`AccountId`]s) and named pools ([`PoolId`]: mining pool, volume
//! pool, treasury, insurance, dust, staking bonds, lock queues, …). Tokens enter only by
//! [`Ledger::mint`] from a capped reserve and leave only by [`Ledger::burn`] into an explicit sink,
//! so for every token, at every moment:
//!
//! ```text
//! minted − burned = Σ account balances + Σ pool balances
//! ```
//!
//! (locks, bonds and unbonding stake are pools owned by their aggregates; each aggregate checks
//! that its own records sum to its pool). [`Ledger::check_conservation`] recomputes both sides.
//!
//! A journal makes a multi-step operation all-or-nothing: [`Ledger::checkpoint`] starts recording
//! undo entries, [`Ledger::revert`] restores every touched value, [`Ledger::commit`] keeps them.
//! Outside a checkpoint nothing is recorded, so plain transfers cost no journal.

mod checks;
mod payout;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::amount::{Amount, TokenMeta};
use crate::error::{Error, Result, overflow};
use crate::invariants::Violation;

/// A token registered in a [`Ledger`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub u16);

/// An account: a dense index, opened by [`Ledger::open_account`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub u32);

/// A named pool, registered by [`Ledger::add_pool`]. A pool may hold any token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PoolId(pub u16);

/// Anything that holds tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Holder {
    /// An account.
    Account(AccountId),
    /// A named pool.
    Pool(PoolId),
}

impl From<AccountId> for Holder {
    fn from(a: AccountId) -> Holder {
        Holder::Account(a)
    }
}

impl From<PoolId> for Holder {
    fn from(p: PoolId) -> Holder {
        Holder::Pool(p)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holder::Account(a) => write!(f, "account:{}", a.0),
            Holder::Pool(p) => write!(f, "pool:{}", p.0),
        }
    }
}

/// One token's books.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SavedBook")]
struct TokenBook {
    meta: TokenMeta,
    cap: Amount,
    minted: Amount,
    burned: Amount,
    /// Indexed by account; grown lazily on first credit.
    accounts: Vec<Amount>,
    /// Indexed by pool; grown lazily on first credit.
    pools: Vec<Amount>,
    /// Σ balances of every holder, kept by every change of a balance (modulo 2^128; the true
    /// sum is the supply, below 2^128): conservation checked in O(1) ([`Ledger::check_supply`]).
    #[serde(skip)]
    held: u128,
}

/// A token's book as saved: every field but `held`, which reads back as the sum it keeps.
#[derive(Deserialize)]
struct SavedBook {
    meta: TokenMeta,
    cap: Amount,
    minted: Amount,
    burned: Amount,
    accounts: Vec<Amount>,
    pools: Vec<Amount>,
}

impl From<SavedBook> for TokenBook {
    fn from(b: SavedBook) -> TokenBook {
        let held = b.accounts.iter().chain(&b.pools).fold(0u128, |s, a| s.wrapping_add(a.0));
        let SavedBook { meta, cap, minted, burned, accounts, pools } = b;
        TokenBook { meta, cap, minted, burned, accounts, pools, held }
    }
}

/// An undo record: the value a slot had before a journaled change.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Undo {
    Pools {
        prev_len: usize,
    },
    Account {
        token: u16,
        account: u32,
        prev: Amount,
    },
    Pool {
        token: u16,
        pool: u16,
        prev: Amount,
    },
    Minted {
        token: u16,
        prev: Amount,
    },
    Burned {
        token: u16,
        prev: Amount,
    },
    Accounts {
        prev_count: u32,
    },
    /// A token's account or pool vector was grown from `prev_len`.
    Grew {
        token: u16,
        pools: bool,
        prev_len: usize,
    },
}

/// A position in the journal, returned by [`Ledger::checkpoint`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a checkpoint must be committed or reverted"]
pub struct Checkpoint {
    journal_len: usize,
    depth: u32,
}

/// Balances of every token, by account and by pool, with a capped mint and a burn sink.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    tokens: Vec<TokenBook>,
    pool_names: Vec<String>,
    account_count: u32,
    #[serde(skip)]
    journal: Vec<Undo>,
    #[serde(skip)]
    depth: u32,
}

impl Ledger {
    /// An empty ledger: no tokens, pools or accounts.
    #[must_use]
    pub fn new() -> Ledger {
        Ledger::default()
    }

    // ---- registration ---------------------------------------------------------------------

    /// Registers a token whose supply (minted − burned) may never exceed `cap`: a burn makes
    /// room to mint again, as an ERC-20 capped supply does.
    pub fn add_token(&mut self, meta: TokenMeta, cap: Amount) -> Result<TokenId> {
        if self.tokens.iter().any(|t| t.meta.symbol == meta.symbol) {
            return Err(Error::Duplicate { kind: "token", name: meta.symbol });
        }
        let id = u16::try_from(self.tokens.len()).map_err(|_| Error::LimitReached {
            what: "tokens".into(),
            limit: u64::from(u16::MAX),
        })?;
        self.tokens.push(TokenBook {
            meta,
            cap,
            minted: Amount::ZERO,
            burned: Amount::ZERO,
            accounts: Vec::new(),
            pools: Vec::new(),
            held: 0,
        });
        Ok(TokenId(id))
    }

    /// Registers a named pool.
    pub fn add_pool(&mut self, name: &str) -> Result<PoolId> {
        if self.pool_names.iter().any(|n| n == name) {
            return Err(Error::Duplicate { kind: "pool", name: name.to_owned() });
        }
        let id = u16::try_from(self.pool_names.len()).map_err(|_| Error::LimitReached {
            what: "pools".into(),
            limit: u64::from(u16::MAX),
        })?;
        self.record(Undo::Pools { prev_len: self.pool_names.len() });
        self.pool_names.push(name.to_owned());
        Ok(PoolId(id))
    }

    /// Opens a new account with zero balances.
    pub fn open_account(&mut self) -> Result<AccountId> {
        let id = self.account_count;
        let next = id.checked_add(1).ok_or_else(|| Error::LimitReached {
            what: "accounts".into(),
            limit: u64::from(u32::MAX),
        })?;
        self.record(Undo::Accounts { prev_count: id });
        self.account_count = next;
        Ok(AccountId(id))
    }

    /// Opens `n` accounts at once; returns the first. Ids are consecutive.
    pub fn open_accounts(&mut self, n: u32) -> Result<AccountId> {
        let id = self.account_count;
        let next = id.checked_add(n).ok_or_else(|| Error::LimitReached {
            what: "accounts".into(),
            limit: u64::from(u32::MAX),
        })?;
        self.record(Undo::Accounts { prev_count: id });
        self.account_count = next;
        Ok(AccountId(id))
    }

    // ---- reading --------------------------------------------------------------------------

    /// The token's metadata.
    pub fn token(&self, token: TokenId) -> Result<&TokenMeta> {
        Ok(&self.book(token)?.meta)
    }

    /// Every token id, in registration order.
    pub fn token_ids(&self) -> impl Iterator<Item = TokenId> + '_ {
        (0..self.tokens.len()).map(|i| TokenId(i as u16))
    }

    /// The token registered with `symbol`.
    #[must_use]
    pub fn token_by_symbol(&self, symbol: &str) -> Option<TokenId> {
        self.tokens.iter().position(|t| t.meta.symbol == symbol).map(|i| TokenId(i as u16))
    }

    /// The pool registered as `name`.
    #[must_use]
    pub fn pool_by_name(&self, name: &str) -> Option<PoolId> {
        self.pool_names.iter().position(|n| n == name).map(|i| PoolId(i as u16))
    }

    /// The pool's name.
    pub fn pool_name(&self, pool: PoolId) -> Result<&str> {
        self.pool_names
            .get(usize::from(pool.0))
            .map(String::as_str)
            .ok_or_else(|| Error::Unknown { kind: "pool", id: pool.0.to_string() })
    }

    /// Every pool id, in registration order.
    pub fn pool_ids(&self) -> impl Iterator<Item = PoolId> + '_ {
        (0..self.pool_names.len()).map(|i| PoolId(i as u16))
    }

    /// Number of accounts opened.
    #[must_use]
    pub fn account_count(&self) -> u32 {
        self.account_count
    }

    /// The holder's balance of `token` (zero for a known holder that never held it).
    #[inline]
    pub fn balance(&self, token: TokenId, holder: Holder) -> Result<Amount> {
        // The known holder of a known token: two bounds checks and a load (every request reads
        // balances). The errors are built apart, in the order `unknown_balance` checks them.
        if let Some(book) = self.tokens.get(usize::from(token.0)) {
            match holder {
                Holder::Account(a) if a.0 < self.account_count => {
                    return Ok(book.accounts.get(a.0 as usize).copied().unwrap_or_default());
                }
                Holder::Pool(p) if usize::from(p.0) < self.pool_names.len() => {
                    return Ok(book.pools.get(usize::from(p.0)).copied().unwrap_or_default());
                }
                _ => {}
            }
        }
        Err(self.unknown_balance(token, holder))
    }

    /// Why [`Ledger::balance`] has no balance for `holder` of `token`: an unknown holder first,
    /// then an unknown token.
    #[cold]
    fn unknown_balance(&self, token: TokenId, holder: Holder) -> Error {
        match self.check_holder(holder).and_then(|()| self.book(token).map(|_| ())) {
            Err(e) => e,
            Ok(()) => Error::Unknown { kind: "token", id: token.0.to_string() },
        }
    }

    /// Total minted so far.
    pub fn minted(&self, token: TokenId) -> Result<Amount> {
        Ok(self.book(token)?.minted)
    }

    /// Total burned so far.
    pub fn burned(&self, token: TokenId) -> Result<Amount> {
        Ok(self.book(token)?.burned)
    }

    /// The mint cap.
    pub fn cap(&self, token: TokenId) -> Result<Amount> {
        Ok(self.book(token)?.cap)
    }

    /// Tokens in existence: minted − burned.
    pub fn supply(&self, token: TokenId) -> Result<Amount> {
        let b = self.book(token)?;
        Ok(b.minted.saturating_sub(b.burned))
    }

    /// What can still be minted: cap − supply.
    pub fn reserve(&self, token: TokenId) -> Result<Amount> {
        let b = self.book(token)?;
        Ok(b.cap.saturating_sub(b.minted.saturating_sub(b.burned)))
    }

    // ---- moving tokens --------------------------------------------------------------------

    /// Moves `amount` of `token` from one holder to another. All-or-nothing.
    pub fn transfer(
        &mut self,
        token: TokenId,
        from: Holder,
        to: Holder,
        amount: Amount,
    ) -> Result<()> {
        self.check_holder(to)?;
        let available = self.balance(token, from)?;
        let debited = available
            .checked_sub(amount)
            .map_err(|_| self.insufficient(token, from, amount, available))?;
        if from == to || amount.is_zero() {
            return Ok(());
        }
        let credited = self.balance(token, to)?.checked_add(amount)?;
        self.set(token, from, debited);
        self.set(token, to, credited);
        Ok(())
    }

    /// Creates `amount` of `token` for `to`, from the capped reserve: refused when the supply
    /// (minted − burned) would exceed the cap.
    pub fn mint(&mut self, token: TokenId, to: Holder, amount: Amount) -> Result<()> {
        self.check_holder(to)?;
        let book = self.book(token)?;
        let supply = book.minted.saturating_sub(book.burned); // minted ≥ burned: an invariant
        if amount > book.cap.saturating_sub(supply) {
            return Err(Error::CapExceeded {
                token: book.meta.symbol.clone(),
                amount,
                supply,
                cap: book.cap,
            });
        }
        let minted = book.minted.checked_add(amount)?;
        let credited = self.balance(token, to)?.checked_add(amount)?;
        let prev = book.minted;
        self.record(Undo::Minted { token: token.0, prev });
        self.tokens[usize::from(token.0)].minted = minted;
        self.set(token, to, credited);
        Ok(())
    }

    /// Destroys `amount` of `token` held by `from` (the burn sink).
    pub fn burn(&mut self, token: TokenId, from: Holder, amount: Amount) -> Result<()> {
        let available = self.balance(token, from)?;
        let debited = available
            .checked_sub(amount)
            .map_err(|_| self.insufficient(token, from, amount, available))?;
        let book = self.book(token)?;
        let burned = book.burned.checked_add(amount).map_err(|_| overflow("burn"))?;
        let prev = book.burned;
        self.record(Undo::Burned { token: token.0, prev });
        self.tokens[usize::from(token.0)].burned = burned;
        self.set(token, from, debited);
        Ok(())
    }

    // ---- journal --------------------------------------------------------------------------

    /// Starts recording undo entries. Checkpoints nest; each must be committed or reverted, the
    /// innermost first.
    pub fn checkpoint(&mut self) -> Checkpoint {
        self.depth += 1;
        Checkpoint { journal_len: self.journal.len(), depth: self.depth }
    }

    /// Keeps every change since `cp`.
    pub fn commit(&mut self, cp: Checkpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    /// Undoes every change since `cp`, newest first.
    pub fn revert(&mut self, cp: Checkpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        while self.journal.len() > cp.journal_len {
            let Some(undo) = self.journal.pop() else { break };
            match undo {
                Undo::Account { token, account, prev } => {
                    let book = &mut self.tokens[usize::from(token)];
                    let now = std::mem::replace(&mut book.accounts[account as usize], prev);
                    book.held = book.held.wrapping_sub(now.0).wrapping_add(prev.0);
                }
                Undo::Pool { token, pool, prev } => {
                    let book = &mut self.tokens[usize::from(token)];
                    let now = std::mem::replace(&mut book.pools[usize::from(pool)], prev);
                    book.held = book.held.wrapping_sub(now.0).wrapping_add(prev.0);
                }
                Undo::Minted { token, prev } => self.tokens[usize::from(token)].minted = prev,
                Undo::Burned { token, prev } => self.tokens[usize::from(token)].burned = prev,
                Undo::Accounts { prev_count } => self.account_count = prev_count,
                Undo::Pools { prev_len } => self.pool_names.truncate(prev_len),
                Undo::Grew { token, pools, prev_len } => {
                    let book = &mut self.tokens[usize::from(token)];
                    if pools {
                        book.pools.truncate(prev_len)
                    } else {
                        book.accounts.truncate(prev_len)
                    }
                }
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    /// Runs `f` all-or-nothing: on `Err` every ledger change `f` made is undone.
    pub fn atomic<T, E>(
        &mut self,
        f: impl FnOnce(&mut Ledger) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let cp = self.checkpoint();
        match f(self) {
            Ok(v) => {
                self.commit(cp);
                Ok(v)
            }
            Err(e) => {
                self.revert(cp);
                Err(e)
            }
        }
    }

    // ---- invariants -----------------------------------------------------------------------

    /// Recomputes, for every token, minted − burned and Σ balances + Σ pools, and checks they are
    /// equal (and equal to the running sum [`Ledger::check_supply`] reads) and that the supply is
    /// at most the cap.
    /// O(accounts × tokens): for tests, `--paranoid` runs and replay's full check.
    pub fn check_conservation(&self) -> std::result::Result<(), Violation> {
        self.check_supply()?;
        for book in &self.tokens {
            let sum =
                book.accounts.iter().chain(&book.pools).try_fold(0u128, |s, a| s.checked_add(a.0));
            if sum != Some(book.held) {
                return Err(Violation::new(
                    "ledger conservation",
                    format!(
                        "{}: Σ holders {sum:?} ≠ the running sum {}",
                        book.meta.symbol, book.held
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks, for every token, that the running sum of every holder's balance equals minted −
    /// burned and that this supply is at most the cap: conservation in O(tokens), against the
    /// sum every change of a balance keeps ([`Ledger::check_conservation`] also recomputes it).
    pub fn check_supply(&self) -> std::result::Result<(), Violation> {
        for book in &self.tokens {
            let supply = book.minted.0.checked_sub(book.burned.0);
            let symbol = &book.meta.symbol;
            if supply != Some(book.held) {
                let detail = format!(
                    "{symbol}: minted {} − burned {} ≠ Σ holders {}",
                    book.minted, book.burned, book.held
                );
                return Err(Violation::new("ledger conservation", detail));
            }
            if book.held > book.cap.0 {
                let detail = format!("{symbol}: supply {} above the cap {}", book.held, book.cap);
                return Err(Violation::new("ledger conservation", detail));
            }
        }
        Ok(())
    }

    // ---- internals ------------------------------------------------------------------------

    fn book(&self, token: TokenId) -> Result<&TokenBook> {
        self.tokens
            .get(usize::from(token.0))
            .ok_or_else(|| Error::Unknown { kind: "token", id: token.0.to_string() })
    }

    #[inline]
    fn check_holder(&self, holder: Holder) -> Result<()> {
        match holder {
            Holder::Account(a) if a.0 < self.account_count => Ok(()),
            Holder::Pool(p) if usize::from(p.0) < self.pool_names.len() => Ok(()),
            _ => Err(unknown_holder(holder)),
        }
    }

    fn insufficient(
        &self,
        token: TokenId,
        holder: Holder,
        needed: Amount,
        available: Amount,
    ) -> Error {
        let holder = match holder {
            Holder::Pool(p) => format!("pool:{}", self.pool_name(p).unwrap_or("?")),
            Holder::Account(_) => holder.to_string(),
        };
        let token = self
            .tokens
            .get(usize::from(token.0))
            .map(|b| b.meta.symbol.clone())
            .unwrap_or_default();
        Error::InsufficientBalance { holder, token, needed, available }
    }

    fn record(&mut self, undo: Undo) {
        if self.depth > 0 {
            self.journal.push(undo);
        }
    }

    /// Sets a holder's balance (holder and token already checked), journaling the old value.
    fn set(&mut self, token: TokenId, holder: Holder, value: Amount) {
        let t = usize::from(token.0);
        match holder {
            Holder::Account(a) => {
                let i = a.0 as usize;
                let len = self.tokens[t].accounts.len();
                if len <= i {
                    self.record(Undo::Grew { token: token.0, pools: false, prev_len: len });
                    self.tokens[t].accounts.resize(i + 1, Amount::ZERO);
                }
                let prev = std::mem::replace(&mut self.tokens[t].accounts[i], value);
                let book = &mut self.tokens[t];
                book.held = book.held.wrapping_sub(prev.0).wrapping_add(value.0);
                self.record(Undo::Account { token: token.0, account: a.0, prev });
            }
            Holder::Pool(p) => {
                let i = usize::from(p.0);
                let len = self.tokens[t].pools.len();
                if len <= i {
                    self.record(Undo::Grew { token: token.0, pools: true, prev_len: len });
                    self.tokens[t].pools.resize(i + 1, Amount::ZERO);
                }
                let prev = std::mem::replace(&mut self.tokens[t].pools[i], value);
                let book = &mut self.tokens[t];
                book.held = book.held.wrapping_sub(prev.0).wrapping_add(value.0);
                self.record(Undo::Pool { token: token.0, pool: p.0, prev });
            }
        }
    }
}

/// The rejection of a holder the ledger does not have.
#[cold]
fn unknown_holder(holder: Holder) -> Error {
    match holder {
        Holder::Account(a) => Error::Unknown { kind: "account", id: a.0.to_string() },
        Holder::Pool(p) => Error::Unknown { kind: "pool", id: p.0.to_string() },
    }
}

#[cfg(test)]
mod tests;
