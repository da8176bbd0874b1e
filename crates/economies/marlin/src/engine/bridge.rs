//! The POND ⇄ MPOND bridge (spec marlin.md, "Bridge"; seed 002, "Bridge"; deployed:
//! `Bridge.sol`'s `getMpond`, `placeRequest`, `convert`, `getConvertableAmount`,
//! `effectiveLiquidity`).
//!
//! - POND → MPOND is instant: 10^6 POND base units per MPOND base unit. paper burns the POND and
//!   mints the MPOND; deployed keeps the POND in the `bridge` pool and pays MPOND from it.
//! - MPOND → POND goes through a request of P MPOND, at most balance + staked − already
//!   requested, one per account and day. Its release day is `day + W`, W frozen at the request.
//!   From the release, in liquidity period k = ⌊(today − release) / period⌋ + 1 the cap is
//!   ⌊P × min(k·L, 10,000 bp) / 10,000⌋ and a conversion must keep converted + amount ≤ cap.
//!   L and the period are read live, so lowering L never claws back what was converted; it only
//!   lowers what may still be converted. The contract's integer order is followed exactly:
//!   effective = min(k × liquidityBp, 10,000), then amount × effective, then ⌊/ 10,000⌋.
//! - paper: a request can be cancelled in whole or part while unconverted; the deployed bridge
//!   has no cancel.
//!
//! [`BridgeBooks`] keeps the value through the bridge: POND in + 10^6 × MPOND in = POND out +
//! 10^6 × MPOND out, checked by `check_invariants`.

use ergon_core::txn::{Keyed, Snapshot};
use ergon_core::{AccountId, Amount, Holder};
use serde::{Deserialize, Serialize};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::{
    BP_ONE, BridgeCustody, POND_PER_MPOND, Profile, REQUESTS_PER_ACCOUNT_MAX,
};
use crate::engine::settings::Settings;

/// One MPOND → POND request, keyed by (account, the day it was placed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// P: requested MPOND, base units (less what was cancelled).
    pub amount: Amount,
    /// The day it is released: placed + W (W frozen at the request).
    pub release_day: u64,
    /// MPOND converted so far, base units.
    pub converted: Amount,
}

/// Cumulative value through the bridge, base units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeBooks {
    /// POND received (deployed: into the pool; paper: burned).
    pub pond_in: Amount,
    /// POND paid (deployed: from the pool; paper: minted).
    pub pond_out: Amount,
    /// MPOND received.
    pub mpond_in: Amount,
    /// MPOND paid.
    pub mpond_out: Amount,
}

/// The requests and the books of the bridge. Changes only through [`Marlin`]'s bridge
/// operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    requests: Keyed<(AccountId, u64), Request>,
    /// Per account: MPOND in requests (requested − converted − cancelled), and requests held.
    placed: Keyed<AccountId, (Amount, u32)>,
    books: Snapshot<BridgeBooks>,
}

ergon_core::transactional!(Bridge {
    requests: Keyed<(AccountId, u64), Request>,
    placed: Keyed<AccountId, (Amount, u32)>,
    books: Snapshot<BridgeBooks>,
});

impl Default for Bridge {
    fn default() -> Bridge {
        Bridge {
            requests: Keyed::new(),
            placed: Keyed::new(),
            books: Snapshot::new(BridgeBooks::default()),
        }
    }
}

/// Effective liquidity of a request released on `release_day`, read on `today`, basis points:
/// 0 before the release; min(k × L, 10,000) from it, k = ⌊(today − release) / period⌋ + 1
/// (`Bridge.getLiquidityEpoch`, `liquidityStartEpoch` = 1).
#[must_use]
pub fn effective_bp(s: &Settings, release_day: u64, today: u64) -> u32 {
    if today < release_day {
        return 0;
    }
    let k = (today - release_day) / s.liquidity_period_days.max(1) + 1;
    let e = k.saturating_mul(u64::from(s.liquidity_bp));
    u32::try_from(e.min(u64::from(BP_ONE))).unwrap_or(BP_ONE)
}

/// ⌊P × effective / 10,000⌋: the most of a request that may have been converted by now.
#[must_use]
pub fn cap(amount: Amount, effective_bp: u32) -> Amount {
    // P ≤ the MPOND cap (≤ 2^128 / 10^4 is checked at genesis), so the product cannot overflow.
    Amount(amount.0.saturating_mul(u128::from(effective_bp)) / u128::from(BP_ONE))
}

impl Bridge {
    /// The requests, by (account, day placed).
    pub fn requests(&self) -> impl Iterator<Item = (&(AccountId, u64), &Request)> {
        self.requests.iter()
    }

    /// MPOND an account has in requests (requested − converted − cancelled).
    #[must_use]
    pub fn in_requests(&self, a: AccountId) -> Amount {
        self.placed.get(&a).map_or(Amount::ZERO, |p| p.0)
    }

    /// The books.
    #[must_use]
    pub fn books(&self) -> &BridgeBooks {
        self.books.get()
    }

    /// Per account: (in requests, requests held).
    pub fn placed(&self) -> impl Iterator<Item = (&AccountId, &(Amount, u32))> {
        self.placed.iter()
    }
}

/// What a conversion did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Converted {
    /// POND paid, base units.
    pub pond: Amount,
    /// The request after it.
    pub request: Request,
    /// The cap it was checked against.
    pub cap: Amount,
}

/// The bridge's operations.
impl Marlin {
    /// POND → MPOND: `account` gives 10^6 × `mpond` POND and receives `mpond` MPOND
    /// (`Bridge.getMpond`, which also takes the MPOND amount). Returns the POND taken. Zero:
    /// paper refuses it; deployed moves nothing and succeeds, as `getMpond(0)` does.
    pub fn get_mpond(&mut self, account: AccountId, mpond: Amount) -> Result<Amount> {
        if mpond.is_zero() {
            // A known account (the contract's transfer from it), then nothing moves.
            self.ledger.balance(self.pond, account.into())?;
            if self.params.profile == Profile::Deployed {
                return Ok(Amount::ZERO);
            }
            return Err(MarlinError::ZeroAmount { what: "mpond" });
        }
        // Past 128 bits no account holds the POND (the contract's uint256 product does not
        // overflow: its transfer reverts), under either custody.
        let Ok(pond) = mpond.checked_mul_int(POND_PER_MPOND) else {
            let available = self.ledger.balance(self.pond, account.into())?;
            return Err(MarlinError::PondPastBits { account, available });
        };
        let (p, m, pool) = (self.pond, self.mpond, Holder::Pool(self.bridge_pool));
        let custody = self.params.custody;
        ergon_core::txn::atomic(self, |st| {
            match custody {
                BridgeCustody::BurnMint => {
                    st.ledger.burn(p, account.into(), pond)?;
                    st.ledger.mint(m, account.into(), mpond)?;
                }
                BridgeCustody::Reserve => {
                    st.ledger.transfer(p, account.into(), pool, pond)?;
                    st.ledger.transfer(m, pool, account.into(), mpond)?;
                }
            }
            let b = st.bridge.books.get_mut();
            b.pond_in = b.pond_in.checked_add(pond)?;
            b.mpond_out = b.mpond_out.checked_add(mpond)?;
            Ok(pond)
        })
    }

    /// Places a request for `amount` MPOND today (`Bridge.placeRequest`): at most balance +
    /// staked − already requested, one per day. Returns the request's release day.
    pub fn request_conversion(&mut self, account: AccountId, amount: Amount) -> Result<u64> {
        if amount.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "amount" });
        }
        let day = self.epoch.0;
        let (placed, held) = self.bridge.placed.get(&account).copied().unwrap_or_default();
        let holds = self.mpond_balance(account).checked_add(self.mpond_staked(account))?;
        let available = holds.saturating_sub(placed);
        if amount > available {
            return Err(MarlinError::RequestAboveAvailable { account, amount, available });
        }
        if self.bridge.requests.contains_key(&(account, day)) {
            return Err(MarlinError::OneRequestPerDay { account, day });
        }
        if held >= REQUESTS_PER_ACCOUNT_MAX {
            return Err(MarlinError::TooManyRequests { account, open: held });
        }
        let release_day = day.saturating_add(self.settings.get().wait_days);
        let total = placed.checked_add(amount)?;
        let req = Request { amount, release_day, converted: Amount::ZERO };
        self.bridge.requests.insert((account, day), req);
        self.bridge.placed.insert(account, (total, held + 1));
        Ok(release_day)
    }

    /// The request `account` placed on `day`.
    pub fn request(&self, account: AccountId, day: u64) -> Result<Request> {
        self.bridge
            .requests
            .get(&(account, day))
            .copied()
            .ok_or(MarlinError::NoSuchRequest { account, day })
    }

    /// Effective liquidity (bp), cap and convertible amount of a request today.
    #[must_use]
    pub fn convertible(&self, r: &Request) -> (u32, Amount, Amount) {
        let e = effective_bp(self.settings.get(), r.release_day, self.epoch.0);
        let c = cap(r.amount, e);
        (e, c, c.saturating_sub(r.converted))
    }

    /// MPOND → POND: converts `amount` of the request placed on `day` (`Bridge.convert`).
    pub fn convert(&mut self, account: AccountId, day: u64, amount: Amount) -> Result<Converted> {
        if amount.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "amount" });
        }
        let mut req = self.request(account, day)?;
        let today = self.epoch.0;
        if today < req.release_day {
            return Err(MarlinError::NotReleased {
                account,
                day,
                release_day: req.release_day,
                today,
            });
        }
        let (liquidity_bp, cap, _) = self.convertible(&req);
        let total = req.converted.checked_add(amount)?;
        if total > cap {
            return Err(MarlinError::AboveConvertible {
                account,
                day,
                amount,
                total,
                cap,
                liquidity_bp,
            });
        }
        self.check_free_mpond(account, amount)?;
        let pond = amount.checked_mul_int(POND_PER_MPOND)?;
        let (p, m, pool) = (self.pond, self.mpond, Holder::Pool(self.bridge_pool));
        let custody = self.params.custody;
        req.converted = total;
        ergon_core::txn::atomic(self, |st| {
            match custody {
                BridgeCustody::BurnMint => {
                    st.ledger.burn(m, account.into(), amount)?;
                    st.ledger.mint(p, account.into(), pond)?;
                }
                BridgeCustody::Reserve => {
                    st.ledger.transfer(m, account.into(), pool, amount)?;
                    st.ledger.transfer(p, pool, account.into(), pond)?;
                }
            }
            let b = st.bridge.books.get_mut();
            b.mpond_in = b.mpond_in.checked_add(amount)?;
            b.pond_out = b.pond_out.checked_add(pond)?;
            st.bridge.requests.insert((account, day), req);
            st.unplace(account, amount)?;
            Ok(Converted { pond, request: req, cap })
        })
    }

    /// paper: cancels `amount` of the request placed on `day` (all that is unconverted when
    /// `None`). Returns the request after it and the amount cancelled.
    pub fn cancel_request(
        &mut self,
        account: AccountId,
        day: u64,
        amount: Option<Amount>,
    ) -> Result<(Request, Amount)> {
        if !self.params.cancel_allowed {
            return Err(MarlinError::NotInProfile { op: "cancel_request", profile: "deployed" });
        }
        let mut req = self.request(account, day)?;
        let left = req.amount.checked_sub(req.converted)?;
        // A wholly converted request has nothing to cancel, whether an amount is given or not.
        if left.is_zero() {
            let amount = amount.unwrap_or(Amount::ZERO);
            return Err(MarlinError::CancelAboveLeft { account, day, amount, left });
        }
        let amount = amount.unwrap_or(left);
        if amount.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "amount" });
        }
        if amount > left {
            return Err(MarlinError::CancelAboveLeft { account, day, amount, left });
        }
        req.amount = req.amount.checked_sub(amount)?;
        ergon_core::txn::atomic(self, |st| {
            st.unplace(account, amount)?;
            st.bridge.requests.insert((account, day), req);
            Ok((req, amount))
        })
    }

    /// Takes `amount` off what `account` has in requests.
    fn unplace(&mut self, account: AccountId, amount: Amount) -> Result<()> {
        let (placed, held) = self.bridge.placed.get(&account).copied().unwrap_or_default();
        self.bridge.placed.insert(account, (placed.checked_sub(amount)?, held));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `min(k·L, 10,000)`: L above 10,000 (accepted, as `changeLiquidityBp` takes any value)
    /// makes a request wholly convertible from its release; below, k periods add L each.
    #[test]
    fn liquidity_is_k_times_l_capped_at_whole() {
        let s = |bp| Settings {
            wait_days: 180,
            liquidity_bp: bp,
            liquidity_period_days: 180,
            transfers_open: false,
        };
        assert_eq!(effective_bp(&s(25_000), 200, 199), 0);
        assert_eq!(effective_bp(&s(25_000), 200, 200), 10_000);
        assert_eq!(effective_bp(&s(u32::MAX), 200, 200 + 180 * 7), 10_000);
        // L = 30%: periods 1, 2, 3, 4 → 30%, 60%, 90%, 100%.
        let got: Vec<u32> = (0..4).map(|k| effective_bp(&s(3_000), 0, 180 * k + 179)).collect();
        assert_eq!(got, [3_000, 6_000, 9_000, 10_000]);
        assert_eq!(cap(Amount(1_000), effective_bp(&s(25_000), 0, 0)), Amount(1_000));
        assert_eq!(cap(Amount(999), 3_000), Amount(299));
    }
}
