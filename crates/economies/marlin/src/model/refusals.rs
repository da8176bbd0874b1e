//! How the model's agents meet a refusal of the economy: a name that is no account, an
//! operation the economy refuses (the run ends, naming it), and deployed's dry rewards pool
//! (counted, and the run goes on).

use ergon_core::economy::Rejection;
use ergon_core::{Coded, Economy};

use crate::{Marlin, MarlinError};

/// The account named `name`, or the economy's refusal.
pub(super) fn id(econ: &Marlin, name: &str) -> Result<ergon_core::AccountId, Rejection> {
    econ.account(name).map_err(|e| econ.rejection(e))
}

/// `r`, its error as the economy's refusal (which ends the run).
pub(super) fn ok<T>(econ: &Marlin, r: Result<T, MarlinError>) -> Result<T, Rejection> {
    r.map_err(|e| Rejection { code: e.code(), message: econ.explain(&e) })
}

/// deployed: an operation that pays from the `rewards` pool (a claim, or a delegation change
/// that settles first) and finds it short is refused, as the contract's transfer reverts:
/// counted in `refused`, `None`, and the run goes on; any other error ends it.
pub(super) fn unless_dry<T>(
    econ: &Marlin,
    refused: &mut u64,
    r: Result<T, MarlinError>,
) -> Result<Option<T>, Rejection> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(MarlinError::Core(ergon_core::Error::InsufficientBalance { holder, .. }))
            if holder == "pool:rewards" =>
        {
            *refused += 1;
            Ok(None)
        }
        Err(e) => ok(econ, Err(e)),
    }
}
