//! POND and MPOND as people write them (spec marlin.md, "Tokens": both 18 decimals): exact
//! decimal strings in and out, and the serde form of amounts in events. Used at the edges only
//! (replay, explanations); operations take and return [`Amount`]s in base units.

use ergon_core::{Amount, Qty, TokenMeta};

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

/// serde: base units as a decimal string.
pub fn ser<S: serde::Serializer>(a: &Amount, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt(*a))
}
