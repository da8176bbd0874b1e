//! Receivers and their tickets, wired into the state (spec marlin.md, "Rewards"; seed 002,
//! "Rewards"; deployed: Marlin's `ReceiverStaking` and `ClusterRewards.issueTickets`).
//!
//! - Receivers register once. deployed: a receiver stakes POND (`receiver_stake` pool); its stake
//!   for an epoch is the minimum balance it held in the epoch ([`EpochMin`]), and the epoch's
//!   total is the sum of those minima. paper: a receiver subscribes to the fee pool for whole
//!   months, prepaying them (`fees` pool); unsubscribing refunds the months after the current one.
//! - Tickets. paper: during an epoch a subscribed receiver gives tickets to clusters; the epoch's
//!   close pays the subsidy by the day's ticket shares, and a month's close the fees by the
//!   month's, each modified by Cobb-Douglas (`payout`). deployed: after an
//!   epoch closed, a receiver issues its 65,536 tickets for it over the clusters selected for that
//!   epoch (`tickets::pay_receiver`); each credit is added to the cluster's accrued rewards and
//!   no token moves: the credits leave the `rewards` pool when the cluster's rewards are
//!   claimed (`payout`), and what the floors leave stays there.

use ergon_core::txn::{Keyed, Snapshot, Table};
use ergon_core::{AccountId, Amount, Holder};
use serde::{Deserialize, Serialize};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::Profile;
use crate::engine::rewards::delegators::{ClusterPool, Held, Position};
use crate::engine::rewards::pools::{FeePool, Subscription};
use crate::engine::rewards::selection::MAX_SELECT;
use crate::engine::rewards::tickets::{EpochMin, network_reward, pay_receiver};
use crate::engine::units::{de, ser};

/// The most receivers the economy holds.
pub const RECEIVERS_MAX: usize = 1_000_000;

/// One receiver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    /// deployed: its staked POND and the minima per epoch.
    pub stake: EpochMin,
    /// paper: its subscription to the fee pool.
    pub sub: Option<Subscription>,
    /// deployed: the last epoch it issued tickets for (tickets go in epoch order, once each).
    pub last_issued: Option<u64>,
}

/// deployed: how many epochs back the clusters' selections are kept for late tickets. The
/// selector keeps every epoch's (`clustersSelected`), so a receiver may issue for any closed
/// epoch it has not issued for; here the last 4,096 (about 11 years of daily epochs, memory
/// bounded over any number of epochs), older ones refused (`no_selected_clusters`).
pub const SELECTIONS_KEPT: u64 = 4096;

/// [`Relay::stake_past`]'s key for the total stake (a receiver's is its account id).
const TOTAL: u64 = u64::MAX;

/// What a stake change closes, by owner (a receiver's account or [`TOTAL`]): the epoch of the
/// last change and its `[minimum, end balance]`, when the change moves past it
/// ([`EpochMin::closing`]); and the first epoch the owner may still be asked for (a receiver
/// issues in epoch order: none up to its last issued).
type Closing = (u64, Option<(u64, [Amount; 2])>, u64);

/// deployed: the clusters selected for one epoch, in the order drawn (`ClusterSelector`'s).
#[serde_with::serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// How many.
    pub n: usize,
    /// Their ids (`[..n]`).
    #[serde_as(as = "[_; MAX_SELECT]")]
    pub clusters: [u32; MAX_SELECT],
}

impl Selection {
    /// The selected clusters.
    #[must_use]
    pub fn ids(&self) -> &[u32] {
        &self.clusters[..self.n]
    }
}

/// The reward books (base units of POND), for the conservation checks and the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardBooks {
    /// paper: the subsidy emitted (taken from the `rewards` pool for payouts).
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub subsidy_emitted: Amount,
    /// paper: the fees released by month closes.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub fees_released: Amount,
    /// paper: the part of released fees not paid (the Cobb-Douglas remainder and unallocated),
    /// held in the `fees` pool and paid with the next month's release.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub fee_carry: Amount,
    /// Commission paid to operators.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub commission: Amount,
    /// Paid to delegators.
    #[serde(serialize_with = "ser", deserialize_with = "de")]
    pub to_delegators: Amount,
}

/// Receivers, tickets, the pools' books and the clusters' reward accumulators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    pub(crate) receivers: Keyed<AccountId, Receiver>,
    /// deployed: the epoch's total receiver stake (sum of minima).
    pub(crate) total_stake: Snapshot<EpochMin>,
    /// deployed: the stakes' older epochs, by (receiver's account, or [`TOTAL`] for the total;
    /// the epoch of a change): `[its minimum, the balance at its end]`, for the last
    /// [`SELECTIONS_KEPT`] epochs and the latest change before them ([`Relay::stake_for`]).
    pub(crate) stake_past: Keyed<(u64, u64), [Amount; 2]>,
    /// paper: the POND subscription pool.
    pub(crate) fee_pool: Snapshot<FeePool>,
    pub(crate) books: Snapshot<RewardBooks>,
    /// paper: this epoch's tickets per cluster, by cluster index (zero: none; clusters past the
    /// end have none).
    pub(crate) tickets: Table<Amount>,
    /// paper: the clusters with tickets this epoch, in the order of their first tickets.
    pub(crate) ticketed: Table<u32>,
    /// paper: this month's tickets per cluster, by cluster index, as given.
    pub(crate) month_tickets: Table<Amount>,
    /// paper: the part of `month_tickets` given on days the cluster was not eligible at the
    /// close (unpaid, and out of the month's shares).
    pub(crate) month_unpaid: Table<Amount>,
    /// paper: the clusters with tickets in `month_tickets`, in the order of their first.
    pub(crate) month_ticketed: Table<u32>,
    /// deployed: the selection per epoch (the last few epochs).
    pub(crate) selected: Keyed<u64, Selection>,
    /// deployed: per cluster, ticket rewards accrued and not yet claimed.
    pub(crate) accrued: Keyed<u32, Amount>,
    /// Per cluster by index, the delegators' accumulators (clusters past the end hold the
    /// empty accumulators).
    pub(crate) pools: Table<ClusterPool<2>>,
    /// paper: per cluster by index, its payments not yet taken into its accumulators
    /// ([`Held`]; clusters past the end hold nothing).
    pub(crate) held: Table<Held>,
    /// Per staker and cluster (`payout::position_key`), the position of its stashes delegated
    /// there in the cluster's accumulators.
    pub(crate) positions: Keyed<u64, Position<2>>,
}

ergon_core::transactional!(Relay {
    receivers: Keyed<AccountId, Receiver>,
    total_stake: Snapshot<EpochMin>,
    stake_past: Keyed<(u64, u64), [Amount; 2]>,
    fee_pool: Snapshot<FeePool>,
    books: Snapshot<RewardBooks>,
    tickets: Table<Amount>,
    ticketed: Table<u32>,
    month_tickets: Table<Amount>,
    month_unpaid: Table<Amount>,
    month_ticketed: Table<u32>,
    selected: Keyed<u64, Selection>,
    accrued: Keyed<u32, Amount>,
    pools: Table<ClusterPool<2>>,
    held: Table<Held>,
    positions: Keyed<u64, Position<2>>,
});

impl Default for Relay {
    fn default() -> Relay {
        Relay {
            receivers: Keyed::new(),
            total_stake: Snapshot::new(EpochMin::default()),
            stake_past: Keyed::new(),
            fee_pool: Snapshot::new(FeePool::new(0)),
            books: Snapshot::new(RewardBooks::default()),
            tickets: Table::new(),
            ticketed: Table::new(),
            month_tickets: Table::new(),
            month_unpaid: Table::new(),
            month_ticketed: Table::new(),
            selected: Keyed::new(),
            accrued: Keyed::new(),
            pools: Table::new(),
            held: Table::new(),
            positions: Keyed::new(),
        }
    }
}

impl Relay {
    /// Keeps the epochs a stake change on `day` closes (`EpochMin::closing`, by owner) and
    /// drops each owner's entries that no issue can read any more: those before the
    /// selections kept or before the owner's first epoch still to issue, but the latest of
    /// them (its end balance was held after it).
    fn keep_past(&mut self, closing: [Closing; 2], day: u64) {
        for (whose, closed, first) in closing {
            let Some((epoch, kept)) = closed else { continue };
            let cutoff = day.saturating_sub(SELECTIONS_KEPT).max(first);
            self.stake_past.insert((whose, epoch), kept);
            // At most one entry a change: the loop removes one or none, but for a first call
            // after a long quiet stretch.
            while let Some(old) = self.older_than(whose, cutoff) {
                self.stake_past.remove(&old);
            }
        }
    }

    /// The earliest key of `whose` before `cutoff` when a later one is before it too.
    fn older_than(&self, whose: u64, cutoff: u64) -> Option<(u64, u64)> {
        let mut before = self.stake_past.range((whose, 0)..(whose, cutoff)).map(|(k, _)| *k);
        let first = before.next()?;
        before.next().map(|_| first)
    }

    /// The stake of `whose` for the closed `epoch`: `now` (its [`EpochMin`]) answers for the
    /// epoch of its last change and after; an older epoch is read from the kept changes — the
    /// minimum of a change's epoch, the balance at its end for the epochs after it — as the
    /// contract's snapshots answer any epoch. Errors: an epoch before every kept change
    /// ([`RewardsError::StakeHistoryGone`]).
    fn stake_for(&self, whose: u64, now: &EpochMin, epoch: u64) -> Result<Amount> {
        use crate::engine::rewards::RewardsError;
        match now.stake_at(epoch) {
            Err(RewardsError::StakeHistoryGone { recorded, .. }) => {
                let mut kept = self.stake_past.range((whose, 0)..=(whose, epoch));
                match kept.next_back() {
                    Some((&(_, e), &[min, end])) => Ok(if e == epoch { min } else { end }),
                    None => Err(RewardsError::StakeHistoryGone { epoch, recorded }.into()),
                }
            }
            other => Ok(other?),
        }
    }

    /// The reward books.
    #[must_use]
    pub fn books(&self) -> &RewardBooks {
        self.books.get()
    }

    /// paper: the fee pool.
    #[must_use]
    pub fn fee_pool(&self) -> &FeePool {
        self.fee_pool.get()
    }

    /// Receiver `a`.
    #[must_use]
    pub fn receiver(&self, a: AccountId) -> Option<&Receiver> {
        self.receivers.get(&a)
    }

    /// deployed: the clusters selected for `epoch` (a closed epoch or the next one): its own
    /// draw, or — an epoch nobody was drawn for — the latest earlier one
    /// (`ClusterSelector.getClusters`). Later epochs are not asked for (the chain reverts).
    #[must_use]
    pub fn selected(&self, epoch: u64) -> Option<&Selection> {
        self.selected.range(..=epoch).next_back().map(|(_, s)| s)
    }

    /// deployed: cluster `c`'s accrued ticket rewards.
    #[must_use]
    pub fn accrued(&self, c: u32) -> Amount {
        self.accrued.get(&c).copied().unwrap_or_default()
    }

    /// Cluster `c`'s accumulators.
    #[must_use]
    pub fn pool(&self, c: u32) -> ClusterPool<2> {
        self.pools.get(c as usize).copied().unwrap_or_default()
    }

    /// paper: cluster `c`'s tickets this epoch.
    #[must_use]
    pub fn tickets(&self, c: u32) -> Amount {
        self.tickets.get(c as usize).copied().unwrap_or_default()
    }

    /// paper: cluster `c`'s tickets this month that count for the fees: those given, less
    /// those of days it was not eligible at the close.
    #[must_use]
    pub fn month_tickets(&self, c: u32) -> Amount {
        let given = self.month_tickets.get(c as usize).copied().unwrap_or_default();
        let unpaid = self.month_unpaid.get(c as usize).copied().unwrap_or_default();
        given.saturating_sub(unpaid)
    }

    /// paper: forgets this epoch's tickets once its close has paid them, and this month's too
    /// after a month's close: in place outside a transaction (no allocation, nothing journaled),
    /// else journaled.
    pub(crate) fn clear_tickets(&mut self, month_closed: bool) {
        zero_listed(&mut self.tickets, &self.ticketed);
        self.ticketed.clear();
        if month_closed {
            zero_listed(&mut self.month_tickets, &self.month_ticketed);
            zero_listed(&mut self.month_unpaid, &self.month_ticketed);
            self.month_ticketed.clear();
        }
    }

    /// paper: marks the day's `t` tickets of cluster `c` unpaid for the month (it is not
    /// eligible at the close).
    pub(crate) fn month_unpaid_add(&mut self, c: u32, t: Amount) {
        // At most the month's tickets given, which fit.
        update_grown(&mut self.month_unpaid, c, |x| *x = Amount(x.0 + t.0));
    }

    /// paper: what cluster `c` holds for its accumulators ([`Held`]).
    #[must_use]
    pub fn held(&self, c: u32) -> Held {
        self.held.get(c as usize).copied().unwrap_or_default()
    }

    /// Changes what cluster `c` holds by `f` (journaled inside a transaction; the table grows to
    /// hold `c` first, as [`Relay::update_pool`]'s).
    pub(crate) fn update_held<R>(&mut self, c: u32, f: impl FnOnce(&mut Held) -> R) -> R {
        update_grown(&mut self.held, c, f)
    }

    /// Sets cluster `c`'s accumulators (journaled inside a transaction).
    pub(crate) fn set_pool(&mut self, c: u32, pool: ClusterPool<2>) {
        self.update_pool(c, |p| *p = pool);
    }

    /// Changes cluster `c`'s accumulators in place by `f` (journaled inside a transaction). The
    /// table grows to hold `c` first, whatever `f` returns: the close calls it inside its
    /// transaction, which a failure reverts whole.
    pub(crate) fn update_pool<R>(&mut self, c: u32, f: impl FnOnce(&mut ClusterPool<2>) -> R) -> R {
        update_grown(&mut self.pools, c, f)
    }
}

/// Zeroes the rows of `counts` that `listed` names (those it holds), in place outside a
/// transaction, journaled inside.
fn zero_listed(counts: &mut Table<Amount>, listed: &Table<u32>) {
    let n = counts.len();
    if counts.in_transaction() {
        for &c in listed.rows().iter().filter(|&&c| (c as usize) < n) {
            counts.update(c as usize, |t| *t = Amount::ZERO);
        }
    } else {
        let rows = counts.rows_mut();
        for &c in listed.rows().iter().filter(|&&c| (c as usize) < n) {
            rows[c as usize] = Amount::ZERO;
        }
    }
}

/// Changes row `c` of a table by cluster by `f` (journaled inside a transaction), the table
/// grown with empty rows to hold `c` first.
fn update_grown<T: Clone + Default, R>(t: &mut Table<T>, c: u32, f: impl FnOnce(&mut T) -> R) -> R {
    let i = c as usize;
    while t.len() <= i {
        t.push(T::default());
    }
    t.update(i, f)
}

/// What one deployed ticket issue paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The receiver's share of the network reward.
    pub share: Amount,
    /// What each selected cluster was credited, in selection order (`[..n]`).
    pub credits: [Amount; MAX_SELECT],
    /// How many clusters.
    pub n: usize,
    /// Left by the floors: stays in the `rewards` pool.
    pub undistributed: Amount,
}

/// The receivers' operations.
impl Marlin {
    pub(crate) fn profile_only(&self, want: Profile, op: &'static str) -> Result<()> {
        if self.params.profile != want {
            let profile = match self.params.profile {
                Profile::Paper => "paper",
                Profile::Deployed => "deployed",
            };
            return Err(MarlinError::NotInProfile { op, profile });
        }
        Ok(())
    }

    fn receiver_row(&self, a: AccountId) -> Result<Receiver> {
        self.relay.receivers.get(&a).copied().ok_or(MarlinError::UnknownReceiver { account: a })
    }

    /// Registers `a` as a receiver.
    pub fn register_receiver(&mut self, a: AccountId) -> Result<()> {
        if self.relay.receivers.contains_key(&a) {
            let name = self.name(a).to_owned();
            return Err(ergon_core::Error::Duplicate { kind: "receiver", name }.into());
        }
        if self.relay.receivers.len() >= RECEIVERS_MAX {
            return Err(MarlinError::Core(ergon_core::Error::LimitReached {
                what: "receivers".into(),
                limit: RECEIVERS_MAX as u64,
            }));
        }
        self.relay.receivers.insert(a, Receiver::default());
        Ok(())
    }

    /// deployed: stakes `x` POND for receiver `a` (its minimum this epoch does not rise). Zero
    /// moves nothing and succeeds, as `ReceiverStaking.deposit(0)` does.
    pub fn receiver_deposit(&mut self, a: AccountId, x: Amount) -> Result<Amount> {
        self.profile_only(Profile::Deployed, "receiver_deposit")?;
        let mut r = self.receiver_row(a)?;
        if x.is_zero() {
            return Ok(r.stake.balance());
        }
        let day = self.epoch.0;
        let mut total = *self.relay.total_stake.get();
        let first = r.last_issued.map_or(0, |l| l + 1);
        let closing =
            [(u64::from(a.0), r.stake.closing(day), first), (TOTAL, total.closing(day), 0)];
        r.stake.deposit(day, x)?;
        total.deposit(day, x)?;
        let (p, pool) = (self.pond, Holder::Pool(self.receiver_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(p, a.into(), pool, x)?;
            st.relay.receivers.insert(a, r);
            *st.relay.total_stake.get_mut() = total;
            st.relay.keep_past(closing, day);
            Ok(r.stake.balance())
        })
    }

    /// deployed: withdraws `x` staked POND of receiver `a`; its minimum this epoch (and the
    /// total's) drops to the new balance when below it. Zero moves nothing and succeeds, as
    /// `ReceiverStaking.withdraw(0)` does.
    pub fn receiver_withdraw(&mut self, a: AccountId, x: Amount) -> Result<Amount> {
        self.profile_only(Profile::Deployed, "receiver_withdraw")?;
        let mut r = self.receiver_row(a)?;
        if x.is_zero() {
            return Ok(r.stake.balance());
        }
        let day = self.epoch.0;
        let mut total = *self.relay.total_stake.get();
        let first = r.last_issued.map_or(0, |l| l + 1);
        let closing =
            [(u64::from(a.0), r.stake.closing(day), first), (TOTAL, total.closing(day), 0)];
        let drop = r.stake.withdraw(day, x)?;
        total.lower_total(day, x, drop)?;
        let (p, pool) = (self.pond, Holder::Pool(self.receiver_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(p, pool, a.into(), x)?;
            st.relay.receivers.insert(a, r);
            *st.relay.total_stake.get_mut() = total;
            st.relay.keep_past(closing, day);
            Ok(r.stake.balance())
        })
    }

    /// paper: the current subscription month.
    #[must_use]
    pub fn month(&self) -> u64 {
        self.epoch.0 / self.params.month_days
    }

    /// paper: subscribes receiver `a` for `months` from the current month at `fee` POND a
    /// month, prepaid into the `fees` pool. Returns (cost, last month).
    pub fn subscribe(&mut self, a: AccountId, fee: Amount, months: u64) -> Result<(Amount, u64)> {
        self.profile_only(Profile::Paper, "subscribe")?;
        let mut r = self.receiver_row(a)?;
        if let Some(s) = r.sub.filter(|s| s.end > self.month()) {
            return Err(MarlinError::AlreadySubscribed { account: a, end_month: s.end - 1 });
        }
        let mut pool = self.relay.fee_pool.get().clone();
        let (sub, cost) = pool.subscribe(fee, months)?;
        r.sub = Some(sub);
        let (p, fees) = (self.pond, Holder::Pool(self.fees_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(p, a.into(), fees, cost)?;
            st.relay.receivers.insert(a, r);
            *st.relay.fee_pool.get_mut() = pool;
            Ok((cost, sub.end - 1))
        })
    }

    /// paper: cancels receiver `a`'s subscription; refunds the months after the current one.
    pub fn unsubscribe(&mut self, a: AccountId) -> Result<Amount> {
        self.profile_only(Profile::Paper, "unsubscribe")?;
        let mut r = self.receiver_row(a)?;
        let Some(sub) = r.sub else {
            return Err(MarlinError::NotSubscribed { account: a, month: self.month() });
        };
        let mut pool = self.relay.fee_pool.get().clone();
        let (refund, left) = pool
            .unsubscribe(sub)
            .map_err(|_| MarlinError::NotSubscribed { account: a, month: self.month() })?;
        r.sub = Some(left);
        let (p, fees) = (self.pond, Holder::Pool(self.fees_pool));
        ergon_core::txn::atomic(self, |st| {
            st.ledger.transfer(p, fees, a.into(), refund)?;
            st.relay.receivers.insert(a, r);
            *st.relay.fee_pool.get_mut() = pool;
            Ok(refund)
        })
    }

    /// paper: receiver `a` (subscribed for the current month) gives `count` tickets to cluster
    /// `c` this epoch. Returns the cluster's tickets this epoch.
    pub fn relay_tickets(&mut self, a: AccountId, c: u32, count: Amount) -> Result<Amount> {
        self.profile_only(Profile::Paper, "relay_tickets")?;
        let r = self.receiver_row(a)?;
        let month = self.month();
        if !r.sub.is_some_and(|s| s.start <= month && month < s.end) {
            return Err(MarlinError::NotSubscribed { account: a, month });
        }
        if count.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "tickets" });
        }
        if c as usize >= self.stakes.clusters().len() {
            return Err(MarlinError::NoCluster { cluster: c });
        }
        let before = self.relay.tickets(c);
        let now = before.checked_add(count)?;
        let month_before = self.relay.month_tickets.get(c as usize).copied().unwrap_or_default();
        let month_now = month_before.checked_add(count)?;
        update_grown(&mut self.relay.tickets, c, |x| *x = now);
        if before.is_zero() {
            self.relay.ticketed.push(c);
        }
        update_grown(&mut self.relay.month_tickets, c, |x| *x = month_now);
        if month_before.is_zero() {
            self.relay.month_ticketed.push(c);
        }
        Ok(now)
    }

    /// deployed: receiver `a` issues its tickets for the closed `epoch` over the clusters
    /// selected for it (`tickets`: the first `n − 1`; the last gets `65536 − Σ`). Each credit
    /// adds to the cluster's accrued rewards; no token moves (`ClusterRewards` keeps a number:
    /// what the `rewards` pool cannot pay fails at the claim, not here).
    pub fn issue_tickets(&mut self, a: AccountId, epoch: u64, tickets: &[u16]) -> Result<Issued> {
        self.profile_only(Profile::Deployed, "issue_tickets")?;
        let mut r = self.receiver_row(a)?;
        if epoch >= self.epoch.0 {
            return Err(MarlinError::EpochNotClosed { epoch, today: self.epoch.0 });
        }
        if r.last_issued.is_some_and(|l| l >= epoch) {
            return Err(MarlinError::TicketsIssued { account: a, epoch });
        }
        let sel = self.relay.selected(epoch).copied().ok_or(MarlinError::Rewards(
            crate::engine::rewards::RewardsError::NoSelectedClusters,
        ))?;
        let stake = self.relay.stake_for(u64::from(a.0), &r.stake, epoch)?;
        let total = self.relay.stake_for(TOTAL, self.relay.total_stake.get(), epoch)?;
        let p = &self.params;
        let n_reward = network_reward(p.reward_per_epoch, p.network_weight, p.total_weight)?;
        let mut credits = [Amount::ZERO; MAX_SELECT];
        let pay = pay_receiver(n_reward, stake, total, tickets, &mut credits[..sel.n])?;
        r.last_issued = Some(epoch);
        ergon_core::txn::atomic(self, |st| {
            for (&c, &x) in sel.ids().iter().zip(&credits) {
                let now = st.relay.accrued(c).checked_add(x)?;
                st.relay.accrued.insert(c, now);
            }
            st.relay.receivers.insert(a, r);
            Ok(Issued { share: pay.share, credits, n: sel.n, undistributed: pay.undistributed })
        })
    }
}

#[cfg(test)]
mod tests;
