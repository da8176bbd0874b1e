//! [`U64F64`]: unsigned binary fixed point with 64 integer and 64 fraction bits in a `u128`,
//! bit-compatible with the `fixed` crate's `U64F64` as Phala's pallets use it (stake pools,
//! computing-session values, share prices).
//!
//! Every operation truncates (rounds toward zero), as the `fixed` crate does for unsigned values;
//! products and quotients use a 256-bit intermediate, so truncation happens once, at the end.
//! [`U64F64::sqrt`] is Phala's `fixed-sqrt` (integer square root of the raw bits, which keeps only
//! 32 fraction bits), and [`U64F64::from_balance`] / [`U64F64::to_balance`] are Phala's
//! `FixedPointConvert for u128`, which goes through `U80F48` and so loses 16 fraction bits.
//!
//! Serde writes the raw bits as a decimal string (`"18446744073709551616"` is 1.0), so JSON keeps
//! every bit; [`fmt::Display`] prints the value with 20 decimals, truncated.

use std::fmt;

use ruint::aliases::{U256, U512};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result, overflow, underflow};

/// Fraction bits of a [`U64F64`].
const FRAC_BITS: usize = 64;
/// Fraction bits of Phala's intermediate `U80F48`.
const BALANCE_FRAC_BITS: u32 = 48;
/// The most digits [`U64F64::from_decimal_str`] reads (10^120 × 2^64 < 2^512).
pub const DECIMAL_DIGITS_MAX: usize = 120;
/// Decimals [`fmt::Display`] prints.
const DISPLAY_DIGITS: u32 = 20;

/// A [`U64F64`] divisor prepared once (its normalization and reciprocal) for
/// [`U64F64::div_by`].
#[derive(Clone, Copy, Debug)]
pub struct FixedDivisor(crate::arith::Divisor, U64F64);

impl FixedDivisor {
    /// Prepares division by `d`; [`Error::DivisionByZero`] when `d` is zero.
    pub fn new(d: U64F64) -> Result<FixedDivisor> {
        crate::arith::Divisor::new(d.0)
            .map(|x| FixedDivisor(x, d))
            .ok_or(Error::DivisionByZero { op: "U64F64 div" })
    }

    /// The divisor.
    #[must_use]
    pub fn value(&self) -> U64F64 {
        self.1
    }
}

/// An unsigned binary fixed-point number: `bits / 2^64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct U64F64(u128);

impl U64F64 {
    /// Zero.
    pub const ZERO: U64F64 = U64F64(0);
    /// One (bits `2^64`).
    pub const ONE: U64F64 = U64F64(1 << FRAC_BITS);

    /// The number whose raw representation is `bits` (value × 2^64).
    #[must_use]
    pub const fn from_bits(bits: u128) -> U64F64 {
        U64F64(bits)
    }

    /// The raw representation: value × 2^64.
    #[must_use]
    pub const fn to_bits(self) -> u128 {
        self.0
    }

    /// The integer `n`; every u64 fits.
    #[must_use]
    pub const fn from_int(n: u64) -> U64F64 {
        U64F64((n as u128) << FRAC_BITS)
    }

    /// `n / d`, truncated to 64 fraction bits.
    ///
    /// Errors: [`Error::DivisionByZero`] when `d == 0`; [`Error::Overflow`] when `n / d ≥ 2^64`.
    pub fn from_rational(n: u128, d: u128) -> Result<U64F64> {
        if d == 0 {
            return Err(Error::DivisionByZero { op: "U64F64 from_rational" });
        }
        narrow((U256::from(n) << FRAC_BITS) / U256::from(d), "U64F64 from_rational")
    }

    /// The decimal `text` (`"1.000000666600231"`) rounded to the nearest 64-fraction-bit value,
    /// ties to even: the rounding of the `fixed` crate's string parsing, which Phala's `fp!`
    /// constants and parameter literals go through. At most [`DECIMAL_DIGITS_MAX`] digits.
    ///
    /// Errors: [`Error::InvalidAmount`] for anything but digits with at most one point;
    /// [`Error::Overflow`] when the value rounds to `2^64` or more.
    pub fn from_decimal_str(text: &str) -> Result<U64F64> {
        let bad = |reason: &str| Error::InvalidAmount { value: text.into(), reason: reason.into() };
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad("no digits"));
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad("expected digits with at most one decimal point"));
        }
        if int.len() + frac.len() > DECIMAL_DIGITS_MAX {
            return Err(bad("too many digits"));
        }
        let mut mantissa = U512::ZERO;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa * U512::from(10u8) + U512::from(b - b'0');
        }
        let den = U512::from(10u8).pow(U512::from(frac.len()));
        let num = mantissa << FRAC_BITS;
        let (q, r) = (num / den, num % den);
        let twice = r << 1;
        let up = twice > den || (twice == den && q.bit(0));
        let q = if up { q + U512::from(1u8) } else { q };
        u128::try_from(q).map(U64F64).map_err(|_| overflow("U64F64 from_decimal_str"))
    }

    /// True when zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + rhs`, or [`Error::Overflow`].
    pub fn checked_add(self, rhs: U64F64) -> Result<U64F64> {
        self.0.checked_add(rhs.0).map(U64F64).ok_or_else(|| overflow("U64F64 add"))
    }

    /// `self − rhs`, or [`Error::Underflow`].
    pub fn checked_sub(self, rhs: U64F64) -> Result<U64F64> {
        self.0.checked_sub(rhs.0).map(U64F64).ok_or_else(|| underflow("U64F64 sub"))
    }

    /// `self × rhs`: the full 256-bit product shifted right 64 bits (truncated).
    /// Errors: [`Error::Overflow`] when the result is `2^64` or more.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible; `std::ops::Mul` cannot return a Result"
    )]
    pub fn mul(self, rhs: U64F64) -> Result<U64F64> {
        // (ah·2^64 + al)(bh·2^64 + bl) >> 64 = ah·bh·2^64 + ah·bl + al·bh + (al·bl >> 64):
        // every term is non-negative, so the result fits exactly when every step does.
        const LOW: u128 = u64::MAX as u128;
        let (ah, al, bh, bl) = (self.0 >> 64, self.0 & LOW, rhs.0 >> 64, rhs.0 & LOW);
        let high = ah * bh; // < 2^128: both factors < 2^64
        if high >> 64 != 0 {
            return Err(overflow("U64F64 mul"));
        }
        (high << 64)
            .checked_add(ah * bl)
            .and_then(|x| x.checked_add(al * bh))
            .and_then(|x| x.checked_add((al * bl) >> 64))
            .map(U64F64)
            .ok_or_else(|| overflow("U64F64 mul"))
    }

    /// `self ÷ rhs`: `(bits << 64) / rhs_bits`, truncated.
    /// Errors: [`Error::DivisionByZero`]; [`Error::Overflow`] when the result is `2^64` or more.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible; `std::ops::Div` cannot return a Result"
    )]
    pub fn div(self, rhs: U64F64) -> Result<U64F64> {
        if rhs.is_zero() {
            return Err(Error::DivisionByZero { op: "U64F64 div" });
        }
        // A whole divisor c·2^64: ⌊self·2^64 / (c·2^64)⌋ = ⌊self / c⌋, one narrow division.
        if rhs.0 & u128::from(u64::MAX) == 0 {
            return Ok(U64F64(self.0 / (rhs.0 >> FRAC_BITS)));
        }
        // Else ⌊self·2^64 / rhs⌋ by `mul_div`'s 256-by-128-bit division (no general one).
        crate::arith::mul_div(self.0, 1 << FRAC_BITS, rhs.0, crate::arith::Rounding::Down)
            .map(U64F64)
            .map_err(|_| overflow("U64F64 div"))
    }

    /// `self ÷ d`: the same bits as [`U64F64::div`] by the value `d` was prepared from, without
    /// preparing the division again (a quotient by the same divisor many times).
    pub fn div_by(self, d: &FixedDivisor) -> Result<U64F64> {
        d.0.div_rem_wide(self.0 >> FRAC_BITS, self.0 << FRAC_BITS)
            .map(|(q, _)| U64F64(q))
            .ok_or_else(|| overflow("U64F64 div"))
    }

    /// `self × n`, exact (`fixed`'s `checked_mul_int`), or [`Error::Overflow`].
    pub fn mul_int(self, n: u128) -> Result<U64F64> {
        self.0.checked_mul(n).map(U64F64).ok_or_else(|| overflow("U64F64 mul_int"))
    }

    /// `self ÷ n`, truncated (`fixed`'s `checked_div_int`), or [`Error::DivisionByZero`].
    pub fn div_int(self, n: u128) -> Result<U64F64> {
        self.0.checked_div(n).map(U64F64).ok_or(Error::DivisionByZero { op: "U64F64 div_int" })
    }

    /// The square root as Phala's `fixed-sqrt` computes it: the integer square root of the raw
    /// bits, shifted left 32. Only 32 fraction bits survive: `sqrt(1000)` is
    /// 31.62277660146355628967…, not the 64-bit-exact 31.62277660168379332….
    #[must_use]
    pub const fn sqrt(self) -> U64F64 {
        // isqrt(bits) < 2^64, so the shift cannot overflow.
        U64F64(self.0.isqrt() << (FRAC_BITS / 2))
    }

    /// The integer part (floor).
    #[must_use]
    pub const fn floor_int(self) -> u64 {
        // bits >> 64 < 2^64: the cast is lossless.
        (self.0 >> FRAC_BITS) as u64
    }

    /// A token balance in base units as a number of whole tokens, exactly as Phala's
    /// `FixedPointConvert::to_fixed` for `u128`: the balance becomes a `U80F48`
    /// (`balance << 48`), is divided by `scale` with truncation, and widens to 64 fraction bits.
    /// `scale` is the base units per token (10^12 for PHA). The low 16 fraction bits are zero.
    ///
    /// Errors: [`Error::Overflow`] when `balance ≥ 2^80` (Phala's `U80F48::from_num` panics) or
    /// the result is `2^64` or more; [`Error::DivisionByZero`] when `scale == 0`.
    pub fn from_balance(balance: u128, scale: u128) -> Result<U64F64> {
        if scale == 0 {
            return Err(Error::DivisionByZero { op: "U64F64 from_balance" });
        }
        if balance >> (128 - BALANCE_FRAC_BITS) != 0 {
            return Err(overflow("U64F64 from_balance: balance of 2^80 or more"));
        }
        let v48 = (balance << BALANCE_FRAC_BITS) / scale;
        let shift = FRAC_BITS as u32 - BALANCE_FRAC_BITS;
        if v48 >> (128 - shift) != 0 {
            return Err(overflow("U64F64 from_balance"));
        }
        Ok(U64F64(v48 << shift))
    }

    /// A number of whole tokens as a balance in base units, exactly as Phala's
    /// `FixedPointConvert::from_fixed` for `u128`: truncate to 48 fraction bits (`U80F48`),
    /// multiply by `scale`, floor. So `0.00001` PHA gives 9 999 999, not 10 000 000.
    ///
    /// The product is exact here; Phala's `unwrapped_mul_int` panics past `2^80 − 1` base units
    /// (≈ 1.2 × 10^12 PHA at 12 decimals, far above PHA's supply), where the two would differ.
    /// Errors: [`Error::Overflow`] when the balance does not fit a u128.
    pub fn to_balance(self, scale: u128) -> Result<u128> {
        let shift = FRAC_BITS - BALANCE_FRAC_BITS as usize;
        let v48 = U256::from(self.0 >> shift);
        let balance = (v48 * U256::from(scale)) >> (BALANCE_FRAC_BITS as usize);
        u128::try_from(balance).map_err(|_| overflow("U64F64 to_balance"))
    }

    /// The exact value truncated to `digits` decimals: `"31.62277660146355628967"` for
    /// `sqrt(1000)` with 20 digits; no point when `digits == 0`. A 64-bit binary fraction has at
    /// most 64 decimals, so digits beyond that are zeros.
    #[must_use]
    pub fn to_decimal_string(self, digits: u32) -> String {
        let mut text = self.floor_int().to_string();
        if digits == 0 {
            return text;
        }
        text.push('.');
        let mut frac = self.0 & u128::from(u64::MAX);
        for _ in 0..digits {
            // frac < 2^64, so frac × 10 < 2^68 fits.
            frac *= 10;
            let digit = (frac >> FRAC_BITS) as u8; // < 10
            text.push(char::from(b'0' + digit));
            frac &= u128::from(u64::MAX);
        }
        text
    }
}

/// Narrows a 256-bit result to 128 bits, or [`Error::Overflow`].
fn narrow(x: U256, op: &'static str) -> Result<U64F64> {
    u128::try_from(x).map(U64F64).map_err(|_| overflow(op))
}

/// The value with 20 decimals, truncated: `1.00000000000000000000`.
impl fmt::Display for U64F64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string(DISPLAY_DIGITS))
    }
}

/// Serialized as the raw bits (value × 2^64) in a decimal string: `"18446744073709551616"` is 1.
impl Serialize for U64F64 {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Accepts the raw bits as a decimal string of digits.
impl<'de> Deserialize<'de> for U64F64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(serde::de::Error::custom(format!(
                "invalid U64F64 bits {text:?}: expected raw bits as a decimal string"
            )));
        }
        text.parse::<u128>()
            .map(U64F64)
            .map_err(|e| serde::de::Error::custom(format!("invalid U64F64 bits {text:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    const PHA: u128 = 1_000_000_000_000;

    #[test]
    fn basics() {
        assert_eq!(U64F64::ONE.to_bits(), 1 << 64);
        assert_eq!(U64F64::from_int(3).floor_int(), 3);
        assert_eq!(U64F64::from_rational(7, 2).unwrap().to_string(), "3.50000000000000000000");
        assert_eq!(U64F64::from_rational(1, 3).unwrap().to_bits(), u128::from(u64::MAX) / 3);
        assert_eq!(U64F64::from_rational(1, 3).unwrap().to_decimal_string(0), "0");
        assert!(matches!(U64F64::from_rational(1, 0), Err(Error::DivisionByZero { .. })));
        assert!(matches!(U64F64::from_rational(1 << 64, 1), Err(Error::Overflow { .. })));
        let half = U64F64::from_rational(1, 2).unwrap();
        assert_eq!(half.checked_add(half).unwrap(), U64F64::ONE);
        assert!(matches!(half.checked_sub(U64F64::ONE), Err(Error::Underflow { .. })));
        assert!(matches!(
            U64F64::from_bits(u128::MAX).checked_add(U64F64::from_bits(1)),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn mul_div_truncate() {
        let third = U64F64::from_rational(1, 3).unwrap();
        // (2^64 − 1)/3 × 3 = 2^64 − 1: one ulp below one, truncated.
        assert_eq!(third.mul(U64F64::from_int(3)).unwrap().to_bits(), u128::from(u64::MAX));
        assert_eq!(U64F64::ONE.div(U64F64::from_int(3)).unwrap(), third);
        assert_eq!(third.mul_int(3).unwrap().to_bits(), u128::from(u64::MAX));
        assert_eq!(U64F64::ONE.div_int(3).unwrap(), third);
        assert!(matches!(U64F64::ONE.div(U64F64::ZERO), Err(Error::DivisionByZero { .. })));
        assert!(matches!(U64F64::ONE.div_int(0), Err(Error::DivisionByZero { .. })));
        let big = U64F64::from_int(u64::MAX);
        assert!(matches!(big.mul(U64F64::from_int(2)), Err(Error::Overflow { .. })));
        assert!(matches!(big.div(half()), Err(Error::Overflow { .. })));
        assert!(matches!(big.mul_int(2), Err(Error::Overflow { .. })));
    }

    fn half() -> U64F64 {
        U64F64::from_rational(1, 2).unwrap()
    }

    #[test]
    fn sqrt_keeps_32_fraction_bits_like_phala() {
        let r = U64F64::from_int(1000).sqrt();
        assert_eq!(r.to_bits(), (1000u128 << 64).isqrt() << 32);
        assert_eq!(r.to_bits(), 583_337_266_867_288_932_352);
        assert_eq!(r.to_decimal_string(20), "31.62277660146355628967");
        assert_eq!(r.to_string(), "31.62277660146355628967");
        assert_eq!(r.to_bits() & 0xffff_ffff, 0);
        assert_eq!(U64F64::from_int(4).sqrt(), U64F64::from_int(2));
        assert_eq!(U64F64::ZERO.sqrt(), U64F64::ZERO);
        assert_eq!(U64F64::from_bits(u128::MAX).sqrt().to_bits(), u128::from(u64::MAX) << 32);
    }

    #[test]
    fn balance_conversion_matches_phala() {
        let tiny = U64F64::from_rational(1, 100_000).unwrap();
        assert_eq!(tiny.to_balance(PHA).unwrap(), 9_999_999);
        assert_eq!(U64F64::from_balance(PHA, PHA).unwrap(), U64F64::ONE);
        assert_eq!(U64F64::from_balance(1, PHA).unwrap().to_bits(), ((1u128 << 48) / PHA) << 16);
        assert_eq!(U64F64::from_balance(1, PHA).unwrap().to_balance(PHA).unwrap(), 0);
        assert_eq!(U64F64::from_int(7).to_balance(PHA).unwrap(), 7 * PHA);
        assert_eq!(U64F64::from_balance(123 * PHA, PHA).unwrap(), U64F64::from_int(123));
        assert!(matches!(U64F64::from_balance(1 << 80, PHA), Err(Error::Overflow { .. })));
        assert!(U64F64::from_balance((1 << 80) - 1, PHA).is_ok());
        assert!(matches!(U64F64::from_balance(1 << 79, 1), Err(Error::Overflow { .. })));
        assert!(matches!(U64F64::from_balance(1, 0), Err(Error::DivisionByZero { .. })));
        assert!(matches!(
            U64F64::from_bits(u128::MAX).to_balance(u128::MAX),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn decimal_parsing_rounds_to_nearest_like_fixed() {
        let p = |s: &str| U64F64::from_decimal_str(s).unwrap();
        assert_eq!(p("1"), U64F64::ONE);
        assert_eq!(p("0.5"), half());
        assert_eq!(p(".5"), half());
        assert_eq!(p("3."), U64F64::from_int(3));
        // 0.2 × 2^64 = 3689348814741910323.2 → 3689348814741910323 (down).
        assert_eq!(p("0.2").to_bits(), 3_689_348_814_741_910_323);
        // 0.8 × 2^64 = 14757395258967641292.8 → …293 (up).
        assert_eq!(p("0.8").to_bits(), 14_757_395_258_967_641_293);
        // 0.7 × 2^64 = 12912720851596686131.2 → …131.
        assert_eq!(p("0.7").to_bits(), 12_912_720_851_596_686_131);
        // A tie: 2^-65 is half an ulp; 0 is even, so it rounds down; 3 × 2^-65 rounds up to 2 ulp.
        let tie = "0.00000000000000000002710505431213761085018632002174854278564453125";
        assert_eq!(p(tie).to_bits(), 0);
        let tie3 = "0.00000000000000000008131516293641283255055896006524562835693359375";
        assert_eq!(p(tie3).to_bits(), 2);
        let tie_odd = "1.00000000000000000008131516293641283255055896006524562835693359375";
        assert_eq!(p(tie_odd).to_bits(), (1 << 64) + 2);
        assert!(U64F64::from_decimal_str("18446744073709551615.99999999999999999999").is_err());
        for bad in ["", ".", "-1", "1e3", "1.2.3", " 1", "+1"] {
            assert!(U64F64::from_decimal_str(bad).is_err(), "{bad}");
        }
        assert!(U64F64::from_decimal_str(&"1".repeat(121)).is_err());
    }

    #[test]
    fn decimal_strings() {
        assert_eq!(U64F64::ONE.to_string(), "1.00000000000000000000");
        assert_eq!(
            U64F64::from_bits(1).to_decimal_string(64),
            format!("0.{:0>64}", "542101086242752217003726400434970855712890625")
        );
        assert_eq!(half().to_decimal_string(3), "0.500");
    }

    #[test]
    fn serde_uses_raw_bits() {
        assert_eq!(serde_json::to_string(&U64F64::ONE).unwrap(), "\"18446744073709551616\"");
        let back: U64F64 = serde_json::from_str("\"18446744073709551616\"").unwrap();
        assert_eq!(back, U64F64::ONE);
        for bad in [
            "\"\"",
            "\"-1\"",
            "\"1.5\"",
            "\"+1\"",
            "1",
            "\"340282366920938463463374607431768211456\"",
        ] {
            assert!(serde_json::from_str::<U64F64>(bad).is_err(), "{bad}");
        }
    }

    fn oracle(x: BigUint) -> Option<u128> {
        u128::try_from(x).ok()
    }

    fn any_bits() -> impl Strategy<Value = u128> {
        prop_oneof![any::<u128>(), any::<u64>().prop_map(u128::from), (0u128..1 << 80)]
    }

    proptest! {
        #[test]
        fn mul_matches_oracle(a in any_bits(), b in any_bits()) {
            let want = oracle((BigUint::from(a) * BigUint::from(b)) >> 64u32);
            prop_assert_eq!(U64F64::from_bits(a).mul(U64F64::from_bits(b)).ok().map(U64F64::to_bits), want);
        }

        #[test]
        fn div_matches_oracle(a in any_bits(), b in any_bits()) {
            prop_assume!(b != 0);
            let want = oracle((BigUint::from(a) << 64u32) / BigUint::from(b));
            prop_assert_eq!(U64F64::from_bits(a).div(U64F64::from_bits(b)).ok().map(U64F64::to_bits), want);
        }

        #[test]
        fn div_by_whole_numbers_matches_oracle(a in any_bits(), c in 1u128..1 << 64) {
            let b = c << 64;
            let want = oracle((BigUint::from(a) << 64u32) / BigUint::from(b));
            prop_assert_eq!(U64F64::from_bits(a).div(U64F64::from_bits(b)).ok().map(U64F64::to_bits), want);
        }

        /// A prepared divisor gives what `div` gives (the same quotient or the same
        /// refusal), whole divisors included, and its refusal of zero.
        #[test]
        fn div_by_a_prepared_divisor_matches_div(a in any_bits(), b in any_bits(), whole in any::<bool>()) {
            let b = if whole { (b >> 64) << 64 } else { b };
            let d = FixedDivisor::new(U64F64::from_bits(b));
            prop_assert_eq!(d.is_err(), b == 0);
            if let Ok(d) = d {
                let (x, y) = (U64F64::from_bits(a), U64F64::from_bits(b));
                prop_assert_eq!(x.div_by(&d).ok(), x.div(y).ok());
                prop_assert_eq!(d.value(), y);
            }
        }

        #[test]
        fn sqrt_matches_oracle(a in any_bits()) {
            let want = oracle(BigUint::from(a).sqrt() << 32u32);
            prop_assert_eq!(Some(U64F64::from_bits(a).sqrt().to_bits()), want);
        }

        #[test]
        fn balance_round_trip_floors(balance in 0u128..1 << 80) {
            let back = U64F64::from_balance(balance, PHA).unwrap().to_balance(PHA).unwrap();
            prop_assert!(back <= balance && balance - back <= 1, "{balance} -> {back}");
        }

        #[test]
        fn whole_tokens_round_trip_exactly(tokens in 0u128..1_000_000_000) {
            let v = U64F64::from_balance(tokens * PHA, PHA).unwrap();
            prop_assert_eq!(v.to_bits(), tokens << 64);
            prop_assert_eq!(v.to_balance(PHA).unwrap(), tokens * PHA);
        }

        #[test]
        fn serde_round_trip(a in any::<u128>()) {
            let json = serde_json::to_string(&U64F64::from_bits(a)).unwrap();
            prop_assert_eq!(serde_json::from_str::<U64F64>(&json).unwrap().to_bits(), a);
        }
    }
}
