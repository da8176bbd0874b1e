//! Token amounts: [`Amount`] counts a token's base units in a `u128`; [`TokenMeta`] gives a token
//! its symbol and decimals and converts exactly between base units and decimal strings
//! (`"1000"`, `"0.000000000000000001"`). [`Qty`] is a decimal quantity parsed from input before
//! its token is known (replay files name amounts in token units).
//!
//! All arithmetic is checked: overflow and underflow are errors, never wrap-around.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result, overflow, underflow};

/// A count of a token's base units (wei, noz, pico, …). Never negative, never a float.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub u128);

impl Amount {
    /// Zero base units.
    pub const ZERO: Amount = Amount(0);
    /// The largest amount.
    pub const MAX: Amount = Amount(u128::MAX);

    /// The raw count of base units.
    #[must_use]
    pub const fn raw(self) -> u128 {
        self.0
    }

    /// True when zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + rhs`, or [`Error::Overflow`].
    pub fn checked_add(self, rhs: Amount) -> Result<Amount> {
        self.0.checked_add(rhs.0).map(Amount).ok_or_else(|| overflow("amount add"))
    }

    /// `self - rhs`, or [`Error::Underflow`].
    pub fn checked_sub(self, rhs: Amount) -> Result<Amount> {
        self.0.checked_sub(rhs.0).map(Amount).ok_or_else(|| underflow("amount sub"))
    }

    /// `self × n`, or [`Error::Overflow`].
    pub fn checked_mul_int(self, n: u128) -> Result<Amount> {
        self.0.checked_mul(n).map(Amount).ok_or_else(|| overflow("amount mul"))
    }

    /// `self + rhs`, capped at `u128::MAX`.
    #[must_use]
    pub const fn saturating_add(self, rhs: Amount) -> Amount {
        Amount(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, floored at zero.
    #[must_use]
    pub const fn saturating_sub(self, rhs: Amount) -> Amount {
        Amount(self.0.saturating_sub(rhs.0))
    }

    /// The smaller of two amounts.
    #[must_use]
    pub fn min(self, rhs: Amount) -> Amount {
        if self.0 <= rhs.0 { self } else { rhs }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Serialized as a decimal string of base units, so no JSON reader loses precision; in a
/// binary format (a saved state) as 16 little-endian bytes (serde carries no 128-bit integer
/// through the fields of a tagged enum, which it buffers).
impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(&self.0)
        } else {
            s.serialize_bytes(&self.0.to_le_bytes())
        }
    }
}

/// Reads the decimal string (or, from a saved state, the 16 bytes).
struct AmountVisitor;

impl serde::de::Visitor<'_> for AmountVisitor {
    type Value = Amount;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Amount, E> {
        parse_digits(v).map(Amount).map_err(E::custom)
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Amount, E> {
        let bytes: [u8; 16] = v.try_into().map_err(|_| E::invalid_length(v.len(), &self))?;
        Ok(Amount(u128::from_le_bytes(bytes)))
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(AmountVisitor)
        } else {
            d.deserialize_bytes(AmountVisitor)
        }
    }
}

/// A token's identity: symbol and number of decimals of its base unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenMeta {
    /// Ticker, e.g. `STOS`.
    pub symbol: String,
    /// Decimal places of the base unit (18 for STOS, 9 for Ozone, 12 for PHA). At most 38.
    pub decimals: u8,
}

impl TokenMeta {
    /// A token with the given symbol and decimals.
    ///
    /// # Panics
    /// When `decimals > 38` (10^39 does not fit a u128): a programming error, not input.
    #[must_use]
    pub fn new(symbol: &str, decimals: u8) -> TokenMeta {
        assert!(decimals <= 38, "decimals must be at most 38");
        TokenMeta { symbol: symbol.to_owned(), decimals }
    }

    /// Base units in one whole token: 10^decimals.
    #[must_use]
    pub fn one(&self) -> Amount {
        Amount(10u128.pow(u32::from(self.decimals)))
    }

    /// `n` whole tokens in base units.
    pub fn units(&self, n: u128) -> Result<Amount> {
        self.one().checked_mul_int(n)
    }

    /// Parses a decimal string in token units (`"12.5"`) into base units, exactly.
    pub fn parse(&self, text: &str) -> Result<Amount> {
        Qty::parse(text)?.to_amount(self)
    }

    /// Formats base units as a decimal string in token units: `"1000"`, `"0.000000000000000001"`.
    /// Trailing fractional zeros are dropped; the result parses back to the same amount.
    #[must_use]
    pub fn format(&self, amount: Amount) -> String {
        format_scaled(amount.0, u32::from(self.decimals))
    }
}

/// Formats `raw / 10^scale` exactly, without trailing fractional zeros.
pub(crate) fn format_scaled(raw: u128, scale: u32) -> String {
    if scale == 0 {
        return raw.to_string();
    }
    let one = 10u128.pow(scale);
    let (int, frac) = (raw / one, raw % one);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = scale as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// A non-negative decimal quantity as written in input (`"12.5"`), not yet bound to a token.
/// `int + frac / 10^scale` is its exact value, `scale` the number of fraction digits (trailing
/// zeros dropped). Its whole part fits 128 bits; its fraction may have any number of digits
/// (`frac` is kept only up to 38 of them, the most any token has: more is always too many).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qty {
    text: String,
    int: u128,
    frac: u128,
    scale: u32,
}

impl Qty {
    /// Parses digits with an optional fraction: `"1000"`, `"0.5"`. No sign, exponent, spaces or
    /// separators, and a whole part of at most 2^128 − 1; the fraction may have any number of
    /// digits (whether they fit is the token's to say, [`Qty::to_amount`]). Every failure is an
    /// [`Error::InvalidAmount`] that quotes the text.
    pub fn parse(text: &str) -> Result<Qty> {
        let bad = |reason: &str| Error::InvalidAmount {
            value: text.to_owned(),
            reason: reason.to_owned(),
        };
        if text.is_empty() {
            return Err(bad("empty"));
        }
        if text.starts_with('-') {
            return Err(bad("negative amounts are not allowed"));
        }
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        if int.is_empty() {
            return Err(bad("missing integer part (write 0.5, not .5)"));
        }
        if text.contains('.') && frac.is_empty() {
            return Err(bad("missing fraction after the decimal point"));
        }
        if let Some(c) = int.chars().chain(frac.chars()).find(|c| !c.is_ascii_digit()) {
            return Err(bad(&format!("unexpected character {c:?}")));
        }
        let frac_trimmed = frac.trim_end_matches('0');
        let scale = u32::try_from(frac_trimmed.len()).map_err(|_| bad("too many decimals"))?;
        let int = digits_value(int).ok_or_else(|| bad("whole part too large for 128 bits"))?;
        // 38 digits always fit (10^38 < 2^128); past them the fraction is never read.
        let frac = if scale <= 38 { digits_value(frac_trimmed).unwrap_or(0) } else { 0 };
        Ok(Qty { text: text.to_owned(), int, frac, scale })
    }

    /// The text as given.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The quantity in `token`'s base units. Errors name the value: more decimals than the token
    /// has ([`Error::TooManyDecimals`]), or too large ([`Error::InvalidAmount`]).
    pub fn to_amount(&self, token: &TokenMeta) -> Result<Amount> {
        let decimals = u32::from(token.decimals);
        if self.scale > decimals {
            return Err(Error::TooManyDecimals {
                value: self.text.clone(),
                found: self.scale,
                symbol: token.symbol.clone(),
                decimals: token.decimals,
            });
        }
        let pow = |n: u32| 10u128.checked_pow(n);
        pow(decimals)
            .and_then(|one| self.int.checked_mul(one))
            .zip(pow(decimals - self.scale).and_then(|f| self.frac.checked_mul(f)))
            .and_then(|(whole, frac)| whole.checked_add(frac))
            .map(Amount)
            .ok_or_else(|| Error::InvalidAmount {
                value: self.text.clone(),
                reason: format!("too large for 128 bits of {} base units", token.symbol),
            })
    }

    /// The quantity as a fraction in parts per million (`"0.01"` → 10,000). More than six
    /// decimals, or more than 1, is an error naming the value.
    pub fn to_ppm(&self) -> Result<u32> {
        let parts = self.to_amount(&TokenMeta::new("fraction", 6))?.0;
        u32::try_from(parts).ok().filter(|&p| p <= 1_000_000).ok_or(Error::RatioOutOfRange {
            parts: u64::try_from(parts).unwrap_or(u64::MAX),
            max: 1_000_000,
        })
    }

    /// The quantity as a whole number, when it has no fraction (counts, sizes in whole units).
    pub fn to_integer(&self) -> Result<u128> {
        if self.scale == 0 {
            Ok(self.int)
        } else {
            Err(Error::InvalidAmount {
                value: self.text.clone(),
                reason: "expected a whole number".into(),
            })
        }
    }
}

impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Accepts a JSON string (`"12.5"`) or a non-negative JSON integer (`12`).
impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct QtyVisitor;
        impl serde::de::Visitor<'_> for QtyVisitor {
            type Value = Qty;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount as a decimal string, e.g. \"12.5\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Qty, E> {
                Qty::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Qty, E> {
                Qty::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Qty, E> {
                Err(float_refused(v))
            }
        }
        d.deserialize_any(QtyVisitor)
    }
}

/// The refusal of a float where a decimal's text is wanted: `1.5` unquoted in TOML or JSON
/// reaches the program as a binary float, not as the decimal written.
fn float_refused<E: serde::de::Error>(v: f64) -> E {
    if !v.is_finite() {
        return E::custom(format_args!("{v} is not a number: a decimal is written as a string"));
    }
    // The float's shortest decimal in plain digits (Display has no exponent), as the string to
    // write: `1e-5` is advised as "0.00001", which reads back; -0 as "0".
    let text = if v == 0.0 { "0".to_owned() } else { format!("{v}") };
    E::custom(format_args!(
        "{v:?} would be read as a binary float: write the decimal as a string (\"{text}\") so \
         that it is read exactly"
    ))
}

/// A scalar kept as its text: a string (`"0.3"`) as written, an integer (`12`, `-3`) as its
/// digits, with `BOOL` a boolean as `true`/`false`; a float (`0.3`) is refused with the reason
/// ([`float_refused`]). For values read exactly later: decimals ([`decimal_text`]), an
/// economy's parameter overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarText<const BOOL: bool>(pub String);

impl<'de, const BOOL: bool> Deserialize<'de> for ScalarText<BOOL> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Text<const BOOL: bool>;
        impl<const BOOL: bool> serde::de::Visitor<'_> for Text<BOOL> {
            type Value = ScalarText<BOOL>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal as a string, e.g. \"0.3\", or a whole number")?;
                if BOOL { f.write_str(", or true/false") } else { Ok(()) }
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(ScalarText(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(
                self,
                v: bool,
            ) -> std::result::Result<Self::Value, E> {
                if BOOL {
                    Ok(ScalarText(v.to_string()))
                } else {
                    Err(E::invalid_type(serde::de::Unexpected::Bool(v), &self))
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
                Err(float_refused(v))
            }
        }
        d.deserialize_any(Text::<BOOL>)
    }
}

/// A decimal as its text ([`ScalarText`] without booleans). For fields that keep the text and
/// parse it later (`#[serde(deserialize_with = "ergon_core::amount::decimal_text")]`).
pub fn decimal_text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    ScalarText::<false>::deserialize(d).map(|t| t.0)
}

/// An exact decimal of a scenario kept as its text: a string (`"1000000.5"`) or a whole number
/// (`1000000`), a float refused with the reason ([`float_refused`]); written back as it came, a
/// whole number bare (so a scenario's resolved text, and its hash, keep it). Read exactly with
/// [`DecimalText::qty`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecimalText(pub String);

impl DecimalText {
    /// The value, exactly: an error quotes the text.
    pub fn qty(&self) -> Result<Qty> {
        Qty::parse(&self.0)
    }
}

impl Default for DecimalText {
    fn default() -> DecimalText {
        DecimalText("0".into())
    }
}

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        ScalarText::<false>::deserialize(d).map(|t| DecimalText(t.0))
    }
}

impl Serialize for DecimalText {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(n) => s.serialize_i64(n),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

/// The value of a string of ASCII digits, or `None` past 2^128 − 1.
fn digits_value(digits: &str) -> Option<u128> {
    digits.bytes().try_fold(0u128, |n, b| n.checked_mul(10)?.checked_add(u128::from(b - b'0')))
}

/// Parses a string of decimal digits (base units) into a u128.
fn parse_digits(text: &str) -> Result<u128> {
    let q = Qty::parse(text)?;
    q.to_integer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stos() -> TokenMeta {
        TokenMeta::new("STOS", 18)
    }

    #[test]
    fn decimal_text_takes_strings_and_whole_numbers_and_refuses_floats() {
        let read = |v: serde_json::Value| decimal_text(v).map_err(|e| e.to_string());
        assert_eq!(read(serde_json::json!("0.3")).unwrap(), "0.3");
        assert_eq!(read(serde_json::json!(12)).unwrap(), "12");
        assert_eq!(read(serde_json::json!(-3)).unwrap(), "-3");
        let e = read(serde_json::json!(1.5)).unwrap_err();
        assert!(e.contains("binary float") && e.contains("\"1.5\""), "{e}");
        let e = serde_json::from_value::<Qty>(serde_json::json!(2.0)).unwrap_err().to_string();
        assert!(e.contains("(\"2\")"), "{e}");
        // The advised string is plain digits, which read back (not Rust's "1e-5").
        let e = read(serde_json::json!(1e-5)).unwrap_err();
        assert!(e.contains("(\"0.00001\")"), "{e}");
        assert!(Qty::parse("0.00001").is_ok());
        let e = read(serde_json::json!(-0.0)).unwrap_err();
        assert!(e.contains("(\"0\")"), "{e}");
        let d: crate::Dec = serde_json::from_value(serde_json::json!(3)).unwrap();
        assert_eq!(d.to_string(), "3.000000000000000000");
    }

    #[test]
    fn parses_and_formats_exactly() {
        let t = stos();
        assert_eq!(t.parse("1000").unwrap(), Amount(1000 * 10u128.pow(18)));
        assert_eq!(t.parse("0.000000000000000001").unwrap(), Amount(1));
        assert_eq!(t.parse("12.50").unwrap(), Amount(125 * 10u128.pow(17)));
        assert_eq!(t.format(Amount(1)), "0.000000000000000001");
        assert_eq!(t.format(Amount(1000 * 10u128.pow(18))), "1000");
        assert_eq!(t.format(Amount(125 * 10u128.pow(17))), "12.5");
        assert_eq!(t.format(Amount::ZERO), "0");
        let oz = TokenMeta::new("OZ", 9);
        assert_eq!(oz.parse("1.000000001").unwrap(), Amount(1_000_000_001));
    }

    #[test]
    fn rejects_bad_text_naming_the_value() {
        let t = stos();
        let e = t.parse("0.0000000000000000001").unwrap_err();
        assert_eq!(
            e.to_string(),
            "amount \"0.0000000000000000001\" has 19 decimals, but STOS has only 18"
        );
        for bad in ["", "-1", "1e5", "1.", ".5", " 1", "1_000", "abc", "1.2.3"] {
            let e = t.parse(bad).unwrap_err();
            assert!(
                matches!(e, Error::InvalidAmount { ref value, .. } if value == bad),
                "{bad}: {e}"
            );
        }
        // u128::MAX is 340282366920938463463.374607431768211455 STOS.
        assert!(t.parse("340282366920938463463.374607431768211455").is_ok());
        assert!(matches!(
            t.parse("340282366920938463463.374607431768211456"),
            Err(Error::InvalidAmount { .. })
        ));
        assert!(matches!(
            t.parse("999999999999999999999999999999999999999999"),
            Err(Error::InvalidAmount { .. })
        ));
    }

    #[test]
    fn only_the_whole_part_is_bounded_when_read() {
        // The token decides on any fraction: too many decimals, or too large in base units,
        // however many digits were written.
        let t = stos();
        let q = Qty::parse("340282366920938463463.374607431768211456").unwrap();
        assert_eq!(
            q.to_amount(&t).unwrap_err().to_string(),
            "invalid amount \"340282366920938463463.374607431768211456\": too large for 128 bits \
             of STOS base units"
        );
        let q = Qty::parse("0.000000000000000000000000000000000000001").unwrap();
        assert!(matches!(q.to_amount(&t), Err(Error::TooManyDecimals { found: 39, .. })));
        let long = format!("1.{}1", "0".repeat(100));
        assert!(matches!(
            Qty::parse(&long).unwrap().to_amount(&t),
            Err(Error::TooManyDecimals { found: 101, .. })
        ));
        assert_eq!(
            t.parse(&format!("2.5{}", "0".repeat(60))).unwrap(),
            Amount(25 * 10u128.pow(17))
        );
        assert_eq!(TokenMeta::new("T", 38).parse("3.4").unwrap(), Amount(34 * 10u128.pow(37)));
        // The whole part alone past 2^128 − 1 is not an amount at all.
        let e = Qty::parse("340282366920938463463374607431768211456.5").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid amount \"340282366920938463463374607431768211456.5\": whole part too large \
             for 128 bits"
        );
        assert!(Qty::parse("340282366920938463463374607431768211455").is_ok());
    }

    #[test]
    fn checked_arithmetic() {
        assert!(Amount::MAX.checked_add(Amount(1)).is_err());
        assert!(Amount(1).checked_sub(Amount(2)).is_err());
        assert_eq!(Amount(5).checked_sub(Amount(2)).unwrap(), Amount(3));
    }

    #[test]
    fn serde_uses_base_unit_strings() {
        assert_eq!(
            serde_json::to_string(&Amount(u128::MAX)).unwrap(),
            format!("\"{}\"", u128::MAX)
        );
        let back: Amount = serde_json::from_str("\"42\"").unwrap();
        assert_eq!(back, Amount(42));
        let q: Qty = serde_json::from_str("7").unwrap();
        assert_eq!(q.to_amount(&stos()).unwrap(), stos().units(7).unwrap());
    }

    proptest::proptest! {
        #[test]
        fn format_parse_roundtrip(raw in proptest::prelude::any::<u128>(), decimals in 0u8..=38) {
            let t = TokenMeta::new("T", decimals);
            let text = t.format(Amount(raw));
            proptest::prop_assert_eq!(t.parse(&text).unwrap(), Amount(raw));
        }
    }
}
