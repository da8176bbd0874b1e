//! Vaults (spec: shared/spec/phala.md, "Stake pools (delegation)": "Vaults pool delegations
//! into stake pools; the vault owner's commission is paid by minting shares when the share
//! price rises above its last checkpoint. A request older than 21 days forces a vault
//! shutdown"; the vault pallet, `pallets/phala/src/compute/vault.rs`, for the order of the
//! commission's arithmetic).
//!
//! A vault is a base pool without workers: delegators contribute PHA for vault shares at the
//! vault's share price (value / shares); its owner invests the vault's free PHA in stake pools
//! (the vault holds pool shares like any delegator, through its own ledger account
//! `vault:NAME`) and divests them (a pool withdrawal whose proceeds return to the vault's
//! account). The vault's value is its free PHA plus the value of its pool shares, held and
//! queued, at each pool's price — computed when needed, so the stake pools' rewards compound
//! into it. Withdrawals queue FIFO and are served from the free PHA.
//!
//! Owner's commission (`gain_owner_shares`): with the price `P` in PHA per share as a balance
//! (12 decimals) and the checkpoint `C` (1 PHA at creation): when `P > C`, `P' = P −
//! commission × (P − C)` (Permill, nearest, ties down), the shares minted to the owner are
//! `value / P' − total_shares` (floor) — so after the mint the price is `P'`, and the owner holds
//! the commission's part of the gain — and `C = P'`. khala divides in 64.64 fixed point through
//! the 48-fraction-bit conversions as the pallet does; paper divides exactly, floored, and keeps
//! as `C` the price after the mint rounded up (at least `P'`, so that a price that has not risen
//! since mints nothing: [`paper_gain`]).
//!
//! Shutdown (`check_vault`, anyone): the queue is served; then, when the oldest request has
//! waited more than `vault_grace_period_blocks` (21 days), covered or not — or, khala, when a
//! request that the free PHA plus the value of the vault's pending pool withdrawals cannot
//! cover has waited more than `grace_period_blocks` (7 days) — the vault asks every pool to
//! withdraw all its shares. Differences from the pallet: time in blocks; the owner's minted
//! shares are credited to the owner at once (no separate claim); no NFT wrapping; the value is
//! computed, not tracked through value subscriptions; where the pallet's `value / P' −
//! total_shares` would fall below zero (a vault without commission at a price of exactly 12
//! decimals, whose 64.64 division lands a base unit under the shares), the chain's runtime,
//! built without overflow checks, wraps the owner's shares to 2^128 − 1; Ergon mints nothing.

use std::collections::VecDeque;

use ergon_core::txn::{Keyed, Table, atomic};
use ergon_core::{AccountId, Amount, Holder, Names, PerMill, Rounding, U64F64, mul_div};

use crate::Phala;
use crate::error::{PhalaError, Result};
use crate::params::Profile;
use crate::stake_pool::{
    DUST, PoolIndex, PoolRow, Price, Request, Served, queued_shares, serve_queue,
};
use crate::tokenomic::PICO;

/// A vault's index: its creation order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct VaultIndex(pub u32);

/// A vault's stored figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaultRow {
    /// The owner's account.
    pub owner: u32,
    /// The vault's own ledger account (its free PHA; the holder of its pool shares).
    pub account: u32,
    /// The owner's part of the price's rise.
    pub commission: PerMill,
    /// Shares held by delegators (the owner included) and waiting in the queue.
    pub total_shares: u128,
    /// The price at the last checkpoint, PHA base units per 10^12 shares.
    pub checkpoint: u128,
    /// Shares minted to the owner so far.
    pub owner_shares: u128,
    /// khala: shut down and not yet cleared (the pallet's `VaultLocks`): the owner may not
    /// divest until a check finds the queue empty.
    pub locked: bool,
}

/// Every vault.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vaults {
    /// Vault names, by index.
    pub names: Names,
    /// Vault figures, by index.
    pub rows: Table<VaultRow>,
    /// Withdrawal queues, by vault index, oldest first.
    pub queues: Table<VecDeque<Request>>,
    /// Vault shares held (not queued), by (vault, account).
    pub holdings: Keyed<(u32, u32), u128>,
}

ergon_core::transactional!(Vaults {
    names: Names,
    rows: Table<VaultRow>,
    queues: Table<VecDeque<Request>>,
    holdings: Keyed<(u32, u32), u128>,
});

impl Default for Vaults {
    fn default() -> Vaults {
        Vaults {
            names: Names::new(),
            rows: Table::new(),
            queues: Table::new(),
            holdings: Keyed::new(),
        }
    }
}

/// Owner shares minted by a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gained {
    /// The price before, base units per 10^12 shares.
    pub price: u128,
    /// The new checkpoint (the price after the mint).
    pub checkpoint: u128,
    /// Shares minted to the owner.
    pub shares: u128,
}

impl Phala {
    /// The vaults.
    #[must_use]
    pub fn vaults(&self) -> &Vaults {
        &self.vaults
    }

    /// The vault named `name`.
    #[must_use]
    pub fn vault_named(&self, name: &str) -> Option<VaultIndex> {
        self.vaults.names.id(name).map(VaultIndex)
    }

    /// Vault `v`'s name.
    #[must_use]
    pub fn vault_name(&self, v: VaultIndex) -> &str {
        self.vaults.names.name(v.0)
    }

    /// The vault whose own ledger account `a` is, if any.
    #[must_use]
    pub fn vault_of_account(&self, a: AccountId) -> Option<u32> {
        (0u32..).zip(self.vaults.rows.iter()).find(|(_, r)| r.account == a.0).map(|(v, _)| v)
    }

    fn vault_in(&self, v: VaultIndex) -> Result<VaultRow> {
        self.vaults
            .rows
            .get(v.0 as usize)
            .copied()
            .ok_or_else(|| PhalaError::UnknownVault { name: format!("#{}", v.0) })
    }

    fn vault_owner(&self, v: VaultIndex, who: AccountId) -> Result<VaultRow> {
        let row = self.vault_in(v)?;
        if row.owner != who.0 {
            return Err(PhalaError::NotVaultOwner { vault: v.0, account: who.0 });
        }
        Ok(row)
    }

    /// Vault shares `who` holds in `v` (not counting a queued request).
    #[must_use]
    pub fn vault_shares(&self, v: VaultIndex, who: AccountId) -> u128 {
        self.vaults.holdings.get(&(v.0, who.0)).copied().unwrap_or(0)
    }

    /// The value of the shares vault account `account` holds and has queued in pool `p`.
    fn invested_in(&self, p: PoolIndex, account: u32) -> Result<(u128, u128)> {
        let row = self.pool_row(p);
        let held = self.pool_shares(p, AccountId(account));
        let queued = queued_shares(&self.stake_pools.queues[p.0 as usize], account);
        let value = |shares: u128| -> Result<u128> {
            match Price::of(self.params.profile, &row)? {
                Some(price) if shares > 0 => price.value_of(shares),
                _ => Ok(0),
            }
        };
        Ok((value(held)?, value(queued)?))
    }

    /// Vault `v`'s base-pool figures now: free = its account's PHA, value = free + its pool
    /// shares' value (held and queued). Also the queued part alone (stake releasing).
    pub fn vault_pool_row(&self, v: VaultIndex) -> Result<(PoolRow, u128)> {
        let row = self.vault_in(v)?;
        let free = self.balance_of(Holder::Account(AccountId(row.account))).0;
        let (mut value, mut releasing) = (free, 0u128);
        for p in 0..self.stake_pools.rows.len() as u32 {
            let (held, queued) = self.invested_in(PoolIndex(p), row.account)?;
            value += held + queued;
            releasing += queued;
        }
        let pool = PoolRow {
            owner: row.owner,
            commission: row.commission,
            total_shares: row.total_shares,
            total_value: value,
            free,
            commission_paid: 0,
        };
        Ok((pool, releasing))
    }

    /// Creates vault `name` of `owner` with the owner's `commission` (parts per million), and
    /// its ledger account `vault:NAME`. The checkpoint starts at 1 PHA a share.
    pub fn create_vault(
        &mut self,
        name: &str,
        owner: AccountId,
        commission: u32,
    ) -> Result<VaultIndex> {
        if owner.0 as usize >= self.accounts.len() {
            return Err(PhalaError::UnknownAccount { name: format!("#{}", owner.0) });
        }
        let commission = PerMill::from_parts(commission)?;
        ergon_core::names::check_name("vault", name)?;
        let account_name = format!("vault:{name}");
        if self.vault_named(name).is_some() || self.account(&account_name).is_some() {
            return Err(PhalaError::DuplicateVault { name: name.into() });
        }
        atomic(self, |s| {
            let a = s.ledger.open_account()?;
            let id = s
                .accounts
                .push(&account_name)
                .ok_or(PhalaError::DuplicateVault { name: name.into() })?;
            debug_assert_eq!(id, a.0);
            let v = s
                .vaults
                .names
                .push(name)
                .ok_or(PhalaError::DuplicateVault { name: name.into() })?;
            s.vaults.rows.push(VaultRow {
                owner: owner.0,
                account: a.0,
                commission,
                total_shares: 0,
                checkpoint: PICO,
                owner_shares: 0,
                locked: false,
            });
            s.vaults.queues.push(VecDeque::new());
            Ok(VaultIndex(v))
        })
    }

    /// `who` contributes `amount` to vault `v` for shares at its price (one per base unit into
    /// an empty vault); the new free PHA then serves the queue. khala: the owner's commission
    /// is settled first, as the pallet's `contribute` does (`do_gain_owner_share`, "to ensure
    /// no harm to the contributor"). Returns the shares bought, the withdrawals served and the
    /// shares minted to the owner first.
    pub fn vault_contribute(
        &mut self,
        v: VaultIndex,
        who: AccountId,
        amount: Amount,
    ) -> Result<(u128, Vec<Served>, u128)> {
        self.vault_pool_row(v)?;
        if amount.0 == 0 {
            return Err(PhalaError::ZeroContribution);
        }
        let account = self.vault_in(v)?.account;
        atomic(self, |s| {
            let gained = s.gain_first(v)?;
            let (row, _) = s.vault_pool_row(v)?;
            if row.total_shares != 0 && row.total_value == 0 {
                return Err(PhalaError::VaultBankrupt { vault: v.0 });
            }
            let shares =
                crate::stake_pool::shares_for_contribution(s.params.profile, &row, amount.0)?;
            let held = s.vault_shares(v, who);
            s.ledger.transfer(
                s.pha,
                Holder::Account(who),
                Holder::Account(AccountId(account)),
                amount,
            )?;
            s.vaults.holdings.insert((v.0, who.0), held + shares);
            s.vaults.rows.update(v.0 as usize, |r| r.total_shares += shares);
            let served = s.serve_vault(v)?;
            Ok((shares, served, gained))
        })
    }

    /// The owner's commission settled before a contribution or a withdrawal changes the
    /// vault's shares (khala: the pallet's `do_gain_owner_share`; paper: the spec's commission is
    /// minted on the price's rise above its checkpoint, so a newcomer's deposit at the risen
    /// price must not pay part of it); the shares minted.
    fn gain_first(&mut self, v: VaultIndex) -> Result<u128> {
        Ok(self.gain(v)?.shares)
    }

    /// The owner invests `amount` of vault `v`'s free PHA in stake pool `p` (a contribution of
    /// the vault's account). Returns the pool shares bought.
    pub fn vault_invest(
        &mut self,
        v: VaultIndex,
        who: AccountId,
        p: PoolIndex,
        amount: Amount,
    ) -> Result<u128> {
        let row = self.vault_owner(v, who)?;
        atomic(self, |s| {
            let (shares, _) = s.contribute(p, AccountId(row.account), amount)?;
            Ok(shares)
        })
    }

    /// The owner asks stake pool `p` to return `shares` of vault `v`'s pool shares; what the
    /// pool pays lands in the vault's account. paper: the vault's queue is then served. khala:
    /// not — the pallet's pool withdrawal only transfers to the vault's account, and the
    /// vault's queue waits for its next contribution or check (the pallet's `test_withdraw`:
    /// the vault holds the 300 PHA paid while a request of 100 waits). Returns the PHA the pool
    /// paid now, the pool shares still queued and the vault's withdrawals served.
    pub fn vault_divest(
        &mut self,
        v: VaultIndex,
        who: AccountId,
        p: PoolIndex,
        shares: u128,
    ) -> Result<(u128, u128, Vec<Served>)> {
        let row = self.vault_owner(v, who)?;
        if row.locked {
            return Err(PhalaError::VaultLocked { vault: v.0 });
        }
        atomic(self, |s| {
            let out = s.withdraw(p, AccountId(row.account), shares)?;
            let paid = out.served.iter().map(|x| x.amount).sum();
            let served = match s.params.profile {
                Profile::Paper => s.serve_vault(v)?,
                Profile::Khala => Vec::new(),
            };
            Ok((paid, out.queued, served))
        })
    }

    /// `who` asks to withdraw `shares` from vault `v`: one request each (a waiting one is
    /// merged back first), FIFO, served from the vault's free PHA at its price.
    ///
    /// khala: the owner's commission is settled first, as the pallet's `withdraw` does ("to
    /// ensure no harm to the pool owner"). Returns the withdrawals served, `who`'s shares still
    /// queued and the shares minted to the owner first.
    pub fn vault_withdraw(
        &mut self,
        v: VaultIndex,
        who: AccountId,
        shares: u128,
    ) -> Result<(Vec<Served>, u128, u128)> {
        self.vault_in(v)?;
        if shares <= DUST {
            return Err(PhalaError::DustWithdrawal { from: format!("vault #{}", v.0), shares });
        }
        let block = self.block;
        atomic(self, |s| {
            let gained = s.gain_first(v)?;
            let waiting = queued_shares(&s.vaults.queues[v.0 as usize], who.0);
            let held = s.vault_shares(v, who) + waiting;
            if shares > held {
                return Err(PhalaError::InvalidVaultShares { vault: v.0, shares, held });
            }
            let mut queue = s.vaults.queues[v.0 as usize].clone();
            queue.retain(|r| r.user != who.0);
            queue.push_back(Request { user: who.0, shares, block });
            s.vaults.holdings.insert((v.0, who.0), held - shares);
            s.vaults.queues.update(v.0 as usize, |q| *q = queue);
            let served = s.serve_vault(v)?;
            let queued = queued_shares(&s.vaults.queues[v.0 as usize], who.0);
            Ok((served, queued, gained))
        })
    }

    /// The price of `row` as a balance: PHA base units per 10^12 shares (the pallet's
    /// `from_fixed(share_price)` under khala; the exact ratio floored under paper).
    fn price_balance(&self, row: &PoolRow) -> Result<Option<u128>> {
        Ok(match Price::of(self.params.profile, row)? {
            None => None,
            Some(Price::Fixed(p)) => Some(p.to_balance(PICO)?),
            Some(Price::Ratio { value, shares }) => {
                Some(mul_div(value, PICO, shares, Rounding::Down)?)
            }
        })
    }

    /// The owner's commission on vault `v` (see the module doc). Nothing is minted (and the
    /// checkpoint stays) when the vault has no shares or its price is not above the checkpoint.
    pub fn gain_owner_shares(&mut self, v: VaultIndex, who: AccountId) -> Result<Gained> {
        self.vault_owner(v, who)?;
        self.gain(v)
    }

    /// [`Phala::gain_owner_shares`] whoever asks.
    fn gain(&mut self, v: VaultIndex) -> Result<Gained> {
        let vrow = self.vault_in(v)?;
        let (row, _) = self.vault_pool_row(v)?;
        let none = |price| Gained { price, checkpoint: vrow.checkpoint, shares: 0 };
        let Some(price) = self.price_balance(&row)? else { return Ok(none(0)) };
        let (target, new_price) = match self.params.profile {
            Profile::Khala => {
                if price <= vrow.checkpoint {
                    return Ok(none(price));
                }
                let delta = vrow.commission.mul(price - vrow.checkpoint, Rounding::NearestHalfDown);
                let new_price = price - delta;
                let p = U64F64::from_balance(new_price, PICO)?;
                (U64F64::from_balance(row.total_value, PICO)?.div(p)?.to_balance(PICO)?, new_price)
            }
            Profile::Paper => match paper_gain(&row, vrow.checkpoint, vrow.commission)? {
                Some(gain) => gain,
                None => return Ok(none(price)),
            },
        };
        let shares = target.saturating_sub(row.total_shares);
        let held = self.vault_shares(v, AccountId(vrow.owner));
        atomic(self, |s| {
            s.vaults.rows.update(v.0 as usize, |r| {
                r.total_shares += shares;
                r.owner_shares += shares;
                r.checkpoint = new_price;
            });
            s.vaults.holdings.insert((v.0, vrow.owner), held + shares);
            Ok(Gained { price, checkpoint: new_price, shares })
        })
    }

    /// Anyone's check on vault `v`: its queue is served; then the vault may shut down: it
    /// withdraws all its shares from every pool. Returns the withdrawals served and the pools
    /// asked.
    ///
    /// A vault whose queue is empty after serving is unlocked; a locked vault is not shut down
    /// again; otherwise it shuts down (and locks) when its oldest request has waited more than
    /// `vault_grace_period_blocks` (paper: the spec's 21 days; khala: the pallet's
    /// 3 × `GracePeriod`, `Waiting3xGracePeriod`, as its `check_and_maybe_force_withdraw`) —
    /// khala also when a request its free PHA and pending pool withdrawals cannot cover has
    /// waited more than `grace_period_blocks` (`NoEnoughReleasingStake`). paper: the pools'
    /// payments then serve the queue at once; khala: they wait in the vault's account for the
    /// next contribution or check.
    pub fn check_vault(&mut self, v: VaultIndex) -> Result<(Vec<Served>, Vec<PoolIndex>)> {
        let vrow = self.vault_in(v)?;
        let profile = self.params.profile;
        atomic(self, |s| {
            let mut served = s.serve_vault(v)?;
            let i = v.0 as usize;
            let queue = &s.vaults.queues[i];
            let oldest = queue.front().map_or(0, |r| s.block.saturating_sub(r.block));
            // A vault shut down stays so (its pool requests keep their dates, so the pools'
            // own grace runs) until its queue is served.
            let locked = s.vaults.rows[i].locked && !queue.is_empty();
            // The spec (paper): "A request older than 21 days forces a vault shutdown",
            // whatever its pending pool withdrawals would pay; khala also on an uncovered one.
            let expired = !locked
                && (oldest > s.params.vault_grace_period_blocks
                    || profile == Profile::Khala && {
                        let (row, releasing) = s.vault_pool_row(v)?;
                        let queue = &s.vaults.queues[i];
                        let grace = s.params.grace_period_blocks;
                        crate::stake_pool::has_expired_withdrawal(
                            profile, &row, queue, releasing, s.block, grace,
                        )?
                    });
            s.vaults.rows.update(i, |r| r.locked = locked || expired);
            let mut pools = Vec::new();
            if expired {
                // All its shares: those held (not dust) and those already waiting in the
                // pool's queue, in one request (the pallet's `check_and_maybe_force_withdraw`).
                let vault = AccountId(vrow.account);
                for p in 0..s.stake_pools.rows.len() as u32 {
                    let p = PoolIndex(p);
                    let waiting = queued_shares(&s.stake_pools.queues[p.0 as usize], vault.0);
                    let held = s.pool_shares(p, vault);
                    let all = waiting + if held > DUST { held } else { 0 };
                    if all > DUST {
                        s.withdraw(p, vault, all)?;
                        pools.push(p);
                    }
                }
                if profile == Profile::Paper {
                    let more = s.serve_vault(v)?;
                    served.extend(more);
                }
            }
            Ok((served, pools))
        })
    }

    /// Serves vault `v`'s queue from its free PHA at its price, paying from its account.
    /// paper: the owner's commission on the price's rise is settled first, whoever serves the
    /// queue (a request that waited through a payout would take the owner's part of the rise,
    /// as a withdrawal served at once does not). Inside the caller's transaction.
    pub(crate) fn serve_vault(&mut self, v: VaultIndex) -> Result<Vec<Served>> {
        let i = v.0 as usize;
        if self.params.profile == Profile::Paper && !self.vaults.queues[i].is_empty() {
            self.gain(v)?;
        }
        let (mut row, _) = self.vault_pool_row(v)?;
        let mut queue = self.vaults.queues[i].clone();
        let mut served = Vec::new();
        serve_queue(self.params.profile, &mut row, &mut queue, |x| {
            served.push(x);
            Ok(())
        })?;
        if served.is_empty() {
            return Ok(served);
        }
        let account = Holder::Account(AccountId(self.vaults.rows[i].account));
        for x in &served {
            self.ledger.transfer(
                self.pha,
                account,
                Holder::Account(AccountId(x.user)),
                Amount(x.amount),
            )?;
        }
        self.vaults.rows.update(i, |r| r.total_shares = row.total_shares);
        self.vaults.queues.update(i, |q| *q = queue);
        Ok(served)
    }
}

/// paper: the owner's commission on a rise of a vault's price from the checkpoint `c` (PHA per
/// share as a balance) to the exact `P = V/S`: `P' = P − m·(P − c)` exactly (`m` = the
/// commission), minted `⌊V/P'⌋ − S` shares and the new checkpoint the price after the mint,
/// `⌈V/⌊V/P'⌋⌉` as a balance (at least `P'`), so that the owner's shares are worth the
/// commission's part of the rise to the floor, not more, and a price that has not risen since
/// mints nothing. With
/// `m = n/10^6`: `V/P' = V·S·10^18 / ((10^6 − n)·V·10^12 + n·c·S)`. Returns the target share
/// count and the checkpoint; `None` when `P ≤ c` (nothing to mint) or there are no shares.
fn paper_gain(row: &PoolRow, c: u128, m: PerMill) -> Result<Option<(u128, u128)>> {
    use ruint::aliases::U512;
    let (v, s) = (U512::from(row.total_value), U512::from(row.total_shares));
    let (pico, c) = (U512::from(PICO), U512::from(c));
    if s.is_zero() || v * pico <= c * s {
        return Ok(None);
    }
    let (n, million) = (U512::from(m.parts()), U512::from(1_000_000u32));
    let den = (million - n) * v * pico + n * c * s;
    let target = v * s * pico * million / den;
    // The price after the mint, rounded up: at least P' (target ≤ V/P'), and the exact price
    // is not above it, so the next call mints nothing until the price rises again.
    let checkpoint = (v * pico).div_ceil(target);
    let fit =
        |x: U512| u128::try_from(x).map_err(|_| ergon_core::Error::Overflow { op: "vault_gain" });
    Ok(Some((fit(target)?, fit(checkpoint)?)))
}
