//! [`Dec`]: the 18-decimal fixed point of Cosmos SDK `math.LegacyDec` (the `sdk.Dec` that Stratos
//! mainnet uses for rates, commissions and reward ratios), bit-compatible for non-negative values.
//!
//! A `Dec` stores `value × 10^18` as an unsigned 256-bit integer, and every operation reproduces
//! Cosmos's definition exactly, including where it rounds and how: `Mul` and `Quo` round half to
//! even (`chopPrecisionAndRound`), `Quo` truncates at 36 decimals *before* that rounding, and the
//! `…Truncate` / `…RoundUp` variants do what their names say. Products and quotients are exact
//! before the one rounding Cosmos applies. The `kernels` submodule computes them on 64-bit limbs
//! with reciprocal divisions instead of 512-bit integers, and `kernel_tests` holds them to the
//! 512-bit definitions.
//!
//! Scope and bounds:
//! - Negative values are out of scope: the token economics here never need them. A subtraction
//!   that would go below zero is [`Error::Underflow`]; strings with a sign are rejected.
//! - Cosmos allows raw values of up to 315 bits; `Dec` caps the raw value at `2^256 − 1`
//!   (about 1.16 × 10^59 in value) and reports [`Error::Overflow`] beyond it.
//!
//! The text form is Cosmos's: always 18 decimals (`"0.428571428571428571"`,
//! `"10.000000000000000000"`). Serde uses that string.

use std::fmt;
use std::str::FromStr;

use ruint::aliases::U256;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::Amount;
use crate::arith::Rounding;
use crate::error::{Error, Result, overflow, underflow};

#[cfg(test)]
mod kernel_tests;
mod kernels;

use kernels::QuoRounding;

/// Decimal places of a [`Dec`] (Cosmos `LegacyPrecision`).
pub const PRECISION: u32 = 18;

/// 10^18, the raw value of 1.
const E18: u64 = 1_000_000_000_000_000_000;
/// 10^36, Cosmos's `squaredPrecisionReuse`.
#[cfg(test)]
const E36: u128 = E18 as u128 * E18 as u128;
const E18_256: U256 = U256::from_limbs([E18, 0, 0, 0]);

/// A non-negative decimal with exactly 18 fractional digits: `raw / 10^18`, the same bits as
/// Cosmos `math.LegacyDec` for the same non-negative value.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(U256);

impl Dec {
    /// Zero.
    pub const ZERO: Dec = Dec(U256::ZERO);
    /// One (raw 10^18).
    pub const ONE: Dec = Dec(E18_256);

    /// The decimal whose raw value (value × 10^18) is `raw`.
    #[must_use]
    pub const fn from_raw(raw: U256) -> Dec {
        Dec(raw)
    }

    /// The raw value: value × 10^18.
    #[must_use]
    pub const fn raw(self) -> U256 {
        self.0
    }

    /// The integer `i` (Cosmos `LegacyNewDec`). Cannot overflow: `2^128 × 10^18 < 2^256`.
    #[must_use]
    pub fn from_int(i: u128) -> Dec {
        Dec(U256::from(i) * E18_256)
    }

    /// An amount of base units taken as an integer (Cosmos `LegacyNewDecFromInt`).
    #[must_use]
    pub fn from_amount(amount: Amount) -> Dec {
        Dec::from_int(amount.raw())
    }

    /// `i / 10^prec` (Cosmos `LegacyNewDecWithPrec`): `new_with_prec(5, 1)` is 0.5.
    ///
    /// Errors: [`Error::InvalidParameter`] when `prec > 18` (Cosmos panics).
    pub fn new_with_prec(i: u128, prec: u32) -> Result<Dec> {
        if prec > PRECISION {
            return Err(Error::InvalidParameter {
                name: "prec".into(),
                value: prec.to_string(),
                reason: format!("a Dec has at most {PRECISION} decimals"),
            });
        }
        let scale = U256::from(10u64.pow(PRECISION - prec));
        Ok(Dec(U256::from(i) * scale))
    }

    /// True when zero.
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// `self + rhs`, or [`Error::Overflow`] beyond the 256-bit raw range.
    pub fn checked_add(self, rhs: Dec) -> Result<Dec> {
        self.0.checked_add(rhs.0).map(Dec).ok_or_else(|| overflow("dec add"))
    }

    /// `self − rhs`, or [`Error::Underflow`] when `rhs > self` (no negative decimals here).
    pub fn checked_sub(self, rhs: Dec) -> Result<Dec> {
        self.0.checked_sub(rhs.0).map(Dec).ok_or_else(|| underflow("dec sub"))
    }

    /// `self × rhs` as Cosmos `Mul`: the 36-decimal product rounded half to even to 18 decimals.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible; `std::ops::Mul` cannot return a Result"
    )]
    pub fn mul(self, rhs: Dec) -> Result<Dec> {
        mul(self, rhs, Rounding::NearestHalfEven, "dec mul")
    }

    /// `self × rhs` as Cosmos `MulTruncate`: the product truncated to 18 decimals.
    pub fn mul_truncate(self, rhs: Dec) -> Result<Dec> {
        mul(self, rhs, Rounding::Down, "dec mul_truncate")
    }

    /// `self × rhs` as Cosmos `MulRoundUp`: the product rounded up to 18 decimals.
    pub fn mul_round_up(self, rhs: Dec) -> Result<Dec> {
        mul(self, rhs, Rounding::Up, "dec mul_round_up")
    }

    /// `self × i`, exact (Cosmos `MulInt`).
    pub fn mul_int(self, i: u128) -> Result<Dec> {
        self.0.checked_mul(U256::from(i)).map(Dec).ok_or_else(|| overflow("dec mul_int"))
    }

    /// `self ÷ rhs` as Cosmos `Quo`: `raw × 10^36 / raw_rhs` truncated, then rounded half to even
    /// to 18 decimals. This double rounding can differ from rounding the exact quotient once.
    pub fn quo(self, rhs: Dec) -> Result<Dec> {
        quo(self, rhs, QuoRounding::Chop, "dec quo")
    }

    /// `self ÷ rhs` as Cosmos `QuoTruncate`: `raw × 10^18 / raw_rhs`, truncated.
    pub fn quo_truncate(self, rhs: Dec) -> Result<Dec> {
        quo(self, rhs, QuoRounding::Down, "dec quo_truncate")
    }

    /// `self ÷ rhs` as Cosmos `QuoRoundUp`: `raw × 10^18 / raw_rhs`, plus one when the remainder
    /// is not zero.
    pub fn quo_round_up(self, rhs: Dec) -> Result<Dec> {
        quo(self, rhs, QuoRounding::Up, "dec quo_round_up")
    }

    /// `self ÷ i`, truncated (Cosmos `QuoInt`).
    pub fn quo_int(self, i: u128) -> Result<Dec> {
        if i == 0 {
            return Err(Error::DivisionByZero { op: "dec quo_int" });
        }
        Ok(Dec(self.0 / U256::from(i)))
    }

    /// The integer nearest to `self`, halves to even (Cosmos `RoundInt`): 0.5 → 0, 1.5 → 2.
    pub fn round_int(self) -> Result<u128> {
        self.round_to(Rounding::NearestHalfEven)
    }

    /// The integer part (Cosmos `TruncateInt`).
    pub fn truncate_int(self) -> Result<u128> {
        self.round_to(Rounding::Down)
    }

    /// The smallest integer not below `self` (Cosmos `Ceil`, as an integer).
    pub fn ceil_int(self) -> Result<u128> {
        self.round_to(Rounding::Up)
    }

    /// `self` rounded to an integer as asked. Errors: [`Error::Overflow`] above `u128::MAX`.
    #[inline]
    pub fn round_to(self, rounding: Rounding) -> Result<u128> {
        kernels::to_int(self.0, rounding).ok_or_else(|| overflow("dec round_to"))
    }

    /// `self` as a count of base units, rounded as asked.
    pub fn to_amount(self, rounding: Rounding) -> Result<Amount> {
        self.round_to(rounding).map(Amount)
    }
}

/// `a × b` rounded at 18 decimals as asked, or [`Error::Overflow`] beyond 256 bits.
#[inline(always)]
fn mul(a: Dec, b: Dec, rounding: Rounding, op: &'static str) -> Result<Dec> {
    kernels::mul(a.0, b.0, rounding).map(Dec).ok_or_else(|| overflow(op))
}

/// `a ÷ b` as one of Cosmos's `Quo` variants: [`Error::DivisionByZero`] when `b` is zero,
/// [`Error::Overflow`] beyond 256 bits.
#[inline(always)]
fn quo(a: Dec, b: Dec, rounding: QuoRounding, op: &'static str) -> Result<Dec> {
    if b.is_zero() {
        return Err(Error::DivisionByZero { op });
    }
    kernels::quo(a.0, b.0, rounding).map(Dec).ok_or_else(|| overflow(op))
}

/// Cosmos's string form: the integer part, a point, and exactly 18 decimals.
impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (int, frac) = self.0.div_rem(E18_256);
        // frac < 10^18 < 2^64: its lowest limb is its whole value.
        write!(f, "{int}.{:018}", frac.as_limbs()[0])
    }
}

impl fmt::Debug for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dec({self})")
    }
}

/// Parses Cosmos's text form (`LegacyNewDecFromStr`): digits with an optional fraction of 1 to
/// 18 digits (`"1"`, `"0.5"`, `"10.000000000000000000"`). No sign, exponent or spaces. Every
/// failure is an [`Error::InvalidAmount`] that quotes the text.
impl FromStr for Dec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Dec> {
        let bad = |reason: &str| Error::InvalidAmount {
            value: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.starts_with('-') {
            return Err(bad("negative decimals are not supported"));
        }
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() {
            return Err(bad("missing integer part (write 0.5, not .5)"));
        }
        if text.contains('.') && frac.is_empty() {
            return Err(bad("missing fraction after the decimal point"));
        }
        if let Some(c) = int.chars().chain(frac.chars()).find(|c| !c.is_ascii_digit()) {
            return Err(bad(&format!("unexpected character {c:?}")));
        }
        if frac.len() > PRECISION as usize {
            return Err(bad(&format!(
                "{} decimals, but a Dec has at most {PRECISION}",
                frac.len()
            )));
        }
        let too_large = || bad("too large: the raw value exceeds 256 bits");
        let ten = U256::from(10u8);
        let mut raw = U256::ZERO;
        for b in int.bytes().chain(frac.bytes()) {
            raw = raw
                .checked_mul(ten)
                .and_then(|r| r.checked_add(U256::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        // frac.len() ≤ 18 was checked above, so the exponent is in 0..=18.
        let missing = PRECISION - frac.len() as u32;
        let scale = U256::from(10u64.pow(missing));
        raw.checked_mul(scale).map(Dec).ok_or_else(too_large)
    }
}

/// Serialized as Cosmos's string form, `"0.500000000000000000"`.
impl Serialize for Dec {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Accepts any string [`Dec::from_str`] accepts.
impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A string or an integer; a float is refused (its decimal text is gone).
        let text = crate::amount::decimal_text(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use num_integer::Integer;
    use proptest::prelude::*;

    fn d(text: &str) -> Dec {
        text.parse().unwrap()
    }

    fn s(x: Dec) -> String {
        x.to_string()
    }

    #[test]
    fn cosmos_quo_and_mul_vectors() {
        assert_eq!(s(Dec::from_int(3).quo(Dec::from_int(7)).unwrap()), "0.428571428571428571");
        assert_eq!(s(Dec::from_int(2).quo(Dec::from_int(3)).unwrap()), "0.666666666666666667");
        assert_eq!(s(d("0.3333").mul(d("0.0333")).unwrap()), "0.011098890000000000");
        assert_eq!(s(d("0.3333").quo(d("0.0333")).unwrap()), "10.009009009009009009");
        // 1 + 2e-18 + 1e-36: the 1e-36 is below half a unit, so it rounds away.
        let x = d("1.000000000000000001");
        assert_eq!(s(x.mul(x).unwrap()), "1.000000000000000002");
        assert_eq!(s(x.mul_truncate(x).unwrap()), "1.000000000000000002");
        assert_eq!(s(x.mul_round_up(x).unwrap()), "1.000000000000000003");
        assert_eq!(s(Dec::from_int(10)), "10.000000000000000000");
        assert_eq!(s(Dec::ZERO), "0.000000000000000000");
    }

    #[test]
    fn mul_rounds_half_to_even() {
        // 0.000000001 × 0.0000000005 = 5e-19: exactly half a unit, 0 is even → 0.
        let a = d("0.000000001");
        let b = d("0.0000000005");
        assert_eq!(a.mul(b).unwrap(), Dec::ZERO);
        assert_eq!(a.mul_round_up(b).unwrap(), Dec::from_raw(U256::ONE));
        // 0.000000003 × 0.0000000005 = 1.5e-18 → 2e-18 (even).
        assert_eq!(d("0.000000003").mul(b).unwrap(), Dec::from_raw(U256::from(2u8)));
    }

    #[test]
    fn quo_variants_differ() {
        let (two, three) = (Dec::from_int(2), Dec::from_int(3));
        assert_eq!(s(two.quo(three).unwrap()), "0.666666666666666667");
        assert_eq!(s(two.quo_truncate(three).unwrap()), "0.666666666666666666");
        assert_eq!(s(two.quo_round_up(three).unwrap()), "0.666666666666666667");
        let one = Dec::ONE;
        for f in [Dec::quo, Dec::quo_truncate] {
            assert_eq!(s(f(one, three).unwrap()), "0.333333333333333333");
        }
        assert_eq!(s(one.quo_round_up(three).unwrap()), "0.333333333333333334");
        assert_eq!(s(Dec::from_int(1).quo_int(3).unwrap()), "0.333333333333333333");
    }

    #[test]
    fn quo_double_rounding_differs_from_exact_rounding() {
        // 1 / 399999999999999999.999999999999999999 = 2.5000…00625e-18: just above half-way.
        // Quo truncates at 36 decimals (exactly 2.5e-18), then rounds half to even: 2e-18, while
        // rounding the exact quotient once would give 3e-18.
        let b = d("399999999999999999.999999999999999999");
        let raw = |x: Dec| x.raw();
        assert_eq!(raw(Dec::ONE.quo(b).unwrap()), U256::from(2u8));
        assert_eq!(raw(Dec::ONE.quo_truncate(b).unwrap()), U256::from(2u8));
        assert_eq!(raw(Dec::ONE.quo_round_up(b).unwrap()), U256::from(3u8));
        // 1e-18 / 1.999999999999999997 = 5.0000…0008e-19: Quo gives 0, QuoRoundUp 1e-18.
        let tiny = Dec::from_raw(U256::ONE);
        let c = d("1.999999999999999997");
        assert_eq!(tiny.quo(c).unwrap(), Dec::ZERO);
        assert_eq!(raw(tiny.quo_round_up(c).unwrap()), U256::ONE);
    }

    #[test]
    fn round_int_is_half_to_even() {
        let cases =
            [("0.5", 0), ("1.5", 2), ("2.5", 2), ("7.5", 8), ("0.25", 0), ("0.75", 1), ("3.5", 4)];
        for (text, want) in cases {
            assert_eq!(d(text).round_int().unwrap(), want, "{text}");
        }
        assert_eq!(d("2.5").truncate_int().unwrap(), 2);
        assert_eq!(d("2.5").ceil_int().unwrap(), 3);
        assert_eq!(d("2.000000000000000001").ceil_int().unwrap(), 3);
        assert_eq!(d("2").ceil_int().unwrap(), 2);
        assert_eq!(d("2.5").round_to(Rounding::NearestHalfUp).unwrap(), 3);
        assert_eq!(d("2.5").to_amount(Rounding::NearestHalfDown).unwrap(), Amount(2));
        assert!(matches!(Dec::from_raw(U256::MAX).round_int(), Err(Error::Overflow { .. })));
    }

    #[test]
    fn constructors() {
        assert_eq!(Dec::new_with_prec(5, 1).unwrap(), d("0.5"));
        assert_eq!(Dec::new_with_prec(12345, 18).unwrap(), d("0.000000000000012345"));
        assert_eq!(Dec::new_with_prec(7, 0).unwrap(), Dec::from_int(7));
        assert!(matches!(Dec::new_with_prec(1, 19), Err(Error::InvalidParameter { .. })));
        assert_eq!(Dec::from_amount(Amount(42)), Dec::from_int(42));
        assert_eq!(Dec::ONE.raw(), U256::from(E18));
        assert!(Dec::ZERO.is_zero() && !Dec::ONE.is_zero());
        assert_eq!(Dec::from_int(3).mul_int(4).unwrap(), Dec::from_int(12));
    }

    #[test]
    fn checked_errors() {
        assert!(matches!(Dec::ONE.checked_sub(Dec::from_int(2)), Err(Error::Underflow { .. })));
        assert!(matches!(
            Dec::from_raw(U256::MAX).checked_add(Dec::from_raw(U256::ONE)),
            Err(Error::Overflow { .. })
        ));
        assert!(matches!(
            Dec::from_raw(U256::MAX).mul(Dec::from_int(2)),
            Err(Error::Overflow { .. })
        ));
        assert!(matches!(Dec::from_raw(U256::MAX).mul_int(2), Err(Error::Overflow { .. })));
        for r in [
            Dec::ONE.quo(Dec::ZERO),
            Dec::ONE.quo_truncate(Dec::ZERO),
            Dec::ONE.quo_round_up(Dec::ZERO),
        ] {
            assert!(matches!(r, Err(Error::DivisionByZero { .. })));
        }
        assert!(matches!(Dec::ONE.quo_int(0), Err(Error::DivisionByZero { .. })));
        // The largest Dec still multiplies by one and divides by one exactly.
        let max = Dec::from_raw(U256::MAX);
        assert_eq!(max.mul(Dec::ONE).unwrap(), max);
        assert_eq!(max.quo(Dec::ONE).unwrap(), max);
    }

    #[test]
    fn parses_cosmos_strings_and_rejects_bad_ones() {
        assert_eq!(d("1"), Dec::ONE);
        assert_eq!(d("0.5"), Dec::new_with_prec(5, 1).unwrap());
        assert_eq!(d("007.50"), d("7.5"));
        assert_eq!(d("0.000000000000000001").raw(), U256::ONE);
        let e = "0.0000000000000000001".parse::<Dec>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid amount \"0.0000000000000000001\": 19 decimals, but a Dec has at most 18"
        );
        for bad in ["", "-1", "1.", ".5", "1e5", " 1", "1_0", "abc", "1.2.3", "+1"] {
            let e = bad.parse::<Dec>().unwrap_err();
            assert!(
                matches!(e, Error::InvalidAmount { ref value, .. } if value == bad),
                "{bad}: {e}"
            );
        }
        let max = Dec::from_raw(U256::MAX);
        assert_eq!(d(&max.to_string()), max);
        let too_big = format!("{}0", max.to_string().replace('.', ""));
        assert!(matches!(too_big.parse::<Dec>(), Err(Error::InvalidAmount { .. })));
    }

    #[test]
    fn serde_uses_cosmos_string() {
        let x = Dec::from_int(3).quo(Dec::from_int(7)).unwrap();
        assert_eq!(serde_json::to_string(&x).unwrap(), "\"0.428571428571428571\"");
        let back: Dec = serde_json::from_str("\"0.428571428571428571\"").unwrap();
        assert_eq!(back, x);
        assert!(serde_json::from_str::<Dec>("\"1.0000000000000000000\"").is_err());
        assert_eq!(format!("{:?}", Dec::ONE), "Dec(1.000000000000000000)");
    }

    // ---- oracle: Cosmos's definitions, literally, on arbitrary-precision integers ----------

    fn big(x: Dec) -> BigUint {
        BigUint::from_bytes_le(&x.raw().to_le_bytes::<32>())
    }

    fn fits(x: BigUint) -> Option<BigUint> {
        (x.bits() <= 256).then_some(x)
    }

    fn chop_round(n: &BigUint) -> BigUint {
        let p = BigUint::from(E18);
        let (q, r) = n.div_rem(&p);
        let five = BigUint::from(E18 / 2);
        if r > five || (r == five && q.bit(0)) { q + 1u32 } else { q }
    }

    fn any_dec() -> impl Strategy<Value = Dec> {
        prop_oneof![
            any::<u64>().prop_map(|x| Dec::from_raw(U256::from(x))),
            any::<u128>().prop_map(|x| Dec::from_raw(U256::from(x))),
            (0u128..1_000_000, 0u64..E18)
                .prop_map(|(i, f)| Dec::from_raw(U256::from(i) * E18_256 + U256::from(f))),
            any::<[u64; 3]>().prop_map(|l| Dec::from_raw(U256::from_limbs([l[0], l[1], l[2], 0]))),
            any::<[u64; 4]>().prop_map(|l| Dec::from_raw(U256::from_limbs(l))),
        ]
    }

    proptest! {
        #[test]
        fn mul_matches_oracle(a in any_dec(), b in any_dec()) {
            let want = fits(chop_round(&(big(a) * big(b))));
            prop_assert_eq!(a.mul(b).ok().map(big), want);
        }

        #[test]
        fn mul_truncate_matches_oracle(a in any_dec(), b in any_dec()) {
            let want = fits(big(a) * big(b) / BigUint::from(E18));
            prop_assert_eq!(a.mul_truncate(b).ok().map(big), want);
        }

        #[test]
        fn quo_matches_oracle(a in any_dec(), b in any_dec()) {
            prop_assume!(!b.is_zero());
            let want = fits(chop_round(&(big(a) * BigUint::from(E36) / big(b))));
            prop_assert_eq!(a.quo(b).ok().map(big), want);
        }

        #[test]
        fn quo_truncate_matches_oracle(a in any_dec(), b in any_dec()) {
            prop_assume!(!b.is_zero());
            let want = fits(big(a) * BigUint::from(E18) / big(b));
            prop_assert_eq!(a.quo_truncate(b).ok().map(big), want);
        }

        #[test]
        fn string_round_trip(a in any_dec()) {
            let text = a.to_string();
            prop_assert_eq!(text.split_once('.').map(|(_, f)| f.len()), Some(18));
            prop_assert_eq!(text.parse::<Dec>().unwrap(), a);
            let json = serde_json::to_string(&a).unwrap();
            prop_assert_eq!(serde_json::from_str::<Dec>(&json).unwrap(), a);
        }
    }
}
