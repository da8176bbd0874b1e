//! The core's one error type. Every variant is an *expected* failure — bad input, an operation
//! the rules refuse — and carries the numbers that explain it. Each has a stable snake_case code
//! ([`Coded::code`]) that replay output and the Python bindings expose; codes never change meaning.
//!
//! Broken invariants are bugs, not errors: they assert (see `check_invariants` on each aggregate).

use crate::amount::Amount;

/// A failure with a stable machine-readable code.
pub trait Coded: std::fmt::Display {
    /// The stable snake_case code of this failure, e.g. `insufficient_balance`.
    fn code(&self) -> &'static str;
}

/// Every expected failure of the core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- amounts and arithmetic -------------------------------------------------------------
    /// A decimal token string could not be parsed.
    #[error("invalid amount {value:?}: {reason}")]
    InvalidAmount {
        /// The text as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A decimal token string has more fractional digits than the token.
    #[error("amount {value:?} has {found} decimals, but {symbol} has only {decimals}")]
    TooManyDecimals {
        /// The text as given.
        value: String,
        /// Fractional digits found.
        found: u32,
        /// The token's symbol.
        symbol: String,
        /// The token's decimals.
        decimals: u8,
    },
    /// Another error of the field at `field` (a genesis's `accounts.b.pond`), which it names;
    /// the code is the error's.
    #[error("{field}: {error}")]
    Field {
        /// The field's path.
        field: String,
        /// What is wrong with its value.
        error: Box<Error>,
    },
    /// A result does not fit its type.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation that overflowed.
        op: &'static str,
    },
    /// A result would be negative in an unsigned type.
    #[error("arithmetic underflow in {op}")]
    Underflow {
        /// The operation that underflowed.
        op: &'static str,
    },
    /// Division by zero.
    #[error("division by zero in {op}")]
    DivisionByZero {
        /// The operation that divided.
        op: &'static str,
    },
    /// A ratio outside its range (above 100% where 100% is the maximum), shown as the
    /// fraction given (`1.5`, from 1,500,000 parts per million).
    #[error("ratio {} is above 1 (100 %)", ratio_text(*parts, *max))]
    RatioOutOfRange {
        /// The parts given.
        parts: u64,
        /// The maximum parts.
        max: u64,
    },

    // ---- ledger ---------------------------------------------------------------------------
    /// A holder has less than an operation needs.
    #[error("{holder} holds {available} base units of {token}, needs {needed}")]
    InsufficientBalance {
        /// The holder, as `account:N` or `pool:NAME`.
        holder: String,
        /// The token's symbol.
        token: String,
        /// Base units needed.
        needed: Amount,
        /// Base units available.
        available: Amount,
    },
    /// A mint would take the token's supply (minted − burned) past its cap.
    #[error(
        "minting {amount} base units of {token} exceeds its cap: {supply} of {cap} in existence"
    )]
    CapExceeded {
        /// The token's symbol.
        token: String,
        /// Base units asked for.
        amount: Amount,
        /// Base units in existence (minted − burned).
        supply: Amount,
        /// The token's cap.
        cap: Amount,
    },
    /// An id that the ledger does not know.
    #[error("unknown {kind} {id}")]
    Unknown {
        /// What kind of id: `account`, `pool`, `token`, `validator`, …
        kind: &'static str,
        /// The id as text.
        id: String,
    },
    /// A name registered twice.
    #[error("{kind} {name:?} already exists")]
    Duplicate {
        /// What kind of name.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A bounded collection is full.
    #[error("limit reached: {what} (at most {limit})")]
    LimitReached {
        /// What is bounded, e.g. `lock chunks of account 7`.
        what: String,
        /// The bound.
        limit: u64,
    },

    // ---- staking --------------------------------------------------------------------------
    /// An amount below a required minimum.
    #[error("{what}: {amount} base units is below the minimum {minimum}")]
    BelowMinimum {
        /// What the minimum applies to.
        what: &'static str,
        /// Base units given.
        amount: Amount,
        /// The minimum.
        minimum: Amount,
    },
    /// A delegator asks for more stake than it has with a validator.
    #[error(
        "delegation of account {delegator} to validator {validator} is {available} base units, needs {needed}"
    )]
    InsufficientStake {
        /// The delegator's account index.
        delegator: u32,
        /// The validator's index.
        validator: u32,
        /// Base units needed.
        needed: Amount,
        /// Base units delegated.
        available: Amount,
    },
    /// An operation that the current state forbids (e.g. freeing a validator not jailed).
    #[error("not allowed: {reason}")]
    NotAllowed {
        /// Why.
        reason: String,
    },
    /// An invalid parameter value.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// The value given.
        value: String,
        /// Why it is invalid.
        reason: String,
    },

    // ---- sampling -------------------------------------------------------------------------
    /// Weighted sampling with a total weight of zero, or more draws without replacement than
    /// items with positive weight.
    #[error("cannot sample {wanted} item(s): only {available} with positive weight")]
    NotEnoughWeight {
        /// Items asked for.
        wanted: u64,
        /// Items with positive weight.
        available: u64,
    },
}

/// `parts / max` written exactly as a decimal when `max` is a power of ten (`1500000 / 10^6`
/// is `1.5`), else as the fraction `parts/max`.
fn ratio_text(parts: u64, max: u64) -> String {
    let digits = max.checked_ilog10().unwrap_or(0);
    if max == 0 || 10u64.pow(digits) != max {
        return format!("{parts}/{max}");
    }
    crate::amount::format_scaled(u128::from(parts), digits)
}

impl Error {
    /// The account (its index) whose balance an [`Error::InsufficientBalance`] found short, read
    /// back from the holder as the ledger names it (`account:N`); `None` for a pool or another
    /// error. One reading for every economy that names the account as its input did.
    #[must_use]
    pub fn short_account(&self) -> Option<u32> {
        let Error::InsufficientBalance { holder, .. } = self else { return None };
        holder.strip_prefix("account:").and_then(|n| n.parse().ok())
    }
}

impl Coded for Error {
    fn code(&self) -> &'static str {
        match self {
            Error::InvalidAmount { .. } => "invalid_amount",
            Error::TooManyDecimals { .. } => "too_many_decimals",
            Error::Field { error, .. } => error.code(),
            Error::Overflow { .. } => "overflow",
            Error::Underflow { .. } => "underflow",
            Error::DivisionByZero { .. } => "division_by_zero",
            Error::RatioOutOfRange { .. } => "ratio_out_of_range",
            Error::InsufficientBalance { .. } => "insufficient_balance",
            Error::CapExceeded { .. } => "cap_exceeded",
            Error::Unknown { .. } => "unknown_id",
            Error::Duplicate { .. } => "duplicate",
            Error::LimitReached { .. } => "limit_reached",
            Error::BelowMinimum { .. } => "below_minimum",
            Error::InsufficientStake { .. } => "insufficient_stake",
            Error::NotAllowed { .. } => "not_allowed",
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::NotEnoughWeight { .. } => "not_enough_weight",
        }
    }
}

impl Error {
    /// This error as one of the field at `field`, which its message then names first.
    #[must_use]
    pub fn at(self, field: impl Into<String>) -> Error {
        Error::Field { field: field.into(), error: Box::new(self) }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for [`Error::Overflow`].
pub(crate) fn overflow(op: &'static str) -> Error {
    Error::Overflow { op }
}

/// Shorthand for [`Error::Underflow`].
pub(crate) fn underflow(op: &'static str) -> Error {
    Error::Underflow { op }
}
