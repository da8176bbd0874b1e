//! Ratios between 0 and 1 as integer parts: [`Parts<D>`] is `p / D` with `p ≤ D`, and the two
//! denominators the chains use are aliases: [`PerMill`] (parts per million, Substrate `Permill`,
//! Phala commissions) and [`BasisPoints`] (parts per ten thousand).
//!
//! Every lossy operation takes a [`Rounding`]: floor ([`Rounding::Down`]), ceiling
//! ([`Rounding::Up`]) and Substrate's `Permill * x`, nearest with ties down
//! ([`Rounding::NearestHalfDown`]), are the ones the economies use. Applying a ratio to an amount
//! cannot overflow, because `p ≤ D` makes the result at most the amount.
//!
//! Serde uses the integer parts (`500000` is 50% as a [`PerMill`]); [`fmt::Display`] prints a
//! percentage (`"12.5%"`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::amount::{Amount, format_scaled};
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};

/// A ratio `p / D` between 0 and 1, held as its parts `p ≤ D`. `D` must be positive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Parts<const D: u32>(u32);

/// Parts per million, Substrate's `Permill`: 1% is 10 000 parts.
pub type PerMill = Parts<1_000_000>;

/// Parts per ten thousand: 1% is 100 basis points.
pub type BasisPoints = Parts<10_000>;

impl<const D: u32> Parts<D> {
    /// The denominator: the parts of 100%.
    pub const DENOMINATOR: u32 = D;

    /// Fails to compile for `Parts<0>`: every constructor evaluates it.
    const POSITIVE_DENOMINATOR: () = assert!(D > 0, "Parts<D> needs D > 0");

    /// `p / D`, or [`Error::RatioOutOfRange`] when `p > D`.
    pub fn from_parts(p: u32) -> Result<Self> {
        let () = Self::POSITIVE_DENOMINATOR;
        if p > D {
            return Err(Error::RatioOutOfRange { parts: u64::from(p), max: u64::from(D) });
        }
        Ok(Parts(p))
    }

    /// `percent / 100`, or [`Error::RatioOutOfRange`] (in percent) above 100. Exact when `D` is a
    /// multiple of 100, as for [`PerMill`] and [`BasisPoints`]; otherwise rounded down.
    pub fn from_percent(percent: u32) -> Result<Self> {
        let () = Self::POSITIVE_DENOMINATOR;
        if percent > 100 {
            return Err(Error::RatioOutOfRange { parts: u64::from(percent), max: 100 });
        }
        // percent ≤ 100, so the quotient is at most D and fits a u32.
        let p = u64::from(percent) * u64::from(D) / 100;
        Self::from_parts(u32::try_from(p).unwrap_or(D))
    }

    /// 0%.
    #[must_use]
    pub const fn zero() -> Self {
        let () = Self::POSITIVE_DENOMINATOR;
        Parts(0)
    }

    /// 100%.
    #[must_use]
    pub const fn one() -> Self {
        let () = Self::POSITIVE_DENOMINATOR;
        Parts(D)
    }

    /// The parts `p` of `p / D`.
    #[must_use]
    pub const fn parts(self) -> u32 {
        self.0
    }

    /// True when 0%.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The ratio `n / d` in parts of `D`, rounded as asked (Substrate
    /// `from_rational_with_rounding`): `PerMill::from_rational(1, 3, Down)` is 333 333.
    ///
    /// Errors: [`Error::DivisionByZero`] when `d == 0`; [`Error::RatioOutOfRange`] when `n > d`
    /// (reporting the parts asked for, rounded up, saturating at `u64::MAX`).
    pub fn from_rational(n: u128, d: u128, rounding: Rounding) -> Result<Self> {
        let () = Self::POSITIVE_DENOMINATOR;
        if d == 0 {
            return Err(Error::DivisionByZero { op: "ratio from_rational" });
        }
        if n > d {
            let asked = mul_div(n, u128::from(D), d, Rounding::Up).unwrap_or(u128::MAX);
            let parts = u64::try_from(asked).unwrap_or(u64::MAX);
            return Err(Error::RatioOutOfRange { parts, max: u64::from(D) });
        }
        // n ≤ d, so n × D / d ≤ D, however rounded: it fits a u32.
        let p = mul_div(n, u128::from(D), d, rounding)?;
        Self::from_parts(u32::try_from(p).unwrap_or(u32::MAX))
    }

    /// `amount × p / D`, rounded as asked: floor (`Down`), ceiling (`Up`), or Substrate's
    /// `Permill * x` (`NearestHalfDown`). Never more than `amount`, so it cannot overflow.
    #[must_use]
    pub fn mul(self, amount: u128, rounding: Rounding) -> u128 {
        mul_div(amount, u128::from(self.0), u128::from(D), rounding)
            .expect("p ≤ D and D > 0: the result is at most `amount` and the divisor is not zero")
    }

    /// [`Parts::mul`] on an [`Amount`].
    #[must_use]
    pub fn mul_amount(self, amount: Amount, rounding: Rounding) -> Amount {
        Amount(self.mul(amount.raw(), rounding))
    }

    /// `1 − self`: `(D − p) / D`.
    #[must_use]
    pub const fn complement(self) -> Self {
        Parts(D - self.0)
    }
}

/// A percentage with the exact decimals the denominator allows: `"12.5%"`, `"0.0001%"`. For a
/// denominator that is not a power of ten (≥ 100), the fraction itself: `"1/3"`.
impl<const D: u32> fmt::Display for Parts<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = D;
        let mut zeros = 0;
        while rest > 1 && rest.is_multiple_of(10) {
            rest /= 10;
            zeros += 1;
        }
        if rest == 1 && zeros >= 2 {
            write!(f, "{}%", format_scaled(u128::from(self.0), zeros - 2))
        } else {
            write!(f, "{}/{D}", self.0)
        }
    }
}

/// Serialized as the integer parts: `500000` for 50% as a [`PerMill`].
impl<const D: u32> Serialize for Parts<D> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

/// Accepts integer parts up to `D`.
impl<'de, const D: u32> Deserialize<'de> for Parts<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> std::result::Result<Self, De::Error> {
        let p = u32::deserialize(d)?;
        Parts::from_parts(p).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Rounding::{Down, NearestHalfDown, NearestHalfEven, NearestHalfUp, Up};

    const STOS: u128 = 1_000_000_000_000_000_000;

    #[test]
    fn the_three_roundings() {
        let half = PerMill::from_parts(500_000).unwrap();
        assert_eq!(half.mul(3, Down), 1);
        assert_eq!(half.mul(3, Up), 2);
        assert_eq!(half.mul(3, NearestHalfDown), 1);
        assert_eq!(half.mul(3, NearestHalfUp), 2);
        let quarter = BasisPoints::from_parts(2_500).unwrap();
        assert_eq!(quarter.mul(10, Down), 2);
        assert_eq!(quarter.mul(10, Up), 3);
        assert_eq!(quarter.mul(10, NearestHalfDown), 2);
        assert_eq!(quarter.mul(10, NearestHalfEven), 2);
        assert_eq!(quarter.mul(14, NearestHalfEven), 4); // 3.5 → 4
        // Not a tie: nearest rounds to the nearer neighbour whatever the tie rule.
        let third = PerMill::from_parts(333_333).unwrap();
        assert_eq!(third.mul(2, NearestHalfDown), 1); // 0.666666
        assert_eq!(third.mul(1, NearestHalfDown), 0); // 0.333333
    }

    #[test]
    fn from_rational_rounds_as_asked() {
        assert_eq!(PerMill::from_rational(1, 3, NearestHalfDown).unwrap().parts(), 333_333);
        assert_eq!(PerMill::from_rational(1, 3, Down).unwrap().parts(), 333_333);
        assert_eq!(PerMill::from_rational(1, 3, Up).unwrap().parts(), 333_334);
        assert_eq!(PerMill::from_rational(2, 3, NearestHalfDown).unwrap().parts(), 666_667);
        assert_eq!(PerMill::from_rational(1, 2_000_000, NearestHalfDown).unwrap().parts(), 0);
        assert_eq!(PerMill::from_rational(1, 2_000_000, NearestHalfUp).unwrap().parts(), 1);
        assert_eq!(PerMill::from_rational(u128::MAX, u128::MAX, Up).unwrap(), PerMill::one());
        assert_eq!(PerMill::from_rational(0, 5, Up).unwrap(), PerMill::zero());
        assert!(matches!(PerMill::from_rational(1, 0, Down), Err(Error::DivisionByZero { .. })));
        let e = PerMill::from_rational(u128::MAX, u128::MAX - 1, Down).unwrap_err();
        assert_eq!(e, Error::RatioOutOfRange { parts: 1_000_001, max: 1_000_000 });
        let e = BasisPoints::from_rational(u128::MAX, 1, Down).unwrap_err();
        assert_eq!(e, Error::RatioOutOfRange { parts: u64::MAX, max: 10_000 });
    }

    #[test]
    fn commission_of_one_percent_is_exact() {
        let eighty = Amount(80 * STOS);
        let tenth_stos = Amount(8 * STOS / 10);
        for r in [Down, Up, NearestHalfDown] {
            assert_eq!(PerMill::from_percent(1).unwrap().mul_amount(eighty, r), tenth_stos);
            assert_eq!(BasisPoints::from_parts(100).unwrap().mul_amount(eighty, r), tenth_stos);
        }
    }

    #[test]
    fn constructors_and_range() {
        assert_eq!(PerMill::from_percent(1).unwrap().parts(), 10_000);
        assert_eq!(BasisPoints::from_percent(100).unwrap(), BasisPoints::one());
        assert_eq!(Parts::<3>::from_percent(50).unwrap().parts(), 1); // 1.5 rounded down
        assert_eq!(PerMill::one().parts(), PerMill::DENOMINATOR);
        assert!(PerMill::zero().is_zero());
        assert_eq!(
            PerMill::from_parts(1_000_001).unwrap_err(),
            Error::RatioOutOfRange { parts: 1_000_001, max: 1_000_000 }
        );
        assert_eq!(
            BasisPoints::from_percent(101).unwrap_err(),
            Error::RatioOutOfRange { parts: 101, max: 100 }
        );
        // The message gives the fraction as written, whatever its denominator.
        let text = |parts, max| Error::RatioOutOfRange { parts, max }.to_string();
        assert_eq!(text(1_500_000, 1_000_000), "ratio 1.5 is above 1 (100 %)");
        assert_eq!(text(101, 100), "ratio 1.01 is above 1 (100 %)");
        assert_eq!(text(2_000_001, 1_000_000), "ratio 2.000001 is above 1 (100 %)");
        assert_eq!(text(3, 1), "ratio 3 is above 1 (100 %)");
        assert_eq!(text(7, 3), "ratio 7/3 is above 1 (100 %)");
        assert_eq!(text(7, 0), "ratio 7/0 is above 1 (100 %)");
        assert_eq!(PerMill::from_parts(300_000).unwrap().complement().parts(), 700_000);
        assert_eq!(PerMill::one().complement(), PerMill::zero());
        assert_eq!(PerMill::one().mul(u128::MAX, Up), u128::MAX);
        assert_eq!(
            PerMill::from_parts(999_999).unwrap().mul(u128::MAX, Up),
            mul_div(u128::MAX, 999_999, 1_000_000, Up).unwrap()
        );
    }

    #[test]
    fn display_as_percent() {
        assert_eq!(PerMill::from_parts(125_000).unwrap().to_string(), "12.5%");
        assert_eq!(PerMill::from_parts(1).unwrap().to_string(), "0.0001%");
        assert_eq!(PerMill::one().to_string(), "100%");
        assert_eq!(BasisPoints::from_parts(2_550).unwrap().to_string(), "25.5%");
        assert_eq!(Parts::<100>::from_parts(7).unwrap().to_string(), "7%");
        assert_eq!(Parts::<3>::from_parts(1).unwrap().to_string(), "1/3");
        assert_eq!(Parts::<10>::from_parts(1).unwrap().to_string(), "1/10");
    }

    #[test]
    fn serde_uses_integer_parts() {
        let p = PerMill::from_parts(500_000).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "500000");
        assert_eq!(serde_json::from_str::<PerMill>("500000").unwrap(), p);
        assert!(serde_json::from_str::<PerMill>("1000001").is_err());
        assert!(serde_json::from_str::<BasisPoints>("10001").is_err());
        assert!(serde_json::from_str::<BasisPoints>("\"100\"").is_err());
    }

    proptest::proptest! {
        #[test]
        fn mul_never_exceeds_amount(p in 0u32..=1_000_000, amount in proptest::prelude::any::<u128>()) {
            let r = PerMill::from_parts(p).unwrap();
            let down = r.mul(amount, Down);
            let up = r.mul(amount, Up);
            proptest::prop_assert!(down <= up && up <= amount && up - down <= 1);
            proptest::prop_assert_eq!(down + r.complement().mul(amount, Up), amount);
        }
    }
}
