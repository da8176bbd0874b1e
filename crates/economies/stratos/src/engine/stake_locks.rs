//! paper: the lock of the validators' and delegators' share of the stake rewards (seed §2: "All
//! traffic rewards and mining rewards will have a lock-up period of 14 days" — the blockchain's
//! share included). Each epoch's part (of the traffic reward and of the mining reward) is
//! allotted to the validators by voting power when it is earned, ⌊part · power / Σ power⌋ (the
//! remainder to the dust pool, as an unlocked distribution leaves it), and held in the
//! `locked_stake_rewards` pool by a [`LockQueue`]: at most one chunk per validator and source
//! an epoch, owned by the validator's operator account. When it falls due (epoch `e`'s part,
//! issued as `e` closes, when epoch `e + reward_lock_epochs + 1` begins, a whole lock later, as
//! node rewards) it is paid to that validator as any stake reward: the commission to the
//! operator's commission balance, the rest to the delegators by their shares then. A part
//! the validator cannot take (no shares left) goes to the dust pool; a validator jailed or out
//! of the bonded set since is paid all the same (the part was earned while it was bonded).
//!
//! mainnet has no such lock: the chain's fee collector pays Cosmos `x/distribution` at once.
//! paper's `lock_stake_rewards = false` pays the share at once too (a design variant).
//! Gas fees are not rewards and are paid at once under both profiles.

use ergon_core::txn::Transactional;
use ergon_core::{AccountId, Amount, Epoch, Ledger, LockQueue, ProRata, Released, TokenId};

use crate::Stratos;
use crate::error::StratosError;

/// paper: the validators' stake rewards still locked (absent under mainnet).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StakeLocks(Option<LockQueue>);

impl StakeLocks {
    /// When `on` (paper's `lock_stake_rewards`), a queue over a new `locked_stake_rewards` pool
    /// of `ledger`, with at most `chunks_max` chunks per validator; else none (no pool).
    pub(in crate::engine) fn new(
        ledger: &mut Ledger,
        stos: TokenId,
        on: bool,
        chunks_max: u32,
    ) -> Result<StakeLocks, ergon_core::Error> {
        let queue = |l: &mut Ledger| -> Result<LockQueue, ergon_core::Error> {
            Ok(LockQueue::new(stos, l.add_pool("locked_stake_rewards")?, chunks_max))
        };
        Ok(StakeLocks(if on { Some(queue(ledger)?) } else { None }))
    }

    /// Whether the stake rewards lock (paper).
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// What the validator run by `operator` has locked.
    #[must_use]
    pub fn locked_of(&self, operator: AccountId) -> Amount {
        self.0.as_ref().map_or(Amount::ZERO, |q| q.locked_of(operator))
    }

    /// Everything locked.
    #[must_use]
    pub fn total(&self) -> Amount {
        self.0.as_ref().map_or(Amount::ZERO, LockQueue::total)
    }

    /// The queue's full check (chunks against records, total against its pool).
    pub(in crate::engine) fn check_invariants(
        &self,
        ledger: &Ledger,
    ) -> Result<(), ergon_core::invariants::Violation> {
        self.0.as_ref().map_or(Ok(()), |q| q.check_invariants(ledger))
    }

    /// The queue's total against its pool, O(1).
    pub(in crate::engine) fn check_pool(
        &self,
        ledger: &Ledger,
    ) -> Result<(), ergon_core::invariants::Violation> {
        self.0.as_ref().map_or(Ok(()), |q| q.check_pool(ledger))
    }
}

impl Transactional for StakeLocks {
    type Checkpoint = Option<<LockQueue as Transactional>::Checkpoint>;
    fn checkpoint(&mut self) -> Self::Checkpoint {
        self.0.as_mut().map(Transactional::checkpoint)
    }
    fn commit(&mut self, cp: Self::Checkpoint) {
        if let (Some(q), Some(cp)) = (self.0.as_mut(), cp) {
            q.commit(cp);
        }
    }
    fn revert(&mut self, cp: Self::Checkpoint) {
        if let (Some(q), Some(cp)) = (self.0.as_mut(), cp) {
            q.revert(cp);
        }
    }
}

impl Stratos {
    /// paper: allots `amounts` (by source: volume pool, mining pool) to the validators with
    /// voting power, ⌊amount · power / Σ power⌋ each, as one row per validator in `rows`
    /// (operator, by source; cleared first). Returns the allotted totals by source; the caller
    /// moves the rest to dust. O(validators); allocates nothing once `rows` is warm.
    pub(in crate::engine) fn allot_stake_rewards(
        &self,
        amounts: [Amount; 2],
        rows: &mut Vec<(AccountId, [Amount; 2])>,
    ) -> Result<[Amount; 2], StratosError> {
        rows.clear();
        let (total, powers) = self.staking.powers_with_total();
        let mut allotted = [Amount::ZERO; 2];
        if total.is_zero() {
            return Ok(allotted);
        }
        let shares = [ProRata::new(amounts[0].0, total.0)?, ProRata::new(amounts[1].0, total.0)?];
        for (_, v, power) in powers {
            if power.is_zero() {
                continue;
            }
            let part = [Amount(shares[0].floor(power.0)?), Amount(shares[1].floor(power.0)?)];
            allotted = [allotted[0].checked_add(part[0])?, allotted[1].checked_add(part[1])?];
            rows.push((v.operator(), part));
        }
        Ok(allotted)
    }

    /// paper: locks `rows` (operator, by source) until `until`, from the volume and mining
    /// pools. Sorts `rows` by operator and leaves out empty ones first.
    pub(in crate::engine) fn lock_stake_rewards(
        &mut self,
        until: Epoch,
        rows: &mut Vec<(AccountId, [Amount; 2])>,
    ) -> Result<(), StratosError> {
        rows.retain(|r| r.1.iter().any(|a| !a.is_zero()));
        rows.sort_unstable_by_key(|r| r.0);
        let pools = [self.pools.volume, self.pools.mining];
        if let Some(q) = self.stake_locks.0.as_mut() {
            q.lock_rows(&mut self.ledger, until, &pools, rows)?;
        }
        Ok(())
    }

    /// paper: pays the stake rewards due by now to their validators (commission, then
    /// delegators); `out` is working memory. Returns what the validators received and what
    /// went to the dust pool (a validator with no shares, or jailed).
    pub(in crate::engine) fn release_stake_rewards(
        &mut self,
        out: &mut Vec<Released>,
    ) -> Result<(Amount, Amount), StratosError> {
        out.clear();
        let Some(q) = self.stake_locks.0.as_mut() else { return Ok((Amount::ZERO, Amount::ZERO)) };
        q.release_due_into(&mut self.ledger, self.epoch, out)?;
        let (mut paid, mut dust) = (Amount::ZERO, Amount::ZERO);
        for r in out.iter() {
            // The release credited the operator's account; the reward moves on from there.
            // A validator jailed (or out of the bonded set) since is paid all the same: the
            // part vesting now was earned while it was bonded.
            let left = match self.staking.validator_of(r.owner) {
                Some(v) => {
                    let from = r.owner.into();
                    let got = self.staking.distribute_to_validator(
                        &mut self.ledger,
                        from,
                        v,
                        r.amount,
                    )?;
                    paid = paid.checked_add(got.received())?;
                    r.amount.checked_sub(got.received())?
                }
                _ => r.amount,
            };
            let to = self.pools.dust.into();
            self.ledger.transfer(self.stos, r.owner.into(), to, left)?;
            dust = dust.checked_add(left)?;
        }
        Ok((paid, dust))
    }
}
