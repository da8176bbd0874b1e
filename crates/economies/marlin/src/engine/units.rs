//! POND and MPOND as people write them (spec marlin.md, "Tokens": both 18 decimals): exact
//! decimal strings in and out, and the serde form of amounts in events and books. Used at the
//! edges only (replay, explanations); operations take and return [`Amount`]s in base units.

use ergon_core::{Amount, Qty, TokenMeta};
use serde::{Deserialize, Serialize};

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

/// A decimal quantity of either token in base units.
pub fn amount(q: &Qty) -> Result<Amount, ergon_core::Error> {
    q.to_amount(&pond_meta())
}

/// An optional quantity in token units read as [`amount`]: `None` when not given.
pub fn given(q: Option<&Qty>) -> Result<Option<Amount>, ergon_core::Error> {
    q.map(amount).transpose()
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
