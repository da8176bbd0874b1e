//! Transactions over an economy's whole state: the one way an operation with several fallible
//! steps is made all-or-nothing (ARCHITECTURE, "One way to act"; STYLE, revm's journal).
//!
//! A piece of state is [`Transactional`] when it can open a checkpoint, then either keep every
//! change since (commit) or undo them, newest first (revert). Checkpoints nest; each is closed
//! innermost first. [`atomic`] runs a closure inside one checkpoint and reverts on `Err`.
//!
//! The journaled parts:
//! - [`crate::Ledger`], [`crate::LockQueue`], [`crate::SumTree`] and [`crate::Vesting`] keep undo
//!   journals of their own, recorded only while a checkpoint is open: outside one (an epoch's
//!   close) they cost nothing;
//! - [`Table`] is an index-addressed vector with the same journal (node tables, lists);
//! - [`Keyed`] is an ordered map with the same journal (name indexes, per-account balances);
//! - [`Snapshot`] copies a small value at the checkpoint (a market's few numbers);
//! - [`crate::StreamRng`] keeps its position and seeks back to it.
//!
//! An economy makes its state one transaction by implementing [`Transactional`] with the
//! [`transactional!`](crate::transactional) macro over every field that an operation may change,
//! so a revert restores all of them together. A journal reuses its memory: after the first
//! operations, a checkpoint, a change and a commit allocate nothing.

mod keyed;

pub use keyed::Keyed;

/// State that can roll back to a checkpoint. See the module doc.
pub trait Transactional {
    /// A position to commit or revert to.
    type Checkpoint;
    /// Starts recording undo information.
    fn checkpoint(&mut self) -> Self::Checkpoint;
    /// Keeps every change since `cp`.
    fn commit(&mut self, cp: Self::Checkpoint);
    /// Undoes every change since `cp`, newest first.
    fn revert(&mut self, cp: Self::Checkpoint);
}

/// Runs `f` all-or-nothing over `state`: on `Err` every change `f` made is undone.
pub fn atomic<S: Transactional, T, E>(
    state: &mut S,
    f: impl FnOnce(&mut S) -> Result<T, E>,
) -> Result<T, E> {
    let cp = state.checkpoint();
    match f(state) {
        Ok(v) => {
            state.commit(cp);
            Ok(v)
        }
        Err(e) => {
            state.revert(cp);
            Err(e)
        }
    }
}

impl<T: Transactional, const N: usize> Transactional for [T; N] {
    type Checkpoint = [T::Checkpoint; N];
    fn checkpoint(&mut self) -> Self::Checkpoint {
        self.each_mut().map(Transactional::checkpoint)
    }
    fn commit(&mut self, cp: Self::Checkpoint) {
        for (s, c) in self.iter_mut().zip(cp).rev() {
            s.commit(c);
        }
    }
    fn revert(&mut self, cp: Self::Checkpoint) {
        for (s, c) in self.iter_mut().zip(cp).rev() {
            s.revert(c);
        }
    }
}

/// Implements [`Transactional`] for a struct over the listed fields: a checkpoint of each, a
/// commit or revert of each in reverse order. Every field not listed must never change inside a
/// transaction; list them after `;` as `ignore` so that a field added to the struct and left out
/// of both lists fails to compile.
///
/// ```
/// use ergon_core::txn::{Snapshot, Table, Transactional, atomic};
/// struct World { n: Snapshot<u64>, rows: Table<u32>, name: &'static str }
/// ergon_core::transactional!(World { n: Snapshot<u64>, rows: Table<u32> }; ignore name);
///
/// let mut w = World { n: Snapshot::new(1), rows: Table::new(), name: "w" };
/// let r: Result<(), ()> = atomic(&mut w, |w| {
///     *w.n.get_mut() = 2;
///     w.rows.push(7);
///     Err(())
/// });
/// assert!(r.is_err());
/// assert_eq!((*w.n.get(), w.rows.len()), (1, 0));
/// ```
#[macro_export]
macro_rules! transactional {
    ($ty:ty { $($field:ident : $fty:ty),+ $(,)? } $(; ignore $($skip:ident),+ $(,)?)?) => {
        impl $crate::txn::Transactional for $ty {
            type Checkpoint = ($(<$fty as $crate::txn::Transactional>::Checkpoint,)+);
            fn checkpoint(&mut self) -> Self::Checkpoint {
                // Fails to compile when a field of the struct is in neither list.
                let Self { $($field: _,)+ $($($skip: _,)+)? } = self;
                ($($crate::txn::Transactional::checkpoint(&mut self.$field),)+)
            }
            #[allow(non_snake_case)]
            fn commit(&mut self, cp: Self::Checkpoint) {
                let ($($field,)+) = cp;
                $crate::__reverse_each!(self, commit, [$($field)+] []);
            }
            #[allow(non_snake_case)]
            fn revert(&mut self, cp: Self::Checkpoint) {
                let ($($field,)+) = cp;
                $crate::__reverse_each!(self, revert, [$($field)+] []);
            }
        }
    };
}

/// Calls `$method` on each listed field with its checkpoint, last field first.
#[doc(hidden)]
#[macro_export]
macro_rules! __reverse_each {
    ($self:ident, $method:ident, [] [$($rev:ident)*]) => {
        $( $crate::txn::Transactional::$method(&mut $self.$rev, $rev); )*
    };
    ($self:ident, $method:ident, [$first:ident $($rest:ident)*] [$($rev:ident)*]) => {
        $crate::__reverse_each!($self, $method, [$($rest)*] [$first $($rev)*])
    };
}

/// A part that keeps its own undo records in a [`Journal`] (recorded only while a checkpoint is
/// open): its [`Transactional`] follows — a checkpoint opens the journal, a commit closes it, a
/// revert undoes its records newest first.
pub(crate) trait Journaled {
    /// One undo record.
    type Undo;
    /// The part's journal.
    fn journal(&mut self) -> &mut Journal<Self::Undo>;
    /// Undoes one record.
    fn undo(&mut self, u: Self::Undo);
}

impl<J: Journaled> Transactional for J {
    type Checkpoint = Mark;
    fn checkpoint(&mut self) -> Mark {
        self.journal().checkpoint()
    }
    fn commit(&mut self, cp: Mark) {
        self.journal().close(cp);
    }
    fn revert(&mut self, cp: Mark) {
        let mut journal = std::mem::take(self.journal());
        for u in journal.unwind(cp) {
            self.undo(u);
        }
        journal.close(cp);
        *self.journal() = journal;
    }
}

/// Depth and journal length at a checkpoint of a journaled part ([`Table`], [`Keyed`],
/// [`crate::SumTree`], [`crate::Vesting`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a checkpoint must be committed or reverted"]
pub struct Mark {
    len: usize,
    depth: u32,
}

/// The nesting bookkeeping of a journal: undo records and the open checkpoints' depth.
#[derive(Clone, Debug)]
pub(crate) struct Journal<U> {
    undo: Vec<U>,
    depth: u32,
}

impl<U> Default for Journal<U> {
    fn default() -> Self {
        Journal { undo: Vec::new(), depth: 0 }
    }
}

/// A journal is saved as nothing: a checkpoint of the state is taken between operations, when
/// no transaction is open (saving inside one is refused), and reads back empty.
impl<U> serde::Serialize for Journal<U> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.depth > 0 {
            return Err(serde::ser::Error::custom("the state is saved inside an open transaction"));
        }
        s.serialize_unit()
    }
}

impl<'de, U> serde::Deserialize<'de> for Journal<U> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <()>::deserialize(d)?;
        Ok(Journal::default())
    }
}

impl<U> Journal<U> {
    pub(crate) fn open(&self) -> bool {
        self.depth > 0
    }
    pub(crate) fn record(&mut self, u: U) {
        if self.depth > 0 {
            self.undo.push(u);
        }
    }
    pub(crate) fn checkpoint(&mut self) -> Mark {
        self.depth += 1;
        Mark { len: self.undo.len(), depth: self.depth }
    }
    pub(crate) fn close(&mut self, cp: Mark) {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        self.depth -= 1;
        if self.depth == 0 {
            self.undo.clear();
        }
    }
    /// The undo entries since `cp`, newest first.
    pub(crate) fn unwind(&mut self, cp: Mark) -> impl Iterator<Item = U> + '_ {
        assert_eq!(cp.depth, self.depth, "checkpoints must be closed innermost first");
        std::iter::from_fn(move || (self.undo.len() > cp.len).then(|| self.undo.pop()).flatten())
    }
}

/// An undo record of a [`Table`].
#[derive(Clone, Debug)]
pub(crate) enum TableUndo<T> {
    Set(u32, T),
    Pushed,
    Cleared(Vec<T>),
}

/// A vector addressed by index whose changes are journaled while a checkpoint is open: rows are
/// appended ([`Table::push`]) and changed ([`Table::update`], [`Table::get_mut`]), never removed.
#[derive(Clone, Debug, Default)]
pub struct Table<T> {
    rows: Vec<T>,
    journal: Journal<TableUndo<T>>,
}

/// Serialized as its rows (a saved state refuses an open transaction: [`Journal`]).
impl<T: serde::Serialize> serde::Serialize for Table<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.journal.open() {
            return Err(serde::ser::Error::custom("the state is saved inside an open transaction"));
        }
        self.rows.serialize(s)
    }
}

/// Read back from its rows, with no transaction open.
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Table<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Table { rows: Vec::deserialize(d)?, journal: Journal::default() })
    }
}

/// Two tables are equal when they hold the same rows (open checkpoints aside).
impl<T: PartialEq> PartialEq for Table<T> {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
    }
}
impl<T: Eq> Eq for Table<T> {}

impl<T: Clone> Table<T> {
    /// An empty table.
    #[must_use]
    pub fn new() -> Table<T> {
        Table { rows: Vec::new(), journal: Journal::default() }
    }

    /// A table of `rows`.
    #[must_use]
    pub fn from_rows(rows: Vec<T>) -> Table<T> {
        Table { rows, journal: Journal::default() }
    }

    /// The rows, by index.
    #[must_use]
    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// Row `i`, if any.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&T> {
        self.rows.get(i)
    }

    /// The number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends a row; returns its index.
    pub fn push(&mut self, row: T) -> usize {
        self.journal.record(TableUndo::Pushed);
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// Row `i` for changing, its old value journaled (panics when `i` is out of range: indexes
    /// come from the table itself).
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        if self.journal.open() {
            let idx = u32::try_from(i).expect("table rows are indexed by u32");
            self.journal.record(TableUndo::Set(idx, self.rows[i].clone()));
        }
        &mut self.rows[i]
    }

    /// Row `i` for changing, if it exists (its old value journaled).
    pub fn try_get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i < self.rows.len() { Some(self.get_mut(i)) } else { None }
    }

    /// Changes row `i` by `f`.
    pub fn update<R>(&mut self, i: usize, f: impl FnOnce(&mut T) -> R) -> R {
        f(self.get_mut(i))
    }

    /// The rows for changing in place, unjournaled (outside a checkpoint only: an epoch's
    /// close).
    pub fn rows_mut(&mut self) -> &mut [T] {
        assert!(!self.journal.open(), "rows change in place only outside a transaction");
        &mut self.rows
    }

    /// The rows in index order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.rows.iter()
    }

    /// Replaces every row (outside a checkpoint only: an epoch's bookkeeping).
    pub fn replace(&mut self, rows: Vec<T>) {
        assert!(!self.journal.open(), "a table is not replaced inside a transaction");
        self.rows = rows;
    }

    /// Keeps the rows `keep` accepts, in order (outside a checkpoint only: an epoch's
    /// bookkeeping).
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        assert!(!self.journal.open(), "a table is not filtered inside a transaction");
        self.rows.retain(keep);
    }

    /// Keeps the first `len` rows (outside a checkpoint only: an epoch's bookkeeping).
    pub fn truncate(&mut self, len: usize) {
        assert!(!self.journal.open(), "a table is not truncated inside a transaction");
        self.rows.truncate(len);
    }

    /// Removes every row: outside a checkpoint in place (the capacity kept), inside one by
    /// moving the rows into the journal.
    pub fn clear(&mut self) {
        if self.journal.open() {
            let rows = std::mem::take(&mut self.rows);
            self.journal.record(TableUndo::Cleared(rows));
        } else {
            self.rows.clear();
        }
    }

    /// Whether a checkpoint is open (changes are journaled).
    #[must_use]
    pub fn in_transaction(&self) -> bool {
        self.journal.open()
    }
}

impl<'a, T> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

impl<T> std::ops::Index<usize> for Table<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.rows[i]
    }
}

impl<T: Clone> Journaled for Table<T> {
    type Undo = TableUndo<T>;
    fn journal(&mut self) -> &mut Journal<TableUndo<T>> {
        &mut self.journal
    }
    fn undo(&mut self, u: TableUndo<T>) {
        match u {
            TableUndo::Set(i, old) => self.rows[i as usize] = old,
            TableUndo::Pushed => {
                self.rows.pop();
            }
            TableUndo::Cleared(rows) => self.rows = rows,
        }
    }
}

/// A small value copied whole at each checkpoint (a market's few numbers, an RNG's state): a
/// revert puts the copy back. For values of a few hundred bytes at most.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Snapshot<T>(T);

impl<T: Clone> Snapshot<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Snapshot<T> {
        Snapshot(value)
    }
    /// The value.
    pub fn get(&self) -> &T {
        &self.0
    }
    /// The value, for changing.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Clone> Transactional for Snapshot<T> {
    type Checkpoint = T;
    fn checkpoint(&mut self) -> T {
        self.0.clone()
    }
    fn commit(&mut self, _cp: T) {}
    fn revert(&mut self, cp: T) {
        self.0 = cp;
    }
}

/// [`Transactional`] for a type whose inherent `checkpoint`, `commit` and `revert` keep their
/// own journal.
macro_rules! inherent_journal {
    ($($ty:ty => $cp:ty),+ $(,)?) => {$(
        impl Transactional for $ty {
            type Checkpoint = $cp;
            fn checkpoint(&mut self) -> $cp {
                <$ty>::checkpoint(self)
            }
            fn commit(&mut self, cp: $cp) {
                <$ty>::commit(self, cp);
            }
            fn revert(&mut self, cp: $cp) {
                <$ty>::revert(self, cp);
            }
        }
    )+};
}

inherent_journal!(
    crate::Ledger => crate::ledger::Checkpoint,
    crate::LockQueue => crate::locks::LockCheckpoint,
);

#[cfg(test)]
mod tests;
