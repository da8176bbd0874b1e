//! [`MarlinError`]: why Marlin refused an operation — one variant per reason, each with a stable
//! code ([`Coded::code`]) and the ids and amounts that explain it (spec marlin.md, "Tokens",
//! "Bridge"; the deployed contracts' `require`s).
//!
//! Variants carry ids and amounts, never text built at the refusal, so a refusal on the
//! simulation's path formats nothing. [`crate::Marlin::explain`] renders one with the accounts'
//! names for replay; `Display` alone shows account indexes.

use ergon_core::{AccountId, Amount, Coded};

use crate::engine::Marlin;
use crate::engine::units::fmt;

/// A refused Marlin operation. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarlinError {
    /// A core rule refused it (balances, amounts, caps); the core's code.
    #[error(transparent)]
    Core(#[from] ergon_core::Error),
    /// No account has this name.
    #[error("no account named {name:?}")]
    UnknownAccount {
        /// The name given.
        name: String,
    },
    /// A parameter outside its range (genesis or governance).
    #[error("parameter {name} = {value} is out of range")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value as given.
        value: String,
    },
    /// A parameter of the other profile's rules only (it would change nothing).
    #[error("parameter {name} is {theirs}'s: the {ours} rules have none")]
    OtherProfileParameter {
        /// The parameter.
        name: &'static str,
        /// The profile whose rules have it.
        theirs: &'static str,
        /// The profile of the genesis.
        ours: &'static str,
    },
    /// An amount of zero where the rules need a positive one.
    #[error("{what} must be more than zero")]
    ZeroAmount {
        /// What the amount is.
        what: &'static str,
    },
    /// MPOND moved between two accounts neither of which is whitelisted, before transfers open.
    #[error("MPOND transfers from account:{} to account:{} are closed (neither is whitelisted)", from.0, to.0)]
    TransfersClosed {
        /// Sender.
        from: AccountId,
        /// Receiver.
        to: AccountId,
    },
    /// MPOND delegated (its votes given away) is locked: the move needs more free MPOND.
    #[error("account:{} has {} free MPOND ({} delegated), needs {}", account.0, fmt(*free), fmt(*delegated), fmt(*needed))]
    MpondLocked {
        /// The account.
        account: AccountId,
        /// MPOND needed, base units.
        needed: Amount,
        /// Balance − delegated, base units.
        free: Amount,
        /// Delegated, base units.
        delegated: Amount,
    },
    /// A conversion request above balance + staked − already requested.
    #[error("account:{} may request at most {} MPOND, asked {}", account.0, fmt(*available), fmt(*amount))]
    RequestAboveAvailable {
        /// The account.
        account: AccountId,
        /// Requested, base units.
        amount: Amount,
        /// Balance + staked − in requests, base units.
        available: Amount,
    },
    /// `get_mpond` of MPOND whose POND (10^6 a base unit) passes 2^128 − 1 base units: more
    /// than any account holds (`Bridge.getMpond`'s uint256 product does not overflow; its POND
    /// transfer reverts). The core's `insufficient_balance`, its need said in words.
    #[error("account:{} holds {} base units of POND, needs more than 2^128 − 1 base units", account.0, available.0)]
    PondPastBits {
        /// The account.
        account: AccountId,
        /// Its POND, base units.
        available: Amount,
    },
    /// A second request on the same day (the contract's "one request per epoch").
    #[error("account:{} already placed a request on day {day}", account.0)]
    OneRequestPerDay {
        /// The account.
        account: AccountId,
        /// The day.
        day: u64,
    },
    /// Too many open requests for one account.
    #[error("account:{} holds {open} open requests, the most allowed", account.0)]
    TooManyRequests {
        /// The account.
        account: AccountId,
        /// Requests open.
        open: u32,
    },
    /// No request of this account was placed on this day.
    #[error("account:{} has no request placed on day {day}", account.0)]
    NoSuchRequest {
        /// The account.
        account: AccountId,
        /// The request's day.
        day: u64,
    },
    /// A conversion before the request's release.
    #[error("account:{}'s request of day {day} is released on day {release_day}; today is day {today}", account.0)]
    NotReleased {
        /// The account.
        account: AccountId,
        /// The request's day.
        day: u64,
        /// Its release day.
        release_day: u64,
        /// Today.
        today: u64,
    },
    /// A conversion above the request's cap: converted + amount > floor(P × min(k·L, 100%)).
    #[error("account:{}'s request of day {day}: converting {} would make {} of a cap of {} MPOND ({liquidity_bp} bp)", account.0, fmt(*amount), fmt(*total), fmt(*cap))]
    AboveConvertible {
        /// The account.
        account: AccountId,
        /// The request's day.
        day: u64,
        /// Asked, base units.
        amount: Amount,
        /// Converted + asked, base units.
        total: Amount,
        /// The cap now, base units.
        cap: Amount,
        /// Effective liquidity now, basis points.
        liquidity_bp: u32,
    },
    /// A cancellation of more than the request has left unconverted (of anything, when it is
    /// wholly converted: `left` 0).
    #[error("account:{}'s request of day {day} has {} MPOND unconverted, {}", account.0, fmt(*left), if left.is_zero() { "nothing to cancel".to_owned() } else { format!("cannot cancel {}", fmt(*amount)) })]
    CancelAboveLeft {
        /// The account.
        account: AccountId,
        /// The request's day.
        day: u64,
        /// Asked, base units.
        amount: Amount,
        /// Requested − converted, base units.
        left: Amount,
    },
    /// The operation does not exist under this profile (e.g. cancel: the deployed bridge has
    /// none).
    #[error("{op} is not part of the {profile} profile")]
    NotInProfile {
        /// The operation.
        op: &'static str,
        /// The profile.
        profile: &'static str,
    },
    /// Undelegating more votes than were delegated.
    #[error("account:{} delegated {} MPOND of votes to account:{}, cannot take back {}", from.0, fmt(*has), to.0, fmt(*amount))]
    DelegationTooSmall {
        /// The delegator.
        from: AccountId,
        /// The delegatee.
        to: AccountId,
        /// Delegated, base units.
        has: Amount,
        /// Asked, base units.
        amount: Amount,
    },
    /// The account runs no cluster.
    #[error("account:{} runs no cluster", operator.0)]
    UnknownCluster {
        /// The account named.
        operator: AccountId,
    },
    /// No cluster has this index.
    #[error("no cluster {cluster}")]
    NoCluster {
        /// The index given.
        cluster: u32,
    },
    /// No stash has this id.
    #[error("no stash {stash}")]
    UnknownStash {
        /// The id given.
        stash: u64,
    },
    /// The stash's state forbids the operation.
    #[error("stash {stash}: {state}")]
    StashState {
        /// The stash.
        stash: u64,
        /// Why.
        state: &'static str,
    },
    /// The stash's lock has not passed.
    #[error("stash {stash} is locked until day {until}; today is day {today}")]
    StashLocked {
        /// The stash.
        stash: u64,
        /// The first day it is free.
        until: u64,
        /// Today.
        today: u64,
    },
    /// No proposal has this id.
    #[error("no proposal {id}")]
    UnknownProposal {
        /// The id given.
        id: u64,
    },
    /// A proposer's votes do not exceed the threshold.
    #[error("account:{} has {} votes; proposing needs more than {}", account.0, fmt(*votes), fmt(*threshold))]
    BelowThreshold {
        /// The proposer.
        account: AccountId,
        /// Its votes, base units.
        votes: Amount,
        /// The threshold, base units.
        threshold: Amount,
    },
    /// deployed: a proposer whose latest proposal is still open (GovernorAlpha's `propose`:
    /// "one live proposal per proposer").
    #[error("account:{} already has proposal {id} open for votes", account.0)]
    ProposalLive {
        /// The proposer.
        account: AccountId,
        /// Its open proposal.
        id: u64,
    },
    /// A vote outside the proposal's voting days.
    #[error("proposal {id} takes votes from day {start} to day {end}; today is day {today}")]
    VotingClosed {
        /// The proposal.
        id: u64,
        /// First voting day.
        start: u64,
        /// Last voting day.
        end: u64,
        /// Today.
        today: u64,
    },
    /// A second vote of the same account on a proposal.
    #[error("account:{} already voted on proposal {id}", voter.0)]
    AlreadyVoted {
        /// The proposal.
        id: u64,
        /// The voter.
        voter: AccountId,
    },
    /// A reward rule refused it; the rewards module's code.
    #[error(transparent)]
    Rewards(#[from] crate::engine::rewards::RewardsError),
    /// The account is not a registered receiver.
    #[error("account:{} is not a receiver", account.0)]
    UnknownReceiver {
        /// The account.
        account: AccountId,
    },
    /// A subscription while one still runs.
    #[error("account:{} is subscribed until month {end_month}", account.0)]
    AlreadySubscribed {
        /// The receiver.
        account: AccountId,
        /// The last month paid.
        end_month: u64,
    },
    /// No subscription covers the current month.
    #[error("account:{} has no subscription covering month {month}", account.0)]
    NotSubscribed {
        /// The receiver.
        account: AccountId,
        /// The current month.
        month: u64,
    },
    /// Tickets for an epoch that has not closed.
    #[error("epoch {epoch} has not closed (today is day {today})")]
    EpochNotClosed {
        /// The epoch named.
        epoch: u64,
        /// Today.
        today: u64,
    },
    /// Tickets for an epoch at or before the last one the receiver issued for.
    #[error("account:{} already issued tickets for epoch {epoch} or a later one", account.0)]
    TicketsIssued {
        /// The receiver.
        account: AccountId,
        /// The epoch named.
        epoch: u64,
    },
    /// A spam deposit withdrawal while its producer's attestations may still be proven.
    #[error("account:{}'s deposit is locked until day {until}; today is day {today}", producer.0)]
    DepositLocked {
        /// The producer.
        producer: AccountId,
        /// The first day it may be withdrawn.
        until: u64,
        /// Today.
        today: u64,
    },
    /// A withdrawal above what the owner posted for the producer.
    #[error("account:{} posted {} POND for account:{}, cannot withdraw {}", owner.0, fmt(*has), producer.0, fmt(*amount))]
    DepositTooSmall {
        /// The producer.
        producer: AccountId,
        /// The owner.
        owner: AccountId,
        /// Posted, base units.
        has: Amount,
        /// Asked, base units.
        amount: Amount,
    },
    /// A message in a window before the producer's latest.
    #[error("account:{}'s message in window {window} is before its latest window {latest}", producer.0)]
    TimeBackwards {
        /// The producer.
        producer: AccountId,
        /// The message's window.
        window: u64,
        /// The latest window used.
        latest: u64,
    },
    /// No attestation kept with this id.
    #[error("no attestation {id} (unknown, past the proof period, or taken by a slash)")]
    UnknownAttestation {
        /// The id given.
        id: u64,
    },
    /// Two attestations that prove nothing.
    #[error("attestations {a} and {b} are not a proof: {why}")]
    NotAProof {
        /// First.
        a: u64,
        /// Second.
        b: u64,
        /// Why not.
        why: &'static str,
    },
    /// A producer with no deposit left.
    #[error("account:{} has no deposit to slash", producer.0)]
    NothingToSlash {
        /// The producer.
        producer: AccountId,
    },
    /// A delegation to, or a registry request of, a cluster that was unregistered.
    #[error("the cluster of account:{} is unregistered", operator.0)]
    ClusterUnregistered {
        /// The cluster's operator.
        operator: AccountId,
    },
    /// A cluster registry request refused: none pending, one pending already, or its wait
    /// not over.
    #[error("the cluster of account:{}: {what}", operator.0)]
    RegistryRequest {
        /// The cluster's operator.
        operator: AccountId,
        /// Why.
        what: String,
    },
    /// No staking pool has an account of this name.
    #[error("no staking pool named {name:?}")]
    UnknownPool {
        /// The name given.
        name: String,
    },
    /// A pool's account named where only stash operations (its operator's) may name it.
    #[error("{name:?} is a staking pool's account: only the stash operations name it")]
    PoolAccount {
        /// The account's name.
        name: String,
    },
    /// A pool or a member holds too little for a leave or a stake.
    #[error("{what}: {} {token}", fmt(*has))]
    PoolShort {
        /// Whose part: the member's, or what the pool holds free.
        what: &'static str,
        /// The token.
        token: &'static str,
        /// What it holds, base units.
        has: Amount,
    },
    /// An account with nothing in the pool.
    #[error("account:{} has nothing in pool {pool:?}", account.0)]
    NotAMember {
        /// The account.
        account: AccountId,
        /// The pool's name.
        pool: String,
    },
    /// An execution of a proposal that has not passed, is still open or was executed.
    #[error("proposal {id} cannot be executed: {state}")]
    NotExecutable {
        /// The proposal.
        id: u64,
        /// Its state.
        state: &'static str,
    },
}

impl Coded for MarlinError {
    fn code(&self) -> &'static str {
        match self {
            MarlinError::Core(e) => e.code(),
            MarlinError::UnknownAccount { .. } => "unknown_account",
            MarlinError::InvalidParameter { .. } | MarlinError::OtherProfileParameter { .. } => {
                "invalid_parameter"
            }
            MarlinError::ZeroAmount { .. } => "zero_amount",
            MarlinError::TransfersClosed { .. } => "transfers_closed",
            MarlinError::MpondLocked { .. } => "mpond_locked",
            MarlinError::RequestAboveAvailable { .. } => "request_above_available",
            MarlinError::PondPastBits { .. } => "insufficient_balance",
            MarlinError::OneRequestPerDay { .. } => "one_request_per_day",
            MarlinError::TooManyRequests { .. } => "limit_reached",
            MarlinError::NoSuchRequest { .. } => "unknown_request",
            MarlinError::NotReleased { .. } => "not_released",
            MarlinError::AboveConvertible { .. } => "above_convertible",
            MarlinError::CancelAboveLeft { .. } => "cancel_above_left",
            MarlinError::NotInProfile { .. } => "not_in_profile",
            MarlinError::DelegationTooSmall { .. } => "insufficient_delegation",
            MarlinError::UnknownCluster { .. } | MarlinError::NoCluster { .. } => "unknown_cluster",
            MarlinError::UnknownStash { .. } => "unknown_stash",
            MarlinError::StashState { .. } => "stash_state",
            MarlinError::StashLocked { .. } => "stash_locked",
            MarlinError::UnknownProposal { .. } => "unknown_proposal",
            MarlinError::BelowThreshold { .. } => "below_threshold",
            MarlinError::ProposalLive { .. } => "proposal_live",
            MarlinError::VotingClosed { .. } => "voting_closed",
            MarlinError::AlreadyVoted { .. } => "already_voted",
            MarlinError::NotExecutable { .. } => "not_executable",
            MarlinError::Rewards(e) => e.code(),
            MarlinError::UnknownReceiver { .. } => "unknown_receiver",
            MarlinError::AlreadySubscribed { .. } => "already_subscribed",
            MarlinError::NotSubscribed { .. } => "not_subscribed",
            MarlinError::EpochNotClosed { .. } => "epoch_not_closed",
            MarlinError::TicketsIssued { .. } => "tickets_issued",
            MarlinError::DepositLocked { .. } => "deposit_locked",
            MarlinError::DepositTooSmall { .. } => "insufficient_deposit",
            MarlinError::TimeBackwards { .. } => "time_backwards",
            MarlinError::UnknownAttestation { .. } => "unknown_attestation",
            MarlinError::NotAProof { .. } => "not_a_proof",
            MarlinError::NothingToSlash { .. } => "nothing_to_slash",
            MarlinError::UnknownPool { .. } => "unknown_pool",
            MarlinError::ClusterUnregistered { .. } => "cluster_unregistered",
            MarlinError::RegistryRequest { .. } => "registry_request",
            MarlinError::PoolAccount { .. } => "pool_account",
            MarlinError::PoolShort { .. } => "pool_short",
            MarlinError::NotAMember { .. } => "not_a_member",
        }
    }
}

impl Marlin {
    /// `e` for people: the message with each `account:N` replaced by the account's name
    /// (the core's messages included).
    #[must_use]
    pub fn explain(&self, e: &MarlinError) -> String {
        let text = e.to_string();
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find("account:") {
            out.push_str(&rest[..at]);
            let tail = &rest[at + "account:".len()..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            match tail[..digits].parse::<u32>() {
                Ok(i) if (i as usize) < self.names.len() => {
                    out.push_str(&format!("{:?}", self.name(AccountId(i))));
                }
                _ => out.push_str(&rest[at..at + "account:".len() + digits]),
            }
            rest = &tail[digits..];
        }
        out.push_str(rest);
        out
    }
}

/// A Marlin operation's result.
pub type Result<T, E = MarlinError> = std::result::Result<T, E>;
