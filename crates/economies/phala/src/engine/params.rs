//! The rule profiles and the tokenomic parameters (spec: shared/spec/phala.md, "Parameters";
//! seed 003, the AMA's worker states).
//!
//! A [`Profile`] picks the rules; a [`ParamSet`] picks the numbers. Three sets exist:
//! - [`ParamSet::Khala`]: the Khala "Gemini" tokenomic as the spec lists it (re 1.5, k 50,
//!   rig_k 0.4497751124437781, budget 187.8783 PHA a block, heartbeat window 20, no slash).
//!   The spec gives `cost_k ≈ 2.3711e-8` and `cost_b ≈ 5.0542e-5` only approximately: the set uses
//!   those decimals; an override with `bits:` gives the chain's raw bits when they are known.
//! - [`ParamSet::Genesis`]: the computation pallet's `GenesisConfig::default`, computed in the
//!   pallet's own order (`fp!(0.001) × 12 / 3600` for the slash rate, and so on).
//! - [`ParamSet::GkTest`]: the gatekeeper's `test_params` (budget 100, its printed cost and
//!   slash constants), with the pallet's genesis values for what the gatekeeper does not hold.
//!
//! Every decimal goes through [`U64F64::from_decimal_str`], which rounds to nearest like the
//! `fixed` crate's parsing behind the chain's `fp!` literals.

use std::collections::BTreeMap;

use ergon_core::U64F64;
use serde::{Deserialize, Serialize};

use crate::error::{PhalaError, Result};

/// Blocks in 7 days at 12 s: the computation pallet's cool-down of 604 800 s.
pub const COOL_DOWN_BLOCKS: u32 = 50_400;
/// Blocks in 180 days at 12 s: the subsidy halving interval.
pub const HALVING_BLOCKS: u32 = 1_296_000;
/// Milliseconds in a block.
pub const BLOCK_MS: u64 = 12_000;
/// The lowest benchmark score that may start computing (the runtime's `MinInitP`).
pub const MIN_P: u32 = 50;
/// The highest benchmark score kept (the spec's cap on P).
pub const MAX_P: u32 = 6_000;
/// The largest `v_max` accepted: every product of the per-block arithmetic stays far below
/// 2^64 (V² ≤ 10^18 < 2^60).
pub const V_MAX_LIMIT: u64 = 1_000_000_000;

/// Which rules apply. See docs/economies/phala.md, "Profiles".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The economic paper as the AMA describes it: a heartbeat pays the worker's whole 80% of
    /// its budget share, reclaim returns `min(V/Ve, 1)·S`, one confidence table, Σshare over the
    /// computing workers only.
    #[default]
    Paper,
    /// The deployed gatekeeper and computation pallet, bit for bit.
    Khala,
}

/// A named set of parameter values. See the module doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamSet {
    /// Khala's "Gemini" tokenomic.
    Khala,
    /// The computation pallet's genesis defaults.
    Genesis,
    /// The gatekeeper's unit-test parameters.
    GkTest,
}

/// The tokenomic parameters in force (the chain's `TokenomicParameters`, plus the pallet's
/// constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Params {
    /// The rules.
    pub profile: Profile,
    /// V's growth factor per block.
    pub rho: U64F64,
    /// The share of V slashed per block while unresponsive.
    pub slash_rate: U64F64,
    /// PHA shared by all workers per block.
    pub budget_per_block: U64F64,
    /// The cap on V.
    pub v_max: U64F64,
    /// Operating cost per block per unit of P.
    pub cost_k: U64F64,
    /// Operating cost per block.
    pub cost_b: U64F64,
    /// The treasury's part of a payout's budget.
    pub treasury_ratio: U64F64,
    /// `1 − treasury_ratio`: the worker's part.
    pub payout_ratio: U64F64,
    /// Blocks a challenge may wait for its heartbeat before the worker is unresponsive.
    pub heartbeat_window: u32,
    /// Rig cost per unit of P (PHA).
    pub rig_k: U64F64,
    /// Rig cost per worker (PHA).
    pub rig_b: U64F64,
    /// The stake multiplier `re`.
    pub re: U64F64,
    /// The minimum-stake factor `k` (S_min = k·√P).
    pub k: U64F64,
    /// The cool-down after stop, blocks.
    pub cool_down_blocks: u32,
    /// The subsidy halving interval, blocks (0: none).
    pub halving_interval_blocks: u32,
    /// How long a stake pool's withdrawal request may wait unserved before anyone may
    /// force-stop the pool's workers, blocks (the stake pool pallet's `GracePeriod`, 7 days).
    pub grace_period_blocks: u32,
    /// How long a vault's withdrawal request may wait unserved before anyone may shut the
    /// vault down (withdraw all its pool shares), blocks (the spec's 21 days).
    pub vault_grace_period_blocks: u32,
}

impl Params {
    /// The values of `set` under `profile`, before overrides.
    ///
    /// # Panics
    /// Never: every literal below parses.
    #[must_use]
    pub fn of(profile: Profile, set: ParamSet) -> Params {
        let d = |s: &str| U64F64::from_decimal_str(s).expect("a literal parameter parses");
        // The pallet's genesis: per-block values computed in the pallet's order, each step
        // truncating (`fixed`'s integer multiply and divide).
        let year_blocks_sec = 365 * 24 * 3600u128;
        let per_block = |annual: &str| {
            d(annual).mul_int(12).and_then(|x| x.div_int(year_blocks_sec)).expect("small values")
        };
        let genesis_slash = d("0.001").mul_int(12).and_then(|x| x.div_int(3600)).expect("small");
        let genesis_budget =
            d("720000").mul_int(12).and_then(|x| x.div_int(86_400)).expect("small");
        let (rho, slash_rate, budget, cost_k, cost_b, window, rig_k, re, k) = match set {
            ParamSet::Khala => (
                d("1.000000666600231"),
                U64F64::ZERO,
                d("187.8783"),
                d("0.000000023711"),
                d("0.000050542"),
                20,
                d("0.4497751124437781"),
                d("1.5"),
                d("50"),
            ),
            ParamSet::Genesis => (
                d("1.000000666600231"),
                genesis_slash,
                genesis_budget,
                per_block("0.0415625"),
                per_block("88.59375"),
                10,
                d("0.3"),
                d("1.3"),
                d("100"),
            ),
            ParamSet::GkTest => (
                d("1.000000666600231"),
                d("0.0000033333333333333240063"),
                d("100"),
                d("0.000000015815258751856933056"),
                d("0.000033711472602739674283"),
                10,
                d("0.3"),
                d("1.3"),
                d("100"),
            ),
        };
        let treasury_ratio = d("0.2");
        Params {
            profile,
            rho,
            slash_rate,
            budget_per_block: budget,
            v_max: d("30000"),
            cost_k,
            cost_b,
            treasury_ratio,
            payout_ratio: U64F64::ONE.checked_sub(treasury_ratio).expect("0.2 < 1"),
            heartbeat_window: window,
            rig_k,
            rig_b: U64F64::ZERO,
            re,
            k,
            cool_down_blocks: COOL_DOWN_BLOCKS,
            halving_interval_blocks: HALVING_BLOCKS,
            grace_period_blocks: COOL_DOWN_BLOCKS,
            vault_grace_period_blocks: 3 * COOL_DOWN_BLOCKS,
        }
    }

    /// Applies `overrides` (field name → decimal string, or `bits:N` for raw 64.64 bits; the
    /// block counts as whole numbers), then validates.
    pub fn with_overrides(mut self, overrides: &BTreeMap<String, String>) -> Result<Params> {
        for (field, text) in overrides {
            let bad = || PhalaError::BadParam { field: field.clone(), value: text.clone() };
            let fixed = || -> Result<U64F64> {
                match text.strip_prefix("bits:") {
                    Some(bits) => bits.parse::<u128>().map(U64F64::from_bits).map_err(|_| bad()),
                    None => U64F64::from_decimal_str(text).map_err(|_| bad()),
                }
            };
            let int = || text.parse::<u32>().map_err(|_| bad());
            match field.as_str() {
                "rho" => self.rho = fixed()?,
                "slash_rate" => self.slash_rate = fixed()?,
                "budget_per_block" => self.budget_per_block = fixed()?,
                "v_max" => self.v_max = fixed()?,
                "cost_k" => self.cost_k = fixed()?,
                "cost_b" => self.cost_b = fixed()?,
                "treasury_ratio" => self.treasury_ratio = fixed()?,
                "rig_k" => self.rig_k = fixed()?,
                "rig_b" => self.rig_b = fixed()?,
                "re" => self.re = fixed()?,
                "k" => self.k = fixed()?,
                "heartbeat_window" => self.heartbeat_window = int()?,
                "cool_down_blocks" => self.cool_down_blocks = int()?,
                "halving_interval_blocks" => self.halving_interval_blocks = int()?,
                "grace_period_blocks" => self.grace_period_blocks = int()?,
                "vault_grace_period_blocks" => self.vault_grace_period_blocks = int()?,
                _ => return Err(PhalaError::UnknownParam { field: field.clone() }),
            }
        }
        self.payout_ratio =
            U64F64::ONE.checked_sub(self.treasury_ratio).map_err(|_| PhalaError::BadParam {
                field: "treasury_ratio".into(),
                value: self.treasury_ratio.to_string(),
            })?;
        self.validate()?;
        Ok(self)
    }

    /// Checks the bounds that keep the per-block arithmetic far from overflow.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, v: U64F64| {
            Err(PhalaError::BadParam { field: field.into(), value: v.to_string() })
        };
        let two = U64F64::from_int(2);
        if self.rho < U64F64::ONE || self.rho >= two {
            return bad("rho", self.rho);
        }
        if self.slash_rate > U64F64::ONE {
            return bad("slash_rate", self.slash_rate);
        }
        if self.v_max.is_zero() || self.v_max > U64F64::from_int(V_MAX_LIMIT) {
            return bad("v_max", self.v_max);
        }
        if self.re < U64F64::ONE || self.re > U64F64::from_int(100) {
            return bad("re", self.re);
        }
        let big = U64F64::from_int(V_MAX_LIMIT);
        for (f, v) in [
            ("budget_per_block", self.budget_per_block),
            ("cost_k", self.cost_k),
            ("cost_b", self.cost_b),
            ("rig_k", self.rig_k),
            ("rig_b", self.rig_b),
            ("k", self.k),
        ] {
            if v > big {
                return bad(f, v);
            }
        }
        if self.heartbeat_window == 0 {
            return Err(PhalaError::BadParam {
                field: "heartbeat_window".into(),
                value: "0".into(),
            });
        }
        Ok(())
    }
}
