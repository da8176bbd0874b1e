//! paper's lazy close (issue 14, "Speed"; docs/economies/phala.md, "Lazy close"): a block's
//! close that costs O(workers changed) instead of O(workers).
//!
//! Each worker keeps `upto`, the first block whose close its record does not hold yet. A row
//! read while the lazy close is on is brought up to the current block by the closed form
//! ([`crate::closed_form`]); an operation that changes a worker writes the up-to-date row and
//! marks it touched. At a block's close only the touched workers and those whose oldest
//! challenge times out in it (a deadline queue, whose entries a heartbeat or a stop has made
//! moot are dropped unclosed) run the per-block close — the same steps
//! as [`crate::block::end_block`]: recovery, timeout, slash or growth, no growth in a
//! heartbeat's block — and are up to date after it. Every other worker is untouched.
//!
//! Σshare: each responsive worker's share as last computed (at its last close or refresh) is
//! kept with it, and their sum is kept as they change; every `refresh_blocks` blocks all
//! workers are brought up to date and their shares recomputed. A heartbeat divides by the sum
//! as the block's start left it, as in the per-block close. Untouched workers' shares lag by
//! at most `refresh_blocks` blocks of growth, so this Σshare is at most the per-block one and
//! at least it over `(1 + g)^refresh_blocks`, g the largest relative growth of V a block.

use ergon_core::U64F64;
use ergon_core::invariants::Violation;

use super::deadlines::Deadlines;
use crate::Phala;
use crate::closed_form::{self, Clock};
use crate::error::{PhalaError, Result};
use crate::events::BlockReport;
use crate::params::Profile;
use crate::workers::{WorkerIndex, WorkerState};

/// The lazy close's own state.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lazy {
    /// Blocks between two full recounts of Σshare.
    pub refresh_blocks: u32,
    /// (block, worker): at the close of `block` the worker's oldest challenge may time out.
    deadlines: Deadlines,
    /// Σ of the workers' kept shares, raw bits.
    sum: u128,
}

fn bug(what: &'static str, e: &ergon_core::Error) -> Violation {
    Violation::new(what, e.to_string())
}

impl Phala {
    /// Turns paper's lazy close on, with Σshare recounted every `refresh_blocks` blocks, or
    /// off (`None`: every worker brought up to date, then the per-block close). Refused under
    /// khala (`not_in_profile`), whose close stays per block, and for 0 blocks.
    pub fn set_lazy(&mut self, refresh_blocks: Option<u32>) -> Result<()> {
        let Some(k) = refresh_blocks else {
            self.catch_up();
            self.workers.set_clock(None);
            self.lazy = None;
            return Ok(());
        };
        if self.params.profile != Profile::Paper {
            return Err(PhalaError::NotInProfile {
                op: "lazy close",
                profile: self.params.profile,
            });
        }
        if k == 0 {
            let value = "0".to_owned();
            return Err(PhalaError::BadParam { field: "lazy_refresh_blocks".into(), value });
        }
        self.fresh_sum_share();
        let p = &self.params;
        let rho_m1 = p.rho.checked_sub(U64F64::ONE)?.to_bits();
        let keep = U64F64::ONE.checked_sub(p.slash_rate)?.to_bits();
        let clock = Clock { block: self.block, v_max: p.v_max.to_bits(), rho_m1, keep };
        self.workers.set_clock(Some(clock));
        let mut lazy = Lazy { refresh_blocks: k, ..Lazy::default() };
        let (hot, cold) = self.workers.block_rows();
        for (i, (h, c)) in hot.iter().zip(cold.iter_mut()).enumerate() {
            c.upto = self.block;
            if h.computing
                && !h.unresponsive
                && let Some((sent, _)) = h.pending.front()
            {
                let due = sent.saturating_add(self.params.heartbeat_window + 1);
                lazy.deadlines.insert(due.max(self.block), i as u32);
            }
        }
        self.lazy = Some(lazy);
        refresh(self);
        Ok(())
    }

    /// Under the lazy close, brings every worker up to the current block (the columns then
    /// hold what a per-block close would, within the closed form's bound); else nothing.
    pub fn catch_up(&mut self) {
        let Some(clock) = self.workers.clock().copied() else { return };
        let (hot, cold) = self.workers.block_rows();
        for (h, c) in hot.iter_mut().zip(cold.iter_mut()) {
            c.upto = closed_form::advance(&mut h.tok, h.computing, h.unresponsive, c.upto, &clock);
        }
    }

    /// The lazy close's state (`None`: the per-block close).
    #[must_use]
    pub fn lazy(&self) -> Option<&Lazy> {
        self.lazy.as_ref()
    }
}

/// Brings every worker up to date and recounts Σshare (see the module doc).
fn refresh(s: &mut Phala) {
    // `catch_up` and the recount in one pass, each worker's record read once.
    let clock = s.workers.clock().copied();
    let (hot, cold) = s.workers.block_rows();
    let mut sum = 0u128;
    for (h, c) in hot.iter_mut().zip(cold.iter_mut()) {
        if let Some(clock) = &clock {
            c.upto = closed_form::advance(&mut h.tok, h.computing, h.unresponsive, c.upto, clock);
        }
        let share = if h.state.is_responsive() {
            // V ≤ v_max and P ≤ 7200 keep a share far below 2^128 (Params::validate).
            h.tok.cached_share().unwrap_or(u128::MAX)
        } else {
            0
        };
        c.share_ref = share;
        sum = sum.saturating_add(share);
    }
    if let Some(l) = &mut s.lazy {
        l.sum = sum;
    }
    s.sum_share = U64F64::from_bits(sum);
    s.sum_share_stale = false;
}

/// Closes the current block under the lazy close (see the module doc).
pub(crate) fn end_block(s: &mut Phala) -> std::result::Result<BlockReport, Violation> {
    let block = s.block;
    let params = s.params;
    let detail = s.report_detail;
    let Some(mut lazy) = s.lazy.take() else {
        return Err(Violation::new("lazy close", "not on".into()));
    };
    let mut touched = s.workers.take_touched();
    let window = params.heartbeat_window;
    let mut due = std::mem::take(&mut s.scratch.due);
    lazy.deadlines.take_due(block, &mut due);
    for &(_, w) in &due {
        // Closed now only if its oldest challenge times out now: one its heartbeat met (or a
        // stop ended) leaves the worker to the closed form of its next read.
        let times_out = s.workers.hot().get(w as usize).is_some_and(|h| {
            h.computing
                && !h.unresponsive
                && h.pending.front().is_some_and(|(sent, _)| block - sent > window)
        });
        if times_out {
            touched.push(w);
        }
    }
    due.clear();
    s.scratch.due = due;
    let clock =
        *s.workers.clock().ok_or_else(|| Violation::new("lazy close", "no clock".into()))?;
    let (mut idle, mut slashed) = (0u32, 0u32);
    let (mut entered, mut exited) = (Vec::new(), Vec::new());
    let (hot, cold) = s.workers.block_rows();
    for &w in &touched {
        let i = w as usize;
        let (Some(h), Some(c)) = (hot.get_mut(i), cold.get_mut(i)) else { continue };
        if c.upto > block {
            continue;
        }
        let tok = &mut h.tok;
        c.upto = closed_form::advance(tok, h.computing, h.unresponsive, c.upto, &clock);
        // The per-block close of this block, as `block::end_block` does it.
        if h.computing {
            if h.unresponsive {
                if h.heartbeat {
                    h.unresponsive = false;
                    h.state =
                        if h.contract.is_some() { WorkerState::Active } else { WorkerState::Idle };
                    if detail {
                        exited.push(w);
                    }
                }
            } else if let Some((sent, _)) = h.pending.front()
                && block - sent > window
            {
                h.unresponsive = true;
                h.state = WorkerState::Unresponsive;
                c.went = block;
                if detail {
                    entered.push(w);
                }
            }
            if h.unresponsive {
                tok.update_v_slash(&params).map_err(|e| bug("slash arithmetic", &e))?;
                slashed += 1;
            } else if !h.heartbeat {
                if tok.idle_block(clock.v_max, clock.rho_m1).is_none() {
                    let rho_m1 = U64F64::from_bits(clock.rho_m1);
                    tok.update_v_idle(&params, rho_m1).map_err(|e| bug("idle arithmetic", &e))?;
                }
                idle += 1;
            }
        }
        h.heartbeat = false;
        c.upto = block + 1;
        let share = if h.state.is_responsive() {
            tok.cached_share().ok_or_else(|| Violation::new("share", "overflow".into()))?
        } else {
            0
        };
        lazy.sum = lazy.sum - c.share_ref + share;
        c.share_ref = share;
        if h.computing
            && !h.unresponsive
            && let Some((sent, _)) = h.pending.front()
        {
            let due = sent.saturating_add(window + 1).max(block + 1);
            lazy.deadlines.insert(due, w);
        }
    }
    s.workers.give_back_touched(touched);
    let halved = crate::block::halve_if_due(s)?;
    s.block = block.checked_add(1).ok_or_else(|| {
        Violation::new(
            "block",
            "no block follows 4294967295 (the chain's BlockNumber is a u32)".into(),
        )
    })?;
    s.workers.tick(s.block);
    let due = (s.block - s.start_block).is_multiple_of(lazy.refresh_blocks);
    s.sum_share = U64F64::from_bits(lazy.sum);
    s.sum_share_stale = false;
    s.lazy = Some(lazy);
    if due {
        refresh(s);
    }
    let names = |ids: &[u32]| -> Vec<String> {
        ids.iter().map(|&i| s.workers.name(WorkerIndex(i)).to_owned()).collect()
    };
    Ok(BlockReport {
        block,
        idle,
        slashed,
        entered_unresponsive: names(&entered),
        exited_unresponsive: names(&exited),
        halved,
        budget_per_block: s.params.budget_per_block,
        sum_share: detail.then_some(s.sum_share),
    })
}
