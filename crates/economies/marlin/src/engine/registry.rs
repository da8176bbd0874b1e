//! The cluster registry's requests (deployed and paper; contract: `ClusterRegistry.sol`): a
//! commission update and an unregistration each wait a lock after their request
//! (`commission_lock_days`, `unregister_lock_days`, the contract's `lockWaitTime`) and are then
//! carried out by the operator. One request of each kind at a time. An unregistered cluster is
//! not eligible (paper: never paid again; deployed: out of the draw until a delegator's
//! settlement in it puts it back, as the contract's selector), takes no new delegation
//! (`cluster_unregistered`)
//! and its pending commission update is dropped; its stashes stay until their stakers
//! undelegate them.

use ergon_core::txn::Keyed;
use serde::{Deserialize, Serialize};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};

/// The pending requests, by cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// A commission update: (the new commission, the first day it may be carried out).
    commission: Keyed<u32, (u8, u64)>,
    /// An unregistration: the first day it may be carried out.
    unregister: Keyed<u32, u64>,
}

ergon_core::transactional!(Registry {
    commission: Keyed<u32, (u8, u64)>,
    unregister: Keyed<u32, u64>,
});

impl Registry {
    /// Cluster `c`'s pending commission update: (commission, first day).
    #[must_use]
    pub fn commission_request(&self, c: u32) -> Option<(u8, u64)> {
        self.commission.get(&c).copied()
    }

    /// Cluster `c`'s pending unregistration: its first day.
    #[must_use]
    pub fn unregister_request(&self, c: u32) -> Option<u64> {
        self.unregister.get(&c).copied()
    }
}

fn refused(operator: ergon_core::AccountId, what: impl Into<String>) -> MarlinError {
    MarlinError::RegistryRequest { operator, what: what.into() }
}

impl Marlin {
    /// The registered cluster run by `operator`.
    fn registered_cluster(&self, operator: ergon_core::AccountId) -> Result<u32> {
        let c = self.cluster(operator)?;
        if !self.stakes.is_registered(c) {
            return Err(MarlinError::ClusterUnregistered { operator });
        }
        Ok(c)
    }

    /// Requests cluster `operator`'s commission to become `percent` once
    /// `commission_lock_days` have passed (`requestCommissionUpdate`). Returns the first day.
    pub fn request_commission_update(
        &mut self,
        operator: ergon_core::AccountId,
        percent: u8,
    ) -> Result<u64> {
        let c = self.registered_cluster(operator)?;
        if percent > 100 {
            let value = percent.to_string();
            return Err(MarlinError::InvalidParameter { name: "commission_percent", value });
        }
        if let Some((_, day)) = self.registry.commission_request(c) {
            return Err(refused(
                operator,
                format!("a commission update is pending until day {day}"),
            ));
        }
        let day = self.epoch.0.saturating_add(self.params.commission_lock_days);
        self.registry.commission.insert(c, (percent, day));
        Ok(day)
    }

    /// Carries out cluster `operator`'s requested commission update once its day has come
    /// (`updateCommission`). Returns the new commission.
    pub fn update_commission(&mut self, operator: ergon_core::AccountId) -> Result<u8> {
        let c = self.cluster(operator)?;
        let Some((percent, day)) = self.registry.commission_request(c) else {
            return Err(refused(operator, "no commission update requested"));
        };
        if self.epoch.0 < day {
            return Err(refused(operator, format!("the commission update waits until day {day}")));
        }
        ergon_core::txn::atomic(self, |st| {
            st.stakes.set_commission(c, percent);
            st.registry.commission.remove(&c);
            Ok(percent)
        })
    }

    /// Requests cluster `operator`'s unregistration once `unregister_lock_days` have passed
    /// (`requestUnregister`). Returns the first day.
    pub fn request_unregister(&mut self, operator: ergon_core::AccountId) -> Result<u64> {
        let c = self.registered_cluster(operator)?;
        if let Some(day) = self.registry.unregister_request(c) {
            return Err(refused(operator, format!("an unregistration is pending until day {day}")));
        }
        let day = self.epoch.0.saturating_add(self.params.unregister_lock_days);
        self.registry.unregister.insert(c, day);
        Ok(day)
    }

    /// Unregisters cluster `operator` once its requested day has come (`unregister`): it is
    /// never paid again (deployed: out of the draw until a delegator's settlement in it puts it
    /// back, as the contract's does) and takes no new delegation; its pending requests go.
    pub fn unregister(&mut self, operator: ergon_core::AccountId) -> Result<u32> {
        let c = self.registered_cluster(operator)?;
        let Some(day) = self.registry.unregister_request(c) else {
            return Err(refused(operator, "no unregistration requested"));
        };
        if self.epoch.0 < day {
            return Err(refused(operator, format!("the unregistration waits until day {day}")));
        }
        ergon_core::txn::atomic(self, |st| {
            st.stakes.unregister(c);
            st.registry.unregister.remove(&c);
            st.registry.commission.remove(&c);
            Ok(c)
        })
    }
}
