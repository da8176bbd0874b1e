//! Meta nodes in the registry (seed §4.1): candidates, the foundation's approval, votes to
//! admit and to kick, activation, leaving, and the expiry of votes at an epoch's end.

use ergon_core::{AccountId, Amount, Epoch, Error};

use super::NodeRegistry;
use crate::nodes::{MetaIndex, MetaNode, MetaStatus, Vote};
use crate::params::Profile;

impl NodeRegistry {
    /// Changes meta node `m` by `f`, keeping the totals. Private: the public changes below say
    /// what they change.
    fn change_meta<R>(&mut self, m: MetaIndex, f: impl FnOnce(&mut MetaNode) -> R) -> R {
        let meta = self.meta.get_mut(m.idx());
        let totals = self.totals.get_mut();
        totals.meta(meta, false);
        let out = f(meta);
        totals.meta(meta, true);
        self.touched_meta.mark(m.0);
        out
    }

    /// Adds meta node `node` (its owner has none yet); returns its index.
    pub fn add_meta(&mut self, node: MetaNode) -> MetaIndex {
        debug_assert!(self.meta_of(node.owner).is_none(), "one meta node per owner");
        let owner = node.owner;
        self.totals.get_mut().meta(&node, true);
        let m = MetaIndex(self.meta.push(node) as u32);
        self.meta_of.insert(owner, m);
        self.touched_meta.mark(m.0);
        m
    }

    /// The foundation approves candidate `m`; false when it is no candidate.
    pub fn approve(&mut self, m: MetaIndex) -> bool {
        match &mut self.meta.get_mut(m.idx()).status {
            MetaStatus::Candidate { foundation_approved, .. } => {
                *foundation_approved = true;
                true
            }
            _ => false,
        }
    }

    /// `voter` approves candidate `m` at `now`: whether the approval is new, or None (nothing
    /// changed) when `m` is no candidate in its voting period (mainnet: nor a meta node bonded
    /// by a vote still in its period, whose vote takes the approval and changes nothing else).
    pub fn vote(&mut self, m: MetaIndex, voter: MetaIndex, now: Epoch) -> Option<bool> {
        match &mut self.meta.get_mut(m.idx()).status {
            MetaStatus::Candidate { vote, .. }
            | MetaStatus::Active { registration: Some(vote), .. }
                if now <= vote.deadline =>
            {
                Some(vote.approvals.insert(voter.0))
            }
            _ => None,
        }
    }

    /// `voter` votes to kick active meta node `m` (a new kick vote runs until `deadline`):
    /// whether the vote is new.
    pub fn vote_kick(&mut self, m: MetaIndex, voter: MetaIndex, deadline: Epoch) -> bool {
        match &mut self.meta.get_mut(m.idx()).status {
            MetaStatus::Active { kick, .. } => {
                let vote =
                    kick.get_or_insert_with(|| Vote { approvals: Default::default(), deadline });
                vote.approvals.insert(voter.0)
            }
            _ => false,
        }
    }

    /// Candidate `m` becomes active, its deposit having added `limit_added` noz and its lock
    /// running from `since`; mainnet keeps its registration vote (see [`MetaStatus::Active`]).
    pub fn activate_meta(&mut self, m: MetaIndex, limit_added: Amount, since: Epoch) {
        let keep = self.profile == Profile::Mainnet;
        self.change_meta(m, |meta| {
            meta.limit_added = limit_added;
            meta.activated = since;
            let registration = match std::mem::replace(
                &mut meta.status,
                MetaStatus::Gone { deposit_returns: since },
            ) {
                MetaStatus::Candidate { vote, .. } if keep => Some(vote),
                _ => None,
            };
            meta.status = MetaStatus::Active { kick: None, registration };
        });
    }

    /// Meta node `m` leaves (kicked, or a candidate unbonding); its deposit (moved by the
    /// caller) returns at `returns`.
    pub fn meta_gone(&mut self, m: MetaIndex, returns: Epoch) {
        self.change_meta(m, |meta| {
            meta.deposit = Amount::ZERO;
            meta.status = MetaStatus::Gone { deposit_returns: returns };
        });
    }

    /// Adds `reward` wei to meta node `m`'s rewards so far.
    pub fn add_meta_reward(&mut self, m: MetaIndex, reward: Amount) -> Result<(), Error> {
        let n = &mut self.meta.rows_mut()[m.idx()];
        n.rewards_total = n.rewards_total.checked_add(reward)?;
        Ok(())
    }

    /// At an epoch's end: kick votes and (mainnet) active nodes' registration votes that ran
    /// out before `now` are dropped; paper: candidates
    /// whose voting period ended before `now` are refused (returned: each one's owner and
    /// deposit, which the caller pays back). mainnet: such a candidate stays, its vote failed
    /// and its deposit held, until its owner unbonds it (the chain returns nothing by itself).
    pub fn expire_votes(&mut self, now: Epoch) -> Vec<(AccountId, Amount)> {
        let mut refused = Vec::new();
        let refuse = self.profile == Profile::Paper;
        for m in 0..self.meta.len() {
            let expired = match &self.meta[m].status {
                MetaStatus::Candidate { vote, .. } => refuse && vote.deadline < now,
                MetaStatus::Active { kick, registration }
                    if [kick, registration]
                        .iter()
                        .any(|v| v.as_ref().is_some_and(|v| v.deadline < now)) =>
                {
                    if let MetaStatus::Active { kick, registration } =
                        &mut self.meta.rows_mut()[m].status
                    {
                        for v in [kick, registration] {
                            if v.as_ref().is_some_and(|v| v.deadline < now) {
                                *v = None;
                            }
                        }
                    }
                    false
                }
                _ => false,
            };
            if expired {
                let meta = &mut self.meta.rows_mut()[m];
                let deposit = std::mem::take(&mut meta.deposit);
                refused.push((meta.owner, deposit));
                meta.status = MetaStatus::Gone { deposit_returns: now };
                let totals = self.totals.get_mut();
                totals.deposits = totals.deposits.wrapping_sub(deposit.0);
                self.touched_meta.mark(m as u32);
            }
        }
        refused
    }
}
