//! The typed operations on workers (spec: shared/spec/phala.md, "Worker lifecycle"; seed 003,
//! the AMA's Idle / CoolingDown / Stop states): register, set the benchmark, start computing
//! with a stake, challenge, heartbeat (with its settlement), stop and reclaim.
//!
//! Each checks everything that can refuse first, then changes the state inside one
//! transaction ([`ergon_core::txn::atomic`]); none formats, and only a reclaim that serves
//! withdrawals allocates. A pooled worker's payout and returned stake go to its stake pool
//! ([`crate::pool_ops`]).

use ergon_core::txn::atomic;
use ergon_core::{AccountId, Amount, Holder, Rounding, U64F64, mul_div};

use crate::Phala;
use crate::contract_ops::{Ended, GasPaid};
use crate::contracts::{ContractEnd, ContractIndex};
use crate::error::{PhalaError, Result};
use crate::params::{BLOCK_MS, E18, MAX_P, Profile};
use crate::stake_pool::{PoolIndex, Served, Split};
use crate::tokenomic::{self, PICO, Settle, Tokenomic};
use crate::workers::{PENDING_MAX, Row, WorkerIndex, WorkerState, Workers};

/// A start's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started {
    /// The new session's number.
    pub session: u32,
    /// k·√P.
    pub minimum_stake: Amount,
    /// Ve (= V at start).
    pub ve: U64F64,
}

/// A heartbeat's outcome.
#[allow(clippy::large_enum_variant, reason = "returned once per heartbeat, never stored")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// It answered a challenge of an ended session: taken off the queue, nothing else.
    Ignored {
        /// The challenge's block.
        challenge_block: u32,
    },
    /// It answered a challenge of the current session.
    Answered {
        /// The challenge's block.
        challenge_block: u32,
        /// The worker's new instant performance.
        p_instant: U64F64,
        /// The gatekeeper's settlement (zero while unresponsive).
        settle: Settle,
        /// PHA paid to the worker's operator, base units.
        paid: Amount,
        /// PHA paid to the treasury, base units.
        to_treasury: Amount,
        /// V after the settlement.
        v: U64F64,
        /// A pooled worker: how its pool took the payout.
        pool: Option<Split>,
        /// paper: an Active worker's gas.
        gas: Option<GasPaid>,
    },
}

/// A reclaim's figures, PHA base units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reclaimed {
    /// Returned to the operator (a pooled worker: to its pool's free stake).
    pub returned: Amount,
    /// Kept (paper: the part of the stake V lost).
    pub slashed: Amount,
    /// A pooled worker: the withdrawals the returned stake served.
    pub served: Vec<Served>,
}

impl Phala {
    fn worker_in(&self, w: WorkerIndex) -> Result<Row> {
        if (w.0 as usize) < self.workers.len() {
            Ok(self.workers.row(w))
        } else {
            Err(PhalaError::UnknownWorker { name: format!("#{}", w.0) })
        }
    }

    /// Registers worker `name`, operated by `owner`, with the attestation's confidence level.
    /// paper: only the tiers 1–5 exist.
    pub fn register(&mut self, name: &str, owner: AccountId, level: u8) -> Result<WorkerIndex> {
        self.fresh_sum_share();
        if self.params.profile == Profile::Paper && !(1..=5).contains(&level) {
            return Err(PhalaError::BadConfidenceLevel { level });
        }
        if owner.0 as usize >= self.accounts.len() {
            return Err(PhalaError::UnknownAccount { name: format!("#{}", owner.0) });
        }
        ergon_core::names::check_name("worker", name)?;
        if self.workers.find(name).is_some() {
            return Err(PhalaError::DuplicateWorker { name: name.into() });
        }
        atomic(self, |s| {
            s.workers
                .register(name, owner, level)
                .ok_or(PhalaError::DuplicateWorker { name: name.into() })
        })
    }

    /// Records worker `w`'s benchmark score, capped at 6000. A running session keeps the
    /// score it started with. Returns the score kept.
    pub fn set_benchmark(&mut self, w: WorkerIndex, score: u32) -> Result<u32> {
        self.fresh_sum_share();
        let mut row = self.worker_in(w)?;
        row.score = score.min(MAX_P);
        atomic(self, |s| {
            s.workers.set(w, row);
            Ok(row.score)
        })
    }

    /// Starts computing with `stake` PHA base units from the operator's account, in the
    /// pallet's order of checks: Ready, a benchmark, P ≥ `min_init_p` (50), stake ≥ k·√P,
    /// Ve ≤ v_max. A worker of a stake pool starts through its pool ([`Phala::pool_start`]).
    pub fn start(&mut self, w: WorkerIndex, stake: Amount) -> Result<Started> {
        self.fresh_sum_share();
        if let Some(pool) = self.stake_pools.pool_of(w.0) {
            return Err(PhalaError::WorkerInPool { worker: w, pool });
        }
        let (row, started) = self.prepare_start(w, stake)?;
        let owner = Holder::Account(AccountId(row.owner));
        self.commit_start(w, row, owner, stake)?;
        Ok(started)
    }

    /// Moves `stake` from `from` to the stakes pool and records the started worker.
    pub(crate) fn commit_start(
        &mut self,
        w: WorkerIndex,
        row: Row,
        from: Holder,
        stake: Amount,
    ) -> Result<()> {
        let stakes = Holder::Pool(self.pools.stakes);
        atomic(self, |s| {
            s.ledger.transfer(s.pha, from, stakes, stake)?;
            s.workers.set(w, row);
            Ok(())
        })
    }

    /// Checks a start and works out the started worker's row (changes nothing).
    pub(crate) fn prepare_start(&self, w: WorkerIndex, stake: Amount) -> Result<(Row, Started)> {
        let mut row = self.worker_in(w)?;
        if row.state != WorkerState::Ready {
            let needed = "starting needs a Ready worker";
            return Err(PhalaError::WrongState { worker: w, state: row.state, needed });
        }
        if row.score == 0 {
            return Err(PhalaError::BenchmarkMissing { worker: w });
        }
        let min = self.params.min_init_p;
        if row.score < min {
            return Err(PhalaError::BenchmarkTooLow { worker: w, score: row.score, min });
        }
        let minimum_stake = tokenomic::minimum_stake(&self.params, row.score)?;
        if stake < minimum_stake {
            return Err(PhalaError::InsufficientStake { worker: w, stake, minimum: minimum_stake });
        }
        let ve = tokenomic::ve(&self.params, stake, row.score, row.level)?;
        if ve > self.params.v_max {
            return Err(PhalaError::TooMuchStake { worker: w, ve, v_max: self.params.v_max });
        }
        let conf = tokenomic::share_score(self.params.profile, row.level);
        let now_ms = u64::from(self.block) * BLOCK_MS;
        row.session += 1;
        if self.params.profile == Profile::Paper {
            // paper: a new session starts with no challenge waiting; the gatekeeper keeps an
            // earlier session's (khala: `gk_should_not_miss_any_heartbeats_cross_session`),
            // which would make the new one unresponsive before it was ever challenged.
            row.pending = crate::workers::Pending::default();
        }
        row.state = WorkerState::Idle;
        row.stake = stake.0;
        row.tok = Tokenomic::start(&self.params, ve, row.score, conf, self.block, now_ms)?;
        row.computing = true;
        row.unresponsive = false;
        Ok((row, Started { session: row.session, minimum_stake, ve }))
    }

    /// Sends worker `w` a heartbeat challenge in the current block. Only a computing worker
    /// answers challenges; at most four may wait. khala: a worker the gatekeeper holds
    /// unresponsive is paused and answers none (the worker's `handle_heartbeat_challenge`
    /// returns on `MiningState::Paused`); it recovers by answering a challenge sent before.
    /// Returns how many wait now.
    ///
    /// One change that cannot fail once checked, so no transaction of its own (an enclosing
    /// one still journals it), and no closed form: the worker's V is brought up to date at the
    /// block's close, from the same block as here, so to the same bits.
    pub fn challenge(&mut self, w: WorkerIndex) -> Result<usize> {
        self.fresh_sum_share();
        if (w.0 as usize) >= self.workers.len() {
            return Err(PhalaError::UnknownWorker { name: format!("#{}", w.0) });
        }
        let hot = &self.workers.hot()[w.0 as usize];
        if !hot.computing {
            let needed = "only a computing worker is challenged";
            return Err(PhalaError::WrongState { worker: w, state: hot.state, needed });
        }
        if hot.unresponsive && self.params.profile == Profile::Khala {
            let needed = "khala: a paused (unresponsive) worker is not challenged";
            return Err(PhalaError::WrongState { worker: w, state: hot.state, needed });
        }
        self.workers
            .push_challenge(w, self.block)
            .ok_or(PhalaError::TooManyChallenges { worker: w, max: PENDING_MAX })
    }

    /// Worker `w` answers its oldest challenge with its iteration counter. A worker of the
    /// challenge's session gets its instant P updated and, when responsive, its settlement
    /// against the Σshare taken at the start of the block; the payout and the treasury's part
    /// leave the subsidy pool as balances (48-fraction-bit conversion, floor).
    pub fn heartbeat(&mut self, w: WorkerIndex, iterations: u64) -> Result<Beat> {
        self.fresh_sum_share();
        let mut row = self.worker_in(w)?;
        let (challenge_block, session) =
            row.pending.front().ok_or(PhalaError::NoPendingChallenge { worker: w })?;
        Workers::pop_challenge(&mut row);
        if !row.computing || session != row.session {
            // One infallible write: nothing to undo.
            self.workers.set(w, row);
            return Ok(Beat::Ignored { challenge_block });
        }
        // An earlier heartbeat of this session in this block: a recovery's clock has moved.
        let again = std::mem::replace(&mut row.heartbeat, true);
        let now_ms = u64::from(self.block) * BLOCK_MS;
        let paper = self.params.profile == Profile::Paper;
        // paper settles on the share Σshare holds (the block's start, before this heartbeat's
        // P), so that the shares paid for a block sum to its budget (a lone worker takes all of
        // it); khala, as the gatekeeper, on the share after it.
        let early =
            if paper && !row.unresponsive { Some(self.settle(&mut row.tok)?) } else { None };
        let out_of_range = |_| PhalaError::IterationsOutOfRange { worker: w, iterations };
        row.tok.update_p_instant(now_ms, iterations).map_err(out_of_range)?;
        // The next instant P's clock: paper, this heartbeat (iterations and time both counted
        // from it: "measured at heartbeats"); khala, the answered challenge's block, as the
        // gatekeeper (its iterations still from this heartbeat's counter).
        row.tok.challenge_time_last =
            if paper { now_ms } else { u64::from(challenge_block) * BLOCK_MS };
        row.tok.iteration_last = iterations;
        let settle = if let Some(settle) = early {
            settle
        } else if row.unresponsive {
            // The flag clears at the block's close: the recovery is this block's first
            // heartbeat, and the others answer deferred challenges with nothing to move.
            if paper {
                if !again {
                    let clock = row.tok.v_update_block;
                    row.tok.v_update_block =
                        paper_pay_clock_after_recovery(clock, row.went, self.block);
                }
            } else if self.params.unresp_fix {
                // The gatekeeper's `update_v_recover`: no growth owed, the clock restarts.
                row.tok.payable = U64F64::ZERO;
                row.tok.v_update_block = self.block;
            }
            Settle::default()
        } else {
            self.settle(&mut row.tok)?
        };
        let (want_paid, want_treasury) = if paper {
            // The budget in pico, split there by the exact ratio: nothing lost to the 64.64
            // form of 0.2 (spec "Budget": 80 % to the worker, 20 % to the treasury).
            let total = settle.budget.to_balance(PICO)?;
            let treasury = mul_div(total, self.params.treasury_e18, E18, Rounding::Down)?;
            (Amount(total - treasury), Amount(treasury))
        } else {
            (Amount(settle.payout.to_balance(PICO)?), Amount(settle.treasury.to_balance(PICO)?))
        };
        // A subsidy pool short of both parts pays what it holds: khala the treasury's part
        // first (the pallet's `try_handle_settle` withdraws it before `on_reward` pays the
        // worker), paper the worker's.
        let subsidy = self.balance_of(Holder::Pool(self.pools.subsidy));
        let (paid, to_treasury) = if paper {
            let paid = want_paid.min(subsidy);
            (paid, want_treasury.min(Amount(subsidy.0 - paid.0)))
        } else {
            let to_treasury = want_treasury.min(subsidy);
            (want_paid.min(Amount(subsidy.0 - to_treasury.0)), to_treasury)
        };
        let shortfall = Amount(want_paid.0 - paid.0 + want_treasury.0 - to_treasury.0);
        let stake_pool = self.stake_pools.pool_of(w.0).map(PoolIndex);
        let owner = AccountId(row.owner);
        let pay =
            |s: &mut Phala| s.pay_heartbeat(stake_pool, owner, paid.0, to_treasury.0, shortfall.0);
        let (split, paid, gas) = match row.contract {
            // The payout alone is all-or-nothing by itself: no transaction needed.
            None => {
                let (split, paid) = pay(self)?;
                (split, paid, None)
            }
            Some(c) => atomic(self, |s| {
                let (split, paid) = pay(s)?;
                let gas = s.heartbeat_gas(ContractIndex(c), &mut row)?;
                Ok::<_, PhalaError>((split, paid, Some(gas)))
            })?,
        };
        row.paid += paid.0;
        // Written once every move above has succeeded: the write itself cannot fail, so it
        // needs no undo of its own (inside an outer transaction `set` still saves the old row).
        self.workers.set(w, row);
        Ok(Beat::Answered {
            challenge_block,
            p_instant: row.tok.p_instant,
            settle,
            paid,
            to_treasury,
            v: row.tok.v,
            pool: split,
            gas,
        })
    }

    /// A responsive worker's heartbeat settlement against the block-start Σshare.
    fn settle(&mut self, tok: &mut Tokenomic) -> Result<Settle> {
        let sum = self.scratch.sum_divisor.of(self.sum_share);
        Ok(tok.update_v_heartbeat_by(&self.params, sum.as_ref(), self.block)?)
    }

    /// Stops computing: the worker cools down; the gatekeeper stops its growth but keeps its
    /// record (see docs/economies/phala.md, "Σshare"). paper: an Active worker's contract ends
    /// first ([`crate::contract_ops`]). Returns V, the first block it may be reclaimed and the
    /// contract's end.
    pub fn stop(&mut self, w: WorkerIndex) -> Result<(U64F64, u64, Option<Ended>)> {
        self.fresh_sum_share();
        let mut row = self.worker_in(w)?;
        if !row.state.is_computing() {
            let needed = "stopping needs an Idle, Active or Unresponsive worker";
            return Err(PhalaError::WrongState { worker: w, state: row.state, needed });
        }
        let ends = u64::from(self.block) + u64::from(self.params.cool_down_blocks);
        atomic(self, |s| {
            let ended = match row.contract {
                Some(c) => {
                    Some(s.end_contract(ContractIndex(c), &mut row, ContractEnd::WorkerStopped)?)
                }
                None => None,
            };
            row.state = WorkerState::CoolingDown;
            row.cool_down_start = s.block;
            row.computing = false;
            s.workers.set(w, row);
            Ok((row.tok.v, ends, ended))
        })
    }

    /// Ends the cool-down: khala returns the whole stake; paper returns `min(V/Ve, 1)·S`
    /// (floor) and keeps the rest in the `slashed` pool.
    pub fn reclaim(&mut self, w: WorkerIndex) -> Result<Reclaimed> {
        self.reclaim_after(w, true)
    }

    /// [`Phala::reclaim`], the cool-down checked or not (a pool's restart reclaims at once,
    /// as the pallet's `reclaim(session, check_cooldown = false)`).
    pub(crate) fn reclaim_after(&mut self, w: WorkerIndex, cool_down: bool) -> Result<Reclaimed> {
        self.fresh_sum_share();
        let mut row = self.worker_in(w)?;
        if row.state != WorkerState::CoolingDown {
            let needed = "reclaiming needs a CoolingDown worker";
            return Err(PhalaError::WrongState { worker: w, state: row.state, needed });
        }
        let ready_at = u64::from(row.cool_down_start) + u64::from(self.params.cool_down_blocks);
        if cool_down && u64::from(self.block) < ready_at {
            return Err(PhalaError::CoolDownNotReady { worker: w, ready_at, block: self.block });
        }
        let stake = row.stake;
        let returned = match self.params.profile {
            Profile::Khala => stake,
            Profile::Paper if row.tok.v >= row.tok.v_init => stake,
            Profile::Paper => {
                mul_div(stake, row.tok.v.to_bits(), row.tok.v_init.to_bits(), Rounding::Down)?
            }
        };
        let slashed = stake - returned;
        row.state = WorkerState::Ready;
        row.stake = 0;
        row.cool_down_start = 0;
        let stake_pool = self.stake_pools.pool_of(w.0);
        let to = match stake_pool {
            None => Holder::Account(AccountId(row.owner)),
            Some(_) => Holder::Pool(self.pools.pool_free),
        };
        let (stakes, sink) = (Holder::Pool(self.pools.stakes), Holder::Pool(self.pools.slashed));
        atomic(self, |s| {
            s.ledger.transfer(s.pha, stakes, to, Amount(returned))?;
            s.ledger.transfer(s.pha, stakes, sink, Amount(slashed))?;
            s.workers.set(w, row);
            let served = match stake_pool {
                None => Vec::new(),
                Some(p) => s.pool_reclaimed(PoolIndex(p), returned, slashed)?,
            };
            Ok(Reclaimed { returned: Amount(returned), slashed: Amount(slashed), served })
        })
    }
}

/// paper: the block a recovered worker's next payout counts from, so that the blocks it was
/// unresponsive are not paid (spec: "no pay for the offline blocks after recovery"). It became
/// unresponsive at the close of block `went` (a challenge timed out then); the blocks from
/// then to `block` (the recovery) are moved out of the count, and the blocks it was
/// responsive since its last payout (`paid_to`) stay in it.
#[must_use]
pub fn paper_pay_clock_after_recovery(paid_to: u32, went: u32, block: u32) -> u32 {
    let offline = block.saturating_sub(went.max(paid_to));
    paid_to.saturating_add(offline).min(block)
}

#[cfg(test)]
mod tests {
    use super::paper_pay_clock_after_recovery as clock;

    #[test]
    fn the_offline_blocks_leave_the_pay_count() {
        // Paid to block 1, unresponsive at the close of 12 (challenged in 1, window 10); back
        // at 14.
        assert_eq!(clock(1, 12, 14), 3);
        // Back in the block it went: nothing to take out.
        assert_eq!(clock(1, 12, 12), 1);
        // Paid after it went (a clock moved by an earlier recovery): only the blocks since
        // then count as offline.
        assert_eq!(clock(20, 12, 25), 25);
        assert_eq!(clock(5, 41, 100), 5 + (100 - 41));
    }
}
