//! A check the lock sets share: a ledger pool holds exactly the total they keep there.

use super::{Holder, Ledger, PoolId, TokenId};
use crate::amount::Amount;
use crate::invariants::Violation;

impl Ledger {
    /// Checks that pool `pool` holds exactly `total` of `token`, O(1): the part of a lock set's
    /// invariants a step's check runs. Both failures (the pool unreadable, or another balance)
    /// are violations of `invariant`.
    pub(crate) fn check_pool_holds(
        &self,
        (token, pool): (TokenId, PoolId),
        total: Amount,
        invariant: &'static str,
    ) -> Result<(), Violation> {
        let held = self
            .balance(token, Holder::Pool(pool))
            .map_err(|e| Violation::new(invariant, e.to_string()))?;
        if held != total {
            return Err(Violation::new(invariant, format!("total {total}, pool {held}")));
        }
        Ok(())
    }
}
