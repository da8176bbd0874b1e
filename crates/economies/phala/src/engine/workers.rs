//! [`Workers`]: every registered worker in compact columns (spec: shared/spec/phala.md, "Worker
//! lifecycle"), one vector per field so that a block's pass reads only the columns it needs.
//!
//! The columns change only through this module's methods. Inside a transaction
//! ([`ergon_core::txn::atomic`]) a method that changes a worker first saves its whole row, so a
//! revert restores it; outside one (a block's close) nothing is recorded.

use ergon_core::txn::Transactional;
use ergon_core::{AccountId, Amount, Names};
use serde::{Deserialize, Serialize};

use crate::closed_form::{self, Clock};
use crate::tokenomic::Tokenomic;

/// A worker's index: its registration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkerIndex(pub u32);

/// The most challenges a worker may have waiting.
pub const PENDING_MAX: usize = 4;

/// A worker's state in the computation pallet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    /// Registered, not computing (never started, or reclaimed).
    #[default]
    Ready,
    /// Computing and answering its challenges.
    Idle,
    /// paper: computing, answering its challenges and running a contract (the seed's Active
    /// state; see [`crate::contracts`]).
    Active,
    /// Computing, but a challenge went unanswered for longer than the heartbeat window.
    Unresponsive,
    /// Stopped; its stake returns after the cool-down.
    CoolingDown,
}

impl WorkerState {
    /// Idle, Active or Unresponsive: the states the pallet counts as computing.
    #[must_use]
    pub fn is_computing(self) -> bool {
        matches!(self, WorkerState::Idle | WorkerState::Active | WorkerState::Unresponsive)
    }

    /// Idle or Active: computing and responsive (paper's Σshare counts these).
    #[must_use]
    pub fn is_responsive(self) -> bool {
        matches!(self, WorkerState::Idle | WorkerState::Active)
    }
}

/// Challenges waiting for a heartbeat, oldest first: the block each was sent in and the
/// computing session it was sent to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    blocks: [u32; PENDING_MAX],
    sessions: [u32; PENDING_MAX],
    len: u8,
}

impl Pending {
    /// The oldest challenge: (block, session).
    #[must_use]
    pub fn front(&self) -> Option<(u32, u32)> {
        (self.len > 0).then(|| (self.blocks[0], self.sessions[0]))
    }

    /// How many are waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether none is waiting.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The waiting challenges' blocks, oldest first.
    #[must_use]
    pub fn blocks(&self) -> &[u32] {
        &self.blocks[..self.len()]
    }

    fn push(&mut self, block: u32, session: u32) -> bool {
        let n = self.len();
        if n == PENDING_MAX {
            return false;
        }
        self.blocks[n] = block;
        self.sessions[n] = session;
        self.len += 1;
        true
    }

    fn pop(&mut self) {
        let n = self.len();
        self.blocks.copy_within(1..n, 0);
        self.sessions.copy_within(1..n, 0);
        self.len -= 1;
    }
}

/// One worker's fields together: what the journal saves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The operator's account.
    pub owner: u32,
    /// The confidence level from the attestation.
    pub level: u8,
    /// The benchmark score (0: none yet).
    pub score: u32,
    /// The pallet's state.
    pub state: WorkerState,
    /// The computing session (counts starts).
    pub session: u32,
    /// The stake locked by the current session, PHA base units.
    pub stake: u128,
    /// The block the cool-down started.
    pub cool_down_start: u32,
    /// The gatekeeper's record.
    pub tok: Tokenomic,
    /// The gatekeeper sees the worker computing.
    pub computing: bool,
    /// The gatekeeper's unresponsive flag.
    pub unresponsive: bool,
    /// A heartbeat of the current session arrived in this block.
    pub heartbeat: bool,
    /// Challenges waiting.
    pub pending: Pending,
    /// PHA paid to the worker in all its sessions, base units.
    pub paid: u128,
    /// paper: the contract it runs (its index), kept while it is unresponsive.
    pub contract: Option<u32>,
    /// paper's lazy close: the first block whose close is not yet in `tok` (rows read while
    /// the lazy close is on are brought up to the current block; see [`crate::lazy`]).
    pub upto: u32,
    /// paper: the block at whose close the worker last became unresponsive (its pay clock
    /// skips the blocks from it to its recovery).
    pub went: u32,
}

/// The fields of a worker that the per-block close reads and writes, together: the khala pass
/// streams these records and nothing else, and an operation on a worker reads one record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hot {
    /// The gatekeeper's record.
    pub tok: Tokenomic,
    /// Challenges waiting.
    pub pending: Pending,
    /// paper: the contract it runs (its index), kept while it is unresponsive.
    pub contract: Option<u32>,
    /// The pallet's state.
    pub state: WorkerState,
    /// The gatekeeper sees the worker computing.
    pub computing: bool,
    /// The gatekeeper's unresponsive flag.
    pub unresponsive: bool,
    /// A heartbeat of the current session arrived in this block.
    pub heartbeat: bool,
}

/// The other fields of a worker, together, with the lazy close's own two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cold {
    /// The stake locked by the current session, PHA base units.
    pub stake: u128,
    /// PHA paid to the worker in all its sessions, base units.
    pub paid: u128,
    /// paper's lazy close: the worker's part of Σshare as last computed (0: not counted).
    pub share_ref: u128,
    /// The operator's account.
    pub owner: u32,
    /// The benchmark score (0: none yet).
    pub score: u32,
    /// The computing session (counts starts).
    pub session: u32,
    /// The block the cool-down started.
    pub cool_down_start: u32,
    /// paper's lazy close: the first block whose close is not yet in `tok`.
    pub upto: u32,
    /// paper: the block at whose close the worker last became unresponsive (its pay clock
    /// skips the blocks from it to its recovery).
    pub went: u32,
    /// The confidence level from the attestation.
    pub level: u8,
}

impl Row {
    /// The row of a worker's two records.
    #[must_use]
    pub fn of(h: &Hot, c: &Cold) -> Row {
        Row {
            owner: c.owner,
            level: c.level,
            score: c.score,
            state: h.state,
            session: c.session,
            stake: c.stake,
            cool_down_start: c.cool_down_start,
            tok: h.tok,
            computing: h.computing,
            unresponsive: h.unresponsive,
            heartbeat: h.heartbeat,
            pending: h.pending,
            paid: c.paid,
            contract: h.contract,
            upto: c.upto,
            went: c.went,
        }
    }

    /// The row's hot record.
    fn hot(&self) -> Hot {
        Hot {
            tok: self.tok,
            pending: self.pending,
            contract: self.contract,
            state: self.state,
            computing: self.computing,
            unresponsive: self.unresponsive,
            heartbeat: self.heartbeat,
        }
    }

    /// The row's cold record, with the lazy close's `share_ref` (not a field of the row).
    fn cold(&self, share_ref: u128) -> Cold {
        Cold {
            stake: self.stake,
            paid: self.paid,
            share_ref,
            owner: self.owner,
            score: self.score,
            session: self.session,
            cool_down_start: self.cool_down_start,
            upto: self.upto,
            went: self.went,
            level: self.level,
        }
    }
}

/// Every worker, as two records each ([`Hot`] and [`Cold`]), by index. See the module doc.
/// Saved as one column per field ([`saved`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workers {
    names: Names,
    hot: Vec<Hot>,
    cold: Vec<Cold>,
    /// paper's lazy close: the current block and the growth constants; `None`: per block.
    clock: Option<Clock>,
    /// paper's lazy close: the workers changed in the current block (repeats allowed).
    touched: Vec<u32>,
    /// The rows the open transactions saved: empty between operations, when a state is
    /// saved, so not saved.
    journal: Vec<(u32, Row)>,
    /// Open transactions: a state is saved with none open (else refused) and reads back with
    /// none.
    depth: u32,
}

/// The journal's position and the worker count at a checkpoint.
#[derive(Debug)]
pub struct Mark {
    journal: usize,
    len: usize,
}

impl Workers {
    /// How many workers are registered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.hot.len()
    }

    /// Whether none is.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hot.is_empty()
    }

    /// The worker named `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<WorkerIndex> {
        self.names.id(name).map(WorkerIndex)
    }

    /// Worker `w`'s name.
    #[must_use]
    pub fn name(&self, w: WorkerIndex) -> &str {
        self.names.name(w.0)
    }

    /// The workers' names, by index.
    #[must_use]
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Worker `w`'s fields (under the lazy close, V and `payable` brought up to the current
    /// block). Panics when `w` is not a worker's index (a bug).
    #[must_use]
    pub fn row(&self, w: WorkerIndex) -> Row {
        let mut row = self.row_stored(w);
        if let Some(clock) = &self.clock {
            closed_form::advance_row(&mut row, clock);
        }
        row
    }

    /// Worker `w`'s fields as stored: under the lazy close V and `payable` are those of block
    /// `upto` (every other field is current), so this costs no closed form. Panics when `w`
    /// is not a worker's index (a bug).
    #[must_use]
    pub fn row_stored(&self, w: WorkerIndex) -> Row {
        let i = w.0 as usize;
        Row::of(&self.hot[i], &self.cold[i])
    }

    /// Registers worker `name` of `owner`; `None` when the name is taken.
    pub fn register(&mut self, name: &str, owner: AccountId, level: u8) -> Option<WorkerIndex> {
        let id = self.names.push(name)?;
        let upto = self.clock.as_ref().map_or(0, |c| c.block);
        let row = Row { owner: owner.0, level, upto, ..Row::default() };
        self.hot.push(row.hot());
        self.cold.push(row.cold(0));
        Some(WorkerIndex(id))
    }

    /// Replaces worker `w`'s fields with `row` (saving the old ones inside a transaction).
    pub fn set(&mut self, w: WorkerIndex, row: Row) {
        if self.depth > 0 {
            // As stored: a revert puts back the same `upto` with the same V.
            let old = self.row_stored(w);
            self.journal.push((w.0, old));
        }
        self.write(w, row);
        if self.clock.is_some() {
            self.touched.push(w.0);
        }
    }

    fn write(&mut self, w: WorkerIndex, row: Row) {
        let i = w.0 as usize;
        self.hot[i] = row.hot();
        self.cold[i] = row.cold(self.cold[i].share_ref);
    }

    /// Adds a challenge sent in `block` to worker `w`'s queue, for its current session (the
    /// row saved inside a transaction, the worker marked touched under the lazy close); returns
    /// how many wait now, or `None` (nothing changed) when the queue is full. Nothing else of
    /// the worker changes: V stays as stored. Panics when `w` is not a worker's index (a bug).
    pub fn push_challenge(&mut self, w: WorkerIndex, block: u32) -> Option<usize> {
        let i = w.0 as usize;
        if self.hot[i].pending.len() == PENDING_MAX {
            return None;
        }
        if self.depth > 0 {
            let old = self.row_stored(w);
            self.journal.push((w.0, old));
        }
        let pending = &mut self.hot[i].pending;
        pending.push(block, self.cold[i].session);
        if self.clock.is_some() {
            self.touched.push(w.0);
        }
        Some(pending.len())
    }

    /// Removes `row`'s oldest challenge (there is one).
    pub fn pop_challenge(row: &mut Row) {
        row.pending.pop();
    }

    /// The records a block's pass reads and writes, by worker (both of the same length).
    pub fn block_rows(&mut self) -> (&mut [Hot], &mut [Cold]) {
        (&mut self.hot, &mut self.cold)
    }

    /// Every worker's hot record, by index.
    #[must_use]
    pub fn hot(&self) -> &[Hot] {
        &self.hot
    }

    /// The lazy close's clock (`None`: the per-block close).
    #[must_use]
    pub fn clock(&self) -> Option<&Clock> {
        self.clock.as_ref()
    }

    /// Sets the lazy close's clock (`None`: back to the per-block close).
    pub(crate) fn set_clock(&mut self, clock: Option<Clock>) {
        self.clock = clock;
    }

    /// Moves the lazy close's clock to `block`.
    pub(crate) fn tick(&mut self, block: u32) {
        if let Some(c) = &mut self.clock {
            c.block = block;
        }
    }

    /// Takes the workers changed in this block (for the lazy close), leaving an empty list
    /// with the same capacity to be given back by [`Workers::give_back_touched`].
    pub(crate) fn take_touched(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.touched)
    }

    /// Gives back the list [`Workers::take_touched`] took, emptied.
    pub(crate) fn give_back_touched(&mut self, mut list: Vec<u32>) {
        list.clear();
        list.append(&mut self.touched);
        self.touched = list;
    }

    /// Reads a word of each cache line of worker `w`'s two records and returns their
    /// exclusive or, which means nothing: an agent about to act on many random workers warms
    /// them all first, so that their memory is fetched side by side rather than one wait after
    /// another. Panics when `w` is not a worker's index (a bug).
    #[inline]
    #[allow(clippy::cast_possible_truncation, reason = "any bits will do")]
    #[must_use]
    pub fn warm(&self, w: WorkerIndex) -> u64 {
        let (h, c) = (&self.hot[w.0 as usize], &self.cold[w.0 as usize]);
        let t = &h.tok;
        let words = [t.v.to_bits(), t.p_term.to_bits(), t.p_instant.to_bits(), c.stake];
        let more = [t.iteration_last, u64::from(h.computing), u64::from(c.level)];
        words.iter().fold(0, |x, &y| x ^ y as u64) ^ more.iter().fold(0, |x, &y| x ^ y)
    }

    /// Worker `w`'s state. Panics when `w` is not a worker's index (a bug).
    #[must_use]
    pub fn state(&self, w: WorkerIndex) -> WorkerState {
        self.hot[w.0 as usize].state
    }

    /// The pallet states, by worker.
    pub fn states(&self) -> impl Iterator<Item = WorkerState> + '_ {
        self.hot.iter().map(|h| h.state)
    }

    /// The stakes, by worker.
    pub fn stakes(&self) -> impl Iterator<Item = u128> + '_ {
        self.cold.iter().map(|c| c.stake)
    }

    /// Σ stake of the workers that hold one.
    #[must_use]
    pub fn total_stake(&self) -> Amount {
        Amount(self.stakes().sum())
    }
}

#[path = "workers_saved.rs"]
mod saved;

impl Transactional for Workers {
    type Checkpoint = (Mark, <Names as Transactional>::Checkpoint);

    fn checkpoint(&mut self) -> Self::Checkpoint {
        self.depth += 1;
        (Mark { journal: self.journal.len(), len: self.len() }, self.names.checkpoint())
    }

    fn commit(&mut self, (mark, names): Self::Checkpoint) {
        self.names.commit(names);
        self.depth -= 1;
        if self.depth == 0 {
            debug_assert!(mark.journal == 0);
            self.journal.clear();
        }
    }

    fn revert(&mut self, (mark, names): Self::Checkpoint) {
        while self.journal.len() > mark.journal {
            let (i, row) = self.journal.pop().expect("longer than the mark");
            self.write(WorkerIndex(i), row);
        }
        self.hot.truncate(mark.len);
        self.cold.truncate(mark.len);
        self.names.revert(names);
        self.depth -= 1;
    }
}
