//! POND and MPOND as people write them (spec marlin.md, "Tokens": both 18 decimals): exact
//! decimal strings in and out, and the serde form of amounts in events and books. Used at the
//! edges only (replay, explanations); operations take and return [`Amount`]s in base units.

use ergon_core::{Amount, Qty, TokenMeta};
use serde::{Deserialize, Serialize};

use crate::engine::tokens::Token;

/// POND's symbol and decimals.
#[must_use]
pub fn pond_meta() -> TokenMeta {
    TokenMeta::new("POND", 18)
}

/// MPOND's symbol and decimals.
#[must_use]
pub fn mpond_meta() -> TokenMeta {
    TokenMeta::new("MPOND", 18)
}

/// Base units of either token (both have 18 decimals) as an exact decimal string.
#[must_use]
pub fn fmt(a: Amount) -> String {
    pond_meta().format(a)
}

/// `token`'s symbol and decimals.
#[must_use]
pub fn meta(token: Token) -> TokenMeta {
    match token {
        Token::Pond => pond_meta(),
        Token::Mpond => mpond_meta(),
    }
}

/// A decimal quantity of `token`, given in the input's field `field`, in base units. A refusal
/// names the token and the field: the core's message calls the value an `amount`, so any other
/// field (or a genesis path) is put before it (`mpond: amount "0.0000000000000000001" has 19
/// decimals, but MPOND has only 18`).
pub fn amount(token: Token, field: &str, q: &Qty) -> Result<Amount, ergon_core::Error> {
    let a = q.to_amount(&meta(token));
    if field == "amount" { a } else { a.map_err(|e| e.at(field)) }
}

/// An optional quantity read as [`amount`]: `None` when not given.
pub fn given(
    token: Token,
    field: &str,
    q: Option<&Qty>,
) -> Result<Option<Amount>, ergon_core::Error> {
    q.map(|q| amount(token, field, q)).transpose()
}

/// serde: base units as a decimal string of token units; in a binary format (a saved state)
/// the amount itself.
pub fn ser<S: serde::Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() { s.serialize_str(&fmt(*a)) } else { a.serialize(s) }
}

/// serde: reads [`ser`]'s form back, exactly.
pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
    if !d.is_human_readable() {
        return Amount::deserialize(d);
    }
    let text = String::deserialize(d)?;
    pond_meta().parse(&text).map_err(serde::de::Error::custom)
}

/// A count (bytes, tickets) as a JSON number while it fits 64 bits, else as its decimal string:
/// a JSON value holds no larger number, and a count is never shown rounded.
pub(crate) fn ser_count<S: serde::Serializer>(
    x: &u128,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match u64::try_from(*x) {
        Ok(v) => s.serialize_u64(v),
        Err(_) => s.serialize_str(&x.to_string()),
    }
}

/// [`ser_count`]'s count back: a number (of any width the format gives) or a decimal string.
pub(crate) fn de_count<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<u128, D::Error> {
    struct Count;
    impl serde::de::Visitor<'_> for Count {
        type Value = u128;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a count: a non-negative integer or its decimal string")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<u128, E> {
            Ok(u128::from(v))
        }
        fn visit_u128<E: serde::de::Error>(self, v: u128) -> std::result::Result<u128, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<u128, E> {
            u128::try_from(v).map_err(E::custom)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<u128, E> {
            v.parse().map_err(E::custom)
        }
    }
    d.deserialize_any(Count)
}

/// [`ser_count`] as a JSON value, for views built with `json!`.
#[must_use]
pub(crate) fn count_json(x: u128) -> serde_json::Value {
    match u64::try_from(x) {
        Ok(v) => v.into(),
        Err(_) => x.to_string().into(),
    }
}
