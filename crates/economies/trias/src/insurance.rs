//! The insurance book: cover, claims and vulnerability reports (spec trias.md, "Insurance";
//! seed: executers "can convert partial rewards into insurance … The insurance also
//! compensates Leviatom nodes that get losses due to running potentially vulnerable Prometh
//! programs … Tokens of insurance contracts can be used as rewards for vulnerabilities'
//! finders").
//!
//! - [`cover_for`]: a premium `I` buys `20·I` of cover for 720 epochs, times the capital ratio
//!   `min(1, R / (10 % of outstanding))` taken before the premium's inflow (ratio 1 with no
//!   outstanding liability): `⌊20·I·10·R / O⌋` when `10·R < O`.
//! - Claims: a claim takes `min(loss, remaining cover)` at filing (the holder's policies,
//!   earliest expiry first) and joins the queue; each epoch's close pays the queue from at most
//!   50 % of the compensation reserve, pro rata `⌊c·B/Σc⌋` when over budget; the unpaid rest
//!   stays queued and a claim expires 30 epochs after filing.
//! - Outstanding liability = remaining cover of live policies + queued claims (running totals).
//! - Bounties: 20 / 8 / 2 / 0.5 % of the bounty reserve by severity, capped.
//!
//! Policies are columns by node (a short list each); the queue is a vector in filing order.

use ergon_core::{Amount, Rounding, mul_div};
use serde::{Deserialize, Serialize};

use crate::attest::NodeId;
use crate::error::Result;

/// Cover bought per unit of premium.
pub const COVER_MULTIPLE: u128 = 20;
/// Epochs a policy lasts.
pub const COVER_EPOCHS: u64 = 720;
/// The reserve that backs outstanding cover, basis points of it.
pub const BACKING_BP: u128 = 1000;
/// The most of the compensation reserve one epoch pays out, basis points.
pub const BUDGET_BP: u32 = 5000;
/// Epochs after filing a queued claim expires.
pub const CLAIM_EXPIRY: u64 = 30;
/// The genesis default of `claim_expiry`.
#[must_use]
pub fn default_expiry() -> u64 {
    CLAIM_EXPIRY
}

/// Epochs of the exposure window: a run exposes its node to reports in its own epoch and the
/// 719 after it, as long as a policy lasts.
pub const EXPOSURE_EPOCHS: u64 = 720;

/// Whether a run of program `p` in epoch `e` exposed its node to `p`'s reported vulnerability:
/// `e` within `[e_v − 719, e_v]` of the first report's epoch `e_v`, 720 epochs (spec
/// "Insurance": claims "within its exposure window").
#[must_use]
pub fn exposed(reported: &[Option<u64>], p: u32, e: u64) -> bool {
    reported.get(p as usize).copied().flatten().is_some_and(|r| e <= r && e + EXPOSURE_EPOCHS > r)
}

/// A vulnerability's severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 20 % of the bounty reserve, 500 Prometh points.
    Critical,
    /// 8 %, 150 points.
    High,
    /// 2 %, 50 points.
    Medium,
    /// 0.5 %, 10 points.
    Low,
}

impl Severity {
    /// The bounty, basis points of the bounty reserve.
    #[must_use]
    pub fn bounty_bp(self) -> u32 {
        match self {
            Severity::Critical => 2000,
            Severity::High => 800,
            Severity::Medium => 200,
            Severity::Low => 50,
        }
    }

    /// Prometh points for the validated report.
    #[must_use]
    pub fn points(self) -> u64 {
        match self {
            Severity::Critical => 500,
            Severity::High => 150,
            Severity::Medium => 50,
            Severity::Low => 10,
        }
    }
}

/// Cover bought by `premium` with compensation reserve `reserve` and outstanding `outstanding`.
pub fn cover_for(premium: Amount, reserve: Amount, outstanding: Amount) -> Result<Amount> {
    let over = ergon_core::Error::Overflow { op: "cover" };
    let full = premium.0.checked_mul(COVER_MULTIPLE).ok_or(over)?;
    if outstanding.0 == 0 {
        return Ok(Amount(full));
    }
    // ratio = R / (O·1000/10^4) = R·10/O, capped at 1: full when 10·R ≥ O, i.e. R ≥ ⌈O/10⌉
    // (no product that could overflow); below, 10·R < O fits.
    const PER_BACKING: u128 = 10_000 / BACKING_BP;
    const _: () = assert!(10_000 % BACKING_BP == 0);
    if reserve.0 >= outstanding.0.div_ceil(PER_BACKING) {
        return Ok(Amount(full));
    }
    Ok(Amount(mul_div(full, reserve.0 * PER_BACKING, outstanding.0, Rounding::Down)?))
}

/// One policy: cover left and the epoch it lapses (live while `epoch < expires`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Cover left.
    pub left: Amount,
    /// The first epoch it no longer covers.
    pub expires: u64,
    /// Vulnerability reports made before it was bought: it insures against the reports
    /// numbered from this one on ([`InsuranceBook::report`]).
    #[serde(default)]
    pub after: u64,
}

/// A queued claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The claimant.
    pub node: NodeId,
    /// Still owed.
    pub owed: Amount,
    /// The epoch it was filed.
    pub filed: u64,
}

/// Every policy and the claims queue, with running totals so the liability costs O(1).
///
/// A node keeps one policy per expiry epoch and reports made before it (purchases in one epoch
/// with no report between them merge), so at most 720 plus the epochs' reports. Policies not
/// live in the next epoch leave at each close, so every listed policy is live.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceBook {
    /// Policies by node, expiry ascending (a column).
    pub policies: Vec<Vec<Policy>>,
    /// The queue, in filing order.
    pub queue: Vec<Claim>,
    /// Σ cover left over every policy.
    live: u128,
    /// Σ owed over the queue.
    queued: u128,
    /// Vulnerability reports made so far.
    #[serde(default)]
    reports: u64,
}

impl InsuranceBook {
    /// Makes room for node `n`.
    pub fn grow(&mut self, n: usize) {
        if self.policies.len() < n {
            self.policies.resize_with(n, Vec::new);
        }
    }

    /// Live cover of `node`.
    #[must_use]
    pub fn cover(&self, node: NodeId) -> Amount {
        self.cover_before(node, u64::MAX)
    }

    /// Live cover of `node` from policies bought before report number `report`.
    #[must_use]
    pub fn cover_before(&self, node: NodeId, report: u64) -> Amount {
        let p = self.policies.get(node as usize).map_or(&[][..], |v| v.as_slice());
        Amount(p.iter().filter(|p| p.after <= report).map(|p| p.left.0).sum())
    }

    /// Vulnerability reports made so far.
    #[must_use]
    pub fn reports(&self) -> u64 {
        self.reports
    }

    /// Counts a vulnerability report; its number (0 for the first).
    pub fn report(&mut self) -> u64 {
        self.reports += 1;
        self.reports - 1
    }

    /// Outstanding liability: live cover plus queued claims.
    #[must_use]
    pub fn outstanding(&self) -> Amount {
        Amount(self.live + self.queued)
    }

    /// Claims queued, unpaid.
    #[must_use]
    pub fn queued(&self) -> Amount {
        Amount(self.queued)
    }

    /// Adds cover bought in `epoch` (live through `epoch + 719`) after `after` vulnerability
    /// reports: it insures against the reports numbered `after` and on.
    pub fn buy(&mut self, node: NodeId, cover: Amount, epoch: u64, after: u64) {
        self.grow(node as usize + 1);
        if cover.0 == 0 {
            return;
        }
        let expires = epoch + COVER_EPOCHS;
        let list = &mut self.policies[node as usize];
        match list.last_mut() {
            Some(p) if (p.expires, p.after) == (expires, after) => p.left.0 += cover.0,
            _ => list.push(Policy { left: cover, expires, after }),
        }
        self.live += cover.0;
    }

    /// Files a claim of `loss` on the vulnerability of report number `report`: takes
    /// `min(loss, cover)` from the policies bought before that report (earliest expiry first)
    /// and queues it; the amount queued.
    pub fn file(&mut self, node: NodeId, loss: Amount, epoch: u64, report: u64) -> Amount {
        self.grow(node as usize + 1);
        let mut want = loss.0;
        for p in self.policies[node as usize].iter_mut().filter(|p| p.after <= report) {
            let take = want.min(p.left.0);
            p.left.0 -= take;
            want -= take;
        }
        let owed = loss.0 - want;
        self.live -= owed;
        if owed > 0 {
            self.queue.push(Claim { node, owed: Amount(owed), filed: epoch });
            self.queued += owed;
        }
        Amount(owed)
    }

    /// At the close of `epoch`: drops the policies not live in the next epoch (and spent ones)
    /// and the claims filed `expiry` or more epochs before `epoch`; the claims dropped.
    pub fn expire(&mut self, epoch: u64, expiry: u64) -> Vec<Claim> {
        let mut lapsed = 0u128;
        for list in &mut self.policies {
            list.retain(|p| {
                let keep = epoch + 1 < p.expires && p.left.0 > 0;
                if !keep {
                    lapsed += p.left.0;
                }
                keep
            });
        }
        self.live -= lapsed;
        let (gone, keep): (Vec<Claim>, Vec<Claim>) =
            self.queue.iter().partition(|c| epoch >= c.filed.saturating_add(expiry));
        self.queue = keep;
        self.queued -= gone.iter().map(|c| c.owed.0).sum::<u128>();
        gone
    }

    /// Pays the queue from `budget`: all when it fits, else `⌊c·B/Σc⌋` each; returns the
    /// payments by queue position (claims fully paid leave the queue).
    pub fn pay(&mut self, budget: Amount) -> Result<Vec<(NodeId, Amount)>> {
        let owed = self.queued;
        let mut out = Vec::with_capacity(self.queue.len());
        for c in &mut self.queue {
            let x = if owed <= budget.0 {
                c.owed.0
            } else {
                mul_div(c.owed.0, budget.0, owed, Rounding::Down)?
            };
            c.owed.0 -= x;
            self.queued -= x;
            out.push((c.node, Amount(x)));
        }
        self.queue.retain(|c| c.owed.0 > 0);
        Ok(out)
    }

    /// Whether the running totals match the policies and the queue (a full recount).
    #[must_use]
    pub fn consistent(&self) -> bool {
        let live: u128 = self.policies.iter().flatten().map(|p| p.left.0).sum();
        let queued: u128 = self.queue.iter().map(|c| c.owed.0).sum();
        live == self.live && queued == self.queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_throttled_by_the_capital_ratio() {
        assert_eq!(cover_for(Amount(10), Amount(0), Amount(0)).expect("small"), Amount(200));
        // R = 7, O = 200: ratio 70/200 = 0.35 → 200·0.35 = 70.
        assert_eq!(cover_for(Amount(10), Amount(7), Amount(200)).expect("small"), Amount(70));
        // R = 30, O = 200: ratio 300/200 capped at 1.
        assert_eq!(cover_for(Amount(10), Amount(30), Amount(200)).expect("small"), Amount(200));
        // At the edge: 10·R = O is a ratio of 1; one unit less, 199/200 of it.
        assert_eq!(cover_for(Amount(10), Amount(20), Amount(200)).expect("edge"), Amount(200));
        assert_eq!(cover_for(Amount(10), Amount(20), Amount(201)).expect("edge"), Amount(199));
        // A reserve above 2^128/10^4 (where R·10^4 overflowed): the ratio still computed.
        let big = u128::MAX / 1_000;
        assert_eq!(cover_for(Amount(10), Amount(big), Amount(u128::MAX)).expect("big"), Amount(1));
        assert_eq!(cover_for(Amount(10), Amount(big), Amount(big)).expect("big"), Amount(200));
    }

    #[test]
    fn pro_rata_and_queue() {
        let mut b = InsuranceBook::default();
        b.buy(0, Amount(100), 0, 0);
        b.buy(1, Amount(50), 0, 0);
        assert_eq!(b.file(0, Amount(120), 1, 1), Amount(100));
        assert_eq!(b.file(1, Amount(20), 1, 1), Amount(20));
        // Budget 60 of 120 owed: 50, 10; 50 and 10 stay queued.
        assert_eq!(b.pay(Amount(60)).expect("small"), vec![(0, Amount(50)), (1, Amount(10))]);
        assert_eq!(b.outstanding(), Amount(30 + 60));
        assert!(b.consistent());
        assert_eq!(b.expire(31, CLAIM_EXPIRY).len(), 2);
        assert_eq!(b.outstanding(), Amount(30));
        // Bought in epoch 0: live through 719, gone at the close of 719.
        b.expire(718, CLAIM_EXPIRY);
        assert_eq!(b.outstanding(), Amount(30));
        b.expire(719, CLAIM_EXPIRY);
        assert_eq!(b.outstanding(), Amount(0));
        assert!(b.consistent());
    }

    /// A claim draws only on the cover bought before its report: purchases of one epoch merge
    /// only while no report falls between them.
    #[test]
    fn cover_bought_after_a_report_does_not_pay_its_claims() {
        let mut b = InsuranceBook::default();
        b.buy(0, Amount(100), 3, b.reports());
        assert_eq!(b.report(), 0);
        b.buy(0, Amount(80), 3, b.reports());
        b.buy(0, Amount(20), 3, b.reports());
        assert_eq!(b.policies[0].len(), 2);
        assert_eq!(
            (b.cover(0), b.cover_before(0, 0), b.cover_before(0, 1)),
            (Amount(200), Amount(100), Amount(200))
        );
        assert_eq!(b.file(0, Amount(130), 3, 0), Amount(100));
        assert_eq!(b.cover(0), Amount(100));
        assert_eq!(b.file(0, Amount(130), 3, 1), Amount(100));
        assert_eq!(b.cover(0), Amount(0));
        assert!(b.consistent());
    }

    /// The longest expiry never comes: filed + expiry saturates instead of wrapping below the
    /// epoch (a claim filed at 5 lapsed at its first close).
    #[test]
    fn the_longest_expiry_never_lapses() {
        let mut b = InsuranceBook::default();
        b.buy(0, Amount(100), 5, 0);
        assert_eq!(b.file(0, Amount(10), 5, 6), Amount(10));
        assert!(b.expire(5, u64::MAX).is_empty());
        assert!(b.expire(u64::MAX - 1, u64::MAX).is_empty());
    }
}
