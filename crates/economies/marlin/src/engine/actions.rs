//! Every Marlin operation as an [`Action`] — the replay ops (docs/replay.md, "The Marlin
//! economy") — and [`apply`], the replay edge: it resolves names and decimal strings, calls the
//! one typed operation each action names ([`crate::tokens`], [`crate::bridge`],
//! [`crate::governance`], [`crate::stakes`], [`crate::relay`], [`crate::payout`]) and reports
//! an [`Event`].

use ergon_core::{Amount, Qty};
use serde::Deserialize;

use crate::engine::Marlin;
use crate::engine::error::Result;
use crate::engine::events::{Credit, Event};
use crate::engine::rewards::tickets::RECEIVER_TICKETS_PER_EPOCH;
use crate::engine::settings::Change;
use crate::engine::spam::{Sent, Slash};
use crate::engine::tokens::Token;
use crate::engine::units::{amount, given};

/// A Marlin operation. Amounts are decimal strings in token units; accounts are named.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // fields are documented in docs/replay.md
pub enum Action {
    /// Opens an account with no tokens.
    Open {
        account: String,
    },
    /// Moves POND or MPOND between accounts.
    Transfer {
        token: Token,
        from: String,
        to: String,
        amount: Qty,
    },
    /// Adds an account to the MPOND whitelist.
    Whitelist {
        account: String,
    },
    /// POND → MPOND: gives 10^6 × `mpond` POND for `mpond` MPOND.
    GetMpond {
        account: String,
        mpond: Qty,
    },
    /// Places an MPOND → POND request today.
    RequestConversion {
        account: String,
        amount: Qty,
    },
    /// Converts `amount` MPOND of the request placed on `request_day`.
    Convert {
        account: String,
        request_day: u64,
        amount: Qty,
    },
    /// paper: cancels `amount` (default: all that is unconverted) of a request.
    CancelRequest {
        account: String,
        request_day: u64,
        #[serde(default)]
        amount: Option<Qty>,
    },
    /// Governance's direct setters (the contracts' `onlyGovernance` functions).
    SetLiquidityBp {
        bp: u32,
    },
    SetLiquidityPeriod {
        days: u64,
    },
    SetWait {
        days: u64,
    },
    // A struct variant, so that a field given to it is refused as any unknown field.
    OpenTransfers {},
    /// Delegates `amount` MPOND of votes from `from` to `to`.
    DelegateVotes {
        from: String,
        to: String,
        amount: Qty,
    },
    /// Takes back delegated votes.
    UndelegateVotes {
        from: String,
        to: String,
        amount: Qty,
    },
    /// A proposal, optionally carrying a settings change.
    Propose {
        proposer: String,
        #[serde(default)]
        change: Option<Change>,
    },
    /// A vote for (`support` true) or against.
    CastVote {
        voter: String,
        proposal: u64,
        support: bool,
    },
    /// Executes a passed proposal.
    Execute {
        proposal: u64,
    },
    /// Registers a cluster run by `operator` (clusters are named by their operator).
    RegisterCluster {
        operator: String,
        commission_percent: u64,
    },
    /// Asks for the cluster's commission to change after `commission_lock_days`.
    RequestCommissionUpdate {
        operator: String,
        commission_percent: u64,
    },
    UpdateCommission {
        operator: String,
    },
    /// Asks for the cluster to be unregistered after `unregister_lock_days`.
    RequestUnregister {
        operator: String,
    },
    Unregister {
        operator: String,
    },
    /// A stash of the staker's POND and MPOND, delegated to `cluster` when given.
    CreateStash {
        staker: String,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
        #[serde(default)]
        cluster: Option<String>,
    },
    DelegateStash {
        staker: String,
        stash: u64,
        cluster: String,
    },
    RequestRedelegation {
        staker: String,
        stash: u64,
        cluster: String,
    },
    Redelegate {
        staker: String,
        stash: u64,
    },
    CancelRedelegation {
        staker: String,
        stash: u64,
    },
    CancelUndelegation {
        staker: String,
        stash: u64,
    },
    UndelegateStash {
        staker: String,
        stash: u64,
    },
    WithdrawStash {
        staker: String,
        stash: u64,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
    },
    SplitStash {
        staker: String,
        stash: u64,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
    },
    AddToStash {
        staker: String,
        stash: u64,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
    },
    MergeStashes {
        staker: String,
        into: u64,
        from: u64,
    },
    /// Pays a stash's rewards so far to its staker.
    ClaimRewards {
        staker: String,
        stash: u64,
    },
    /// deployed: anyone brings a cluster's accrued ticket rewards into its accumulators now, at
    /// its commission in force (`RewardDelegators._updateRewards`, a public function).
    UpdateRewards {
        cluster: String,
    },
    /// paper: opens `account` for a staking pool run by `operator`.
    CreatePool {
        operator: String,
        account: String,
        commission_percent: u64,
    },
    /// paper: puts the staker's POND and MPOND in a pool.
    JoinPool {
        staker: String,
        pool: String,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
    },
    /// paper: takes what the staker put in a pool out of it.
    LeavePool {
        staker: String,
        pool: String,
        #[serde(default)]
        pond: Option<Qty>,
        #[serde(default)]
        mpond: Option<Qty>,
    },
    /// paper: pays a member's rewards so far.
    ClaimPoolRewards {
        staker: String,
        pool: String,
    },
    RegisterReceiver {
        account: String,
    },
    /// deployed: stakes POND for a receiver.
    ReceiverDeposit {
        receiver: String,
        amount: Qty,
    },
    ReceiverWithdraw {
        receiver: String,
        amount: Qty,
    },
    /// paper: prepays `months` months at `fee` POND a month.
    Subscribe {
        receiver: String,
        fee: Qty,
        months: u64,
    },
    Unsubscribe {
        receiver: String,
    },
    /// paper: gives `tickets` tickets to `cluster` this epoch.
    RelayTickets {
        receiver: String,
        cluster: String,
        tickets: u64,
    },
    /// deployed: tickets for the closed `epoch`, the first n − 1 selected clusters' counts.
    IssueTickets {
        receiver: String,
        epoch: u64,
        tickets: Vec<u16>,
    },
    /// paper: `owner` (default: the producer) posts a spam deposit for `producer` for `fee`.
    SpamDeposit {
        producer: String,
        #[serde(default)]
        owner: Option<String>,
        amount: Qty,
        #[serde(default)]
        fee: Option<Qty>,
    },
    SpamWithdraw {
        producer: String,
        #[serde(default)]
        owner: Option<String>,
        amount: Qty,
    },
    /// paper: a message of `size` bytes at `second` of today; `offset` (POND) names its range.
    SendMessage {
        producer: String,
        second: u64,
        size: u64,
        #[serde(default)]
        offset: Option<Qty>,
    },
    ProveSpam {
        checker: String,
        a: u64,
        b: u64,
    },
    ReportSpam {
        checker: String,
        attestation: u64,
    },
}

/// Applies `action` to `m` and reports its event.
pub fn apply(m: &mut Marlin, action: &Action) -> Result<Event> {
    Ok(match action {
        Action::Open { account } => {
            m.open_account(account)?;
            Event::Opened { account: account.clone() }
        }
        Action::Transfer { token, from, to, amount: q } => {
            let (f, t, a) = (m.account(from)?, m.account(to)?, amount(*token, "amount", q)?);
            m.transfer(*token, f, t, a)?;
            Event::Transferred { token: *token, from: from.clone(), to: to.clone(), amount: a }
        }
        Action::Whitelist { account } => {
            let a = m.account(account)?;
            m.whitelist(a);
            Event::Whitelisted { account: account.clone() }
        }
        Action::GetMpond { account, mpond } => {
            let (a, x) = (m.account(account)?, amount(Token::Mpond, "mpond", mpond)?);
            let pond = m.get_mpond(a, x)?;
            Event::Bridged { account: account.clone(), pond, mpond: x }
        }
        Action::RequestConversion { account, amount: q } => {
            let (a, x) = (m.account(account)?, amount(Token::Mpond, "amount", q)?);
            let release_day = m.request_conversion(a, x)?;
            Event::RequestPlaced { account: account.clone(), day: m.day(), amount: x, release_day }
        }
        Action::Convert { account, request_day, amount: q } => {
            let (a, x) = (m.account(account)?, amount(Token::Mpond, "amount", q)?);
            let c = m.convert(a, *request_day, x)?;
            Event::Converted {
                account: account.clone(),
                request_day: *request_day,
                mpond: x,
                pond: c.pond,
                converted: c.request.converted,
                cap: c.cap,
                mpond_balance: m.mpond_balance(a),
            }
        }
        Action::CancelRequest { account, request_day, amount: q } => {
            let a = m.account(account)?;
            let x = given(Token::Mpond, "amount", q.as_ref())?;
            let (req, cancelled) = m.cancel_request(a, *request_day, x)?;
            Event::RequestCancelled {
                account: account.clone(),
                request_day: *request_day,
                cancelled,
                amount: req.amount,
            }
        }
        Action::SetLiquidityBp { bp } => change(m, Change::LiquidityBp(*bp))?,
        Action::SetLiquidityPeriod { days } => change(m, Change::LiquidityPeriodDays(*days))?,
        Action::SetWait { days } => change(m, Change::WaitDays(*days))?,
        Action::OpenTransfers {} => change(m, Change::OpenTransfers)?,
        Action::DelegateVotes { from, to, amount: q } => {
            let (f, t, x) = (m.account(from)?, m.account(to)?, amount(Token::Mpond, "amount", q)?);
            let votes = m.delegate_votes(f, t, x)?;
            Event::VotesDelegated { from: from.clone(), to: to.clone(), amount: x, votes }
        }
        Action::UndelegateVotes { from, to, amount: q } => {
            let (f, t, x) = (m.account(from)?, m.account(to)?, amount(Token::Mpond, "amount", q)?);
            let votes = m.undelegate_votes(f, t, x)?;
            Event::VotesUndelegated { from: from.clone(), to: to.clone(), amount: x, votes }
        }
        Action::Propose { proposer, change } => {
            let p = m.account(proposer)?;
            let id = m.propose(p, *change)?;
            let end = m.governance().proposals()[id as usize].end_day;
            Event::Proposed {
                proposal: id,
                proposer: proposer.clone(),
                voting_from_day: m.day() + 1,
                voting_to_day: end,
            }
        }
        Action::CastVote { voter, proposal, support } => {
            let v = m.account(voter)?;
            let weight = m.cast_vote(v, *proposal, *support)?;
            Event::Voted { proposal: *proposal, voter: voter.clone(), support: *support, weight }
        }
        Action::Execute { proposal } => {
            let change = m.execute(*proposal)?;
            Event::Executed { proposal: *proposal, change }
        }
        other => relay_action(m, other)?,
    })
}

/// An optional quantity of `token` read as [`given`]; zero when not given.
pub(crate) fn opt(token: Token, field: &str, q: Option<&Qty>) -> Result<Amount> {
    Ok(given(token, field, q)?.unwrap_or_default())
}

/// The receivers' and rewards' actions.
fn relay_action(m: &mut Marlin, action: &Action) -> Result<Event> {
    Ok(match action {
        Action::RegisterReceiver { account } => {
            let a = m.account(account)?;
            m.register_receiver(a)?;
            Event::ReceiverRegistered { account: account.clone() }
        }
        Action::ReceiverDeposit { receiver, amount: q } => {
            let (a, x) = (m.account(receiver)?, amount(Token::Pond, "amount", q)?);
            let balance = m.receiver_deposit(a, x)?;
            Event::ReceiverDeposited { receiver: receiver.clone(), amount: x, balance }
        }
        Action::ReceiverWithdraw { receiver, amount: q } => {
            let (a, x) = (m.account(receiver)?, amount(Token::Pond, "amount", q)?);
            let balance = m.receiver_withdraw(a, x)?;
            Event::ReceiverWithdrew { receiver: receiver.clone(), amount: x, balance }
        }
        Action::Subscribe { receiver, fee, months } => {
            let (a, f) = (m.account(receiver)?, amount(Token::Pond, "fee", fee)?);
            let (cost, last_month) = m.subscribe(a, f, *months)?;
            Event::Subscribed {
                receiver: receiver.clone(),
                fee: f,
                months: *months,
                cost,
                last_month,
            }
        }
        Action::Unsubscribe { receiver } => {
            let a = m.account(receiver)?;
            let refund = m.unsubscribe(a)?;
            Event::Unsubscribed { receiver: receiver.clone(), refund }
        }
        Action::RelayTickets { receiver, cluster, tickets } => {
            let (a, c) = (m.account(receiver)?, m.cluster(m.account(cluster)?)?);
            let total = m.relay_tickets(a, c, Amount(u128::from(*tickets)))?;
            Event::TicketsRelayed {
                receiver: receiver.clone(),
                cluster: cluster.clone(),
                tickets: *tickets,
                total: total.0,
            }
        }
        Action::IssueTickets { receiver, epoch, tickets } => {
            let a = m.account(receiver)?;
            let issued = m.issue_tickets(a, *epoch, tickets)?;
            let ids = m.relay().selected(*epoch).map(|s| s.ids().to_vec()).unwrap_or_default();
            let named: u32 = ids
                .len()
                .checked_sub(1)
                .map_or(0, |k| tickets[..k].iter().map(|&t| u32::from(t)).sum());
            let credits = ids
                .iter()
                .enumerate()
                .map(|(i, &c)| Credit {
                    cluster: m.name(m.stakes().clusters()[c as usize].operator).to_owned(),
                    tickets: if i + 1 == ids.len() {
                        RECEIVER_TICKETS_PER_EPOCH - named
                    } else {
                        u32::from(tickets[i])
                    },
                    amount: issued.credits[i],
                })
                .collect();
            Event::TicketsIssued {
                receiver: receiver.clone(),
                epoch: *epoch,
                share: issued.share,
                credits,
                undistributed: issued.undistributed,
            }
        }
        other => spam_action(m, other)?,
    })
}

/// The spam actions.
fn spam_action(m: &mut Marlin, action: &Action) -> Result<Event> {
    let slashed = |m: &Marlin, checker: &str, s: Slash| Event::Slashed {
        producer: m.name(s.producer).to_owned(),
        checker: checker.to_owned(),
        slashed: s.slashed,
        to_checker: s.to_checker,
        burned: s.burned,
    };
    Ok(match action {
        Action::SpamDeposit { producer, owner, amount: q, fee } => {
            let owner = owner.as_ref().unwrap_or(producer);
            let (p, o) = (m.account(producer)?, m.account(owner)?);
            let (x, f) =
                (amount(Token::Pond, "amount", q)?, opt(Token::Pond, "fee", fee.as_ref())?);
            let deposit = m.spam_deposit(o, p, x, f)?;
            Event::DepositPosted {
                owner: owner.clone(),
                producer: producer.clone(),
                amount: x,
                fee: f,
                deposit,
            }
        }
        Action::SpamWithdraw { producer, owner, amount: q } => {
            let owner = owner.as_ref().unwrap_or(producer);
            let (p, o, x) =
                (m.account(producer)?, m.account(owner)?, amount(Token::Pond, "amount", q)?);
            let deposit = m.spam_withdraw(o, p, x)?;
            Event::DepositWithdrawn {
                owner: owner.clone(),
                producer: producer.clone(),
                amount: x,
                deposit,
            }
        }
        Action::SendMessage { producer, second, size, offset } => {
            let p = m.account(producer)?;
            let off = given(Token::Pond, "offset", offset.as_ref())?;
            match m.send_message(p, *second, *size, off)? {
                Sent::Attested(id, a) => Event::MessageAttested {
                    producer: producer.clone(),
                    attestation: id,
                    window: a.window,
                    start: a.start,
                    end: a.end,
                },
                Sent::Dropped { window, needed, deposit } => Event::MessageDropped {
                    producer: producer.clone(),
                    window,
                    size: *size,
                    needed,
                    deposit,
                },
            }
        }
        Action::ProveSpam { checker, a, b } => {
            let c = m.account(checker)?;
            let s = m.prove_spam(c, *a, *b)?;
            slashed(m, checker, s)
        }
        Action::ReportSpam { checker, attestation } => {
            let c = m.account(checker)?;
            let s = m.report_spam(c, *attestation)?;
            slashed(m, checker, s)
        }
        other => m.apply_staking(other)?,
    })
}

fn change(m: &mut Marlin, c: Change) -> Result<Event> {
    m.set(c)?;
    Ok(Event::SettingChanged { change: c })
}

#[cfg(test)]
mod tests {
    use super::Action;

    /// `open_transfers` takes no field: one given is refused as unknown, as for every op (a
    /// unit variant let `{"op":"open_transfers","wait_days":36500}` pass, the field unread).
    #[test]
    fn open_transfers_refuses_a_field() {
        let read = |t: &str| serde_json::from_str::<Action>(t).map_err(|e| e.to_string());
        assert!(matches!(read(r#"{"op":"open_transfers"}"#), Ok(Action::OpenTransfers {})));
        let e = read(r#"{"op":"open_transfers","wait_days":36500}"#).unwrap_err();
        assert!(e.contains("unknown field `wait_days`"), "{e}");
    }
}
