//! [`MultiStake`]: clusters whose delegations hold several tokens at once — Marlin's POND and
//! MPOND (spec marlin.md, "Staking": stashes of POND and MPOND delegated to a cluster, the
//! cluster's whole-percent commission cut at distribution, the rest to delegators through a
//! reward-per-share accumulator, deployed: "split equally between the POND and MPOND
//! delegations, whatever their value").
//!
//! # Tokens and weights
//! Each staked token has a `weight` (base units of effective stake per base unit staked:
//! 1,000,000 for MPOND against POND when both have 18 decimals) and a `reward_share_ppm` of
//! every delegator reward (the shares sum to exactly 100%; deployed Marlin: 50% / 50%).
//! [`MultiStake::effective_stake`] is `Σ_token total·weight` (cluster selection weights it).
//!
//! # Ledger
//! [`MultiStake::new`] registers two pools: `{prefix}.staked` holds every staked token (a pool
//! may hold any token) and `{prefix}.rewards` holds the reward token, distributed and not yet
//! withdrawn. Every movement goes through the [`Ledger`]; [`MultiStake::check_invariants`]
//! checks, per staked token, pool balance == Σ clusters' delegations of it, and rewards pool ==
//! Σ accumulator reserves + Σ unwithdrawn commission. The pools belong to MultiStake.
//!
//! # Distribution (O(tokens), not O(delegators))
//! A reward `A` to a cluster: `commission = ⌊A·commission_ppm/10^6⌋` to the operator's
//! commission balance; `rest = A − commission`; token `t` gets `⌊rest·share_t/10^6⌋` (floor),
//! spread pro rata over that token's delegations by the cluster's [`RewardAccumulator`] for `t`
//! (delegated base units are its shares). Two parts are **returned to the payer** (never moved
//! out of `from`), so `received + returned == A` exactly:
//! - `rounding`: `rest − Σ_t ⌊rest·share_t/10^6⌋` (at most tokens − 1 base units);
//! - `unstaked`: the part of a token nobody delegates at that moment (it is neither carried
//!   to later stakers nor given to the other token: the payer keeps it).
//!
//! Every delegation change settles first (rewards stop at once on undelegation) and pays the
//! settled reward to the delegator, as [`crate::Staking`] does. Undelegated tokens return to
//! the delegator's account at once; an economy that models Marlin's undelegation wait locks
//! them in a [`crate::LockQueue`] in the same transaction. Bounds: `max_clusters`, and at most
//! [`MAX_STAKE_TOKENS`] tokens.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::arith::{Rounding, mul_div};
use crate::error::{Error, Result};
use crate::invariants::Violation;
use crate::ledger::{AccountId, Holder, Ledger, PoolId, TokenId};
use crate::ratio::PerMill;
use crate::rewards::{DistributionPlan, RewardAccumulator};
use crate::txn::Table;

/// Parts per million: 100%.
const PPM: u128 = 1_000_000;
/// The most tokens one [`MultiStake`] stakes.
pub const MAX_STAKE_TOKENS: usize = 8;

/// A cluster: an index in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClusterId(pub u32);

/// One staked token's rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeToken {
    /// The token.
    pub token: TokenId,
    /// Effective stake per base unit staked (≥ 1).
    pub weight: u128,
    /// This token's delegations' part of every delegator reward, in ppm.
    pub reward_share_ppm: u32,
}

/// The rules of one [`MultiStake`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiStakeParams {
    /// The token rewards are paid in.
    pub reward_token: TokenId,
    /// The staked tokens, 1 to [`MAX_STAKE_TOKENS`], distinct, shares summing to 10^6.
    pub tokens: Vec<StakeToken>,
    /// Clusters that may be created (≥ 1).
    pub max_clusters: u32,
}

impl MultiStakeParams {
    /// Checks every bound; [`Error::InvalidParameter`] names the first one broken.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, value: String, reason: &str| {
            Err(Error::InvalidParameter { name: name.into(), value, reason: reason.into() })
        };
        let n = self.tokens.len();
        if n == 0 || n > MAX_STAKE_TOKENS {
            return bad("tokens", n.to_string(), "between 1 and 8 staked tokens");
        }
        let mut shares = 0u128;
        for (i, t) in self.tokens.iter().enumerate() {
            if self.tokens[..i].iter().any(|u| u.token == t.token) {
                return bad("tokens", format!("token {}", t.token.0), "listed twice");
            }
            if t.weight == 0 {
                return bad("weight", "0".into(), "must be at least 1");
            }
            shares += u128::from(t.reward_share_ppm);
        }
        if shares != PPM {
            return bad("reward_share_ppm", shares.to_string(), "the shares must sum to 1000000");
        }
        if self.max_clusters == 0 {
            return bad("max_clusters", "0".into(), "must be at least 1");
        }
        Ok(())
    }
}

/// One cluster: its operator, commission and one accumulator per staked token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Cluster {
    operator: AccountId,
    commission_ppm: u32,
    /// Commission credited and not yet withdrawn.
    commission: Amount,
    /// Per staked token (params order): delegated base units are the shares.
    books: Vec<RewardAccumulator<AccountId>>,
}

impl Cluster {
    /// The operator, who receives the commission.
    #[must_use]
    pub fn operator(&self) -> AccountId {
        self.operator
    }

    /// The commission rate in ppm.
    #[must_use]
    pub fn commission_ppm(&self) -> u32 {
        self.commission_ppm
    }

    /// Commission credited and not yet withdrawn.
    #[must_use]
    pub fn commission_balance(&self) -> Amount {
        self.commission
    }
}

/// How one reward to a cluster was split. `received() + returned() == amount`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClusterReward {
    /// ⌊amount·commission⌋, to the operator's commission balance.
    pub commission: Amount,
    /// Distributed over each token's delegations, in params order.
    pub per_token: Vec<Amount>,
    /// The split's rounding remainder, returned to the payer.
    pub rounding: Amount,
    /// The parts of tokens with no delegation, returned to the payer.
    pub unstaked: Amount,
}

impl ClusterReward {
    /// What entered the rewards pool: commission + Σ per token.
    #[must_use]
    pub fn received(&self) -> Amount {
        let sum = self.per_token.iter().fold(self.commission.0, |s, a| s.saturating_add(a.0));
        Amount(sum)
    }

    /// What stayed with the payer: rounding + unstaked.
    #[must_use]
    pub fn returned(&self) -> Amount {
        self.rounding.saturating_add(self.unstaked)
    }
}

/// Multi-token delegations to clusters, with commission and per-token reward shares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MultiStake {
    params: MultiStakeParams,
    staked_pool: PoolId,
    rewards_pool: PoolId,
    clusters: Table<Cluster>,
}

crate::transactional!(MultiStake { clusters: Table<Cluster> }; ignore params, staked_pool, rewards_pool);

impl MultiStake {
    /// Validates `params` (and that every token exists) and registers the pools
    /// `{prefix}.staked` and `{prefix}.rewards` ([`Error::Duplicate`] when one exists).
    pub fn new(ledger: &mut Ledger, prefix: &str, params: MultiStakeParams) -> Result<MultiStake> {
        params.validate()?;
        ledger.token(params.reward_token)?;
        for t in &params.tokens {
            ledger.token(t.token)?;
        }
        let (staked, rewards) = (format!("{prefix}.staked"), format!("{prefix}.rewards"));
        if let Some(name) =
            [&staked, &rewards].into_iter().find(|n| ledger.pool_by_name(n).is_some())
        {
            return Err(Error::Duplicate { kind: "pool", name: name.clone() });
        }
        Ok(MultiStake {
            staked_pool: ledger.add_pool(&staked)?,
            rewards_pool: ledger.add_pool(&rewards)?,
            params,
            clusters: Table::new(),
        })
    }

    // ---- reading --------------------------------------------------------------------------

    /// The rules.
    #[must_use]
    pub fn params(&self) -> &MultiStakeParams {
        &self.params
    }

    /// The pools: (staked, rewards).
    #[must_use]
    pub fn pools(&self) -> (PoolId, PoolId) {
        (self.staked_pool, self.rewards_pool)
    }

    /// A cluster ([`Error::Unknown`] for an id never created).
    pub fn cluster(&self, id: ClusterId) -> Result<&Cluster> {
        self.clusters.get(id.0 as usize).ok_or_else(|| unknown_cluster(id))
    }

    /// Number of clusters.
    #[must_use]
    pub fn cluster_count(&self) -> u32 {
        self.clusters.len() as u32
    }

    /// `delegator`'s delegation of `token` to `cluster`.
    pub fn delegation(
        &self,
        cluster: ClusterId,
        delegator: AccountId,
        token: TokenId,
    ) -> Result<Amount> {
        let t = self.token_index(token)?;
        Ok(Amount(self.cluster(cluster)?.books[t].shares(delegator)))
    }

    /// Σ delegations of `token` to `cluster`.
    pub fn total_delegation(&self, cluster: ClusterId, token: TokenId) -> Result<Amount> {
        let t = self.token_index(token)?;
        Ok(Amount(self.cluster(cluster)?.books[t].total_shares()))
    }

    /// The cluster's effective stake: Σ_token total delegation · weight ([`Error::Overflow`]).
    pub fn effective_stake(&self, cluster: ClusterId) -> Result<Amount> {
        let c = self.cluster(cluster)?;
        self.weighted(|t| c.books[t].total_shares())
    }

    /// One delegator's effective stake in a cluster: Σ_token delegation · weight.
    pub fn effective_stake_of(&self, cluster: ClusterId, delegator: AccountId) -> Result<Amount> {
        let c = self.cluster(cluster)?;
        self.weighted(|t| c.books[t].shares(delegator))
    }

    /// The reward `delegator` would withdraw from `cluster` now, over all tokens.
    pub fn pending_rewards(&self, cluster: ClusterId, delegator: AccountId) -> Result<Amount> {
        let c = self.cluster(cluster)?;
        c.books.iter().try_fold(Amount::ZERO, |s, b| s.checked_add(b.pending(delegator)))
    }

    // ---- clusters -------------------------------------------------------------------------

    /// Creates a cluster run by `operator` with a commission in ppm
    /// ([`Error::RatioOutOfRange`] above 100%; [`Error::LimitReached`] beyond `max_clusters`).
    pub fn create_cluster(
        &mut self,
        operator: AccountId,
        commission: PerMill,
    ) -> Result<ClusterId> {
        let commission_ppm = commission.parts();
        if self.clusters.len() >= self.params.max_clusters as usize {
            return Err(Error::LimitReached {
                what: "clusters".into(),
                limit: u64::from(self.params.max_clusters),
            });
        }
        let id = ClusterId(self.clusters.len() as u32);
        let books = self.params.tokens.iter().map(|_| RewardAccumulator::new()).collect();
        self.clusters.push(Cluster { operator, commission_ppm, commission: Amount::ZERO, books });
        Ok(id)
    }

    /// Sets the commission for future rewards. Marlin's whole percent is `percent × 10,000`.
    pub fn set_commission(&mut self, id: ClusterId, commission: PerMill) -> Result<()> {
        self.cluster_mut(id)?.commission_ppm = commission.parts();
        Ok(())
    }

    // ---- delegations ----------------------------------------------------------------------

    /// Delegates `amount` of `token` from `delegator`'s account to `cluster`. The delegation's
    /// pending reward in that token's book is settled and paid first. Returns the reward paid.
    pub fn delegate(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        cluster: ClusterId,
        token: TokenId,
        amount: Amount,
    ) -> Result<Amount> {
        if amount.is_zero() {
            return Err(Error::BelowMinimum { what: "delegation", amount, minimum: Amount(1) });
        }
        let t = self.token_index(token)?;
        let (reward, staked, rewards) =
            (self.params.reward_token, self.staked_pool, self.rewards_pool);
        let book = &mut self.cluster_mut(cluster)?.books[t];
        let paid = book.pending(delegator);
        ledger.atomic(|l| -> Result<()> {
            l.transfer(token, delegator.into(), staked.into(), amount)?;
            l.transfer(reward, rewards.into(), delegator.into(), paid)?;
            book.add_shares(delegator, amount.0)?;
            Ok(())
        })?;
        Ok(paid)
    }

    /// Undelegates `amount` of `token` from `cluster` back to `delegator`'s account, settling
    /// and paying that book's reward first (rewards stop at once). Returns the reward paid.
    /// [`Error::InsufficientStake`] when the delegation is smaller.
    pub fn undelegate(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        cluster: ClusterId,
        token: TokenId,
        amount: Amount,
    ) -> Result<Amount> {
        if amount.is_zero() {
            return Err(Error::BelowMinimum { what: "undelegation", amount, minimum: Amount(1) });
        }
        let t = self.token_index(token)?;
        let (reward, staked, rewards) =
            (self.params.reward_token, self.staked_pool, self.rewards_pool);
        let book = &mut self.cluster_mut(cluster)?.books[t];
        let held = book.shares(delegator);
        if held < amount.0 {
            return Err(Error::InsufficientStake {
                delegator: delegator.0,
                validator: cluster.0,
                needed: amount,
                available: Amount(held),
            });
        }
        let paid = book.pending(delegator);
        ledger.atomic(|l| -> Result<()> {
            l.transfer(token, staked.into(), delegator.into(), amount)?;
            l.transfer(reward, rewards.into(), delegator.into(), paid)?;
            book.remove_shares(delegator, amount.0)?;
            Ok(())
        })?;
        Ok(paid)
    }

    // ---- rewards --------------------------------------------------------------------------

    /// Pays a reward of `amount` from `from` to `cluster`, split as the module doc says: the
    /// received part moves from `from` to the rewards pool; the returned part stays with
    /// `from`. O(tokens). Rejects a `from` that is one of MultiStake's pools.
    pub fn distribute(
        &mut self,
        ledger: &mut Ledger,
        from: Holder,
        cluster: ClusterId,
        amount: Amount,
    ) -> Result<ClusterReward> {
        self.check_outside(from, "from")?;
        let c = self.cluster(cluster)?;
        let commission =
            Amount(mul_div(amount.0, u128::from(c.commission_ppm), PPM, Rounding::Down)?);
        let rest = amount.checked_sub(commission)?;
        let mut split = ClusterReward { commission, ..ClusterReward::default() };
        let mut plans: Vec<DistributionPlan> = Vec::with_capacity(c.books.len());
        let mut assigned = Amount::ZERO;
        for (book, t) in c.books.iter().zip(&self.params.tokens) {
            let part =
                Amount(mul_div(rest.0, u128::from(t.reward_share_ppm), PPM, Rounding::Down)?);
            assigned = assigned.checked_add(part)?;
            let plan = book.plan_distribute(part)?;
            split.unstaked = split.unstaked.checked_add(plan.undistributable())?;
            split.per_token.push(part.checked_sub(plan.undistributable())?);
            plans.push(plan);
        }
        split.rounding = rest.checked_sub(assigned)?;
        let balance = c.commission.checked_add(commission)?;
        let (reward, rewards) = (self.params.reward_token, self.rewards_pool);
        ledger.transfer(reward, from, rewards.into(), split.received())?;
        let c = self.cluster_mut(cluster)?;
        c.commission = balance;
        for (book, plan) in c.books.iter_mut().zip(plans) {
            book.apply_distribution(plan);
        }
        Ok(split)
    }

    /// Settles every token's reward of `delegator` at `cluster` and pays the sum to its
    /// account. Returns the amount paid.
    pub fn withdraw_rewards(
        &mut self,
        ledger: &mut Ledger,
        delegator: AccountId,
        cluster: ClusterId,
    ) -> Result<Amount> {
        let paid = self.pending_rewards(cluster, delegator)?;
        let (reward, rewards) = (self.params.reward_token, self.rewards_pool);
        let c = self.cluster_mut(cluster)?;
        ledger.transfer(reward, rewards.into(), delegator.into(), paid)?;
        for book in &mut c.books {
            // Settling moves a snapshot and adds the pending reward (already summed within
            // u128 above) to the book's paid total, bounded by its distributed total.
            book.settle(delegator)?;
        }
        Ok(paid)
    }

    /// Pays `cluster`'s commission balance to its operator. Returns it.
    pub fn withdraw_commission(
        &mut self,
        ledger: &mut Ledger,
        cluster: ClusterId,
    ) -> Result<Amount> {
        let (reward, rewards) = (self.params.reward_token, self.rewards_pool);
        let c = self.cluster_mut(cluster)?;
        let amount = c.commission;
        ledger.transfer(reward, rewards.into(), c.operator.into(), amount)?;
        c.commission = Amount::ZERO;
        Ok(amount)
    }

    /// Moves every book's sweepable reward dust (fractions cut off at settlements) from the
    /// rewards pool to `to`. Returns the amount. O(clusters × tokens).
    pub fn sweep_reward_dust(&mut self, ledger: &mut Ledger, to: Holder) -> Result<Amount> {
        self.check_outside(to, "to")?;
        let total = self
            .clusters
            .iter()
            .flat_map(|c| &c.books)
            .try_fold(Amount::ZERO, |s, b| s.checked_add(b.sweepable_dust()))?;
        ledger.transfer(self.params.reward_token, self.rewards_pool.into(), to, total)?;
        for i in 0..self.clusters.len() {
            for book in &mut self.clusters.get_mut(i).books {
                book.sweep_dust();
            }
        }
        Ok(total)
    }

    // ---- invariants -----------------------------------------------------------------------

    /// Checks the books against the ledger (module doc) and every accumulator's invariants.
    pub fn check_invariants(&self, ledger: &Ledger) -> std::result::Result<(), Violation> {
        let fail = |what: &'static str, detail: String| Err(Violation::new(what, detail));
        let balance = |token: TokenId, p: PoolId| {
            ledger
                .balance(token, p.into())
                .map_err(|e| Violation::new("multistake pools", e.to_string()))
        };
        if self.clusters.len() > self.params.max_clusters as usize {
            return fail("multistake cluster bound", format!("{} clusters", self.clusters.len()));
        }
        let mut reserved = 0u128;
        for c in &self.clusters {
            if c.books.len() != self.params.tokens.len() || u128::from(c.commission_ppm) > PPM {
                return fail("multistake cluster", format!("books or commission of {c:?}"));
            }
            reserved = reserved.saturating_add(c.commission.0);
            for book in &c.books {
                book.check_invariants()?;
                reserved = reserved.saturating_add(book.reserve().0);
            }
        }
        for (t, st) in self.params.tokens.iter().enumerate() {
            let staked = self
                .clusters
                .iter()
                .fold(0u128, |s, c| s.saturating_add(c.books[t].total_shares()));
            let pool = balance(st.token, self.staked_pool)?;
            if pool.0 != staked {
                return fail(
                    "multistake staked pool",
                    format!("token {}: pool {pool} ≠ Σ delegations {staked}", st.token.0),
                );
            }
        }
        let pool = balance(self.params.reward_token, self.rewards_pool)?;
        if pool.0 != reserved {
            return fail(
                "multistake rewards pool",
                format!("pool {pool} ≠ Σ reserves + commission {reserved}"),
            );
        }
        Ok(())
    }

    // ---- internals ------------------------------------------------------------------------

    fn token_index(&self, token: TokenId) -> Result<usize> {
        self.params
            .tokens
            .iter()
            .position(|t| t.token == token)
            .ok_or_else(|| Error::Unknown { kind: "staked token", id: token.0.to_string() })
    }

    fn weighted(&self, amount_of: impl Fn(usize) -> u128) -> Result<Amount> {
        self.params.tokens.iter().enumerate().try_fold(Amount::ZERO, |s, (t, st)| {
            s.checked_add(Amount(amount_of(t)).checked_mul_int(st.weight)?)
        })
    }

    fn check_outside(&self, holder: Holder, name: &str) -> Result<()> {
        match holder {
            Holder::Pool(p) if p == self.staked_pool || p == self.rewards_pool => {
                Err(Error::InvalidParameter {
                    name: name.into(),
                    value: format!("pool:{}", p.0),
                    reason: "cannot be one of MultiStake's own pools".into(),
                })
            }
            _ => Ok(()),
        }
    }

    fn cluster_mut(&mut self, id: ClusterId) -> Result<&mut Cluster> {
        self.clusters.try_get_mut(id.0 as usize).ok_or_else(|| unknown_cluster(id))
    }
}

fn unknown_cluster(id: ClusterId) -> Error {
    Error::Unknown { kind: "cluster", id: id.0.to_string() }
}

#[cfg(test)]
mod tests;
