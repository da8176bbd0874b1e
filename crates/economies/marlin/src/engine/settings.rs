//! [`Settings`]: the parameters governance changes while the economy runs, read live by every
//! operation (spec marlin.md, "Bridge": "L and the period length are governance parameters read
//! live"; "Tokens": transfers opened). The deployed bridge's `changeLiquidityBp`,
//! `changeLockTimeEpochs`, `changeLiquidityEpochLength`; MPond's whitelist switch.

use serde::{Deserialize, Serialize};

use crate::engine::error::{MarlinError, Result};

/// The live, governance-controlled parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// W for requests placed from now on, days.
    pub wait_days: u64,
    /// L, basis points per liquidity period.
    pub liquidity_bp: u32,
    /// The liquidity period, days.
    pub liquidity_period_days: u64,
    /// Whether MPOND moves freely between any accounts.
    pub transfers_open: bool,
}

/// A change governance can make: replay's `set_*` ops, or what a passed proposal executes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Sets L, basis points (above 10,000 accepted, as `Bridge.changeLiquidityBp` accepts
    /// it: the liquidity `min(k·L, 10,000)` caps it where used).
    LiquidityBp(u32),
    /// Sets the liquidity period, days (at least 1).
    LiquidityPeriodDays(u64),
    /// Sets W for later requests, days (at most 36,500).
    WaitDays(u64),
    /// Opens MPOND transfers between any accounts.
    OpenTransfers,
}

impl Settings {
    /// Checks `change` without applying it.
    pub fn check(change: Change) -> Result<()> {
        let bad = |name, value: u64| {
            Err(MarlinError::InvalidParameter { name, value: value.to_string() })
        };
        match change {
            Change::LiquidityPeriodDays(0) => bad("liquidity_period_days", 0),
            Change::WaitDays(d) if d > 36_500 => bad("wait_days", d),
            _ => Ok(()),
        }
    }

    /// Applies `change` after [`Settings::check`].
    pub fn apply(&mut self, change: Change) -> Result<()> {
        Settings::check(change)?;
        match change {
            Change::LiquidityBp(bp) => self.liquidity_bp = bp,
            Change::LiquidityPeriodDays(d) => self.liquidity_period_days = d,
            Change::WaitDays(d) => self.wait_days = d,
            Change::OpenTransfers => self.transfers_open = true,
        }
        Ok(())
    }
}
