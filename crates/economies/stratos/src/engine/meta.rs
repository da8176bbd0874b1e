//! The life of a meta node (seed §4): registration with a deposit, the foundation's approval
//! (paper) and the meta nodes' vote (⌊2n/3⌋ + 1 approvals within the voting period), kick
//! votes, the expiry of votes at an epoch's end, and (mainnet) an owner's unbonding of a
//! candidate or an active meta node.
//! Each operation takes ids and runs as one transaction over the whole state
//! ([`ergon_core::txn::atomic`]).
//!
//! A candidate whose voting period ends without the majority: paper refuses it at the epoch's
//! end and returns its deposit at once (seed §4.1). mainnet keeps it, its vote failed and its
//! deposit held, until its owner unbonds it (stratos-chain `x/register` `UnbondMetaNode` of a
//! node never bonded, whose vote has not passed); the deposit then returns when the unbonding
//! time from the candidate's creation has passed — `exit_cooling_epochs` (14 days) after its
//! registration, or at the next close when that time has already come (`calcUnbondingMatureTime`
//! of an unbonded node: creation + completion time). As on the chain, a candidate may also
//! unbond within its voting period; its vote ends then.

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Epoch, Holder};

use crate::Stratos;
use crate::error::{Refusal, Result, StratosError};
use crate::mainnet;
use crate::nodes::{MetaIndex, MetaNode, MetaStatus, approvals_needed, deposit_return_epoch};
use crate::params::Profile;
use crate::resource::NodeKind;

impl Stratos {
    /// The meta node of account `owner`, if it has one.
    #[must_use]
    pub fn meta_of(&self, owner: AccountId) -> Option<MetaIndex> {
        self.nodes.meta_of(owner)
    }

    /// Active meta nodes.
    #[must_use]
    pub fn active_meta_count(&self) -> u32 {
        self.nodes.active_meta().count() as u32
    }

    /// The last epoch a vote opened now counts in. paper: the `meta_vote_epochs` epochs from
    /// this one (seed: "within a 7-day voting period"; at least this one). mainnet: one more,
    /// as the chain's expiry time is the registration's plus the period, and a vote at that
    /// time still counts.
    fn vote_deadline(&self) -> Epoch {
        let period = self.params.meta_vote_epochs;
        match self.params.profile {
            Profile::Paper => self.epoch.plus(period.saturating_sub(1)),
            Profile::Mainnet => self.epoch.plus(period),
        }
    }

    /// The approvals of `vote` that count. paper: those of meta nodes still active (spec: "a
    /// vote of the existing meta nodes": a kicked node's approval no longer counts). mainnet:
    /// every approval given, as the chain's approve list keeps them.
    fn live_approvals(&self, vote: &crate::nodes::Vote) -> u32 {
        match self.params.profile {
            Profile::Paper => vote
                .approvals
                .iter()
                .filter(|&&v| self.nodes.meta(MetaIndex(v)).is_active())
                .count() as u32,
            Profile::Mainnet => vote.approvals.len() as u32,
        }
    }

    /// Meta node `m` when it is active.
    fn active(&self, m: MetaIndex) -> Result<MetaIndex> {
        if !self.nodes.meta(m).is_active() {
            return Err(Refusal::MetaNotActive(m).into());
        }
        Ok(m)
    }

    /// Account `owner` registers a meta-node candidate with a deposit of `z` wei. Returns the
    /// last epoch of its voting period.
    pub fn register_meta(&mut self, owner: AccountId, z: Amount) -> Result<Epoch> {
        atomic(self, |st| {
            let count = st.nodes.meta_nodes().len();
            let has = st.nodes.meta_of(owner).is_some();
            st.admit(NodeKind::Meta, owner, has, count, st.params.max_meta_nodes, z)?;
            st.ledger.transfer(st.stos, owner.into(), st.pools.deposits.into(), z)?;
            // paper: the deposit raises L as it is paid, at registration (spec "Deposit Z
            // (activation of a resource node, registration of a meta node)": L += L·Z/S);
            // mainnet at activation, as the chain.
            let mut limit_added = Amount::ZERO;
            if st.params.profile == Profile::Paper {
                let rate = st.params.deposit_noz_rate;
                limit_added = st.market.deposit_limit_delta(Profile::Paper, z, rate)?;
                st.market.raise_limit(limit_added)?;
            }
            let deadline = st.vote_deadline();
            let vote = crate::nodes::Vote { approvals: Default::default(), deadline };
            st.nodes.add_meta(MetaNode {
                owner,
                deposit: z,
                limit_added,
                activated: st.epoch,
                status: MetaStatus::Candidate { foundation_approved: false, vote },
                rewards_total: Amount::ZERO,
            });
            Ok(deadline)
        })
    }

    /// The foundation approves candidate `m`. Returns whether it became active. mainnet: the
    /// chain has no foundation step, so this changes nothing (a candidate is bonded only by the
    /// vote that reaches the majority, `HandleVoteForMetaNodeRegistration`).
    pub fn approve_meta(&mut self, m: MetaIndex) -> Result<bool> {
        atomic(self, |st| {
            if st.params.profile == Profile::Mainnet {
                return match st.nodes.meta(m).status {
                    MetaStatus::Candidate { .. } => Ok(false),
                    _ => Err(Refusal::NotCandidate(m).into()),
                };
            }
            if !st.nodes.approve(m) {
                return Err(Refusal::NotCandidate(m).into());
            }
            st.try_activate_meta(m)
        })
    }

    /// Meta node `voter` approves candidate `m` within its voting period. Returns whether the
    /// candidate became active. paper: the voter must be active, and a repeated approval
    /// changes nothing. mainnet, as the chain's `HandleVoteForMetaNodeRegistration`: a second
    /// vote of the same voter is refused (`ErrDuplicateVoting`), and the voter's own state is
    /// not checked — the handler sets `ErrNoActiveVoterMetaNodeFound` for an inactive voter but
    /// goes on and returns no error, so a candidate's or a kicked node's approval counts; a
    /// vote within the period on a candidate the vote has bonded already is recorded and
    /// changes nothing else (false; a genesis meta node has no registration vote).
    pub fn vote_meta(&mut self, voter: MetaIndex, m: MetaIndex) -> Result<bool> {
        atomic(self, |st| {
            let mainnet = st.params.profile == Profile::Mainnet;
            let v = if mainnet { voter } else { st.active(voter)? };
            let now = st.epoch;
            match st.nodes.vote(m, v, now) {
                None => return Err(Refusal::NotInVotingPeriod(m).into()),
                Some(false) if mainnet => return Err(Refusal::DuplicateVote(v, m).into()),
                Some(_) => {}
            }
            st.try_activate_meta(m)
        })
    }

    /// Meta node `voter` votes to kick active meta node `m`, itself included (the spec's kick
    /// "works the same way" as a registration, a vote of the existing meta nodes). paper: the
    /// voter must be active. Returns whether it was kicked.
    ///
    /// mainnet, as `HandleVoteForKickMetaNode`: a second vote of the same voter is refused
    /// (`ErrDuplicateVoting`); an inactive voter's vote is refused unless it is the one that
    /// completes the majority (the handler keeps `ErrNoActiveVoterMetaNodeFound` and returns it,
    /// reverting the vote, except where the kick's `UnbondMetaNode` overwrites it with its own
    /// result).
    pub fn vote_kick(&mut self, voter: MetaIndex, m: MetaIndex) -> Result<bool> {
        atomic(self, |st| {
            let mainnet = st.params.profile == Profile::Mainnet;
            let voter_active = st.nodes.meta(voter).is_active();
            if !mainnet && !voter_active {
                return Err(Refusal::MetaNotActive(voter).into());
            }
            let m = st.active(m)?;
            let deadline = st.vote_deadline();
            if !st.nodes.vote_kick(m, voter, deadline) && mainnet {
                return Err(Refusal::DuplicateVote(voter, m).into());
            }
            let kicked = st.try_kick_meta(m)?;
            if !kicked && !voter_active {
                return Err(Refusal::MetaNotActive(voter).into());
            }
            Ok(kicked)
        })
    }

    /// mainnet: the owner unbonds meta node `m`. A candidate (within its voting period or
    /// after it failed): its deposit returns when epoch max(registration + cooling-off,
    /// now + 1) begins, which is returned (see the module doc). An active meta node leaves as
    /// a kick removes it (the chain's `UnbondMetaNode` of a bonded node: refused when its
    /// deposit would take L below zero; S and L lowered; the deposit back under the deposit
    /// lock and cooling-off).
    pub fn unbond_meta(&mut self, m: MetaIndex) -> Result<Epoch> {
        atomic(self, |st| {
            if st.params.profile != Profile::Mainnet {
                return Err(Refusal::MainnetOnly("unbonding a meta node").into());
            }
            let meta = st.nodes.meta(m);
            if meta.is_active() {
                return st.remove_active_meta(m);
            }
            if !matches!(meta.status, MetaStatus::Candidate { .. }) {
                return Err(Refusal::MetaGone(m).into());
            }
            let (owner, deposit) = (meta.owner, meta.deposit);
            let created = meta.activated.plus(st.params.exit_cooling_epochs);
            let returns = created.max(st.epoch.plus(1));
            let pool = st.pools.deposits;
            st.deposit_returns.lock(&mut st.ledger, pool.into(), owner, deposit, returns, pool)?;
            st.nodes.meta_gone(m, returns);
            st.sync_stake(owner)?;
            Ok(returns)
        })
    }

    /// Activates candidate `m` when the vote passed within its voting period and, paper, the
    /// foundation approved it (spec: "Foundation verification (an approval flag)"; the chain
    /// has no such step: its vote alone bonds the candidate, `HandleVoteForMetaNodeRegistration`).
    fn try_activate_meta(&mut self, m: MetaIndex) -> Result<bool> {
        self.try_activate_meta_among(m, self.active_meta_count())
    }

    /// [`Self::try_activate_meta`] with `n` active meta nodes voting. paper: the seed's "all
    /// existing Meta Nodes" approve; with none (the last one kicked, or a genesis without any)
    /// none is needed, so the foundation's approval alone admits a candidate and the set can
    /// grow again. mainnet counts as the chain does.
    fn try_activate_meta_among(&mut self, m: MetaIndex, n: u32) -> Result<bool> {
        let needed =
            if n == 0 && self.params.profile == Profile::Paper { 0 } else { approvals_needed(n) };
        let MetaStatus::Candidate { foundation_approved, vote } = &self.nodes.meta(m).status else {
            return Ok(false);
        };
        let approved = *foundation_approved || self.params.profile == Profile::Mainnet;
        if !approved || self.live_approvals(vote) < needed || vote.deadline < self.epoch {
            return Ok(false);
        }
        let (profile, rate) = (self.params.profile, self.params.deposit_noz_rate);
        let z = self.nodes.meta(m).deposit;
        // The epoch its deposit's lock runs from: paper, its activation (seed §4.4), its
        // deposit having raised L at registration; mainnet, its registration (the chain's
        // `CreationTime`, which `UnbondMetaNode` counts from), L and S raised now.
        let mut since = self.epoch;
        let mut delta = self.nodes.meta(m).limit_added;
        if profile == Profile::Mainnet {
            delta = self.market.deposit_limit_delta(profile, z, rate)?;
            self.market.raise_limit(delta)?;
            self.market.add_deposit_term(z)?;
            since = self.nodes.meta(m).activated;
        }
        self.nodes.activate_meta(m, delta, since);
        self.sync_stake(self.nodes.meta(m).owner)?;
        Ok(true)
    }

    /// Kicks active meta node `m` when its kick vote passed: ⌊2n/3⌋ + 1 approvals of the n
    /// active meta nodes, `m` included (spec: "Kicks work the same way" as the vote of the
    /// existing meta nodes; the chain's `HandleVoteForKickMetaNode` counts every active one).
    fn try_kick_meta(&mut self, m: MetaIndex) -> Result<bool> {
        let voters = self.active_meta_count();
        let MetaStatus::Active { kick: Some(vote), .. } = &self.nodes.meta(m).status else {
            return Ok(false);
        };
        if self.live_approvals(vote) < approvals_needed(voters) {
            return Ok(false);
        }
        self.remove_active_meta(m)?;
        if self.params.profile == Profile::Paper {
            self.recount_votes()?;
        }
        Ok(true)
    }

    /// paper, after a kick lowered n: the votes within their periods are counted again against
    /// the new ⌊2n/3⌋ + 1 (the spec's rule holds whenever the approvals reach it, not only when
    /// a vote is cast): the pending kicks first, by index (each one passing lowers n again and
    /// counts again), then every candidate against the n the kicks left, all passed at that
    /// moment (one admitted does not raise the bar for the next). With none left, every
    /// candidate the foundation approved within its period has the approval of all (none)
    /// existing meta nodes and is admitted. mainnet counts a vote only when it is cast, as the
    /// chain's handlers do.
    fn recount_votes(&mut self) -> Result<()> {
        let n = self.nodes.meta_nodes().len() as u32;
        for k in 0..n {
            self.try_kick_meta(MetaIndex(k))?;
        }
        let voters = self.active_meta_count();
        for c in 0..n {
            self.try_activate_meta_among(MetaIndex(c), voters)?;
        }
        Ok(())
    }

    /// Active meta node `m` leaves (kicked, or mainnet unbonded by its owner): L (and mainnet
    /// S) lowered by its deposit, which returns under the deposit lock and cooling-off; returns
    /// the epoch it returns.
    fn remove_active_meta(&mut self, m: MetaIndex) -> Result<Epoch> {
        let (owner, deposit, activated) = {
            let meta = self.nodes.meta(m);
            (meta.owner, meta.deposit, meta.activated)
        };
        let rate = self.params.deposit_noz_rate;
        match self.params.profile {
            Profile::Paper => {
                let delta = self.market.exit_limit_delta_paper(deposit)?;
                self.market.lower_limit(delta)?;
            }
            Profile::Mainnet => {
                // The chain refuses to unbond a meta node whose deposit would take L below zero
                // (`x/register` `UnbondMetaNode`: `IsUnbondable`, else `ErrInsufficientBalance`).
                let limit = self.market.l();
                if !mainnet::is_unbondable(limit, deposit, mainnet::deposit_rate(rate))? {
                    let deposit_limit = Amount(deposit.0 / rate);
                    return Err(StratosError::MetaNotUnbondable {
                        meta: m,
                        deposit,
                        deposit_limit,
                        limit,
                    });
                }
                self.mainnet_remove_deposit(deposit)?;
            }
        }
        let (lock, cooling) = (self.params.deposit_lock_epochs, self.params.exit_cooling_epochs);
        let returns = deposit_return_epoch(activated, self.epoch, lock, cooling);
        let pool = self.pools.deposits;
        self.deposit_returns.lock(&mut self.ledger, pool.into(), owner, deposit, returns, pool)?;
        self.nodes.meta_gone(m, returns);
        self.sync_stake(owner)?;
        Ok(returns)
    }

    /// At an epoch's end: paper, candidates whose voting period ended unapproved are refused
    /// (deposit back at once, the L its deposit added taken back); kick votes that ran out
    /// are dropped.
    pub(in crate::engine) fn expire_votes(&mut self) -> Result<()> {
        for (owner, deposit) in self.nodes.expire_votes(self.epoch) {
            // paper (the only profile that refuses): the deposit takes back what it added at
            // registration, L −= L·Z/(S + Z) (the raise's inverse: not an exit's L·Z/S, which
            // would leave L lower for every refused candidate).
            let delta = self.market.refusal_limit_delta_paper(deposit)?;
            self.market.lower_limit(delta)?;
            let from = self.pools.deposits.into();
            self.ledger.transfer(self.stos, from, Holder::Account(owner), deposit)?;
        }
        Ok(())
    }
}
