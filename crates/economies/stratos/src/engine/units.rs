//! Stratos's two tokens as people write them: STOS (18 decimals, amounts in wei) and Ozone
//! (9 decimals, amounts in noz; 1 Oz = 1 GB), parsed from and formatted to exact decimal
//! strings, and the serde forms of events and reports. Used at the edges only (replay, reports,
//! explanations); operations take and return [`Amount`]s.

use ergon_core::{Amount, Qty, TokenMeta};

/// STOS's symbol and decimals.
#[must_use]
pub fn stos_meta() -> TokenMeta {
    TokenMeta::new("STOS", 18)
}

/// Ozone's symbol and decimals.
#[must_use]
pub fn oz_meta() -> TokenMeta {
    TokenMeta::new("OZ", 9)
}

/// STOS wei as an exact decimal string.
#[must_use]
pub fn fmt_stos(a: Amount) -> String {
    stos_meta().format(a)
}

/// Ozone noz as an exact decimal string.
#[must_use]
pub fn fmt_oz(a: Amount) -> String {
    oz_meta().format(a)
}

/// A decimal STOS quantity in wei.
pub fn stos(q: &Qty) -> Result<Amount, ergon_core::Error> {
    q.to_amount(&stos_meta())
}

/// A decimal Ozone quantity in noz.
pub fn oz(q: &Qty) -> Result<Amount, ergon_core::Error> {
    q.to_amount(&oz_meta())
}

/// A fraction (`"0.01"`) in parts per million.
pub fn ppm(q: &Qty) -> Result<u32, ergon_core::Error> {
    q.to_ppm()
}

/// serde: STOS wei as a decimal string.
pub fn ser_stos<S: serde::Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_stos(*a))
}

/// serde: Ozone noz as a decimal string.
pub fn ser_oz<S: serde::Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_oz(*a))
}

/// serde: STOS wei as a decimal string, or null.
pub fn ser_opt_stos<S: serde::Serializer>(a: &Option<Amount>, s: S) -> Result<S::Ok, S::Error> {
    match a {
        Some(a) => s.serialize_str(&fmt_stos(*a)),
        None => s.serialize_none(),
    }
}

/// serde: Ozone noz as a decimal string, or absent.
pub fn ser_opt_oz<S: serde::Serializer>(a: &Option<Amount>, s: S) -> Result<S::Ok, S::Error> {
    match a {
        Some(a) => s.serialize_str(&fmt_oz(*a)),
        None => s.serialize_none(),
    }
}
