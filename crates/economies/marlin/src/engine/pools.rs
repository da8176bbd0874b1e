//! Staking pools (paper; seed 002, "Staking": "Stakers and delegators stake tokens in a staking
//! pool of their choice … Staking pools redelegate the stake towards different relayers in
//! exchange for rewards"; spec marlin.md, "Staking").
//!
//! - A pool has its own account, opened by `create_pool`, an operator and a whole-percent
//!   commission. Members put POND and MPOND in (`join_pool`) and take them out
//!   (`leave_pool`); what a member put in stays its own (`principal`), counts as its staked
//!   MPOND (bridge requests, votes) as a stash's does, and earns one share per POND of value
//!   (`pond + 10^6·mpond`) in the pool's accumulator.
//! - The operator stakes the pool's tokens with the stash operations, naming the pool's account
//!   as the staker: stashes delegated to any clusters, redelegated, undelegated and withdrawn
//!   with their locks. A pool's stashes do not count as its own staked MPOND (its members'
//!   do). The pool's account is named by no other operation (`pool_account`), so its tokens
//!   move only through these.
//! - Rewards: every settlement of a pool's position in a cluster pays the pool's account; the
//!   pool cuts its commission for its operator and gives the rest to its members' accumulator
//!   (a pool without members pays it all to its operator). A member's rewards are paid at each
//!   change of its membership and by `claim_pool_rewards`. Rewards stop at once when a member
//!   leaves.
//! - A member leaves with tokens the pool's account holds free: its POND less the members'
//!   rewards not yet paid, and its MPOND; what is staked must be undelegated and withdrawn by
//!   the operator first.

use std::collections::BTreeMap;

use ergon_core::invariants::Violation;
use ergon_core::txn::{Keyed, Table};
use ergon_core::{AccountId, Amount};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::Marlin;
use crate::engine::error::{MarlinError, Result};
use crate::engine::params::{POND_PER_MPOND, Profile};
use crate::engine::rewards::delegators::{ClusterPool, Position};
use crate::engine::units::fmt;

/// The most staking pools the economy holds.
pub const POOLS_MAX: usize = 100_000;

/// A staking pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakingPool {
    /// Its own account (holds its free tokens and is the staker of its stashes).
    pub account: AccountId,
    /// Who runs it and takes its commission.
    pub operator: AccountId,
    /// Commission on the rewards it receives, whole percent (0–100).
    pub commission_percent: u8,
    /// POND and MPOND its members put in, base units.
    pub principal: [Amount; 2],
    /// Rewards paid to its members, base units: at most what its accumulator allocated (a
    /// payment is capped at what is owed).
    pub paid: Amount,
}

/// What one member put in one pool, base units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// POND.
    pub pond: Amount,
    /// MPOND.
    pub mpond: Amount,
}

/// The staking pools, their members and the members' accumulators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pools {
    pools: Table<StakingPool>,
    by_account: Keyed<AccountId, u32>,
    /// Per (member, pool) ([`member_key`]).
    members: Keyed<u64, Member>,
    /// Per pool by index: the members' accumulator, one share per POND of value.
    accs: Table<ClusterPool<1>>,
    /// Per (member, pool): its position in the pool's accumulator.
    positions: Keyed<u64, Position<1>>,
}

ergon_core::transactional!(Pools {
    pools: Table<StakingPool>,
    by_account: Keyed<AccountId, u32>,
    members: Keyed<u64, Member>,
    accs: Table<ClusterPool<1>>,
    positions: Keyed<u64, Position<1>>,
});

impl Default for Pools {
    fn default() -> Pools {
        Pools {
            pools: Table::new(),
            by_account: Keyed::new(),
            members: Keyed::new(),
            accs: Table::new(),
            positions: Keyed::new(),
        }
    }
}

/// The key of `member`'s membership of pool `p`.
fn member_key(member: AccountId, p: u32) -> u64 {
    (u64::from(member.0) << 32) | u64::from(p)
}

/// The value of `pond` and `mpond` in POND base units (an MPOND counts 10^6 POND).
fn value(pond: Amount, mpond: Amount) -> Result<Amount> {
    Ok(pond.checked_add(mpond.checked_mul_int(POND_PER_MPOND)?)?)
}

impl Pools {
    /// The pools, by index.
    #[must_use]
    pub fn pools(&self) -> &[StakingPool] {
        self.pools.rows()
    }

    /// The pool whose account is `a`.
    #[must_use]
    pub fn of_account(&self, a: AccountId) -> Option<u32> {
        self.by_account.get(&a).copied()
    }

    /// What `member` has in pool `p`.
    #[must_use]
    pub fn member(&self, member: AccountId, p: u32) -> Member {
        self.members.get(&member_key(member, p)).copied().unwrap_or_default()
    }

    /// Every membership: (member, pool, what it put in).
    pub fn members(&self) -> impl Iterator<Item = (AccountId, u32, Member)> + '_ {
        self.members.iter().map(|(k, m)| (AccountId((k >> 32) as u32), *k as u32, *m))
    }

    /// Pool `p`'s members' accumulator.
    #[must_use]
    pub fn acc(&self, p: u32) -> ClusterPool<1> {
        self.accs.get(p as usize).copied().unwrap_or_default()
    }

    /// The members' rewards pool `p` has received and not yet paid (held by its account).
    #[must_use]
    pub fn owed(&self, p: u32) -> Amount {
        self.acc(p).allocated().saturating_sub(self.pools[p as usize].paid)
    }
}

/// The staking pools' operations.
impl Marlin {
    /// The pool named `name` (by its account's name).
    pub fn pool(&self, name: &str) -> Result<u32> {
        self.names
            .id(name)
            .and_then(|a| self.pools.of_account(AccountId(a)))
            .ok_or_else(|| MarlinError::UnknownPool { name: name.to_owned() })
    }

    /// paper: opens account `name` for a new pool run by `operator` with a whole-percent
    /// commission. Returns the pool's index.
    pub fn create_pool(&mut self, operator: AccountId, name: &str, percent: u8) -> Result<u32> {
        self.profile_only(Profile::Paper, "create_pool")?;
        if percent > 100 {
            return Err(MarlinError::InvalidParameter {
                name: "commission_percent",
                value: percent.to_string(),
            });
        }
        if self.pools.pools.len() >= POOLS_MAX {
            return Err(MarlinError::Core(ergon_core::Error::LimitReached {
                what: "pools".into(),
                limit: POOLS_MAX as u64,
            }));
        }
        let id = self.pools.pools.len() as u32;
        ergon_core::txn::atomic(self, |st| {
            let account = st.open_account(name)?;
            let row = StakingPool {
                account,
                operator,
                commission_percent: percent,
                principal: [Amount::ZERO; 2],
                paid: Amount::ZERO,
            };
            st.pools.pools.push(row);
            st.pools.by_account.insert(account, id);
            st.pools.accs.push(ClusterPool::default());
            Ok(id)
        })
    }

    /// Settles every position pool `p` holds in the clusters (its account's), so that what its
    /// stake earned so far reaches its members' accumulator before their shares change. Inside
    /// a transaction.
    fn harvest_pool(&mut self, p: u32) -> Result<()> {
        let account = self.pools.pools[p as usize].account;
        let first = crate::engine::payout::position_key(account, 0);
        let last = crate::engine::payout::position_key(account, u32::MAX);
        let clusters: Vec<u32> =
            self.relay.positions.range(first..=last).map(|(k, _)| *k as u32).collect();
        for c in clusters {
            self.settle_staker(account, c, Amount::ZERO, Amount::ZERO, true)?;
        }
        Ok(())
    }

    /// Settles `member`'s position in pool `p` with `amount` of value put in (`join`) or taken
    /// out, paying its rewards so far from the pool's account: at most what the pool owes its
    /// members (the accumulator's floors can pay a unit above a member's exact share); once the
    /// last member is gone, what the floors left goes to the operator. The pool is harvested
    /// first. Inside a transaction.
    fn settle_member(
        &mut self,
        member: AccountId,
        p: u32,
        amount: Amount,
        join: bool,
    ) -> Result<Amount> {
        self.harvest_pool(p)?;
        let key = member_key(member, p);
        let mut acc = self.pools.acc(p);
        let mut pos = self.pools.positions.get(&key).copied().unwrap_or_default();
        let pay = acc.apply(&mut pos, &[amount], join)?.min(self.pools.owed(p));
        let mut pool = self.pools.pools[p as usize];
        pool.paid = pool.paid.checked_add(pay)?;
        self.ledger.transfer(self.pond, pool.account.into(), member.into(), pay)?;
        if acc.total(0).is_zero() {
            let dust = acc.allocated().saturating_sub(pool.paid);
            self.ledger.transfer(self.pond, pool.account.into(), pool.operator.into(), dust)?;
            pool.paid = acc.allocated();
        }
        *self.pools.accs.get_mut(p as usize) = acc;
        *self.pools.pools.get_mut(p as usize) = pool;
        if pos.balance(0).is_zero() {
            self.pools.positions.remove(&key);
        } else {
            self.pools.positions.insert(key, pos);
        }
        Ok(pay)
    }

    /// `member` puts `pond` and `mpond` in pool `p`; its rewards so far are paid first.
    /// Returns the rewards paid.
    pub fn join_pool(
        &mut self,
        member: AccountId,
        p: u32,
        pond: Amount,
        mpond: Amount,
    ) -> Result<Amount> {
        if pond.is_zero() && mpond.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "pool join" });
        }
        if self.pools.of_account(member).is_some() {
            return Err(MarlinError::PoolAccount { name: self.name(member).to_owned() });
        }
        self.check_free_mpond(member, mpond)?;
        ergon_core::txn::atomic(self, |st| st.move_membership(member, p, pond, mpond, true))
    }

    /// `member` takes `pond` and `mpond` of what it put in out of pool `p`, from the tokens the
    /// pool's account holds free; its rewards so far are paid first. Returns the rewards paid.
    pub fn leave_pool(
        &mut self,
        member: AccountId,
        p: u32,
        pond: Amount,
        mpond: Amount,
    ) -> Result<Amount> {
        if pond.is_zero() && mpond.is_zero() {
            return Err(MarlinError::ZeroAmount { what: "pool leave" });
        }
        let had = self.pools.member(member, p);
        for (token, want, has) in [("POND", pond, had.pond), ("MPOND", mpond, had.mpond)] {
            if want > has {
                return Err(MarlinError::PoolShort { what: "the member's part", token, has });
            }
        }
        let (free_pond, free_mpond) = self.pool_free(p);
        for (token, want, has) in [("POND", pond, free_pond), ("MPOND", mpond, free_mpond)] {
            if want > has {
                return Err(MarlinError::PoolShort { what: "free in the pool", token, has });
            }
        }
        ergon_core::txn::atomic(self, |st| st.move_membership(member, p, pond, mpond, false))
    }

    /// A checked join (`join`) or leave of `pond` and `mpond` by `member` in pool `p`: its
    /// rewards so far paid, the tokens moved between it and the pool's account, its staked
    /// MPOND and votes, its part and the pool's principal. Returns the rewards paid. Inside a
    /// transaction.
    fn move_membership(
        &mut self,
        member: AccountId,
        p: u32,
        pond: Amount,
        mpond: Amount,
        join: bool,
    ) -> Result<Amount> {
        let step = |a: Amount, x: Amount| if join { a.checked_add(x) } else { a.checked_sub(x) };
        let (had, pool) = (self.pools.member(member, p), self.pools.pools[p as usize]);
        let now = Member { pond: step(had.pond, pond)?, mpond: step(had.mpond, mpond)? };
        let principal = [step(pool.principal[0], pond)?, step(pool.principal[1], mpond)?];
        let staked = step(self.stakes.staked_mpond(member), mpond)?;
        let r = self.settle_member(member, p, value(pond, mpond)?, join)?;
        let (from, to) = if join { (member, pool.account) } else { (pool.account, member) };
        self.ledger.transfer(self.pond, from.into(), to.into(), pond)?;
        self.ledger.transfer(self.mpond, from.into(), to.into(), mpond)?;
        self.stakes.set_staked_mpond(member, staked);
        self.gov.stake_votes(member, mpond, join, self.epoch.0)?;
        if now == Member::default() {
            self.pools.members.remove(&member_key(member, p));
        } else {
            self.pools.members.insert(member_key(member, p), now);
        }
        self.pools.pools.get_mut(p as usize).principal = principal;
        Ok(r)
    }

    /// Pays `member`'s rewards so far in pool `p`.
    pub fn claim_pool_rewards(&mut self, member: AccountId, p: u32) -> Result<Amount> {
        if self.pools.member(member, p) == Member::default() {
            let pool = self.name(self.pools.pools[p as usize].account).to_owned();
            return Err(MarlinError::NotAMember { account: member, pool });
        }
        ergon_core::txn::atomic(self, |st| st.settle_member(member, p, Amount::ZERO, true))
    }

    /// POND and MPOND pool `p`'s account holds free: its POND less the members' unpaid rewards,
    /// and its MPOND.
    #[must_use]
    pub fn pool_free(&self, p: u32) -> (Amount, Amount) {
        let account = self.pools.pools[p as usize].account;
        let pond = self.pond_balance(account).saturating_sub(self.pools.owed(p));
        (pond, self.mpond_balance(account))
    }

    /// A settlement paid `r` to `staker`: when `staker` is a pool's account, the pool cuts its
    /// commission for its operator and gives the rest to its members (nobody's: the operator's
    /// too). Inside a transaction.
    pub(crate) fn pool_received(&mut self, staker: AccountId, r: Amount) -> Result<()> {
        let Some(p) = self.pools.of_account(staker) else {
            return Ok(());
        };
        if r.is_zero() {
            return Ok(());
        }
        let pool = self.pools.pools[p as usize];
        let mut acc = self.pools.acc(p);
        let d = acc.distribute(r, pool.commission_percent)?;
        let to_operator = d.commission.checked_add(d.unallocated)?;
        self.ledger.transfer(self.pond, staker.into(), pool.operator.into(), to_operator)?;
        *self.pools.accs.get_mut(p as usize) = acc;
        Ok(())
    }

    /// Refuses a pool's account staking more POND than it holds free (its members' unpaid
    /// rewards stay put).
    pub(crate) fn check_pool_stake(&self, staker: AccountId, pond: Amount) -> Result<()> {
        if let Some(p) = self.pools.of_account(staker) {
            let (free, _) = self.pool_free(p);
            if pond > free {
                return Err(MarlinError::PoolShort {
                    what: "free in the pool",
                    token: "POND",
                    has: free,
                });
            }
        }
        Ok(())
    }
}

/// The pools' invariants: for each pool, its principal is the sum of its members' parts and
/// its accumulator's shares their value; what its account and its stashes hold is its principal
/// and, in POND, the members' rewards not yet paid.
pub fn check_pools(m: &Marlin) -> std::result::Result<(), Violation> {
    let n = m.pools.pools.len();
    let mut parts = vec![[0u128; 3]; n];
    for (_, p, part) in m.pools.members() {
        let t = parts
            .get_mut(p as usize)
            .ok_or_else(|| Violation::new("pool member", format!("pool {p}")))?;
        t[0] += part.pond.0;
        t[1] += part.mpond.0;
        t[2] += part.pond.0 + part.mpond.0 * POND_PER_MPOND;
    }
    let mut staked = vec![[0u128; 2]; n];
    for s in m.stakes.stashes() {
        if let Some(p) = m.pools.of_account(s.staker) {
            staked[p as usize][0] += s.pond.0;
            staked[p as usize][1] += s.mpond.0;
        }
    }
    for (p, pool) in m.pools.pools.iter().enumerate() {
        let t = parts[p];
        let acc = m.pools.acc(p as u32);
        if [pool.principal[0].0, pool.principal[1].0] != [t[0], t[1]] || acc.total(0).0 != t[2] {
            return Err(Violation::new("pool principal", format!("pool {p}: {pool:?} vs {t:?}")));
        }
        let held = [
            m.pond_balance(pool.account).0 + staked[p][0],
            m.mpond_balance(pool.account).0 + staked[p][1],
        ];
        let want = [t[0] + m.pools.owed(p as u32).0, t[1]];
        if held != want {
            return Err(Violation::new("pool holdings", format!("pool {p}: {held:?} vs {want:?}")));
        }
    }
    Ok(())
}

/// The pools' part of the state dump: by the pool's account name, its operator, commission,
/// principal, free tokens, members' unpaid rewards and members (what each put in and its
/// pending rewards).
#[must_use]
pub fn pools_view(m: &Marlin) -> Value {
    let pools: BTreeMap<&str, Value> = m
        .pools
        .pools
        .iter()
        .enumerate()
        .map(|(p, pool)| {
            let (free_pond, free_mpond) = m.pool_free(p as u32);
            let acc = m.pools.acc(p as u32);
            let members: BTreeMap<&str, Value> = m
                .pools
                .members()
                .filter(|(_, q, _)| *q as usize == p)
                .map(|(a, q, part)| {
                    let pos = m.pools.positions.get(&member_key(a, q)).copied().unwrap_or_default();
                    let pending = acc.pending(&pos).unwrap_or_default().min(m.pools.owed(q));
                    (m.name(a), json!({"pond": fmt(part.pond), "mpond": fmt(part.mpond), "pending": fmt(pending)}))
                })
                .collect();
            (
                m.name(pool.account),
                json!({"operator": m.name(pool.operator), "commission_percent": pool.commission_percent,
                       "pond": fmt(pool.principal[0]), "mpond": fmt(pool.principal[1]),
                       "free_pond": fmt(free_pond), "free_mpond": fmt(free_mpond),
                       "owed": fmt(m.pools.owed(p as u32)), "members": members}),
            )
        })
        .collect();
    json!(pools)
}
