//! MPOND governance (spec marlin.md, "Tokens": 1 MPOND = 1 vote, delegable votes; seed 002,
//! "MPOND"; deployed: `MPond.sol`'s amount delegation with vote checkpoints and
//! `GovernorAlpha.sol`'s proposals).
//!
//! - MPOND in a staker's stashes votes for the staker (the stake manager delegates it back, as
//!   `Bridge.sol` reads with `getDelegates(stakingContract, staker)`).
//! - Votes are delegated by amount: `delegate_votes(from, to, x)` gives `to` x votes and locks x
//!   of `from`'s MPOND (it cannot be transferred or converted until undelegated). Self-delegation
//!   is how a holder votes with its own MPOND; MPOND nobody delegated carries no votes.
//! - Every change of an account's votes is checkpointed by day; a proposal made on day d counts
//!   each voter's votes at the end of day d (GovernorAlpha's `getPriorVotes` at the start block),
//!   so MPOND moved after the proposal cannot vote twice.
//! - Proposing needs votes > `proposal_threshold`; voting runs from day d + 1 to day
//!   d + `voting_period_days`; a proposal passes when for > against and for ≥ `quorum`, and once
//!   voting has ended anyone may execute it: its [`Change`] is applied to the live settings.

use ergon_core::txn::{Keyed, Table};
use ergon_core::{AccountId, Amount};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::Profile;
use crate::engine::settings::Change;

/// The most proposals the economy holds.
pub const PROPOSALS_MAX: usize = 100_000;

/// Amounts by account.
pub(crate) type Totals = Keyed<AccountId, Amount>;

/// A proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Who made it (left out of the JSON view).
    pub proposer: AccountId,
    /// The day it was made: votes count as at the end of this day.
    pub created_day: u64,
    /// Last voting day.
    pub end_day: u64,
    /// Votes for, base units.
    pub for_votes: Amount,
    /// Votes against, base units.
    pub against_votes: Amount,
    /// What it does when executed.
    pub change: Option<Change>,
    /// Whether it was executed.
    pub executed: bool,
}

/// `{created_day, end_day, for_votes, against_votes, change, executed}`; in a binary format (a
/// saved state) every field, the proposer first.
impl Serialize for Proposal {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let Proposal { proposer, created_day, end_day, for_votes, against_votes, change, executed } =
            *self;
        if !s.is_human_readable() {
            return (proposer, created_day, end_day, for_votes, against_votes, change, executed)
                .serialize(s);
        }
        let mut st = s.serialize_struct("Proposal", 6)?;
        st.serialize_field("created_day", &created_day)?;
        st.serialize_field("end_day", &end_day)?;
        st.serialize_field("for_votes", &for_votes)?;
        st.serialize_field("against_votes", &against_votes)?;
        st.serialize_field("change", &change)?;
        st.serialize_field("executed", &executed)?;
        st.end()
    }
}

/// Reads back a saved state only (the JSON form is a view).
impl<'de> Deserialize<'de> for Proposal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom("a proposal reads back from a saved state only"));
        }
        let (proposer, created_day, end_day, for_votes, against_votes, change, executed) =
            Deserialize::deserialize(d)?;
        Ok(Proposal { proposer, created_day, end_day, for_votes, against_votes, change, executed })
    }
}

/// Vote delegations, votes with their daily checkpoints, proposals and receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Governance {
    delegations: Keyed<(AccountId, AccountId), Amount>,
    delegated: Keyed<AccountId, Amount>,
    votes: Keyed<AccountId, Amount>,
    checkpoints: Keyed<(AccountId, u64), Amount>,
    proposals: Table<Proposal>,
    receipts: Keyed<(u64, AccountId), bool>,
}

ergon_core::transactional!(Governance {
    delegations: Keyed<(AccountId, AccountId), Amount>,
    delegated: Keyed<AccountId, Amount>,
    votes: Keyed<AccountId, Amount>,
    checkpoints: Keyed<(AccountId, u64), Amount>,
    proposals: Table<Proposal>,
    receipts: Keyed<(u64, AccountId), bool>,
});

impl Default for Governance {
    fn default() -> Governance {
        Governance {
            delegations: Keyed::new(),
            delegated: Keyed::new(),
            votes: Keyed::new(),
            checkpoints: Keyed::new(),
            proposals: Table::new(),
            receipts: Keyed::new(),
        }
    }
}

impl Governance {
    /// MPOND `a` has delegated (locked), base units.
    #[must_use]
    pub fn delegated(&self, a: AccountId) -> Amount {
        self.delegated.get(&a).copied().unwrap_or_default()
    }

    /// `a`'s votes now, base units.
    #[must_use]
    pub fn votes(&self, a: AccountId) -> Amount {
        self.votes.get(&a).copied().unwrap_or_default()
    }

    /// `a`'s votes at the end of `day` (its last checkpoint on or before it).
    #[must_use]
    pub fn votes_at(&self, a: AccountId, day: u64) -> Amount {
        self.checkpoints.range((a, 0)..=(a, day)).next_back().map_or(Amount::ZERO, |(_, v)| *v)
    }

    /// The delegations, (from, to) → amount.
    pub fn delegations(&self) -> impl Iterator<Item = (&(AccountId, AccountId), &Amount)> {
        self.delegations.iter()
    }

    /// The proposals, by id.
    #[must_use]
    pub fn proposals(&self) -> &[Proposal] {
        self.proposals.rows()
    }

    /// Per delegator, the total delegated, and per delegatee, the votes (for the checks).
    pub(crate) fn totals(&self) -> (&Totals, &Totals) {
        (&self.delegated, &self.votes)
    }

    /// Adds (`add`) or takes `x` votes of MPOND `a` staked (the stake manager delegates staked
    /// MPOND's votes back to its staker).
    pub(crate) fn stake_votes(
        &mut self,
        a: AccountId,
        x: Amount,
        add: bool,
        day: u64,
    ) -> Result<()> {
        let v = if add { self.votes(a).checked_add(x)? } else { self.votes(a).checked_sub(x)? };
        if !x.is_zero() {
            self.set_votes(a, v, day);
        }
        Ok(())
    }

    fn set_votes(&mut self, a: AccountId, v: Amount, day: u64) {
        self.votes.insert(a, v);
        self.checkpoints.insert((a, day), v);
    }
}

/// A proposal's state on a day. It passes with at least `quorum` votes for and — paper — more
/// for than against; deployed (Marlin's `GovernorAlpha.state`: defeated when
/// `3·forVotes ≤ 17·againstVotes`) more than 17/3 times as many for as against.
fn state(p: &Proposal, today: u64, quorum: Amount, profile: Profile) -> &'static str {
    // Votes are MPOND base units, at most the cap of 10^22: the products stay far below 2^128.
    let (f, a) = (p.for_votes.0, p.against_votes.0);
    let majority = match profile {
        Profile::Paper => f > a,
        Profile::Deployed => f.saturating_mul(3) > a.saturating_mul(17),
    };
    if p.executed {
        "executed"
    } else if today <= p.end_day {
        "active"
    } else if majority && p.for_votes >= quorum {
        "succeeded"
    } else {
        "defeated"
    }
}

/// The governance operations.
impl Marlin {
    /// A vote delegation or undelegation of zero: deployed moves nothing and returns `to`'s
    /// votes (`MPond.delegate(x, 0)` and `undelegate(x, 0)` succeed, `_moveDelegates` skipping a
    /// zero amount); paper refuses it (`zero_amount`).
    fn zero_votes(&self, to: AccountId) -> Result<Amount> {
        if self.params.profile == Profile::Deployed {
            Ok(self.gov.votes(to))
        } else {
            Err(MarlinError::ZeroAmount { what: "amount" })
        }
    }

    /// Delegates `amount` votes of `from`'s free MPOND to `to` (possibly itself), locking it.
    /// Returns `to`'s votes after.
    pub fn delegate_votes(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Amount,
    ) -> Result<Amount> {
        if amount.is_zero() {
            return self.zero_votes(to);
        }
        self.check_free_mpond(from, amount)?;
        let g = &self.gov;
        let pair =
            g.delegations.get(&(from, to)).copied().unwrap_or_default().checked_add(amount)?;
        let total = g.delegated(from).checked_add(amount)?;
        let votes = g.votes(to).checked_add(amount)?;
        let day = self.epoch.0;
        ergon_core::txn::atomic(self, |st| {
            st.gov.delegations.insert((from, to), pair);
            st.gov.delegated.insert(from, total);
            st.gov.set_votes(to, votes, day);
            Ok(votes)
        })
    }

    /// Takes back `amount` of the votes `from` delegated to `to`. Returns `to`'s votes after.
    pub fn undelegate_votes(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Amount,
    ) -> Result<Amount> {
        if amount.is_zero() {
            return self.zero_votes(to);
        }
        let g = &self.gov;
        let has = g.delegations.get(&(from, to)).copied().unwrap_or_default();
        if amount > has {
            return Err(MarlinError::DelegationTooSmall { from, to, has, amount });
        }
        let pair = has.checked_sub(amount)?;
        let total = g.delegated(from).checked_sub(amount)?;
        let votes = g.votes(to).checked_sub(amount)?;
        let day = self.epoch.0;
        ergon_core::txn::atomic(self, |st| {
            if pair.is_zero() {
                st.gov.delegations.remove(&(from, to));
            } else {
                st.gov.delegations.insert((from, to), pair);
            }
            st.gov.delegated.insert(from, total);
            st.gov.set_votes(to, votes, day);
            Ok(votes)
        })
    }

    /// Makes a proposal carrying `change`; returns its id.
    pub fn propose(&mut self, proposer: AccountId, change: Option<Change>) -> Result<u64> {
        let votes = self.gov.votes(proposer);
        let threshold = self.params.proposal_threshold;
        if votes <= threshold {
            return Err(MarlinError::BelowThreshold { account: proposer, votes, threshold });
        }
        if let Some(c) = change {
            crate::engine::settings::Settings::check(c)?;
        }
        if self.params.profile == Profile::Deployed && change.is_none() {
            // GovernorAlpha `propose`: "must provide actions", after the threshold's test.
            return Err(MarlinError::Core(ergon_core::Error::InvalidParameter {
                name: "change".into(),
                value: "none".into(),
                reason: "deployed: a proposal must carry a change (GovernorAlpha refuses one \
                         without actions)"
                    .into(),
            }));
        }
        if self.params.profile == Profile::Deployed {
            // The proposer's latest proposal must not be open (a backward scan: proposals are
            // few and a proposer's latest is usually recent).
            let rows = self.gov.proposals.rows();
            if let Some(id) = rows.iter().rposition(|p| p.proposer == proposer)
                && self.proposal_state(&rows[id]) == "active"
            {
                return Err(MarlinError::ProposalLive { account: proposer, id: id as u64 });
            }
        }
        if self.gov.proposals.len() >= PROPOSALS_MAX {
            return Err(MarlinError::Core(ergon_core::Error::LimitReached {
                what: "proposals".into(),
                limit: PROPOSALS_MAX as u64,
            }));
        }
        let day = self.epoch.0;
        let p = Proposal {
            proposer,
            created_day: day,
            end_day: day.saturating_add(self.params.voting_period_days),
            for_votes: Amount::ZERO,
            against_votes: Amount::ZERO,
            change,
            executed: false,
        };
        Ok(self.gov.proposals.push(p) as u64)
    }

    /// `voter` votes on proposal `id` with its votes at the end of the proposal's day. Returns
    /// the weight counted.
    pub fn cast_vote(&mut self, voter: AccountId, id: u64, support: bool) -> Result<Amount> {
        let i = usize::try_from(id).map_err(|_| MarlinError::UnknownProposal { id })?;
        let p = *self.gov.proposals.get(i).ok_or(MarlinError::UnknownProposal { id })?;
        let today = self.epoch.0;
        let start = p.created_day + 1;
        if today < start || today > p.end_day {
            return Err(MarlinError::VotingClosed { id, start, end: p.end_day, today });
        }
        if self.gov.receipts.contains_key(&(id, voter)) {
            return Err(MarlinError::AlreadyVoted { id, voter });
        }
        let weight = self.gov.votes_at(voter, p.created_day);
        let mut q = p;
        if support {
            q.for_votes = q.for_votes.checked_add(weight)?;
        } else {
            q.against_votes = q.against_votes.checked_add(weight)?;
        }
        ergon_core::txn::atomic(self, |st| {
            *st.gov.proposals.get_mut(i) = q;
            st.gov.receipts.insert((id, voter), support);
            Ok(weight)
        })
    }

    /// Executes a passed proposal once its voting has ended; returns its change.
    pub fn execute(&mut self, id: u64) -> Result<Option<Change>> {
        let i = usize::try_from(id).map_err(|_| MarlinError::UnknownProposal { id })?;
        let p = *self.gov.proposals.get(i).ok_or(MarlinError::UnknownProposal { id })?;
        let s = state(&p, self.epoch.0, self.params.quorum, self.params.profile);
        if s != "succeeded" {
            return Err(MarlinError::NotExecutable { id, state: s });
        }
        let mut settings = *self.settings.get();
        if let Some(c) = p.change {
            settings.apply(c)?;
        }
        ergon_core::txn::atomic(self, |st| {
            st.gov.proposals.get_mut(i).executed = true;
            *st.settings.get_mut() = settings;
            Ok(p.change)
        })
    }

    /// Proposal `p`'s state today (`active`, `succeeded`, `defeated`, `executed`).
    #[must_use]
    pub fn proposal_state(&self, p: &Proposal) -> &'static str {
        state(p, self.epoch.0, self.params.quorum, self.params.profile)
    }
}
