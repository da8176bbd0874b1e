//! Proof-of-Traffic settlement (seed §3.3): the nodes with pending traffic sorted by traffic
//! (descending, then node id), the shortest prefix reaching the threshold settles, the rest
//! carries to the next epoch. O(nodes with pending traffic · log).

use ergon_core::Amount;

use super::EpochReport;
use crate::Stratos;
use crate::error::StratosError;
use crate::nodes::NodeIndex;

/// The nodes with pending traffic and their traffic, noz, in settlement order.
pub(super) fn pending(st: &Stratos) -> Vec<(u32, u128)> {
    let nodes = &st.nodes;
    let mut pending: Vec<(u32, u128)> = (nodes.with_traffic().iter())
        .map(|&i| (i, nodes.resource(NodeIndex(i)).pending_traffic.0))
        .collect();
    pending.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    pending
}

/// The settled prefix: indices into `pending` (sorted by traffic descending, node id ascending)
/// of the shortest prefix whose traffic reaches `threshold_bps` of the total.
#[must_use]
pub fn settled_prefix(pending: &[(u32, u128)], threshold_bps: u32) -> usize {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let goal = total.saturating_mul(u128::from(threshold_bps));
    let mut cum = 0u128;
    for (k, p) in pending.iter().enumerate() {
        cum += p.1;
        // cum / total ≥ threshold / 10_000, in integers (exact below 3.4·10^34 noz).
        if cum.saturating_mul(10_000) >= goal {
            return k + 1;
        }
    }
    pending.len()
}

/// Settles the first `k` of `pending` (zeroes their pending traffic, adds it to their totals)
/// and carries the rest: the report's pending, settled and carried figures.
pub(super) fn settle(
    st: &mut Stratos,
    rep: &mut EpochReport,
    pending: &[(u32, u128)],
    k: usize,
) -> Result<(), StratosError> {
    let total: u128 = pending.iter().map(|p| p.1).sum();
    let settled = &pending[..k];
    let y = Amount(settled.iter().map(|p| p.1).sum());
    rep.pending = Amount(total);
    rep.settled = y;
    rep.carried = Amount(total - y.0);
    rep.settled_count = k;
    for &(i, t) in settled {
        st.nodes.settle(NodeIndex(i), Amount(t))?;
        if st.report_detail {
            rep.settled_nodes.push(st.node_name(NodeIndex(i)).to_owned());
        }
    }
    st.nodes.carry(pending[k..].iter().map(|p| p.0).collect());
    Ok(())
}
