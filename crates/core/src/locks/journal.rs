//! The [`LockQueue`]'s undo journal: [`LockCheckpoint`], commit and revert. While a checkpoint
//! is open, every change records what it replaced ([`Undo`]), so a failed operation rolls the
//! queue back in O(changes), without a copy of the queue.

use super::{Chunk, LockQueue, OwnerLocks};
use crate::Epoch;
use crate::amount::Amount;
use crate::ledger::AccountId;

/// An undo record of the queue's journal: what a change replaced.
#[derive(Clone, Debug)]
pub(super) enum Undo {
    /// A chunk was appended to bucket `release_at` (`added: None`), or `added` was coalesced
    /// into the bucket's last chunk.
    Locked { release_at: Epoch, added: Option<Amount> },
    /// Chunk `index` of bucket `release_at` had amount `prev`.
    ChunkAmount { release_at: Epoch, index: usize, prev: Amount },
    /// The owner's record before the change.
    Owner { owner: AccountId, prev: Option<OwnerLocks> },
    /// The owner's forfeit generation before the change.
    Generation { owner: AccountId, prev: Option<u16> },
    /// The queue total before the change.
    Total(Amount),
    /// Bucket `release_at`, removed when its epoch came.
    Bucket { release_at: Epoch, chunks: Vec<Chunk> },
}

/// A position in the queue's journal, returned by [`LockQueue::checkpoint`].
#[derive(Debug)]
#[must_use = "a checkpoint must be committed or reverted"]
pub struct LockCheckpoint {
    journal_len: usize,
    depth: u32,
}

impl LockQueue {
    /// Starts recording undo information; checkpoints nest like the ledger's.
    pub fn checkpoint(&mut self) -> LockCheckpoint {
        self.depth += 1;
        LockCheckpoint { journal_len: self.journal.len(), depth: self.depth }
    }

    /// Keeps every change since `cp`.
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn commit(&mut self, cp: LockCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    /// Undoes every change since `cp`, newest first. The ledger side is the caller's to revert
    /// (with the ledger checkpoint taken at the same time).
    ///
    /// # Panics
    /// When `cp` is not the innermost open checkpoint (a programming error).
    pub fn revert(&mut self, cp: LockCheckpoint) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        while self.journal.len() > cp.journal_len {
            let Some(undo) = self.journal.pop() else { break };
            match undo {
                Undo::Locked { release_at, added } => {
                    let Some(bucket) = self.buckets.get_mut(&release_at) else { continue };
                    match (added, bucket.last_mut()) {
                        (Some(a), Some(c)) => c.amount = Amount(c.amount.0 - a.0),
                        _ => {
                            bucket.pop();
                        }
                    }
                    if bucket.is_empty() {
                        self.buckets.remove(&release_at);
                    }
                }
                Undo::ChunkAmount { release_at, index, prev } => {
                    if let Some(c) =
                        self.buckets.get_mut(&release_at).and_then(|b| b.get_mut(index))
                    {
                        c.amount = prev;
                    }
                }
                Undo::Owner { owner, prev } => match prev {
                    Some(o) => *self.owners.or_default(owner) = o,
                    None => {
                        self.owners.remove(&owner);
                    }
                },
                Undo::Generation { owner, prev } => match prev {
                    Some(g) => *self.generations.or_default(owner) = g,
                    None => {
                        self.generations.remove(&owner);
                    }
                },
                Undo::Total(t) => self.total = t,
                Undo::Bucket { release_at, chunks } => {
                    self.buckets.insert(release_at, chunks);
                }
            }
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.journal.clear();
        }
    }

    pub(super) fn record(&mut self, undo: impl FnOnce(&LockQueue) -> Undo) {
        if self.depth > 0 {
            let u = undo(self);
            self.journal.push(u);
        }
    }

    pub(super) fn record_owner(&mut self, owner: AccountId) {
        self.record(|q| Undo::Owner { owner, prev: q.owners.get(&owner).cloned() });
    }

    pub(super) fn record_total(&mut self) {
        self.record(|q| Undo::Total(q.total));
    }
}
