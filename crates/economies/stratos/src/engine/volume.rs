//! mainnet: a volume report as the meta nodes send it (stratos-chain `x/pot` `MsgVolumeReport`:
//! each node's traffic of the epoch in noz). The chain settles what the report says — nothing
//! requires the traffic to have been bought with Ozone first — so the epoch closes settling
//! exactly the report's volumes, all of them ([`crate::epoch`], `close_with_report`): the
//! traffic pending from requests is neither settled nor dropped by it and waits for the next
//! close. The Ozone books count what reports settled apart ([`crate::ozone::OzoneMarket`]'s
//! `reported`): consumed + reported = pending + settled. paper refuses reports: the seed
//! settles only traffic users paid for ("no Ozone, no service"). An epoch may also end without
//! a report (mainnet): then nothing is minted, paid or matured.

use ergon_core::Amount;

use crate::Stratos;
use crate::epoch::{self, EpochReport};
use crate::error::{Refusal, Result};
use crate::nodes::{NodeIndex, NodeStatus};
use crate::params::Profile;

impl Stratos {
    /// mainnet: closes the epoch with a volume report of `volumes` (node, noz): each node named
    /// once, none exited, at least one. Returns the epoch's report (with `refused` when the
    /// chain would refuse the report: then nothing settles and the volumes are dropped).
    /// Refused as a whole, changing nothing, under paper, for an empty report, an exited or
    /// repeated node, or a total that would take L past 128 bits. A failure of the close itself
    /// is a bug, as for an epoch's end, returned as the error it met.
    pub fn volume_report(&mut self, volumes: &[(NodeIndex, Amount)]) -> Result<EpochReport> {
        if self.params.profile != Profile::Mainnet {
            return Err(Refusal::MainnetOnly("a volume report").into());
        }
        if volumes.is_empty() {
            return Err(Refusal::EmptyVolumeReport.into());
        }
        let mut y = Amount::ZERO;
        for &(i, v) in volumes {
            if self.node(i)?.status == NodeStatus::Exited {
                return Err(Refusal::ReportExited(i).into());
            }
            y = y.checked_add(v)?;
        }
        let mut ids: Vec<NodeIndex> = volumes.iter().map(|p| p.0).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            let kind = "node in a volume report";
            let name = self.node_name(w[0]).to_owned();
            return Err(ergon_core::Error::Duplicate { kind, name }.into());
        }
        self.market.l().checked_add(y)?;
        epoch::close_with_report(self, volumes)
    }

    /// mainnet: closes the epoch without a volume report — the chain mints and pays only
    /// through reports, and matures earlier rewards only when one is processed: nothing
    /// settles (the pending traffic carries), no reward is paid or matures, the total mined
    /// stays; gas fees, meta votes, deposit returns and unbonding run on time as in any close.
    /// Refused under paper (`not_allowed`: the seed closes every epoch with a settlement).
    pub fn end_epoch_without_report(&mut self) -> Result<EpochReport> {
        if self.params.profile != Profile::Mainnet {
            return Err(Refusal::MainnetOnly("an epoch without a volume report").into());
        }
        epoch::close_without_report(self)
    }
}
