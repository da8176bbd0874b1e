//! Resource and meta nodes (seed §3.2, §4): their deposits, status, weight and traffic, and
//! the [`NodeRegistry`] that holds them.

mod registry;

pub use registry::{NodeRegistry, NodeTotals};

use std::collections::BTreeSet;

use ergon_core::arith::{Rounding, mul_div};
use ergon_core::{AccountId, Amount, Epoch};
use serde::Serialize;

use crate::params::Profile;

/// A resource node: its index in creation order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct NodeIndex(pub u32);

impl NodeIndex {
    /// The index as a `usize`.
    #[must_use]
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// A meta node: its index in registration order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct MetaIndex(pub u32);

impl MetaIndex {
    /// The index as a `usize`.
    #[must_use]
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// Where a resource node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum NodeStatus {
    /// mainnet: registered with a deposit that is not yet effective (the meta nodes have not
    /// set its effective deposit): no tasks, nothing in S or L.
    Registered,
    /// Receives tasks.
    Active,
    /// Failed the performance KPI: receives no tasks until reinstated.
    Suspended,
    /// Sent an unregister; its deposit returns at `deposit_returns`.
    Unregistering {
        /// Epoch of the unregister.
        since: Epoch,
        /// Epoch the deposit returns.
        deposit_returns: Epoch,
    },
    /// Left the network.
    Exited,
}

/// A resource node (its name is its owner's account name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ResourceNode {
    /// The account that deposited and receives rewards.
    pub owner: AccountId,
    /// The deposit at activation, wei (paper exits use it: "before any slashing").
    pub initial_deposit: Amount,
    /// The deposit now, wei.
    pub deposit: Amount,
    /// mainnet: the part of the deposit that counts (the chain's effective deposit, set by the
    /// meta nodes), wei: in S and the task weight while the node is active. The whole deposit
    /// from an activation; zero until set for a node registered without one, and once the
    /// node unregisters. At most the deposit.
    pub effective: Amount,
    /// Ozone limit its deposit added, noz (paper: its initial task weight).
    pub limit_added: Amount,
    /// Activation epoch (for a node registered without an effective deposit, its registration:
    /// the chain's creation time, from which its deposit lock runs).
    pub activated: Epoch,
    /// Performance score, parts per million (1,000,000 = meets every KPI).
    pub performance_ppm: u32,
    /// Life state.
    pub status: NodeStatus,
    /// Storage offered, noz (1 noz = 1 byte).
    pub capacity: Amount,
    /// Storage in use, noz.
    pub stored: Amount,
    /// Traffic settled so far, noz.
    pub settled_total: Amount,
    /// Rewards earned so far (locked or not), wei.
    pub rewards_total: Amount,
    /// paper: the node has shut down; the traffic it has not been paid for is dropped at the
    /// next close, never settled to it (seed §2: a node that leaves earns nothing after).
    pub offline: bool,
}

impl ResourceNode {
    /// A node activated at `activated` with `deposit`, the Ozone limit it added and its storage
    /// capacity: active, fully performing, no traffic, nothing stored.
    #[must_use]
    pub fn new(
        owner: AccountId,
        deposit: Amount,
        limit_added: Amount,
        capacity: Amount,
        activated: Epoch,
    ) -> ResourceNode {
        ResourceNode {
            owner,
            initial_deposit: deposit,
            deposit,
            effective: deposit,
            limit_added,
            activated,
            performance_ppm: 1_000_000,
            status: NodeStatus::Active,
            capacity,
            stored: Amount::ZERO,
            settled_total: Amount::ZERO,
            rewards_total: Amount::ZERO,
            offline: false,
        }
    }

    /// Whether tasks may go to it.
    #[must_use]
    pub fn takes_tasks(&self) -> bool {
        self.status == NodeStatus::Active
    }

    /// Free storage, noz.
    #[must_use]
    pub fn free(&self) -> Amount {
        self.capacity.saturating_sub(self.stored)
    }

    /// A node registered at `epoch` with `deposit` not yet effective and its storage
    /// `capacity` (mainnet): no tasks, nothing in S or L until the meta nodes set its effective
    /// deposit.
    #[must_use]
    pub fn registered(owner: AccountId, deposit: Amount, capacity: Amount, epoch: Epoch) -> Self {
        let mut n = ResourceNode::new(owner, deposit, Amount::ZERO, capacity, epoch);
        n.effective = Amount::ZERO;
        n.status = NodeStatus::Registered;
        n
    }

    /// Its task weight under `profile`: paper, the Ozone limit its deposit added (noz);
    /// mainnet, its effective deposit in units of 10^9 wei; both scaled by its performance
    /// score. Zero when it takes no tasks.
    #[must_use]
    pub fn task_weight(&self, profile: Profile) -> u64 {
        if !self.takes_tasks() {
            return 0;
        }
        let base = match profile {
            Profile::Paper => self.limit_added.0,
            Profile::Mainnet => self.effective.0 / 1_000_000_000,
        };
        let w = mul_div(base, u128::from(self.performance_ppm), 1_000_000, Rounding::Down)
            .unwrap_or(u128::MAX);
        u64::try_from(w).unwrap_or(u64::MAX)
    }
}

/// A meta-node vote in progress (registration or kick).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Vote {
    /// Meta nodes (by index) that approved.
    pub approvals: BTreeSet<u32>,
    /// Last epoch at which votes count.
    pub deadline: Epoch,
}

/// Where a meta node is in its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MetaStatus {
    /// Registered, deposit paid, waiting for foundation approval and the vote.
    Candidate {
        /// The foundation verified the operator.
        foundation_approved: bool,
        /// The existing meta nodes' vote.
        vote: Vote,
    },
    /// Indexes, assigns tasks, settles traffic, shares the meta rewards.
    Active {
        /// A kick vote in progress.
        kick: Option<Vote>,
        /// mainnet: the registration vote that bonded it, which takes further approvals until
        /// its deadline, changing nothing (the chain keeps the vote pool and records a vote on
        /// a bonded candidate). None at genesis and under paper.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        registration: Option<Vote>,
    },
    /// Left (kicked, unregistered or refused); its deposit returns at `deposit_returns`.
    Gone {
        /// Epoch the deposit returns.
        deposit_returns: Epoch,
    },
}

/// A meta node (its name is its owner's account name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MetaNode {
    /// The account that deposited and receives rewards.
    pub owner: AccountId,
    /// Deposit, wei.
    pub deposit: Amount,
    /// Ozone limit its deposit added when it became active, noz.
    pub limit_added: Amount,
    /// Registration epoch for candidates; once active, the epoch its deposit's lock runs from:
    /// paper, its activation; mainnet, still its registration (the chain's creation time).
    pub activated: Epoch,
    /// Life state.
    pub status: MetaStatus,
    /// Rewards earned so far, wei.
    pub rewards_total: Amount,
}

impl MetaNode {
    /// Whether it is an active meta node.
    #[must_use]
    pub fn is_active(&self) -> bool {
        matches!(self.status, MetaStatus::Active { .. })
    }
}

/// Approvals needed among `n` active meta nodes: ⌊2n/3⌋ + 1.
#[must_use]
pub fn approvals_needed(n: u32) -> u32 {
    2 * n / 3 + 1
}

/// The epoch a deposit returns after an unregister at `exit` of a node activated at
/// `activated`: max(exit + cooling, activated + lock + cooling) (seed §4.4).
#[must_use]
pub fn deposit_return_epoch(
    activated: Epoch,
    exit: Epoch,
    lock_epochs: u64,
    cooling_epochs: u64,
) -> Epoch {
    exit.plus(cooling_epochs).max(activated.plus(lock_epochs).plus(cooling_epochs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::EPOCHS_PER_DAY as DAY;

    #[test]
    fn seed_deposit_return_days() {
        // Seed §4.4: activate on day 1 (the year's start, t = 0); exit day 150 → back day 194;
        // exit day 190 → back day 204.
        let day = |d: u64| Epoch(d * DAY);
        assert_eq!(deposit_return_epoch(day(0), day(150), 180 * DAY, 14 * DAY), day(194));
        assert_eq!(deposit_return_epoch(day(0), day(190), 180 * DAY, 14 * DAY), day(204));
    }

    #[test]
    fn two_thirds_plus_one() {
        assert_eq!(approvals_needed(1), 1);
        assert_eq!(approvals_needed(3), 3);
        assert_eq!(approvals_needed(4), 3);
        assert_eq!(approvals_needed(10), 7);
    }
}
