//! mainnet: resource nodes registered with a deposit that is not yet effective, and the meta
//! nodes' updates of a node's effective deposit — stratos-chain `x/register`:
//! `RegisterResourceNode` takes the deposit and leaves the node suspended with no effective
//! tokens (nothing in S or L); `UpdateEffectiveDeposit` sets the effective tokens, at most the
//! deposit, and moves S and L by the difference. Each operation runs as one transaction over
//! the whole state. paper refuses both: the seed's node deposits and activates in one step
//! (`activate_node`).
//!
//! The effective deposit is what counts while the node is active: in S, in the Ozone limit it
//! added, in its task weight. Raised, S += ΔZ and L rises as for any deposit
//! (`IncreaseOzoneLimitByAddDeposit`); lowered, S −= ΔZ and L −= ΔZ / rate when L stays
//! ≥ ΔZ / rate (`IsUnbondable`), else neither moves and the ΔZ stays in S as no node's
//! effective deposit ([`crate::ozone::OzoneMarket::s_kept`]). A suspended node's deposit is out
//! of S: its effective deposit changes alone, and `reinstate` brings the new one back (the
//! chain also clears the suspension). A node registered at epoch `e` keeps `e` as its
//! activation epoch, from which its deposit lock runs (the chain's creation time).

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Error};

use crate::error::{Refusal, Result, StratosError};
use crate::nodes::{NodeIndex, NodeStatus, ResourceNode};
use crate::params::Profile;
use crate::resource::NodeKind;
use crate::{Stratos, mainnet};

/// What [`Stratos::update_effective_deposit`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EffectiveUpdate {
    /// The effective deposit before, wei.
    pub previous: Amount,
    /// Whether the node, registered without an effective deposit, became active now.
    pub activated: bool,
    /// The Ozone limit added, noz.
    pub limit_added: Amount,
    /// The Ozone limit taken away, noz.
    pub limit_removed: Amount,
    /// The node's task weight now.
    pub weight: u64,
}

impl Stratos {
    /// mainnet: account `owner` registers a resource node with a deposit of `z` wei (moved to
    /// the deposits) that is not yet effective, offering `capacity` noz of storage: it takes no
    /// tasks and adds nothing to S or L until the meta nodes set its effective deposit.
    pub fn register_node(
        &mut self,
        owner: AccountId,
        z: Amount,
        capacity: Amount,
    ) -> Result<NodeIndex> {
        atomic(self, |st| {
            if st.params.profile != Profile::Mainnet {
                return Err(Refusal::MainnetOnly("registering a node without activating it").into());
            }
            let count = st.nodes.resource_nodes().len();
            let has = st.nodes.node_of(owner).is_some();
            st.admit(NodeKind::Resource, owner, has, count, st.params.max_resource_nodes, z)?;
            st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), z)?;
            let i = st.nodes.add_resource(ResourceNode::registered(owner, z, capacity, st.epoch));
            st.sync_stake(owner)?;
            Ok(i)
        })
    }

    /// mainnet: the meta nodes set node `i`'s effective deposit to `effective` wei (positive,
    /// at most its deposit). A registered node becomes active with it (S and L rise by it); an
    /// active node's S and L move by the difference; a suspended node's effective deposit
    /// changes alone. See the module doc.
    pub fn update_effective_deposit(
        &mut self,
        i: NodeIndex,
        effective: Amount,
    ) -> Result<EffectiveUpdate> {
        atomic(self, |st| {
            let n = *st.node(i)?;
            if st.params.profile != Profile::Mainnet {
                return Err(Refusal::MainnetOnly("an effective deposit").into());
            }
            if !matches!(
                n.status,
                NodeStatus::Registered | NodeStatus::Active | NodeStatus::Suspended
            ) {
                return Err(Refusal::CannotSetEffective(i, n.status).into());
            }
            if effective.is_zero() {
                let (what, minimum) = ("effective deposit", Amount(1));
                return Err(Error::BelowMinimum { what, amount: effective, minimum }.into());
            }
            if effective > n.deposit {
                let deposit = n.deposit;
                return Err(StratosError::EffectiveAboveDeposit { node: i, effective, deposit });
            }
            let limit = st.market.l();
            match n.status {
                NodeStatus::Registered => {
                    let added = st.raise_effective(effective)?;
                    st.nodes.activate_registered(i, effective, added);
                }
                NodeStatus::Active if effective > n.effective => {
                    let added = st.raise_effective(effective.checked_sub(n.effective)?)?;
                    st.nodes.set_limit_added(i, n.limit_added.checked_add(added)?);
                }
                NodeStatus::Active if effective < n.effective => {
                    let rate = mainnet::deposit_rate(st.params.deposit_noz_rate);
                    st.market.lower_effective_mainnet(n.effective.checked_sub(effective)?, rate)?;
                    let removed = limit.checked_sub(st.market.l())?;
                    st.nodes.set_limit_added(i, n.limit_added.saturating_sub(removed));
                }
                _ => {} // suspended (out of S), or active and unchanged
            }
            st.nodes.set_effective(i, effective);
            st.sync_stake(n.owner)?;
            let after = st.market.l();
            Ok(EffectiveUpdate {
                previous: n.effective,
                activated: n.status == NodeStatus::Registered,
                limit_added: after.saturating_sub(limit),
                limit_removed: limit.saturating_sub(after),
                weight: st.nodes.resource(i).task_weight(Profile::Mainnet),
            })
        })
    }

    /// mainnet: `z` wei more of effective deposit: S += Z and L rises as for any deposit (the
    /// chain's `IncreaseOzoneLimitByAddDeposit`). Returns the limit added, noz.
    fn raise_effective(&mut self, z: Amount) -> Result<Amount> {
        let rate = self.params.deposit_noz_rate;
        let added = self.market.deposit_limit_delta(Profile::Mainnet, z, rate)?;
        self.market.raise_limit(added)?;
        self.market.add_deposit_term(z)?;
        Ok(added)
    }
}
