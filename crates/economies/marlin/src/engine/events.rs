//! [`Event`]: what an accepted Marlin operation reports, one variant per operation, serialized
//! (serde, at the replay edge only) as an object whose `event` names the variant. Amounts are
//! exact decimal strings of POND or MPOND; accounts appear by name. Field meanings:
//! docs/economies/marlin.md.

use ergon_core::Amount;
use serde::Serialize;

use crate::engine::settings::Change;
use crate::engine::tokens::Token;
use crate::engine::units::ser;

/// An accepted operation's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)] // fields are documented in docs/economies/marlin.md
pub enum Event {
    Opened {
        account: String,
    },
    Transferred {
        token: Token,
        from: String,
        to: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
    },
    Whitelisted {
        account: String,
    },
    /// POND → MPOND.
    Bridged {
        account: String,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
    },
    RequestPlaced {
        account: String,
        day: u64,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        release_day: u64,
    },
    /// MPOND → POND.
    Converted {
        account: String,
        request_day: u64,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        converted: Amount,
        #[serde(serialize_with = "ser")]
        cap: Amount,
        #[serde(serialize_with = "ser")]
        mpond_balance: Amount,
    },
    RequestCancelled {
        account: String,
        request_day: u64,
        #[serde(serialize_with = "ser")]
        cancelled: Amount,
        #[serde(serialize_with = "ser")]
        amount: Amount,
    },
    SettingChanged {
        change: Change,
    },
    VotesDelegated {
        from: String,
        to: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        votes: Amount,
    },
    VotesUndelegated {
        from: String,
        to: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        votes: Amount,
    },
    Proposed {
        proposal: u64,
        proposer: String,
        voting_from_day: u64,
        voting_to_day: u64,
    },
    Voted {
        proposal: u64,
        voter: String,
        support: bool,
        #[serde(serialize_with = "ser")]
        weight: Amount,
    },
    Executed {
        proposal: u64,
        change: Option<Change>,
    },
    ClusterRegistered {
        operator: String,
        commission_percent: u8,
    },
    StashCreated {
        stash: u64,
        staker: String,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
        cluster: Option<String>,
    },
    StashDelegated {
        stash: u64,
        cluster: String,
    },
    RedelegationRequested {
        stash: u64,
        cluster: String,
        day: u64,
    },
    Redelegated {
        stash: u64,
        from: String,
        to: String,
    },
    RedelegationCancelled {
        stash: u64,
    },
    UndelegationCancelled {
        stash: u64,
        cluster: String,
    },
    StashAdded {
        stash: u64,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
    },
    StashUndelegated {
        stash: u64,
        cluster: String,
        withdrawable_day: u64,
    },
    StashWithdrawn {
        stash: u64,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
    },
    StashSplit {
        stash: u64,
        new_stash: u64,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
    },
    StashesMerged {
        into: u64,
        from: u64,
    },
    ReceiverRegistered {
        account: String,
    },
    /// deployed: receiver staking; `balance` is its stake after.
    ReceiverDeposited {
        receiver: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        balance: Amount,
    },
    ReceiverWithdrew {
        receiver: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        balance: Amount,
    },
    /// paper: a prepaid subscription.
    Subscribed {
        receiver: String,
        #[serde(serialize_with = "ser")]
        fee: Amount,
        months: u64,
        #[serde(serialize_with = "ser")]
        cost: Amount,
        last_month: u64,
    },
    Unsubscribed {
        receiver: String,
        #[serde(serialize_with = "ser")]
        refund: Amount,
    },
    /// paper: tickets given this epoch; `total` is the cluster's tickets this epoch.
    TicketsRelayed {
        receiver: String,
        cluster: String,
        tickets: u64,
        /// A JSON number while it fits 64 bits, else its decimal string.
        #[serde(serialize_with = "crate::engine::units::ser_count")]
        total: u128,
    },
    /// deployed: a receiver's tickets for a closed epoch.
    TicketsIssued {
        receiver: String,
        epoch: u64,
        #[serde(serialize_with = "ser")]
        share: Amount,
        credits: Vec<Credit>,
        #[serde(serialize_with = "ser")]
        undistributed: Amount,
    },
    RewardsClaimed {
        stash: u64,
        #[serde(serialize_with = "ser")]
        amount: Amount,
    },
    /// deployed: a cluster's accrued rewards claimed (`claimed`; all but one unit), its
    /// operator's commission paid and the rest (`delegators`) given to its accumulators
    /// (`unallocated` when nothing is delegated, kept in the rewards pool).
    RewardsUpdated {
        cluster: String,
        #[serde(serialize_with = "ser")]
        claimed: Amount,
        #[serde(serialize_with = "ser")]
        commission: Amount,
        #[serde(serialize_with = "ser")]
        delegators: Amount,
        #[serde(serialize_with = "ser")]
        unallocated: Amount,
    },
    /// A cluster's commission update requested, to be carried out from `day`.
    CommissionUpdateRequested {
        operator: String,
        commission_percent: u8,
        day: u64,
    },
    /// A cluster's commission changed.
    CommissionUpdated {
        operator: String,
        commission_percent: u8,
    },
    /// A cluster's unregistration requested, to be carried out from `day`.
    UnregisterRequested {
        operator: String,
        day: u64,
    },
    /// A cluster unregistered.
    ClusterUnregistered {
        operator: String,
    },
    /// paper: a staking pool opened.
    PoolCreated {
        pool: String,
        operator: String,
        commission_percent: u8,
    },
    /// paper: a member put tokens in a pool (its rewards so far paid first).
    PoolJoined {
        staker: String,
        pool: String,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
        #[serde(serialize_with = "ser")]
        rewards: Amount,
    },
    /// paper: a member took tokens out of a pool (its rewards so far paid first).
    PoolLeft {
        staker: String,
        pool: String,
        #[serde(serialize_with = "ser")]
        pond: Amount,
        #[serde(serialize_with = "ser")]
        mpond: Amount,
        #[serde(serialize_with = "ser")]
        rewards: Amount,
    },
    /// paper: a member's pool rewards paid.
    PoolRewardsClaimed {
        staker: String,
        pool: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
    },
    /// paper: a spam deposit posted by `owner` for `producer` (`fee` paid by the producer).
    DepositPosted {
        owner: String,
        producer: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        fee: Amount,
        #[serde(serialize_with = "ser")]
        deposit: Amount,
    },
    DepositWithdrawn {
        owner: String,
        producer: String,
        #[serde(serialize_with = "ser")]
        amount: Amount,
        #[serde(serialize_with = "ser")]
        deposit: Amount,
    },
    /// A message within quota and its attestation.
    MessageAttested {
        producer: String,
        attestation: u64,
        window: u64,
        #[serde(serialize_with = "ser")]
        start: Amount,
        #[serde(serialize_with = "ser")]
        end: Amount,
    },
    /// A message over quota, dropped.
    MessageDropped {
        producer: String,
        window: u64,
        size: u64,
        #[serde(serialize_with = "ser")]
        needed: Amount,
        #[serde(serialize_with = "ser")]
        deposit: Amount,
    },
    Slashed {
        producer: String,
        checker: String,
        #[serde(serialize_with = "ser")]
        slashed: Amount,
        #[serde(serialize_with = "ser")]
        to_checker: Amount,
        #[serde(serialize_with = "ser")]
        burned: Amount,
    },
}

/// One cluster's credit from a ticket issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credit {
    /// The cluster (its operator's name).
    pub cluster: String,
    /// Its tickets.
    pub tickets: u32,
    /// What it was credited.
    #[serde(serialize_with = "ser")]
    pub amount: Amount,
}
