//! The rule profiles and the tokenomic parameters (spec: shared/spec/phala.md, "Parameters";
//! seed 003, the AMA's worker states).
//!
//! A [`Profile`] picks the rules; a [`ParamSet`] picks the numbers. Three sets exist:
//! - [`ParamSet::Khala`]: the Khala "Gemini" tokenomic (re 1.5, k 50, budget 187.8783 PHA a
//!   block, heartbeat window 20, no slash), with `budget_per_block`, `cost_k`, `cost_b` and
//!   `rig_k` the bits the chain's code encodes ([`KHALA_GEMINI_BITS`]): the values the spec
//!   quotes (`cost_k ≈ 2.3711e-8`, `cost_b ≈ 5.0542e-5`, `rig_k` ≈ 0.4497751124437781).
//!   docs/economies/phala.md, "Parameter sets", gives each value's source.
//! - [`ParamSet::Genesis`]: the computation pallet's `GenesisConfig::default`, computed in the
//!   pallet's own order (`fp!(0.001) × 12 / 3600` for the slash rate, and so on).
//! - [`ParamSet::GkTest`]: the gatekeeper's `test_params` (budget 100, its printed cost and
//!   slash constants), with the pallet's genesis values for what the gatekeeper does not hold.
//!
//! Every decimal goes through [`U64F64::from_decimal_str`], which rounds to nearest like the
//! `fixed` crate's parsing behind the chain's `fp!` literals.

use std::collections::BTreeMap;

use ergon_core::U64F64;
use ergon_core::amount::ScalarText;
use serde::{Deserialize, Serialize};

use crate::error::{PhalaError, Result};

/// 10^18: [`Params::treasury_e18`]'s unit.
pub(crate) const E18: u128 = 1_000_000_000_000_000_000;

/// A ratio in `[0, 1]` held in 64.64 bits, to the nearest 10^-18: the decimal it was read
/// from, when that had at most 18 places (the bits are within 2^-65 of it, far inside half a
/// unit of 10^-18), e.g. 0.2 → 2·10^17 (its bits are a hair below).
fn e18_of(x: U64F64) -> u128 {
    // x ≤ 1: bits ≤ 2^64, bits·10^18 < 2^124.
    (x.to_bits().min(1 << 64) * E18 + (1 << 63)) >> 64
}

/// Blocks in 7 days at 12 s: the computation pallet's cool-down of 604 800 s.
pub const COOL_DOWN_BLOCKS: u32 = 50_400;
/// Blocks in 180 days at 12 s: the subsidy halving interval.
pub const HALVING_BLOCKS: u32 = 1_296_000;
/// Milliseconds in a block.
pub const BLOCK_MS: u64 = 12_000;
/// The lowest benchmark score that may start computing by default (the Khala and Phala
/// runtimes' `MinInitP`; the pallet's unit-test mock sets 1: parameter `min_init_p`).
pub const MIN_P: u32 = 50;
/// The highest benchmark score kept (the spec's cap on P).
pub const MAX_P: u32 = 6_000;
/// The bits of the Khala "Gemini" set's `budget_per_block`, `cost_k`, `cost_b` and `rig_k`
/// (187.8783, ≈ 2.3711e-8, ≈ 5.0542e-5, ≈ 0.44977511244377805), as the chain's own code holds
/// them: the SCALE-encoded `TokenomicParams` of the computation pallet's
/// `migrations::enable_phala_tokenomic` (phala-blockchain `pallets/phala/src/mining.rs`), the
/// set whose every other figure is the spec's too (ρ, v_max 30000, slash 0, treasury 0.2,
/// window 20, rig_b 0, re 1.5, k 50, κ 1).
pub const KHALA_GEMINI_BITS: [u128; 4] = [
    3_465_742_917_103_625_251_400,
    437_391_350_309,
    932_334_194_078_877,
    8_296_886_389_974_309_947,
];
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

/// The parameters an override may set ([`Params::with_overrides`]): every field of [`Params`]
/// but the profile and the two the treasury's ratio sets (`treasury_e18`, `payout_ratio`).
pub const PARAM_NAMES: [&str; 19] = [
    "rho",
    "slash_rate",
    "budget_per_block",
    "v_max",
    "cost_k",
    "cost_b",
    "treasury_ratio",
    "heartbeat_window",
    "rig_k",
    "rig_b",
    "re",
    "k",
    "cool_down_blocks",
    "halving_interval_blocks",
    "grace_period_blocks",
    "vault_grace_period_blocks",
    "min_init_p",
    "phala_launched",
    "unresp_fix",
];

/// The gatekeeper's switches: khala's, which the paper profile has not ([`Params::with_overrides`]
/// refuses them there).
pub const KHALA_SWITCHES: [&str; 2] = ["phala_launched", "unresp_fix"];

/// The tokenomic parameters in force (the chain's `TokenomicParameters`, plus the pallet's
/// constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The same part exactly, in units of 10^-18 (the ratio to the nearest 10^-18: the decimal
    /// it was given as): paper splits each payout in pico by it, so that 20 % of 1,000 PHA is 200 PHA
    /// (`treasury_ratio`, 0.2 a hair below in 64.64, would give 199.999999999999).
    pub treasury_e18: u128,
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
    /// The lowest benchmark score that may start computing (the runtime's `MinInitP`: 50 on
    /// Khala, 1 in the pallet's unit-test mock).
    pub min_init_p: u32,
    /// khala: the gatekeeper's `phala_launched` switch (on since the chain sent
    /// `PhalaLaunched`): a heartbeat pays the whole budget share (`V` falls by at most its
    /// growth since the last payout), and stopped workers leave Σshare. Off: the payout is
    /// capped by that growth and stopped workers keep counting. Default on, off under the
    /// gatekeeper's unit-test set (`gk_test`), which its tests run with it off.
    pub phala_launched: bool,
    /// khala: the gatekeeper's `unresp_fix` switch (on since the chain sent `UnrespFix`): a
    /// recovering heartbeat zeroes the growth since the last payout and restarts the payout
    /// clock, so the offline blocks are not paid. Default as `phala_launched`.
    pub unresp_fix: bool,
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
        // Khala's Gemini set: the chain's encoded bits (`KHALA_GEMINI_BITS`).
        let [budget_bits, cost_k_bits, cost_b_bits, rig_k_bits] =
            KHALA_GEMINI_BITS.map(U64F64::from_bits);
        let (rho, slash_rate, budget, cost_k, cost_b, window, rig_k, re, k) = match set {
            ParamSet::Khala => (
                d("1.000000666600231"),
                U64F64::ZERO,
                budget_bits,
                cost_k_bits,
                cost_b_bits,
                20,
                rig_k_bits,
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
            treasury_e18: e18_of(treasury_ratio),
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
            min_init_p: MIN_P,
            phala_launched: set != ParamSet::GkTest,
            unresp_fix: set != ParamSet::GkTest,
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
            let switch = || {
                let refuse = |reason| PhalaError::BadSwitch {
                    field: field.clone(),
                    value: text.clone(),
                    reason,
                };
                if self.profile == Profile::Paper {
                    return Err(refuse("is khala's gatekeeper switch: paper has none"));
                }
                match text.as_str() {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(refuse("must be true, false, 1 or 0")),
                }
            };
            match field.as_str() {
                "rho" => self.rho = fixed()?,
                "slash_rate" => self.slash_rate = fixed()?,
                "budget_per_block" => self.budget_per_block = fixed()?,
                "v_max" => self.v_max = fixed()?,
                "cost_k" => self.cost_k = fixed()?,
                "cost_b" => self.cost_b = fixed()?,
                "treasury_ratio" => {
                    self.treasury_ratio = fixed()?;
                    self.treasury_e18 = e18_of(self.treasury_ratio);
                }
                "rig_k" => self.rig_k = fixed()?,
                "rig_b" => self.rig_b = fixed()?,
                "re" => self.re = fixed()?,
                "k" => self.k = fixed()?,
                "heartbeat_window" => self.heartbeat_window = int()?,
                "cool_down_blocks" => self.cool_down_blocks = int()?,
                "halving_interval_blocks" => self.halving_interval_blocks = int()?,
                "grace_period_blocks" => self.grace_period_blocks = int()?,
                "vault_grace_period_blocks" => self.vault_grace_period_blocks = int()?,
                "min_init_p" => self.min_init_p = int()?,
                "phala_launched" => self.phala_launched = switch()?,
                "unresp_fix" => self.unresp_fix = switch()?,
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
        if self.min_init_p == 0 || self.min_init_p > MAX_P {
            let value = self.min_init_p.to_string();
            return Err(PhalaError::BadParam { field: "min_init_p".into(), value });
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

/// Reads parameter overrides (name → value): each value a string (`"0.5"`, `"bits:N"`), a
/// whole number (`144000`, read as its digits) or a boolean (`true`); a float (`0.5`, `3.0`) is
/// refused, since only a decimal's text is exact (write `"0.5"`). For
/// [`Params::with_overrides`], from a scenario's `[economy.params]` or a replay genesis.
pub(crate) fn de_overrides<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    let map = BTreeMap::<String, ScalarText<true>>::deserialize(d)?;
    Ok(map.into_iter().map(|(k, ScalarText(v))| (k, v)).collect())
}

#[cfg(test)]
mod tests {
    //! The parameter sets' bits, worked out with Python `fractions` over the 64.64 operations
    //! (`x × 12` exact, `÷ n` and `÷ pha_rate` truncating, decimals rounded to nearest).

    use super::*;

    fn bits(p: U64F64) -> u128 {
        p.to_bits()
    }

    /// The names an override takes are the parameters' fields but the profile and the
    /// treasury ratio's two twins, each one accepted; another is refused with that list.
    #[test]
    fn the_override_names_are_the_fields_an_override_sets() {
        let p = Params::of(Profile::Khala, ParamSet::Genesis);
        let json = serde_json::to_value(p).unwrap();
        let mut fields: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        fields.retain(|f| !["profile", "treasury_e18", "payout_ratio"].contains(f));
        fields.sort_unstable();
        let mut names = PARAM_NAMES.to_vec();
        names.sort_unstable();
        assert_eq!(fields, names);
        for name in PARAM_NAMES {
            let o = BTreeMap::from([(name.to_owned(), "1".to_owned())]);
            let e = p.with_overrides(&o).err();
            assert!(!matches!(e, Some(PhalaError::UnknownParam { .. })), "{name}: {e:?}");
        }
        let o = BTreeMap::from([("foo".to_owned(), "1".to_owned())]);
        let e = p.with_overrides(&o).unwrap_err().to_string();
        assert!(e.starts_with("no parameter named \"foo\"; known: rho, slash_rate,"), "{e}");
    }

    /// The treasury ratio's exact twin follows every way of setting the ratio: the default
    /// and a decimal (0.2 → 2·10^17, though 0.2's 64.64 bits are a hair below), the bits of
    /// the same value, a ratio of more places; the 64.64 ratio itself is unchanged.
    #[test]
    fn the_treasury_ratio_s_twin_is_its_decimal() {
        let set = |kv: &[(&str, &str)]| {
            let o = kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            Params::of(Profile::Paper, ParamSet::Genesis).with_overrides(&o).unwrap()
        };
        let default = set(&[]);
        assert_eq!(default.treasury_e18, 200_000_000_000_000_000);
        let bits = default.treasury_ratio.to_bits();
        assert_eq!(bits, 3_689_348_814_741_910_323); // round(0.2·2^64): below 0.2
        let by_bits = set(&[("treasury_ratio", &format!("bits:{bits}"))]);
        assert_eq!(by_bits.treasury_e18, 200_000_000_000_000_000);
        assert_eq!(set(&[("treasury_ratio", "0.35")]).treasury_e18, 350_000_000_000_000_000);
        let fine = set(&[("treasury_ratio", "0.123456789012345678")]);
        assert_eq!(fine.treasury_e18, 123_456_789_012_345_678);
        assert_eq!(set(&[("treasury_ratio", "1")]).treasury_e18, 1_000_000_000_000_000_000);
    }

    /// The gatekeeper's switches: on by default under khala, off under its unit-test set;
    /// `true`/`1` and `false`/`0` accepted, anything else and any use under paper refused by
    /// name.
    #[test]
    fn gatekeeper_switches_parse_and_default() {
        let set = |p: Profile, s: ParamSet, kv: &[(&str, &str)]| {
            let o = kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            Params::of(p, s).with_overrides(&o)
        };
        let on = set(Profile::Khala, ParamSet::Khala, &[]).unwrap();
        assert!(on.phala_launched && on.unresp_fix);
        let gk = set(Profile::Khala, ParamSet::GkTest, &[]).unwrap();
        assert!(!gk.phala_launched && !gk.unresp_fix);
        let kv = [("phala_launched", "0"), ("unresp_fix", "false")];
        let off = set(Profile::Khala, ParamSet::Genesis, &kv).unwrap();
        assert!(!off.phala_launched && !off.unresp_fix);
        let kv = [("phala_launched", "1"), ("unresp_fix", "true")];
        assert!(set(Profile::Khala, ParamSet::GkTest, &kv).unwrap().phala_launched);
        let e = set(Profile::Khala, ParamSet::Khala, &[("unresp_fix", "yes")]).unwrap_err();
        assert_eq!(e.to_string(), "parameter unresp_fix must be true, false, 1 or 0, not \"yes\"");
        let e = set(Profile::Paper, ParamSet::Genesis, &[("phala_launched", "true")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter phala_launched is khala's gatekeeper switch: paper has none, not \"true\""
        );
    }

    /// Khala's launch motion (the `phala-blockchain` script `genLaunchTransactions.js`, price
    /// 0.83) printed its costs as 20-digit decimals of the pallet-order bits: `costK`
    /// 0.000000019054528616676159186, `costB` 0.00004061623205149357237, `rigK`
    /// 0.36144578313253012048. Read back to 64.64 (×2^64, rounded) they are exactly the bits
    /// below, which the pallet's order gives and a 20-digit decimal division does not
    /// (0.0415625 × 12 ÷ 31536000 ÷ 0.83 to 20 digits is 1.9054528616750105445e-8). So the
    /// chain's costs are the pallet-order bits; the Gemini set follows the same order.
    #[test]
    fn launch_motion_costs_are_pallet_order_bits() {
        let d = |s: &str| U64F64::from_decimal_str(s).unwrap();
        let rate = d("0.83");
        let year = 365 * 24 * 3600u128;
        let per_block = |a: &str| d(a).mul_int(12).unwrap().div_int(year).unwrap();
        assert_eq!(bits(per_block("0.0415625").div(rate).unwrap()), 351_494_012_837);
        assert_eq!(bits(per_block("88.59375").div(rate).unwrap()), 749_237_237_892_301);
        assert_eq!(bits(d("0.3").div(rate).unwrap()), 6_667_497_857_967_307_813);
    }

    /// The Khala "Gemini" set: the chain's encoded bits (`enable_phala_tokenomic`).
    #[test]
    fn khala_gemini_bits() {
        let p = Params::of(Profile::Khala, ParamSet::Khala);
        // The chain's encoded set, decoded by hand (16 little-endian bytes a field): budget
        // 187.8783 (24 bits above the nearest 64.64 value, as a 20-digit decimal string read
        // back gives it), the costs and the rig cost as the chain holds them.
        assert_eq!(bits(p.budget_per_block), 3_465_742_917_103_625_251_400);
        assert_eq!(bits(p.cost_k), 437_391_350_309);
        assert_eq!(bits(p.cost_b), 932_334_194_078_877);
        assert_eq!(bits(p.rig_k), 8_296_886_389_974_309_947);
        let nearest = U64F64::from_decimal_str("187.8783").unwrap();
        assert_eq!(bits(p.budget_per_block) - bits(nearest), 24);
        // The decimals quoted in the spec, for reference: fp(0.0415625)·12/31536000 alone is
        // the genesis cost_k, 291740030655 bits (1.5815258751856933056e-8).
        let g = Params::of(Profile::Khala, ParamSet::Genesis);
        assert_eq!(bits(g.cost_k), 291_740_030_655);
        assert_eq!(bits(p.rho), bits(g.rho));
        assert_eq!(
            (p.heartbeat_window, p.re, p.k),
            (20, U64F64::from_decimal_str("1.5").unwrap(), U64F64::from_int(50))
        );
    }
}
